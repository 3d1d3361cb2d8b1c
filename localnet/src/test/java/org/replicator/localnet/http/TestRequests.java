package org.replicator.localnet.http;

import java.util.ArrayList;
import java.util.List;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;

/** Request contents as agents build them. */
final class TestRequests {
    static final long NOW = 1_700_000_000_000_000_000L;
    static final long EXPIRY = NOW + 240_000_000_000L;

    private TestRequests() {
    }

    static CborMap call(Principal sender, Principal canister, String method, long expiry) {
        return CborMap.builder().put("request_type", "call").put("sender", sender.bytes())
                .putUnsigned("ingress_expiry", expiry).put("canister_id", canister.bytes())
                .put("method_name", method).put("arg", new byte[] {'D', 'I', 'D', 'L', 0, 0}).build();
    }

    static CborMap query(Principal sender, Principal canister, String method, long expiry) {
        return CborMap.builder().put("request_type", "query").put("sender", sender.bytes())
                .putUnsigned("ingress_expiry", expiry).put("canister_id", canister.bytes())
                .put("method_name", method).put("arg", new byte[] {'D', 'I', 'D', 'L', 0, 0}).build();
    }

    static CborMap readState(Principal sender, long expiry, List<Path> paths) {
        List<CborValue> encoded = new ArrayList<>();
        for (Path path : paths) {
            List<CborValue> labels = new ArrayList<>();
            path.labels().forEach(l -> labels.add(CborBytes.of(l)));
            encoded.add(new CborArray(labels));
        }
        return CborMap.builder().put("request_type", "read_state").put("sender", sender.bytes())
                .putUnsigned("ingress_expiry", expiry).put("paths", new CborArray(encoded)).build();
    }

    static CborMap anonymous(CborMap content) {
        return CborMap.builder().put("content", content).build();
    }
}
