package org.replicator.localnet.certification;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.replicator.localnet.ids.Principal;

/**
 * What the state tree shows about a canister under {@code /canister/<id>}: its certified data,
 * the hash of its module ({@code null} while empty), its controllers and the contents of its
 * {@code icp:public} and {@code icp:private} custom sections. Private sections are certified like
 * public ones; only read_state restricts who may ask for them.
 */
public final class CanisterCertifiedInfo {
    public static final int MAX_CERTIFIED_DATA_BYTES = 32;

    private final byte[] certifiedData;
    private final byte[] moduleHash;
    private final List<Principal> controllers;
    private final Map<String, byte[]> publicMetadata;
    private final Map<String, byte[]> privateMetadata;

    public CanisterCertifiedInfo(byte[] certifiedData, byte[] moduleHash, List<Principal> controllers,
            Map<String, byte[]> publicMetadata, Map<String, byte[]> privateMetadata) {
        if (certifiedData.length > MAX_CERTIFIED_DATA_BYTES) {
            throw new IllegalArgumentException("certified data has at most 32 bytes, got " + certifiedData.length);
        }
        if (moduleHash != null && moduleHash.length != 32) {
            throw new IllegalArgumentException("a module hash has 32 bytes, got " + moduleHash.length);
        }
        for (String name : publicMetadata.keySet()) {
            if (privateMetadata.containsKey(name)) {
                throw new IllegalArgumentException("custom section " + name + " is both public and private");
            }
        }
        this.certifiedData = certifiedData.clone();
        this.moduleHash = moduleHash == null ? null : moduleHash.clone();
        this.controllers = List.copyOf(controllers);
        this.publicMetadata = copy(publicMetadata);
        this.privateMetadata = copy(privateMetadata);
    }

    /** A canister that has just been created: no data, no module, no metadata. */
    public static CanisterCertifiedInfo created(List<Principal> controllers) {
        return new CanisterCertifiedInfo(new byte[0], null, controllers, Map.of(), Map.of());
    }

    public byte[] certifiedData() {
        return certifiedData.clone();
    }

    public Optional<byte[]> moduleHash() {
        return Optional.ofNullable(moduleHash).map(byte[]::clone);
    }

    public List<Principal> controllers() {
        return controllers;
    }

    public Map<String, byte[]> publicMetadata() {
        return publicMetadata;
    }

    public Map<String, byte[]> privateMetadata() {
        return privateMetadata;
    }

    public boolean isPrivateMetadata(String name) {
        return privateMetadata.containsKey(name);
    }

    byte[] certifiedDataUnsafe() {
        return certifiedData;
    }

    byte[] moduleHashUnsafe() {
        return moduleHash;
    }

    private static Map<String, byte[]> copy(Map<String, byte[]> sections) {
        TreeMap<String, byte[]> out = new TreeMap<>();
        sections.forEach((name, bytes) -> out.put(name, bytes.clone()));
        return Collections.unmodifiableMap(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CanisterCertifiedInfo c
                && Arrays.equals(certifiedData, c.certifiedData)
                && Arrays.equals(moduleHash, c.moduleHash)
                && controllers.equals(c.controllers)
                && sameSections(publicMetadata, c.publicMetadata)
                && sameSections(privateMetadata, c.privateMetadata);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(certifiedData) * 31 + controllers.hashCode();
    }

    private static boolean sameSections(Map<String, byte[]> a, Map<String, byte[]> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> Arrays.equals(a.get(k), b.get(k)));
    }

    @Override
    public String toString() {
        return "CanisterCertifiedInfo[controllers=" + controllers + ", module=" + (moduleHash != null)
                + ", metadata=" + publicMetadata.keySet() + "/" + privateMetadata.keySet() + "]";
    }
}
