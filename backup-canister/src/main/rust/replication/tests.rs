//! The library's rules on simulated stable memory (the native `ic0` stand-ins).

use super::library::{Library, Settings, STYLE_SERIALIZED, STYLE_STABLE};
use crate::candid::decode_first;
use crate::ic0::native::{reset_stable, set_time};
use crate::protocol::{image_root, Changes, ChangesArgs, Chunk, PAGE_SIZE};
use crate::sha256::{sha256, Digest};

const CS: u64 = 2 * PAGE_SIZE;
const SECOND: u64 = 1_000_000_000;
const A: &[u8] = b"backup-a";
const B: &[u8] = b"backup-b";

fn no_budget_limit() -> u64 {
    0
}

fn budget_spent() -> u64 {
    u64::MAX
}

fn settings(style: u8) -> Settings {
    Settings { style, chunk_size: CS, epoch_ttl_nanos: 60 * SECOND, hash_budget: 1_000, max_preserved_bytes: 3 * PAGE_SIZE }
}

fn stable_lib(pages: u64) -> Library {
    reset_stable();
    set_time(1_000 * SECOND);
    let mut lib = Library::install(settings(STYLE_STABLE)).unwrap();
    lib.grow(pages).unwrap();
    for p in 0..pages {
        lib.write(p * PAGE_SIZE, &vec![p as u8 + 1; PAGE_SIZE as usize], 0);
    }
    lib
}

fn read(lib: &mut Library, epoch: u64, index: u64) -> Result<Chunk, String> {
    let bytes = lib.read_chunk(epoch, index, now())?;
    Ok(Chunk::from_value(&decode_first(&bytes).unwrap()).unwrap())
}

fn now() -> u64 {
    unsafe { crate::ic0::time() }
}

fn code(e: String) -> String {
    e.split(':').next().unwrap().to_string()
}

fn live(lib: &Library) -> Vec<u8> {
    let mut out = vec![0u8; lib.region_size() as usize];
    lib.read(0, &mut out);
    out
}

fn root_of(bytes: &[u8], cs: u64) -> Digest {
    let hashes: Vec<Digest> = bytes.chunks(cs as usize).map(sha256).collect();
    image_root(bytes.len() as u64, cs, &hashes)
}

#[test]
fn begin_freezes_an_image_whose_root_covers_every_chunk() {
    let mut lib = stable_lib(5);
    let image = live(&lib);
    let info = lib.begin(A, now(), no_budget_limit).unwrap();
    assert_eq!((info.epoch, info.size, info.chunk_count), (1, 5 * PAGE_SIZE, 3));
    assert_eq!(info.root, Some(root_of(&image, CS)));
    for i in 0..3 {
        let c = read(&mut lib, 1, i).unwrap();
        assert_eq!(c.hash, sha256(&c.bytes));
        assert_eq!(c.bytes, image[(i * CS) as usize..((i * CS + CS).min(5 * PAGE_SIZE)) as usize]);
    }
}

#[test]
fn writes_after_begin_never_reach_the_frozen_image() {
    let mut lib = stable_lib(4);
    let before = live(&lib);
    let info = lib.begin(A, now(), no_budget_limit).unwrap();
    lib.write(PAGE_SIZE + 10, b"after begin", now());
    lib.write(3 * PAGE_SIZE - 3, b"straddles two pages", now());
    lib.grow(2).unwrap();
    lib.write(4 * PAGE_SIZE, b"grown after begin", now());
    let mut frozen = Vec::new();
    for i in 0..info.chunk_count {
        let c = read(&mut lib, info.epoch, i).unwrap();
        assert_eq!(c.hash, sha256(&c.bytes), "chunk {}", i);
        frozen.extend(c.bytes);
    }
    assert_eq!(frozen, before);
    assert_eq!(root_of(&frozen, CS), info.root.unwrap());
    assert_ne!(live(&lib)[..before.len()], before[..]);
}

