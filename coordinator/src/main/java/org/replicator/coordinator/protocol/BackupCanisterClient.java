package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
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
    private static final List<String> RUN_STATES =
            List.of("idle", "beginning", "pulling", "verifying", "sealing", "restoring", "paused");

    private final IcGateway gateway;

    public BackupCanisterClient(IcGateway gateway) {
        this.gateway = gateway;
    }

    /** The init argument: source, coordinators, parallelism, cycles per run. */
    public static byte[] initArg(PrincipalId source, List<PrincipalId> coordinators, Integer parallelism,
            BigInteger cyclesPerRun) {
        Principal[] ids = coordinators.stream().map(PrincipalId::toIc4j).toArray(Principal[]::new);
        Candid.RecordBuilder init = Candid.record()
                .principal("source", source)
                .field("coordinators", ids, Candid.vecType(IDLType.createType(Type.PRINCIPAL)))
                .field("parallelism", Optional.ofNullable(parallelism), Candid.optType(IDLType.createType(Type.NAT32)))
                .field("cycles_per_run", Optional.ofNullable(cyclesPerRun), Candid.optType(IDLType.createType(Type.NAT)));
        return IDLArgs.create(List.<IDLValue>of(init.value())).toBytes();
    }

    public BackupRun sync(PrincipalId replica) {
        byte[] reply = update(replica, "sync", Candid.record().toArg());
        return ProtocolCalls.decode(replica, ROLE, "sync", reply, r -> run(Candid.replyRecord(r)));
    }

    public BackupStatus status(PrincipalId replica) {
        byte[] reply = query(replica, "status", IDLArgs.create(List.of()).toBytes());
        return ProtocolCalls.decode(replica, ROLE, "status", reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            return new BackupStatus(Candid.principal(m, "source"),
                    Candid.opt(m, "run").map(x -> run((Map<?, ?>) x)),
                    Candid.opt(m, "last_sealed").map(x -> ((Number) x).longValue()),
                    Candid.nat64(m, "stored_chunks"), Candid.nat64(m, "stored_bytes"), Candid.nat(m, "cycle_balance"));
        });
    }

    public List<BackupGeneration> generations(PrincipalId replica) {
        byte[] reply = query(replica, "generations", IDLArgs.create(List.of()).toBytes());
        return ProtocolCalls.decode(replica, ROLE, "generations", reply, r -> {
            List<BackupGeneration> result = new ArrayList<>();
            for (Map<?, ?> g : Candid.replyVector(r)) {
                result.add(new BackupGeneration(Candid.nat64(g, "id"), Candid.nat64(g, "epoch"),
                        Digest.of(Candid.blob(g, "root")), Candid.nat64(g, "size"),
                        Math.toIntExact(Candid.nat64(g, "chunk_size")), Math.toIntExact(Candid.nat64(g, "chunk_count")),
                        Candid.nat64(g, "bytes_transferred"), Candid.nat(g, "cycles_spent")));
            }
            return result;
        });
    }

    /** Recomputes a generation's root from the stored bytes; returns it with the canister's verdict. */
    public VerifyResult verify(PrincipalId replica, long generation) {
        byte[] reply = update(replica, "verify", Candid.record().nat64("generation", generation).toArg());
        return ProtocolCalls.decode(replica, ROLE, "verify", reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            return new VerifyResult(Candid.nat64(m, "generation"), Candid.bool(m, "ok"), Digest.of(Candid.blob(m, "root")));
        });
    }

    public record VerifyResult(long generation, boolean ok, Digest root) {
    }

    private static BackupRun run(Map<?, ?> m) {
        Object state = Candid.field(m, "state");
        String name = Candid.variantCase(state, RUN_STATES);
        Optional<String> reason = name.equals("paused")
                ? Optional.of(Candid.text((Map<?, ?>) Candid.variantValue(state, "paused"), "reason"))
                : Optional.empty();
        return new BackupRun(Candid.nat64(m, "id"), name, reason,
                Candid.opt(m, "epoch").map(x -> ((Number) x).longValue()), Candid.bool(m, "incremental"),
                Candid.nat64(m, "chunks_done"), Candid.nat64(m, "chunks_total"), Candid.nat64(m, "bytes_transferred"),
                Candid.nat(m, "cycles_spent"));
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
