//! `restore_to`: pushes a sealed generation into a target canister's restore endpoints
//! (`restore_begin`, `restore_write` per chunk with bounded concurrency, `restore_commit`). The
//! target loads the image only if the root matches, so a failed push leaves it untouched.

use crate::api;
use crate::calls::{self, Outcome};
use crate::candid::{decode_first, encode_one};
use crate::protocol::{self, RestoreBeginArgs, RestoreAbortArgs, RestoreCommitArgs, RestoreTicket, RestoreWriteArgs};
use crate::sha256::hex;
use crate::state::{Pending, RestoreJob, RestorePhase, State};
use std::collections::{BTreeMap, VecDeque};

const MAX_ATTEMPTS: u32 = 4;

pub fn start(s: &mut State, target: Vec<u8>, generation: u64) -> Result<(), String> {
    if let Some(j) = &s.restore {
        if j.phase.is_active() {
            return Err(format!("{}: a restore of generation {} is in progress", protocol::reject::RESTORE_IN_PROGRESS, j.generation));
        }
    }
    let g = s.generations.get(&generation).ok_or_else(|| format!("{}: no generation {}", protocol::reject::BAD_ARGUMENT, generation))?;
    let n = g.hashes.len();
    s.restore = Some(RestoreJob {
        target,
        generation,
        phase: RestorePhase::Beginning,
        ticket: 0,
        written: vec![false; n],
        queue: (0..n as u64).collect(),
        attempts: BTreeMap::new(),
        error: None,
    });
    Ok(())
}

/// After an upgrade the outstanding writes are lost; queue what is not yet acknowledged.
pub fn resume(s: &mut State) {
    if let Some(j) = s.restore.as_mut() {
        j.queue = (0..j.written.len() as u64).filter(|i| !j.written[*i as usize]).collect::<VecDeque<u64>>();
    }
}

fn fail(s: &mut State, why: String) {
    api::print(&format!("restore failed: {}", why));
    let staged = match s.restore.as_mut() {
        Some(j) => {
            j.phase = RestorePhase::Failed;
            j.error = Some(why);
            j.queue.clear();
            (j.ticket != 0).then(|| (j.target.clone(), j.ticket))
        }
        None => None,
    };
    // A staged restore blocks the target's own writes (RESTORE_IN_PROGRESS) until someone
    // commits or aborts it; a push that gave up aborts it, so the target is as it was before.
    // Best effort: if the abort is lost, the next restore_begin discards the staging anyway.
    if let Some((target, ticket)) = staged {
        let arg = encode_one(RestoreAbortArgs::candid_type(), RestoreAbortArgs { restore: ticket }.to_value());
        calls::issue(s, &target, "restore_abort", &arg, Pending::RestoreAbort);
    }
}

