//! The pull run: begin an epoch at the source, list what changed since the last generation,
//! pull the missing chunks with bounded concurrency, verify each and the whole-image root, seal
//! a generation, end the epoch. See docs/backup-canister.md for the state machine.

use crate::api;
use crate::calls::{self, Outcome};
use crate::candid::{decode_first, encode_one, idl_hash, Value};
use crate::protocol::{self, reject, Changes, ChangesArgs, EndArgs, ImageInfo, ReadArgs};
use crate::sha256::{hex, sha256, Digest};
use crate::state::{Generation, Pending, Phase, Run, State};
use std::collections::BTreeSet;

/// Tries per chunk (and for begin) before the run pauses: a corrupted or rejected chunk is
/// fetched again, but a source that keeps failing is left for a later `sync`.
pub const MAX_ATTEMPTS: u32 = 4;

/// What one read may cost up front: the 260 K base fee plus 1 K per byte of the 2 MiB reply the
/// system reserves before the call (the unused part comes back with the reply).
pub const CALL_RESERVE: u128 = 260_000 + 1_000 * 2 * 1024 * 1024 + 50_000_000;

/// The most one call in flight can give back: the reply's transmission reserve (in
/// `CALL_RESERVE`) and the prepayment for executing its callback, which the system takes for
/// the callback's whole instruction limit (5 M base + 40 B instructions at 1 cycle each on a
/// 13-node subnet) and refunds, unused, after the callback ran. Scaled to a 34-node subnet, the
/// largest fees a backup canister may pay, so a refund is never mistaken for a deposit.
pub const MAX_REFUND_PER_CALL: u128 = (CALL_RESERVE + 5_000_000 + 40_000_000_000) * 34 / 13;

/// Liquid cycles kept untouched beyond the calls' reserve, so the canister can still answer
/// `status` and be topped up and resumed.
const LIQUID_FLOOR: u128 = 2_000_000_000;

const BEGIN_KEY: u64 = u64::MAX;
const ROOT_KEY: u64 = u64::MAX - 1;

/// Starts a run, or continues the current one. Returns whether a new run was started.
pub fn sync(s: &mut State) -> bool {
    // What happened to the balance since the last look (a top-up while paused, say) belongs
    // to the run so far, before the marks start afresh.
    account_cycles(s);
    let phase = s.run.as_ref().map(|r| r.phase);
    let started = match phase {
        Some(p) if p.is_active() => false,
        Some(Phase::Paused) => {
            resume(s);
            false
        }
        _ => {
            discard_run(s);
            let id = s.next_run;
            s.next_run += 1;
            s.run = Some(new_run(id));
            true
        }
    };
    let in_flight = s.pending.len() as u64;
    let r = s.run.as_mut().unwrap();
    r.balance_mark = api::cycle_balance();
    r.in_flight_mark = in_flight;
    r.budget_from = r.cycles_spent;
    started
}

fn new_run(id: u64) -> Run {
    Run::fresh(id, api::time(), api::cycle_balance())
}

/// Puts a paused run (or one whose calls an upgrade cut off) back where its saved progress says.
pub fn resume(s: &mut State) {
    let r = match s.run.as_mut() {
        Some(r) => r,
        None => return,
    };
    if r.phase == Phase::Sealed || r.phase == Phase::Failed {
        return;
    }
    r.error = None;
    r.attempts.clear();
    r.queue.clear();
    if r.generation.is_some() {
        r.phase = Phase::Ending;
    } else {
        // Ask the source again what the image is: the answer may have been damaged in transit,
        // or the epoch may be gone. The same epoch keeps the chunks pulled so far.
        r.phase = Phase::Beginning;
    }
}

