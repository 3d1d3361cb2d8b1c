package org.replicator.coordinator.ids;

/** Text that is not a principal; the message says why and what one looks like. */
public final class MalformedPrincipalException extends IllegalArgumentException {
    public MalformedPrincipalException(String message) {
        super(message);
    }
}
