package org.replicator.localnet.certification;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import org.ic4j.agent.Agent;
import org.ic4j.agent.AgentBuilder;
import org.ic4j.agent.ReplicaResponse;
import org.ic4j.agent.ReplicaTransport;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.types.Principal;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;

/**
 * An ic4j transport that answers read_state from a function of (effective canister id, paths), so
 * certificates can be checked by ic4j's own verification and lookup code without HTTP.
 */
final class ReadStateOnlyTransport implements ReplicaTransport {
    private final BiFunction<org.replicator.localnet.ids.Principal, List<Path>, byte[]> certificates;

    ReadStateOnlyTransport(BiFunction<org.replicator.localnet.ids.Principal, List<Path>, byte[]> certificates) {
        this.certificates = certificates;
    }

    static Agent agent(byte[] rootKeyDer, BiFunction<org.replicator.localnet.ids.Principal, List<Path>, byte[]> certs) {
        Agent agent = new AgentBuilder().transport(new ReadStateOnlyTransport(certs)).build();
        agent.setRootKey(rootKeyDer);
        return agent;
    }

    static Principal ic4j(org.replicator.localnet.ids.Principal p) {
        return Principal.from(p.bytes());
    }

    static RequestId ic4j(org.replicator.localnet.ids.RequestId id) {
        return RequestId.fromHex(id.bytes());
    }

    @Override
    public CompletableFuture<ReplicaResponse> readState(Principal effectiveCanisterId, byte[] envelope,
            Map<String, String> headers) {
        try {
            CborMap content = ((CborMap) CborReader.read(envelope)).requireMap("content");
            List<Path> paths = new ArrayList<>();
            for (CborValue path : content.requireArray("paths").items()) {
                List<byte[]> labels = new ArrayList<>();
                for (CborValue label : ((CborArray) path).items()) {
                    labels.add(((CborBytes) label).bytes());
                }
                paths.add(Path.ofLabels(labels));
            }
            byte[] certificate = certificates.apply(
                    org.replicator.localnet.ids.Principal.of(effectiveCanisterId.getValue()), paths);
            ReplicaResponse response = new ReplicaResponse();
            response.headers = new HashMap<>();
            response.payload = CborWriter.encode(CborMap.builder().put("certificate", certificate).build(), true);
            return CompletableFuture.completedFuture(response);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<ReplicaResponse> status() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("status"));
    }

    @Override
    public CompletableFuture<ReplicaResponse> query(Principal canisterId, byte[] envelope, Map<String, String> headers) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("query"));
    }

    @Override
    public CompletableFuture<ReplicaResponse> call(Principal canisterId, byte[] envelope, RequestId requestId,
            Map<String, String> headers) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("call"));
    }

    @Override
    public void close() {
    }
}
