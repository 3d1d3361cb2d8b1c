package org.replicator.localnet.http;

import java.util.concurrent.CompletableFuture;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.Certifier;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.QueryCall;
import org.replicator.localnet.messages.SubmitOutcome;
import org.replicator.localnet.registry.SubnetRecord;

/** What the HTTP gateway needs from one subnet (implemented by the core's {@code Subnet}). */
public interface SubnetPort {
    SubnetRecord record();

    boolean isRoot();

    /** A halted subnet serves no queries (the gateway answers 503). */
    boolean isHalted();

    /** The latest published certified state, or {@code null} before the first one. */
    CertifiedState certifiedState();

    Certifier certifier();

    /** The key of the node whose signature query responses carry. */
    NodeKeyPair nodeKey();

    /**
     * Runs the ingress filter (canister exists, is running, is not frozen, accepts the message in
     * {@code canister_inspect_message}; management-canister rules) and queues the call. On
     * {@code Accepted} the status {@code received} is already visible in {@link #certifiedState()}.
     * For {@code /api/v4/subnet/<id>/call} the call's effective canister id is the subnet id.
     */
    SubmitOutcome submit(IngressCall call);

    /** Completes with the first published state in which the request is terminal (replied, rejected or done). */
    CompletableFuture<CertifiedState> whenTerminal(RequestId requestId);

    /** Executes a query against the latest state. */
    CompletableFuture<CallResult> query(QueryCall query);
}
