package org.replicator.localnet.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Custom sections are found by walking the section headers, between and after the other sections. */
class CustomSectionsTest {
    /** {@code wasm} with a custom section appended (id 0, size, name, content). */
    static byte[] append(byte[] wasm, String name, byte[] content) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeLeb(body, nameBytes.length);
        body.writeBytes(nameBytes);
        body.writeBytes(content);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(wasm);
        out.write(0);
        writeLeb(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeLeb(ByteArrayOutputStream out, int value) {
        do {
            int b = value & 0x7f;
            value >>>= 7;
            out.write(value == 0 ? b : b | 0x80);
        } while (value != 0);
    }

    @Test
    void readsEveryCustomSectionWithItsNameAndContentInOrder() {
        byte[] wasm = Wat2Wasm.parse("(module (func (export \"f\")))");
        byte[] big = new byte[300]; // a size that takes two LEB128 bytes
        Arrays.fill(big, (byte) 7);
        byte[] with = append(append(wasm, "name", new byte[] {1}), "icp:public big", big);
        List<CustomSections.Section> sections = CustomSections.read(with);
        assertEquals(List.of("name", "icp:public big"), sections.stream().map(CustomSections.Section::name).toList());
        assertArrayEquals(new byte[] {1}, sections.get(0).content());
        assertArrayEquals(big, sections.get(1).content());
    }

    @Test
    void aModuleWithoutCustomSectionsHasNone() {
        assertEquals(List.of(), CustomSections.read(Wat2Wasm.parse("(module (memory 1))")));
    }

    @Test
    void aSectionRunningPastTheEndOfTheModuleIsRefused() {
        byte[] with = append(Wat2Wasm.parse("(module)"), "x", new byte[10]);
        byte[] truncated = Arrays.copyOf(with, with.length - 3);
        assertThrows(IllegalArgumentException.class, () -> CustomSections.read(truncated));
    }
}
