package org.replicator.coordinator.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Run;

/**
 * A coordinator in its own JVM, to be killed with SIGKILL: it builds the engine as
 * {@code replicator replicate} does, and when the run reaches the point named by its last argument
 * it prints {@code reached run <id> owner <owner>} and blocks until it is killed.
 *
 * <p>Arguments: JDBC URL, database user, network URL, identity PEM, canister, point (a
 * {@link CoordinatorKilledMidRunTest.Point}).
 */
public final class CoordinatorToKill {
    private CoordinatorToKill() {
    }

    public static void main(String[] args) throws Exception {
        CoordinatorKilledMidRunTest.Point point = CoordinatorKilledMidRunTest.Point.valueOf(args[5]);
        Owner owner = Owner.current("cli");
        Database db = Database.open(new DatabaseTarget.External(args[0], args[1], null));
        db.migrate();
        IcGateway gateway = IcGateway.connect(Network.parse(args[2]), Identities.fromPemFile(Path.of(args[3])),
                Duration.ofSeconds(60));
        RunProgress progress = new RunProgress() {
            @Override
            public void state(Run run) {
                if (point.state() == run.state() && point != CoordinatorKilledMidRunTest.Point.PULLING) {
                    reached(run.id(), owner);
                }
            }

            @Override
            public void pulled(long runId, PrincipalId replica, long done, long total, long bytes) {
                if (point == CoordinatorKilledMidRunTest.Point.PULLING && done > 0) {
                    reached(runId, owner);
                }
            }
        };
        ReplicationEngine engine = ReplicationEngine.connected(db, gateway, EngineSettings.defaults(), owner, progress);
        Run run = engine.unfinishedOf(args[4])
                .orElseGet(() -> engine.plan(args[4], Run.Kind.FULL, null, "coordinator-to-kill"));
        Run done = engine.drive(run.id(), true);
        System.out.println("not killed: run " + done.id() + " " + done.state());
    }

    private static void reached(long runId, Owner owner) {
        System.out.println("reached run " + runId + " owner " + owner);
        System.out.flush();
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