/// Continues after a begin reply: where the run left off if the image is the one it was
/// pulling, from scratch if the source now serves another.
fn continue_with(s: &mut State, info: &ImageInfo, root: Digest) -> bool {
    let r = s.run.as_mut().unwrap();
    if r.chunk_size == 0 {
        return false;
    }
    if r.epoch != info.epoch || r.size != info.size || r.chunk_size != info.chunk_size {
        for h in r.slots.drain(..).flatten() {
            s.store.release(&h);
        }
        r.chunk_size = 0;
        r.listed = false;
        r.changed.clear();
        r.changes_cursor = 0;
        return false;
    }
    r.root = root;
    if r.incremental && !r.listed {
        r.phase = Phase::ListingChanges;
        r.changed.clear();
        r.changes_cursor = 0;
    } else {
        r.phase = Phase::Pulling;
        r.queue = (0..r.slots.len() as u64).filter(|i| r.slots[*i as usize].is_none()).collect();
    }
    true
}

/// Points the backup canister at another source (a promoted replica, a restored app). Every
/// sealed generation stays; the next run is a full pull, because no generation is of the new
/// source. Refused while a restore is active, and while a run is active unless `abandon_run`;
/// a paused or failed run is discarded. The same source again changes nothing, so a run is only
/// ever abandoned when it pulls from a source other than the one being set.
pub fn set_source(s: &mut State, source: Vec<u8>, abandon_run: bool) -> Result<(), String> {
    if source == s.config.source {
        return Ok(());
    }
    if source.is_empty() {
        return Err(format!("{}: the management canister cannot be a source", reject::BAD_ARGUMENT));
    }
    if source == api::self_id() {
        return Err(format!("{}: a backup canister cannot be its own source", reject::BAD_ARGUMENT));
    }
    if let Some(j) = s.restore.as_ref().filter(|j| j.phase.is_active()) {
        return Err(format!(
            "{}: generation {} is being restored into {}; change the source once it has committed or failed",
            reject::RESTORE_IN_PROGRESS,
            j.generation,
            api::principal_text(&j.target)
        ));
    }
    if let Some(r) = s.run.as_ref().filter(|r| r.phase.is_active()) {
        if !abandon_run {
            return Err(format!(
                "{}: run {} is {}; change the source once it has sealed or paused, or abandon the run (abandon_run = true)",
                reject::RUN_IN_PROGRESS,
                r.id,
                r.phase.name()
            ));
        }
        let why = format!(
            "{}: run {} was {} from {} when the source changed to {}",
            ABANDONED,
            r.id,
            r.phase.name(),
            api::principal_text(&s.config.source),
            api::principal_text(&source)
        );
        // It stays in `status.run` (failed, or sealed if it was only ending) until the next sync,
        // so whoever re-pointed the canister sees what was given up.
        abandon(s, why);
    } else if s.run.as_ref().map_or(false, |r| matches!(r.phase, Phase::Paused | Phase::Failed)) {
        discard_run(s);
    }
    s.config.source = source;
    Ok(())
}

/// The error of a run given up by `set_source` with `abandon_run`.
pub const ABANDONED: &str = "ABANDONED";

/// Gives up the active run without waiting for its calls. A run that is only waiting for
/// `replication_end` has sealed its generation already: it becomes sealed (the source lets the
/// epoch expire by itself). Any other run fails and lets go of its chunks. Its calls stay in
/// `pending` until their replies come, which then find the run no longer current and change
/// nothing but the cycle accounting (see `calls::dispatch`).
fn abandon(s: &mut State, why: String) {
    let ending = s.run.as_ref().map_or(false, |r| r.phase == Phase::Ending);
    if ending {
        api::print(&format!("run sealed without replication_end: {}", why));
        s.run.as_mut().unwrap().phase = Phase::Sealed;
    } else {
        fail(s, why);
    }
}

/// Lets go of the chunks an unfinished run held, so a new run starts clean.
fn discard_run(s: &mut State) {
    if let Some(r) = s.run.as_mut() {
        for h in r.slots.drain(..).flatten() {
            s.store.release(&h);
        }
    }
    s.run = None;
}

fn fail(s: &mut State, why: String) {
    api::print(&format!("run failed: {}", why));
    if let Some(r) = s.run.as_mut() {
        for h in r.slots.iter_mut().filter_map(|x| x.take()) {
            s.store.release(&h);
        }
        r.phase = Phase::Failed;
        r.error = Some(why);
        r.finished_at = Some(api::time());
        r.queue.clear();
    }
}

