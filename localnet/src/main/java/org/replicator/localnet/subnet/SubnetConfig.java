package org.replicator.localnet.subnet;

import java.time.Duration;
import java.util.List;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.cycles.InstructionLimits;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;

/**
 * How one subnet is set up: its identity and keys, the canister ids it hosts, its fees and how
 * fast it runs rounds.
 *
 * @param pacing FAST runs rounds back to back while there is work; REALISTIC runs a round every
 *        {@code roundInterval}, like a real subnet's block rate
 */
public record SubnetConfig(
        int index,
        String type,
        List<CanisterIdRange> ranges,
        BlsKeyPair key,
        NodeKeyPair node,
        FeeSchedule fees,
        Pacing pacing,
        Duration roundInterval,
        Duration heartbeatInterval,
        InstructionLimits limits) {

    public enum Pacing { FAST, REALISTIC }

    public Principal id() {
        return Principal.selfAuthenticating(key.publicKeyDer());
    }
}
