package org.replicator.localnet.wasm;

/** A module the IC would not install, with what is wrong with it. */
public final class InvalidModuleException extends Exception {
    public InvalidModuleException(String message) {
        super(message);
    }

    public InvalidModuleException(String message, Throwable cause) {
        super(message, cause);
    }
}
