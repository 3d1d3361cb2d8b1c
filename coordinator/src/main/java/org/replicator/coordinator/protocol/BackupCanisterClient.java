package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/** The backup canister's interface (backup_canister.did) as the coordinator drives it. */
public final class BackupCanisterClient {
    private static final String ROLE = "a backup canister";
    private static final byte[] NO_ARGUMENTS = IDLArgs.create(List.of()).toBytes();

    private final IcGateway gateway;

    public BackupCanisterClient(IcGateway gateway) {
        this.gateway = gateway;
    }

    /** The init argument: source, coordinators, parallelism, cycle budget per run. */
    public static byte[] initArg(PrincipalId source, List<PrincipalId> coordinators, Integer parallelism,
            BigInteger cycleBudgetPerRun) {
        Principal[] ids = coordinators.stream().map(PrincipalId::toIc4j).toArray(Principal[]::new);
        Candid.RecordBuilder init = Candid.record()
                .principal("source", source)
                .field("coordinators", ids, Candid.vecType(IDLType.createType(Type.PRINCIPAL)))
                .field("parallelism", Optional.ofNullable(parallelism), Candid.optType(IDLType.createType(Type.NAT32)))
                .field("cycle_budget_per_run", Optional.ofNullable(cycleBudgetPerRun),
                        Candid.optType(IDLType.createType(Type.NAT)));
        return IDLArgs.create(List.<IDLValue>of(init.value())).toBytes();
    }

    /** Starts a run, or continues the current (paused) one; replies with the status. */
    public BackupStatus sync(PrincipalId replica) {
        byte[] reply = update(replica, "sync", NO_ARGUMENTS);
        return ProtocolCalls.decode(replica, ROLE, "sync", reply, r -> status(Candid.replyRecord(r)));
    }

    /**
     * Has the backup canister push its generation {@code generation} (its own numbering) into
     * {@code target}'s restore endpoints; progress is in {@link BackupStatus#restore()}. Refused with
     * RESTORE_IN_PROGRESS while a restore is active.
     */
    public BackupStatus restoreTo(PrincipalId replica, PrincipalId target, long generation) {
        byte[] arg = Candid.record().principal("target", target).nat64("generation", generation).toArg();
        byte[] reply = update(replica, "restore_to", arg);
        return ProtocolCalls.decode(replica, ROLE, "restore_to", reply, r -> status(Candid.replyRecord(r)));
    }

    /**
     * Re-points the backup canister at another source (a promoted replica); it keeps its
     * generations and its next sync is a full pull. Refused with RUN_IN_PROGRESS while a run is
     * active and RESTORE_IN_PROGRESS while a restore is; the same source again changes nothing.
     */
    public BackupStatus setSource(PrincipalId replica, PrincipalId source) {
        return setSource(replica, source, false);
    }

    /**
     * {@link #setSource(PrincipalId, PrincipalId)}; with {@code abandonRun}, a run still active (of the
     * old source: setting the same source changes nothing) is abandoned instead of refused: it fails
     * with {@code ABANDONED: ...}, releases its chunks, and its late replies are ignored. Without it
     * the call carries the principal alone, as backup canisters built before the option expect.
     */
    public BackupStatus setSource(PrincipalId replica, PrincipalId source, boolean abandonRun) {
        List<IDLValue> args = new ArrayList<>();
        args.add(IDLValue.create(source.toIc4j(), IDLType.createType(Type.PRINCIPAL)));
        if (abandonRun) {
            Candid.RecordBuilder options = Candid.record().field("abandon_run", Optional.of(true),
                    Candid.optType(IDLType.createType(Type.BOOL)));
            args.add(IDLValue.create(Optional.of(options.values()), Candid.optType(options.type())));
        }
        byte[] reply = update(replica, "set_source", IDLArgs.create(args).toBytes());
        return ProtocolCalls.decode(replica, ROLE, "set_source", reply, r -> status(Candid.replyRecord(r)));
    }

    /**
     * Replaces the backup canister's own coordinator list (set_coordinators) and returns it as it now
     * is. Only a listed coordinator may; others are rejected with NOT_ALLOWED, an empty list with
     * BAD_ARGUMENT.
     */
    public List<PrincipalId> setCoordinators(PrincipalId replica, List<PrincipalId> coordinators) {
        Principal[] ids = coordinators.stream().map(PrincipalId::toIc4j).toArray(Principal[]::new);
        byte[] arg = IDLArgs.create(List.of(IDLValue.create(ids, Candid.vecType(IDLType.createType(Type.PRINCIPAL)))))
                .toBytes();
        byte[] reply = update(replica, "set_coordinators", arg);
        return ProtocolCalls.decode(replica, ROLE, "set_coordinators", reply, r -> {
            List<PrincipalId> now = new ArrayList<>();
            for (Object p : (Object[]) IDLArgs.fromBytes(r).getArgs().get(0).getValue()) {
                now.add(PrincipalId.of((Principal) p));
            }
            return now;
        });
    }

    /** Drops the backup canister's generation {@code generation} (its own numbering); its unshared chunks are freed. */
    public BackupStatus dropGeneration(PrincipalId replica, long generation) {
        byte[] arg = IDLArgs.create(List.of(IDLValue.create(generation, IDLType.createType(Type.NAT64)))).toBytes();
        byte[] reply = update(replica, "drop_generation", arg);
        return ProtocolCalls.decode(replica, ROLE, "drop_generation", reply, r -> status(Candid.replyRecord(r)));
    }