fn pause(s: &mut State, why: String) {
    api::print(&format!("run paused: {}", why));
    if let Some(r) = s.run.as_mut() {
        r.phase = Phase::Paused;
        r.error = Some(why);
    }
}

/// Charges the balance change since the last look to the run; refunds of reserved call fees
/// come back the same way, so the sum is what the run really cost (plus any other traffic the
/// canister had meanwhile). A rise larger than the calls then in flight could refund is a
/// deposit and goes to `cycles_received` instead.
pub fn account_cycles(s: &mut State) {
    account(s, true);
}

/// The look taken by a late reply of a run that is no longer current. The rise it sees holds
/// the refund of that run's reserve, which the current run never paid, so a rise counts as
/// nothing spent (a deposit still counts as received, a fall still as spent). What this misses,
/// the execution refund of the message before, is about what the next look counts back as this
/// callback's own execution refund; the two differ by the instructions the two executions used.
pub fn account_cycles_past_refund(s: &mut State) {
    account(s, false);
}

fn account(s: &mut State, refunds_count: bool) {
    let in_flight = s.pending.len() as u64;
    if let Some(r) = s.run.as_mut() {
        if r.phase.is_active() || r.phase == Phase::Paused {
            let b = api::cycle_balance();
            let (spent, received) = balance_change(r.balance_mark, b, r.in_flight_mark);
            if refunds_count || spent > 0 {
                r.cycles_spent += spent;
            }
            r.cycles_received += received;
            r.balance_mark = b;
            r.in_flight_mark = in_flight;
        }
    }
}

/// Splits the balance change between two looks into (spent, received). A canister cannot see
/// deposits, but its balance rises only by refunds and deposits, and each call in flight can
/// refund at most `MAX_REFUND_PER_CALL`. A rise within (calls in flight + 1) of those is a
/// refund and counts back against what was spent (the one extra covers the previous callback's
/// execution refund, which lands after its look, and a reply to a call made before an upgrade,
/// which the canister no longer counts); a larger rise is a deposit, all of it received.
pub fn balance_change(before: u128, after: u128, in_flight: u64) -> (i128, u128) {
    if after <= before {
        return ((before - after) as i128, 0);
    }
    let rise = after - before;
    if rise > (in_flight as u128 + 1) * MAX_REFUND_PER_CALL {
        (0, rise)
    } else {
        (-(rise as i128), 0)
    }
}

pub fn waiting_for_image(s: &State) -> bool {
    match &s.run {
        Some(r) => r.phase == Phase::Beginning && !s.is_pending(Pending::Begin { run: r.id }),
        None => false,
    }
}

/// Why no further read may be issued now, if any: the run's budget, or the freezing margin.
fn money_stop(s: &State) -> Option<String> {
    let r = s.run.as_ref()?;
    if let Some(budget) = s.config.cycle_budget {
        let spent = (r.cycles_spent - r.budget_from).max(0) as u128;
        if spent + CALL_RESERVE > budget {
            return Some(format!("BUDGET_EXHAUSTED: spent {} of the {} cycles this sync may use", spent, budget));
        }
    }
    let liquid = api::liquid_cycle_balance();
    // Every chunk in flight, and the one about to be asked for, is stored when it lands; the
    // memory it adds raises the freezing threshold with it, and a threshold that overtakes the
    // balance freezes the canister instead of pausing it. Stable memory grows by whole pages
    // (one more than the bytes fill, as chunks need not start on a page); the heap may grow once
    // by the reply being decoded (two copies of a chunk), as replies are handled one at a time.
    let page = protocol::PAGE_SIZE as u128;
    let chunk = r.chunk_size as u128;
    let landing = (up((s.reads_in_flight() as u128 + 1) * chunk, page) + 1) * page + 2 * chunk;
    let growth = threshold_growth(api::cycle_balance().saturating_sub(liquid), api::memory_bytes() as u128, landing);
    let needed = CALL_RESERVE + LIQUID_FLOOR + growth;
    if liquid < needed {
        return Some(format!(
            "LOW_CYCLES: {} cycles above the freezing threshold, a read needs {} ({} of them for the threshold's growth as {} bytes in flight are stored)",
            liquid, needed, growth, landing
        ));
    }
    None
}

