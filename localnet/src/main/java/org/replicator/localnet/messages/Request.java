package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;

/** A canister-to-canister request, from {@code sender}'s callback {@code callbackId}. */
public record Request(
        Principal sender,
        Principal receiver,
        String methodName,
        byte[] arg,
        long cycles,
        long callbackId) implements CanisterMessage {

    /** The bytes the IC charges and limits: method name plus argument. */
    public long payloadSize() {
        return (long) methodName.length() + arg.length;
    }

    public Request withArg(byte[] newArg) {
        return new Request(sender, receiver, methodName, newArg, cycles, callbackId);
    }

    @Override
    public Principal destination() {
        return receiver;
    }

    @Override
    public Principal source() {
        return sender;
    }
}