#[test]
fn a_second_begin_shares_the_open_epoch_until_every_holder_ends_it() {
    let mut lib = stable_lib(2);
    let a = lib.begin(A, now(), no_budget_limit).unwrap();
    let b = lib.begin(B, now(), no_budget_limit).unwrap();
    assert_eq!(a.epoch, b.epoch);
    lib.end(A, a.epoch, now()).unwrap();
    assert!(read(&mut lib, a.epoch, 0).is_ok());
    lib.end(B, a.epoch, now()).unwrap();
    assert_eq!(code(read(&mut lib, a.epoch, 0).unwrap_err()), "EPOCH_ENDED");
    lib.end(B, a.epoch, now()).unwrap();
    assert_eq!(lib.begin(A, now(), no_budget_limit).unwrap().epoch, a.epoch + 1);
}

#[test]
fn unknown_ended_and_expired_epochs_are_told_apart() {
    let mut lib = stable_lib(2);
    assert_eq!(read(&mut lib, 1, 0).unwrap_err(), "UNKNOWN_EPOCH: epoch 1 was never issued by this canister");
    let e = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    assert_eq!(code(read(&mut lib, e, 1).unwrap_err()), "INDEX_OUT_OF_RANGE");
    set_time(now() + 59 * SECOND);
    assert!(read(&mut lib, e, 0).is_ok(), "a read extends the epoch's life");
    set_time(now() + 60 * SECOND);
    assert_eq!(read(&mut lib, e, 0).unwrap_err(), "EPOCH_EXPIRED: epoch 1 expired after 60 s without use; begin a new one");
    assert_eq!(code(lib.end(A, 7, now()).unwrap_err()), "UNKNOWN_EPOCH");
    assert_eq!(code(lib.end(A, 0, now()).unwrap_err()), "UNKNOWN_EPOCH");
}

fn peek(lib: &Library, epoch: u64, index: u64) -> Result<Chunk, String> {
    let bytes = lib.peek_chunk(epoch, index, now())?;
    Ok(Chunk::from_value(&decode_first(&bytes).unwrap()).unwrap())
}

#[test]
fn a_read_by_query_serves_the_frozen_chunk_with_its_hash_and_records_nothing() {
    let mut lib = stable_lib(8);
    let before = live(&lib);
    let info = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!(info.hashed, 1, "chunks 1..3 are not hashed yet");
    lib.write(2 * CS + 1, b"after begin", now());
    let c = peek(&lib, info.epoch, 2).unwrap();
    assert_eq!(c.bytes, before[(2 * CS) as usize..(3 * CS) as usize], "the frozen bytes, not the live ones");
    assert_eq!(c.hash, sha256(&c.bytes), "an unhashed chunk is hashed for the reply");
    let (expires_at, hashed) = lib.status().open_epoch().map(|o| (o.2, o.4)).unwrap();
    assert_eq!((expires_at, hashed), (info.expires_at, 1), "neither the expiry nor the hashes changed");
    let recorded = read(&mut lib, info.epoch, 0).unwrap();
    assert_eq!(peek(&lib, info.epoch, 0).unwrap(), recorded, "the same reply as replication_read");
}

#[test]
fn a_read_by_query_refuses_what_replication_read_refuses() {
    let mut lib = stable_lib(2);
    assert_eq!(peek(&lib, 1, 0).unwrap_err(), "UNKNOWN_EPOCH: epoch 1 was never issued by this canister");
    let e = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    assert_eq!(code(peek(&lib, e, 1).unwrap_err()), "INDEX_OUT_OF_RANGE");
    set_time(now() + 59 * SECOND);
    assert!(peek(&lib, e, 0).is_ok());
    set_time(now() + SECOND);
    assert_eq!(
        peek(&lib, e, 0).unwrap_err(),
        "EPOCH_EXPIRED: epoch 1 expired after 60 s without use; begin a new one",
        "a query does not extend the epoch's life"
    );
    let e2 = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.end(A, e2, now()).unwrap();
    assert_eq!(peek(&lib, e2, 0).unwrap_err(), "EPOCH_ENDED: epoch 2 has ended; begin a new one");
}

#[test]
fn an_expired_epoch_releases_its_preserved_pages_on_the_next_write() {
    let mut lib = stable_lib(2);
    lib.begin(A, now(), no_budget_limit).unwrap();
    lib.write(0, b"x", now());
    assert_eq!(lib.status().open_epoch().unwrap().5, 1);
    set_time(now() + 61 * SECOND);
    lib.write(0, b"y", now());
    assert!(lib.status().open_epoch().is_none());
}