/// The IC's storage fee, 127 K cycles per GiB per second on a 13-node subnet: the freezing
/// threshold reserves it for every byte of memory over the threshold's seconds.
pub const STORAGE_FEE_PER_GIB_SECOND: u128 = 127_000;
const GIB: u128 = 1 << 30;

/// How much the freezing threshold's reserve grows when `bytes` more memory is held: bytes ×
/// storage fee × threshold seconds. The canister cannot read its threshold setting, but the
/// reserve it holds now (`reserve`, balance minus liquid balance) is memory × fee × seconds, so
/// the seconds follow from it. Rounded up; `memory` leaves out the module's bytes, which only
/// overstates the seconds, so the estimate errs towards pausing early.
pub fn threshold_growth(reserve: u128, memory: u128, bytes: u128) -> u128 {
    if memory == 0 || reserve == 0 {
        return 0;
    }
    let seconds = up(reserve * GIB, memory * STORAGE_FEE_PER_GIB_SECOND);
    up(bytes * STORAGE_FEE_PER_GIB_SECOND * seconds, GIB)
}

fn up(n: u128, d: u128) -> u128 {
    (n + d - 1) / d
}

pub fn pump(s: &mut State) {
    account_cycles(s);
    let (id, phase) = match &s.run {
        Some(r) => (r.id, r.phase),
        None => return,
    };
    let source = s.config.source.clone();
    match phase {
        Phase::Beginning => {
            if !s.is_pending(Pending::Begin { run: id }) && !calls::issue(s, &source, "replication_begin", calls::EMPTY_ARGS, Pending::Begin { run: id }) {
                pause(s, "LOW_CYCLES: the call to replication_begin could not be queued".to_string());
            }
        }
        Phase::ListingChanges => {
            if s.is_pending(Pending::Changes { run: id }) {
                return;
            }
            let r = s.run.as_ref().unwrap();
            let since = r.base.and_then(|b| s.generations.get(&b)).map(|g| g.epoch);
            let since = match since {
                Some(e) => e,
                None => {
                    full_pull(s);
                    return pump(s);
                }
            };
            let arg = encode_one(ChangesArgs::candid_type(), ChangesArgs { epoch: r.epoch, since_epoch: since, start: r.changes_cursor }.to_value());
            if !calls::issue(s, &source, "replication_changes", &arg, Pending::Changes { run: id }) {
                pause(s, "LOW_CYCLES: the call to replication_changes could not be queued".to_string());
            }
        }
        Phase::Pulling => pull(s, id, &source),
        Phase::Ending => {
            let epoch = s.run.as_ref().unwrap().epoch;
            if !s.is_pending(Pending::End { run: id }) {
                let arg = encode_one(EndArgs::candid_type(), EndArgs { epoch }.to_value());
                if !calls::issue(s, &source, "replication_end", &arg, Pending::End { run: id }) {
                    // The epoch expires at the source on its own; the generation is sealed.
                    s.run.as_mut().unwrap().phase = Phase::Sealed;
                }
            }
        }
        Phase::Sealed | Phase::Paused | Phase::Failed => {}
    }
}

fn pull(s: &mut State, id: u64, source: &[u8]) {
    loop {
        let parallelism = s.config.parallelism.max(1) as usize;
        let in_flight = s.reads_in_flight();
        let r = s.run.as_ref().unwrap();
        if r.queue.is_empty() {
            if in_flight == 0 {
                finish(s);
            }
            return;
        }
        if in_flight >= parallelism {
            return;
        }
        if let Some(why) = money_stop(s) {
            pause(s, why);
            return;
        }
        let r = s.run.as_mut().unwrap();
        let index = r.queue.pop_front().unwrap();
        if r.slots[index as usize].is_some() {
            continue;
        }
        let arg = encode_one(ReadArgs::candid_type(), ReadArgs { epoch: r.epoch, index }.to_value());
        let epoch = r.epoch;
        if !calls::issue(s, source, "replication_read", &arg, Pending::Read { run: id, epoch, index }) {
            s.run.as_mut().unwrap().queue.push_front(index);
            pause(s, "LOW_CYCLES: a call to replication_read could not be queued".to_string());
            return;
        }
    }
}

