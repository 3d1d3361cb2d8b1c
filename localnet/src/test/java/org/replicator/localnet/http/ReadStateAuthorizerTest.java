package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.certification.CanisterCertifiedInfo;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.CertifiedStateBuilder;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;

class ReadStateAuthorizerTest {
    private final Principal canister = Principal.canister(3);
    private final Principal controller = Principal.selfAuthenticating(new byte[] {1});
    private final Principal stranger = Principal.selfAuthenticating(new byte[] {2});
    private final Principal rootSubnet = Principal.selfAuthenticating(new byte[] {9});
    private final Principal otherSubnet = Principal.selfAuthenticating(new byte[] {8});
    private final RequestId request = RequestId.of(new byte[32]);
    private final CertifiedState state = new CertifiedStateBuilder()
            .putCanister(canister, new CanisterCertifiedInfo(new byte[0], null, List.of(controller),
                    Map.of("candid:service", new byte[] {1}), Map.of("secret", new byte[] {2})))
            .putIngressStatus(request, IngressStatus.received(new IngressCall(request, controller, canister, canister,
                    "m", new byte[0], 1)))
            .freeze(1);

    private void authorize(int version, Route.Target target, Principal effectiveId, Principal sender,
            CanisterTargets targets, Path... paths) throws HttpError {
        new ReadStateAuthorizer(version, target, effectiveId, rootSubnet).authorize(List.of(paths), sender, targets,
                state);
    }

    private int status(int version, Route.Target target, Principal effectiveId, Principal sender, Path... paths) {
        return assertThrows(HttpError.class,
                () -> authorize(version, target, effectiveId, sender, CanisterTargets.all(), paths)).status();
    }

    @Test
    void privateCustomSectionsAreOnlyForControllers() {
        Path secret = Path.of("canister", canister, "metadata", "secret");
        assertDoesNotThrow(() -> authorize(2, Route.Target.CANISTER, canister, controller, CanisterTargets.all(), secret));
        HttpError e = assertThrows(HttpError.class,
                () -> authorize(2, Route.Target.CANISTER, canister, stranger, CanisterTargets.all(), secret));
        assertEquals(403, e.status());
        assertEquals("Custom section secret can only be requested by the controllers of the canister.", e.getMessage());
        assertDoesNotThrow(() -> authorize(2, Route.Target.CANISTER, canister, stranger, CanisterTargets.all(),
                Path.of("canister", canister, "metadata", "candid:service")));
    }

    @Test
    void aRequestStatusIsForItsSenderWithinItsDelegationTargets() {
        Path status = Path.of("request_status", request, "status");
        assertDoesNotThrow(() -> authorize(2, Route.Target.CANISTER, canister, controller, CanisterTargets.all(), status));
        assertEquals(403, status(2, Route.Target.CANISTER, canister, stranger, status));
        HttpError e = assertThrows(HttpError.class, () -> authorize(2, Route.Target.CANISTER, canister, controller,
                CanisterTargets.of(Set.of(Principal.canister(4))), status));
        assertEquals(403, e.status());
        assertDoesNotThrow(() -> authorize(2, Route.Target.CANISTER, canister, stranger, CanisterTargets.all(),
                Path.of("request_status", RequestId.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}))),
                "an unknown request may be asked for, to prove its absence");
    }

    @Test
    void onlyOneRequestIdMayBeAskedForAtOnce() {
        RequestId other = RequestId.of(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertEquals(400, status(2, Route.Target.CANISTER, canister, controller,
                Path.of("request_status", request), Path.of("request_status", other)));
    }

    @Test
    void requestStatusIsServedBySubnetEndpointsOnlyFromV3() {
        Path status = Path.of("request_status", request);
        assertEquals(404, status(2, Route.Target.SUBNET, rootSubnet, controller, status));
        assertDoesNotThrow(() -> authorize(3, Route.Target.SUBNET, rootSubnet, controller, CanisterTargets.all(), status));
    }

    @Test
    void shardedRangesAndMetricsAreForTheSubnetEndpoints() {
        Path shards = Path.of("canister_ranges", otherSubnet);
        assertEquals(404, status(3, Route.Target.CANISTER, canister, controller, shards));
        assertDoesNotThrow(() -> authorize(3, Route.Target.SUBNET, otherSubnet, controller, CanisterTargets.all(), shards));
        assertEquals(400, status(3, Route.Target.SUBNET, otherSubnet, controller, shards,
                Path.of("canister_ranges", rootSubnet)));
        assertEquals(404, status(2, Route.Target.CANISTER, canister, controller, Path.of("subnet", otherSubnet, "metrics")));
        assertEquals(400, status(2, Route.Target.SUBNET, rootSubnet, controller, Path.of("subnet", otherSubnet, "metrics")));
    }

    @Test
    void v3ServesFlatRangesOnlyOfTheRootSubnet() {
        assertEquals(404, status(3, Route.Target.CANISTER, canister, controller,
                Path.of("subnet", otherSubnet, "canister_ranges")));
        assertDoesNotThrow(() -> authorize(3, Route.Target.CANISTER, canister, controller, CanisterTargets.all(),
                Path.of("subnet", rootSubnet, "canister_ranges")));
        assertDoesNotThrow(() -> authorize(2, Route.Target.CANISTER, canister, controller, CanisterTargets.all(),
                Path.of("subnet", otherSubnet, "canister_ranges")));
    }

    @Test
    void everyOtherPathIsNotFound() {
        for (Path path : List.of(Path.of("canister", canister, "certified_data"), Path.of("time", "x"), Path.of("x"),
                Path.of(), Path.of("subnet", rootSubnet, "node", controller, "public_key", "x"))) {
            assertEquals(404, status(2, Route.Target.CANISTER, canister, controller, path), path.toString());
        }
    }
}
