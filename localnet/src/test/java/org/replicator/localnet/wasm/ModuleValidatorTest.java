package org.replicator.localnet.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Modules are refused at install for what the IC refuses, with an error that names the problem. */
class ModuleValidatorTest {
    private static final HostInterface HOST = HostInterface.of(Map.of(
            "msg_reply", FunctionType.of(List.of(), List.of()),
            "msg_arg_data_size", FunctionType.of(List.of(), List.of(ValType.I32))));

    private static ModuleValidator.Exports validate(byte[] wasm) throws InvalidModuleException {
        return ModuleValidator.validate(wasm, Parser.parse(wasm), HOST);
    }

    private static ModuleValidator.Exports validate(String wat) throws InvalidModuleException {
        return validate(Wat2Wasm.parse(wat));
    }

    private static String refusal(String wat) {
        return assertThrows(InvalidModuleException.class, () -> validate(wat)).getMessage();
    }

    @Test
    void refusesAnIc0ImportTheLocalnetDoesNotImplementNamingIt() {
        assertEquals("module imports ic0.mint_cycles, which the localnet does not implement",
                refusal("(module (import \"ic0\" \"mint_cycles\" (func (param i64) (result i64))))"));
    }

    @Test
    void refusesImportsFromOtherModulesAndImportsOtherThanFunctions() {
        assertEquals("module imports env.print, but canisters may only import functions from module \"ic0\"",
                refusal("(module (import \"env\" \"print\" (func)))"));
        assertEquals("module imports ic0.mem as a MEMORY, but canisters may only import functions",
                refusal("(module (import \"ic0\" \"mem\" (memory 1)))"));
    }

    @Test
    void refusesAnImportDeclaredWithAnotherTypeThanTheSystemApis() {
        String message = refusal("(module (import \"ic0\" \"msg_arg_data_size\" (func (result i64))))");
        assertEquals(true, message.startsWith("module imports ic0.msg_arg_data_size with type "), message);
    }

    @Test
    void refusesExportsThatLookLikeEntryPointsButAreNone() {
        assertEquals("module exports 'canister_foo', which is not a canister entry point (no other export may "
                + "start with 'canister_')", refusal("(module (func (export \"canister_foo\")))"));
    }

    @Test
    void refusesEntryPointsWithParametersOrResults() {
        String message = refusal("(module (func (export \"canister_update go\") (param i32)))");
        assertEquals(true, message.startsWith("export 'canister_update go' has type "), message);
    }

    @Test
    void refusesAMethodExportedBothAsUpdateAndQuery() {
        assertEquals("method 'm' is exported more than once (as update, query or composite query)", refusal(
                "(module (func $f) (export \"canister_update m\" (func $f)) (export \"canister_query m\" (func $f)))"));
    }

    @Test
    void collectsMethodsByKindAndKeepsSystemEntryPoints() throws Exception {
        ModuleValidator.Exports exports = validate("""
                (module
                  (import "ic0" "msg_reply" (func $reply))
                  (memory 1)
                  (func $f call $reply)
                  (export "canister_update up" (func $f))
                  (export "canister_query q" (func $f))
                  (export "canister_composite_query cq" (func $f))
                  (export "canister_init" (func $f))
                  (export "helper" (func $f)))
                """);
        assertEquals(Set.of("up"), exports.updates());
        assertEquals(Set.of("q"), exports.queries());
        assertEquals(Set.of("cq"), exports.compositeQueries());
        assertEquals(Set.of("canister_update up", "canister_query q", "canister_composite_query cq", "canister_init",
                "helper"), exports.functions());
    }

    @Test
    void separatesPublicAndPrivateMetadataAndRefusesOtherIcpSections() throws Exception {
        byte[] module = Wat2Wasm.parse("(module)");
        byte[] withMetadata = CustomSectionsTest.append(CustomSectionsTest.append(module,
                "icp:public candid:service", "service : {}".getBytes(StandardCharsets.UTF_8)),
                "icp:private notes", new byte[] {1, 2});
        ModuleValidator.Exports exports = validate(withMetadata);
        assertArrayEquals("service : {}".getBytes(StandardCharsets.UTF_8), exports.publicMetadata().get("candid:service"));
        assertArrayEquals(new byte[] {1, 2}, exports.privateMetadata().get("notes"));
        assertEquals(Set.of("candid:service"), exports.publicMetadata().keySet());

        InvalidModuleException e = assertThrows(InvalidModuleException.class,
                () -> validate(CustomSectionsTest.append(module, "icp:secret x", new byte[0])));
        assertEquals(true, e.getMessage().contains("neither 'icp:public <name>' nor 'icp:private <name>'"),
                e.getMessage());
    }
}