    public BackupStatus status(PrincipalId replica) {
        byte[] reply = query(replica, "status", NO_ARGUMENTS);
        return ProtocolCalls.decode(replica, ROLE, "status", reply, r -> status(Candid.replyRecord(r)));
    }

    public List<BackupGeneration> generations(PrincipalId replica) {
        byte[] reply = query(replica, "generations", NO_ARGUMENTS);
        return ProtocolCalls.decode(replica, ROLE, "generations", reply, r -> {
            List<BackupGeneration> result = new ArrayList<>();
            for (Map<?, ?> g : Candid.replyVector(r)) {
                result.add(new BackupGeneration(Candid.nat64(g, "id"), Candid.nat64(g, "epoch"),
                        Digest.of(Candid.blob(g, "root")), Candid.nat64(g, "size"),
                        Math.toIntExact(Candid.nat64(g, "chunk_size")), Math.toIntExact(Candid.nat64(g, "chunk_count")),
                        Candid.nat64(g, "chunks_fetched"),
                        g.containsKey(Label.createNamedLabel("source")) ? Optional.of(Candid.principal(g, "source")) : Optional.empty()));
            }
            return result;
        });
    }

    /**
     * Chunk {@code index} of generation {@code generation} (the canister's numbering) by query, as
     * stored, with the hash the canister keeps for it: auditors check one against the other and the
     * hashes against the generation's root. One replica answers, uncertified.
     */
    public ImageChunk readChunk(PrincipalId replica, long generation, long index) {
        byte[] reply = query(replica, "read_chunk", Candid.record().nat64("generation", generation).nat64("index", index)
                .toArg());
        return ProtocolCalls.decode(replica, ROLE, "read_chunk", reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            return new ImageChunk(index, Candid.blob(m, "bytes"), Digest.of(Candid.blob(m, "hash")));
        });
    }

    /**
     * Re-hashes a generation's stored chunks and recomputes its root. The canister stops after its
     * instruction budget with {@code done = false}; this calls again until it is done.
     */
    public VerifyResult verify(PrincipalId replica, long generation) {
        byte[] arg = IDLArgs.create(List.of(IDLValue.create(generation, IDLType.createType(Type.NAT64)))).toBytes();
        while (true) {
            byte[] reply = update(replica, "verify", arg);
            VerifyResult v = ProtocolCalls.decode(replica, ROLE, "verify", reply, r -> {
                Map<?, ?> m = Candid.replyRecord(r);
                return new VerifyResult(Candid.nat64(m, "generation"), Candid.bool(m, "done"), Candid.bool(m, "ok"),
                        rootOrNull(Candid.blob(m, "root")), Candid.nat64(m, "chunks_checked"),
                        Candid.nat64(m, "chunks_total"), Candid.opt(m, "error").map(String::valueOf));
            });
            if (v.done()) {
                return v;
            }
        }
    }

    public record VerifyResult(long generation, boolean done, boolean ok, Digest root, long chunksChecked,
            long chunksTotal, Optional<String> error) {
    }

    /** The recomputed root; the canister may send an empty blob when it could not compute one. */
    private static Digest rootOrNull(byte[] root) {
        return root.length == 32 ? Digest.of(root) : null;
    }

    private static BackupStatus status(Map<?, ?> m) {
        return new BackupStatus(Candid.principal(m, "source"), Candid.opt(m, "run").map(x -> run((Map<?, ?>) x)),
                Candid.opt(m, "restore").map(x -> restore((Map<?, ?>) x)), Candid.nat64(m, "generations"), Candid.nat64(m, "chunks_stored"), Candid.nat64(m, "bytes_stored"),
                Candid.nat(m, "cycle_balance"));
    }

    private static BackupRestore restore(Map<?, ?> m) {
        return new BackupRestore(Candid.principal(m, "target"), Candid.nat64(m, "generation"), Candid.text(m, "state"),
                Candid.nat64(m, "chunks_written"), Candid.nat64(m, "chunks_total"),
                Candid.opt(m, "error").map(String::valueOf));
    }

    private static BackupRun run(Map<?, ?> m) {
        return new BackupRun(Candid.nat64(m, "id"), Candid.text(m, "state"),
                Candid.opt(m, "epoch").map(x -> ((Number) x).longValue()), Candid.bool(m, "incremental"),
                Candid.nat64(m, "chunks_total"), Candid.nat64(m, "chunks_done"), Candid.nat64(m, "chunks_fetched"),
                Candid.nat64(m, "chunks_reused"), Candid.nat64(m, "bytes_fetched"), Candid.nat64(m, "retries"),
                Candid.nat(m, "cycles_spent"), Candid.opt(m, "generation").map(x -> ((Number) x).longValue()),
                Candid.opt(m, "error").map(String::valueOf),
                m.containsKey(Label.createNamedLabel("cycles_received")) ? Candid.nat(m, "cycles_received") : BigInteger.ZERO);
    }

    private byte[] update(PrincipalId replica, String method, byte[] arg) {
        try {
            return gateway.update(replica, method, arg);
        } catch (IcException e) {
            throw ProtocolCalls.classify(e, replica, ROLE, method);
        }
    }

    private byte[] query(PrincipalId replica, String method, byte[] arg) {
        try {
            return gateway.query(replica, method, arg);
        } catch (IcException e) {
            throw ProtocolCalls.classify(e, replica, ROLE, method);
        }
    }
}
