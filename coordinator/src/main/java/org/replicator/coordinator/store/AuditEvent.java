package org.replicator.coordinator.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Who did what to what. {@code detail} is a JSON object.
 *
 * @param actor the principal of the identity that acted, or "coordinator" for its own decisions
 */
public record AuditEvent(long id, Instant at, String actor, String action, Optional<String> subject, String detail) {
}
