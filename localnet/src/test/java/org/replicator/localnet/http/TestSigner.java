package org.replicator.localnet.http;

import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.ic4j.agent.identity.BasicIdentity;
import org.ic4j.agent.identity.Identity;
import org.ic4j.agent.identity.Secp256k1Identity;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.ids.Principal;

/** A user key made with ic4j's identities, and helpers to sign envelopes and delegations with it. */
final class TestSigner {
    private final Identity identity;

    private TestSigner(Identity identity) {
        this.identity = identity;
    }

    static TestSigner ed25519() {
        try {
            return new TestSigner(BasicIdentity.fromKeyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static TestSigner secp256k1() {
        try {
            Security.addProvider(new BouncyCastleProvider());
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", "BC");
            generator.initialize(new ECGenParameterSpec("secp256k1"));
            return new TestSigner(Secp256k1Identity.fromKeyPair(generator.generateKeyPair()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] der() {
        return identity.getPublicKey();
    }

    Principal principal() {
        return Principal.selfAuthenticating(der());
    }

    byte[] sign(byte[] message) {
        return identity.sign(message).signature.orElseThrow();
    }

    /** A signed delegation from this key to {@code to}. */
    CborMap delegateTo(TestSigner to, long expiration, List<Principal> targets) {
        CborMap.Builder delegation = CborMap.builder().put("pubkey", to.der()).putUnsigned("expiration", expiration);
        if (targets != null) {
            List<CborValue> items = new ArrayList<>();
            targets.forEach(t -> items.add(CborBytes.of(t.bytes())));
            delegation.put("targets", new CborArray(items));
        }
        CborMap map = delegation.build();
        byte[] signature = sign(EnvelopeValidator.concat(EnvelopeValidator.DELEGATION_DOMAIN, RequestIds.hashOfMap(map)));
        return CborMap.builder().put("delegation", map).put("signature", signature).build();
    }

    /** An envelope whose sender key is this key, signed by {@code finalSigner} through {@code chain}. */
    CborMap envelope(CborMap content, TestSigner finalSigner, List<CborMap> chain) {
        byte[] requestId = RequestIds.of(content).bytes();
        CborMap.Builder envelope = CborMap.builder()
                .put("content", content)
                .put("sender_pubkey", der())
                .put("sender_sig", finalSigner.sign(EnvelopeValidator.concat(EnvelopeValidator.REQUEST_DOMAIN, requestId)));
        if (!chain.isEmpty()) {
            envelope.put("sender_delegation", new CborArray(new ArrayList<>(chain)));
        }
        return envelope.build();
    }

    CborMap envelope(CborMap content) {
        return envelope(content, this, List.of());
    }

    static byte[] encode(CborMap envelope) {
        return CborWriter.encode(envelope, true);
    }
}
