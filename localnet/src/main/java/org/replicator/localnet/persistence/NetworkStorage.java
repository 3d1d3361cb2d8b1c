package org.replicator.localnet.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.memory.FilePageStore;
import org.replicator.localnet.memory.PageStore;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.subnet.Subnet;
import org.replicator.localnet.subnet.SubnetSnapshot;
import org.replicator.localnet.wasm.CanisterModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a localnet keeps its state. Stable memory always lives in page files, never in one Java
 * array, so images larger than the JVM heap work. With a state directory every committed round is
 * journaled before its results are published, so a restart — even after SIGKILL — resumes with
 * every canister, memory page, balance and message in flight. Without one, a temporary directory
 * holds the page files and is removed on close.
 *
 * <p>Layout: {@code keys/} (subnet and node keys), {@code modules/<sha256>.wasm},
 * {@code compiled/} (AOT cache), and per subnet {@code subnets/<id>/journal.log},
 * {@code checkpoint.bin} and {@code <canister>/stable-<gen>.pages}, {@code heap-<gen>.pages}.
 */
public final class NetworkStorage {
    private static final Logger LOG = LoggerFactory.getLogger(NetworkStorage.class);
    private static final HexFormat HEX = HexFormat.of();

    private final Path root;
    private final boolean durable;
    private final Map<Principal, SubnetJournal> journals = new HashMap<>();
    private final Map<Path, PageStore> heapFiles = new HashMap<>();
    private final Map<Principal, List<Path>> discarded = new HashMap<>();

    private NetworkStorage(Path root, boolean durable) {
        this.root = root;
        this.durable = durable;
    }

