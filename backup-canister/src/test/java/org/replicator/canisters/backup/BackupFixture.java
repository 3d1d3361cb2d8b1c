package org.replicator.canisters.backup;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.function.Predicate;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/** Deploys sources and backup canisters and speaks their Candid, so tests read as behaviour. */
final class BackupFixture {
    static final long CHUNK = 64 * 1024;
    static final byte[] BACKUP_WASM = load("/canisters/backup_canister.wasm");
    static final byte[] SOURCE_WASM = load("/canisters/stand_in_source.wasm");

    private final IcClient ic;

    BackupFixture(IcClient ic) {
        this.ic = ic;
    }

    static byte[] load(String resource) {
        try (InputStream in = BackupFixture.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath; build the module first");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A stand-in source on the subnet holding {@code size} deterministic bytes in 64 KiB chunks. */
    Principal source(int subnet, long size, long seed) {
        Principal p = ic.deploy(subnet, SOURCE_WASM);
        ic.update(p, "fill", Candid.rec().nat64("size", size).nat64("chunk_size", CHUNK).nat64("seed", seed).bytes());
        return p;
    }

    void mutate(Principal source, long offset, long len, long seed) {
        ic.update(source, "mutate", Candid.rec().nat64("offset", offset).nat64("len", len).nat64("seed", seed).bytes());
    }

    /** Makes the stand-in source serve every chunk one byte short (hashed as served), or stop. */
    void truncateChunks(Principal source, boolean on) {
        ic.update(source, "set_truncating", Candid.bool(on));
    }

    byte[] sourceRoot(Principal source) {
        return Candid.blob(Candid.decode(ic.query(source, "image_root", Candid.EMPTY)), "root");
    }

    static byte[] initArg(Principal source, List<Principal> coordinators, int parallelism, Long budget) {
        Candid.Rec r = Candid.rec().principal("source", source)
                .put("coordinators", coordinators.stream().map(c -> org.ic4j.types.Principal.from(c.bytes()))
                        .toArray(org.ic4j.types.Principal[]::new),
                        IDLType.createType(Type.VEC, IDLType.createType(Type.PRINCIPAL)))
                .put("parallelism", Optional.of(parallelism), IDLType.createType(Type.OPT, IDLType.createType(Type.NAT32)));
        r.put("cycle_budget_per_run", Optional.ofNullable(budget == null ? null : BigInteger.valueOf(budget)),
                IDLType.createType(Type.OPT, IDLType.createType(Type.NAT)));
        return r.bytes();
    }

    Principal backup(int subnet, Principal source, int parallelism) {
        return backup(subnet, initArg(source, List.of(), parallelism, null));
    }

    Principal backup(int subnet, byte[] initArg) {
        Principal id = ic.createCanister(subnet);
        ic.install(id, BACKUP_WASM, "install", initArg);
        return id;
    }

    /** A backup canister created with only {@code cycles}, for tests that run it short of them. */
    Principal backup(int subnet, byte[] initArg, BigInteger cycles) {
        Principal id = ic.createCanister(subnet, cycles);
        ic.install(id, BACKUP_WASM, "install", initArg);
        return id;
    }

    /** The canister's balance and the cycles its freezing threshold holds back, from canister_status. */
    record Balance(BigInteger cycles, BigInteger frozenBelow, BigInteger idlePerDay) {
        BigInteger liquid() {
            return cycles.subtract(frozenBelow);
        }

        boolean frozen() {
            return cycles.compareTo(frozenBelow) < 0;
        }
    }

    Balance balance(Principal canister) {
        Map<Label, Object> st = ic.status(canister);
        BigInteger cycles = (BigInteger) st.get(IcClient.label("cycles"));
        BigInteger perDay = (BigInteger) st.get(IcClient.label("idle_cycles_burned_per_day"));
        @SuppressWarnings("unchecked")
        Map<Label, Object> settings = (Map<Label, Object>) st.get(IcClient.label("settings"));
        BigInteger seconds = (BigInteger) settings.get(IcClient.label("freezing_threshold"));
        return new Balance(cycles, perDay.multiply(seconds).divide(BigInteger.valueOf(86_400)), perDay);
    }

    /** Tops the canister up through the management canister's provisional_top_up_canister. */
    void topUp(Principal canister, BigInteger cycles) {
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(IcClient.label("canister_id"), IcClient.ic4j(canister));
        t.put(IcClient.label("canister_id"), IDLType.createType(Type.PRINCIPAL));
        v.put(IcClient.label("amount"), cycles);
        t.put(IcClient.label("amount"), IDLType.createType(Type.NAT));
        ic.update(Principal.managementCanister(), canister, "provisional_top_up_canister", IcClient.record(v, t));
    }

    Object sync(Principal backup) {
        return Candid.decode(ic.update(backup, "sync", Candid.EMPTY));
    }

    /** set_source; replies with the status. */
    Object setSource(Principal backup, Principal source) {
        return Candid.decode(ic.update(backup, "set_source", Candid.principal(source)));
    }

    /** set_source with its options: {@code abandonRun} gives up a run of the old source still active. */
    Object setSource(Principal backup, Principal source, boolean abandonRun) {
        return Candid.decode(ic.update(backup, "set_source", setSourceArgs(source, abandonRun)));
    }

    /** set_source's arguments: (principal, opt record { abandon_run : opt bool }). */
    static byte[] setSourceArgs(Principal source, boolean abandonRun) {
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(IcClient.label("abandon_run"), Optional.of(abandonRun));
        t.put(IcClient.label("abandon_run"), IDLType.createType(Type.OPT, IDLType.createType(Type.BOOL)));
        IDLValue options = IDLValue.create(Optional.of(v), IDLType.createType(Type.OPT, IDLType.createType(Type.RECORD, t)));
        return IDLArgs.create(List.of(IDLValue.create(IcClient.ic4j(source), Type.PRINCIPAL), options)).toBytes();
    }

    Object status(Principal backup) {
        return Candid.decode(ic.query(backup, "status", Candid.EMPTY));
    }

    static Object run(Object status) {
        return Candid.field(status, "run");
    }

    static String runState(Object status) {
        Object run = run(status);
        return run == null ? "none" : Candid.text(run, "state");
    }

    Object[] generations(Principal backup) {
        return (Object[]) Candid.decode(ic.query(backup, "generations", Candid.EMPTY));
    }

    /** Polls `status` until the condition holds; fails with the last status at the deadline. */
    Object awaitStatus(Principal backup, Duration timeout, Predicate<Object> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object s = status(backup);
        while (!done.test(s)) {
            if (System.nanoTime() > deadline) {
                fail("status never reached the condition; last: " + s);
            }
            Thread.onSpinWait();
            s = status(backup);
        }
        return s;
    }

    Object awaitRun(Principal backup, String... states) {
        List<String> wanted = List.of(states);
        return awaitStatus(backup, Duration.ofSeconds(120), s -> wanted.contains(runState(s)));
    }

    Object verify(Principal backup, long generation) {
        Object v;
        do {
            v = Candid.decode(ic.update(backup, "verify", Candid.nat64(generation)));
        } while (!(Boolean) Candid.field(v, "done"));
        return v;
    }
}
