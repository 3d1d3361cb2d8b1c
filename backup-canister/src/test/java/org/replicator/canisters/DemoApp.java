package org.replicator.canisters;

import static org.replicator.canisters.CandidVectors.BLOB;
import static org.replicator.canisters.CandidVectors.NAT64;
import static org.replicator.canisters.CandidVectors.TEXT;
import static org.replicator.canisters.CandidVectors.opt;
import static org.replicator.canisters.CandidVectors.record;
import static org.replicator.canisters.CandidVectors.values;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/** The demo app and its replication methods, called through ic4j-agent as any client would. */
final class DemoApp {
    static final int MIB = 1 << 20;

    final IcClient ic;
    final Principal id;

    DemoApp(IcClient ic, Principal id) {
        this.ic = ic;
        this.id = id;
    }

    /** Creates a canister on a subnet and installs the demo app with the given init fields. */
    static DemoApp deploy(IcClient ic, int subnet, Object... initFields) {
        Principal id = ic.createCanister(subnet);
        ic.install(id, CanisterWasm.demoApp().bytes(), "install", initArg(initFields));
        return new DemoApp(ic, id);
    }

    static byte[] initArg(Object... fields) {
        Object[] typed = new Object[fields.length];
        Object[] vals = new Object[fields.length];
        for (int i = 0; i < fields.length; i += 2) {
            typed[i] = fields[i];
            typed[i + 1] = opt(fields[i + 1] instanceof String ? TEXT : NAT64);
            vals[i] = fields[i];
            vals[i + 1] = Optional.of(fields[i + 1]);
        }
        return encode(IDLValue.create(Optional.of(values(vals)), opt(record(typed))));
    }

    /** The same canister seen by another identity. */
    DemoApp as(IcClient other) {
        return new DemoApp(other, id);
    }

    static byte[] encode(IDLValue v) {
        return IDLArgs.create(List.of(v)).toBytes();
    }

    static byte[] args(Object... nameValueTypeTriples) {
        Object[] types = new Object[nameValueTypeTriples.length / 3 * 2];
        Object[] vals = new Object[types.length];
        for (int i = 0, j = 0; i < nameValueTypeTriples.length; i += 3, j += 2) {
            types[j] = nameValueTypeTriples[i];
            types[j + 1] = nameValueTypeTriples[i + 2];
            vals[j] = nameValueTypeTriples[i];
            vals[j + 1] = nameValueTypeTriples[i + 1];
        }
        return encode(IDLValue.create(values(vals), record(types)));
    }

    static Map<Label, Object> decode(byte[] reply) {
        return IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
    }

    static Object field(Map<Label, Object> record, String name) {
        return record.get(Label.createNamedLabel(name));
    }

    static long nat64(Map<Label, Object> record, String name) {
        return (Long) field(record, name);
    }

