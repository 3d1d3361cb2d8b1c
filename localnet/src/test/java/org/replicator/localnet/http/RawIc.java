package org.replicator.localnet.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.CertificateVerifier;
import org.replicator.localnet.certification.HashTree;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/**
 * A bare IC client over {@code java.net.http}: builds and signs envelopes itself so that tests can
 * send what no agent would (tampered signatures, stale expiries, replays, oversize bodies) and see
 * the HTTP answer exactly as a replica would give it.
 */
final class RawIc {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LocalNet net;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final TestSigner signer;

    RawIc(LocalNet net, TestSigner signer) {
        this.net = net;
        this.signer = signer;
    }

    /** An expiry the replica accepts: four minutes from its current time. */
    long validExpiry() {
        return net.clock().nowNanos() + Duration.ofMinutes(4).toNanos();
    }

    CborMap call(Principal canister, String method, byte[] arg, long expiry) {
        return content("call", canister, method, arg, expiry);
    }

    CborMap call(Principal canister, String method, byte[] arg) {
        return call(canister, method, arg, validExpiry());
    }

    CborMap query(Principal canister, String method, byte[] arg) {
        return content("query", canister, method, arg, validExpiry());
    }

    private CborMap content(String type, Principal canister, String method, byte[] arg, long expiry) {
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        return CborMap.builder().put("request_type", type).put("sender", signer.principal().bytes())
                .putUnsigned("ingress_expiry", expiry).put("canister_id", canister.bytes())
                .put("method_name", method).put("arg", arg).put("nonce", nonce).build();
    }

    CborMap readState(List<Path> paths) {
        List<CborValue> encoded = new ArrayList<>();
        for (Path path : paths) {
            List<CborValue> labels = new ArrayList<>();
            path.labels().forEach(l -> labels.add(CborBytes.of(l)));
            encoded.add(new CborArray(labels));
        }
        return CborMap.builder().put("request_type", "read_state").put("sender", signer.principal().bytes())
                .putUnsigned("ingress_expiry", validExpiry()).put("paths", new CborArray(encoded)).build();
    }

    static RequestId requestId(CborMap content) {
        return RequestIds.of(content);
    }

    /** The content signed by this client's key. */
    byte[] signed(CborMap content) {
        return TestSigner.encode(signer.envelope(content));
    }

    HttpResponse<byte[]> post(String path, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(net.url() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/cbor")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException("POST " + path + " failed", e);
        }
    }

    HttpResponse<byte[]> post(String path, CborMap content) {
        return post(path, signed(content));
    }

    static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    static CborMap cbor(HttpResponse<byte[]> response) {
        try {
            return (CborMap) CborReader.read(response.body());
        } catch (Exception e) {
            throw new AssertionError("not a CBOR map (HTTP " + response.statusCode() + "): " + text(response), e);
        }
    }

    /** Reads {@code paths} through {@code /api/<version>/canister/<ecid>/read_state} and verifies the certificate. */
    HashTree readState(String version, Principal ecid, List<Path> paths) {
        HttpResponse<byte[]> response = post("/api/" + version + "/canister/" + ecid + "/read_state", readState(paths));
        if (response.statusCode() != 200) {
            throw new AssertionError("read_state answered " + response.statusCode() + ": " + text(response));
        }
        try {
            return verified(cbor(response).requireBytes("certificate"), ecid);
        } catch (org.replicator.localnet.cbor.CborException e) {
            throw new AssertionError("read_state answered without a certificate", e);
        }
    }

    HashTree verified(byte[] certificate, Principal ecid) {
        try {
            return new CertificateVerifier(net.rootKeyDer()).verify(certificate, ecid);
        } catch (Exception e) {
            throw new AssertionError("the certificate does not verify: " + e.getMessage(), e);
        }
    }

    /** The certified status of a request, empty while the certificate proves it absent. */
    Optional<String> requestStatus(Principal ecid, RequestId id) {
        HashTree.Lookup status = readState("v2", ecid, List.of(Path.of("request_status", id)))
                .lookup(Path.of("request_status", id, "status"));
        if (status instanceof HashTree.Found found) {
            return Optional.of(new String(found.value(), StandardCharsets.UTF_8));
        }
        if (status instanceof HashTree.Absent) {
            return Optional.empty();
        }
        throw new AssertionError("request status neither found nor provably absent: " + status);
    }

    static String leaf(HashTree tree, Path path) {
        HashTree.Lookup found = tree.lookup(path);
        if (!(found instanceof HashTree.Found f)) {
            throw new AssertionError(path + " is not in the certified tree: " + found);
        }
        return new String(f.value(), StandardCharsets.UTF_8);
    }

    static byte[] leafBytes(HashTree tree, Path path) {
        HashTree.Lookup found = tree.lookup(path);
        if (!(found instanceof HashTree.Found f)) {
            throw new AssertionError(path + " is not in the certified tree: " + found);
        }
        return f.value();
    }
}
