package org.replicator.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MigrationsTest {
    private static PostgresForTests postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresForTests.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void migrationsCreateEveryTableOnAnEmptyDatabase() {
        try (Database db = Database.open(postgres.freshDatabase())) {
            assertEquals(Optional.empty(), db.schemaVersion());
            Database.MigrationReport report = db.migrate();
            assertEquals(Optional.empty(), report.from());
            assertTrue(report.applied() >= 1);
            List<String> tables = db.inTransaction(tx -> {
                List<String> names = new ArrayList<>();
                try (ResultSet rs = tx.createStatement().executeQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
                return names;
            });
            assertTrue(tables.containsAll(List.of("subnets", "users", "canisters", "replicas", "runs", "run_replicas",
                    "run_chunks", "generations", "cycle_ledger", "restores", "promotions", "audit_events")), tables.toString());
        }
    }

    @Test
    void migratingAnUpToDateSchemaAgainChangesNothing() {
        try (Database db = Database.open(postgres.freshDatabase())) {
            Database.MigrationReport first = db.migrate();
            Database.MigrationReport second = db.migrate();
            assertEquals(0, second.applied());
            assertEquals(first.to(), second.to());
            assertEquals(Optional.of(first.to()), second.from());
            assertEquals(Optional.of(first.to()), db.schemaVersion());
        }
    }
}