fn current(s: &mut State, run: u64) -> Option<&mut Run> {
    s.run.as_mut().filter(|r| r.id == run)
}

pub fn on_begin(s: &mut State, run: u64, outcome: Outcome) {
    match current(s, run) {
        Some(r) if r.phase == Phase::Beginning => {}
        _ => return,
    }
    let info = match outcome {
        Ok(bytes) => decode_first(&bytes).and_then(|v| ImageInfo::from_value(&v)),
        Err((code, msg)) => {
            if msg.starts_with(reject::EPOCH_PREPARING) {
                return; // the timer asks again shortly
            }
            Err(calls::reject_text(code, &msg))
        }
    };
    let info = match info {
        Ok(i) => i,
        Err(e) => {
            let r = s.run.as_mut().unwrap();
            let n = r.attempts.entry(BEGIN_KEY).or_insert(0);
            *n += 1;
            r.retries += 1;
            if *n >= MAX_ATTEMPTS {
                pause(s, format!("SOURCE_FAILED: replication_begin: {}", e));
            }
            return;
        }
    };
    let root = match info.root {
        Some(root) => root,
        None => return, // still hashing at the source; the timer asks again
    };
    if continue_with(s, &info, root) {
        return;
    }
    if info.chunk_size == 0 || info.chunk_size > protocol::MAX_CHUNK_SIZE || info.chunk_count != protocol::chunk_count(info.size, info.chunk_size) {
        fail(s, format!("BAD_IMAGE: size {} chunk size {} chunk count {} do not agree", info.size, info.chunk_size, info.chunk_count));
        return;
    }
    // Only a generation of this source can be a base: another source's epochs and chunk
    // indices say nothing about this one's changes.
    let base = s.generations.values().rev().find(|g| g.chunk_size == info.chunk_size && g.source == s.config.source).map(|g| g.id);
    let r = s.run.as_mut().unwrap();
    r.attempts.clear();
    r.epoch = info.epoch;
    r.size = info.size;
    r.chunk_size = info.chunk_size;
    r.root = root;
    r.slots = vec![None; info.chunk_count as usize];
    r.base = base;
    r.incremental = base.is_some();
    if r.incremental {
        r.phase = Phase::ListingChanges;
    } else {
        full_pull(s);
    }
}

/// Queues every chunk. Chunks already stored (in any generation) are still fetched, since
/// only the fetched bytes prove what the source's chunk is; they are stored once all the same.
fn full_pull(s: &mut State) {
    let r = s.run.as_mut().unwrap();
    r.incremental = false;
    r.listed = true;
    r.phase = Phase::Pulling;
    r.queue = (0..r.slots.len() as u64).filter(|i| r.slots[*i as usize].is_none()).collect();
}

pub fn on_changes(s: &mut State, run: u64, outcome: Outcome) {
    match current(s, run) {
        Some(r) if r.phase == Phase::ListingChanges => {}
        _ => return,
    }
    let changes = match outcome {
        Ok(bytes) => decode_first(&bytes).and_then(|v| Changes::from_value(&v)),
        Err((code, msg)) => Err(calls::reject_text(code, &msg)),
    };
    let changes = match changes {
        Ok(c) => c,
        Err(e) => {
            // Without a trustworthy change list (e.g. SINCE_EPOCH_UNAVAILABLE) pull everything.
            api::print(&format!("replication_changes failed, pulling the whole image: {}", e));
            full_pull(s);
            return;
        }
    };
    let r = s.run.as_mut().unwrap();
    r.changed.extend(changes.indices);
    if let Some(next) = changes.next {
        r.changes_cursor = next;
        return;
    }
    let changed: BTreeSet<u64> = r.changed.drain(..).collect();
    let base = r.base.and_then(|b| s.generations.get(&b));
    let r = s.run.as_mut().unwrap();
    r.queue.clear();
    for i in 0..r.slots.len() {
        if r.slots[i].is_some() {
            continue;
        }
        let reuse = if changed.contains(&(i as u64)) { None } else { base.and_then(|g| g.hashes.get(i)) };
        match reuse {
            Some(h) if s.store.retain(h) => {
                r.slots[i] = Some(*h);
                r.chunks_reused += 1;
            }
            _ => r.queue.push_back(i as u64),
        }
    }
    r.listed = true;
    r.phase = Phase::Pulling;
}

