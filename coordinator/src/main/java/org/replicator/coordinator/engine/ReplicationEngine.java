package org.replicator.coordinator.engine;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.costs.BalanceProbe;
import org.replicator.coordinator.costs.CostReconciler;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.OutageWatch.OutageOutlasted;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.funding.FundingUnavailable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.protocol.BackupStatus;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.coordinator.protocol.ReplicationStatus;
import org.replicator.coordinator.replica.ReplicaTopUp;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ChunkRange;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunRepository;
import org.replicator.coordinator.store.StaleStateException;
import org.replicator.coordinator.store.RunRepository.Claim;
import org.replicator.coordinator.store.RunRepository.Holder;
import org.replicator.coordinator.store.RunRepository.Part;
import org.replicator.coordinator.store.RunRepository.PartState;
import org.replicator.coordinator.store.StaleStateException;

/**
 * The replication state machine (docs/coordinator.md, "How a run resumes"). The coordinator
 * freezes the image itself with {@code replication_begin}, so that it knows the root every replica
 * must reach and every replica shares the one open epoch; each replica pulls on its own timer after
 * {@code sync}; the engine follows their {@code status}, compares each sealed generation's root with
 * the source's, and seals the matching ones in its database. Every transition is one transaction,
 * and each step first asks the IC what already happened, so {@link #drive} continues any run from
 * whatever state a stopped coordinator left it in.
 */
public final class ReplicationEngine {
    private final Database db;
    private final AppReplicationClient source;
    private final BackupCanisterClient backups;
    private final FeeTable fees;
    private final EngineSettings settings;
    private final String owner;
    private final RunProgress progress;
    /** Measures what runs cost (balances, refined estimate); null: not measured. */
    private final CostReconciler costs;
    /** Tops up replicas short of cycles when the settings ask for it; null: no funding source given. */
    private final ReplicaTopUp topUps;
    private final RunRepository runs = new RunRepository();
    private final ReplicaRepository replicas = new ReplicaRepository();
    private final GenerationRepository generations = new GenerationRepository();
    private final CycleLedger ledger = new CycleLedger();
    private final OutageWatch outages;
    private volatile boolean stopped;

    public ReplicationEngine(Database db, AppReplicationClient source, BackupCanisterClient backups, FeeTable fees,
            EngineSettings settings, String owner, RunProgress progress) {
        this(db, source, backups, fees, settings, owner, progress, null);
    }

    public ReplicationEngine(Database db, AppReplicationClient source, BackupCanisterClient backups, FeeTable fees,
            EngineSettings settings, String owner, RunProgress progress, CostReconciler costs) {
        this(db, source, backups, fees, settings, owner, progress, costs, null);
    }

    /**
     * @param funding where top-ups come from ({@link EngineSettings#topUp}); may be null only when
     *     the settings ask for no top-ups
     */
    public ReplicationEngine(Database db, AppReplicationClient source, BackupCanisterClient backups, FeeTable fees,
            EngineSettings settings, String owner, RunProgress progress, CostReconciler costs, CyclesFunding funding) {
        if (settings.topUp().isPresent() && funding == null) {
            throw new IllegalArgumentException("the settings ask for top-ups of " + settings.topUp().get()
                    + " cycles, but no funding source was given");
        }
        this.costs = costs;
        this.topUps = funding == null ? null : new ReplicaTopUp(db, funding);
        this.db = db;
        this.source = source;
        this.backups = backups;
        this.fees = fees;
        this.settings = settings;
        this.owner = owner;
        this.progress = progress;
        this.outages = new OutageWatch(settings, progress, Clock.systemUTC(), () -> stopped);
    }

    /**
     * The engine as the CLI builds it: the source and replicas reached through {@code gateway}, the
     * IC's fee table, and the network's own funding source ({@link CyclesFunding#forNetwork}).
     */
    public static ReplicationEngine connected(Database db, IcGateway gateway, EngineSettings settings, Owner owner,
            RunProgress progress) {
        return connected(db, gateway, settings, owner, progress, CyclesFunding.forNetwork(gateway));
    }

    /** The engine as the CLI builds it, topping replicas up from {@code funding}. */
    public static ReplicationEngine connected(Database db, IcGateway gateway, EngineSettings settings, Owner owner,
            RunProgress progress, CyclesFunding funding) {
        AppReplicationClient source = new AppReplicationClient(gateway);
        FeeTable fees = FeeTable.load();
        return new ReplicationEngine(db, source, new BackupCanisterClient(gateway), fees, settings, owner.toString(),
                progress, new CostReconciler(db, source, new BalanceProbe(gateway), fees), funding);
    }

