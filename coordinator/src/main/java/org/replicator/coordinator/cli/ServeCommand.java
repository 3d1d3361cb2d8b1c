package org.replicator.coordinator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.http.RequestAuthenticator;
import org.replicator.coordinator.http.StatusServer;
import org.replicator.coordinator.http.UsersApi;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.users.StorageBillingJob;
import org.replicator.coordinator.users.Detacher;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserBackups;
import org.replicator.coordinator.users.UserSchedules;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the coordinator until interrupted: the schedules (`replicator schedule`), shared as a"
                + " Quartz cluster with every other `replicator serve` on the same database, and the status over HTTP:"
                + " JSON under /api/canisters (canisters, their primary after a failover, replicas, latest run) and"
                + " Prometheus metrics under /metrics, read from the database at each request. The HTTP surface is"
                + " read-only and binds to 127.0.0.1 unless --bind."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "the port to listen on (default: 8080; 0 picks a free one)")
    int port = 8080;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "the address to listen on (default: 127.0.0.1)")
    String bind = "127.0.0.1";

    @Option(names = "--no-scheduler", description = "serve the status only; run no scheduled replication here")
    boolean noScheduler;

    @Option(names = "--cluster-checkin", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how often this process tells the cluster it is alive; a process silent for longer is"
                    + " taken to be dead and its running jobs recovered by another (default: 7500ms)")
    Duration clusterCheckin = Duration.ofMillis(7500);

    @Option(names = "--billing-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how often users are charged for their backup canisters' storage and generations past"
                    + " their deletion date are deleted; one process of the cluster sweeps per interval; the last"
                    + " process started sets the interval (default: 1h)")
    Duration billingInterval = Duration.ofHours(1);

    @Option(names = "--admin-token-file", paramLabel = "FILE",
            description = "a file holding the operator's token for the users API (sent as Authorization: Bearer"
                    + " TOKEN); default: the environment variable REPLICATOR_ADMIN_TOKEN; with neither, the"
                    + " operator's endpoints answer 403")
    Path adminTokenFile;

    @Option(names = "--user-backup-cycles", paramLabel = "C",
            description = "the cycles a user's new backup canister starts with, which the user's"
                    + " balance must cover besides the creation fee (default 2000000000000)")
    BigInteger userBackupCycles = BigInteger.valueOf(2_000_000_000_000L);

    @Option(names = "--user-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how long a paused user's generations are kept before they may be deleted, announced when"
                    + " the user is paused (default: 720h, 30 days)")
    Duration userGrace = UserAccounts.DEFAULT_GRACE;

    @Override
    public Integer call() throws IOException, InterruptedException, SchedulerException {
        PrintWriter err = spec.commandLine().getErr();
        if (billingInterval.isNegative() || billingInterval.isZero()) {
            throw new CommandFailure(ExitCodes.USAGE, "--billing-interval must be positive, not " + billingInterval);
        }
        Optional<String> adminToken = adminToken();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C ends the JVM; the hook lets the server and an embedded database shut down first
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Session session = new Session(root, err)) {
            // users' backups are scheduled into the cluster's tables even when this process runs no jobs
            Scheduler scheduler = ScheduledReplication.scheduler(session.database(), session::gateway, clusterCheckin,
                    new ConsoleRunProgress(err), userGrace);
            try {
                UserSchedules schedules = new UserSchedules(scheduler);
                UserAccounts accounts = new UserAccounts(session.database(), schedules, userGrace);
                UsersApi users = new UsersApi(session.database(),
                        new RequestAuthenticator(session.database(), adminToken, Clock.systemUTC()), accounts,
                        // the IC is reached only when a user asks for a backup canister
                        () -> new UserBackups(session.database(), session.gateway(),
                                CyclesFunding.forNetwork(session.gateway()), FeeTable.load(), accounts, schedules,
                                userBackupCycles),
                        () -> new Detacher(session.database(), session.gateway(), schedules, accounts));
                try (StatusServer server = StatusServer.start(session.database(), new InetSocketAddress(bind, port),
                        Optional.of(users))) {
                    err.println("serving " + server.url() + "api/canisters, " + server.url() + "api/users and "
                            + server.url() + "metrics; Ctrl-C stops");
                    if (adminToken.isEmpty()) {
                        err.println("no admin token: the operator's endpoints of the users API answer 403; "
                                + RequestAuthenticator.ADMIN_TOKEN_HELP);
                    }
                    if (!noScheduler) {
                        StorageBillingJob.schedule(scheduler, billingInterval);
                        scheduler.start();
                        err.println("running the schedules (`replicator schedule list`) as "
                                + scheduler.getSchedulerInstanceId() + " of cluster " + scheduler.getSchedulerName()
                                + "; storage billing every " + billingInterval);
                    }
                    err.flush();
                    stop.await();
                }
            } finally {
                // a run in progress is left to its lease: another coordinator takes it over
                scheduler.shutdown(false);
            }
            return ExitCodes.OK;
        } finally {
            closed.countDown();
        }
    }

    private Optional<String> adminToken() {
        String token;
        if (adminTokenFile != null) {
            try {
                token = Files.readString(adminTokenFile, StandardCharsets.UTF_8).trim();
            } catch (NoSuchFileException e) {
                throw new CommandFailure(ExitCodes.USAGE, "--admin-token-file " + adminTokenFile + " does not exist");
            } catch (IOException e) {
                throw new CommandFailure(ExitCodes.USAGE, "--admin-token-file " + adminTokenFile + " cannot be read: "
                        + e.getMessage());
            }
            if (token.isEmpty()) {
                throw new CommandFailure(ExitCodes.USAGE, "--admin-token-file " + adminTokenFile + " is empty");
            }
        } else {
            token = System.getenv("REPLICATOR_ADMIN_TOKEN");
            if (token == null || token.isBlank()) {
                return Optional.empty();
            }
            token = token.trim();
        }
        return Optional.of(token);
    }
}
