package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;

/** A message between canisters: what subnets route and exchange in their streams. */
public sealed interface CanisterMessage permits Request, Response {
    Principal destination();

    Principal source();
}
