-- What a restore needs to resume after a crash of the coordinator: where the data comes from (the
-- replica and the generation it holds), the image it must produce, and whether the push into the
-- target has been asked for. A restore never stops the canister (a stopped canister accepts no
-- calls, the restore's own writes included); the app refuses its own writes while the image is
-- staged, and loads it atomically only if the root matches.
ALTER TABLE restores ADD COLUMN replica_id text REFERENCES replicas (replica_id);
ALTER TABLE restores ADD COLUMN target_subnet_id text;
ALTER TABLE restores ADD COLUMN image_root bytea CHECK (image_root IS NULL OR length(image_root) = 32);
ALTER TABLE restores ADD COLUMN image_size bigint CHECK (image_size IS NULL OR image_size >= 0);
ALTER TABLE restores ADD COLUMN chunk_count integer CHECK (chunk_count IS NULL OR chunk_count >= 0);
ALTER TABLE restores ADD COLUMN forced boolean NOT NULL DEFAULT false;
ALTER TABLE restores ADD COLUMN writes_overwritten integer;
ALTER TABLE restores ADD COLUMN push_requested_at timestamptz;
-- the backup canister's balance when it was asked to push: its decrease is the restore's cost
ALTER TABLE restores ADD COLUMN replica_cycles_before numeric(40, 0);
ALTER TABLE restores ADD COLUMN verified boolean;
ALTER TABLE restores ADD COLUMN actor text;

ALTER TABLE restores DROP CONSTRAINT restores_state_check;
ALTER TABLE restores ADD CONSTRAINT restores_state_check
    CHECK (state IN ('planned', 'creating', 'writing', 'verifying', 'done', 'failed', 'rolled_back'));
ALTER TABLE restores ADD CONSTRAINT restores_finished_when_final
    CHECK ((state IN ('done', 'failed', 'rolled_back')) = (finished_at IS NOT NULL));

-- The wasm module a generation's source ran when its image was frozen, so that a restore into a
-- new canister can be given the same code.
ALTER TABLE runs ADD COLUMN source_module_hash bytea
    CHECK (source_module_hash IS NULL OR length(source_module_hash) = 32);
