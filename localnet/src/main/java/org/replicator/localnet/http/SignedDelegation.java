package org.replicator.localnet.http;

import java.util.List;
import java.util.Optional;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.ids.Principal;

/**
 * One link of a {@code sender_delegation} chain: the signer allows {@code pubkey} to sign until
 * {@code expiration} (ns), for {@code targets} if given. The delegation map is kept as received
 * because its representation-independent hash is what was signed.
 */
public record SignedDelegation(byte[] pubkey, long expirationNanos, Optional<List<Principal>> targets,
        byte[] signature, CborMap delegation) {
}