#[test]
fn an_epoch_whose_preserved_pages_outgrow_the_limit_ends_with_a_reason() {
    let mut lib = stable_lib(6);
    let e = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.write(0, &vec![0u8; (3 * PAGE_SIZE) as usize], now());
    assert!(read(&mut lib, e, 0).is_ok(), "three preserved pages are within the limit");
    lib.write(3 * PAGE_SIZE, b"one page more", now());
    assert_eq!(
        read(&mut lib, e, 0).unwrap_err(),
        format!("EPOCH_ENDED: epoch 1 was ended because writes since begin preserved more than {} bytes; begin a new one", 3 * PAGE_SIZE)
    );
}

#[test]
fn changes_list_exactly_the_chunks_written_since_an_ended_epoch() {
    let mut lib = stable_lib(8);
    let first = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.end(A, first, now()).unwrap();
    lib.write(2 * CS + 5, b"changed", now());
    lib.write(0, &live(&lib)[..3], now()); // same bytes: not a change
    lib.grow(1).unwrap();
    let second = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    let changes = lib.changes(&ChangesArgs { epoch: second, since_epoch: first, start: 0 }, now()).unwrap();
    assert_eq!(changes, Changes { indices: vec![2, 4], next: None });
    let from3 = lib.changes(&ChangesArgs { epoch: second, since_epoch: first, start: 3 }, now()).unwrap();
    assert_eq!(from3.indices, vec![4]);
    assert_eq!(code(lib.changes(&ChangesArgs { epoch: second, since_epoch: 99, start: 0 }, now()).unwrap_err()), "SINCE_EPOCH_UNAVAILABLE");
}

#[test]
fn begin_hashes_within_its_budget_and_continues_on_the_next_begin() {
    let mut lib = stable_lib(8);
    let pending = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!((pending.root, pending.hashed), (None, 1), "each begin hashes at least one chunk");
    assert_eq!(code(lib.changes(&ChangesArgs { epoch: 1, since_epoch: 1, start: 0 }, now()).unwrap_err()), "EPOCH_PREPARING");
    let c = read(&mut lib, 1, 2).unwrap();
    assert_eq!(c.hash, sha256(&c.bytes));
    let next = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!((next.root, next.hashed), (None, 3), "a read hashed chunk 2, this begin chunk 1");
    let done = lib.begin(A, now(), no_budget_limit).unwrap();
    assert_eq!(done.epoch, 1);
    assert_eq!(done.hashed, 4);
    assert!(done.root.is_some());
}

#[test]
fn unchanged_chunks_keep_their_hash_between_epochs() {
    let mut lib = stable_lib(6);
    let e = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.end(A, e, now()).unwrap();
    lib.write(CS, b"z", now());
    let again = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!(again.root.is_some(), true, "only the written chunk needed hashing");
}

#[test]
fn restore_with_a_wrong_root_leaves_everything_untouched() {
    let mut lib = stable_lib(3);
    let before = live(&lib);
    let image = vec![9u8; (3 * PAGE_SIZE) as usize];
    let root = root_of(&image, CS);
    let t = lib.restore_begin(image.len() as u64, CS, [0; 32]).unwrap();
    for i in 0..t.chunk_count {
        lib.restore_write(t.restore, i, &image[(i * CS) as usize..((i + 1) * CS).min(image.len() as u64) as usize]).unwrap();
    }
    assert_eq!(code(lib.restore_commit(t.restore, root).unwrap_err()), "ROOT_MISMATCH");
    let e = lib.restore_commit(t.restore, [0; 32]).unwrap_err();
    assert!(e.starts_with("ROOT_MISMATCH: the written chunks give root "), "{}", e);
    assert_eq!(live(&lib), before);
    assert_eq!(code(lib.grow(1).unwrap_err()), "RESTORE_IN_PROGRESS");
    assert_eq!(code(lib.begin(A, now(), no_budget_limit).unwrap_err()), "RESTORE_IN_PROGRESS");
    lib.restore_abort(t.restore).unwrap();
    assert_eq!(code(lib.restore_write(t.restore, 0, &[]).unwrap_err()), "UNKNOWN_RESTORE");
    assert_eq!(live(&lib), before);
}

