package org.replicator.localnet.http;

import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.ids.Principal;

/** Finding the subnet an effective id names, and the certified state it must have to answer. */
final class Subnets {
    private Subnets() {
    }

    static SubnetPort serving(GatewayBackend backend, Route.Target target, Principal effectiveId) throws HttpError {
        if (target == Route.Target.SUBNET) {
            return backend.subnet(effectiveId).orElseThrow(HttpError::subnetNotFound);
        }
        return backend.subnetOfCanister(effectiveId).orElseThrow(HttpError::canisterNotFound);
    }

    static CertifiedState requireCertifiedState(SubnetPort subnet) throws HttpError {
        CertifiedState state = subnet.certifiedState();
        if (state == null) {
            throw HttpError.unavailable("Certified state is not available yet. Please try again...");
        }
        return state;
    }
}
