-- Per-user backup canisters (docs/users.md). A user is a principal with a prepaid cycle account:
-- deposits credit it; the creation of their backup canister, each run into it and each storage
-- period it is held are charged to it. The coordinator keeps the canister itself funded; what the
-- user owes is what the canister consumed, measured from its balance.

-- active: in credit; warned: balance below warn_below; paused: balance spent, runs stopped and
-- deletion_due_at announced; closed: every backup detached or deleted.
ALTER TABLE users DROP CONSTRAINT users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'warned', 'paused', 'closed'));
ALTER TABLE users
    ADD COLUMN max_backups            integer NOT NULL DEFAULT 2 CHECK (max_backups >= 0),
    ADD COLUMN max_requests_per_hour  integer NOT NULL DEFAULT 10 CHECK (max_requests_per_hour >= 0),
    ADD COLUMN warn_below             numeric(40, 0) NOT NULL DEFAULT 1000000000000 CHECK (warn_below >= 0),
    ADD COLUMN status_since           timestamptz NOT NULL DEFAULT now(),
    -- set when a user is paused: their generations may be deleted after this, not before
    ADD COLUMN deletion_due_at        timestamptz;

-- Whether the app lets its users ask for backup canisters of this canister.
ALTER TABLE canisters ADD COLUMN user_backups_allowed boolean NOT NULL DEFAULT false;

-- A detached replica is the user's alone: the coordinator is no longer among its controllers.
ALTER TABLE replicas DROP CONSTRAINT replicas_status_check;
ALTER TABLE replicas ADD CONSTRAINT replicas_status_check
    CHECK (status IN ('creating', 'installed', 'active', 'paused', 'dropped', 'promoted', 'detached'));

-- A user's backup canister: which canister it protects, on the user's own schedule.
CREATE TABLE user_backups (
    replica_id             text PRIMARY KEY REFERENCES replicas (replica_id),
    principal              text NOT NULL REFERENCES users (principal),
    canister_id            text NOT NULL REFERENCES canisters (canister_id),
    every_seconds          bigint CHECK (every_seconds IS NULL OR every_seconds > 0),
    cron                   text,
    full_every_seconds     bigint CHECK (full_every_seconds IS NULL OR full_every_seconds > 0),
    keep_last              integer NOT NULL DEFAULT 3 CHECK (keep_last >= 1),
    state                  text NOT NULL CHECK (state IN ('active', 'paused', 'detached', 'deleted')),
    requested_at           timestamptz NOT NULL DEFAULT now(),
    detached_at            timestamptz,
    -- the last storage reading: the balance and memory the storage charge since then starts from
    storage_read_at        timestamptz,
    storage_read_balance   numeric(40, 0),
    storage_read_bytes     bigint,
    CHECK ((cron IS NULL) <> (every_seconds IS NULL))
);
CREATE INDEX user_backups_by_principal ON user_backups (principal);

-- The user's account. amount is never negative; deposit and refund credit it, every other kind is
-- a charge. estimate is the fee table's figure for the same thing, kept beside the measured one.
CREATE TABLE user_ledger (
    entry_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal     text NOT NULL REFERENCES users (principal),
    at            timestamptz NOT NULL DEFAULT now(),
    kind          text NOT NULL CHECK (kind IN ('deposit', 'refund', 'creation', 'run', 'storage', 'detach')),
    amount        numeric(40, 0) NOT NULL CHECK (amount >= 0),
    replica_id    text REFERENCES replicas (replica_id),
    run_id        bigint REFERENCES runs (run_id),
    period_start  timestamptz,
    period_end    timestamptz,
    -- storage: bytes held times seconds over the period; run: bytes pulled
    byte_seconds  numeric(40, 0) CHECK (byte_seconds IS NULL OR byte_seconds >= 0),
    bytes         bigint CHECK (bytes IS NULL OR bytes >= 0),
    estimate      numeric(40, 0) CHECK (estimate IS NULL OR estimate >= 0),
    reference     text,
    note          text,
    CHECK (kind <> 'storage' OR (replica_id IS NOT NULL AND period_start IS NOT NULL AND period_end > period_start)),
    CHECK (kind <> 'run' OR (run_id IS NOT NULL AND replica_id IS NOT NULL))
);
CREATE INDEX user_ledger_by_principal ON user_ledger (principal, at);
-- a run is charged once per replica, however many coordinators see it sealed
CREATE UNIQUE INDEX user_ledger_run_once ON user_ledger (run_id, replica_id) WHERE kind = 'run';
-- a deposit with a reference (the payment's id) is recorded once, however often it is submitted
CREATE UNIQUE INDEX user_ledger_reference_once ON user_ledger (principal, reference) WHERE reference IS NOT NULL;

-- Requests that change a user's state, accepted or refused, counted for the rate limit.
CREATE TABLE user_requests (
    request_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal   text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    action      text NOT NULL,
    accepted    boolean NOT NULL,
    detail      text
);
CREATE INDEX user_requests_by_principal ON user_requests (principal, at);

-- Signatures of authenticated API requests already served: a replayed request is refused. Rows
-- older than the accepted clock skew can be deleted.
CREATE TABLE api_nonces (
    signature_sha256  bytea PRIMARY KEY CHECK (length(signature_sha256) = 32),
    principal         text NOT NULL,
    seen_at           timestamptz NOT NULL DEFAULT now()
);
