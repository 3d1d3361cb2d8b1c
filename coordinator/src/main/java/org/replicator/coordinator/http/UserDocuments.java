package org.replicator.coordinator.http;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.users.Account;
import org.replicator.coordinator.users.Statement;

/**
 * The JSON documents of the users API. Cycle amounts are strings: they exceed what JSON numbers
 * carry exactly in many clients.
 */
public final class UserDocuments {
    private UserDocuments() {
    }

    public static Map<String, Object> account(Account a) {
        User u = a.user();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("principal", u.principal().text());
        m.put("status", u.status().column());
        m.put("status_since", u.statusSince().toString());
        m.put("balance", a.balance().toString());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_backups", u.maxBackups());
        limits.put("max_requests_per_hour", u.maxRequestsPerHour());
        limits.put("warn_below", u.warnBelow().toString());
        m.put("limits", limits);
        m.put("deletion_due_at", instant(u.deletionDueAt()));
        m.put("notice", notice(u));
        m.put("created_at", u.createdAt().toString());
        m.put("backups", a.backups().stream().map(UserDocuments::backup).toList());
        return m;
    }

    public static Map<String, Object> backup(UserBackup b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("replica", b.replica().text());
        m.put("canister", b.canister().text());
        m.put("state", b.state().column());
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("every", b.every().map(UserDocuments::duration).orElse(null));
        schedule.put("cron", b.cron().orElse(null));
        schedule.put("full_every", b.fullEvery().map(UserDocuments::duration).orElse(null));
        schedule.put("keep_last", b.keepLast());
        schedule.put("description", b.describeSchedule());
        m.put("schedule", schedule);
        m.put("requested_at", b.requestedAt().toString());
        m.put("detached_at", instant(b.detachedAt()));
        return m;
    }

    public static Map<String, Object> statement(Statement s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("principal", s.user().principal().text());
        m.put("from", s.from() == null ? null : s.from().toString());
        m.put("to", s.to() == null ? null : s.to().toString());
        m.put("opening", s.opening().toString());
        m.put("closing", s.closing().toString());
        m.put("status", s.user().status().column());
        m.put("deletion_due_at", instant(s.user().deletionDueAt()));
        m.put("notice", notice(s.user()));
        m.put("entries", s.entries().stream().map(UserDocuments::entry).toList());
        return m;
    }

    public static Map<String, Object> entry(UserEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("entry", e.id());
        m.put("at", e.at().toString());
        m.put("user", e.principal().text());
        m.put("kind", e.kind().column());
        m.put("amount", e.amount().toString());
        m.put("signed_amount", e.signedAmount().toString());
        m.put("replica", e.replica().map(Object::toString).orElse(null));
        m.put("run", e.run().orElse(null));
        m.put("period_start", instant(e.periodStart()));
        m.put("period_end", instant(e.periodEnd()));
        m.put("byte_seconds", e.byteSeconds().map(Object::toString).orElse(null));
        m.put("bytes", e.bytes().orElse(null));
        m.put("estimate", e.estimate().map(Object::toString).orElse(null));
        m.put("reference", e.reference().orElse(null));
        m.put("note", e.note().orElse(null));
        return m;
    }

    /** What a paused user is told: their backups are stopped and when their generations may go. */
    private static String notice(User u) {
        if (u.status() != User.Status.PAUSED) {
            return null;
        }
        return "the balance is spent: backups are paused" + u.deletionDueAt().map(d -> " and their generations will be"
                + " deleted after " + d).orElse("") + " unless a deposit brings the balance above 0";
    }

    private static String instant(Optional<Instant> i) {
        return i.map(Object::toString).orElse(null);
    }

    private static String duration(Duration d) {
        return d.toString();
    }
}
