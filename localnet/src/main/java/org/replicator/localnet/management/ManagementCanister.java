package org.replicator.localnet.management;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.CanisterSettings;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.canister.CanisterStatus;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.execution.ApiType;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.execution.CanisterRuntime.Effects;
import org.replicator.localnet.execution.CanisterRuntime.ExecutionOutcome;
import org.replicator.localnet.execution.CanisterTrap;
import org.replicator.localnet.execution.ExecutionContext;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.management.CandidArgs.InvalidArgumentException;
import org.replicator.localnet.management.ManagementHost.ManagementException;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.UserError;
import org.replicator.localnet.wasm.CanisterModule;
import org.replicator.localnet.wasm.InvalidModuleException;

/**
 * The management canister {@code aaaaa-aa} of one subnet: creates, installs, starts, stops and
 * deletes canisters and reports their status, with the IC's rules on who may do what. Arguments
 * and replies are Candid, handled with ic4j-candid.
 */
public final class ManagementCanister {
    private static final Set<String> INGRESS_METHODS = Set.of("provisional_create_canister_with_cycles",
            "provisional_top_up_canister", "install_code", "uninstall_code", "update_settings", "canister_status",
            "start_canister", "stop_canister", "delete_canister");
    private static final Set<String> CANISTER_ONLY_METHODS = Set.of("create_canister", "deposit_cycles",
            "raw_rand", "canister_info", "ecdsa_public_key", "sign_with_ecdsa", "http_request");
    private static final Set<String> CONTROLLER_METHODS = Set.of("install_code", "uninstall_code",
            "update_settings", "start_canister", "stop_canister", "delete_canister");
    private static final byte[] EMPTY_REPLY = IDLArgs.create(List.of()).toBytes();

    private final ManagementHost host;
    private final SecureRandom random = new SecureRandom();

    public ManagementCanister(ManagementHost host) {
        this.host = host;
    }

    /** A call to the management canister, from a user (ingress) or a canister. */
    public record ManagementCall(CallOrigin origin, Principal caller, String method, byte[] arg, long cycles,
            boolean ingress) {
    }

