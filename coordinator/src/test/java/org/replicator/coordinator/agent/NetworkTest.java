package org.replicator.coordinator.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class NetworkTest {

    @Test
    void localIsTheDfxPortWithAFetchedRootKeyAndNoWarning() {
        Network n = Network.parse("local");
        assertEquals(URI.create("http://127.0.0.1:4943"), n.url());
        assertTrue(n.trustsFetchedRootKey());
        assertTrue(n.trustWarning().isEmpty());
    }

    @Test
    void icIsTheMainnetWithThePinnedRootKey() {
        Network n = Network.parse("ic");
        assertEquals(URI.create("https://icp-api.io"), n.url());
        assertArrayEquals(MainnetRootKey.der(), n.pinnedRootKey().orElseThrow());
        assertEquals(133, MainnetRootKey.der().length);
    }

    @Test
    void aMainnetApiUrlKeepsThePinnedRootKey() {
        Network n = Network.parse("https://ic0.app");
        assertArrayEquals(MainnetRootKey.der(), n.pinnedRootKey().orElseThrow());
        assertTrue(n.trustWarning().isEmpty());
    }

    @Test
    void anyOtherUrlFetchesTheRootKeyAndWarnsAboutIt() {
        Network n = Network.parse("http://10.0.0.5:8080");
        assertTrue(n.trustsFetchedRootKey());
        assertTrue(n.trustWarning().orElseThrow().contains("not the IC mainnet"));
    }

    @Test
    void aLoopbackUrlFetchesTheRootKeyWithoutWarning() {
        for (String url : new String[] {"http://127.0.0.1:8000", "http://localhost:4943", "http://[::1]:4943"}) {
            Network n = Network.parse(url);
            assertTrue(n.trustsFetchedRootKey(), url);
            assertTrue(n.trustWarning().isEmpty(), url);
        }
    }

    @Test
    void somethingThatIsNeitherANameNorAUrlIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Network.parse("mainnet"));
        assertTrue(e.getMessage().contains("use local, ic, or an http(s) URL"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Network.parse("ftp://example.org"));
    }
}
