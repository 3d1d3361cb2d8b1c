package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;

/** Moves the network's clock, so it runs on a network of its own (ingress expiry follows it). */
class EpochExpiryTest {
    @Test
    void anEpochLivesWhileReadAndExpiresAfterItsTimeToLiveWithoutUse() {
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults())) {
            try (IcClient ic = IcClient.forNet(net)) {
                DemoApp app = DemoApp.deploy(ic, 1, "epoch_ttl_seconds", 30L);
                app.generate(1, 9);
                DemoApp.Image image = app.beginUntilRooted();
                net.control().advanceTime(Duration.ofSeconds(20));
                app.read(image.epoch(), 0);
                net.control().advanceTime(Duration.ofSeconds(20));
                app.read(image.epoch(), 0);
                net.control().advanceTime(Duration.ofSeconds(31));
                Rejected r = assertThrows(Rejected.class, () -> app.read(image.epoch(), 0));
                assertEquals("EPOCH_EXPIRED: epoch 1 expired after 30 s without use; begin a new one", r.getMessage());
                assertEquals(2, app.beginUntilRooted().epoch());
            }
        }
    }
}