/// The chunk's bytes and hash, taken out of the decoded reply without another copy.
fn take_chunk(bytes: &[u8]) -> Result<(Vec<u8>, Digest), String> {
    let fields = match decode_first(bytes)? {
        Value::Record(f) => f,
        _ => return Err("replication_read reply is not a record".to_string()),
    };
    let (mut data, mut hash) = (None, None);
    for (label, v) in fields {
        if label == idl_hash("bytes") {
            data = Some(match v {
                Value::Blob(b) => b,
                Value::Vec(v) if v.is_empty() => Vec::new(),
                _ => return Err("chunk bytes are not a blob".to_string()),
            });
        } else if label == idl_hash("hash") {
            if let Value::Blob(b) = v {
                if b.len() == 32 {
                    let mut d = [0u8; 32];
                    d.copy_from_slice(&b);
                    hash = Some(d);
                }
            }
        }
    }
    match (data, hash) {
        (Some(d), Some(h)) => Ok((d, h)),
        _ => Err("replication_read reply lacks bytes or a 32-byte hash".to_string()),
    }
}

pub fn on_read(s: &mut State, run: u64, epoch: u64, index: u64, outcome: Outcome) {
    // Only a chunk this run still lacks, of the epoch it pulls now, is looked at; anything else
    // (a late reply of an abandoned run, of an epoch given up, of a chunk fetched meanwhile) is
    // dropped without touching the run or the store.
    let (size, chunk_size) = match current(s, run) {
        Some(r) if (r.phase == Phase::Pulling || r.phase == Phase::Paused) && r.epoch == epoch && matches!(r.slots.get(index as usize), Some(None)) => {
            (r.size, r.chunk_size)
        }
        _ => return,
    };
    let checked = match outcome {
        Ok(reply) => take_chunk(&reply).and_then(|(bytes, hash)| {
            let want = protocol::chunk_len(size, chunk_size, index);
            if bytes.len() as u64 != want {
                return Err(format!("{}: chunk {} has {} bytes, expected {}", reject::BAD_CHUNK, index, bytes.len(), want));
            }
            let actual = sha256(&bytes);
            if actual != hash {
                return Err(format!("{}: chunk {} hashes to {}, the source says {}", reject::BAD_CHUNK, index, hex(&actual), hex(&hash)));
            }
            Ok((bytes, hash))
        }),
        Err((code, msg)) => {
            if msg.starts_with(reject::UNKNOWN_EPOCH) || msg.starts_with(reject::EPOCH_ENDED) || msg.starts_with(reject::EPOCH_EXPIRED) {
                fail(s, format!("EPOCH_LOST: the source no longer serves epoch: {}", msg));
                return;
            }
            Err(calls::reject_text(code, &msg))
        }
    };
    match checked {
        Ok((bytes, hash)) => match s.store.put(&hash, &bytes) {
            Ok(_) => {
                let r = s.run.as_mut().unwrap();
                r.slots[index as usize] = Some(hash);
                r.chunks_fetched += 1;
                r.bytes_fetched += bytes.len() as u64;
            }
            Err(e) => {
                s.run.as_mut().unwrap().queue.push_front(index);
                pause(s, format!("STORAGE_FULL: {}", e));
            }
        },
        Err(e) => {
            let r = s.run.as_mut().unwrap();
            r.retries += 1;
            let n = r.attempts.entry(index).or_insert(0);
            *n += 1;
            if *n >= MAX_ATTEMPTS {
                r.queue.push_front(index);
                let why = format!("CHUNK_FAILED: chunk {} failed {} times, last: {}", index, n, e);
                pause(s, why);
            } else {
                r.queue.push_back(index);
            }
        }
    }
}

