package org.replicator.canisters.backup;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * The demo app (the real replication library) as the backup canister's source: deploy, fill,
 * mutate, checksum, and the replication calls a controller may make to watch the epoch.
 */
final class DemoAppFixture {
    static final long MIB = 1024 * 1024;
    static final byte[] DEMO_WASM = BackupFixture.load("/canisters/demo_app.wasm");

    private final IcClient ic;

    DemoAppFixture(IcClient ic) {
        this.ic = ic;
    }

    /** `opt record { chunk_size : opt nat64 }`: the demo app's init (and upgrade) argument. */
    static byte[] initArg(Long chunkSize) {
        TreeMap<Label, Object> v = new TreeMap<>();
        TreeMap<Label, IDLType> t = new TreeMap<>();
        v.put(Label.createNamedLabel("chunk_size"), Optional.ofNullable(chunkSize));
        t.put(Label.createNamedLabel("chunk_size"), IDLType.createType(Type.OPT, IDLType.createType(Type.NAT64)));
        IDLType rec = IDLType.createType(Type.RECORD, t);
        return IDLArgs.create(List.of(IDLValue.create(Optional.of(v), IDLType.createType(Type.OPT, rec)))).toBytes();
    }

    /** A demo app on the subnet that lets the given backup canisters replicate it. */
    Principal deploy(int subnet, Long chunkSize) {
        Principal app = ic.createCanister(subnet);
        ic.install(app, DEMO_WASM, "install", initArg(chunkSize));
        return app;
    }

    void allow(Principal app, Principal backup) {
        ic.update(app, "replication_allow", Candid.rec().principal("principal", backup).bytes());
    }

    /** Calls generate until the app holds at least {@code mib} MiB of data; returns the data bytes. */
    long fill(Principal app, long mib, long seed) {
        while (true) {
            Object r = Candid.decode(ic.update(app, "generate", Candid.rec().nat64("target_mib", mib).nat64("seed", seed).bytes()));
            if ((Boolean) Candid.field(r, "done")) {
                return Candid.u64(r, "data_bytes");
            }
        }
    }

    long mutate(Principal app, long bytes, long seed) {
        long changed = 0;
        while (changed < bytes) {
            changed += Candid.u64(Candid.decode(ic.update(app, "mutate",
                    Candid.rec().nat64("bytes", bytes - changed).nat64("seed", seed + changed).bytes())), "changed_bytes");
        }
        return changed;
    }

    long createPost(Principal app, String text) {
        Candid.Rec r = Candid.rec().nat64("author", 0).put("text", text, IDLType.createType(Type.TEXT))
                .put("picture", Optional.empty(), IDLType.createType(Type.OPT, IDLType.createType(Type.VEC, IDLType.createType(Type.NAT8))));
        return Candid.u64(Candid.decode(ic.update(app, "create_post", r.bytes())), "post");
    }

    byte[] checksum(Principal app) {
        return Candid.blob(Candid.decode(ic.query(app, "checksum", Candid.EMPTY)), "checksum");
    }

    /** The image the app announces: `replication_begin` until the root is known. */
    Object begin(Principal app) {
        Object info = Candid.decode(ic.update(app, "replication_begin", Candid.EMPTY));
        while (Candid.field(info, "root") == null) {
            info = Candid.decode(ic.update(app, "replication_begin", Candid.EMPTY));
        }
        return info;
    }

    Object read(Principal app, long epoch, long index) {
        return Candid.decode(ic.update(app, "replication_read", Candid.rec().nat64("epoch", epoch).nat64("index", index).bytes()));
    }

    void end(Principal app, long epoch) {
        ic.update(app, "replication_end", Candid.rec().nat64("epoch", epoch).bytes());
    }

    Object replicationStatus(Principal app) {
        return Candid.decode(ic.update(app, "replication_status", Candid.EMPTY));
    }

    /** Starts `restore_to` and waits until the backup canister reports it committed or failed. */
    Object restore(BackupFixture f, Principal backup, Principal target, long generation) {
        ic.update(backup, "restore_to", Candid.rec().principal("target", target).nat64("generation", generation).bytes());
        Object s = f.awaitStatus(backup, Duration.ofSeconds(120), st -> {
            Object r = Candid.field(st, "restore");
            return r != null && List.of("committed", "failed").contains(Candid.text(r, "state"));
        });
        return Candid.field(s, "restore");
    }

    /**
     * A module whose replication methods trap: what a broken release of the app looks like to
     * its backup canisters. Hand-assembled wasm: one `() -> ()` function body `unreachable`,
     * exported as the update methods the backup canister calls.
     */
    static byte[] trappingModule() {
        ByteArrayOutputStream exports = new ByteArrayOutputStream();
        List<String> names = List.of("canister_update replication_begin", "canister_update replication_read",
                "canister_update replication_changes", "canister_update replication_end");
        exports.write(names.size());
        for (String n : names) {
            byte[] b = n.getBytes(StandardCharsets.US_ASCII);
            exports.write(b.length);
            exports.writeBytes(b);
            exports.write(0); // a function
            exports.write(0); // function 0
        }
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        m.writeBytes(new byte[] {1, 4, 1, 0x60, 0, 0}); // type section: () -> ()
        m.writeBytes(new byte[] {3, 2, 1, 0}); // function section: one function of type 0
        m.write(7);
        leb128(m, exports.size());
        m.writeBytes(exports.toByteArray());
        m.writeBytes(new byte[] {0x0a, 5, 1, 3, 0, 0x00, 0x0b}); // code: no locals, unreachable, end
        return m.toByteArray();
    }

    private static void leb128(ByteArrayOutputStream out, int n) {
        do {
            int b = n & 0x7f;
            n >>>= 7;
            out.write(n == 0 ? b : b | 0x80);
        } while (n != 0);
    }
}
