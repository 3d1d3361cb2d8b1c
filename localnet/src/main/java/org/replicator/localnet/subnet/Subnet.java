package org.replicator.localnet.subnet;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.CanisterInput;
import org.replicator.localnet.canister.CanisterSettings;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.canister.CanisterStatus;
import org.replicator.localnet.certification.CanisterCertifiedInfo;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.CertifiedStateBuilder;
import org.replicator.localnet.certification.Certifier;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.execution.ApiType;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.execution.CanisterRuntime.Effects;
import org.replicator.localnet.execution.CanisterRuntime.ExecutionOutcome;
import org.replicator.localnet.execution.ExecutionContext;
import org.replicator.localnet.execution.ExecutionContext.ExecutionResponse;
import org.replicator.localnet.http.SubnetPort;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.management.ManagementCanister;
import org.replicator.localnet.management.ManagementCanister.ManagementCall;
import org.replicator.localnet.management.ManagementHost;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.CanisterMessage;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.messages.QueryCall;
import org.replicator.localnet.messages.RejectCode;
import org.replicator.localnet.messages.Request;
import org.replicator.localnet.messages.Response;
import org.replicator.localnet.messages.SubmitOutcome;
import org.replicator.localnet.messages.UserError;
import org.replicator.localnet.network.FaultRule;
import org.replicator.localnet.network.XNetStream;
import org.replicator.localnet.registry.SubnetRecord;
import org.replicator.localnet.wasm.CanisterModule;
import org.replicator.localnet.wasm.InvalidModuleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subnet: its canisters, its message queues and the thread that executes them in rounds.
 *
 * <p>All state is owned by the subnet's thread. Other threads (the HTTP interface, the control
 * interface) hand it tasks and wait for the answers; they only ever read the immutable
 * {@link CertifiedState} the thread publishes after each round. Queries and ingress checks run
 * between rounds, so they always see exactly the state that was last certified.
 */
public final class Subnet implements SubnetPort {
    private static final Logger LOG = LoggerFactory.getLogger(Subnet.class);
    private static final long ROUND_INSTRUCTION_BUDGET = 8_000_000_000L;
    private static final int MAX_INDUCTIONS_PER_STREAM = 10_000;
    private static final long THREAD_STACK_BYTES = 256L << 20;
    /** An idle subnet still certifies a fresh time this often; agents reject stale certificates. */
    private static final long TIME_REFRESH_NANOS = 1_000_000_000L;

    private final SubnetConfig config;
    private final Principal id;
    private final SubnetServices net;
    private final FeeSchedule fees;
    private final boolean root;

    // state owned by the subnet thread
    final TreeMap<Principal, CanisterState> canisters = new TreeMap<>();
    final Deque<IngressCall> ingressQueue = new ArrayDeque<>();
    final Deque<ManagementCall> managementQueue = new ArrayDeque<>();
    final Map<Principal, Long> inducted = new HashMap<>();
    final Map<Principal, Long> heldUntil = new HashMap<>();
    final Map<Principal, Long> delayedIndex = new HashMap<>();
    /** This round's messages to other subnets, appended to the streams once the round is durable. */
    final Map<Principal, List<CanisterMessage>> outgoing = new LinkedHashMap<>();
    private final CertifiedStateBuilder certification = new CertifiedStateBuilder();
    final IngressHistory history;
    private final MessageExecutor executor;
    private final ManagementCanister management;
    long height;
    long lastRoundTime;
    long nextCanisterIndex;
    long roundTime;

    // shared with other threads
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Map<RequestId, List<CompletableFuture<CertifiedState>>> terminalWaiters = new HashMap<>();
    private volatile CertifiedState published;
    private volatile boolean halted;
    private volatile boolean running;
    private Thread thread;