/// Every chunk is verified; the image root decides whether they form the source's image.
fn finish(s: &mut State) {
    let r = s.run.as_mut().unwrap();
    if r.slots.iter().any(|x| x.is_none()) {
        r.queue = (0..r.slots.len() as u64).filter(|i| r.slots[*i as usize].is_none()).collect();
        return;
    }
    let hashes: Vec<Digest> = r.slots.iter().map(|x| x.unwrap()).collect();
    let root = protocol::image_root(r.size, r.chunk_size, &hashes);
    if root != r.root {
        if r.incremental {
            // The change list missed something: trust only bytes, pull the whole image.
            api::print("root mismatch after an incremental pull; pulling the whole image");
            for h in r.slots.iter_mut().filter_map(|x| x.take()) {
                s.store.release(&h);
            }
            full_pull(s);
            return;
        }
        let why = format!("{}: chunks give root {}, the source announced {}", reject::ROOT_MISMATCH, hex(&root), hex(&r.root));
        let n = r.attempts.entry(ROOT_KEY).or_insert(0);
        *n += 1;
        if *n < MAX_ATTEMPTS {
            // Every chunk matched its hash; the announced root may be what was damaged.
            r.retries += 1;
            r.phase = Phase::Beginning;
            return;
        }
        fail(s, why);
        return;
    }
    let id = s.next_generation;
    s.next_generation += 1;
    let r = s.run.as_mut().unwrap();
    r.slots.clear(); // the generation takes over the chunk references
    let now = api::time();
    s.generations.insert(
        id,
        Generation { id, source: s.config.source.clone(), root, size: r.size, chunk_size: r.chunk_size, epoch: r.epoch, started_at: r.started_at, sealed_at: now, hashes, chunks_fetched: r.chunks_fetched },
    );
    r.generation = Some(id);
    r.finished_at = Some(now);
    r.phase = Phase::Ending;
}

