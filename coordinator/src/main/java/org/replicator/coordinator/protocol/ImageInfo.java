package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;
import org.replicator.coordinator.store.Digest;

/** replication_begin's reply: the frozen image; root absent while chunk hashes are still computed. */
public record ImageInfo(BigInteger epoch, long size, int chunkSize, int chunkCount, Optional<Digest> root, long hashed) {
}