pub fn pump(s: &mut State) {
    let (phase, target, gen) = match &s.restore {
        Some(j) if j.phase.is_active() => (j.phase, j.target.clone(), j.generation),
        _ => return,
    };
    let (size, chunk_size, root) = match s.generations.get(&gen) {
        Some(g) => (g.size, g.chunk_size, g.root),
        None => return fail(s, format!("generation {} was dropped", gen)),
    };
    match phase {
        RestorePhase::Beginning => {
            if !s.is_pending(Pending::RestoreBegin) {
                let arg = encode_one(RestoreBeginArgs::candid_type(), RestoreBeginArgs { size, chunk_size, root }.to_value());
                if !calls::issue(s, &target, "restore_begin", &arg, Pending::RestoreBegin) {
                    fail(s, "LOW_CYCLES: restore_begin could not be queued".to_string());
                }
            }
        }
        RestorePhase::Writing => loop {
            let in_flight = s.writes_in_flight();
            let j = s.restore.as_mut().unwrap();
            if j.queue.is_empty() {
                if in_flight == 0 {
                    if j.written.iter().all(|w| *w) {
                        j.phase = RestorePhase::Committing;
                        return pump(s);
                    }
                    resume(s);
                    continue;
                }
                return;
            }
            if in_flight >= s.config.parallelism.max(1) as usize {
                return;
            }
            let index = j.queue.pop_front().unwrap();
            let ticket = j.ticket;
            let hash = s.generations[&gen].hashes[index as usize];
            let bytes = match s.store.get(&hash) {
                Some(b) => b,
                None => return fail(s, format!("chunk {} ({}) is missing from the store", index, hex(&hash))),
            };
            let arg = encode_one(RestoreWriteArgs::candid_type(), RestoreWriteArgs { restore: ticket, index, bytes }.to_value());
            if !calls::issue(s, &target, "restore_write", &arg, Pending::RestoreWrite { index }) {
                s.restore.as_mut().unwrap().queue.push_front(index);
                return fail(s, "LOW_CYCLES: restore_write could not be queued".to_string());
            }
        },
        RestorePhase::Committing => {
            if !s.is_pending(Pending::RestoreCommit) {
                let ticket = s.restore.as_ref().unwrap().ticket;
                let arg = encode_one(RestoreCommitArgs::candid_type(), RestoreCommitArgs { restore: ticket, root }.to_value());
                if !calls::issue(s, &target, "restore_commit", &arg, Pending::RestoreCommit) {
                    fail(s, "LOW_CYCLES: restore_commit could not be queued".to_string());
                }
            }
        }
        RestorePhase::Committed | RestorePhase::Failed => {}
    }
}

fn active(s: &State, phase: RestorePhase) -> bool {
    matches!(&s.restore, Some(j) if j.phase == phase)
}

pub fn on_begin(s: &mut State, outcome: Outcome) {
    if !active(s, RestorePhase::Beginning) {
        return;
    }
    let expected = s.restore.as_ref().unwrap().written.len() as u64;
    match outcome.map_err(|(c, m)| calls::reject_text(c, &m)).and_then(|b| decode_first(&b)).and_then(|v| RestoreTicket::from_value(&v)) {
        Ok(t) if t.chunk_count == expected => {
            let j = s.restore.as_mut().unwrap();
            j.ticket = t.restore;
            j.phase = RestorePhase::Writing;
        }
        Ok(t) => fail(s, format!("the target expects {} chunks, the generation has {}", t.chunk_count, expected)),
        Err(e) => fail(s, format!("restore_begin: {}", e)),
    }
}

pub fn on_write(s: &mut State, index: u64, outcome: Outcome) {
    if !active(s, RestorePhase::Writing) {
        return;
    }
    let gen = s.restore.as_ref().unwrap().generation;
    let want = match s.generations.get(&gen) {
        Some(g) => g.hashes[index as usize],
        None => return,
    };
    let result = outcome
        .map_err(|(c, m)| calls::reject_text(c, &m))
        .and_then(|b| decode_first(&b))
        .and_then(|v| protocol::hash_from_reply(&v))
        .and_then(|h| if h == want { Ok(()) } else { Err(format!("the target received chunk {} as {}", index, hex(&h))) });
    let j = s.restore.as_mut().unwrap();
    match result {
        Ok(()) => j.written[index as usize] = true,
        Err(e) => {
            let n = j.attempts.entry(index).or_insert(0);
            *n += 1;
            if *n >= MAX_ATTEMPTS {
                fail(s, format!("restore_write of chunk {}: {}", index, e));
            } else {
                j.queue.push_back(index);
            }
        }
    }
}

pub fn on_commit(s: &mut State, outcome: Outcome) {
    if !active(s, RestorePhase::Committing) {
        return;
    }
    match outcome {
        Ok(_) => s.restore.as_mut().unwrap().phase = RestorePhase::Committed,
        Err((c, m)) => fail(s, format!("restore_commit: {}", calls::reject_text(c, &m))),
    }
}
