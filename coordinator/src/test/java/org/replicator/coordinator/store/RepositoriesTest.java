package org.replicator.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.ids.PrincipalId;

class RepositoriesTest {
    private static final PrincipalId SUBNET_A = PrincipalId.parse("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe");
    private static final PrincipalId SUBNET_B = PrincipalId.parse("2vxsx-fae");
    private static final PrincipalId APP = PrincipalId.parse("rrkah-fqaaa-aaaaa-aaaaq-cai");
    private static final PrincipalId REPLICA_1 = PrincipalId.parse("ryjl3-tyaaa-aaaaa-aaaba-cai");
    private static final PrincipalId REPLICA_2 = PrincipalId.parse("r7inp-6aaaa-aaaaa-aaabq-cai");
    private static final Digest ROOT = Digest.of(new byte[32]);
    private static final Digest OTHER_ROOT = Digest.of(filled((byte) 7));

    private static PostgresForTests postgres;
    private Database db;
    private final SubnetRepository subnets = new SubnetRepository();
    private final CanisterRepository canisters = new CanisterRepository();
    private final ReplicaRepository replicas = new ReplicaRepository();
    private final RunRepository runs = new RunRepository();
    private final GenerationRepository generations = new GenerationRepository();
    private final CycleLedger ledger = new CycleLedger();
    private final AuditLog audit = new AuditLog();

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresForTests.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() {
        db = postgres.freshMigratedDatabase();
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void aProtectedCanisterRoundTripsWithItsSubnetAndModuleHash() {
        Digest hash = Digest.of(filled((byte) 0xab));
        ProtectedCanister added = db.inTransaction(tx -> {
            subnets.recordSeen(tx, SUBNET_A);
            return canisters.add(tx, APP, "app", SUBNET_A, hash);
        });
        ProtectedCanister read = db.inTransaction(tx -> canisters.findActive(tx, APP).orElseThrow());
        assertEquals(added, read);
        assertEquals(Optional.of("app"), read.name());
        assertEquals(SUBNET_A, read.subnet());
        assertEquals(Optional.of(hash), read.moduleHash());
        assertEquals(APP, read.liveCanister());
        assertEquals(read, db.inTransaction(tx -> canisters.findActiveByIdOrName(tx, "app")).orElseThrow());
    }

    @Test
    void aCanisterOnAnUnrecordedSubnetIsRefused() {
        ConstraintViolation e = assertThrows(ConstraintViolation.class,
                () -> db.inTransaction(tx -> canisters.add(tx, APP, null, SUBNET_A, null)));
        assertEquals("canisters_subnet_id_fkey", e.constraint());
    }

    @Test
    void addingAProtectedCanisterTwiceIsRefusedAndRemovedOnesComeBack() {
        db.inTransaction(tx -> {
            subnets.recordSeen(tx, SUBNET_A);
            return canisters.add(tx, APP, "app", SUBNET_A, null);
        });
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> canisters.add(tx, APP, "x", SUBNET_A, null)));
        assertTrue((boolean) db.inTransaction(tx -> canisters.markRemoved(tx, APP)));
        assertFalse((boolean) db.inTransaction(tx -> canisters.markRemoved(tx, APP)));
        assertEquals(List.of(), db.inTransaction(canisters::listActive));
        ProtectedCanister back = db.inTransaction(tx -> canisters.add(tx, APP, "again", SUBNET_A, null));
        assertEquals(Optional.of("again"), back.name());
        assertEquals(1, db.inTransaction(canisters::listActive).size());
    }

    @Test
    void twoActiveCanistersCannotShareAName() {
        db.inTransaction(tx -> {
            subnets.recordSeen(tx, SUBNET_A);
            return canisters.add(tx, APP, "app", SUBNET_A, null);
        });
        ConstraintViolation e = assertThrows(ConstraintViolation.class,
                () -> db.inTransaction(tx -> canisters.add(tx, REPLICA_1, "app", SUBNET_A, null)));
        assertEquals("canisters_active_name", e.constraint());
    }

    @Test
    void aFailedTransactionLeavesNothingBehind() {
        assertThrows(IllegalStateException.class, () -> db.inTransaction(tx -> {
            subnets.recordSeen(tx, SUBNET_A);
            canisters.add(tx, APP, "app", SUBNET_A, null);
            audit.record(tx, "tester", "canister.add", APP.text(), Map.of());
            throw new IllegalStateException("the IC said no after all");
        }));
        assertEquals(List.of(), db.inTransaction(subnets::list));
        assertEquals(List.of(), db.inTransaction(canisters::listActive));
        assertEquals(List.of(), db.inTransaction(tx -> audit.list(tx, null)));
    }

    @Test
    void replicasMoveOnlyFromTheStatusTheCallerExpects() {
        protectApp();
        Replica r = db.inTransaction(tx -> replicas.insert(tx, REPLICA_1, APP, SUBNET_B, Replica.Status.CREATING, null,
                null, false));
        assertEquals(Replica.Status.CREATING, r.status());
        db.inTransaction(tx -> {
            replicas.transition(tx, REPLICA_1, Replica.Status.CREATING, Replica.Status.ACTIVE);
            return null;
        });
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> {
            replicas.transition(tx, REPLICA_1, Replica.Status.CREATING, Replica.Status.ACTIVE);
            return null;
        }));
        assertEquals(List.of(REPLICA_1), db.inTransaction(tx -> replicas.listLive(tx, APP)).stream().map(Replica::id).toList());
    }

    @Test
    void aRunGoesFromPlannedToSealedAndRecordsItsImage() {
        protectAppWithReplicas();
        Run planned = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, BigInteger.TEN.pow(13),
                List.of(REPLICA_1, REPLICA_2)));
        assertEquals(Run.State.PLANNED, planned.state());
        assertEquals(2, db.inTransaction(tx -> runs.parts(tx, planned.id())).size());
        BigInteger epoch = new BigInteger("18446744073709551615");
        Run.Image image = new Run.Image(5L << 20, 1 << 20, 5, ROOT);
        Run begun = db.inTransaction(tx -> runs.begin(tx, planned.id(), epoch, image));
        assertEquals(Optional.of(epoch), begun.epoch());
        assertEquals(Optional.of(image), begun.image());
        db.inTransaction(tx -> runs.transition(tx, planned.id(), Run.State.BEGUN, Run.State.PULLING));
        db.inTransaction(tx -> runs.transition(tx, planned.id(), Run.State.PULLING, Run.State.VERIFYING));
        db.inTransaction(tx -> runs.transition(tx, planned.id(), Run.State.VERIFYING, Run.State.SEALING));
        Run sealed = db.inTransaction(tx -> runs.transition(tx, planned.id(), Run.State.SEALING, Run.State.SEALED));
        assertTrue(sealed.finishedAt().isPresent());
        assertEquals(List.of(), db.inTransaction(runs::listUnfinished));
    }

    @Test
    void aRunTransitionFromAStaleStateIsRefused() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        assertThrows(StaleStateException.class,
                () -> db.inTransaction(tx -> runs.transition(tx, run.id(), Run.State.BEGUN, Run.State.PULLING)));
        assertEquals(Run.State.PLANNED, db.inTransaction(tx -> runs.find(tx, run.id())).orElseThrow().state());
    }

    @Test
    void aCanisterNeverHasTwoUnfinishedRuns() {
        protectAppWithReplicas();
        Run first = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        ConstraintViolation e = assertThrows(ConstraintViolation.class,
                () -> db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.INCREMENTAL, null, null, List.of(REPLICA_1))));
        assertEquals("runs_one_open_per_canister", e.constraint());
        db.inTransaction(tx -> runs.fail(tx, first.id(), "source unreachable"));
        Run second = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        assertEquals(List.of(second.id()), db.inTransaction(runs::listUnfinished).stream().map(Run::id).toList());
    }

    @Test
    void aFailedRunKeepsItsReasonAndCannotFailTwice() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        Run failed = db.inTransaction(tx -> runs.fail(tx, run.id(), "cycle budget exceeded"));
        assertEquals(Optional.of("cycle budget exceeded"), failed.error());
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> runs.fail(tx, run.id(), "again")));
    }

    @Test
    void aRunHeldByALiveCoordinatorCannotBeClaimedByAnother() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        assertEquals(1, db.inTransaction(tx -> runs.claim(tx, run.id(), "coordinator-a", 60)).attempt());
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> runs.claim(tx, run.id(), "coordinator-b", 60)));
        assertEquals(2, db.inTransaction(tx -> runs.claim(tx, run.id(), "coordinator-a", 60)).attempt());
        assertEquals(3, db.inTransaction(tx -> runs.claim(tx, run.id(), "coordinator-b", 0)).attempt());
    }

    @Test
    void aLiveHolderIsTakenOverOnlyWhenItsExactOwnerStringIsPassedAsDead() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        String a = "cli@host-a:101/aaaaaaaa";
        assertTrue(db.inTransaction(tx -> runs.claim(tx, run.id(), a, 60, 4, Set.of())) instanceof RunRepository.Claim.Claimed);

        RunRepository.Claim refused = db.inTransaction(tx -> runs.claim(tx, run.id(), "cli@host-b:202/bbbbbbbb", 60, 4,
                Set.of("cli@host-a:101/aaaaaaab")));
        assertEquals(a, ((RunRepository.Claim.Held) refused).holder().owner(), "another owner string is not the holder");

        RunRepository.Claim taken = db.inTransaction(tx -> runs.claim(tx, run.id(), "cli@host-b:202/bbbbbbbb", 60, 4,
                Set.of(a)));
        RunRepository.Claim.Claimed claimed = (RunRepository.Claim.Claimed) taken;
        assertEquals(Optional.of(a), claimed.from().map(RunRepository.Holder::owner));
        assertEquals(2, claimed.run().attempt());

        RunRepository.Claim late = db.inTransaction(tx -> runs.claim(tx, run.id(), "cli@host-c:303/cccccccc", 60, 4,
                Set.of(a)));
        assertEquals("cli@host-b:202/bbbbbbbb", ((RunRepository.Claim.Held) late).holder().owner(),
                "a second coordinator that also saw the dead holder finds the run taken by the first");
    }

    @Test
    void twoCoordinatorsRacingToTakeOverOneDeadHolderHaveExactlyOneWinner() throws Exception {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        String dead = "cli@host-a:101/dddddddd";
        db.inTransaction(tx -> runs.claim(tx, run.id(), dead, 60));
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<RunRepository.Claim>> outcomes = new java.util.ArrayList<>();
            for (String me : List.of("cli@host-b:202/bbbbbbbb", "cli@host-c:303/cccccccc")) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return db.inTransaction(tx -> runs.claim(tx, run.id(), me, 60, 4, Set.of(dead)));
                }));
            }
            long winners = 0;
            for (java.util.concurrent.Future<RunRepository.Claim> f : outcomes) {
                winners += f.get() instanceof RunRepository.Claim.Claimed ? 1 : 0;
            }
            assertEquals(1, winners, "one coordinator takes the run, the other finds it held by the winner");
            assertEquals(2, db.inTransaction(tx -> runs.find(tx, run.id())).orElseThrow().attempt());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theBoundCountsRunsUnderALiveLeaseExceptThoseOfOwnersKnownDead() {
        protectAppWithReplicas();
        PrincipalId other = PrincipalId.parse("rdmx6-jaaaa-aaaaa-aaadq-cai");
        db.inTransaction(tx -> canisters.add(tx, other, "other", SUBNET_A, null));
        Run first = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        Run second = db.inTransaction(tx -> runs.plan(tx, other, Run.Kind.FULL, null, null, List.of()));
        String a = "cli@host-a:101/aaaaaaaa";
        db.inTransaction(tx -> runs.claim(tx, first.id(), a, 60, 1, Set.of()));

        RunRepository.Claim full = db.inTransaction(tx -> runs.claim(tx, second.id(), "b", 60, 1, Set.of()));
        assertEquals(List.of(first.id()), ((RunRepository.Claim.AtBound) full).driving().stream()
                .map(RunRepository.Holder::run).toList());
        assertEquals(0, db.inTransaction(tx -> runs.find(tx, second.id())).orElseThrow().attempt(), "nothing claimed");
        assertTrue(db.inTransaction(tx -> runs.claim(tx, second.id(), "b", 60, 2, Set.of()))
                instanceof RunRepository.Claim.Claimed, "a bound of 2 leaves room");
        db.inTransaction(tx -> {
            runs.release(tx, second.id(), "b");
            return null;
        });
        assertTrue(db.inTransaction(tx -> runs.claim(tx, second.id(), "b", 60, 1, Set.of(a)))
                instanceof RunRepository.Claim.Claimed, "a dead owner's run does not count");
        db.inTransaction(tx -> {
            runs.release(tx, second.id(), "b");
            return null;
        });
        assertTrue(db.inTransaction(tx -> runs.claim(tx, second.id(), "b", 0, 1, Set.of()))
                instanceof RunRepository.Claim.Claimed, "an expired lease does not count");
    }

    @Test
    void chunkProgressIsKeptPerRangeAndCountsAttempts() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        db.inTransaction(tx -> {
            runs.planChunks(tx, run.id(), REPLICA_1, 10, 4);
            return null;
        });
        List<ChunkRange> ranges = db.inTransaction(tx -> runs.chunks(tx, run.id(), REPLICA_1));
        assertEquals(List.of(0, 4, 8), ranges.stream().map(ChunkRange::first).toList());
        assertEquals(List.of(3, 7, 9), ranges.stream().map(ChunkRange::last).toList());
        db.inTransaction(tx -> {
            runs.markChunks(tx, run.id(), REPLICA_1, 4, ChunkRange.State.PENDING, ChunkRange.State.REQUESTED, 0);
            runs.markChunks(tx, run.id(), REPLICA_1, 4, ChunkRange.State.REQUESTED, ChunkRange.State.DONE, 4L << 20);
            return null;
        });
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> {
            runs.markChunks(tx, run.id(), REPLICA_1, 4, ChunkRange.State.REQUESTED, ChunkRange.State.DONE, 0);
            return null;
        }));
        ChunkRange done = db.inTransaction(tx -> runs.chunks(tx, run.id(), REPLICA_1)).get(1);
        assertEquals(new ChunkRange(run.id(), REPLICA_1, 4, 7, ChunkRange.State.DONE, 1, 4L << 20), done);
    }

    @Test
    void chunkProgressForAReplicaOutsideTheRunIsRefused() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        assertThrows(ConstraintViolation.class, () -> db.inTransaction(tx -> {
            runs.planChunks(tx, run.id(), REPLICA_2, 3, 1);
            return null;
        }));
    }

    @Test
    void aGenerationIsSealedOnlyUnderTheRootThatWasRecorded() {
        protectAppWithReplicas();
        Generation g = db.inTransaction(tx -> generations.record(tx, REPLICA_1, null, BigInteger.ONE, ROOT, 100, 1,
                null, null));
        assertFalse(g.sealed());
        assertEquals(Optional.empty(), db.inTransaction(tx -> generations.latestSealed(tx, REPLICA_1)));
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> generations.seal(tx, g.id(), OTHER_ROOT)));
        Generation sealed = db.inTransaction(tx -> generations.seal(tx, g.id(), ROOT));
        assertTrue(sealed.sealed());
        assertEquals(Optional.of(sealed), db.inTransaction(tx -> generations.latestSealed(tx, REPLICA_1)));
        assertThrows(StaleStateException.class, () -> db.inTransaction(tx -> generations.seal(tx, g.id(), ROOT)));
    }

    @Test
    void aReplicaHoldsOneGenerationPerEpoch() {
        protectAppWithReplicas();
        db.inTransaction(tx -> generations.record(tx, REPLICA_1, null, BigInteger.TWO, ROOT, 1, 1, null, null));
        assertThrows(ConstraintViolation.class, () -> db.inTransaction(
                tx -> generations.record(tx, REPLICA_1, null, BigInteger.TWO, OTHER_ROOT, 1, 1, null, null)));
    }

    @Test
    void theLedgerKeepsU128AmountsAndSumsWhatARunSpentWithoutItsTopUps() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        BigInteger huge = BigInteger.TWO.pow(128).subtract(BigInteger.ONE);
        db.inTransaction(tx -> {
            ledger.record(tx, new CycleEntry.New(run.id(), APP, null, null, CycleEntry.Kind.ESTIMATE, huge, "forecast"));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.TRANSFER,
                    BigInteger.valueOf(1_070_000_000_000L), null));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.EXECUTION,
                    BigInteger.valueOf(5_000_000), null));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.TOP_UP,
                    BigInteger.valueOf(2_000_000_000_000L), "a top-up adds to a balance; it is not spent"));
            return null;
        });
        assertEquals(BigInteger.valueOf(1_070_005_000_000L), db.inTransaction(tx -> ledger.spentByRun(tx, run.id())));
        assertEquals(huge, db.inTransaction(tx -> ledger.forRun(tx, run.id())).get(0).amount());
    }

    @Test
    void aRunsBalanceIsKeptOncePerPhaseAndTheReplicasRowsNetOutOvercountsAndTopUpsWhichCountForTheirOwnCanisterOnly() {
        protectAppWithReplicas();
        Run run = db.inTransaction(tx -> runs.plan(tx, APP, Run.Kind.FULL, null, null, List.of(REPLICA_1)));
        RunBalances balances = new RunBalances();
        BigInteger first = BigInteger.valueOf(3_000_000_000_000L);
        assertTrue((boolean) db.inTransaction(tx -> balances.record(tx, run.id(), REPLICA_1, RunBalances.Role.REPLICA,
                RunBalances.Phase.BEFORE, first, null)));
        // a resumed run reads again: the first reading stands
        assertFalse((boolean) db.inTransaction(tx -> balances.record(tx, run.id(), REPLICA_1, RunBalances.Role.REPLICA,
                RunBalances.Phase.BEFORE, BigInteger.ONE, null)));
        assertTrue((boolean) db.inTransaction(tx -> balances.record(tx, run.id(), APP, RunBalances.Role.SOURCE,
                RunBalances.Phase.BEFORE, null, "not a controller")));
        List<RunBalances.Reading> read = db.inTransaction(tx -> balances.forRun(tx, run.id()));
        assertEquals(2, read.size());
        assertEquals(Optional.of(first), db.inTransaction(tx -> balances.find(tx, run.id(), REPLICA_1,
                RunBalances.Phase.BEFORE)).orElseThrow().cycles());
        assertEquals(Optional.of("not a controller"), read.stream().filter(r -> r.canister().equals(APP)).findFirst()
                .orElseThrow().unreadable());
        assertThrows(IllegalArgumentException.class, () -> db.inTransaction(tx -> balances.record(tx, run.id(), REPLICA_2,
                RunBalances.Role.REPLICA, RunBalances.Phase.BEFORE, null, null)));

        db.inTransaction(tx -> {
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.TRANSFER,
                    BigInteger.valueOf(1_000), null));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.OVERCOUNT,
                    BigInteger.valueOf(30), null));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, REPLICA_1, null, CycleEntry.Kind.TOP_UP,
                    BigInteger.valueOf(500), null));
            ledger.record(tx, new CycleEntry.New(run.id(), APP, null, null, CycleEntry.Kind.ESTIMATE,
                    BigInteger.valueOf(9_999), null));
            return null;
        });
        assertEquals(BigInteger.valueOf(970), db.inTransaction(tx -> ledger.spentByReplica(tx, run.id(), REPLICA_1)));
        java.time.Instant from = read.get(0).readAt().minusSeconds(60);
        assertEquals(BigInteger.valueOf(500), db.inTransaction(tx -> ledger.toppedUp(tx, REPLICA_1, from,
                java.time.Instant.now().plusSeconds(60))));
        assertEquals(BigInteger.ZERO, db.inTransaction(tx -> ledger.toppedUp(tx, REPLICA_1, from, from.plusSeconds(1))));
        assertEquals(BigInteger.ZERO, db.inTransaction(tx -> ledger.toppedUp(tx, APP, from,
                java.time.Instant.now().plusSeconds(60))), "a replica's top-up row names its source too, but adds"
                        + " nothing to the source's balance");
        db.inTransaction(tx -> ledger.record(tx, new CycleEntry.New(null, APP, null, null, CycleEntry.Kind.TOP_UP,
                BigInteger.valueOf(70), "the source's own top-up")));
        assertEquals(BigInteger.valueOf(70), db.inTransaction(tx -> ledger.toppedUp(tx, APP, from,
                java.time.Instant.now().plusSeconds(60))));
        assertEquals(BigInteger.valueOf(500), db.inTransaction(tx -> ledger.toppedUp(tx, REPLICA_1, from,
                java.time.Instant.now().plusSeconds(60))));
    }

    @Test
    void theLedgerRefusesNegativeAmounts() {
        ConstraintViolation e = assertThrows(ConstraintViolation.class, () -> db.inTransaction(tx -> ledger.record(tx,
                new CycleEntry.New(null, null, null, null, CycleEntry.Kind.TOP_UP, BigInteger.valueOf(-1), null))));
        assertEquals("cycle_ledger_amount_check", e.constraint());
    }

    @Test
    void auditEventsKeepTheirJsonDetail() {
        db.inTransaction(tx -> audit.record(tx, "2vxsx-fae", "canister.add", APP.text(), Map.of("name", "app")));
        AuditEvent e = db.inTransaction(tx -> audit.list(tx, APP.text())).get(0);
        assertEquals("canister.add", e.action());
        assertEquals("{\"name\": \"app\"}", e.detail());
    }

    private void protectApp() {
        db.inTransaction(tx -> {
            subnets.recordSeen(tx, SUBNET_A);
            subnets.recordSeen(tx, SUBNET_B);
            return canisters.add(tx, APP, "app", SUBNET_A, null);
        });
    }

    private void protectAppWithReplicas() {
        protectApp();
        db.inTransaction(tx -> {
            replicas.insert(tx, REPLICA_1, APP, SUBNET_B, Replica.Status.ACTIVE, null, null, false);
            replicas.insert(tx, REPLICA_2, APP, SUBNET_B, Replica.Status.ACTIVE, null, null, false);
            return null;
        });
    }

    private static byte[] filled(byte b) {
        byte[] bytes = new byte[32];
        java.util.Arrays.fill(bytes, b);
        return bytes;
    }

}