    public Subnet(SubnetConfig config, SubnetServices net) {
        this.config = config;
        this.id = config.id();
        this.net = net;
        this.fees = config.fees();
        this.root = config.index() == 0;
        this.nextCanisterIndex = config.ranges().get(0).start().canisterIndex();
        this.history = new IngressHistory(certification::putIngressStatus, certification::removeIngressStatus);
        this.executor = new MessageExecutor(id, fees, config.limits(), new RoundOutputs());
        this.management = new ManagementCanister(new Host());
        this.lastRoundTime = net.clock().nowNanos();
        this.roundTime = lastRoundTime;
        certification.setSubnets(net.registry());
        certification.setTime(lastRoundTime);
        this.published = certification.freeze(0);
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    public void start() {
        running = true;
        thread = new Thread(null, this::loop, "subnet-" + config.index(), THREAD_STACK_BYTES);
        thread.setDaemon(true);
        thread.start();
    }

    public void stop() {
        running = false;
        tasks.add(() -> { });
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void halt() {
        halted = true;
        LOG.info("subnet {} ({}) halted", config.index(), id);
    }

    public void resume() {
        halted = false;
        wake();
        LOG.info("subnet {} ({}) resumed", config.index(), id);
    }

    public void wake() {
        tasks.add(() -> { });
    }

    public SubnetConfig config() {
        return config;
    }

    public Principal id() {
        return id;
    }

    public int index() {
        return config.index();
    }

    /** Runs {@code f} on the subnet thread between rounds and returns its result. */
    public <T> T inspect(Function<Subnet, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(f.apply(this));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for subnet " + id, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The canisters of this subnet; only for use on the subnet thread (see {@link #inspect}). */
    public Map<Principal, CanisterState> canisters() {
        return canisters;
    }

    public long height() {
        return height;
    }

    private void loop() {
        while (running) {
            try {
                long wait = halted ? Long.MAX_VALUE : nanosUntilNextRound();
                Runnable task = wait <= 0 ? tasks.poll() : tasks.poll(Math.min(wait, 1_000_000_000L), TimeUnit.NANOSECONDS);
                while (task != null) {
                    task.run();
                    task = tasks.poll();
                }
                if (!halted && running) {
                    if (nanosUntilNextRound() <= 0) {
                        runRound();
                    } else if (net.clock().nowNanos() - published.timeNanos() >= TIME_REFRESH_NANOS) {
                        refreshTime();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("subnet {} failed in round {}", id, height, e);
            }
        }
    }

    private long nanosUntilNextRound() {
        long now = net.clock().nowNanos();
        if (config.pacing() == SubnetConfig.Pacing.REALISTIC) {
            long next = lastRoundTime + config.roundInterval().toNanos();
            return hasWork(now) ? next - now : Math.max(next - now, nextDueTask(now) - now);
        }
        return hasWork(now) ? 0 : nextDueTask(now) - now;
    }

    private boolean hasWork(long now) {
        if (!ingressQueue.isEmpty() || !managementQueue.isEmpty()) {
            return true;
        }
        for (CanisterState c : canisters.values()) {
            if (!c.inputs().isEmpty()) {
                return true;
            }
        }
        for (SubnetRecord other : net.registry()) {
            if (!other.id().equals(id) && streamHasNewMessages(other.id(), now)) {
                return true;
            }
        }
        return nextDueTask(now) <= now;
    }

    private boolean streamHasNewMessages(Principal from, long now) {
        if (heldUntil.getOrDefault(from, 0L) > now) {
            return false;
        }
        return net.stream(from, id).end() > inducted.getOrDefault(from, 0L);
    }

    /** The earliest time a timer, heartbeat or delayed stream needs a round. */
    private long nextDueTask(long now) {
        long due = Long.MAX_VALUE;
        long heartbeat = config.heartbeatInterval().toNanos();
        for (CanisterState c : canisters.values()) {
            if (c.isEmpty() || c.status() != CanisterStatus.RUNNING) {
                continue;
            }
            if (c.globalTimerNanos() != 0) {
                due = Math.min(due, c.globalTimerNanos());
            }
            if (c.runtime().exports(CanisterInput.Task.HEARTBEAT.export())) {
                due = Math.min(due, c.lastHeartbeatNanos() + heartbeat);
            }
        }
        for (long held : heldUntil.values()) {
            if (held > now) {
                due = Math.min(due, held);
            }
        }
        return due;
    }

    // ---- persistence -----------------------------------------------------------------------------

    /** The streams this subnet sends on, one per other subnet. */
    public List<XNetStream> outgoingStreams() {
        List<XNetStream> out = new ArrayList<>();
        for (SubnetRecord other : net.registry()) {
            if (!other.id().equals(id)) {
                out.add(net.stream(id, other.id()));
            }
        }
        return out;
    }

    XNetStream outgoingStream(Principal to) {
        return net.stream(id, to);
    }

    /** Rebuilds the certified state after the subnet's state was loaded from disk. */
    void restored() {
        canisters.values().forEach(this::certifyCanister);
        certification.setTime(lastRoundTime);
        published = certification.freeze(height);
    }

    // ---- the round -------------------------------------------------------------------------------

    private void runRound() {
        height++;
        roundTime = Math.max(lastRoundTime + 1, net.clock().nowNanos());
        lastRoundTime = roundTime;
        inductStreams();
        inductIngress();
        scheduleTasks();
        executeMessages();
        chargeStorage();
        for (CanisterState c : canisters.values()) {
            management.completeStopIfIdle(c);
        }
        history.prune(roundTime);
        net.roundCommitted(this);
        // Only what this subnet has durably inducted may leave the sender's stream; until then a
        // restart of this subnet must find it there again.
        inducted.forEach((from, next) -> net.stream(from, id).garbageCollect(next));
        flushOutgoing();
        publish();
    }

    /** Certifies the current time without executing anything; nothing changed, so nothing is journaled. */
    private void refreshTime() {
        height++;
        roundTime = Math.max(lastRoundTime + 1, net.clock().nowNanos());
        lastRoundTime = roundTime;
        publish();
    }

    private void inductStreams() {
        for (SubnetRecord other : net.registry()) {
            Principal from = other.id();
            if (from.equals(id) || heldUntil.getOrDefault(from, 0L) > roundTime) {
                continue;
            }
            XNetStream stream = net.stream(from, id);
            long next = inducted.getOrDefault(from, stream.begin());
            boolean held = false;
            for (CanisterMessage m : stream.read(next, MAX_INDUCTIONS_PER_STREAM)) {
                // A message that already waited out a delay is not delayed again.
                Optional<FaultRule> fault = delayedIndex.getOrDefault(from, -1L) == next
                        ? Optional.empty() : net.faults().apply(from, id, m);
                if (fault.isPresent() && fault.get().action() == FaultRule.Action.DELAY) {
                    heldUntil.put(from, roundTime + fault.get().delay().toNanos());
                    delayedIndex.put(from, next);
                    LOG.debug("fault {}: stream {} -> {} held", fault.get().name(), from, id);
                    held = true;
                    break;
                }
                next++;
                if (fault.isPresent()) {
                    // A dropped request turns into a reject that travels back to its caller.
                    route(injure(fault.get(), m));
                } else {
                    deliver(m);
                }
            }
            if (!held) {
                heldUntil.remove(from);
            }
            inducted.put(from, next);
        }
    }

    /** What a fault rule does to a message in transit. */
    private CanisterMessage injure(FaultRule rule, CanisterMessage m) {
        LOG.debug("fault {} applies to {}", rule.name(), m);
        if (rule.action() == FaultRule.Action.CORRUPT) {
            if (m instanceof Request r) {
                return r.withArg(flipByte(r.arg()));
            }
            Response resp = (Response) m;
            if (resp.result() instanceof CallResult.Replied replied) {
                return resp.withResult(new CallResult.Replied(flipByte(replied.payload())));
            }
            return m;
        }
        String reason = "message dropped in transit by the localnet fault rule '" + rule.name() + "'";
        if (m instanceof Request r) {
            return new Response(r.sender(), r.receiver(), r.callbackId(),
                    new CallResult.Rejected(RejectCode.SYS_TRANSIENT, reason, null), r.cycles());
        }
        Response resp = (Response) m;
        return resp.withResult(new CallResult.Rejected(RejectCode.SYS_TRANSIENT, reason, null));
    }

    private static byte[] flipByte(byte[] data) {
        if (data.length == 0) {
            return data;
        }
        byte[] copy = data.clone();
        copy[copy.length / 2] ^= 0x01;
        return copy;
    }

    private void inductIngress() {
        while (!ingressQueue.isEmpty()) {
            IngressCall call = ingressQueue.poll();
            if (call.ingressExpiryNanos() < roundTime) {
                complete(call.requestId(), CallResult.Rejected.of(new UserError(ErrorCode.INGRESS_MESSAGE_TIMEOUT,
                        "Ingress message " + call.requestId() + " expired before it could be executed")));
                continue;
            }
            if (call.canisterId().isManagementCanister()) {
                managementQueue.add(new ManagementCall(new CallOrigin.Ingress(call.requestId(), call.sender()),
                        call.sender(), call.methodName(), call.arg(), 0, true));
                continue;
            }
            CanisterState c = canisters.get(call.canisterId());
            if (c == null) {
                complete(call.requestId(), CallResult.Rejected.of(canisterNotFound(call.canisterId())));
                continue;
            }
            long cost = fees.ingressInductionCost(call.methodName().length() + (long) call.arg().length);
            if (c.balance() - cost < executor.freezingThreshold(c)) {
                complete(call.requestId(), CallResult.Rejected.of(executor.outOfCycles(c, cost)));
                continue;
            }
            c.setBalance(c.balance() - cost);
            c.metrics().cyclesForIngress += cost;
            c.inputs().add(new CanisterInput.IngressInput(call));
        }
    }

    private void scheduleTasks() {
        long heartbeat = config.heartbeatInterval().toNanos();
        for (CanisterState c : canisters.values()) {
            if (c.isEmpty() || c.status() != CanisterStatus.RUNNING) {
                continue;
            }
            if (c.globalTimerNanos() != 0 && c.globalTimerNanos() <= roundTime) {
                c.setGlobalTimerNanos(0);
                c.inputs().add(new CanisterInput.TaskInput(CanisterInput.Task.GLOBAL_TIMER));
            }
            if (c.runtime().exports(CanisterInput.Task.HEARTBEAT.export())
                    && roundTime - c.lastHeartbeatNanos() >= heartbeat) {
                c.setLastHeartbeatNanos(roundTime);
                c.inputs().add(new CanisterInput.TaskInput(CanisterInput.Task.HEARTBEAT));
            }
        }
    }

    private void executeMessages() {
        long start = totalInstructions();
        boolean progressed = true;
        while (progressed && totalInstructions() - start < ROUND_INSTRUCTION_BUDGET) {
            progressed = false;
            while (!managementQueue.isEmpty()) {
                management.handle(managementQueue.poll());
                progressed = true;
            }
            for (CanisterState c : new ArrayList<>(canisters.values())) {
                CanisterInput input = c.inputs().poll();
                if (input != null) {
                    executor.execute(c, input);
                    management.completeStopIfIdle(c);
                    progressed = true;
                }
            }
        }
    }

    private long totalInstructions() {
        long sum = 0;
        for (CanisterState c : canisters.values()) {
            sum += c.metrics().instructionsExecuted;
        }
        return sum;
    }

    private void chargeStorage() {
        BigInteger scale = FeeSchedule.storageScale();
        for (CanisterState c : canisters.values()) {
            long elapsed = roundTime - c.storageChargedAtNanos();
            if (elapsed <= 0) {
                continue;
            }
            BigInteger[] split = fees.storageCostScaled(c.memoryUsage(), elapsed).add(c.storageRemainder())
                    .divideAndRemainder(scale);
            long cycles = Math.min(split[0].longValueExact(), c.balance());
            c.setBalance(c.balance() - cycles);
            c.metrics().cyclesForStorage += cycles;
            c.setStorageCharged(roundTime, split[1]);
        }
    }

    private void flushOutgoing() {
        for (Map.Entry<Principal, List<CanisterMessage>> e : outgoing.entrySet()) {
            if (!e.getValue().isEmpty()) {
                net.stream(id, e.getKey()).append(e.getValue());
                net.wake(e.getKey());
            }
        }
        outgoing.clear();
    }

    private void publish() {
        certification.setTime(roundTime);
        CertifiedState state = certification.freeze(height);
        published = state;
        synchronized (terminalWaiters) {
            terminalWaiters.entrySet().removeIf(e -> {
                Optional<IngressStatus> status = state.ingressStatus(e.getKey());
                if (status.isPresent() && status.get().state().isTerminal()) {
                    e.getValue().forEach(f -> f.complete(state));
                    return true;
                }
                return false;
            });
        }
    }

    // ---- routing ---------------------------------------------------------------------------------

    /** Routes a message produced on this subnet. */
    private void route(CanisterMessage m) {
        if (m instanceof Request r && r.receiver().isManagementCanister()) {
            Optional<Principal> ecid = ManagementCanister.effectiveCanisterId(r.methodName(), r.arg());
            Optional<Subnet> target = ecid.isEmpty() ? Optional.of(this) : net.subnetOf(ecid.get());
            if (target.isEmpty()) {
                deliver(reject(r, canisterNotFound(ecid.get())));
            } else {
                routeTo(target.get(), m);
            }
            return;
        }
        Optional<Subnet> target = net.subnetOf(m.destination());
        if (target.isEmpty()) {
            if (m instanceof Request r) {
                deliver(reject(r, canisterNotFound(r.receiver())));
            } else {
                LOG.warn("response to {} has no subnet to go to; dropped", m.destination());
            }
            return;
        }
        routeTo(target.get(), m);
    }

    private void routeTo(Subnet target, CanisterMessage m) {
        if (target == this) {
            deliver(m);
            return;
        }
        if (m instanceof Request r && r.payloadSize() > ResourceLimits.MAX_XNET_PAYLOAD) {
            deliver(reject(r, new UserError(ErrorCode.CANISTER_CONTRACT_VIOLATION, "Canister " + r.sender()
                    + " violated contract: attempted to send a message of size " + r.payloadSize()
                    + " exceeding the limit " + ResourceLimits.MAX_XNET_PAYLOAD + " to a canister on another subnet")));
            return;
        }
        outgoing.computeIfAbsent(target.id(), k -> new ArrayList<>()).add(m);
    }

    /** Puts a message addressed to this subnet where it will be executed. */
    private void deliver(CanisterMessage m) {
        if (m instanceof Request r) {
            if (r.receiver().isManagementCanister()) {
                managementQueue.add(new ManagementCall(new CallOrigin.Canister(r.sender(), r.callbackId()),
                        r.sender(), r.methodName(), r.arg(), r.cycles(), false));
                return;
            }
            CanisterState c = canisters.get(r.receiver());
            if (c == null) {
                route(reject(r, canisterNotFound(r.receiver())));
                return;
            }
            c.inputs().add(new CanisterInput.RequestInput(r));
        } else {
            Response resp = (Response) m;
            CanisterState c = canisters.get(resp.originator());
            if (c == null) {
                LOG.debug("response for deleted canister {} dropped", resp.originator());
                return;
            }
            c.inputs().add(new CanisterInput.ResponseInput(resp));
        }
    }

    private static Response reject(Request r, UserError error) {
        return new Response(r.sender(), r.receiver(), r.callbackId(), CallResult.Rejected.of(error), r.cycles());
    }

    private static UserError canisterNotFound(Principal id) {
        return new UserError(ErrorCode.CANISTER_NOT_FOUND, "Canister " + id + " not found");
    }

    private void complete(RequestId requestId, CallResult result) {
        Optional<IngressStatus> current = history.get(requestId);
        if (current.isEmpty()) {
            return;
        }
        IngressStatus status = current.get();
        history.put(requestId, result instanceof CallResult.Replied r ? status.replied(r.payload())
                : rejectedStatus(status, (CallResult.Rejected) result), roundTime);
    }

    private static IngressStatus rejectedStatus(IngressStatus status, CallResult.Rejected r) {
        return status.rejected(r.rejectCode(), r.message(),
                r.errorCode() != null ? r.errorCode() : ErrorCode.CANISTER_REJECTED_MESSAGE);
    }

    /** Where a canister's executions send their outputs. */
    private final class RoundOutputs implements MessageExecutor.Outputs {
        @Override
        public long timeNanos() {
            return roundTime;
        }

        @Override
        public void send(Request request) {
            route(request);
        }

        @Override
        public void respond(Response response) {
            route(response);
        }

        @Override
        public void ingressProcessing(RequestId requestId) {
            history.get(requestId).ifPresent(s -> history.put(requestId, s.processing(), roundTime));
        }

        @Override
        public void ingressCompleted(RequestId requestId, CallResult result) {
            complete(requestId, result);
        }

        @Override
        public void canisterChanged(CanisterState canister) {
            certifyCanister(canister);
        }
    }

    private void certifyCanister(CanisterState c) {
        CanisterRuntime rt = c.runtime();
        certification.putCanister(c.id(), new CanisterCertifiedInfo(c.certifiedData(),
                rt == null ? null : rt.module().sha256(), c.controllers(),
                rt == null ? Map.of() : rt.module().publicMetadata(),
                rt == null ? Map.of() : rt.module().privateMetadata()));
    }

    // ---- the management canister's host ------------------------------------------------------

    private final class Host implements ManagementHost {
        @Override
        public Principal subnetId() {
            return id;
        }

        @Override
        public long timeNanos() {
            return roundTime;
        }

        @Override
        public FeeSchedule fees() {
            return fees;
        }

        @Override
        public CanisterState canister(Principal canisterId) {
            return canisters.get(canisterId);
        }

        @Override
        public boolean hosts(Principal canisterId) {
            return config.ranges().stream().anyMatch(r -> r.contains(canisterId));
        }

        @Override
        public CanisterState createCanister(Optional<Principal> specifiedId, CanisterSettings settings, long cycles)
                throws ManagementException {
            Principal newId;
            if (specifiedId.isPresent()) {
                newId = specifiedId.get();
                if (!hosts(newId)) {
                    throw new ManagementException(new UserError(ErrorCode.CANISTER_NOT_HOSTED_BY_SUBNET,
                            "The specified id " + newId + " is not in the canister ranges of subnet " + id));
                }
                if (canisters.containsKey(newId)) {
                    throw new ManagementException(new UserError(ErrorCode.CANISTER_ID_ALREADY_EXISTS,
                            "Canister " + newId + " is already installed."));
                }
            } else {
                newId = allocateCanisterId();
            }
            CanisterState c = new CanisterState(newId, settings, cycles, roundTime);
            canisters.put(newId, c);
            certifyCanister(c);
            LOG.debug("canister {} created on subnet {}", newId, config.index());
            return c;
        }

        private Principal allocateCanisterId() throws ManagementException {
            for (CanisterIdRange range : config.ranges()) {
                long last = range.end().canisterIndex();
                while (nextCanisterIndex <= last) {
                    Principal candidate = Principal.canister(nextCanisterIndex++);
                    if (range.contains(candidate) && !canisters.containsKey(candidate)) {
                        return candidate;
                    }
                }
            }
            throw new ManagementException(new UserError(ErrorCode.MAX_NUMBER_OF_CANISTERS_REACHED,
                    "Subnet " + id + " has no canister ids left"));
        }

        @Override
        public void deleteCanister(CanisterState c) {
            canisters.remove(c.id());
            certification.removeCanister(c.id());
            if (c.runtime() != null) {
                c.runtime().stable().close();
                net.discard(id, c.id(), c.stableGeneration(), c.runtimeGeneration());
            }
        }

        @Override
        public CanisterModule loadModule(byte[] wasm) throws InvalidModuleException {
            return net.loadModule(wasm);
        }

        @Override
        public StableMemory newStableMemory(CanisterState c, long generation) {
            return net.newStableMemory(id, c.id(), generation);
        }

        @Override
        public org.replicator.localnet.cycles.InstructionLimits limits() {
            return config.limits();
        }

        @Override
        public long freezingThreshold(CanisterState c) {
            return executor.freezingThreshold(c);
        }

        @Override
        public ExecutionContext.Builder executionContext(CanisterState c, ApiType type) {
            return ExecutionContext.builder(type, c.id())
                    .subnet(id)
                    .time(roundTime)
                    .controllers(c.controllers())
                    .status(c.status().code())
                    .version(c.version())
                    .freezingThreshold(executor.freezingThreshold(c))
                    .maxResponseSize(ResourceLimits.MAX_RESPONSE)
                    .fees(fees)
                    .balance(c.balance())
                    .globalTimer(c.globalTimerNanos());
        }

        @Override
        public void rejectOpenCalls(CanisterState c, String reason) {
            executor.rejectAllCallContexts(c, reason);
            for (var cb : c.callbacks().values()) {
                c.addCycles(cb.prepaidResponseExecution() + cb.prepaidResponseTransmission());
            }
            c.callbacks().clear();
        }

        @Override
        public void runtimeReplaced(CanisterState c, CanisterRuntime old) {
            if (old == null) {
                return;
            }
            boolean stableKept = c.runtime() != null && c.runtime().stable() == old.stable();
            if (!stableKept) {
                old.stable().close();
            }
            long oldStable = stableKept ? -1 : c.runtime() == null ? c.stableGeneration() : c.stableGeneration() - 1;
            long oldRuntime = c.runtime() == null ? c.runtimeGeneration() : c.runtimeGeneration() - 1;
            net.discard(id, c.id(), oldStable, oldRuntime);
        }

        @Override
        public void canisterChanged(CanisterState c) {
            certifyCanister(c);
        }

        @Override
        public void respond(CallOrigin origin, CallResult result, long refund) {
            if (origin instanceof CallOrigin.Ingress i) {
                complete(i.requestId(), result);
            } else if (origin instanceof CallOrigin.Canister c) {
                route(new Response(c.caller(), Principal.managementCanister(), c.callbackId(), result, refund));
            }
        }
    }

    // ---- the HTTP interface's view -----------------------------------------------------------

    @Override
    public SubnetRecord record() {
        return net.registry().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    @Override
    public boolean isRoot() {
        return root;
    }

    @Override
    public boolean isHalted() {
        return halted;
    }

    @Override
    public CertifiedState certifiedState() {
        return published;
    }

    @Override
    public Certifier certifier() {
        return net.certifier(id);
    }

    @Override
    public NodeKeyPair nodeKey() {
        return config.node();
    }

    @Override
    public SubmitOutcome submit(IngressCall call) {
        return inspect(s -> s.accept(call));
    }

    private SubmitOutcome accept(IngressCall call) {
        if (history.contains(call.requestId())) {
            return new SubmitOutcome.Duplicate();
        }
        UserError refused = call.canisterId().isManagementCanister()
                ? management.checkIngress(call)
                : checkIngress(call);
        if (refused != null) {
            return new SubmitOutcome.Refused(refused);
        }
        history.put(call.requestId(), IngressStatus.received(call), roundTime);
        ingressQueue.add(call);
        if (!halted) {
            // Make RECEIVED visible at once: agents poll immediately after the call returns.
            published = certification.freeze(height);
        }
        return new SubmitOutcome.Accepted();
    }

    /** The IC's ingress filter for calls to canisters, including canister_inspect_message. */
    private UserError checkIngress(IngressCall call) {
        CanisterState c = canisters.get(call.canisterId());
        if (c == null) {
            return canisterNotFound(call.canisterId());
        }
        if (c.isEmpty()) {
            return MessageExecutor.noModule(c);
        }
        if (c.status() == CanisterStatus.STOPPED) {
            return new UserError(ErrorCode.CANISTER_STOPPED, "Canister " + c.id() + " is stopped");
        }
        if (c.status() == CanisterStatus.STOPPING) {
            return new UserError(ErrorCode.CANISTER_STOPPING, "Canister " + c.id() + " is stopping");
        }
        CanisterModule module = c.runtime().module();
        if (!module.updateMethods().contains(call.methodName()) && !module.queryMethods().contains(call.methodName())) {
            return new UserError(ErrorCode.CANISTER_METHOD_NOT_FOUND, "Error from Canister " + c.id()
                    + ": Canister has no update method '" + call.methodName() + "'.");
        }
        long cost = fees.ingressInductionCost(call.methodName().length() + (long) call.arg().length);
        if (c.balance() - cost < executor.freezingThreshold(c)) {
            return executor.outOfCycles(c, cost);
        }
        if (c.runtime().exports("canister_inspect_message")) {
            ExecutionContext ctx = new Host().executionContext(c, ApiType.INSPECT_MESSAGE)
                    .caller(call.sender())
                    .argument(call.arg())
                    .methodName(call.methodName())
                    .instructionLimit(config.limits().inspectMessage())
                    .build();
            ExecutionOutcome outcome = c.runtime().call(ctx, "canister_inspect_message", Effects.DISCARD);
            if (outcome.trapped()) {
                return outcome.trap().toUserError(c.id());
            }
            if (!ctx.messageAccepted()) {
                return new UserError(ErrorCode.CANISTER_REJECTED_MESSAGE, "Error from Canister " + c.id()
                        + ": Canister rejected the message");
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<CertifiedState> whenTerminal(RequestId requestId) {
        CompletableFuture<CertifiedState> f = new CompletableFuture<>();
        synchronized (terminalWaiters) {
            CertifiedState now = published;
            Optional<IngressStatus> status = now.ingressStatus(requestId);
            if (status.isPresent() && status.get().state().isTerminal()) {
                f.complete(now);
            } else {
                terminalWaiters.computeIfAbsent(requestId, k -> new ArrayList<>()).add(f);
            }
        }
        return f;
    }

    @Override
    public CompletableFuture<CallResult> query(QueryCall call) {
        CompletableFuture<CallResult> result = new CompletableFuture<>();
        tasks.add(() -> {
            try {
                result.complete(executeQuery(call));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private CallResult executeQuery(QueryCall call) {
        if (call.canisterId().isManagementCanister()) {
            return CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_METHOD_NOT_FOUND,
                    "The localnet's management canister answers no queries; call " + call.methodName() + " as an update"));
        }
        CanisterState c = canisters.get(call.canisterId());
        if (c == null) {
            return CallResult.Rejected.of(canisterNotFound(call.canisterId()));
        }
        if (c.isEmpty()) {
            return CallResult.Rejected.of(MessageExecutor.noModule(c));
        }
        if (c.status() == CanisterStatus.STOPPED) {
            return CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_STOPPED, "Canister " + c.id() + " is stopped"));
        }
        CanisterModule module = c.runtime().module();
        boolean composite = module.compositeQueryMethods().contains(call.methodName());
        if (!module.queryMethods().contains(call.methodName()) && !composite) {
            return CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_METHOD_NOT_FOUND, "Error from Canister "
                    + c.id() + ": Canister has no query method '" + call.methodName() + "'."));
        }
        ExecutionContext ctx = new Host().executionContext(c, composite ? ApiType.COMPOSITE_QUERY
                        : ApiType.NON_REPLICATED_QUERY)
                .caller(call.sender())
                .argument(call.arg())
                .time(published.timeNanos())
                .instructionLimit(config.limits().query())
                .maxResponseSize(ResourceLimits.MAX_QUERY_RESPONSE)
                .dataCertificate(certifier().dataCertificate(published, c.id()))
                .callContext(new org.replicator.localnet.canister.CallContext(0,
                        new CallOrigin.Canister(call.sender(), 0), call.methodName(), 0))
                .build();
        String export = (composite ? "canister_composite_query " : "canister_query ") + call.methodName();
        ExecutionOutcome outcome = c.runtime().call(ctx, export, Effects.DISCARD);
        if (outcome.trapped()) {
            return CallResult.Rejected.of(outcome.trap().toUserError(c.id()));
        }
        ExecutionResponse response = ctx.response();
        if (response instanceof ExecutionResponse.Reply r) {
            return new CallResult.Replied(r.payload());
        }
        if (response instanceof ExecutionResponse.Reject r) {
            return new CallResult.Rejected(RejectCode.CANISTER_REJECT, r.message(), ErrorCode.CANISTER_REJECTED_MESSAGE);
        }
        return CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_DID_NOT_REPLY,
                "Canister " + c.id() + " did not reply to the call"));
    }
}
