package org.replicator.localnet.wasm;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a parsed module against what the IC accepts as a canister: imports only from
 * {@code ic0} and only functions the localnet implements, at most one memory, well-formed
 * {@code canister_*} exports, and {@code icp:} custom sections by the specification's rules.
 */
final class ModuleValidator {
    static final Set<String> SYSTEM_EXPORTS = Set.of("canister_init", "canister_pre_upgrade", "canister_post_upgrade",
            "canister_inspect_message", "canister_heartbeat", "canister_global_timer", "canister_on_low_wasm_memory");
    static final int MAX_FUNCTIONS = 50_000;
    static final int MAX_GLOBALS = 1_000;
    static final int MAX_METHOD_EXPORTS = 1_000;
    static final int MAX_METHOD_NAME_BYTES = 20_000;
    static final int MAX_ICP_SECTIONS = 16;
    static final int MAX_ICP_SECTION_BYTES = 1 << 20;

    /** What validation learns about the module's entry points and metadata. */
    record Exports(Set<String> updates, Set<String> queries, Set<String> compositeQueries, Set<String> functions,
            Map<String, byte[]> publicMetadata, Map<String, byte[]> privateMetadata) {
    }

    private ModuleValidator() {
    }

    static Exports validate(byte[] wasm, WasmModule m, HostInterface host) throws InvalidModuleException {
        int importedFunctions = 0;
        for (int i = 0; i < m.importSection().importCount(); i++) {
            Import imp = m.importSection().getImport(i);
            String where = imp.module() + "." + imp.name();
            if (!imp.module().equals("ic0")) {
                throw new InvalidModuleException("module imports " + where
                        + ", but canisters may only import functions from module \"ic0\"");
            }
            if (imp.importType() != ExternalType.FUNCTION) {
                throw new InvalidModuleException("module imports " + where + " as a " + imp.importType()
                        + ", but canisters may only import functions");
            }
            FunctionType wanted = host.functions().get(imp.name());
            if (wanted == null) {
                throw new InvalidModuleException("module imports " + where + ", which the localnet does not implement");
            }
            FunctionType declared = m.typeSection().getType(((FunctionImport) imp).typeIndex());
            if (!declared.equals(wanted)) {
                throw new InvalidModuleException("module imports " + where + " with type " + declared
                        + ", but the System API defines it as " + wanted);
            }
            importedFunctions++;
        }
        int memories = m.memorySection().map(s -> s.memoryCount()).orElse(0);
        if (memories > 1) {
            throw new InvalidModuleException("module defines " + memories + " memories; a canister may have at most one");
        }
        int functions = importedFunctions + m.functionSection().functionCount();
        if (functions > MAX_FUNCTIONS) {
            throw new InvalidModuleException("module has " + functions + " functions; at most " + MAX_FUNCTIONS + " are allowed");
        }
        int globals = m.globalSection().globalCount();
        if (globals > MAX_GLOBALS) {
            throw new InvalidModuleException("module has " + globals + " globals; at most " + MAX_GLOBALS + " are allowed");
        }
        Set<String> updates = new LinkedHashSet<>();
        Set<String> queries = new LinkedHashSet<>();
        Set<String> composite = new LinkedHashSet<>();
        Set<String> exportedFunctions = new LinkedHashSet<>();
        Set<String> methodNames = new LinkedHashSet<>();
        int methodNameBytes = 0;
        for (int i = 0; i < m.exportSection().exportCount(); i++) {
            Export e = m.exportSection().getExport(i);
            if (e.exportType() != ExternalType.FUNCTION) {
                continue;
            }
            exportedFunctions.add(e.name());
            if (!e.name().startsWith("canister_")) {
                continue;
            }
            FunctionType type = functionType(m, e.index(), importedFunctions);
            if (!type.params().isEmpty() || !type.returns().isEmpty()) {
                throw new InvalidModuleException("export '" + e.name() + "' has type " + type
                        + ", but canister entry points take and return nothing");
            }
            String method = null;
            if (e.name().startsWith("canister_update ")) {
                method = e.name().substring("canister_update ".length());
                updates.add(method);
            } else if (e.name().startsWith("canister_query ")) {
                method = e.name().substring("canister_query ".length());
                queries.add(method);
            } else if (e.name().startsWith("canister_composite_query ")) {
                method = e.name().substring("canister_composite_query ".length());
                composite.add(method);
            } else if (!SYSTEM_EXPORTS.contains(e.name())) {
                throw new InvalidModuleException("module exports '" + e.name()
                        + "', which is not a canister entry point (no other export may start with 'canister_')");
            }
            if (method != null) {
                if (!methodNames.add(method)) {
                    throw new InvalidModuleException("method '" + method + "' is exported more than once "
                            + "(as update, query or composite query)");
                }
                methodNameBytes += method.length();
            }
        }
        if (methodNames.size() > MAX_METHOD_EXPORTS) {
            throw new InvalidModuleException("module exports " + methodNames.size() + " methods; at most "
                    + MAX_METHOD_EXPORTS + " are allowed");
        }
        if (methodNameBytes > MAX_METHOD_NAME_BYTES) {
            throw new InvalidModuleException("the names of the exported methods have " + methodNameBytes
                    + " bytes together; at most " + MAX_METHOD_NAME_BYTES + " are allowed");
        }
        Map<String, byte[]> publicMetadata = new LinkedHashMap<>();
        Map<String, byte[]> privateMetadata = new LinkedHashMap<>();
        icpSections(wasm, publicMetadata, privateMetadata);
        return new Exports(Set.copyOf(updates), Set.copyOf(queries), Set.copyOf(composite), Set.copyOf(exportedFunctions),
                publicMetadata, privateMetadata);
    }