    /** Stops driving at the next step; the run stays where it is in the database for another coordinator. */
    public void stop() {
        stopped = true;
    }

    /**
     * Plans a run after checking, before anything is written, that the canister is protected, has
     * active replicas, speaks the protocol, and that the estimate fits the budget.
     */
    public Run plan(String canister, Run.Kind kind, BigInteger budget, String actor) {
        // users' backup canisters replicate on their users' schedules, not in the canister's runs
        return plan(canister, kind, budget, actor, r -> r.owner().isEmpty(), "");
    }

    /** Plans a run into one replica only: a user's backup canister, on its user's schedule. */
    public Run planInto(PrincipalId replica, String canister, Run.Kind kind, BigInteger budget, String actor) {
        return plan(canister, kind, budget, actor, r -> r.id().equals(replica), " " + replica);
    }

    private Run plan(String canister, Run.Kind kind, BigInteger budget, String actor, Predicate<Replica> scope,
            String scopeText) {
        ProtectedCanister c = db.inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, canister))
                .orElseThrow(() -> new RunRefused("no protected canister is called " + canister
                        + "; add it with `replicator canister add`"));
        // after a failover the image is read from the promoted canister, and a replica on its subnet
        // would not survive that subnet's loss: it waits until the service is back home
        List<Replica> active = db.inTransaction(tx -> replicas.listLive(tx, c.id())).stream()
                .filter(r -> r.status() == Replica.Status.ACTIVE).filter(scope)
                .filter(r -> !c.failedOver() || !r.subnet().equals(c.liveSubnet())).toList();
        if (active.isEmpty()) {
            throw new RunRefused("canister " + c.id() + " has no active replica" + scopeText + (c.failedOver()
                    ? " off subnet " + c.liveSubnet() + ", where it now runs as " + c.liveCanister() : "")
                    + "; create one with `replicator replica create " + c.id() + "`");
        }
        PrincipalId live = c.liveCanister();
        ReplicationStatus status = source.status(live);
        long chunks = status.chunkSize() == 0 ? 0 : (status.regionSize() + status.chunkSize() - 1) / status.chunkSize();
        BigInteger estimate = fees.pullEstimate(chunks, status.regionSize()).multiply(BigInteger.valueOf(active.size()));
        // an incremental run's budget is held against its refined estimate once the source has listed
        // its changes (CostReconciler.beforePulls); this one is only an upper bound
        if (budget != null && estimate.compareTo(budget) > 0 && (kind == Run.Kind.FULL || costs == null)) {
            throw new RunRefused("the run is estimated at " + estimate + " cycles (" + active.size() + " replica(s) × "
                    + status.regionSize() + " bytes in " + chunks + " chunks) and the budget is " + budget
                    + "; raise --budget or replicate into fewer replicas");
        }
        Optional<Generation> latest = kind == Run.Kind.INCREMENTAL
                ? db.inTransaction(tx -> generations.latestSealed(tx, active.get(0).id())) : Optional.empty();
        // an image read from another canister than the base generation's has no change list against
        // it (its epochs are its own): the replicas pull it whole
        boolean sameSource = latest.map(g -> g.source().equals(live)).orElse(false);
        Run.Kind planned = kind == Run.Kind.INCREMENTAL && !sameSource && latest.isPresent() ? Run.Kind.FULL : kind;
        Long base = planned == Run.Kind.INCREMENTAL ? latest.map(Generation::id).orElse(null) : null;
        try {
            return db.inTransaction(tx -> {
                Run run = runs.plan(tx, c.id(), live, planned, base, budget, active.stream().map(Replica::id).toList());
                ledger.record(tx, new CycleEntry.New(run.id(), c.id(), null, null, CycleEntry.Kind.ESTIMATE, estimate,
                        "fee table: " + active.size() + " replica(s), " + status.regionSize() + " bytes, " + chunks
                                + " chunks" + (planned == Run.Kind.INCREMENTAL ? " (upper bound: unchanged chunks are not pulled)" : "")));
                new AuditLog().record(tx, actor, "run.plan", c.id().text(),
                        Map.of("run", run.id(), "kind", planned.name().toLowerCase(), "estimate", estimate.toString()));
                return run;
            });
        } catch (ConstraintViolation e) {
            if ("runs_one_open_per_canister".equals(e.constraint())) {
                throw new RunRefused("canister " + c.id() + " already has an unfinished run; see `replicator status`"
                        + " (a stopped coordinator's run is resumed by the next `replicator replicate`)");
            }
            throw e;
        }
    }

    /** Unfinished runs of any canister, oldest first. */
    public List<Run> unfinished() {
        return db.inTransaction(runs::listUnfinished);
    }

    /**
     * The unfinished run of the canister with this id or name (at most one), which is to be resumed
     * before any new run is planned.
     */
    public Optional<Run> unfinishedOf(String canister) {
        return db.inTransaction(tx -> {
            Optional<ProtectedCanister> c = new CanisterRepository().findActiveByIdOrName(tx, canister);
            if (c.isEmpty()) {
                return Optional.<Run>empty();
            }
            return runs.listUnfinished(tx).stream().filter(r -> r.canister().equals(c.get().id())).findFirst();
        });
    }

    /** Drives a run without waiting for it to be free: see {@link #drive(long, boolean)}. */
    public Run drive(long runId) {
        return drive(runId, false);
    }

    /**
     * Drives a run to a final state (or until {@link #stop}); returns the run as last recorded. While
     * another live coordinator holds the run or the bound on concurrent runs is reached, waits (saying
     * once through {@link RunProgress#waiting} what for) or, without {@code wait}, throws
     * {@link RunBlocked}.
     */
    public Run drive(long runId, boolean wait) {
        Instant deadline = Instant.now().plus(settings.runDeadline());
        Run run = claim(runId, wait, deadline);
        // top-ups made in this drive, per replica: bounded by settings.retries()
        Map<PrincipalId, Integer> toppedUp = new java.util.HashMap<>();
        try {
            int staleInARow = 0;
            while (!run.state().finished() && !stopped) {
                try {
                    // inside the try: a database outage while renewing is waited out like any other
                    renewLease(run);
                    progress.state(run);
                    run = step(run, deadline, toppedUp);
                    outages.succeeded(Outage.DATABASE);
                    staleInARow = 0;
                } catch (RunDeadlineExceeded | RunTakenOver e) {
                    throw e;
                } catch (OutageOutlasted e) {
                    if (stopped) {
                        break;
                    }
                    throw outlasted(e);
                } catch (StaleStateException e) {
                    // a step repeated after an ambiguous failure (a commit whose answer was lost) finds
                    // its own earlier change; what counts is the run as recorded now. A stale view that
                    // persists means another writer, which is not ours to overrule.
                    if (++staleInARow > settings.retries()) {
                        throw e;
                    }
                    run = reread(run.id(), e);
                } catch (RuntimeException e) {
                    if (Outage.of(e).isPresent()) {
                        // the transaction that failed was rolled back (or committed, if only its answer
                        // was lost): either way the step starts again from the run as recorded
                        try {
                            run = reread(run.id(), e);
                            if (run.state().finished()) {
                                // the failed step was the last one and its commit landed; the source's
                                // epoch is still to be released (ending an ended epoch is harmless)
                                endQuietly(run);
                            }
                        } catch (OutageOutlasted o) {
                            if (stopped) {
                                break;
                            }
                            throw outlasted(o);
                        }
                    } else if (e instanceof IcException || e instanceof org.replicator.coordinator.protocol.NotSpeakingProtocol) {
                        Run current = run;
                        run = db.inTransaction(tx -> runs.fail(tx, current.id(), e.getMessage()));
                        endQuietly(run);
                    } else {
                        throw e;
                    }
                }
            }
        } finally {
            // a coordinator that stops driving (stopped, deadline, database trouble) hands the run
            // back at once; only one that dies keeps it until its lease expires
            releaseQuietly(runId);
        }
        if (costs != null) {
            costs.afterRun(run, this::retrying);
        }
        progress.state(run);
        return run;
    }

    /**
     * Waits until fewer than {@link EngineSettings#maxConcurrentRuns} runs are driven, before a new
     * run is planned, so that a refused start writes nothing; the claim enforces the bound again
     * atomically. Without {@code wait}, throws {@link RunBlocked} naming the runs in the way.
     */
    public void awaitRoomForARun(boolean wait) {
        Instant deadline = Instant.now().plus(settings.runDeadline());
        Set<String> dead = new HashSet<>();
        String said = null;
        while (!stopped) {
            List<Holder> driving = db.inTransaction(tx -> runs.driving(tx, -1, settings.leaseSeconds(), dead));
            if (driving.size() < settings.maxConcurrentRuns()) {
                return;
            }
            if (addDead(driving, dead)) {
                continue;
            }
            said = blocked(boundKey(driving), atBound(settings.maxConcurrentRuns(), driving), wait, said, deadline);
        }
    }

    /**
     * Claims the run, taking it over at once from a holder whose process is gone from this host
     * (recorded as {@code run.takeover}), or after its lease expired (also recorded).
     */
    private Run claim(long runId, boolean wait, Instant deadline) {
        Set<String> dead = new HashSet<>();
        String said = null;
        while (true) {
            Claim found = db.inTransaction(tx -> {
                Claim c = runs.claim(tx, runId, owner, settings.leaseSeconds(), settings.maxConcurrentRuns(), dead);
                if (c instanceof Claim.Claimed claimed && claimed.from().isPresent()) {
                    recordTakeover(tx, claimed.run(), claimed.from().get(), dead.contains(claimed.from().get().owner()));
                }
                return c;
            });
            if (found instanceof Claim.Claimed c) {
                return c.run();
            } else if (found instanceof Claim.Finished f) {
                return f.run();
            } else if (found instanceof Claim.Held h) {
                if (addDead(List.of(h.holder()), dead)) {
                    continue;
                }
                said = blocked(h.holder().owner(), held(h.holder()), wait, said, deadline);
            } else if (found instanceof Claim.AtBound b) {
                if (addDead(b.driving(), dead)) {
                    continue;
                }
                said = blocked(boundKey(b.driving()), atBound(b.bound(), b.driving()), wait, said, deadline);
            }
            if (stopped) {
                return db.inTransaction(tx -> runs.find(tx, runId)).orElseThrow();
            }
        }
    }

    /**
     * The run as recorded, read once the outage (or the stale view) that interrupted a step allows;
     * waits out a database outage within the outage window.
     */
    private Run reread(long runId, RuntimeException failure) {
        RuntimeException last = failure;
        while (true) {
            Optional<Outage> outage = Outage.of(last);
            if (outage.isPresent()) {
                outages.failed(outage.get(), last);
            }
            try {
                Run run = db.inTransaction(tx -> runs.find(tx, runId)).orElseThrow();
                outages.succeeded(Outage.DATABASE);
                return run;
            } catch (RuntimeException e) {
                if (Outage.of(e).isEmpty()) {
                    throw e;
                }
                last = e;
            }
        }
    }

    private void recordTakeover(java.sql.Connection tx, Run run, Holder from, boolean dead) throws java.sql.SQLException {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("run", run.id());
        detail.put("from", from.owner());
        detail.put("reason", dead ? "holder_dead" : "lease_expired");
        from.heartbeatAge().ifPresent(a -> detail.put("heartbeat_age_seconds", a.toSeconds()));
        detail.put("detail", dead
                ? "the holder's process " + Owner.parse(from.owner()).map(o -> o.pid() + " on " + o.host()).orElse("")
                        + " is no longer running; taken over at once"
                : "the holder's last heartbeat is older than the lease of " + settings.leaseSeconds() + " s");
        new AuditLog().record(tx, owner, "run.takeover", run.canister().text(), detail);
    }

    /** Adds holders whose process is certainly gone (same host, no such pid); true when any was new. */
    private static boolean addDead(List<Holder> holders, Set<String> dead) {
        boolean added = false;
        for (Holder h : holders) {
            if (Owner.parse(h.owner()).filter(Owner::deadOnThisHost).isPresent()) {
                added |= dead.add(h.owner());
            }
        }
        return added;
    }

    /**
     * Says once what is in the way (again only when who is in the way changes, as {@code key} tells),
     * or throws it without {@code wait}; then pauses. Returns the key said.
     */
    private String blocked(String key, String why, boolean wait, String said, Instant deadline) {
        if (!wait) {
            throw new RunBlocked(why + "; try again later (without --no-wait, replicate waits for it)");
        }
        if (!key.equals(said)) {
            progress.waiting(why + "; waiting (--no-wait exits instead)");
        }
        if (Instant.now().isAfter(deadline)) {
            throw new RunDeadlineExceeded("still blocked after " + settings.runDeadline() + ": " + why);
        }
        pause(settings.pollInterval());
        return key;
    }

    private static String boundKey(List<Holder> driving) {
        return "bound:" + driving.stream().map(h -> h.run() + "=" + h.owner()).toList();
    }

    private String held(Holder h) {
        return "run " + h.run() + " of " + h.canister() + " is held by another coordinator, " + h.owner()
                + leaseText(h) + Owner.parse(h.owner()).filter(o -> o.host().equals(Owner.thisHost()))
                        .map(o -> " (process " + o.pid() + " on this host is running)").orElse("");
    }

    private String atBound(int bound, List<Holder> driving) {
        return driving.size() + " run(s) are being driven already, the bound on concurrent runs (" + bound
                + ", --max-concurrent-runs): " + String.join("; ", driving.stream()
                        .map(h -> "run " + h.run() + " of " + h.canister() + " by " + h.owner() + leaseText(h))
                        .toList());
    }

    private String leaseText(Holder h) {
        if (h.heartbeatAt().isEmpty() || h.heartbeatAge().isEmpty()) {
            return "";
        }
        Duration left = Duration.ofSeconds(settings.leaseSeconds()).minus(h.heartbeatAge().get());
        return " (last heartbeat " + h.heartbeatAge().get().toSeconds() + " s ago; its lease ends at "
                + h.heartbeatAt().get().plusSeconds(settings.leaseSeconds()).truncatedTo(ChronoUnit.SECONDS)
                + ", in " + Math.max(0, left.toSeconds()) + " s, unless it renews it)";
    }

    /** Renews the lease before each step; a coordinator whose run was taken over stops driving it. */
    private void renewLease(Run run) {
        boolean ours = db.inTransaction(tx -> runs.heartbeat(tx, run.id(), owner));
        if (!ours) {
            throw new RunTakenOver("run " + run.id() + " was taken over by another coordinator (this one's"
                    + " lease of " + settings.leaseSeconds() + " s expired); this coordinator stops driving it");
        }
    }

    /** The failure to end a drive with once an outage outlasted the window; the run stays as recorded. */
    private static RuntimeException outlasted(OutageOutlasted o) {
        if (o.outage() == Outage.DATABASE) {
            return new DatabaseException(o.getMessage() + "; the run stays recorded, and `replicator replicate`"
                    + " resumes it once the database is back", o.failure());
        }
        // an IC failure keeps its type (and the CLI its exit code); its message says what to check
        return o.failure();
    }

    private void releaseQuietly(long runId) {
        try {
            db.inTransaction(tx -> {
                runs.release(tx, runId, owner);
                return null;
            });
        } catch (RuntimeException e) {
            // the lease then expires on its own after EngineSettings.leaseSeconds
        }
    }

    private Run step(Run run, Instant deadline, Map<PrincipalId, Integer> toppedUp) {
        return switch (run.state()) {
            case PLANNED -> begin(run);
            case BEGUN -> startPulls(run);
            case PULLING -> followPulls(run, deadline, toppedUp);
            case VERIFYING -> verify(run);
            case SEALING -> seal(run);
            default -> run;
        };
    }

    private Run begin(Run run) {
        // begin again until the root is known (protocol: root absent while hashes are computed);
        // a begin while an epoch is open returns that epoch, so a repeated begin after a crash is harmless
        ImageInfo image = retrying("replication_begin on " + run.source(), () -> source.begin(run.source()));
        while (image.root().isEmpty() && !stopped) {
            renewLease(run);
            image = retrying("replication_begin on " + run.source(), () -> source.begin(run.source()));
        }
        if (image.root().isEmpty()) {
            return run;
        }
        ImageInfo frozen = image;
        Run.Image recorded = new Run.Image(frozen.size(), frozen.chunkSize(), frozen.chunkCount(), frozen.root().get());
        // read once the epoch is open: an upgrade after this point ends the epoch, so the module
        // read is the one that produced the frozen image
        Optional<org.replicator.coordinator.store.Digest> module = retrying("the module hash of " + run.source(),
                () -> source.moduleHash(run.source()));
        return db.inTransaction(tx -> {
            runs.recordSourceModule(tx, run.id(), module.orElse(null));
            return runs.begin(tx, run.id(), frozen.epoch(), recorded);
        });
    }

    private Run startPulls(Run run) {
        Run.Image image = run.image().orElseThrow();
        if (costs != null) {
            Optional<String> refused = costs.beforePulls(run,
                    db.inTransaction(tx -> runs.parts(tx, run.id())).stream().map(Part::replica).toList(), this::retrying);
            if (refused.isPresent()) {
                Run failed = db.inTransaction(tx -> runs.fail(tx, run.id(), refused.get()));
                endQuietly(failed);
                return failed;
            }
        }
        for (Part part : db.inTransaction(tx -> runs.parts(tx, run.id()))) {
            if (part.state() != PartState.PENDING) {
                continue;
            }
            pointAtSource(part.replica(), run.source());
            // sync is idempotent: it starts a run when idle and answers with the run in progress otherwise
            retrying("sync on " + part.replica(), () -> backups.sync(part.replica()));
            db.inTransaction(tx -> {
                runs.transitionPart(tx, run.id(), part.replica(), PartState.PENDING, PartState.PULLING, null, null);
                if (image.chunkCount() > 0) {
                    runs.planChunks(tx, run.id(), part.replica(), image.chunkCount(), image.chunkCount());
                    runs.markChunks(tx, run.id(), part.replica(), 0, ChunkRange.State.PENDING, ChunkRange.State.REQUESTED, 0);
                }
                return null;
            });
        }
        return db.inTransaction(tx -> runs.transition(tx, run.id(), Run.State.BEGUN, Run.State.PULLING));
    }

    /**
     * Makes the replica pull from {@code source} if it still names another (a promotion or fail-back
     * moved the service, and re-pointing it then did not reach it): the source lets it read first. A
     * run the replica still has active is the old source's (one that was pulling when that source's
     * subnet went down waits for replies that come only when it returns), so it is abandoned; a run
     * of {@code source} itself is never touched, as the replica then already names it.
     */
    private void pointAtSource(PrincipalId replica, PrincipalId source) {
        BackupStatus status = retrying("status of " + replica, () -> backups.status(replica));
        if (!status.source().equals(source)) {
            retrying("replication_allow on " + source, () -> {
                this.source.allow(source, replica);
                return null;
            });
            boolean abandon = status.run().map(BackupRun::active).orElse(false);
            retrying("set_source on " + replica, () -> backups.setSource(replica, source, abandon));
        }
    }

    private Run followPulls(Run run, Instant deadline, Map<PrincipalId, Integer> toppedUp) {
        BigInteger epoch = run.epoch().orElseThrow();
        Run.Image image = run.image().orElseThrow();
        Map<PrincipalId, Integer> restarts = new java.util.HashMap<>();
        while (!stopped) {
            renewLease(run);
            Optional<Run> recorded = db.inTransaction(tx -> runs.find(tx, run.id()));
            if (recorded.isPresent() && recorded.get().state().finished()) {
                // another writer ended it: a promotion abandons the runs of a primary that is down,
                // and their replicas are re-pointed (their backup runs abandoned) under this drive
                return recorded.get();
            }
            List<Part> parts = db.inTransaction(tx -> runs.parts(tx, run.id()));
            BigInteger spent = BigInteger.ZERO;
            boolean waiting = false;
            for (Part part : parts) {
                if (part.state() != PartState.PULLING) {
                    continue;
                }
                PrincipalId replica = part.replica();
                BackupStatus status = retrying("status of " + replica, () -> backups.status(replica));
                Optional<BackupRun> current = status.run();
                boolean ours = current.flatMap(BackupRun::epoch).map(e -> BigInteger.valueOf(e).equals(epoch))
                        .orElse(false);
                if (ours && current.get().sealed() && current.get().generation().isPresent()) {
                    recordPulled(run, replica, current.get());
                    continue;
                }
                waiting = true;
                if (current.isEmpty() || (current.get().sealed() && !ours)) {
                    // no run, or only an earlier one: our sync was not received (or the replica was
                    // reinstalled); sync is harmless to repeat
                    retrying("sync on " + replica, () -> backups.sync(replica));
                    continue;
                }
                BackupRun r = current.get();
                if (ours) {
                    spent = spent.add(r.cyclesSpent().max(BigInteger.ZERO));
                }
                progress.pulled(run.id(), replica, r.chunksDone(), r.chunksTotal(), r.bytesFetched());
                db.inTransaction(tx -> {
                    runs.recordProgress(tx, run.id(), replica, r.chunksDone(), r.chunksTotal());
                    return null;
                });
                String error = r.error().orElse(r.state());
                if (r.paused() && error.startsWith("LOW_CYCLES") && settings.topUp().isPresent()) {
                    topUpOrFail(run, replica, error, toppedUp);
                } else if (r.paused() && error.startsWith("LOW_CYCLES")) {
                    failPart(run, replica, "the backup canister paused: " + error + "; top it up with `replicator"
                            + " replica top-up " + replica + " --cycles C` and replicate again (or replicate with"
                            + " --top-up C to top up replicas that run short)");
                } else if (r.paused() && error.startsWith("BUDGET_EXHAUSTED")) {
                    // the budget is the user's own limit: no top-up goes past it, a larger budget and a new run do
                    failPart(run, replica, "the backup canister paused: " + error);
                } else if (r.paused() || r.failed()) {
                    // a chunk that kept failing, a lost epoch: sync resumes a paused run and starts a
                    // failed one afresh (chunks already stored are kept by hash); bounded per drive
                    int n = restarts.merge(replica, 1, Integer::sum);
                    if (n > settings.retries()) {
                        failPart(run, replica, "the backup canister's run " + r.state() + " " + n + " times; last: "
                                + error);
                    } else {
                        retrying("sync on " + replica, () -> backups.sync(replica));
                    }
                }
            }
            if (run.cycleBudget().isPresent() && spent.compareTo(run.cycleBudget().get()) > 0) {
                BigInteger total = spent;
                Run failed = db.inTransaction(tx -> runs.fail(tx, run.id(), "the replicas spent " + total
                        + " cycles, over the run's budget of " + run.cycleBudget().get()));
                endQuietly(failed);
                return failed;
            }
            if (!waiting) {
                return db.inTransaction(tx -> runs.transition(tx, run.id(), Run.State.PULLING, Run.State.VERIFYING));
            }
            if (Instant.now().isAfter(deadline)) {
                throw new RunDeadlineExceeded("the replicas did not finish pulling " + image.chunkCount()
                        + " chunks within " + settings.runDeadline() + "; the run stays recorded and"
                        + " `replicator replicate` resumes it");
            }
            pause(settings.pollInterval());
        }
        return run;
    }

    /**
     * Records the generation a replica sealed for this run's epoch, with a {@code transfer} ledger
     * row of exactly the cycles the backup canister reports its run spent.
     */
    private void recordPulled(Run run, PrincipalId replica, BackupRun r) {
        Run.Image image = run.image().orElseThrow();
        long id = r.generation().orElseThrow();
        BackupGeneration g = retrying("generations of " + replica, () -> backups.generations(replica)).stream()
                .filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> new org.replicator.coordinator.protocol.NotSpeakingProtocol(replica,
                        "a backup canister", "its run reports sealed generation " + id + " but generations() lacks it",
                        null));
        db.inTransaction(tx -> {
            Long parent = generations.latestSealed(tx, replica).map(Generation::id).orElse(null);
            Generation recorded = generations.record(tx, replica, run.id(), BigInteger.valueOf(g.epoch()), g.root(),
                    g.size(), g.chunkCount(), runs.sourceModule(tx, run.id()).orElse(null), parent);
            runs.transitionPart(tx, run.id(), replica, PartState.PULLING, PartState.PULLED, recorded.id(), null);
            runs.recordProgress(tx, run.id(), replica, r.chunksTotal(), r.chunksTotal());
            if (image.chunkCount() > 0) {
                runs.markChunks(tx, run.id(), replica, 0, ChunkRange.State.REQUESTED, ChunkRange.State.DONE,
                        r.bytesFetched());
            }
            ledger.record(tx, new CycleEntry.New(run.id(), run.canister(), replica, null, CycleEntry.Kind.TRANSFER,
                    r.cyclesSpent().max(BigInteger.ZERO), "backup canister run " + r.id() + " (generation " + g.id()
                            + "): cycles_spent " + r.cyclesSpent() + ", " + r.chunksFetched() + " chunks / "
                            + r.bytesFetched() + " bytes fetched, " + r.chunksReused() + " chunks reused"));
            if (costs != null) {
                costs.pulled(tx, run, replica, r);
            }
            return null;
        });
        progress.pulled(run.id(), replica, r.chunksTotal(), r.chunksTotal(), r.bytesFetched());
    }

    /**
     * Tops a replica that paused with {@code LOW_CYCLES} up by the settings' amount and resumes its
     * run with {@code sync}, unless this drive has topped it up {@code retries} times already or the
     * funding source refuses; then its part fails, saying so. The top-up is counted before it is
     * made and never repeated by {@link #retrying}: a lost answer must not add the cycles twice.
     */
    private void topUpOrFail(Run run, PrincipalId replica, String error, Map<PrincipalId, Integer> toppedUp) {
        BigInteger cycles = settings.topUp().orElseThrow();
        int made = toppedUp.getOrDefault(replica, 0);
        if (made >= settings.retries()) {
            failPart(run, replica, "the backup canister paused: " + error + "; still short after " + made
                    + " top-up(s) of " + cycles + " cycles in this run (--top-up); top it up with `replicator replica"
                    + " top-up " + replica + " --cycles C` with a larger C and replicate again");
            return;
        }
        Replica target = db.inTransaction(tx -> replicas.find(tx, replica)).orElseThrow();
        toppedUp.put(replica, made + 1);
        try {
            topUps.add(target, cycles);
        } catch (FundingUnavailable | IcException e) {
            if (e instanceof IcException && Outage.of(e).isPresent()) {
                // the drive waits the outage out and looks again; whether these cycles arrived is not known
                throw e;
            }
            failPart(run, replica, "the backup canister paused: " + error + "; the top-up of " + cycles
                    + " cycles failed: " + e.getMessage());
            return;
        }
        String reason = "run " + run.id() + ": the backup canister paused: " + error;
        bookWaitingOutOutages(() -> topUps.book(target, cycles, run.id(), owner, reason));
        progress.toppedUp(run.id(), replica, cycles, made + 1, error);
        retrying("sync on " + replica, () -> backups.sync(replica));
    }

    /**
     * Books a top-up that was made, waiting out a database outage within the window rather than
     * leave the step (which would top the replica up again).
     */
    private void bookWaitingOutOutages(Runnable book) {
        while (true) {
            try {
                book.run();
                outages.succeeded(Outage.DATABASE);
                return;
            } catch (RuntimeException e) {
                Optional<Outage> outage = Outage.of(e);
                if (outage.isEmpty() || stopped) {
                    throw e;
                }
                outages.failed(outage.get(), e);
            }
        }
    }

    private void failPart(Run run, PrincipalId replica, String error) {
        db.inTransaction(tx -> {
            runs.transitionPart(tx, run.id(), replica, PartState.PULLING, PartState.FAILED, null, error);
            return null;
        });
    }

    private Run verify(Run run) {
        Run.Image image = run.image().orElseThrow();
        List<Part> parts = db.inTransaction(tx -> runs.parts(tx, run.id()));
        int verified = 0;
        List<String> errors = new ArrayList<>();
        for (Part part : parts) {
            if (part.state() == PartState.VERIFIED || part.state() == PartState.SEALED) {
                verified++;
                continue;
            }
            if (part.state() != PartState.PULLED) {
                part.error().ifPresent(e -> errors.add(part.replica() + ": " + e));
                continue;
            }
            Generation g = db.inTransaction(tx -> generations.list(tx, part.replica())).stream()
                    .filter(x -> x.id() == part.generation().orElseThrow()).findFirst().orElseThrow();
            boolean same = g.root().equals(image.root());
            String error = same ? null : "root " + g.root() + " differs from the source's " + image.root();
            db.inTransaction(tx -> {
                runs.transitionPart(tx, run.id(), part.replica(), PartState.PULLED,
                        same ? PartState.VERIFIED : PartState.FAILED, null, error);
                return null;
            });
            if (same) {
                verified++;
            } else {
                errors.add(part.replica() + ": " + error);
            }
        }
        if (verified == 0) {
            Run failed = db.inTransaction(tx -> runs.fail(tx, run.id(), "no replica holds the source's image: "
                    + String.join("; ", errors)));
            endQuietly(failed);
            return failed;
        }
        return db.inTransaction(tx -> runs.transition(tx, run.id(), Run.State.VERIFYING, Run.State.SEALING));
    }

    private Run seal(Run run) {
        Run.Image image = run.image().orElseThrow();
        Run sealed = db.inTransaction(tx -> {
            for (Part part : runs.parts(tx, run.id())) {
                if (part.state() == PartState.VERIFIED) {
                    // conditioned on the verified root: a wrong generation can never be sealed
                    generations.seal(tx, part.generation().orElseThrow(), image.root());
                    runs.transitionPart(tx, run.id(), part.replica(), PartState.VERIFIED, PartState.SEALED, null, null);
                }
            }
            return runs.transition(tx, run.id(), Run.State.SEALING, Run.State.SEALED);
        });
        endQuietly(sealed);
        return sealed;
    }

    /** Releases the coordinator's hold on the frozen image; ending an ended epoch is harmless. */
    private void endQuietly(Run run) {
        run.epoch().ifPresent(epoch -> {
            try {
                source.end(run.source(), epoch);
            } catch (RuntimeException e) {
                // the epoch expires on its own after the app's TTL; nothing depends on this call
            }
        });
    }

    /**
     * Makes an IC call, waiting out network outages (unreachable, timed out, SYS_TRANSIENT) within
     * the outage window; every call the engine makes through here is safe to repeat.
     */
    private <T> T retrying(String what, Supplier<T> call) {
        while (true) {
            try {
                T result = call.get();
                outages.succeeded(Outage.NETWORK);
                return result;
            } catch (IcException e) {
                Optional<Outage> outage = Outage.of(e);
                if (outage.isEmpty() || stopped) {
                    throw e;
                }
                outages.failed(outage.get(), e);
            }
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