#[test]
fn restore_checks_chunk_lengths_and_completeness_then_swaps_the_region() {
    let mut lib = stable_lib(2);
    lib.begin(A, now(), no_budget_limit).unwrap();
    let image: Vec<u8> = (0..(5 * PAGE_SIZE + 123)).map(|i| (i % 251) as u8).collect();
    let root = root_of(&image, CS);
    let t = lib.restore_begin(image.len() as u64, CS, root).unwrap();
    assert_eq!(t.chunk_count, 3);
    assert_eq!(code(lib.restore_write(t.restore, 3, &[1]).unwrap_err()), "BAD_CHUNK");
    assert_eq!(
        lib.restore_write(t.restore, 2, &[1, 2]).unwrap_err(),
        format!("BAD_CHUNK: chunk 2 has 2 bytes; the image's chunk 2 has {}", PAGE_SIZE + 123)
    );
    let chunk = |i: u64| &image[(i * CS) as usize..((i + 1) * CS).min(image.len() as u64) as usize];
    assert_eq!(lib.restore_write(t.restore, 0, chunk(0)).unwrap(), sha256(chunk(0)));
    lib.restore_write(t.restore, 2, chunk(2)).unwrap();
    assert_eq!(lib.restore_commit(t.restore, root).unwrap_err(), "RESTORE_INCOMPLETE: 2 of 3 chunks written; first missing is 1");
    lib.restore_write(t.restore, 1, chunk(1)).unwrap();
    lib.restore_commit(t.restore, root).unwrap();
    assert_eq!(live(&lib), image);
    assert_eq!(code(read(&mut lib, 1, 0).unwrap_err()), "EPOCH_ENDED");
    let info = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!(info.root, Some(root), "the restored chunks' hashes are reused");
    lib.end(A, info.epoch, now()).unwrap();
    lib.grow(1).unwrap();
    lib.write(image.len() as u64, b"the region still grows after a restore", now());
}

#[test]
fn a_serialized_image_rewrites_only_changed_chunks() {
    reset_stable();
    let mut lib = Library::install(settings(STYLE_SERIALIZED)).unwrap();
    let mut state = vec![3u8; (4 * CS) as usize + 7];
    lib.store_image(&state).unwrap();
    let e = lib.begin(A, now(), no_budget_limit).unwrap();
    assert_eq!(e.root, Some(root_of(&state, CS)));
    lib.end(A, e.epoch, now()).unwrap();
    state[(CS + 1) as usize] = 4;
    state.push(5);
    lib.store_image(&state).unwrap();
    let again = lib.begin(A, now(), budget_spent).unwrap();
    assert_eq!(again.hashed, 4, "chunks 0, 2 and 3 kept their hashes; this begin hashed one more");
    let done = lib.begin(A, now(), no_budget_limit).unwrap();
    assert_eq!(done.root, Some(root_of(&state, CS)));
    assert_eq!(lib.region_bytes(), state);
}

#[test]
fn an_upgrade_keeps_the_allow_list_retained_hashes_and_epoch_numbers() {
    let mut lib = stable_lib(4);
    lib.allow(B);
    let e = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.end(A, e, now()).unwrap();
    let open = lib.begin(A, now(), no_budget_limit).unwrap().epoch;
    lib.save().unwrap();
    let mut after = Library::restore_saved(settings(STYLE_STABLE)).unwrap();
    assert!(after.is_allowed(B) && !after.is_allowed(A));
    assert_eq!(code(read(&mut after, open, 0).unwrap_err()), "EPOCH_ENDED");
    after.write(0, b"new", now());
    let next = after.begin(A, now(), budget_spent).unwrap();
    assert_eq!(next.epoch, open + 1);
    assert!(next.root.is_some(), "cached hashes survived the upgrade; only chunk 0 was rehashed");
    after.begin(A, now(), no_budget_limit).unwrap();
    let changes = after.changes(&ChangesArgs { epoch: next.epoch, since_epoch: e, start: 0 }, now()).unwrap();
    assert_eq!(changes.indices, vec![0]);
    after.grow(1).unwrap();
}

