package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.execute;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.costs.CostReport;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.localnet.ids.Principal;

/**
 * {@code replicator costs} narrowed by user and month over a real run: a user's replica's share of
 * the run, their storage charges split over the months they cover, the operator's replica's
 * storage from its generations, and CSV of each table.
 */
class CostsByUserAndMonthEndToEndTest extends WorldTest {
    private static final String USER = "2vxsx-fae";
    private static final BigInteger GIB = BigInteger.ONE.shiftLeft(30);

    @Test
    void aUsersReportShowsTheirReplicasShareOfRunsTheirStoragePerMonthAndTheirCharges() throws Exception {
        Principal app = world.demoApp(2, 41);
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
        PrincipalId operators = createReplica("demo");
        PrincipalId users = createReplica("demo");
        ok(cli("replicate", "demo", "--full"));
        // handed to a user after the run (a user's replica takes part only in runs planned for it), so
        // the one run shows both the operator's replica and the user's
        execute(db, "INSERT INTO users (principal) VALUES ('" + USER + "')");
        execute(db, "UPDATE replicas SET owner_principal = '" + USER + "' WHERE replica_id = '" + users + "'");
        // a day's storage of one GiB, half in November and half in December, as the billing sweep books it
        execute(db, "INSERT INTO user_ledger (principal, kind, amount, replica_id, period_start, period_end,"
                + " byte_seconds, estimate) VALUES ('" + USER + "', 'storage', 1000, '" + users + "',"
                + " '2026-11-30T12:00:00Z', '2026-12-01T12:00:00Z', " + GIB.multiply(BigInteger.valueOf(86_400)) + ", 1200)");
        execute(db, "INSERT INTO user_ledger (principal, kind, amount, reference, note) VALUES ('" + USER + "',"
                + " 'deposit', 5000000, 'pay-1', 'wire, \"first\"')");

        JsonNode doc = json(cli("costs", "--user", USER, "--json"));
        JsonNode run = doc.get("runs").get(0);
        assertEquals(1, doc.get("runs").size());
        assertEquals(1, run.get("replicas").size(), "only the user's replica of the run");
        JsonNode part = run.get("replicas").get(0);
        assertEquals(users.text(), part.get("replica").asText());
        assertEquals(part.get("measured").asText(), run.get("measured").asText(), "the run's measured is the user's share");
        assertEquals(CostReport.perGib(new BigInteger(run.get("measured").asText()), run.get("bytes_fetched").asLong())
                .orElseThrow().toString(), run.get("cycles_per_gib").asText());
        assertTrue(new BigInteger(run.get("estimate").asText()).signum() > 0, run.toString());

        JsonNode storage = doc.get("storage");
        assertEquals(2, storage.size(), storage.toString());
        JsonNode november = storage.get(0);
        assertEquals("2026-11", november.get("month").asText());
        assertEquals(USER, november.get("user").asText());
        assertEquals("500", november.get("measured").asText());
        assertEquals("600", november.get("estimate").asText());
        assertEquals(GIB.multiply(BigInteger.valueOf(43_200)).toString(), november.get("byte_seconds").asText());
        assertEquals(new BigDecimal("0.016667"), new BigDecimal(november.get("gib_months").asText()), "half a day of 30");
        assertEquals("30000", november.get("cycles_per_gib_month").asText(), "500 cycles for 1/60 GiB-month");
        assertEquals("36000", november.get("estimate_per_gib_month").asText());
        assertEquals("2026-12", storage.get(1).get("month").asText());
        assertEquals("500", storage.get(1).get("measured").asText());

        assertEquals(2, doc.get("charges").size());
        assertEquals("storage", doc.get("charges").get(0).get("kind").asText());
        assertEquals("deposit", doc.get("charges").get(1).get("kind").asText());

        String text = ok(cli("costs", "--user", USER)).out();
        assertTrue(text.contains("2026-11  replica " + users + "  user " + USER + "  0.016667 GiB-months  measured 500"
                + " (30000 per GiB-month)  estimate 600 (36000 per GiB-month)"), text);
        assertTrue(text.contains("account of " + USER + ":") && text.contains("total: deposit 5000000, storage 1000"
                + " (estimate 1200)"), text);
        assertTrue(!text.contains("replica " + operators), "the operator's replica is not the user's: " + text);

        String[] november2 = ok(cli("costs", "--user", USER, "--month", "2026-11", "--csv", "--table", "storage")).out()
                .split("\r\n");
        assertEquals(2, november2.length, String.join("|", november2));
        assertEquals("month,replica,canister,user,byte_seconds,gib_months,measured,estimate,cycles_per_gib_month,"
                + "estimate_per_gib_month,not_measured_because", november2[0]);
        assertTrue(november2[1].startsWith("2026-11," + users + "," + app + "," + USER + ","), november2[1]);

        String charges = ok(cli("costs", "--user", USER, "--csv", "--table", "charges")).out();
        assertTrue(charges.contains(",deposit,5000000,,,,,,,,pay-1,\"wire, \"\"first\"\"\"\r\n"), charges);

        // the operator's replica: storage from its generation, estimated, not measured
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        JsonNode all = json(cli("costs", "--month", now.toString(), "--json"));
        assertEquals(1, all.get("runs").size(), "the run started this month");
        assertEquals(2, all.get("runs").get(0).get("replicas").size());
        JsonNode held = null;
        for (JsonNode s : all.get("storage")) {
            if (s.get("replica").asText().equals(operators.text())) {
                held = s;
            }
        }
        assertTrue(held != null, all.get("storage").toString());
        assertTrue(held.get("user").isNull() && held.get("measured").isNull(), held.toString());
        assertTrue(new BigInteger(held.get("byte_seconds").asText()).signum() > 0, held.toString());
        assertTrue(held.get("not_measured_because").asText().contains("operator"), held.toString());
        String runsCsv = ok(cli("costs", "--canister", "demo", "--csv")).out();
        assertEquals(1 + 3, runsCsv.split("\r\n").length, runsCsv);
        assertTrue(runsCsv.startsWith("run,canister,kind,state,replica,chunks_fetched,bytes_fetched,estimate,reported,"
                + "overhead,measured,before,topped_up,after,cycles_per_gib\r\n"), runsCsv);

        assertTrue(ok(cli("costs", "--month", "2020-01")).out().startsWith("no runs match"));
    }

