package org.replicator.localnet.canister;

import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.Request;
import org.replicator.localnet.messages.Response;

/** Something waiting in a canister's input queue to be executed. */
public sealed interface CanisterInput {
    record IngressInput(IngressCall call) implements CanisterInput {
    }

    record RequestInput(Request request) implements CanisterInput {
    }

    record ResponseInput(Response response) implements CanisterInput {
    }

    record TaskInput(Task task) implements CanisterInput {
    }

    enum Task {
        HEARTBEAT("canister_heartbeat"),
        GLOBAL_TIMER("canister_global_timer");

        private final String export;

        Task(String export) {
            this.export = export;
        }

        public String export() {
            return export;
        }
    }
}
