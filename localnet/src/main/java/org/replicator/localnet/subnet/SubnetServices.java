package org.replicator.localnet.subnet;

import java.util.List;
import java.util.Optional;
import org.replicator.localnet.certification.Certifier;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.network.FaultInjector;
import org.replicator.localnet.network.NetworkClock;
import org.replicator.localnet.network.XNetStream;
import org.replicator.localnet.registry.SubnetRecord;
import org.replicator.localnet.wasm.CanisterModule;
import org.replicator.localnet.wasm.InvalidModuleException;

/** What a subnet needs from the network around it. */
public interface SubnetServices {
    NetworkClock clock();

    /** The subnet whose canister ranges contain the id. */
    Optional<Subnet> subnetOf(Principal canisterId);

    /** The stream from one subnet to another. */
    XNetStream stream(Principal from, Principal to);

    /** Every subnet's record, as the registry holds them. */
    List<SubnetRecord> registry();

    FaultInjector faults();

    /** Loads (and compiles, once per module hash) a canister module. */
    CanisterModule loadModule(byte[] wasm) throws InvalidModuleException;

    /** A fresh stable memory for one installation of a canister. */
    StableMemory newStableMemory(Principal subnet, Principal canister, long generation);

    /**
     * Releases the files of a replaced runtime or deleted canister once the round is durable;
     * a generation of -1 keeps that file.
     */
    void discard(Principal subnet, Principal canister, long stableGeneration, long runtimeGeneration);

    /** Builds certificates for a subnet's states, with the root delegation where needed. */
    Certifier certifier(Principal subnet);

    /** Called after a round of the subnet was committed, to make it durable before it is published. */
    void roundCommitted(Subnet subnet);

    /** Tells a subnet that new messages wait for it in a stream. */
    void wake(Principal subnet);
}
