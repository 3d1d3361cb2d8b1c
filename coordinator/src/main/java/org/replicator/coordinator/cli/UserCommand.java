package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.http.UserDocuments;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.users.Account;
import org.replicator.coordinator.users.BackupRequest;
import org.replicator.coordinator.users.Statement;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserBackups;
import org.replicator.coordinator.users.UserSchedules;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "user", mixinStandardHelpOptions = true,
        description = {"Users' backup canisters: accounts (deposits, limits, statements) and the backup canisters users"
                + " hold of the canisters that allow it. See docs/users.md."},
        subcommands = {UserCommand.Deposit.class, UserCommand.Limits.class, UserCommand.Request.class,
                UserCommand.ListUsers.class, UserCommand.Show.class, UserCommand.StatementOf.class, UserBillCommand.class,
                UserVerifyCommand.class, UserDetachCommand.class})
final class UserCommand implements Runnable {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, scope =
            CommandLine.ScopeType.INHERIT, description = "how long a paused user's generations are kept before they may be"
            + " deleted, when this command pauses one (default: 720h, 30 days)")
    Duration grace = UserAccounts.DEFAULT_GRACE;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The session's accounts and users' schedules. */
    record Users(UserAccounts accounts, UserSchedules schedules) {
    }

    <T> T withAccounts(Session session, Function<UserAccounts, T> work) {
        return withUsers(session, users -> work.apply(users.accounts()));
    }

    /** Runs {@code work} on a scheduler that is never started here: only `replicator serve` runs jobs. */
    <T> T withUsers(Session session, Function<Users, T> work) {
        Scheduler scheduler = ScheduledReplication.scheduler(session.database(), session::gateway,
                Duration.ofSeconds(15), new RunProgress() { }, grace);
        try {
            UserSchedules schedules = new UserSchedules(scheduler);
            return work.apply(new Users(new UserAccounts(session.database(), schedules, grace), schedules));
        } finally {
            try {
                scheduler.shutdown(false);
            } catch (SchedulerException e) {
                // nothing was started; the tables are as the work left them
            }
        }
    }

    /** The account as the users API shows it (docs/api.md) with --json, else as text. */
    static void show(Session session, PrintWriter out, Account a) {
        if (session.json()) {
            Output.json(out, UserDocuments.account(a));
        } else {
            printAccount(out, a);
        }
        out.flush();
    }

    static void printAccount(PrintWriter out, Account a) {
        User u = a.user();
        out.println("user " + u.principal() + ": " + u.status().column() + " since " + u.statusSince()
                + ", balance " + a.balance() + " cycles (warned below " + u.warnBelow() + ")");
        u.deletionDueAt().ifPresent(d -> out.println("  NOTICE: generations will be deleted after " + d
                + " unless the balance is brought above 0"));
        out.println("  limits: " + u.maxBackups() + " backup canister(s), " + u.maxRequestsPerHour() + " requests/hour");
        for (UserBackup b : a.backups()) {
            out.println("  " + b.replica() + "  of " + b.canister() + "  " + b.state().column() + "  "
                    + b.describeSchedule());
        }
    }

    @Command(name = "deposit", mixinStandardHelpOptions = true,
            description = {"Credits cycles a user paid in to their account, opening it if new. Give the payment's id as"
                    + " --reference: a deposit with a reference already recorded is not credited again. A deposit that"
                    + " brings a paused user back above 0 resumes their backups."})
    static final class Deposit implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "the user's principal")
        String principal;

        @Option(names = "--cycles", paramLabel = "C", required = true, description = "cycles paid in (at least 1)")
        BigInteger cycles;

        @Option(names = "--reference", paramLabel = "REF", description = "the payment's id, so it is credited once")
        String reference;

        @Override
        public Integer call() {
            if (cycles.signum() <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--cycles must be at least 1, not " + cycles);
            }
            PrincipalId user = PrincipalId.parse(principal);
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                Account a = parent.withAccounts(session, accounts -> {
                    accounts.deposit(user, cycles, reference, session.identity().principal().text());
                    return accounts.account(user);
                });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, UserDocuments.account(a));
                } else {
                    out.println("deposited " + cycles + " cycles for " + user + "; balance " + a.balance() + " ("
                            + a.user().status().column() + ")");
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "limits", mixinStandardHelpOptions = true,
            description = {"Sets a user's limits (opening the account if new); options not given stay as they are."})
    static final class Limits implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "the user's principal")
        String principal;

        @Option(names = "--max-backups", paramLabel = "N", description = "backup canisters the user may hold (default 2)")
        Integer maxBackups;

        @Option(names = "--max-requests-per-hour", paramLabel = "N",
                description = "state-changing requests per hour, accepted or refused (default 10)")
        Integer maxRequestsPerHour;

        @Option(names = "--warn-below", paramLabel = "C", description = "warn the user below this balance (default 1 T)")
        BigInteger warnBelow;

        @Override
        public Integer call() {
            PrincipalId user = PrincipalId.parse(principal);
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                Account a = parent.withAccounts(session, accounts -> {
                    accounts.setLimits(user, maxBackups, maxRequestsPerHour, warnBelow,
                            session.identity().principal().text());
                    return accounts.account(user);
                });
                show(session, spec.commandLine().getOut(), a);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "request", mixinStandardHelpOptions = true,
            description = {"Creates a backup canister of CANISTER for a user, with the user among its controllers,"
                    + " replicating on the user's schedule and charged to the user's account. Refused, with nothing"
                    + " created, when the canister does not allow users' backups, the user is over their quota or rate"
                    + " limit, paused, or their balance does not cover the creation fee and the canister's first cycles."})
    static final class Request implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "the user's principal")
        String principal;

        @Parameters(index = "1", paramLabel = "CANISTER", description = "the protected canister's id or name")
        String canister;

        @Option(names = "--subnet", paramLabel = "SUBNET", description = "the subnet to create it on (default: placed"
                + " like any replica, off the canister's own subnet)")
        String subnet;

        @ArgGroup(exclusive = true)
        When when;

        static final class When {
            @Option(names = "--cron", paramLabel = "EXPR", description = "a Quartz cron expression in UTC")
            String cron;

            @Option(names = "--every", paramLabel = "DURATION", converter = DurationConverter.class,
                    description = "a fixed interval, at least 1m (default: 24h)")
            Duration every;
        }

        @Option(names = "--full-every", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "make a run full when the last full one is older (default: only the first)")
        Duration fullEvery;

        @Option(names = "--keep-last", paramLabel = "N", description = "generations kept (default: 3)")
        Integer keepLast;

        @Option(names = "--cycles", paramLabel = "C", description = "the canister's first cycles, which the user's"
                + " balance must cover besides the creation fee (default 2000000000000)")
        BigInteger cycles = BigInteger.valueOf(2_000_000_000_000L);

        @Override
        public Integer call() {
            PrincipalId user = PrincipalId.parse(principal);
            Optional<PrincipalId> on = Optional.ofNullable(subnet).map(PrincipalId::parse);
            if (cycles.signum() <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--cycles must be at least 1, not " + cycles);
            }
            BackupRequest request = new BackupRequest(user, canister, on,
                    Optional.ofNullable(when).map(w -> w.every), Optional.ofNullable(when).map(w -> w.cron),
                    Optional.ofNullable(fullEvery), Optional.ofNullable(keepLast));
            PrintWriter err = spec.commandLine().getErr();
            try (Session session = new Session(parent.root, err)) {
                UserBackup b = parent.withUsers(session, users -> {
                    UserBackups backups = new UserBackups(session.database(), session.gateway(),
                            ReplicaCommand.funding(session), FeeTable.load(), users.accounts(), users.schedules(), cycles);
                    return backups.request(request, session.identity().principal().text(), step -> {
                        if (!session.json()) {
                            err.println("  " + step);
                            err.flush();
                        }
                    });
                });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, UserDocuments.backup(b));
                } else {
                    out.println("backup canister " + b.replica() + " of " + b.canister() + " for " + user + ": "
                            + b.describeSchedule());
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists users with their standing and balance.")
    static final class ListUsers implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                List<Account> all = parent.withAccounts(session, UserAccounts::accounts);
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, all.stream().map(UserDocuments::account).toList());
                } else if (all.isEmpty()) {
                    out.println("no users yet; an account opens with a deposit (`replicator user deposit`)");
                } else {
                    for (Account a : all) {
                        out.println(a.user().principal() + "  " + a.user().status().column() + "  balance " + a.balance()
                                + "  backups " + a.held() + "/" + a.user().maxBackups());
                    }
                }
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows a user's standing, balance, limits, deletion notice if any, and backup canisters.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "the user's principal")
        String principal;

        @Override
        public Integer call() {
            PrincipalId user = PrincipalId.parse(principal);
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                Account a = parent.withAccounts(session, accounts -> accounts.account(user));
                show(session, spec.commandLine().getOut(), a);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "statement", mixinStandardHelpOptions = true,
            description = {"A user's statement: every deposit and charge (creation, each run, each storage period,"
                    + " detach) with the balance after it, for one month (UTC) or all time."})
    static final class StatementOf implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "the user's principal")
        String principal;

        @Option(names = "--month", paramLabel = "YYYY-MM", description = "only this month (default: all time)")
        String month;

        @Override
        public Integer call() {
            PrincipalId user = PrincipalId.parse(principal);
            YearMonth m;
            try {
                m = month == null ? null : YearMonth.parse(month);
            } catch (DateTimeParseException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--month must be YYYY-MM, e.g. 2026-12, not "
                        + month);
            }
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                Statement s = parent.withAccounts(session, accounts -> accounts.statement(user, m));
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, UserDocuments.statement(s));
                } else {
                    out.println("statement of " + user + (m == null ? " (all time)" : " for " + m) + ", "
                            + s.user().status().column());
                    out.printf("%-24s %-9s %20s %20s  %s%n", "at", "kind", "amount", "balance", "detail");
                    out.printf("%-24s %-9s %20s %20s%n", "", "opening", "", s.opening());
                    BigInteger balance = s.opening();
                    for (UserEntry e : s.entries()) {
                        balance = balance.add(e.signedAmount());
                        out.printf("%-24s %-9s %20s %20s  %s%n", e.at(), e.kind().column(), e.signedAmount(), balance,
                                detail(e));
                    }
                    out.printf("%-24s %-9s %20s %20s%n", "", "closing", "", s.closing());
                    s.user().deletionDueAt().ifPresent(d -> out.println("NOTICE: the account is paused; generations"
                            + " will be deleted after " + d + " unless the balance is brought above 0"));
                }
                out.flush();
            }
            return ExitCodes.OK;
        }

        private static String detail(UserEntry e) {
            List<String> parts = new ArrayList<>();
            e.replica().ifPresent(r -> parts.add(r.text()));
            e.run().ifPresent(r -> parts.add("run " + r));
            e.periodStart().ifPresent(p -> parts.add(p + " .. " + e.periodEnd().map(Object::toString).orElse("")));
            e.bytes().ifPresent(b -> parts.add(b + " bytes"));
            e.estimate().ifPresent(x -> parts.add("fee table " + x));
            e.reference().ifPresent(r -> parts.add("ref " + r));
            e.note().ifPresent(parts::add);
            return String.join(", ", parts);
        }
    }
}
