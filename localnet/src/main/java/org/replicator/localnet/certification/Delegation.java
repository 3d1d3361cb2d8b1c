package org.replicator.localnet.certification;

import java.util.Arrays;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.ids.Principal;

/** The root subnet's certificate vouching for another subnet's key: {@code {subnet_id, certificate}}. */
public final class Delegation {
    private final Principal subnetId;
    private final byte[] certificate;

    public Delegation(Principal subnetId, byte[] certificate) {
        this.subnetId = subnetId;
        this.certificate = certificate.clone();
    }

    public Principal subnetId() {
        return subnetId;
    }

    /** The root-signed certificate, CBOR with tag 55799. */
    public byte[] certificate() {
        return certificate.clone();
    }

    CborMap toCbor() {
        return CborMap.builder().put("subnet_id", subnetId.bytes()).put("certificate", certificate).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Delegation d && d.subnetId.equals(subnetId) && Arrays.equals(d.certificate, certificate);
    }

    @Override
    public int hashCode() {
        return subnetId.hashCode() * 31 + Arrays.hashCode(certificate);
    }
}
