package org.replicator.coordinator.agent;

/**
 * The network answered, but not with something the coordinator can trust or use: a certificate
 * that does not verify, a malformed response, or no result within the wait.
 */
public final class IcProtocolException extends IcException {
    public IcProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
