package org.replicator.coordinator.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.ImageChunk;
import org.replicator.coordinator.store.Digest;

/** The chunk and root checks of an independent verification, over chunks served from memory. */
class IndependentVerifierTest {
    private static final PrincipalId CANISTER = PrincipalId.parse("rrkah-fqaaa-aaaaa-aaaaq-cai");
    private static final int CHUNK = 1024;

    /** A canister holding one generation of {@code size} random bytes; tests damage what it serves. */
    private static final class Held implements IndependentVerifier.Chunks {
        final byte[] image;
        final List<Digest> hashes = new ArrayList<>();
        final BackupGeneration generation;
        int tamperedIndex = -1;
        boolean truncateLast;

        Held(int size) {
            image = new byte[size];
            new Random(7).nextBytes(image);
            int count = (size + CHUNK - 1) / CHUNK;
            for (int i = 0; i < count; i++) {
                hashes.add(sha(chunk(i)));
            }
            generation = new BackupGeneration(3, 11, IndependentVerifier.root(size, CHUNK, hashes), size, CHUNK, count, count,
                    Optional.empty());
        }

        byte[] chunk(int i) {
            int from = i * CHUNK;
            return java.util.Arrays.copyOfRange(image, from, Math.min(image.length, from + CHUNK));
        }

        @Override
        public List<BackupGeneration> generations(PrincipalId canister) {
            return List.of(generation);
        }

        @Override
        public ImageChunk read(PrincipalId canister, long g, long index) {
            byte[] bytes = chunk((int) index);
            if (index == tamperedIndex) {
                bytes[bytes.length / 2] ^= 1;
            }
            if (truncateLast && index == hashes.size() - 1) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
                return new ImageChunk(index, bytes, sha(bytes));
            }
            return new ImageChunk(index, bytes, hashes.get((int) index));
        }
    }

    @Test
    void anIntactGenerationRecomputesItsListedRoot() {
        Held held = new Held(5 * CHUNK + 100);
        IndependentVerifier.Report r = new IndependentVerifier(held).verify(CANISTER, Optional.empty(), Optional.empty());
        assertTrue(r.ok());
        assertEquals(held.generation.root(), r.generations().get(0).recomputedRoot());
        assertEquals(5 * CHUNK + 100, r.generations().get(0).bytesRead());
    }

    @Test
    void aTamperedChunkIsNamedAndTheRecomputedRootDiffers() {
        Held held = new Held(5 * CHUNK + 100);
        held.tamperedIndex = 2;
        IndependentVerifier.GenerationCheck c = new IndependentVerifier(held)
                .verify(CANISTER, Optional.empty(), Optional.empty()).generations().get(0);
        assertFalse(c.ok());
        assertEquals(1, c.badChunks().size());
        assertEquals(2, c.badChunks().get(0).index());
        assertTrue(c.badChunks().get(0).problem().contains("the canister keeps " + held.hashes.get(2).hex()),
                c.badChunks().get(0).problem());
        assertFalse(c.rootMatches(), "the root is recomputed from the bytes read, not from the kept hashes");
    }

    @Test
    void aChunkWhoseKeptHashWasReplacedToMatchStillFailsTheRoot() {
        Held held = new Held(3 * CHUNK + 10);
        held.truncateLast = true;
        IndependentVerifier.GenerationCheck c = new IndependentVerifier(held)
                .verify(CANISTER, Optional.empty(), Optional.empty()).generations().get(0);
        assertEquals(3, c.badChunks().get(0).index());
        assertTrue(c.badChunks().get(0).problem().contains("it has 9 bytes"), c.badChunks().get(0).problem());
        assertFalse(c.rootMatches());
    }

    @Test
    void anExpectedRootMustBeHeldByAnIntactGeneration() {
        Held held = new Held(2 * CHUNK);
        IndependentVerifier v = new IndependentVerifier(held);
        assertEquals(Optional.of(3L), v.verify(CANISTER, Optional.empty(), Optional.of(held.generation.root()))
                .expectedFoundIn());
        IndependentVerifier.Report other = v.verify(CANISTER, Optional.empty(), Optional.of(new Digest("ab".repeat(32))));
        assertFalse(other.ok(), "no generation has the expected root");
        assertThrows(IllegalArgumentException.class, () -> v.verify(CANISTER, Optional.of(4L), Optional.empty()));
    }

    @Test
    void theRootFollowsTheProtocolsDefinition() throws Exception {
        Digest h = sha(new byte[] {1, 2, 3});
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update("replicator-image-root-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        md.update(new byte[] {0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 64});
        md.update(h.bytes());
        assertEquals(Digest.of(md.digest()), IndependentVerifier.root(3, 64, List.of(h)));
    }

    private static Digest sha(byte[] bytes) {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