    static byte[] blob(Object boxed) {
        Byte[] b = (Byte[]) boxed;
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i];
        }
        return out;
    }

    Map<Label, Object> update(String method, byte[] arg) {
        return decode(ic.update(id, method, arg));
    }

    Map<Label, Object> query(String method, byte[] arg) {
        return decode(ic.query(id, method, arg));
    }

    static byte[] none() {
        return encode(IDLValue.create(values(), record()));
    }

    // ---- the social network ----

    /** Fills the app to at least `mib` MiB of data, calling generate until it is done. */
    long generate(long mib, long seed) {
        while (true) {
            Map<Label, Object> r = update("generate", args("target_mib", mib, NAT64, "seed", seed, NAT64));
            if ((Boolean) field(r, "done")) {
                return nat64(r, "data_bytes");
            }
        }
    }

    long mutate(long bytes, long seed) {
        return nat64(update("mutate", args("bytes", bytes, NAT64, "seed", seed, NAT64)), "changed_bytes");
    }

    long createUser(String name) {
        return nat64(update("create_user", args("name", name, TEXT)), "user");
    }

    long createPost(long author, String text, byte[] picture) {
        return nat64(update("create_post", args("author", author, NAT64, "text", text, TEXT,
                "picture", Optional.of(picture), opt(BLOB))), "post");
    }

    byte[] checksum() {
        return blob(field(query("checksum", none()), "checksum"));
    }

    Map<Label, Object> stats() {
        return query("stats", none());
    }

    // ---- replication ----

    record Image(long epoch, long size, long chunkSize, long chunkCount, Optional<byte[]> root, long hashed) {
    }

    record Chunk(byte[] bytes, byte[] hash) {
    }

    Image begin() {
        Map<Label, Object> r = update("replication_begin", none());
        Optional<?> root = (Optional<?>) field(r, "root");
        return new Image(nat64(r, "epoch"), nat64(r, "size"), nat64(r, "chunk_size"), nat64(r, "chunk_count"),
                root.map(DemoApp::blob), nat64(r, "hashed"));
    }

    Chunk read(long epoch, long index) {
        Map<Label, Object> r = update("replication_read", args("epoch", epoch, NAT64, "index", index, NAT64));
        return new Chunk(blob(field(r, "bytes")), blob(field(r, "hash")));
    }

    List<Long> changes(long epoch, long since) {
        List<Long> out = new ArrayList<>();
        Optional<Long> start = Optional.of(0L);
        while (start.isPresent()) {
            Map<Label, Object> r = update("replication_changes", args("epoch", epoch, NAT64, "since_epoch", since, NAT64,
                    "start", start, opt(NAT64)));
            for (Object i : (Object[]) field(r, "indices")) {
                out.add((Long) i);
            }
            @SuppressWarnings("unchecked")
            Optional<Long> next = (Optional<Long>) field(r, "next");
            start = next;
        }
        return out;
    }

    void end(long epoch) {
        update("replication_end", args("epoch", epoch, NAT64));
    }

    Map<Label, Object> replicationStatus() {
        return update("replication_status", none());
    }

    /** replication_fence; replies with the replication status. */
    Map<Label, Object> fence(boolean fenced, Optional<String> reason) {
        return update("replication_fence", encode(IDLValue.create(values("fenced", fenced, "reason", reason),
                record("fenced", IDLType.createType(org.ic4j.candid.types.Type.BOOL), "reason", opt(TEXT)))));
    }

    void allow(Principal p) {
        update("replication_allow", args("principal", IcClient.ic4j(p), IDLType.createType(org.ic4j.candid.types.Type.PRINCIPAL)));
    }

    long restoreBegin(long size, long chunkSize, byte[] root) {
        return nat64(update("restore_begin", args("size", size, NAT64, "chunk_size", chunkSize, NAT64, "root", root, BLOB)), "restore");
    }

    byte[] restoreWrite(long restore, long index, byte[] bytes) {
        return blob(field(update("restore_write", args("restore", restore, NAT64, "index", index, NAT64, "bytes", bytes, BLOB)), "hash"));
    }

    void restoreCommit(long restore, byte[] root) {
        update("restore_commit", args("restore", restore, NAT64, "root", root, BLOB));
    }

    /** Calls begin until the image's root is known. */
    Image beginUntilRooted() {
        Image image = begin();
        while (image.root().isEmpty()) {
            image = begin();
        }
        return image;
    }

    /** Reads every chunk of an epoch, checking each against its hash; returns the image bytes. */
    byte[] readAll(Image image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long i = 0; i < image.chunkCount(); i++) {
            Chunk c = read(image.epoch(), i);
            if (!MessageDigest.isEqual(sha256(c.bytes()), c.hash())) {
                throw new AssertionError("chunk " + i + " of epoch " + image.epoch() + " does not match its hash");
            }
            out.writeBytes(c.bytes());
        }
        return out.toByteArray();
    }

    /** Restores an image into this canister and commits it. */
    void restore(byte[] image, long chunkSize, byte[] root) {
        long restore = restoreBegin(image.length, chunkSize, root);
        for (int i = 0; (long) i * chunkSize < image.length; i++) {
            int from = (int) (i * chunkSize);
            restoreWrite(restore, i, java.util.Arrays.copyOfRange(image, from, (int) Math.min(image.length, from + chunkSize)));
        }
        restoreCommit(restore, root);
    }

    // ---- the protocol's hashes, computed independently ----

    static byte[] sha256(byte[] data) {
        return CanisterWasm.sha256(data);
    }

    static byte[] root(byte[] image, long chunkSize) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("replicator-image-root-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            md.update(ByteBuffer.allocate(16).putLong(image.length).putLong(chunkSize).array());
            for (long from = 0; from < image.length; from += chunkSize) {
                md.update(sha256(java.util.Arrays.copyOfRange(image, (int) from, (int) Math.min(image.length, from + chunkSize))));
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
