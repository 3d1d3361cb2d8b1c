package org.replicator.localnet.messages;

/** What a subnet says to an ingress submission, before any execution. */
public sealed interface SubmitOutcome {
    /** Queued for execution; its status is in the certified state from now on. */
    record Accepted() implements SubmitOutcome {
    }

    /** The same request id is already known: nothing is executed twice. */
    record Duplicate() implements SubmitOutcome {
    }

    /** Refused by the ingress filter; never enters the certified state. */
    record Refused(UserError error) implements SubmitOutcome {
    }
}
