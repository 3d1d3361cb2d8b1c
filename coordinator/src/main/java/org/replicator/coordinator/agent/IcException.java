package org.replicator.coordinator.agent;

/**
 * Something the IC (or the way to it) did not do. Each kind says what went wrong in words a user
 * can act on; the CLI maps them all to one exit code.
 */
public abstract sealed class IcException extends RuntimeException
        permits IcUnreachableException, IcRejectedException, NotAControllerException, UnknownCanisterException,
        IcProtocolException {
    protected IcException(String message, Throwable cause) {
        super(message, cause);
    }
}
