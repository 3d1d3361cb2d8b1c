package org.replicator.coordinator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.funding.FundingUnavailable;
import org.replicator.coordinator.ids.MalformedPrincipalException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.placement.PlacementRefused;
import org.replicator.coordinator.replica.ReplicaRefused;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.users.BackupRequest;
import org.replicator.coordinator.users.Detacher;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserBackups;
import org.replicator.coordinator.users.UserRefused;

/**
 * The authenticated part of the HTTP API: users' accounts and their requests for backup canisters
 * (docs/api.md). Reads are open to the user concerned and to the operator; deposits only to the
 * operator; a backup is requested only by the user, signed with their key. Refusals are
 * {@code {"error": …, "reason": …}} with the status that says what kind of refusal it is.
 */
public final class UsersApi {
    /** Requests are small JSON objects; a larger body is refused before it is read in full. */
    static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(s|m|h|d)");

    private final Database db;
    private final RequestAuthenticator authenticator;
    private final UserAccounts accounts;
    private final Supplier<UserBackups> backups;
    private final Supplier<Detacher> detachers;

    /**
     * {@code backups} and {@code detachers} are asked for only when a backup is requested or
     * detached: they need the IC.
     */
    public UsersApi(Database db, RequestAuthenticator authenticator, UserAccounts accounts,
            Supplier<UserBackups> backups, Supplier<Detacher> detachers) {
        this.db = db;
        this.authenticator = authenticator;
        this.accounts = accounts;
        this.backups = backups;
        this.detachers = detachers;
    }

    /** Serves a request under /api/users; {@code parts} are the path's non-empty segments. */
    void handle(HttpExchange exchange, List<String> parts) throws IOException {
        try {
            Response r = route(exchange, parts);
            send(exchange, r.status(), r.body());
        } catch (ApiRefused e) {
            e.retryAfter().ifPresent(d -> exchange.getResponseHeaders().set("Retry-After",
                    String.valueOf(Math.max(1, d.toSeconds()))));
            send(exchange, e.status(), error(e.getMessage(), e.reason()));
        } catch (ConstraintViolation e) {
            send(exchange, 409, error(e.getMessage(), "CONFLICT"));
        } catch (DatabaseException e) {
            send(exchange, 503, error(e.getMessage(), "DATABASE_UNAVAILABLE"));
        } catch (RuntimeException e) {
            send(exchange, 500, error(String.valueOf(e.getMessage()), "INTERNAL"));
        }
    }

    private record Response(int status, Object body) {
    }

    private Response route(HttpExchange exchange, List<String> parts) throws IOException {
        // ["api", "users", p?, "statement" | "deposits" | "backups"?, replica?, "detach"?]
        if (parts.size() == 2) {
            allow(exchange, "GET");
            Request req = read(exchange);
            requireOperator(req.caller(), "list every user's account");
            return new Response(200, accounts.accounts().stream().map(UserDocuments::account).toList());
        }
        String tail = parts.size() == 3 ? "" : parts.size() == 4 ? parts.get(3)
                : parts.size() == 6 && parts.get(3).equals("backups") && parts.get(5).equals("detach") ? "detach" : null;
        if (tail == null || !Set.of("", "statement", "deposits", "backups", "detach").contains(tail)) {
            throw new ApiRefused(404, "NO_SUCH_RESOURCE", "no such resource: " + exchange.getRequestURI().getPath()
                    + "; see /api/users/{principal}, …/statement, …/deposits, …/backups");
        }
        allow(exchange, switch (tail) {
            case "", "statement" -> "GET";
            default -> "POST";
        });
        PrincipalId user = principal(parts.get(2), "user");
        Request req = read(exchange);
        return switch (tail) {
            case "" -> {
                requireUserOrOperator(req.caller(), user);
                yield new Response(200, UserDocuments.account(refusing(user, () -> accounts.account(user))));
            }
            case "statement" -> {
                requireUserOrOperator(req.caller(), user);
                YearMonth month = month(exchange.getRequestURI().getRawQuery());
                yield new Response(200, UserDocuments.statement(refusing(user, () -> accounts.statement(user, month))));
            }
            case "deposits" -> deposit(req, user);
            case "backups" -> requestBackup(req, user);
            default -> detach(req, user, principal(parts.get(4), "backup canister"));
        };
    }