    @Test
    void badFiltersAreRefusedWithAClearReason() {
        refusedWith(cli("costs", "--month", "2026-13"), ExitCodes.USAGE, "--month must be a UTC month as YYYY-MM");
        refusedWith(cli("costs", "--month", "26-1"), ExitCodes.USAGE, "--month must be a UTC month as YYYY-MM");
        refusedWith(cli("costs", "--user", "not a principal"), ExitCodes.USAGE, "--user must be a principal");
        refusedWith(cli("costs", "--user", USER), ExitCodes.FAILURE, "there is no user " + USER);
        refusedWith(cli("costs", "--canister", "nosuch"), ExitCodes.FAILURE, "no protected canister is called nosuch");
        refusedWith(cli("costs", "--table", "storage"), ExitCodes.USAGE, "--table chooses what --csv prints");
        refusedWith(cli("costs", "--csv", "--table", "bogus"), ExitCodes.USAGE, "bogus");
        refusedWith(cli("costs", "--run", "1", "--month", "2026-11"), ExitCodes.USAGE, "--run names one run");
    }

    private static void refusedWith(CliRunner.Result r, int code, String expected) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    }

    private static JsonNode json(CliRunner.Result r) throws Exception {
        return new ObjectMapper().readTree(ok(r).out());
    }

    private PrincipalId createReplica(String canister) {
        String out = ok(cli("replica", "create", canister, "--json")).out();
        int at = out.indexOf("\"id\"");
        int start = out.indexOf('"', out.indexOf(':', at)) + 1;
        return new PrincipalId(out.substring(start, out.indexOf('"', start)));
    }
}
