package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.ic4j.candid.types.Label;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** The largest chunk travels between subnets in one inter-canister reply, within the 2 MiB limit. */
class CrossSubnetChunkTest {
    private static final long MAX_CHUNK_SIZE = 31 * 65536;

    @Test
    void aCanisterOnAnotherSubnetReadsAChunkOfTheLargestSizeInOneCall() {
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); IcClient ic = IcClient.forNet(net)) {
            DemoApp app = DemoApp.deploy(ic, 1, "chunk_size", MAX_CHUNK_SIZE);
            app.generate(5, 31);
            DemoApp.Image image = app.beginUntilRooted();
            Principal reader = ic.deploy(2, TestCanisters.universal());
            app.allow(reader);

            byte[] arg = DemoApp.args("epoch", image.epoch(), CandidVectors.NAT64, "index", 1L, CandidVectors.NAT64);
            byte[] reply = ic.update(reader, "update", Universal.program()
                    .callNew(app.id, "replication_read", Universal.program().argData().replyTop(),
                            Universal.program().push("rejected: ").rejectMessage().concat().replyTop())
                    .callDataAppend(arg)
                    .callPerform().drop().build());

            Map<Label, Object> chunk = DemoApp.decode(reply);
            byte[] bytes = DemoApp.blob(DemoApp.field(chunk, "bytes"));
            assertEquals(MAX_CHUNK_SIZE, bytes.length);
            assertArrayEquals(DemoApp.sha256(bytes), DemoApp.blob(DemoApp.field(chunk, "hash")));
            assertArrayEquals(app.read(image.epoch(), 1).bytes(), bytes);
        }
    }
}
