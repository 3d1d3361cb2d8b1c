package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.localnet.ids.Principal;

/**
 * The coordinator driving real backup canisters from a real demo app through the CLI, end to end:
 * embedded PostgreSQL, a localnet with 3 subnets, ic4j. Nothing about the IC is mocked.
 */
class ReplicationEndToEndTest extends WorldTest {
    @Test
    void fullThenIncrementalRunsSealTheSourcesRootOnTwoOtherSubnetsAndTheLedgerMatchesTheReplicasSpend() {
        Principal app = world.demoApp(4, 7);
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
        List<String> replicas = List.of(createReplica("demo"), createReplica("demo"));
        Set<String> subnets = rows(db, "SELECT subnet_id FROM replicas").stream().map(r -> (String) r.get(0))
                .collect(Collectors.toSet());
        assertEquals(Set.of(world.net.subnet(0).id().toString(), world.net.subnet(2).id().toString()), subnets,
                "one replica on each subnet other than the source's");

        CliRunner.Result full = cli("replicate", "demo", "--full");
        ok(full);
        ReplicationWorld.Image image = world.sourceImage(app);
        assertTrue(image.chunkCount() >= 64, "a 4 MiB app in 64 KiB chunks: " + image);
        for (String replica : replicas) {
            List<BackupGeneration> held = world.backups.generations(new org.replicator.coordinator.ids.PrincipalId(replica));
            assertEquals(1, held.size(), replica + " holds one generation");
            assertEquals(image.root(), held.get(0).root(), "the replica's own generation has the source's root");
        }
        List<List<Object>> gens = rows(db, "SELECT replica_id, encode(root, 'hex'), sealed_at IS NOT NULL FROM generations");
        assertEquals(2, gens.size());
        for (List<Object> g : gens) {
            assertEquals(image.root().hex(), g.get(1));
            assertEquals(Boolean.TRUE, g.get(2), "sealed");
        }
        String listed = cli("generations", "demo").out();
        for (String replica : replicas) {
            assertTrue(listed.contains(replica) && listed.contains(image.root().hex()) && listed.contains("sealed"), listed);
        }
        String status = ok(cli("status")).out();
        assertTrue(status.contains("last run of " + app + ": run 1 (full) sealed"), status);
        assertTrue(status.contains("no unfinished runs"), status);

        // The ledger's transfer row for each replica is exactly the cycles_spent its backup canister
        // reports for the run that sealed the generation.
        Map<String, BigInteger> reported = spentByReplica(replicas);
        assertEquals(reported, transferRows(1), "transfer rows of run 1 equal the replicas' own counters");
        System.out.println("full run: image " + image.size() + " bytes in " + image.chunkCount() + " chunks; replicas spent "
                + reported + "; estimate " + scalar(db, "SELECT amount FROM cycle_ledger WHERE run_id = 1 AND kind = 'estimate'"));

        // ~1 % of the image rewritten in place by the demo app's mutator
        long changed = world.mutate(app, image.size() / 100, 11);
        assertTrue(changed > 0);
        CliRunner.Result incremental = cli("replicate", "demo", "--incremental");
        ok(incremental);
        ReplicationWorld.Image after = world.sourceImage(app);
        assertNotEquals(image.root(), after.root());
        for (String replica : replicas) {
            var rid = new org.replicator.coordinator.ids.PrincipalId(replica);
            List<BackupGeneration> held = world.backups.generations(rid);
            assertEquals(2, held.size(), replica + " holds both generations");
            assertEquals(after.root(), held.get(1).root());
            BackupRun run = world.backups.status(rid).run().orElseThrow();
            assertTrue(run.incremental(), "the backup canister listed changes since its last generation");
            assertTrue(run.bytesFetched() < after.size() / 10, "an incremental run after a 1 % change fetched "
                    + run.bytesFetched() + " of " + after.size() + " bytes");
            System.out.println("incremental run on " + replica + ": changed " + changed + " bytes; fetched "
                    + run.chunksFetched() + " chunks / " + run.bytesFetched() + " bytes, reused " + run.chunksReused()
                    + ", cycles " + run.cyclesSpent());
        }
        assertEquals(spentByReplica(replicas), transferRows(2), "transfer rows of run 2 equal the replicas' own counters");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE run_id = 2 AND encode(root, 'hex') = '"
                + after.root().hex() + "' AND sealed_at IS NOT NULL AND parent_generation_id IS NOT NULL"));
        assertEquals(BigInteger.valueOf(0), big(scalar(db, "SELECT count(*) FROM runs WHERE state <> 'sealed'")));

        CliRunner.Result verify = cli("verify", "demo");
        ok(verify);
        for (String replica : replicas) {
            assertTrue(verify.out().contains(replica) && verify.out().contains(" ok"), verify.out());
        }
    }

    @Test
    void aBudgetBelowTheEstimateIsRefusedWithExitOneAndNoRunWritten() {
        Principal app = world.demoApp(1, 3);
        ok(cli("canister", "add", app.toString()));
        createReplica(app.toString());
        long ledgerRows = (Long) scalar(db, "SELECT count(*) FROM cycle_ledger");
        CliRunner.Result r = cli("replicate", app.toString(), "--budget", "1000");
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("estimated at") && r.err().contains("the budget is 1000") && r.err().contains("--budget"),
                r.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM runs"));
        assertEquals(ledgerRows, scalar(db, "SELECT count(*) FROM cycle_ledger"));
    }

    @Test
    void aReplicaOnTheSourcesSubnetIsRefusedUnlessForced() {
        Principal app = world.demoApp(1, 5);
        ok(cli("canister", "add", app.toString()));
        CliRunner.Result r = cli("replica", "create", app.toString(), "--subnet", world.net.subnet(1).id().toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("--force-same-subnet"), r.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM replicas"));
    }

    @Test
    void verifyFailsWhenAReplicaNoLongerHoldsItsSealedGeneration() {
        Principal app = world.demoApp(1, 9);
        ok(cli("canister", "add", app.toString()));
        String replica = createReplica(app.toString());
        ok(cli("replicate", app.toString()));
        ok(cli("verify", app.toString()));
        var rid = new org.replicator.coordinator.ids.PrincipalId(replica);
        long held = world.backups.generations(rid).get(0).id();
        // the coordinator's identity controls the replica; dropping the generation behind the
        // coordinator's back is the damage verify must report
        world.gateway.update(rid, "drop_generation", org.ic4j.candid.parser.IDLArgs.create(List.of(
                org.ic4j.candid.parser.IDLValue.create(held, org.ic4j.candid.parser.IDLType.createType(
                        org.ic4j.candid.types.Type.NAT64)))).toBytes());
        CliRunner.Result r = cli("verify", app.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains(replica) && r.out().contains("MISSING"), r.out());
    }

    private String createReplica(String canister) {
        CliRunner.Result r = ok(cli("replica", "create", canister, "--json"));
        String out = r.out();
        int at = out.indexOf("\"id\"");
        int start = out.indexOf('"', out.indexOf(':', at)) + 1;
        return out.substring(start, out.indexOf('"', start));
    }

    private Map<String, BigInteger> spentByReplica(List<String> replicas) {
        Map<String, BigInteger> m = new TreeMap<>();
        for (String r : replicas) {
            m.put(r, world.backups.status(new org.replicator.coordinator.ids.PrincipalId(r)).run().orElseThrow()
                    .cyclesSpent());
        }
        return m;
    }

    private Map<String, BigInteger> transferRows(long run) {
        Map<String, BigInteger> m = new TreeMap<>();
        for (List<Object> row : rows(db, "SELECT replica_id, sum(amount) FROM cycle_ledger WHERE run_id = " + run
                + " AND kind = 'transfer' GROUP BY replica_id")) {
            m.put((String) row.get(0), big(row.get(1)));
        }
        return m;
    }

}
