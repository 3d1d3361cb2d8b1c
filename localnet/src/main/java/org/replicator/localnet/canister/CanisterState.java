package org.replicator.localnet.canister;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.ids.Principal;

/**
 * Everything the IC keeps about one canister: settings, status, cycles, code and memory, the
 * calls it is serving and the calls it is waiting on. Owned by its subnet's thread.
 */
public final class CanisterState {
    private final Principal id;
    private CanisterSettings settings;
    private CanisterStatus status = CanisterStatus.RUNNING;
    private long balance;
    private CanisterRuntime runtime;
    private byte[] certifiedData = new byte[0];
    private long globalTimerNanos;
    private long version;
    private long stableGeneration;
    private long runtimeGeneration;
    private final Map<Long, CallContext> callContexts = new LinkedHashMap<>();
    private final Map<Long, Callback> callbacks = new LinkedHashMap<>();
    private long nextCallContextId = 1;
    private long nextCallbackId = 1;
    private final Deque<CanisterInput> inputs = new ArrayDeque<>();
    private final List<CallOrigin> stopWaiters = new ArrayList<>();
    private final CanisterMetrics metrics = new CanisterMetrics();
    private final CanisterLog log = new CanisterLog();
    private long storageChargedAtNanos;
    private BigInteger storageRemainder = BigInteger.ZERO;
    private long lastHeartbeatNanos;

    public CanisterState(Principal id, CanisterSettings settings, long balance, long nowNanos) {
        this.id = id;
        this.settings = settings;
        this.balance = balance;
        this.storageChargedAtNanos = nowNanos;
    }

    public Principal id() {
        return id;
    }

    public CanisterSettings settings() {
        return settings;
    }

    public void setSettings(CanisterSettings s) {
        this.settings = s;
    }

    public List<Principal> controllers() {
        return settings.controllers();
    }

    public boolean isController(Principal p) {
        return settings.controllers().contains(p);
    }

    public CanisterStatus status() {
        return status;
    }

    public void setStatus(CanisterStatus s) {
        this.status = s;
    }

    public long balance() {
        return balance;
    }

    public void setBalance(long cycles) {
        this.balance = cycles;
    }

    public void addCycles(long cycles) {
        this.balance = Math.addExact(balance, cycles);
    }

    public CanisterRuntime runtime() {
        return runtime;
    }

    public boolean isEmpty() {
        return runtime == null;
    }

    public void setRuntime(CanisterRuntime r) {
        this.runtime = r;
    }

    public byte[] certifiedData() {
        return certifiedData;
    }

    public void setCertifiedData(byte[] data) {
        this.certifiedData = data;
    }

    public long globalTimerNanos() {
        return globalTimerNanos;
    }

    public void setGlobalTimerNanos(long nanos) {
        this.globalTimerNanos = nanos;
    }

    public long version() {
        return version;
    }

    public void bumpVersion() {
        version++;
    }

    public void setVersion(long v) {
        this.version = v;
    }

    /** Counts installations, so every installation gets a fresh stable-memory file. */
    public long stableGeneration() {
        return stableGeneration;
    }

    public void setStableGeneration(long g) {
        this.stableGeneration = g;
    }

    /** Counts runtimes (installs and upgrades), so every wasm heap gets its own page file. */
    public long runtimeGeneration() {
        return runtimeGeneration;
    }

    public void setRuntimeGeneration(long g) {
        this.runtimeGeneration = g;
    }

    public Map<Long, CallContext> callContexts() {
        return callContexts;
    }

    public Map<Long, Callback> callbacks() {
        return callbacks;
    }

    public CallContext newCallContext(CallOrigin origin, String method, long cycles) {
        CallContext cc = new CallContext(nextCallContextId++, origin, method, cycles);
        callContexts.put(cc.id(), cc);
        return cc;
    }

    public long allocateCallbackId() {
        return nextCallbackId++;
    }

    public long nextCallContextId() {
        return nextCallContextId;
    }

    public long nextCallbackId() {
        return nextCallbackId;
    }

    public void restoreCounters(long nextCallContext, long nextCallback) {
        this.nextCallContextId = nextCallContext;
        this.nextCallbackId = nextCallback;
    }

    public Deque<CanisterInput> inputs() {
        return inputs;
    }

    public List<CallOrigin> stopWaiters() {
        return stopWaiters;
    }

    public CanisterMetrics metrics() {
        return metrics;
    }

    public CanisterLog log() {
        return log;
    }

    public long storageChargedAtNanos() {
        return storageChargedAtNanos;
    }

    public BigInteger storageRemainder() {
        return storageRemainder;
    }

    public void setStorageCharged(long atNanos, BigInteger remainder) {
        this.storageChargedAtNanos = atNanos;
        this.storageRemainder = remainder;
    }

    public long lastHeartbeatNanos() {
        return lastHeartbeatNanos;
    }

    public void setLastHeartbeatNanos(long nanos) {
        this.lastHeartbeatNanos = nanos;
    }

    /** Bytes the canister is charged storage for. */
    public long memoryUsage() {
        return runtime == null ? 0 : runtime.memoryUsage();
    }

    /** True when calls are open: a stopping canister becomes stopped only once this is false. */
    public boolean hasOpenCallContexts() {
        return !callContexts.isEmpty();
    }
}