#[test]
fn an_unknown_layout_version_is_refused() {
    let _ = stable_lib(1);
    crate::ic0::native::reset_stable();
    unsafe { crate::ic0::stable64_grow(1) };
    let mut header = b"RPLC".to_vec();
    header.extend_from_slice(&7u32.to_le_bytes());
    super::region::write(0, &header);
    let err = Library::restore_saved(settings(STYLE_STABLE)).err().unwrap();
    assert!(err.contains("layout version 7"), "{}", err);
}

#[test]
fn a_fence_refuses_app_writes_with_its_reason_and_lifts_when_unfenced() {
    let mut lib = stable_lib(2);
    assert!(lib.guard_write().is_ok());
    lib.set_fence(true, None).unwrap();
    assert_eq!(lib.guard_write().unwrap_err(), "FENCED: this canister is not the primary");
    lib.set_fence(true, Some("promoted bkp-1 on subnet 2".to_string())).unwrap();
    assert_eq!(lib.guard_write().unwrap_err(), "FENCED: promoted bkp-1 on subnet 2");
    let too_long = "x".repeat(super::library::MAX_FENCE_REASON_BYTES + 1);
    assert_eq!(code(lib.set_fence(false, Some(too_long)).unwrap_err()), "BAD_ARGUMENT");
    assert_eq!(lib.fence_reason(), Some("promoted bkp-1 on subnet 2"), "a refused fence changes nothing");
    lib.set_fence(false, None).unwrap();
    assert!(lib.guard_write().is_ok());
    assert!(!lib.fenced());
}

#[test]
fn a_fenced_canister_still_serves_epochs_and_takes_a_restore_and_stays_fenced() {
    let mut lib = stable_lib(2);
    lib.set_fence(true, Some("failback".to_string())).unwrap();
    let e = lib.begin(A, now(), no_budget_limit).unwrap();
    read(&mut lib, e.epoch, 0).unwrap();
    lib.end(A, e.epoch, now()).unwrap();
    let image = vec![7u8; (3 * PAGE_SIZE) as usize];
    let root = root_of(&image, CS);
    let t = lib.restore_begin(image.len() as u64, CS, root).unwrap();
    for i in 0..t.chunk_count {
        lib.restore_write(t.restore, i, &image[(i * CS) as usize..((i + 1) * CS).min(image.len() as u64) as usize]).unwrap();
    }
    lib.restore_commit(t.restore, root).unwrap();
    assert_eq!(live(&lib), image);
    assert_eq!(lib.guard_write().unwrap_err(), "FENCED: failback");
}

#[test]
fn an_upgrade_keeps_the_fence_and_its_reason() {
    let mut lib = stable_lib(1);
    lib.set_fence(true, Some("old primary".to_string())).unwrap();
    lib.save().unwrap();
    let after = Library::restore_saved(settings(STYLE_STABLE)).unwrap();
    assert_eq!(after.guard_write().unwrap_err(), "FENCED: old primary");

    let mut lib = stable_lib(1);
    lib.set_fence(true, None).unwrap();
    lib.save().unwrap();
    let mut after = Library::restore_saved(settings(STYLE_STABLE)).unwrap();
    assert_eq!(after.guard_write().unwrap_err(), "FENCED: this canister is not the primary");
    after.set_fence(false, None).unwrap();
    after.save().unwrap();
    assert!(Library::restore_saved(settings(STYLE_STABLE)).unwrap().guard_write().is_ok());
}

#[test]
fn state_saved_before_fencing_existed_reads_as_unfenced() {
    let mut lib = stable_lib(1);
    lib.allow(B);
    lib.set_fence(true, None).unwrap();
    lib.save().unwrap();
    // The fence is the saved state's last two bytes (fenced, no reason): without them the state
    // is what an older release saved.
    let mut header = super::region::Header::load().unwrap().unwrap();
    header.saved_len -= 2;
    header.store();
    let after = Library::restore_saved(settings(STYLE_STABLE)).unwrap();
    assert!(after.is_allowed(B));
    assert!(!after.fenced());
}