    private Response deposit(Request req, PrincipalId user) {
        requireOperator(req.caller(), "record a deposit");
        JsonNode body = object(req.body(), Set.of("cycles", "reference"));
        BigInteger cycles = cycles(body.get("cycles"));
        String reference = optionalText(body, "reference").orElse(null);
        Optional<UserEntry> earlier = reference == null ? Optional.empty()
                : db.inTransaction(tx -> new UserLedger().deposit(tx, user, reference));
        UserEntry entry = refusing(user, () -> accounts.deposit(user, cycles, reference, "api:operator"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deposit", UserDocuments.entry(entry));
        m.put("already_recorded", earlier.isPresent());
        m.put("account", UserDocuments.account(refusing(user, () -> accounts.account(user))));
        return new Response(earlier.isPresent() ? 200 : 201, m);
    }

    private Response requestBackup(Request req, PrincipalId user) {
        requireSignedBy(req.caller(), user, "request a backup canister");
        refusing(user, () -> {
            accounts.checkRate(user);
            return null;
        });
        BackupRequest request;
        try {
            JsonNode body = object(req.body(), Set.of("canister", "subnet", "every", "cron", "full_every", "keep_last"));
            request = new BackupRequest(user, requiredText(body, "canister"),
                    optionalText(body, "subnet").map(s -> principal(s, "subnet")),
                    optionalText(body, "every").map(s -> duration(s, "every")), optionalText(body, "cron"),
                    optionalText(body, "full_every").map(s -> duration(s, "full_every")), keepLast(body));
        } catch (ApiRefused e) {
            accounts.countRequest(user, "backup.request", false, e.getMessage());
            throw e;
        }
        UserBackup b = refusing(user, () -> {
            try {
                return backups.get().request(request, user.text(), step -> { });
            } catch (ReplicaRefused | PlacementRefused e) {
                throw new ApiRefused(409, "REFUSED", e.getMessage());
            } catch (FundingUnavailable e) {
                throw new ApiRefused(503, "FUNDING_UNAVAILABLE", e.getMessage());
            } catch (IcException e) {
                throw new ApiRefused(502, "IC_UNAVAILABLE", e.getMessage());
            }
        });
        return new Response(201, UserDocuments.backup(b));
    }

    private Response detach(Request req, PrincipalId user, PrincipalId replica) {
        requireSignedBy(req.caller(), user, "detach a backup canister");
        refusing(user, () -> {
            accounts.checkRate(user);
            return null;
        });
        Detacher.Detached d;
        try {
            d = refusing(user, () -> {
                try {
                    return detachers.get().detach(user, replica, user.text());
                } catch (IcException e) {
                    throw new ApiRefused(502, "IC_UNAVAILABLE", e.getMessage() + "; detaching again completes it");
                }
            });
        } catch (ApiRefused e) {
            accounts.countRequest(user, "backup.detach", false, e.getMessage());
            throw e;
        }
        accounts.countRequest(user, "backup.detach", true, replica.text());
        Map<String, Object> m = new LinkedHashMap<>(UserDocuments.backup(d.backup()));
        m.put("charged", d.charged().amount().toString());
        return new Response(200, m);
    }

    // --- who may do what

    private record Request(RequestAuthenticator.Caller caller, byte[] body) {
    }

    private Request read(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            throw new ApiRefused(413, "TOO_LARGE", "the request body is over " + MAX_BODY / 1024 + " KiB; requests are"
                    + " small JSON objects");
        }
        var uri = exchange.getRequestURI();
        String raw = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        return new Request(authenticator.authenticate(exchange.getRequestMethod(), raw,
                exchange.getRequestHeaders().getFirst("Authorization"), body), body);
    }

    private static void requireOperator(RequestAuthenticator.Caller caller, String what) {
        if (!(caller instanceof RequestAuthenticator.Operator)) {
            throw new ApiRefused(403, "NOT_OPERATOR", "only the operator (Authorization: Bearer <admin token>) may "
                    + what);
        }
    }

    private static void requireUserOrOperator(RequestAuthenticator.Caller caller, PrincipalId user) {
        if (caller instanceof RequestAuthenticator.SignedBy s && !s.principal().equals(user)) {
            throw new ApiRefused(403, "NOT_OWNER", "the request is signed by " + s.principal() + ", not by " + user
                    + "; a user reads only their own account");
        }
    }

    private static void requireSignedBy(RequestAuthenticator.Caller caller, PrincipalId user, String what) {
        if (caller instanceof RequestAuthenticator.SignedBy s) {
            if (!s.principal().equals(user)) {
                throw new ApiRefused(403, "NOT_OWNER", "the request is signed by " + s.principal() + ", not by " + user
                        + "; only " + user + " may " + what + " for themselves");
            }
            return;
        }
        throw new ApiRefused(403, "NOT_OWNER", "only the user, signing with their key, may " + what
                + "; the admin token does not act for users");
    }

    private static void allow(HttpExchange exchange, String allowed) {
        if (!exchange.getRequestMethod().equals(allowed)) {
            exchange.getResponseHeaders().set("Allow", allowed);
            throw new ApiRefused(405, "METHOD_NOT_ALLOWED", exchange.getRequestMethod() + " is not served here; use "
                    + allowed);
        }
    }

    /** Runs an account operation, answering its refusal with the status its reason calls for. */
    private <T> T refusing(PrincipalId user, Supplier<T> work) {
        try {
            return work.get();
        } catch (UserRefused e) {
            throw switch (e.reason()) {
                case UNKNOWN_USER, UNKNOWN_CANISTER, UNKNOWN_BACKUP -> new ApiRefused(404, e.reason().name(), e.getMessage());
                case NOT_ALLOWED, NOT_OWNER -> new ApiRefused(403, e.reason().name(), e.getMessage());
                case QUOTA -> new ApiRefused(409, e.reason().name(), e.getMessage());
                case INSUFFICIENT_BALANCE, PAUSED -> new ApiRefused(402, e.reason().name(), e.getMessage());
                case INVALID -> new ApiRefused(400, e.reason().name(), e.getMessage());
                case RATE_LIMITED -> new ApiRefused(429, e.reason().name(), e.getMessage(),
                        Optional.of(retryAfter(user)));
            };
        }
    }

    /**
     * When the user may make a request again: when the request that filled their limit (the oldest
     * of their newest max_requests_per_hour) leaves the hour's window.
     */
    private Duration retryAfter(PrincipalId user) {
        return db.inTransaction(tx -> {
            try (PreparedStatement ps = tx.prepareStatement("SELECT x.at FROM (SELECT at, row_number() OVER"
                    + " (ORDER BY at DESC) AS n FROM user_requests WHERE principal = ? AND at > now() - interval '1 hour')"
                    + " x JOIN users u ON u.principal = ? WHERE x.n = GREATEST(u.max_requests_per_hour, 1)")) {
                ps.setString(1, user.text());
                ps.setString(2, user.text());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Duration.ofMinutes(1);
                    }
                    Instant at = rs.getObject(1, OffsetDateTime.class).toInstant();
                    Duration d = Duration.between(Instant.now(), at.plus(Duration.ofHours(1)));
                    return d.isNegative() ? Duration.ofSeconds(1) : d;
                }
            }
        });
    }

    // --- input

    private static JsonNode object(byte[] body, Set<String> fields) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw invalid("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("the body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw invalid("the body must be a JSON object with " + String.join(", ", fields));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw invalid("unknown field \"" + name + "\"; accepted: " + String.join(", ", fields.stream()
                        .sorted().toList()));
            }
        }
        return node;
    }

    private static String requiredText(JsonNode body, String field) {
        return optionalText(body, field).orElseThrow(() -> invalid("\"" + field + "\" is required"));
    }

    private static Optional<String> optionalText(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw invalid("\"" + field + "\" must be a non-empty string, not " + v);
        }
        return Optional.of(v.asText().trim());
    }

    private static BigInteger cycles(JsonNode v) {
        if (v == null || v.isNull()) {
            throw invalid("\"cycles\" is required: a whole number of cycles, as a string");
        }
        BigInteger c;
        if (v.isIntegralNumber()) {
            c = v.bigIntegerValue();
        } else if (v.isTextual() && v.asText().matches("\\d+")) {
            c = new BigInteger(v.asText());
        } else {
            throw invalid("\"cycles\" must be a whole number of cycles (e.g. \"5000000000000\"), not " + v);
        }
        if (c.signum() <= 0) {
            throw invalid("\"cycles\" must be at least 1, not " + c);
        }
        return c;
    }

    private static Optional<Integer> keepLast(JsonNode body) {
        JsonNode v = body.get("keep_last");
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw invalid("\"keep_last\" must be a whole number of at least 1, not " + v);
        }
        return Optional.of(v.intValue());
    }

    static Duration duration(String text, String field) {
        Matcher m = SHORT_DURATION.matcher(text);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            Duration d = Duration.parse(text);
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // reported below with the forms that are accepted
        }
        throw invalid("\"" + field + "\" is \"" + text + "\", not a duration; write a number with a unit (30m, 6h, 1d)"
                + " or ISO-8601 (PT6H)");
    }

    private static PrincipalId principal(String text, String what) {
        try {
            return PrincipalId.parse(text);
        } catch (MalformedPrincipalException e) {
            throw invalid("the " + what + " " + e.getMessage());
        }
    }

    private static YearMonth month(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        YearMonth month = null;
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (!name.equals("month")) {
                throw invalid("unknown query parameter \"" + name + "\"; a statement takes month=YYYY-MM");
            }
            try {
                month = YearMonth.parse(value);
            } catch (DateTimeParseException e) {
                throw invalid("month=" + value + " is not a month; write YYYY-MM, e.g. month=2026-12");
            }
        }
        return month;
    }

    private static ApiRefused invalid(String message) {
        return new ApiRefused(400, "INVALID", message);
    }

    // --- output

    private static Map<String, Object> error(String message, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        m.put("reason", reason);
        return m;
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
