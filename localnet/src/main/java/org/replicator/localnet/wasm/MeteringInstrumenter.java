package org.replicator.localnet.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.Instruction;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Adds instruction counting to a module by rewriting its binary, the way the IC instruments
 * canisters: one new mutable i64 global holds the instructions the message may still execute;
 * at the start of every basic block the block's instruction count is subtracted and, if the
 * counter went below zero, the block traps with {@code unreachable}. Because the counting is in
 * the wasm itself, AOT-compiled and interpreted code count exactly the same.
 *
 * <p>What is counted: every wasm instruction once, charged at the start of its basic block
 * (blocks end after loop, if, else, end, br, br_if, br_table, return and unreachable), so a block
 * left early by a trap is charged in full. Bulk memory operations count as one instruction each;
 * System API calls are charged by the host. The rewrite keeps every existing index: the global is
 * appended after all others and exported as {@link #EXPORT_NAME}.
 */
public final class MeteringInstrumenter {
    public static final String EXPORT_NAME = "__replicator_instructions";

    private MeteringInstrumenter() {
    }

    /** The rewritten module and the index of its counter global. */
    public record Instrumented(byte[] wasm, int meterGlobalIndex) {
    }

    /**
     * Instruments {@code original}, already parsed as {@code parsed} (the parse supplies
     * instruction boundaries). The counter starts at {@code initialBudget}, which is what the
     * wasm start function may use.
     */
    public static Instrumented instrument(byte[] original, WasmModule parsed, long initialBudget) {
        int meter = parsed.importSection().count(ExternalType.GLOBAL) + parsed.globalSection().globalCount();
        TreeMap<Integer, byte[]> inserts = new TreeMap<>();
        for (FunctionBody body : parsed.codeSection().functionBodies()) {
            List<? extends Instruction> ins = body.instructions();
            List<Integer> leaders = basicBlockLeaders(ins);
            for (int k = 0; k < leaders.size(); k++) {
                int start = leaders.get(k);
                int end = k + 1 < leaders.size() ? leaders.get(k + 1) : ins.size();
                inserts.put(ins.get(start).address(), charge(meter, end - start));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(original.length + inserts.size() * 16);
        out.write(original, 0, 8);
        int p = 8;
        boolean globalWritten = false;
        boolean exportWritten = false;
        while (p < original.length) {
            int id = original[p] & 0xff;
            long[] size = Leb128.readUnsigned(original, p + 1);
            int contentStart = (int) size[1];
            int contentEnd = contentStart + (int) size[0];
            if (!globalWritten && id != 0 && order(id) > order(6)) {
                writeSection(out, 6, withGlobal(original, -1, -1, initialBudget));
                globalWritten = true;
            }
            if (!exportWritten && id != 0 && order(id) > order(7)) {
                writeSection(out, 7, withExport(original, -1, -1, meter));
                exportWritten = true;
            }
            switch (id) {
                case 6 -> {
                    writeSection(out, 6, withGlobal(original, contentStart, contentEnd, initialBudget));
                    globalWritten = true;
                }
                case 7 -> {
                    writeSection(out, 7, withExport(original, contentStart, contentEnd, meter));
                    exportWritten = true;
                }
                case 10 -> writeSection(out, 10, instrumentedCode(original, contentStart, contentEnd, inserts));
                default -> out.write(original, p, contentEnd - p);
            }
            p = contentEnd;
        }
        if (!globalWritten) {
            writeSection(out, 6, withGlobal(original, -1, -1, initialBudget));
        }
        if (!exportWritten) {
            writeSection(out, 7, withExport(original, -1, -1, meter));
        }
        return new Instrumented(out.toByteArray(), meter);
    }

    private static List<Integer> basicBlockLeaders(List<? extends Instruction> ins) {
        List<Integer> leaders = new ArrayList<>();
        leaders.add(0);
        for (int i = 0; i < ins.size() - 1; i++) {
            switch (ins.get(i).opcode()) {
                case LOOP, IF, ELSE, END, BR_IF, BR_TABLE, BR, RETURN, UNREACHABLE -> {
                    if (leaders.get(leaders.size() - 1) != i + 1) {
                        leaders.add(i + 1);
                    }
                }
                default -> {
                    // not a block boundary
                }
            }
        }
        return leaders;
    }

    /** The position of a section id in the binary's required section order. */
    private static int order(int id) {
        return id == 12 ? 95 : id * 10;
    }

    /** global.get G; i64.const cost; i64.sub; global.set G; if G < 0: unreachable. */
    private static byte[] charge(int global, int cost) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(24);
        b.write(0x23);
        Leb128.writeUnsigned(b, global);
        b.write(0x42);
        Leb128.writeSigned(b, cost);
        b.write(0x7d);
        b.write(0x24);
        Leb128.writeUnsigned(b, global);
        b.write(0x23);
        Leb128.writeUnsigned(b, global);
        b.write(0x42);
        Leb128.writeSigned(b, 0);
        b.write(0x53);
        b.write(0x04);
        b.write(0x40);
        b.write(0x00);
        b.write(0x0b);
        return b.toByteArray();
    }

    private static byte[] withGlobal(byte[] in, int start, int end, long initialBudget) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long count = 0;
        int p = start;
        if (start >= 0) {
            long[] c = Leb128.readUnsigned(in, start);
            count = c[0];
            p = (int) c[1];
        }
        Leb128.writeUnsigned(b, count + 1);
        if (start >= 0) {
            b.write(in, p, end - p);
        }
        b.write(0x7e); // i64
        b.write(0x01); // mutable
        b.write(0x42); // i64.const
        Leb128.writeSigned(b, initialBudget);
        b.write(0x0b);
        return b.toByteArray();
    }

    private static byte[] withExport(byte[] in, int start, int end, int global) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        long count = 0;
        int p = start;
        if (start >= 0) {
            long[] c = Leb128.readUnsigned(in, start);
            count = c[0];
            p = (int) c[1];
        }
        Leb128.writeUnsigned(b, count + 1);
        if (start >= 0) {
            b.write(in, p, end - p);
        }
        byte[] name = EXPORT_NAME.getBytes(StandardCharsets.UTF_8);
        Leb128.writeUnsigned(b, name.length);
        b.writeBytes(name);
        b.write(0x03); // global export
        Leb128.writeUnsigned(b, global);
        return b.toByteArray();
    }

    private static byte[] instrumentedCode(byte[] in, int start, int end, TreeMap<Integer, byte[]> inserts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(end - start + inserts.size() * 16);
        long[] c = Leb128.readUnsigned(in, start);
        long functions = c[0];
        int p = (int) c[1];
        Leb128.writeUnsigned(b, functions);
        for (long i = 0; i < functions; i++) {
            long[] size = Leb128.readUnsigned(in, p);
            int bodyStart = (int) size[1];
            int bodyEnd = bodyStart + (int) size[0];
            ByteArrayOutputStream body = new ByteArrayOutputStream(bodyEnd - bodyStart + 64);
            int q = bodyStart;
            for (var insert : inserts.subMap(bodyStart, bodyEnd).entrySet()) {
                body.write(in, q, insert.getKey() - q);
                body.writeBytes(insert.getValue());
                q = insert.getKey();
            }
            body.write(in, q, bodyEnd - q);
            Leb128.writeUnsigned(b, body.size());
            b.writeBytes(body.toByteArray());
            p = bodyEnd;
        }
        return b.toByteArray();
    }

    private static void writeSection(ByteArrayOutputStream out, int id, byte[] content) {
        out.write(id);
        Leb128.writeUnsigned(out, content.length);
        out.writeBytes(content);
    }
}
