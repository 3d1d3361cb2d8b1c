package org.replicator.localnet.wasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the custom sections of a wasm binary in order, duplicates included (Chicory's parsed
 * module keeps one per name), which the IC's rules on {@code icp:} sections need.
 */
final class CustomSections {
    record Section(String name, byte[] content) {
    }

    private CustomSections() {
    }

    static List<Section> read(byte[] wasm) {
        List<Section> out = new ArrayList<>();
        int p = 8;
        while (p < wasm.length) {
            int id = wasm[p] & 0xff;
            long[] size = Leb128.readUnsigned(wasm, p + 1);
            int start = (int) size[1];
            int end = start + (int) size[0];
            if (end > wasm.length) {
                throw new IllegalArgumentException("section at offset " + p + " runs past the end of the module");
            }
            if (id == 0) {
                long[] nameLength = Leb128.readUnsigned(wasm, start);
                int nameStart = (int) nameLength[1];
                int nameEnd = nameStart + (int) nameLength[0];
                String name = new String(wasm, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8);
                byte[] content = new byte[end - nameEnd];
                System.arraycopy(wasm, nameEnd, content, 0, content.length);
                out.add(new Section(name, content));
            }
            p = end;
        }
        return out;
    }
}
