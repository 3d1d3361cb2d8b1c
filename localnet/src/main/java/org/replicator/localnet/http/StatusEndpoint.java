package org.replicator.localnet.http;

import java.util.Optional;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.ids.Principal;

/**
 * {@code GET /api/v2/status}: the root key agents fetch in development, the implementation
 * version, and health. The replica reports {@code healthy} only once it can serve certificates,
 * and dfx waits for that; here that means once the root subnet has certified a state.
 */
final class StatusEndpoint {
    private final GatewayBackend backend;
    private final GatewayConfig config;

    StatusEndpoint(GatewayBackend backend, GatewayConfig config) {
        this.backend = backend;
        this.config = config;
    }

    HttpReply handle() {
        byte[] rootKey = backend.rootKeyDer();
        Optional<CertifiedState> state = backend.subnet(Principal.selfAuthenticating(rootKey))
                .map(SubnetPort::certifiedState);
        CborMap.Builder status = CborMap.builder()
                .put("root_key", rootKey)
                .put("impl_version", config.implVersion())
                .put("replica_health_status", state.isPresent() ? "healthy" : "waiting_for_certified_state");
        state.ifPresent(s -> status.putUnsigned("certified_height", s.height()));
        return HttpReply.cbor(200, status.build());
    }
}