pub fn on_end(s: &mut State, run: u64) {
    if let Some(r) = current(s, run) {
        if r.phase == Phase::Ending {
            r.phase = Phase::Sealed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_within_the_reserves_of_the_calls_in_flight_is_a_refund_and_a_larger_one_a_deposit() {
        assert_eq!(balance_change(100, 40, 3), (60, 0));
        let most = MAX_REFUND_PER_CALL;
        assert_eq!(balance_change(1_000, 1_000 + 4 * most, 3), (-(4 * most as i128), 0));
        assert_eq!(balance_change(1_000, 1_000 + 4 * most + 1, 3), (0, 4 * most + 1));
        assert_eq!(balance_change(0, most, 0), (-(most as i128), 0), "a late reply from before an upgrade");
        // An unused callback prepayment (40 B) comes back whole: a refund, not a deposit.
        assert_eq!(balance_change(0, 40_005_000_000, 0), (-40_005_000_000, 0));
        let ten_t = 10_000_000_000_000u128;
        assert_eq!(balance_change(5 * ten_t, 6 * ten_t, 4), (0, ten_t), "a 10 T top-up with four reads in flight");
    }

    fn state() -> State {
        crate::ic0::native::reset_stable();
        State::new(crate::state::Config { source: vec![1], coordinators: Vec::new(), parallelism: 4, cycle_budget: None })
    }

    /// A run pulling an 8-byte image in two 4-byte chunks under `epoch`, chunk 0 stored and a
    /// read of chunk 1 in flight.
    fn pulling(s: &mut State, id: u64, epoch: u64) -> Digest {
        let mut r = Run::fresh(id, 0, 0);
        r.phase = Phase::Pulling;
        r.epoch = epoch;
        r.size = 8;
        r.chunk_size = 4;
        r.listed = true;
        let h = sha256(&[1, 2, 3, 4]);
        s.store.put(&h, &[1, 2, 3, 4]).unwrap();
        r.slots = vec![Some(h), None];
        s.run = Some(r);
        s.token(Pending::Read { run: id, epoch, index: 1 });
        h
    }

    fn chunk_reply(bytes: &[u8]) -> Outcome {
        Ok(protocol::Chunk::encode(bytes, &sha256(bytes)))
    }

    #[test]
    fn an_abandoned_run_fails_releases_its_chunks_and_its_late_replies_change_nothing() {
        let mut s = state();
        pulling(&mut s, 7, 3);
        abandon(&mut s, format!("{}: run 7 was pulling", ABANDONED));
        let r = s.run.as_ref().unwrap();
        assert_eq!(r.phase, Phase::Failed);
        assert!(r.error.as_deref().unwrap().starts_with("ABANDONED: "));
        assert!(s.store.index.is_empty(), "the run's chunk is released");
        let late = Pending::Read { run: 7, epoch: 3, index: 1 };
        assert!(!s.is_current(&late));
        on_read(&mut s, 7, 3, 1, chunk_reply(&[5, 6, 7, 8]));
        assert!(s.store.index.is_empty(), "a late chunk of the abandoned run is not stored");
        assert_eq!(s.run.as_ref().unwrap().phase, Phase::Failed);

        // A newer run pulling an image of the same shape under the same epoch number (another
        // source may well use it): the old run's reply is still not taken for its chunk.
        let mut n = state();
        n.pending = s.pending.clone();
        pulling(&mut n, 8, 3);
        assert_eq!(n.reads_in_flight(), 1, "the abandoned run's read does not hold a slot of the new run");
        on_read(&mut n, 7, 3, 1, chunk_reply(&[5, 6, 7, 8]));
        assert_eq!(n.run.as_ref().unwrap().slots[1], None);
        assert_eq!(n.store.index.len(), 1);
        on_read(&mut n, 8, 3, 99, chunk_reply(&[5, 6, 7, 8]));
        on_read(&mut n, 8, 2, 1, chunk_reply(&[5, 6, 7, 8]));
        assert_eq!(n.run.as_ref().unwrap().slots[1], None, "a chunk of an epoch the run gave up is dropped");
        on_read(&mut n, 8, 3, 1, chunk_reply(&[5, 6, 7, 8]));
        assert_eq!(n.run.as_ref().unwrap().slots[1], Some(sha256(&[5, 6, 7, 8])), "the run's own reply is taken");
    }

    #[test]
    fn abandoning_a_run_that_only_waits_for_replication_end_keeps_it_sealed() {
        let mut s = state();
        pulling(&mut s, 4, 1);
        let r = s.run.as_mut().unwrap();
        r.phase = Phase::Ending;
        r.generation = Some(2);
        abandon(&mut s, format!("{}: run 4 was ending", ABANDONED));
        let r = s.run.as_ref().unwrap();
        assert_eq!((r.phase, r.generation, r.error.as_deref()), (Phase::Sealed, Some(2), None));
        on_end(&mut s, 4);
        assert_eq!(s.run.as_ref().unwrap().phase, Phase::Sealed);
    }

    #[test]
    fn threshold_growth_is_bytes_times_storage_fee_times_the_seconds_the_reserve_implies() {
        let gib = 1u128 << 30;
        let thirty_days = 30 * 86_400;
        // 1 GiB held under a 30-day threshold reserves 127 K × 2,592,000 cycles.
        let reserve = STORAGE_FEE_PER_GIB_SECOND * thirty_days;
        assert_eq!(threshold_growth(reserve, gib, gib), reserve);
        // A 64 KiB chunk adds 1/16384 of it, rounded up.
        assert_eq!(threshold_growth(reserve, gib, 64 * 1024), up(reserve, 16_384));
        // Ten years over 3 MiB: a 64 KiB chunk raises the reserve by about 2.4 B cycles.
        let ten_years = 10 * 365 * 86_400;
        let g = threshold_growth(STORAGE_FEE_PER_GIB_SECOND * ten_years * 3 * 1024 * 1024 / gib, 3 * 1024 * 1024, 64 * 1024);
        assert!((2_440_000_000..2_450_000_000).contains(&g), "{}", g);
        assert_eq!(threshold_growth(0, gib, gib), 0);
    }
}
