package org.replicator.localnet.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The meter counts executed instructions per basic block, in the module itself, keeping its indices. */
class MeteringInstrumenterTest {
    private static final long BUDGET = 1_000_000;

    /** An instrumented instance of {@code wat}, with the instrumentation's meter global. */
    private record Metered(Instance instance, int meter) {
        long used(Runnable run) {
            instance.global(meter).setValue(BUDGET);
            run.run();
            return BUDGET - instance.global(meter).getValue();
        }

        long call(String export, long... args) {
            return used(() -> instance.export(export).apply(args));
        }
    }

    private static Metered metered(String wat, ImportValues imports) {
        byte[] wasm = Wat2Wasm.parse(wat);
        MeteringInstrumenter.Instrumented instrumented = MeteringInstrumenter.instrument(wasm, Parser.parse(wasm), BUDGET);
        WasmModule module = Parser.parse(instrumented.wasm());
        return new Metered(Instance.builder(module).withImportValues(imports).build(), instrumented.meterGlobalIndex());
    }

    private static Metered metered(String wat) {
        return metered(wat, ImportValues.empty());
    }

    @Test
    void straightLineCodeCostsOneUnitPerInstructionIncludingTheFinalEnd() {
        Metered m = metered("(module (func (export \"f\") (result i32) i32.const 1 i32.const 2 i32.add))");
        assertEquals(4, m.call("f"));
    }

    @Test
    void eachLoopIterationCostsExactlyTheInstructionsOfItsBody() {
        Metered m = metered("""
                (module (func (export "count") (param $n i32)
                  (block $done
                    (loop $again
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $again)))))
                """);
        long none = m.call("count", 0);
        long ten = m.call("count", 10);
        // one iteration: local.get, i32.eqz, br_if, local.get, i32.const, i32.sub, local.set, br
        assertEquals(10 * 8, ten - none);
    }

    @Test
    void brTableIsChargedOnlyForThePathItTakes() {
        Metered m = metered("""
                (module (func (export "pick") (param $i i32) (result i32)
                  (block $b2 (block $b1 (block $b0
                    (br_table $b0 $b1 $b2 (local.get $i)))
                    (return (i32.const 10)))
                    (nop) (nop) (return (i32.const 11)))
                  (nop) (nop) (nop) (nop) (i32.const 12)))
                """);
        long zero = m.call("pick", 0);
        long one = m.call("pick", 1);
        long two = m.call("pick", 2);
        // Shared: block, block, block, local.get, br_table. A branch lands after the target
        // block's end, so that end is not executed and not charged.
        // case 0: i32.const, return
        assertEquals(7, zero);
        // case 1: nop, nop, i32.const, return
        assertEquals(9, one);
        // case 2: four nops, i32.const, the function's end
        assertEquals(11, two);
    }

    @Test
    void aCallCostsTheCallersInstructionsPlusTheCallees() {
        Metered m = metered("""
                (module
                  (func $callee (result i32) i32.const 1 i32.const 2 i32.add)
                  (func (export "callee") (result i32) call $callee)
                  (func (export "twice") (result i32) call $callee call $callee i32.add))
                """);
        long callee = m.call("callee") - 2; // the export's own call and end
        assertEquals(4, callee);
        assertEquals(2 * callee + 4, m.call("twice"));
    }

    @Test
    void runningOutOfInstructionsTrapsWithTheMeterBelowZero() {
        Metered m = metered("(module (func (export \"spin\") (loop $l (br $l))))");
        m.instance().global(m.meter()).setValue(1000);
        assertThrows(ChicoryException.class, () -> m.instance().export("spin").apply());
        assertTrue(m.instance().global(m.meter()).getValue() < 0);
    }

    @Test
    void aModuleWithImportsAndGlobalsStaysValidAndKeepsItsIndices() {
        String wat = """
                (module
                  (import "ic0" "msg_reply" (func $reply))
                  (global $g (export "g") (mut i64) (i64.const 42))
                  (global $h i32 (i32.const 7))
                  (func (export "bump") (result i64)
                    call $reply
                    (global.set $g (i64.add (global.get $g) (i64.const 1)))
                    (global.get $g)))
                """;
        int[] replies = {0};
        ImportValues imports = ImportValues.builder().addFunction(new HostFunction("ic0", "msg_reply",
                FunctionType.of(List.of(), List.of()), (instance, args) -> {
                    replies[0]++;
                    return null;
                })).build();
        byte[] wasm = Wat2Wasm.parse(wat);
        MeteringInstrumenter.Instrumented instrumented = MeteringInstrumenter.instrument(wasm, Parser.parse(wasm), BUDGET);
        assertEquals(2, instrumented.meterGlobalIndex(), "appended after the module's two globals");
        WasmModule module = Parser.parse(instrumented.wasm());
        Instance instance = Instance.builder(module).withImportValues(imports).build();
        assertEquals(43, instance.export("bump").apply()[0]);
        assertEquals(44, instance.export("bump").apply()[0]);
        assertEquals(2, replies[0]);
        assertEquals(44, instance.exports().global("g").getValue());
        assertEquals(ValType.I64, instance.global(instrumented.meterGlobalIndex()).getType());
        assertEquals(instrumented.meterGlobalIndex(), module.exportSection().getExport(
                exportIndex(module, MeteringInstrumenter.EXPORT_NAME)).index());
    }

    private static int exportIndex(WasmModule module, String name) {
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            if (module.exportSection().getExport(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name + " is not exported");
    }
}
