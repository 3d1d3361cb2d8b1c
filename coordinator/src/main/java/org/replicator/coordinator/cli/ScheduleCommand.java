package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.schedule.RetentionPolicy;
import org.replicator.coordinator.schedule.Schedule;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.schedule.Schedules;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Schedules replication. The schedules live in the database; every `replicator serve` on that"
                + " database runs them as one Quartz cluster, each firing on exactly one of them."},
        subcommands = {ScheduleCommand.Set.class, ScheduleCommand.ListSchedules.class, ScheduleCommand.Pause.class,
                ScheduleCommand.Resume.class, ScheduleCommand.Remove.class})
final class ScheduleCommand implements Runnable {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs {@code work} with the schedules of the session's database; the scheduler is never started here. */
    static <T> T withSchedules(Session session, java.util.function.Function<Schedules, T> work) {
        Scheduler scheduler = ScheduledReplication.scheduler(session.database(), session::gateway,
                Duration.ofSeconds(15), new RunProgress() { });
        try {
            return work.apply(new Schedules(session.database(), scheduler));
        } finally {
            try {
                scheduler.shutdown(false);
            } catch (SchedulerException e) {
                // nothing was started; the tables are as the work left them
            }
        }
    }

    static Map<String, Object> toJson(Schedule s, Optional<Instant> next, Optional<Instant> previous) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("canister", s.canister().text());
        m.put("cron", s.cron().orElse(null));
        m.put("every_seconds", s.every().map(Duration::toSeconds).orElse(null));
        m.put("full_every_seconds", s.fullEvery().map(Duration::toSeconds).orElse(null));
        m.put("keep_last", s.retention().last());
        m.put("keep_daily", s.retention().daily());
        m.put("keep_weekly", s.retention().weekly());
        m.put("paused", s.paused());
        m.put("next_fire", next.map(Instant::toString).orElse(null));
        m.put("previous_fire", previous.map(Instant::toString).orElse(null));
        return m;
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Sets (or replaces) CANISTER's schedule: runs fire by --cron or --every; a run is full when"
                    + " the last full run is older than --full-every (or there is none), incremental otherwise; after"
                    + " each sealed run the retention policy drops the generations it does not keep."})
    static final class Set implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
        String canister;

        @ArgGroup(exclusive = true, multiplicity = "1")
        When when;

        static final class When {
            @Option(names = "--cron", paramLabel = "EXPR", description = "a Quartz cron expression in UTC, e.g."
                    + " \"0 0/15 * * * ?\" (every 15 minutes)")
            String cron;

            @Option(names = {"--every", "--incremental-every"}, paramLabel = "DURATION", converter = DurationConverter.class,
                    description = "a fixed interval, e.g. 15m, 1h")
            Duration every;
        }

        @Option(names = "--full-every", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "make a fired run full when the last full one is older, e.g. 7d as 168h (default: only"
                        + " the first run is full)")
        Duration fullEvery;

        @Option(names = "--keep-last", paramLabel = "N", description = "generations kept per replica (default: 7)")
        int keepLast = 7;

        @Option(names = "--keep-daily", paramLabel = "D", description = "also keep the newest of each of the last D days")
        int keepDaily;

        @Option(names = "--keep-weekly", paramLabel = "W", description = "also keep the newest of each of the last W weeks")
        int keepWeekly;

        @Option(names = "--paused", description = "set it paused")
        boolean paused;

        @Override
        public Integer call() {
            RetentionPolicy retention;
            try {
                retention = new RetentionPolicy(keepLast, keepDaily, keepWeekly);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if ((when.every != null && when.every.isZero()) || (fullEvery != null && fullEvery.isZero())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "intervals must be longer than zero");
            }
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                Schedule wanted = new Schedule(new org.replicator.coordinator.ids.PrincipalId(canister),
                        Optional.ofNullable(when.cron), Optional.ofNullable(when.every), Optional.ofNullable(fullEvery),
                        retention, paused);
                Schedule s = withSchedules(session, schedules -> schedules.set(canister, wanted,
                        session.identity().principal().text()));
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(s, Optional.empty(), Optional.empty()));
                } else {
                    out.println("schedule of " + s.canister() + ": " + s.describe());
                    out.flush();
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the schedules with their next firing.")
    static final class ListSchedules implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                List<Schedules.Listed> all = withSchedules(session, Schedules::list);
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, all.stream().map(l -> toJson(l.schedule(), l.nextFire(), l.previousFire())).toList());
                } else if (all.isEmpty()) {
                    out.println("no schedules; set one with `replicator schedule set CANISTER --every 1h`");
                } else {
                    for (Schedules.Listed l : all) {
                        out.println(l.schedule().canister() + "  " + l.schedule().describe() + "  next: "
                                + l.nextFire().map(Instant::toString).orElse(l.schedule().paused() ? "paused" : "-"));
                    }
                }
                out.flush();
                return ExitCodes.OK;
            }
        }
    }

    abstract static class OnOne implements Callable<Integer> {
        @ParentCommand
        ScheduleCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
        String canister;

        abstract String apply(Schedules schedules, String actor);

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                String said = withSchedules(session, s -> apply(s, session.identity().principal().text()));
                spec.commandLine().getOut().println(said);
                spec.commandLine().getOut().flush();
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pauses CANISTER's schedule (a run in"
            + " progress finishes).")
    static final class Pause extends OnOne {
        @Override
        String apply(Schedules schedules, String actor) {
            return "schedule of " + schedules.pause(canister, true, actor).canister() + " paused";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes CANISTER's paused schedule; a"
            + " firing missed meanwhile is made up once.")
    static final class Resume extends OnOne {
        @Override
        String apply(Schedules schedules, String actor) {
            return "schedule of " + schedules.pause(canister, false, actor).canister() + " resumed";
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes CANISTER's schedule.")
    static final class Remove extends OnOne {
        @Override
        String apply(Schedules schedules, String actor) {
            schedules.remove(canister, actor);
            return "schedule of " + canister + " removed";
        }
    }
}