    public static NetworkStorage open(Path stateDir) {
        try {
            if (stateDir == null) {
                return new NetworkStorage(Files.createTempDirectory("localnet-"), false);
            }
            Files.createDirectories(stateDir);
            return new NetworkStorage(stateDir, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use state directory " + stateDir, e);
        }
    }

    public Path root() {
        return root;
    }

    public boolean isDurable() {
        return durable;
    }

    // ---- keys and modules -------------------------------------------------------------------

    public synchronized BlsKeyPair subnetKey(int index, Supplier<BlsKeyPair> generate) {
        Path file = root.resolve("keys").resolve("subnet-" + index + ".bls");
        byte[] stored = readIfExists(file);
        if (stored != null) {
            return BlsKeyPair.restore(stored);
        }
        BlsKeyPair key = generate.get();
        if (durable) {
            write(file, key.serialize());
        }
        return key;
    }

    public synchronized NodeKeyPair nodeKey(int index, Supplier<NodeKeyPair> generate) {
        Path file = root.resolve("keys").resolve("node-" + index + ".ed25519");
        byte[] stored = readIfExists(file);
        if (stored != null) {
            return NodeKeyPair.restore(stored);
        }
        NodeKeyPair key = generate.get();
        if (durable) {
            write(file, key.serialize());
        }
        return key;
    }

    /** Directory for compiled modules, so a restart does not compile again; null for none. */
    public Path compiledModuleCache() {
        return durable ? root.resolve("compiled") : null;
    }

    public void saveModule(byte[] sha256, byte[] wasm) {
        if (!durable) {
            return;
        }
        Path file = moduleFile(sha256);
        if (!Files.exists(file)) {
            write(file, wasm);
        }
    }

    private Path moduleFile(byte[] sha256) {
        return root.resolve("modules").resolve(HEX.formatHex(sha256) + ".wasm");
    }

    // ---- canister memory ------------------------------------------------------------------

    private Path canisterDir(Principal subnet, Principal canister) {
        return root.resolve("subnets").resolve(subnet.toText()).resolve(canister.toText());
    }

    private Path stableFile(Principal subnet, Principal canister, long generation) {
        return canisterDir(subnet, canister).resolve("stable-" + generation + ".pages");
    }

    private Path heapFile(Principal subnet, Principal canister, long generation) {
        return canisterDir(subnet, canister).resolve("heap-" + generation + ".pages");
    }

    public StableMemory stableMemory(Principal subnet, Principal canister, long generation) {
        Path file = stableFile(subnet, canister, generation);
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            return new StableMemory(FilePageStore.open(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create stable memory file " + file, e);
        }
    }

    /**
     * Files of a replaced runtime or a deleted canister: removed only after the round that
     * stopped using them is durable, so a restart before that still finds them.
     */
    public synchronized void discard(Principal subnet, Principal canister, long stableGeneration,
            long runtimeGeneration) {
        List<Path> list = discarded.computeIfAbsent(subnet, k -> new ArrayList<>());
        if (stableGeneration >= 0) {
            list.add(stableFile(subnet, canister, stableGeneration));
        }
        if (runtimeGeneration >= 0) {
            list.add(heapFile(subnet, canister, runtimeGeneration));
        }
    }

    // ---- rounds ---------------------------------------------------------------------------

    /**
     * Makes a committed round durable before its results are published: logs the changed
     * memory pages and the subnet's state, then writes the pages to their files.
     */
    public void roundCommitted(Subnet subnet) {
        List<CanisterMemory> memories = new ArrayList<>();
        for (CanisterState c : subnet.canisters().values()) {
            if (c.runtime() != null) {
                memories.add(new CanisterMemory(c.id(), c.stableGeneration(), c.runtimeGeneration(), c.runtime()));
            }
        }
        if (durable) {
            StateWriter delta = new StateWriter();
            delta.i32(memories.size());
            for (CanisterMemory m : memories) {
                m.writeDelta(delta);
            }
            byte[] snapshot = SubnetSnapshot.write(subnet);
            SubnetJournal journal = journal(subnet.id());
            journal.append(subnet.height(), delta.toByteArray(), snapshot);
            for (CanisterMemory m : memories) {
                m.runtime.heap().forEachDirtyChunk((index, bytes) ->
                        heapStore(subnet.id(), m.canister, m.runtimeGeneration).write(index, bytes));
            }
            flushStable(memories);
            deleteDiscarded(subnet.id());
            if (journal.size() > SubnetJournal.CHECKPOINT_AFTER_BYTES) {
                checkpoint(subnet, journal, snapshot);
            }
        } else {
            flushStable(memories);
            deleteDiscarded(subnet.id());
        }
        for (CanisterMemory m : memories) {
            m.runtime.heap().clearDirty();
        }
    }

    private void flushStable(List<CanisterMemory> memories) {
        for (CanisterMemory m : memories) {
            m.runtime.stable().flush();
        }
    }

    private void checkpoint(Subnet subnet, SubnetJournal journal, byte[] snapshot) {
        for (CanisterState c : subnet.canisters().values()) {
            if (c.runtime() != null) {
                c.runtime().stable().sync();
                heapStore(subnet.id(), c.id(), c.runtimeGeneration()).sync();
            }
        }
        journal.checkpoint(subnet.height(), snapshot);
        LOG.debug("subnet {} checkpointed at height {}", subnet.id(), subnet.height());
    }

    private synchronized void deleteDiscarded(Principal subnet) {
        List<Path> list = discarded.remove(subnet);
        if (list == null) {
            return;
        }
        for (Path p : list) {
            PageStore open = heapFiles.remove(p);
            if (open != null) {
                open.close();
            }
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", p, e.toString());
            }
        }
    }

    private SubnetJournal journal(Principal subnet) {
        return journals.computeIfAbsent(subnet, id -> {
            SubnetJournal j = new SubnetJournal(root.resolve("subnets").resolve(id.toText()));
            j.recover();
            return j;
        });
    }

    private synchronized PageStore heapStore(Principal subnet, Principal canister, long generation) {
        Path file = heapFile(subnet, canister, generation);
        return heapFiles.computeIfAbsent(file, f -> {
            try {
                Files.createDirectories(f.getParent());
                return FilePageStore.open(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open heap file " + f, e);
            }
        });
    }

    /** One canister's memory as a round leaves it. */
    private record CanisterMemory(Principal canister, long stableGeneration, long runtimeGeneration,
            CanisterRuntime runtime) {
        void writeDelta(StateWriter w) {
            w.principal(canister).i64(stableGeneration).i64(runtimeGeneration);
            List<long[]> heapIndex = new ArrayList<>();
            List<byte[]> heapPages = new ArrayList<>();
            runtime.heap().forEachDirtyChunk((index, bytes) -> {
                heapIndex.add(new long[] {index});
                heapPages.add(bytes.clone());
            });
            w.i32(heapPages.size());
            for (int i = 0; i < heapPages.size(); i++) {
                w.i64(heapIndex.get(i)[0]).raw(heapPages.get(i), 0, PageStore.PAGE_SIZE);
            }
            List<Long> stableIndex = new ArrayList<>();
            List<byte[]> stablePages = new ArrayList<>();
            runtime.stable().forEachUnflushedPage((index, bytes) -> {
                stableIndex.add(index);
                stablePages.add(bytes.clone());
            });
            w.i32(stablePages.size());
            for (int i = 0; i < stablePages.size(); i++) {
                w.i64(stableIndex.get(i)).raw(stablePages.get(i), 0, PageStore.PAGE_SIZE);
            }
        }
    }

    // ---- restart --------------------------------------------------------------------------

    /** Rebuilds a canister runtime from its files; supplied by the network, which can compile. */
    public interface ModuleSource {
        CanisterModule load(byte[] wasm);
    }

    /**
     * Loads every subnet's state from the state directory: replays the journal onto the page
     * files and restores the last committed round. A new directory leaves the subnets empty.
     */
    public void restore(List<Subnet> subnets, ModuleSource modules) {
        if (!durable) {
            return;
        }
        for (Subnet subnet : subnets) {
            SubnetJournal journal = new SubnetJournal(root.resolve("subnets").resolve(subnet.id().toText()));
            List<SubnetJournal.Record> records = journal.recover();
            journals.put(subnet.id(), journal);
            if (records.isEmpty()) {
                continue;
            }
            for (SubnetJournal.Record r : records) {
                applyDelta(subnet.id(), r.memoryDelta());
            }
            SubnetJournal.Record last = records.get(records.size() - 1);
            SubnetSnapshot.restore(subnet, last.snapshot(),
                    (canister, hash, stableGen, runtimeGen, stablePages, heapPages, globals) -> {
                        byte[] wasm = readIfExists(moduleFile(hash));
                        if (wasm == null) {
                            throw new IllegalStateException("module " + HEX.formatHex(hash) + " of canister " + canister
                                    + " is missing from " + root.resolve("modules"));
                        }
                        StableMemory stable = new StableMemory(openStore(stableFile(subnet.id(), canister, stableGen)),
                                stablePages);
                        PageStore heap = heapStore(subnet.id(), canister, runtimeGen);
                        return CanisterRuntime.restore(modules.load(wasm), stable, heapPages, heap::read, globals);
                    });
            LOG.info("subnet {} restored at height {} with {} canisters", subnet.id(), last.height(),
                    subnet.canisters().size());
        }
    }

    private void applyDelta(Principal subnet, byte[] delta) {
        if (delta.length == 0) {
            return;
        }
        StateReader r = new StateReader(delta);
        for (int n = r.i32(); n > 0; n--) {
            Principal canister = r.principal();
            long stableGen = r.i64();
            long runtimeGen = r.i64();
            PageStore heap = heapStore(subnet, canister, runtimeGen);
            for (int i = r.i32(); i > 0; i--) {
                heap.write(r.i64(), r.raw(PageStore.PAGE_SIZE));
            }
            int stablePages = r.i32();
            if (stablePages > 0) {
                try (PageStore stable = openStore(stableFile(subnet, canister, stableGen))) {
                    for (int i = stablePages; i > 0; i--) {
                        stable.write(r.i64(), r.raw(PageStore.PAGE_SIZE));
                    }
                }
            }
        }
    }

    private static PageStore openStore(Path file) {
        try {
            Files.createDirectories(file.getParent());
            return FilePageStore.open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    public synchronized void close() {
        journals.values().forEach(SubnetJournal::close);
        heapFiles.values().forEach(PageStore::close);
        heapFiles.clear();
        if (!durable) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                LOG.warn("cannot remove temporary state {}: {}", root, e.toString());
            }
        }
    }

    private static byte[] readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, data);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
