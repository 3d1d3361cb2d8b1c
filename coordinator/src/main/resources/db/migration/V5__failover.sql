-- Failover. A promotion makes a replica's generation live in a new canister on the replica's subnet
-- while the primary's subnet is down; the service is then read from (and replicated from) the new
-- canister until a fail-back brings it home. See docs/coordinator.md ("Failover").

-- Where the live canister runs: the placement rule (no replica on the source's subnet) and every run
-- follow the live canister, not the original.
ALTER TABLE canisters ADD COLUMN live_subnet_id text REFERENCES subnets (subnet_id);
UPDATE canisters SET live_subnet_id = subnet_id;
ALTER TABLE canisters ALTER COLUMN live_subnet_id SET NOT NULL;

-- The canister a run froze and read its image from: the live canister when the run was planned.
ALTER TABLE runs ADD COLUMN source_canister_id text;
UPDATE runs SET source_canister_id = canister_id;
ALTER TABLE runs ALTER COLUMN source_canister_id SET NOT NULL;

-- planned: restoring the replica's generation into the new canister; live: the new canister serves,
-- the old primary is not fenced yet (its subnet has not answered); fenced: the old primary was
-- write-fenced and stopped; failing_back / failed_back: the service is being / was brought home.
ALTER TABLE promotions DROP CONSTRAINT promotions_state_check;
ALTER TABLE promotions ADD CONSTRAINT promotions_state_check
    CHECK (state IN ('planned', 'live', 'fenced', 'failing_back', 'failed_back', 'failed'));
ALTER TABLE promotions ADD COLUMN old_subnet_id text NOT NULL;
ALTER TABLE promotions ADD COLUMN new_subnet_id text NOT NULL;
ALTER TABLE promotions ADD COLUMN restore_id bigint REFERENCES restores (restore_id);
ALTER TABLE promotions ADD COLUMN automatic boolean NOT NULL DEFAULT false;
ALTER TABLE promotions ADD COLUMN reason text NOT NULL;
ALTER TABLE promotions ADD COLUMN actor text NOT NULL;
-- chunks the old primary wrote after its last sealed generation (the loss the schedule allowed),
-- counted when it was fenced; null when it could not tell
ALTER TABLE promotions ADD COLUMN writes_not_carried integer;
ALTER TABLE promotions ADD COLUMN fence_note text;
ALTER TABLE promotions ADD COLUMN failback_restore_id bigint REFERENCES restores (restore_id);
ALTER TABLE promotions ADD COLUMN failed_back_at timestamptz;
ALTER TABLE promotions ADD CONSTRAINT promotions_live_when_past_planned
    CHECK (state IN ('planned', 'failed') OR (new_live_canister_id IS NOT NULL AND live_at IS NOT NULL));
ALTER TABLE promotions ADD CONSTRAINT promotions_fenced_when_past_live
    CHECK (state NOT IN ('fenced', 'failing_back', 'failed_back') OR fenced_at IS NOT NULL);
-- One failover at a time: a canister is promoted again only after it failed back.
CREATE UNIQUE INDEX promotions_one_open_per_canister ON promotions (canister_id)
    WHERE state IN ('planned', 'live', 'fenced', 'failing_back');

-- Epochs are numbered by each source, so after a failover a replica may hold the same epoch number
-- from two sources: a generation is named by its replica, its source and its epoch.
ALTER TABLE generations ADD COLUMN source_canister_id text;
UPDATE generations g SET source_canister_id = coalesce(
    (SELECT r.source_canister_id FROM runs r WHERE r.run_id = g.run_id),
    (SELECT p.source_canister_id FROM replicas p WHERE p.replica_id = g.replica_id));
ALTER TABLE generations ALTER COLUMN source_canister_id SET NOT NULL;
ALTER TABLE generations DROP CONSTRAINT generations_replica_id_epoch_key;
ALTER TABLE generations ADD CONSTRAINT generations_replica_source_epoch_key
    UNIQUE (replica_id, source_canister_id, epoch);