    private static FunctionType functionType(WasmModule m, int index, int importedFunctions) {
        if (index < importedFunctions) {
            int seen = 0;
            for (int i = 0; i < m.importSection().importCount(); i++) {
                Import imp = m.importSection().getImport(i);
                if (imp.importType() == ExternalType.FUNCTION && seen++ == index) {
                    return m.typeSection().getType(((FunctionImport) imp).typeIndex());
                }
            }
        }
        return m.functionSection().getFunctionType(index - importedFunctions, m.typeSection());
    }

    private static void icpSections(byte[] wasm, Map<String, byte[]> publicMetadata,
            Map<String, byte[]> privateMetadata) throws InvalidModuleException {
        List<CustomSections.Section> sections;
        try {
            sections = CustomSections.read(wasm);
        } catch (IllegalArgumentException e) {
            throw new InvalidModuleException("module sections are malformed: " + e.getMessage());
        }
        int count = 0;
        long bytes = 0;
        Map<String, String> seen = new HashMap<>();
        for (CustomSections.Section s : sections) {
            if (!s.name().startsWith("icp:")) {
                continue;
            }
            count++;
            bytes += s.name().length() + s.content().length;
            String visibility;
            String name;
            if (s.name().startsWith("icp:public ")) {
                visibility = "public";
                name = s.name().substring("icp:public ".length());
                publicMetadata.put(name, s.content());
            } else if (s.name().startsWith("icp:private ")) {
                visibility = "private";
                name = s.name().substring("icp:private ".length());
                privateMetadata.put(name, s.content());
            } else {
                throw new InvalidModuleException("custom section '" + s.name()
                        + "' starts with 'icp:' but is neither 'icp:public <name>' nor 'icp:private <name>'");
            }
            String previous = seen.put(name, visibility);
            if (previous != null) {
                throw new InvalidModuleException("custom section '" + name + "' is declared twice ("
                        + previous + " and " + visibility + ")");
            }
        }
        if (count > MAX_ICP_SECTIONS) {
            throw new InvalidModuleException("module has " + count + " icp: custom sections; at most "
                    + MAX_ICP_SECTIONS + " are allowed");
        }
        if (bytes > MAX_ICP_SECTION_BYTES) {
            throw new InvalidModuleException("icp: custom sections have " + bytes + " bytes; at most "
                    + MAX_ICP_SECTION_BYTES + " are allowed");
        }
    }
}
