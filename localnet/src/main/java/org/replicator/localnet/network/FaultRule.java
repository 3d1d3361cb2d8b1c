package org.replicator.localnet.network;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.CanisterMessage;
import org.replicator.localnet.messages.Request;
import org.replicator.localnet.messages.Response;

/**
 * A fault to inject into cross-subnet traffic: which messages it matches, what it does to them,
 * and how many times it may still fire. Null filters match anything.
 */
public final class FaultRule {
    public enum Action {
        /**
         * The message is lost in transit. A lost request comes back to its caller as a
         * SYS_TRANSIENT reject; a lost response reaches its caller as a SYS_TRANSIENT reject in
         * its place, because a canister waiting on a response that never comes could never stop.
         */
        DROP,
        /** The message and everything behind it in its stream wait {@link #delay()} before induction. */
        DELAY,
        /** One byte of the payload (argument or reply) is flipped. */
        CORRUPT
    }

    public enum Kind { REQUEST, RESPONSE, ANY }

    private final String name;
    private final Action action;
    private final Kind kind;
    private final Principal fromSubnet;
    private final Principal toSubnet;
    private final Principal sender;
    private final Principal receiver;
    private final String method;
    private final Duration delay;
    private final AtomicLong remaining;
    private final AtomicLong fired = new AtomicLong();

    private FaultRule(Builder b) {
        this.name = b.name;
        this.action = b.action;
        this.kind = b.kind;
        this.fromSubnet = b.fromSubnet;
        this.toSubnet = b.toSubnet;
        this.sender = b.sender;
        this.receiver = b.receiver;
        this.method = b.method;
        this.delay = b.delay;
        this.remaining = new AtomicLong(b.times);
    }

    public static Builder builder(String name, Action action) {
        return new Builder(name, action);
    }

    public String name() {
        return name;
    }

    public Action action() {
        return action;
    }

    public Duration delay() {
        return delay;
    }

    /** How often the rule has fired so far. */
    public long fired() {
        return fired.get();
    }

    public long remaining() {
        return remaining.get();
    }

    boolean matches(Principal from, Principal to, CanisterMessage m) {
        if (fromSubnet != null && !fromSubnet.equals(from) || toSubnet != null && !toSubnet.equals(to)) {
            return false;
        }
        if (kind == Kind.REQUEST && !(m instanceof Request) || kind == Kind.RESPONSE && !(m instanceof Response)) {
            return false;
        }
        if (sender != null && !sender.equals(m.source()) || receiver != null && !receiver.equals(m.destination())) {
            return false;
        }
        if (method != null && !(m instanceof Request r && r.methodName().equals(method))) {
            return false;
        }
        return remaining.get() > 0;
    }

    /** Takes one firing; false if another thread used the last one. */
    boolean fire() {
        long left = remaining.getAndUpdate(n -> n > 0 ? n - 1 : n);
        if (left > 0) {
            fired.incrementAndGet();
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return name + " (" + action + ", fired " + fired.get() + ", remaining " + remaining.get() + ")";
    }

    public static final class Builder {
        private final String name;
        private final Action action;
        private Kind kind = Kind.ANY;
        private Principal fromSubnet;
        private Principal toSubnet;
        private Principal sender;
        private Principal receiver;
        private String method;
        private Duration delay = Duration.ZERO;
        private long times = Long.MAX_VALUE;

        private Builder(String name, Action action) {
            this.name = name;
            this.action = action;
        }

        public Builder kind(Kind k) {
            this.kind = k;
            return this;
        }

        public Builder fromSubnet(Principal p) {
            this.fromSubnet = p;
            return this;
        }

        public Builder toSubnet(Principal p) {
            this.toSubnet = p;
            return this;
        }

        public Builder sender(Principal p) {
            this.sender = p;
            return this;
        }

        public Builder receiver(Principal p) {
            this.receiver = p;
            return this;
        }

        public Builder method(String m) {
            this.method = m;
            return this;
        }

        public Builder delay(Duration d) {
            this.delay = d;
            return this;
        }

        public Builder times(long n) {
            this.times = n;
            return this;
        }

        public FaultRule build() {
            if (action == Action.DELAY && (delay == null || delay.isZero() || delay.isNegative())) {
                throw new IllegalArgumentException("a DELAY rule needs a positive delay");
            }
            return new FaultRule(this);
        }
    }
}