    /**
     * The effective canister id of a management request: the canister it is about, which decides
     * the subnet that handles it. Empty when the method is not about one canister (create_canister,
     * raw_rand) or the argument has no canister_id.
     */
    public static Optional<Principal> effectiveCanisterId(String method, byte[] arg) {
        if (method.equals("create_canister") || method.equals("raw_rand")
                || method.equals("provisional_create_canister_with_cycles")) {
            return Optional.empty();
        }
        try {
            CandidArgs args = CandidArgs.decodeRecord(arg);
            return args.has("canister_id") ? Optional.of(args.principal("canister_id")) : Optional.empty();
        } catch (InvalidArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The ingress filter for management calls: refuses, before anything is recorded, what the IC
     * refuses at the boundary. Returns null when the call may be queued.
     */
    public UserError checkIngress(IngressCall call) {
        String method = call.methodName();
        if (!INGRESS_METHODS.contains(method)) {
            if (CANISTER_ONLY_METHODS.contains(method)) {
                return new UserError(ErrorCode.CANISTER_REJECTED_MESSAGE,
                        "Only canisters can call ic00 method " + method);
            }
            return new UserError(ErrorCode.UNKNOWN_MANAGEMENT_MESSAGE,
                    "Cannot enqueue management message because " + method + " method is unknown.");
        }
        CandidArgs args;
        try {
            args = CandidArgs.decodeRecord(call.arg());
        } catch (InvalidArgumentException e) {
            return invalidPayload(e.getMessage());
        }
        if (method.equals("provisional_create_canister_with_cycles")) {
            try {
                Optional<Principal> specified = args.optPrincipal("specified_id");
                if (specified.isPresent() && !host.hosts(specified.get())) {
                    return new UserError(ErrorCode.CANISTER_NOT_HOSTED_BY_SUBNET, "The specified id "
                            + specified.get() + " is not in the canister ranges of subnet " + host.subnetId());
                }
            } catch (InvalidArgumentException e) {
                return invalidPayload(e.getMessage());
            }
            return null;
        }
        Principal target;
        try {
            target = args.principal("canister_id");
        } catch (InvalidArgumentException e) {
            return invalidPayload(e.getMessage());
        }
        if (!target.equals(call.effectiveCanisterId())) {
            return invalidPayload("the effective canister id " + call.effectiveCanisterId()
                    + " does not match the canister_id " + target + " of the argument");
        }
        CanisterState c = host.canister(target);
        if (c == null) {
            return new UserError(ErrorCode.CANISTER_NOT_FOUND, "Canister " + target + " not found");
        }
        if (CONTROLLER_METHODS.contains(method) && !c.isController(call.sender())
                || method.equals("canister_status") && !c.isController(call.sender())) {
            return notController(target, method);
        }
        return null;
    }

    private static UserError invalidPayload(String detail) {
        return new UserError(ErrorCode.INVALID_MANAGEMENT_PAYLOAD,
                "Cannot enqueue management message because its Candid payload is invalid: " + detail);
    }

    private static UserError notController(Principal canister, String method) {
        return new UserError(ErrorCode.CANISTER_INVALID_CONTROLLER,
                "Only controllers of canister " + canister + " can call ic00 method " + method);
    }

    /** Executes a management call and answers it, now or (stop_canister) when the canister has stopped. */
    public void handle(ManagementCall call) {
        try {
            Optional<byte[]> reply = dispatch(call);
            reply.ifPresent(bytes -> host.respond(call.origin(), new CallResult.Replied(bytes), refundOf(call)));
        } catch (ManagementException e) {
            host.respond(call.origin(), CallResult.Rejected.of(e.error()), call.cycles());
        } catch (InvalidArgumentException e) {
            host.respond(call.origin(), CallResult.Rejected.of(new UserError(ErrorCode.INVALID_MANAGEMENT_PAYLOAD,
                    "Error decoding the argument of ic00 method " + call.method() + ": " + e.getMessage())),
                    call.cycles());
        }
    }

    /** Cycles sent with a call are returned, except where the method consumes them. */
    private static long refundOf(ManagementCall call) {
        return switch (call.method()) {
            case "create_canister", "deposit_cycles" -> 0;
            default -> call.cycles();
        };
    }

    private Optional<byte[]> dispatch(ManagementCall call) throws ManagementException {
        if (call.ingress() && !INGRESS_METHODS.contains(call.method()) && CANISTER_ONLY_METHODS.contains(call.method())) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_REJECTED_MESSAGE,
                    "Only canisters can call ic00 method " + call.method()));
        }
        return switch (call.method()) {
            case "provisional_create_canister_with_cycles" -> Optional.of(provisionalCreate(call));
            case "provisional_top_up_canister" -> Optional.of(topUp(call));
            case "create_canister" -> Optional.of(create(call));
            case "install_code" -> Optional.of(installCode(call));
            case "uninstall_code" -> Optional.of(uninstall(call));
            case "update_settings" -> Optional.of(updateSettings(call));
            case "canister_status" -> Optional.of(status(call));
            case "start_canister" -> Optional.of(start(call));
            case "stop_canister" -> stop(call);
            case "delete_canister" -> Optional.of(delete(call));
            case "deposit_cycles" -> Optional.of(deposit(call));
            case "raw_rand" -> Optional.of(rawRand());
            default -> throw new ManagementException(new UserError(ErrorCode.UNKNOWN_MANAGEMENT_MESSAGE,
                    "Management canister has no method '" + call.method() + "'"
                            + " (the localnet implements: " + INGRESS_METHODS + ", create_canister, deposit_cycles, raw_rand)"));
        };
    }

    // ---- creation ------------------------------------------------------------------------------

    private byte[] provisionalCreate(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        long amount = args.optNat("amount").map(n -> toCycles(n, "amount"))
                .orElse(ResourceLimits.DEFAULT_PROVISIONAL_CYCLES);
        CanisterSettings settings = settings(args.optRecord("settings"), List.of(call.caller()), null);
        CanisterState c = host.createCanister(args.optPrincipal("specified_id"), settings, amount);
        return canisterIdRecord(c.id());
    }

    private byte[] create(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        long fee = host.fees().canisterCreationFee();
        if (call.cycles() < fee) {
            throw new ManagementException(new UserError(ErrorCode.INSUFFICIENT_CYCLES_FOR_CREATE_CANISTER,
                    "Creating a canister requires a fee of " + fee + " that is deducted from the canister's initial "
                            + "balance but only " + call.cycles() + " cycles were received with the create_canister request."));
        }
        CanisterSettings settings = settings(args.optRecord("settings"), List.of(call.caller()), null);
        CanisterState c = host.createCanister(Optional.empty(), settings, call.cycles() - fee);
        c.metrics().cyclesForExecution += fee;
        return canisterIdRecord(c.id());
    }

    private static byte[] canisterIdRecord(Principal id) {
        CandidValue v = CandidValue.record().field("canister_id", CandidValue.principal(id)).build();
        return IDLArgs.create(List.of(IDLValue.create(v.value(), v.type()))).toBytes();
    }

    private byte[] topUp(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = existing(args.principal("canister_id"));
        c.addCycles(toCycles(args.nat("amount"), "amount"));
        return EMPTY_REPLY;
    }

    private byte[] deposit(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = existing(args.principal("canister_id"));
        c.addCycles(call.cycles());
        c.metrics().cyclesReceived += call.cycles();
        return EMPTY_REPLY;
    }

    private byte[] rawRand() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return IDLArgs.create(List.of(IDLValue.create(bytes, CandidValue.BLOB))).toBytes();
    }

    // ---- code ---------------------------------------------------------------------------------

    private byte[] installCode(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "install_code");
        Map.Entry<String, Object> mode = args.variant("mode", List.of("install", "reinstall", "upgrade"));
        byte[] wasm = args.blob("wasm_module");
        byte[] arg = args.blob("arg");
        CanisterModule module;
        try {
            module = host.loadModule(wasm);
        } catch (InvalidModuleException e) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_INVALID_WASM, "Error from Canister "
                    + c.id() + ": Canister's Wasm module is not valid: " + e.getMessage()));
        }
        long prepay = host.fees().executionCost(host.limits().install());
        if (c.balance() - prepay < host.freezingThreshold(c)) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_OUT_OF_CYCLES, "Canister " + c.id()
                    + " is out of cycles: installing code needs " + prepay + " cycles above the freezing threshold "
                    + host.freezingThreshold(c) + ", the canister has " + c.balance()));
        }
        switch (mode.getKey()) {
            case "install" -> {
                if (!c.isEmpty()) {
                    throw new ManagementException(new UserError(ErrorCode.CANISTER_NON_EMPTY, "Canister " + c.id()
                            + " cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead."));
                }
                freshInstall(c, module, arg, call.caller());
            }
            case "reinstall" -> freshInstall(c, module, arg, call.caller());
            default -> upgrade(c, module, arg, call.caller(), mode.getValue());
        }
        return EMPTY_REPLY;
    }

    private void freshInstall(CanisterState c, CanisterModule module, byte[] arg, Principal caller)
            throws ManagementException {
        long generation = c.stableGeneration() + 1;
        StableMemory stable = host.newStableMemory(c, generation);
        stable.beginMessage();
        long used = 0;
        CanisterRuntime runtime;
        ExecutionContext init = installContext(c, ApiType.INIT, caller, arg);
        try {
            runtime = CanisterRuntime.instantiate(module, stable, installContext(c, ApiType.START, caller, null));
            if (runtime.exports("canister_init")) {
                ExecutionOutcome outcome = runtime.call(init, "canister_init", Effects.HEAP_COMMIT_STABLE_TO_CALLER);
                used += outcome.instructions();
                if (outcome.trapped()) {
                    throw outcome.trap();
                }
            }
        } catch (CanisterTrap trap) {
            stable.rollbackMessage();
            chargeInstall(c, used);
            throw new ManagementException(trap.toUserError(c.id()));
        }
        stable.commitMessage();
        chargeInstall(c, used);
        CanisterRuntime old = c.runtime();
        c.setRuntime(runtime);
        c.setRuntimeGeneration(c.runtimeGeneration() + 1);
        c.setStableGeneration(generation);
        applyInstallHookEffects(c, init, new byte[0]);
        c.bumpVersion();
        host.runtimeReplaced(c, old);
        host.canisterChanged(c);
    }

    private void upgrade(CanisterState c, CanisterModule module, byte[] arg, Principal caller, Object options)
            throws ManagementException {
        if (c.isEmpty()) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND, "Error from Canister "
                    + c.id() + ": Attempted to upgrade a canister that contains no Wasm module."));
        }
        boolean skipPreUpgrade = false;
        if (options instanceof Optional<?> opt && opt.isPresent()) {
            CandidArgs upgradeOptions = CandidArgs.asRecord("upgrade", opt.get());
            skipPreUpgrade = upgradeOptions.opt("skip_pre_upgrade").map(Boolean.TRUE::equals).orElse(false);
            if (upgradeOptions.opt("wasm_memory_persistence").isPresent()) {
                CandidArgs persistence = CandidArgs.of(Map.of(org.ic4j.candid.types.Label.createNamedLabel("p"),
                        upgradeOptions.opt("wasm_memory_persistence").get()));
                if (persistence.variant("p", List.of("keep", "replace")).getKey().equals("keep")) {
                    throw new ManagementException(new UserError(ErrorCode.CANISTER_CONTRACT_VIOLATION,
                            "wasm_memory_persistence = keep is for modules with enhanced orthogonal persistence "
                                    + "(64-bit memory), which the localnet does not run"));
                }
            }
        }
        CanisterRuntime old = c.runtime();
        StableMemory stable = old.stable();
        stable.beginMessage();
        ExecutionContext postUpgrade = installContext(c, ApiType.INIT, caller, arg);
        long used = 0;
        CanisterRuntime runtime;
        try {
            if (!skipPreUpgrade && old.exports("canister_pre_upgrade")) {
                ExecutionOutcome pre = old.call(installContext(c, ApiType.PRE_UPGRADE, caller, null),
                        "canister_pre_upgrade", Effects.STABLE_TO_CALLER);
                used += pre.instructions();
                if (pre.trapped()) {
                    throw pre.trap();
                }
            }
            runtime = CanisterRuntime.instantiate(module, stable, installContext(c, ApiType.START, caller, null));
            if (runtime.exports("canister_post_upgrade")) {
                ExecutionOutcome post = runtime.call(postUpgrade, "canister_post_upgrade",
                        Effects.HEAP_COMMIT_STABLE_TO_CALLER);
                used += post.instructions();
                if (post.trapped()) {
                    throw post.trap();
                }
            }
        } catch (CanisterTrap trap) {
            stable.rollbackMessage();
            chargeInstall(c, used);
            throw new ManagementException(trap.toUserError(c.id()));
        }
        stable.commitMessage();
        chargeInstall(c, used);
        c.setRuntime(runtime);
        c.setRuntimeGeneration(c.runtimeGeneration() + 1);
        applyInstallHookEffects(c, postUpgrade, c.certifiedData());
        c.bumpVersion();
        host.runtimeReplaced(c, old);
        host.canisterChanged(c);
    }

    /**
     * New code deactivates the global timer, but canister_init and canister_post_upgrade may set
     * it (and the certified data) again, and what they set must stay.
     */
    private static void applyInstallHookEffects(CanisterState c, ExecutionContext hook, byte[] certifiedDataOtherwise) {
        c.setGlobalTimerNanos(hook.newGlobalTimer() != null ? hook.newGlobalTimer() : 0);
        c.setCertifiedData(hook.newCertifiedData() != null ? hook.newCertifiedData() : certifiedDataOtherwise);
    }

    private ExecutionContext installContext(CanisterState c, ApiType type, Principal caller, byte[] arg) {
        return host.executionContext(c, type)
                .caller(caller)
                .argument(arg)
                .instructionLimit(host.limits().install())
                .build();
    }

    private void chargeInstall(CanisterState c, long instructions) {
        long cost = host.fees().executionCost(instructions);
        c.setBalance(c.balance() - cost);
        c.metrics().cyclesForExecution += cost;
        c.metrics().instructionsExecuted += instructions;
        c.metrics().messagesExecuted++;
    }

    private byte[] uninstall(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "uninstall_code");
        host.rejectOpenCalls(c, "Canister " + c.id() + " has been uninstalled.");
        CanisterRuntime old = c.runtime();
        c.setRuntime(null);
        c.setCertifiedData(new byte[0]);
        c.setGlobalTimerNanos(0);
        c.bumpVersion();
        host.runtimeReplaced(c, old);
        host.canisterChanged(c);
        return EMPTY_REPLY;
    }

    // ---- settings and status ----------------------------------------------------------------

    private byte[] updateSettings(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "update_settings");
        c.setSettings(settings(Optional.of(CandidArgs.asRecord("settings", args.raw("settings"))),
                c.controllers(), c.settings()));
        c.bumpVersion();
        host.canisterChanged(c);
        return EMPTY_REPLY;
    }

    private CanisterSettings settings(Optional<CandidArgs> given, List<Principal> defaultControllers,
            CanisterSettings current) throws ManagementException {
        CanisterSettings base = current != null ? current : CanisterSettings.defaults(defaultControllers);
        if (given.isEmpty()) {
            return base;
        }
        CandidArgs s = given.get();
        List<Principal> controllers = s.optPrincipals("controllers").orElse(base.controllers());
        if (controllers.size() > ResourceLimits.MAX_CONTROLLERS) {
            throw new ManagementException(new UserError(ErrorCode.INVALID_MANAGEMENT_PAYLOAD,
                    "Invalid settings: at most " + ResourceLimits.MAX_CONTROLLERS + " controllers are allowed, got "
                            + controllers.size()));
        }
        long compute = s.optNat("compute_allocation").map(n -> toCycles(n, "compute_allocation"))
                .orElse(base.computeAllocation());
        if (compute > 100) {
            throw new ManagementException(new UserError(ErrorCode.INVALID_MANAGEMENT_PAYLOAD,
                    "Invalid settings: compute_allocation must be between 0 and 100, got " + compute));
        }
        CanisterSettings.LogVisibility logs = base.logVisibility();
        Optional<Object> visibility = s.opt("log_visibility");
        if (visibility.isPresent()) {
            String chosen = CandidArgs.of(Map.of(org.ic4j.candid.types.Label.createNamedLabel("v"), visibility.get()))
                    .variant("v", List.of("controllers", "public", "allowed_viewers")).getKey();
            logs = chosen.equals("public") ? CanisterSettings.LogVisibility.PUBLIC
                    : CanisterSettings.LogVisibility.CONTROLLERS;
        }
        return new CanisterSettings(controllers, compute,
                s.optNat("memory_allocation").map(n -> toCycles(n, "memory_allocation")).orElse(base.memoryAllocation()),
                s.optNat("freezing_threshold").map(n -> toCycles(n, "freezing_threshold"))
                        .orElse(base.freezingThresholdSeconds()),
                s.optNat("reserved_cycles_limit").map(n -> toCycles(n, "reserved_cycles_limit"))
                        .orElse(base.reservedCyclesLimit()),
                s.optNat("wasm_memory_limit").map(n -> toCycles(n, "wasm_memory_limit")).orElse(base.wasmMemoryLimit()),
                s.optNat("wasm_memory_threshold").map(n -> toCycles(n, "wasm_memory_threshold"))
                        .orElse(base.wasmMemoryThreshold()),
                logs);
    }

    private byte[] status(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        Principal id = args.principal("canister_id");
        CanisterState c = existing(id);
        if (!c.isController(call.caller()) && !call.caller().equals(id)) {
            throw new ManagementException(notController(id, "canister_status"));
        }
        CanisterSettings s = c.settings();
        long memory = c.memoryUsage();
        CandidValue settings = CandidValue.record()
                .field("controllers", CandidValue.principals(s.controllers()))
                .field("compute_allocation", CandidValue.nat(s.computeAllocation()))
                .field("memory_allocation", CandidValue.nat(s.memoryAllocation()))
                .field("freezing_threshold", CandidValue.nat(s.freezingThresholdSeconds()))
                .field("reserved_cycles_limit", CandidValue.nat(s.reservedCyclesLimit()))
                .field("log_visibility", CandidValue.variant(
                        s.logVisibility() == CanisterSettings.LogVisibility.PUBLIC ? "public" : "controllers"))
                .field("wasm_memory_limit", CandidValue.nat(s.wasmMemoryLimit()))
                .field("wasm_memory_threshold", CandidValue.nat(s.wasmMemoryThreshold()))
                .field("environment_variables", CandidValue.emptyVecOf(CandidValue.record()
                        .field("name", CandidValue.text("")).field("value", CandidValue.text(""))))
                .build();
        long heap = c.isEmpty() ? 0 : (long) c.runtime().heap().pages() * 65536;
        long stable = c.isEmpty() ? 0 : c.runtime().stable().sizePages() * 65536;
        long binary = c.isEmpty() ? 0 : c.runtime().module().size();
        CandidValue metrics = CandidValue.record()
                .field("wasm_memory_size", CandidValue.nat(heap))
                .field("stable_memory_size", CandidValue.nat(stable))
                .field("global_memory_size", CandidValue.nat(0))
                .field("wasm_binary_size", CandidValue.nat(binary))
                .field("custom_sections_size", CandidValue.nat(0))
                .field("canister_history_size", CandidValue.nat(0))
                .field("wasm_chunk_store_size", CandidValue.nat(0))
                .field("snapshots_size", CandidValue.nat(0))
                .build();
        CandidValue queryStats = CandidValue.record()
                .field("num_calls_total", CandidValue.nat(0))
                .field("num_instructions_total", CandidValue.nat(0))
                .field("request_payload_bytes_total", CandidValue.nat(0))
                .field("response_payload_bytes_total", CandidValue.nat(0))
                .build();
        CandidValue result = CandidValue.record()
                .field("status", CandidValue.variant(c.status().label()))
                .field("ready_for_migration", CandidValue.bool(false))
                .field("version", CandidValue.nat64(c.version()))
                .field("settings", settings)
                .field("module_hash", CandidValue.optBlob(c.isEmpty() ? null : c.runtime().module().sha256()))
                .field("memory_size", CandidValue.nat(memory))
                .field("memory_metrics", metrics)
                .field("cycles", CandidValue.nat(c.balance()))
                .field("reserved_cycles", CandidValue.nat(0))
                .field("idle_cycles_burned_per_day", CandidValue.nat(host.fees().idleCyclesBurnedPerDay(memory)))
                .field("query_stats", queryStats)
                .build();
        return IDLArgs.create(List.of(IDLValue.create(result.value(), result.type()))).toBytes();
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    private byte[] start(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "start_canister");
        if (c.status() != CanisterStatus.RUNNING) {
            c.setStatus(CanisterStatus.RUNNING);
            c.bumpVersion();
            for (CallOrigin waiter : c.stopWaiters()) {
                host.respond(waiter, CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_STOPPING_CANCELLED,
                        "Canister " + c.id() + "'s stop request was cancelled.")), 0);
            }
            c.stopWaiters().clear();
        }
        return EMPTY_REPLY;
    }

    private Optional<byte[]> stop(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "stop_canister");
        if (c.status() == CanisterStatus.STOPPED) {
            return Optional.of(EMPTY_REPLY);
        }
        if (c.status() == CanisterStatus.RUNNING) {
            c.setStatus(CanisterStatus.STOPPING);
        }
        c.stopWaiters().add(call.origin());
        completeStopIfIdle(c);
        return Optional.empty();
    }

    /** A stopping canister with no open calls becomes stopped, and its stop requests are answered. */
    public void completeStopIfIdle(CanisterState c) {
        if (c.status() == CanisterStatus.STOPPING && !c.hasOpenCallContexts()) {
            c.setStatus(CanisterStatus.STOPPED);
            c.bumpVersion();
            for (CallOrigin waiter : c.stopWaiters()) {
                host.respond(waiter, new CallResult.Replied(EMPTY_REPLY), 0);
            }
            c.stopWaiters().clear();
        }
    }

    private byte[] delete(ManagementCall call) throws ManagementException {
        CandidArgs args = CandidArgs.decodeRecord(call.arg());
        CanisterState c = controlled(args.principal("canister_id"), call, "delete_canister");
        if (c.status() != CanisterStatus.STOPPED) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_NOT_STOPPED, "Canister " + c.id()
                    + " must be stopped before it is deleted."));
        }
        host.deleteCanister(c);
        return EMPTY_REPLY;
    }

    // ---- helpers -------------------------------------------------------------------------------

    private CanisterState existing(Principal id) throws ManagementException {
        CanisterState c = host.canister(id);
        if (c == null) {
            throw new ManagementException(new UserError(ErrorCode.CANISTER_NOT_FOUND, "Canister " + id + " not found"));
        }
        return c;
    }

    private CanisterState controlled(Principal id, ManagementCall call, String method) throws ManagementException {
        CanisterState c = existing(id);
        if (!c.isController(call.caller())) {
            throw new ManagementException(notController(id, method));
        }
        return c;
    }

    private static long toCycles(BigInteger n, String field) {
        if (n.bitLength() > 63) {
            throw new InvalidArgumentException("field '" + field + "' is " + n
                    + ", more than the localnet's limit of " + Long.MAX_VALUE);
        }
        return n.longValueExact();
    }
}
