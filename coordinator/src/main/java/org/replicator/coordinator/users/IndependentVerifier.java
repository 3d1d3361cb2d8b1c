package org.replicator.coordinator.users;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.ImageChunk;
import org.replicator.coordinator.store.Digest;

/**
 * Checks a backup canister's generations with nothing but queries to the canister: no database,
 * no coordinator. Every chunk is read, hashed and compared with the hash the canister keeps, and
 * the root is recomputed from those hashes as docs/protocol.md defines it:
 * {@code SHA-256("replicator-image-root-v1" ‖ u64be(size) ‖ u64be(chunk_size) ‖ h₀ ‖ … ‖ hₙ₋₁)}.
 * A user who holds their own backup canister (or any controller) can so audit it themselves.
 */
public final class IndependentVerifier {
    static final byte[] ROOT_TAG = "replicator-image-root-v1".getBytes(StandardCharsets.US_ASCII);

    /** What a verification reads: the canister's list of generations and their stored chunks. */
    public interface Chunks {
        List<BackupGeneration> generations(PrincipalId canister);

        ImageChunk read(PrincipalId canister, long generation, long index);

        static Chunks of(BackupCanisterClient client) {
            return new Chunks() {
                @Override
                public List<BackupGeneration> generations(PrincipalId canister) {
                    return client.generations(canister);
                }

                @Override
                public ImageChunk read(PrincipalId canister, long generation, long index) {
                    return client.readChunk(canister, generation, index);
                }
            };
        }
    }

    /** One chunk that is not what the generation says: its bytes, its kept hash, or its length. */
    public record BadChunk(long index, String problem) {
    }

    /**
     * The outcome for one generation. {@code recomputedRoot} is computed from the hashes of the
     * bytes actually read; the generation is ok when no chunk is bad and it equals {@code listedRoot}.
     */
    public record GenerationCheck(BackupGeneration generation, Digest recomputedRoot, List<BadChunk> badChunks,
            long bytesRead) {

        public boolean rootMatches() {
            return recomputedRoot.equals(generation.root());
        }

        public boolean ok() {
            return badChunks.isEmpty() && rootMatches();
        }
    }

    /**
     * @param expectedRoot the root the caller got elsewhere (e.g. from the app), if any
     * @param expectedFoundIn the generation whose recomputed root equals it, when one does
     */
    public record Report(PrincipalId canister, List<GenerationCheck> generations, Optional<Digest> expectedRoot,
            Optional<Long> expectedFoundIn) {

        public boolean ok() {
            return generations.stream().allMatch(GenerationCheck::ok)
                    && (expectedRoot.isEmpty() || expectedFoundIn.isPresent());
        }
    }

    private final Chunks chunks;

    public IndependentVerifier(Chunks chunks) {
        this.chunks = chunks;
    }

    /**
     * Verifies every generation the canister lists (or only {@code onlyGeneration}); with
     * {@code expectedRoot}, also whether a verified generation has that root.
     *
     * @throws IllegalArgumentException when {@code onlyGeneration} is not listed
     */
    public Report verify(PrincipalId canister, Optional<Long> onlyGeneration, Optional<Digest> expectedRoot) {
        List<BackupGeneration> listed = chunks.generations(canister);
        if (onlyGeneration.isPresent()) {
            listed = listed.stream().filter(g -> g.id() == onlyGeneration.get()).toList();
            if (listed.isEmpty()) {
                throw new IllegalArgumentException("backup canister " + canister + " lists no generation "
                        + onlyGeneration.get());
            }
        }
        List<GenerationCheck> checks = new ArrayList<>();
        for (BackupGeneration g : listed) {
            checks.add(check(canister, g));
        }
        Optional<Long> found = expectedRoot.flatMap(root -> checks.stream()
                .filter(c -> c.badChunks().isEmpty() && c.recomputedRoot().equals(root))
                .map(c -> c.generation().id()).findFirst());
        return new Report(canister, checks, expectedRoot, found);
    }

    private GenerationCheck check(PrincipalId canister, BackupGeneration g) {
        MessageDigest root = sha256();
        root.update(ROOT_TAG);
        root.update(ByteBuffer.allocate(16).putLong(g.size()).putLong(g.chunkSize()).array());
        List<BadChunk> bad = new ArrayList<>();
        long read = 0;
        for (long i = 0; i < g.chunkCount(); i++) {
            ImageChunk c = chunks.read(canister, g.id(), i);
            byte[] hash = sha256().digest(c.bytes());
            root.update(hash);
            read += c.bytes().length;
            long expectedLength = Math.min(g.chunkSize(), g.size() - i * g.chunkSize());
            if (!Digest.of(hash).equals(c.hash())) {
                bad.add(new BadChunk(i, "its bytes hash to " + Digest.of(hash).hex() + ", the canister keeps "
                        + c.hash().hex()));
            } else if (c.bytes().length != expectedLength) {
                bad.add(new BadChunk(i, "it has " + c.bytes().length + " bytes, the generation's size and chunk size"
                        + " make it " + expectedLength));
            }
        }
        return new GenerationCheck(g, Digest.of(root.digest()), bad, read);
    }

    /** The image root as docs/protocol.md defines it, from the chunk hashes in order. */
    public static Digest root(long size, long chunkSize, List<Digest> hashes) {
        MessageDigest root = sha256();
        root.update(ROOT_TAG);
        root.update(ByteBuffer.allocate(16).putLong(size).putLong(chunkSize).array());
        hashes.forEach(h -> root.update(h.bytes()));
        return Digest.of(root.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
