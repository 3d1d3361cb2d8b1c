-- What each run cost, measured: the balance of every canister a run touches, read through the
-- management canister's canister_status before the first sync and again once the run is final.
-- A canister whose balance the coordinator may not read (it does not control the source) has a
-- row with the reason instead of a figure, so a report can say so rather than guess.
CREATE TABLE run_balances (
    run_id       bigint NOT NULL REFERENCES runs (run_id),
    canister_id  text NOT NULL,
    role         text NOT NULL CHECK (role IN ('source', 'replica')),
    phase        text NOT NULL CHECK (phase IN ('before', 'after')),
    cycles       numeric(40, 0) CHECK (cycles IS NULL OR cycles >= 0),
    unreadable   text,
    read_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, canister_id, phase),
    CHECK ((cycles IS NULL) <> (unreadable IS NULL))
);

-- What each replica's backup canister reported for the run that sealed its generation
-- (status().run): the chunks it fetched and reused, the bytes fetched and its cycles_spent counter
-- (a Candid int, so signed here). Recorded in the transaction that records the generation.
CREATE TABLE run_fetches (
    run_id          bigint NOT NULL,
    replica_id      text NOT NULL,
    chunks_fetched  bigint NOT NULL CHECK (chunks_fetched >= 0),
    chunks_reused   bigint NOT NULL CHECK (chunks_reused >= 0),
    bytes_fetched   bigint NOT NULL CHECK (bytes_fetched >= 0),
    cycles_spent    numeric(40, 0) NOT NULL,
    PRIMARY KEY (run_id, replica_id),
    FOREIGN KEY (run_id, replica_id) REFERENCES run_replicas (run_id, replica_id)
);

-- overhead: a replica's balance fell by more than its own counter says (ingress, idle storage,
-- execution outside the counted run); overcount: it fell by less (a credit). Either makes the
-- run's rows for that replica add up to the balance change.
ALTER TABLE cycle_ledger DROP CONSTRAINT cycle_ledger_kind_check;
ALTER TABLE cycle_ledger ADD CONSTRAINT cycle_ledger_kind_check
    CHECK (kind IN ('estimate', 'execution', 'transfer', 'storage', 'creation', 'top_up', 'restore', 'deposit',
                    'refund', 'overhead', 'overcount'));
