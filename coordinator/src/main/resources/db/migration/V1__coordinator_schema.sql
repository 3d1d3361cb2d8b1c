-- The coordinator's state. Principals are stored in their textual form (what users type and the
-- IC prints); hashes and roots as raw bytes. Cycle amounts are numeric(40,0): u128 needs 39 digits.
-- Timestamps are timestamptz and always written by the database clock, so several coordinators
-- agree on the order of events.

CREATE TABLE subnets (
    subnet_id      text PRIMARY KEY,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now()
);

-- Principals that own per-user backup canisters and pay for them. Empty until per-user backups exist.
CREATE TABLE users (
    principal   text PRIMARY KEY,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A protected canister is a service; live_canister_id is where it is served from now (itself until a
-- replica is promoted). Removal is soft so that runs, generations and costs keep their history.
CREATE TABLE canisters (
    canister_id       text PRIMARY KEY,
    name              text,
    subnet_id         text NOT NULL REFERENCES subnets (subnet_id),
    module_hash       bytea CHECK (module_hash IS NULL OR length(module_hash) = 32),
    live_canister_id  text NOT NULL,
    added_at          timestamptz NOT NULL DEFAULT now(),
    removed_at        timestamptz
);
CREATE UNIQUE INDEX canisters_active_name ON canisters (name) WHERE removed_at IS NULL AND name IS NOT NULL;

-- Backup canisters. A replica belongs to one source canister; owner is set for per-user replicas.
CREATE TABLE replicas (
    replica_id          text PRIMARY KEY,
    source_canister_id  text NOT NULL REFERENCES canisters (canister_id),
    subnet_id           text NOT NULL REFERENCES subnets (subnet_id),
    status              text NOT NULL CHECK (status IN ('creating', 'installed', 'active', 'paused', 'dropped', 'promoted')),
    wasm_hash           bytea CHECK (wasm_hash IS NULL OR length(wasm_hash) = 32),
    owner_principal     text REFERENCES users (principal),
    same_subnet_forced  boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    dropped_at          timestamptz
);
CREATE INDEX replicas_by_source ON replicas (source_canister_id);

-- One replication run of a canister into its replicas, all pulling the same frozen epoch.
CREATE TABLE runs (
    run_id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    canister_id          text NOT NULL REFERENCES canisters (canister_id),
    kind                 text NOT NULL CHECK (kind IN ('full', 'incremental')),
    state                text NOT NULL CHECK (state IN ('planned', 'begun', 'pulling', 'verifying', 'sealing',
                                                        'sealed', 'failed', 'cancelled')),
    epoch                numeric(20, 0),
    image_size           bigint CHECK (image_size IS NULL OR image_size >= 0),
    chunk_size           integer CHECK (chunk_size IS NULL OR chunk_size > 0),
    chunk_count          integer CHECK (chunk_count IS NULL OR chunk_count >= 0),
    source_root          bytea CHECK (source_root IS NULL OR length(source_root) = 32),
    base_generation_id   bigint,
    cycle_budget         numeric(40, 0) CHECK (cycle_budget IS NULL OR cycle_budget >= 0),
    attempt              integer NOT NULL DEFAULT 0,
    owner                text,
    heartbeat_at         timestamptz,
    started_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    error                text,
    CHECK ((state IN ('sealed', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (state <> 'failed' OR error IS NOT NULL),
    CHECK (state IN ('planned', 'failed', 'cancelled') OR epoch IS NOT NULL)
);
-- A canister never has two unfinished runs, whichever coordinator started them.
CREATE UNIQUE INDEX runs_one_open_per_canister ON runs (canister_id)
    WHERE state NOT IN ('sealed', 'failed', 'cancelled');

-- Each replica's part of a run.
CREATE TABLE run_replicas (
    run_id         bigint NOT NULL REFERENCES runs (run_id),
    replica_id     text NOT NULL REFERENCES replicas (replica_id),
    state          text NOT NULL CHECK (state IN ('pending', 'pulling', 'pulled', 'verified', 'sealed', 'failed')),
    generation_id  bigint,
    error          text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, replica_id)
);

-- Progress of a replica's pull, per chunk or per contiguous range of chunks (inclusive bounds).
CREATE TABLE run_chunks (
    run_id       bigint NOT NULL,
    replica_id   text NOT NULL,
    first_chunk  integer NOT NULL CHECK (first_chunk >= 0),
    last_chunk   integer NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'requested', 'done', 'failed')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    bytes        bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, replica_id, first_chunk),
    FOREIGN KEY (run_id, replica_id) REFERENCES run_replicas (run_id, replica_id),
    CHECK (last_chunk >= first_chunk)
);

-- A generation is one consistent image held by one replica; it counts only once sealed.
CREATE TABLE generations (
    generation_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    replica_id            text NOT NULL REFERENCES replicas (replica_id),
    run_id                bigint REFERENCES runs (run_id),
    epoch                 numeric(20, 0) NOT NULL,
    root                  bytea NOT NULL CHECK (length(root) = 32),
    size                  bigint NOT NULL CHECK (size >= 0),
    chunk_count           integer NOT NULL CHECK (chunk_count >= 0),
    source_module_hash    bytea CHECK (source_module_hash IS NULL OR length(source_module_hash) = 32),
    parent_generation_id  bigint REFERENCES generations (generation_id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    sealed_at             timestamptz,
    deleted_at            timestamptz,
    UNIQUE (replica_id, epoch)
);
ALTER TABLE runs ADD FOREIGN KEY (base_generation_id) REFERENCES generations (generation_id);
ALTER TABLE run_replicas ADD FOREIGN KEY (generation_id) REFERENCES generations (generation_id);

-- Every cycle spent or credited. amount is never negative; kind says which way it goes
-- (deposit and refund credit a user, everything else is a cost). 'estimate' rows are forecasts
-- from the fee table, kept next to the measured rows for comparison.
CREATE TABLE cycle_ledger (
    entry_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    run_id          bigint REFERENCES runs (run_id),
    canister_id     text REFERENCES canisters (canister_id),
    replica_id      text REFERENCES replicas (replica_id),
    user_principal  text REFERENCES users (principal),
    kind            text NOT NULL CHECK (kind IN ('estimate', 'execution', 'transfer', 'storage', 'creation',
                                                  'top_up', 'restore', 'deposit', 'refund')),
    amount          numeric(40, 0) NOT NULL CHECK (amount >= 0),
    note            text
);
CREATE INDEX cycle_ledger_by_run ON cycle_ledger (run_id);
CREATE INDEX cycle_ledger_by_canister ON cycle_ledger (canister_id, at);
CREATE INDEX cycle_ledger_by_user ON cycle_ledger (user_principal, at) WHERE user_principal IS NOT NULL;

-- Restores of a generation into the original canister or a new one.
CREATE TABLE restores (
    restore_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    canister_id         text NOT NULL REFERENCES canisters (canister_id),
    generation_id       bigint NOT NULL REFERENCES generations (generation_id),
    target_canister_id  text,
    target_kind         text NOT NULL CHECK (target_kind IN ('original', 'new')),
    state               text NOT NULL CHECK (state IN ('planned', 'stopping', 'writing', 'committing', 'starting',
                                                       'done', 'failed', 'rolled_back')),
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    error               text
);
CREATE UNIQUE INDEX restores_one_open_per_canister ON restores (canister_id)
    WHERE state NOT IN ('done', 'failed', 'rolled_back');

-- A replica made the live canister; fenced_at is when the old primary was stopped.
CREATE TABLE promotions (
    promotion_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    canister_id          text NOT NULL REFERENCES canisters (canister_id),
    replica_id           text NOT NULL REFERENCES replicas (replica_id),
    generation_id        bigint REFERENCES generations (generation_id),
    old_live_canister_id text NOT NULL,
    new_live_canister_id text,
    state                text NOT NULL CHECK (state IN ('planned', 'verifying', 'live', 'fenced', 'failed_back', 'failed')),
    started_at           timestamptz NOT NULL DEFAULT now(),
    live_at              timestamptz,
    fenced_at            timestamptz,
    error                text
);

CREATE TABLE audit_events (
    event_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    action    text NOT NULL,
    subject   text,
    detail    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_by_subject ON audit_events (subject, at);
