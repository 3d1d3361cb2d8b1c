package org.replicator.coordinator.agent;

import org.ic4j.agent.identity.Identity;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * An identity the coordinator signs with, and the principal the IC knows it by.
 *
 * @param kind "ed25519", "secp256k1" or "anonymous"
 */
public record LoadedIdentity(Identity identity, PrincipalId principal, String kind) {
}
