package org.replicator.coordinator.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's first command runs this demo; it must keep passing every check it prints, through the
 * replication steps and the failover drill.
 */
class ReplicationDemoTest {

    @Test
    void demoReplicatesRunsTheFailoverDrillAndAUsersBackupPassingEveryCheck(@TempDir Path dataDir) throws Exception {
        assertTrue(new ReplicationDemo(dataDir, 4).run(), "the demo reported a failed check; see its output");
    }
}
