package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/** The replication library's methods on an app canister (docs/protocol.md), as the coordinator calls them. */
public final class AppReplicationClient {
    private static final String ROLE = "a source";
    private final IcGateway gateway;

    public AppReplicationClient(IcGateway gateway) {
        this.gateway = gateway;
    }

    public ImageInfo begin(PrincipalId app) {
        byte[] reply = call(app, "replication_begin", Candid.record().toArg());
        return ProtocolCalls.decode(app, ROLE, "replication_begin", reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            Optional<Digest> root = Candid.opt(m, "root").map(b -> Digest.of(Candid.unbox(b)));
            return new ImageInfo(BigInteger.valueOf(Candid.nat64(m, "epoch")), Candid.nat64(m, "size"),
                    Math.toIntExact(Candid.nat64(m, "chunk_size")), Math.toIntExact(Candid.nat64(m, "chunk_count")), root,
                    Candid.nat64(m, "hashed"));
        });
    }

    /** Begins (or joins) an epoch, calling again while the app still computes the root. */
    public ImageInfo beginRooted(PrincipalId app) {
        ImageInfo image = begin(app);
        while (image.root().isEmpty()) {
            image = begin(app);
        }
        return image;
    }

    /** The module the app runs now, as the network certifies it to anyone; empty without code. */
    public Optional<Digest> moduleHash(PrincipalId app) {
        return gateway.canisterInfo(app).moduleHash();
    }

    /**
     * Chunk {@code index} of an open epoch by query (replication_read_query): nothing passes
     * through consensus, so it is cheap, but one replica answers uncertified; check the chunk with
     * {@link ImageChunk#intact} and the hashes against the root from {@link #begin}. A query does
     * not extend the epoch's expiry.
     */
    public ImageChunk readByQuery(PrincipalId app, BigInteger epoch, long index) {
        String method = "replication_read_query";
        byte[] reply;
        try {
            reply = gateway.query(app, method, Candid.record().nat64("epoch", epoch.longValueExact()).nat64("index", index)
                    .toArg());
        } catch (IcException e) {
            throw ProtocolCalls.classify(e, app, ROLE, method);
        }
        return ProtocolCalls.decode(app, ROLE, method, reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            return new ImageChunk(index, Candid.blob(m, "bytes"), Digest.of(Candid.blob(m, "hash")));
        });
    }

    public void end(PrincipalId app, BigInteger epoch) {
        call(app, "replication_end", Candid.record().nat64("epoch", epoch.longValueExact()).toArg());
    }

    /**
     * Every changed chunk index between the open epoch {@code epoch} and the earlier {@code since},
     * following the pages; empty when the source no longer keeps {@code since}'s hashes
     * (SINCE_EPOCH_UNAVAILABLE): then nobody can tell.
     */
    public Optional<List<Long>> allChanges(PrincipalId app, BigInteger epoch, BigInteger since) {
        List<Long> indices = new ArrayList<>();
        Optional<Long> start = Optional.empty();
        do {
            Changes page;
            try {
                page = changes(app, epoch, since, start);
            } catch (IcRejectedException e) {
                if (e.rejectMessage().contains("SINCE_EPOCH_UNAVAILABLE")) {
                    return Optional.empty();
                }
                throw e;
            }
            indices.addAll(page.indices());
            start = page.next();
        } while (start.isPresent());
        return Optional.of(indices);
    }

    /**
     * One page of {@code replication_changes}: the indices of {@code epoch}'s chunks that differ from
     * {@code sinceEpoch}'s, from {@code start} on, and where the next page starts if there is one.
     * A since_epoch the source no longer keeps is an {@link IcRejectedException} whose message starts
     * with {@code SINCE_EPOCH_UNAVAILABLE}.
     */
    public Changes changes(PrincipalId app, BigInteger epoch, BigInteger sinceEpoch, Optional<Long> start) {
        IDLType nat64 = IDLType.createType(Type.NAT64);
        byte[] arg = Candid.record().nat64("epoch", epoch.longValueExact()).nat64("since_epoch", sinceEpoch.longValueExact())
                .field("start", start, Candid.optType(nat64)).toArg();
        byte[] reply = call(app, "replication_changes", arg);
        return ProtocolCalls.decode(app, ROLE, "replication_changes", reply, r -> {
            Map<?, ?> m = Candid.replyRecord(r);
            return new Changes(nat64s(Candid.field(m, "indices")), Candid.opt(m, "next").map(n -> ((Number) n).longValue()));
        });
    }

    /** A page of changed chunk indices; {@code next} is where the following page starts. */
    public record Changes(List<Long> indices, Optional<Long> next) {
    }

    private static List<Long> nat64s(Object vec) {
        List<Long> out = new ArrayList<>();
        if (vec instanceof long[] longs) {
            for (long l : longs) {
                out.add(l);
            }
        } else if (vec instanceof Object[] boxed) {
            for (Object o : boxed) {
                out.add(((Number) o).longValue());
            }
        } else if (vec instanceof List<?> list) {
            for (Object o : list) {
                out.add(((Number) o).longValue());
            }
        } else {
            throw new IllegalStateException("indices is not a vec nat64 but " + (vec == null ? "null" : vec.getClass()));
        }
        return out;
    }

    public ReplicationStatus status(PrincipalId app) {
        byte[] reply = call(app, "replication_status", Candid.record().toArg());
        return ProtocolCalls.decode(app, ROLE, "replication_status", reply, AppReplicationClient::decodeStatus);
    }

    /**
     * Fences the app (its writes are then refused with {@code FENCED: <reason>}) or unfences it;
     * replication reads and restores go on either way. Only a controller of the app may call it.
     */
    public ReplicationStatus fence(PrincipalId app, boolean fenced, Optional<String> reason) {
        byte[] arg = Candid.record().field("fenced", fenced, IDLType.createType(Type.BOOL))
                .field("reason", reason, Candid.optType(IDLType.createType(Type.TEXT))).toArg();
        byte[] reply = call(app, "replication_fence", arg);
        return ProtocolCalls.decode(app, ROLE, "replication_fence", reply, AppReplicationClient::decodeStatus);
    }

    private static ReplicationStatus decodeStatus(byte[] reply) {
        Map<?, ?> m = Candid.replyRecord(reply);
        List<PrincipalId> allowed = new ArrayList<>();
        for (Object p : (Object[]) Candid.field(m, "allowed")) {
            allowed.add(PrincipalId.of((Principal) p));
        }
        Optional<Long> open = Candid.opt(m, "open_epoch").map(o -> Candid.nat64((Map<?, ?>) o, "epoch"));
        // A library from before fencing has neither field and cannot be fenced.
        boolean fenced = m.containsKey(Label.createNamedLabel("fenced")) && Candid.bool(m, "fenced");
        Optional<String> reason = m.containsKey(Label.createNamedLabel("fence_reason"))
                ? Candid.opt(m, "fence_reason").map(String::valueOf)
                : Optional.empty();
        return new ReplicationStatus(Candid.text(m, "style"), Candid.nat64(m, "region_size"),
                Math.toIntExact(Candid.nat64(m, "chunk_size")), Candid.nat64(m, "last_epoch"), open, allowed, fenced, reason);
    }

    /**
     * Whether the app's subnet executes calls now: a query anyone may make, answered or rejected by
     * the canister itself. A halted or unreachable subnet does not answer at all.
     */
    public boolean answers(PrincipalId app) {
        try {
            gateway.query(app, "replication_read_query", Candid.record().toArg());
            return true;
        } catch (IcRejectedException e) {
            return true;
        } catch (IcException e) {
            return false;
        }
    }

    public void allow(PrincipalId app, PrincipalId principal) {
        call(app, "replication_allow", Candid.record().principal("principal", principal).toArg());
    }

    public void disallow(PrincipalId app, PrincipalId principal) {
        call(app, "replication_disallow", Candid.record().principal("principal", principal).toArg());
    }

    private byte[] call(PrincipalId app, String method, byte[] arg) {
        try {
            return gateway.update(app, method, arg);
        } catch (IcException e) {
            throw ProtocolCalls.classify(e, app, ROLE, method);
        }
    }
}
