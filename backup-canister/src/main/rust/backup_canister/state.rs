//! The backup canister's state: configuration, sealed generations, the chunk store, the run in
//! progress and the restore in progress. One value, saved whole across upgrades by `layout.rs`.

use crate::codec::{Reader, Writer};
use crate::sha256::Digest;
use crate::store::Store;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

pub struct Config {
    pub source: Vec<u8>,
    pub coordinators: Vec<Vec<u8>>,
    pub parallelism: u32,
    /// Cycles one `sync` may spend before the run pauses; `None`: no budget.
    pub cycle_budget: Option<u128>,
}

pub struct Generation {
    pub id: u64,
    /// The canister this generation was pulled from. The source can change (`set_source`), and
    /// an incremental run may only build on a generation of the source it pulls from.
    pub source: Vec<u8>,
    pub root: Digest,
    pub size: u64,
    pub chunk_size: u64,
    pub epoch: u64,
    pub started_at: u64,
    pub sealed_at: u64,
    pub hashes: Vec<Digest>,
    /// Chunks this generation had to transfer (the rest it shared with earlier ones).
    pub chunks_fetched: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// Waiting for the source's `replication_begin` (repeated while the image is being hashed).
    Beginning,
    /// Asking the source which chunks changed since the base generation's epoch.
    ListingChanges,
    Pulling,
    /// Sealed; telling the source it may release the epoch.
    Ending,
    Sealed,
    /// Stopped; `sync` continues it (same epoch if the source still has it).
    Paused,
    /// Stopped for good; `sync` starts a new run.
    Failed,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Beginning => "beginning",
            Phase::ListingChanges => "listing_changes",
            Phase::Pulling => "pulling",
            Phase::Ending => "ending",
            Phase::Sealed => "sealed",
            Phase::Paused => "paused",
            Phase::Failed => "failed",
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(c: u8) -> Result<Phase, String> {
        Ok(match c {
            0 => Phase::Beginning,
            1 => Phase::ListingChanges,
            2 => Phase::Pulling,
            3 => Phase::Ending,
            4 => Phase::Sealed,
            5 => Phase::Paused,
            6 => Phase::Failed,
            _ => return Err(format!("unknown run phase {}", c)),
        })
    }

    pub fn is_active(self) -> bool {
        matches!(self, Phase::Beginning | Phase::ListingChanges | Phase::Pulling | Phase::Ending)
    }
}

pub struct Run {
    pub id: u64,
    pub phase: Phase,
    pub epoch: u64,
    pub size: u64,
    pub chunk_size: u64,
    pub root: Digest,
    /// The generation whose chunks an incremental run reuses.
    pub base: Option<u64>,
    pub incremental: bool,
    /// The change list is applied (or not needed): what is missing is in `slots` as `None`.
    pub listed: bool,
    /// Verified chunk hashes by index; each `Some` holds one reference in the store.
    pub slots: Vec<Option<Digest>>,
    pub queue: VecDeque<u64>,
    pub attempts: BTreeMap<u64, u32>,
    pub changed: Vec<u64>,
    pub changes_cursor: u64,
    pub started_at: u64,
    pub finished_at: Option<u64>,
    pub chunks_fetched: u64,
    pub chunks_reused: u64,
    pub bytes_fetched: u64,
    pub retries: u64,
    /// Sum of balance decreases seen by the run's executions (refunds count back).
    pub cycles_spent: i128,
    /// Balance rises too large to be refunds of the calls in flight: deposits (top-ups).
    pub cycles_received: u128,
    pub balance_mark: u128,
    /// Calls in flight when `balance_mark` was taken (or issued since): the refunds a rise may hold.
    pub in_flight_mark: u64,
    /// `cycles_spent` when the current `sync` began: the budget applies from there.
    pub budget_from: i128,
    pub generation: Option<u64>,
    pub error: Option<String>,
}

impl Run {
    /// A run that has not begun: no image yet, nothing spent, the balance as it is now.
    pub fn fresh(id: u64, started_at: u64, balance: u128) -> Run {
        Run {
            id,
            phase: Phase::Beginning,
            epoch: 0,
            size: 0,
            chunk_size: 0,
            root: [0; 32],
            base: None,
            incremental: false,
            listed: false,
            slots: Vec::new(),
            queue: VecDeque::new(),
            attempts: BTreeMap::new(),
            changed: Vec::new(),
            changes_cursor: 0,
            started_at,
            finished_at: None,
            chunks_fetched: 0,
            chunks_reused: 0,
            bytes_fetched: 0,
            retries: 0,
            cycles_spent: 0,
            cycles_received: 0,
            balance_mark: balance,
            in_flight_mark: 0,
            budget_from: 0,
            generation: None,
            error: None,
        }
    }

    pub fn chunks_total(&self) -> u64 {
        self.slots.len() as u64
    }

    pub fn chunks_done(&self) -> u64 {
        self.slots.iter().filter(|s| s.is_some()).count() as u64
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RestorePhase {
    Beginning,
    Writing,
    Committing,
    Committed,
    Failed,
}

impl RestorePhase {
    pub fn name(self) -> &'static str {
        match self {
            RestorePhase::Beginning => "beginning",
            RestorePhase::Writing => "writing",
            RestorePhase::Committing => "committing",
            RestorePhase::Committed => "committed",
            RestorePhase::Failed => "failed",
        }
    }

    fn from_code(c: u8) -> Result<RestorePhase, String> {
        Ok(match c {
            0 => RestorePhase::Beginning,
            1 => RestorePhase::Writing,
            2 => RestorePhase::Committing,
            3 => RestorePhase::Committed,
            4 => RestorePhase::Failed,
            _ => return Err(format!("unknown restore phase {}", c)),
        })
    }

    pub fn is_active(self) -> bool {
        matches!(self, RestorePhase::Beginning | RestorePhase::Writing | RestorePhase::Committing)
    }
}

pub struct RestoreJob {
    pub target: Vec<u8>,
    pub generation: u64,
    pub phase: RestorePhase,
    pub ticket: u64,
    pub written: Vec<bool>,
    pub queue: VecDeque<u64>,
    pub attempts: BTreeMap<u64, u32>,
    pub error: Option<String>,
}

/// What an outstanding call was for; kept only on the heap, because calls do not outlive an
/// upgrade in any useful way (their replies are dropped and the work is re-queued).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pending {
    Begin { run: u64 },
    Changes { run: u64 },
    /// `epoch`: a paused run that resumes under a new epoch must not take a late chunk of the old one.
    Read { run: u64, epoch: u64, index: u64 },
    End { run: u64 },
    RestoreBegin,
    RestoreWrite { index: u64 },
    RestoreCommit,
    RestoreAbort,
}

pub struct State {
    pub config: Config,
    pub generations: BTreeMap<u64, Generation>,
    pub next_generation: u64,
    pub next_run: u64,
    pub store: Store,
    pub run: Option<Run>,
    pub restore: Option<RestoreJob>,
    /// Call tokens; persisted so a reply to a call made before an upgrade never matches a new one.
    pub next_token: u32,
    pub pending: BTreeMap<u32, Pending>,
    /// `verify` progress over a large generation: (generation, next index).
    pub verify_cursor: Option<(u64, u64)>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = RefCell::new(None);
}

pub fn set(s: State) {
    STATE.with(|c| *c.borrow_mut() = Some(s));
}

pub fn take() -> Option<State> {
    STATE.with(|c| c.borrow_mut().take())
}

pub fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|c| f(c.borrow_mut().as_mut().expect("the backup canister is not initialised")))
}

impl State {
    pub fn new(config: Config) -> State {
        State {
            config,
            generations: BTreeMap::new(),
            next_generation: 1,
            next_run: 1,
            store: Store::new(),
            run: None,
            restore: None,
            next_token: 1,
            pending: BTreeMap::new(),
            verify_cursor: None,
        }
    }

    pub fn token(&mut self, p: Pending) -> u32 {
        let t = self.next_token;
        self.next_token = self.next_token.wrapping_add(1).max(1);
        self.pending.insert(t, p);
        t
    }

    pub fn is_pending(&self, p: Pending) -> bool {
        self.pending.values().any(|x| *x == p)
    }

    /// Reads of the current run in flight. Reads of an abandoned or failed run may still be out
    /// (their source's subnet may not answer for a long time); they hold no slot of this run.
    pub fn reads_in_flight(&self) -> usize {
        let current = self.run.as_ref().map(|r| r.id);
        self.pending.values().filter(|p| matches!(p, Pending::Read { run, .. } if Some(*run) == current)).count()
    }

    /// Whether a reply to `p` concerns the run in progress: false for calls of a run that was
    /// abandoned, failed or replaced since, whose replies are ignored.
    pub fn is_current(&self, p: &Pending) -> bool {
        let run = match p {
            Pending::Begin { run } | Pending::Changes { run } | Pending::Read { run, .. } | Pending::End { run } => *run,
            _ => return true,
        };
        self.run.as_ref().map_or(false, |r| r.id == run && (r.phase.is_active() || r.phase == Phase::Paused))
    }

    pub fn writes_in_flight(&self) -> usize {
        self.pending.values().filter(|p| matches!(p, Pending::RestoreWrite { .. })).count()
    }

    /// The state in the format of layout `version` (1 lacks each generation's source: every
    /// generation then came from the configured source, which could not change; 1 and 2 lack
    /// the run's `cycles_received`, read as 0).
    pub fn save_as(&self, w: &mut Writer, version: u32) {
        w.bytes(&self.config.source);
        w.u64(self.config.coordinators.len() as u64);
        for c in &self.config.coordinators {
            w.bytes(c);
        }
        w.u32(self.config.parallelism);
        match self.config.cycle_budget {
            Some(b) => {
                w.u8(1);
                w.u128(b);
            }
            None => w.u8(0),
        }
        w.u64(self.next_generation);
        w.u64(self.next_run);
        // Skip past every token handed out so far, and some: replies to calls made before the
        // upgrade must find no match.
        w.u32(self.next_token.wrapping_add(1 << 20).max(1));
        w.u64(self.generations.len() as u64);
        for g in self.generations.values() {
            w.u64(g.id);
            if version >= 2 {
                w.bytes(&g.source);
            }
            w.raw(&g.root);
            w.u64(g.size);
            w.u64(g.chunk_size);
            w.u64(g.epoch);
            w.u64(g.started_at);
            w.u64(g.sealed_at);
            w.u64(g.chunks_fetched);
            w.u64(g.hashes.len() as u64);
            for h in &g.hashes {
                w.raw(h);
            }
        }
        self.store.save(w);
        match &self.run {
            None => w.u8(0),
            Some(r) => {
                w.u8(1);
                save_run(r, w, version);
            }
        }
        match &self.restore {
            None => w.u8(0),
            Some(j) => {
                w.u8(1);
                w.bytes(&j.target);
                w.u64(j.generation);
                w.u8(j.phase as u8);
                w.u64(j.ticket);
                w.u64(j.written.len() as u64);
                for b in &j.written {
                    w.bool(*b);
                }
                w.opt_str(&j.error);
            }
        }
    }

    /// Reads what `save_as` wrote for layout `version`.
    pub fn load(r: &mut Reader, version: u32) -> Result<State, String> {
        let source = r.bytes()?;
        let mut coordinators = Vec::new();
        for _ in 0..r.u64()? {
            coordinators.push(r.bytes()?);
        }
        let parallelism = r.u32()?;
        let cycle_budget = if r.u8()? == 1 { Some(r.u128()?) } else { None };
        let mut s = State::new(Config { source, coordinators, parallelism, cycle_budget });
        s.next_generation = r.u64()?;
        s.next_run = r.u64()?;
        s.next_token = r.u32()?;
        for _ in 0..r.u64()? {
            let id = r.u64()?;
            let source = if version >= 2 { r.bytes()? } else { s.config.source.clone() };
            let root = r.digest()?;
            let size = r.u64()?;
            let chunk_size = r.u64()?;
            let epoch = r.u64()?;
            let started_at = r.u64()?;
            let sealed_at = r.u64()?;
            let chunks_fetched = r.u64()?;
            let mut hashes = Vec::new();
            for _ in 0..r.u64()? {
                hashes.push(r.digest()?);
            }
            s.generations.insert(id, Generation { id, source, root, size, chunk_size, epoch, started_at, sealed_at, hashes, chunks_fetched });
        }
        s.store = Store::load(r)?;
        if r.u8()? == 1 {
            s.run = Some(load_run(r, version)?);
        }
        if r.u8()? == 1 {
            let target = r.bytes()?;
            let generation = r.u64()?;
            let phase = RestorePhase::from_code(r.u8()?)?;
            let ticket = r.u64()?;
            let mut written = Vec::new();
            for _ in 0..r.u64()? {
                written.push(r.bool()?);
            }
            let error = r.opt_str()?;
            s.restore = Some(RestoreJob { target, generation, phase, ticket, written, queue: VecDeque::new(), attempts: BTreeMap::new(), error });
        }
        Ok(s)
    }
}

fn save_run(r: &Run, w: &mut Writer, version: u32) {
    w.u64(r.id);
    w.u8(r.phase.code());
    w.u64(r.epoch);
    w.u64(r.size);
    w.u64(r.chunk_size);
    w.raw(&r.root);
    w.opt_u64(r.base);
    w.bool(r.incremental);
    w.bool(r.listed);
    w.u64(r.slots.len() as u64);
    for s in &r.slots {
        w.opt_digest(s);
    }
    w.u64(r.changed.len() as u64);
    for c in &r.changed {
        w.u64(*c);
    }
    w.u64(r.changes_cursor);
    w.u64(r.started_at);
    w.opt_u64(r.finished_at);
    w.u64(r.chunks_fetched);
    w.u64(r.chunks_reused);
    w.u64(r.bytes_fetched);
    w.u64(r.retries);
    w.u128(r.cycles_spent as u128);
    w.u128(r.budget_from as u128);
    w.opt_u64(r.generation);
    w.opt_str(&r.error);
    if version >= 3 {
        w.u128(r.cycles_received);
    }
}

fn load_run(rd: &mut Reader, version: u32) -> Result<Run, String> {
    let id = rd.u64()?;
    let phase = Phase::from_code(rd.u8()?)?;
    let epoch = rd.u64()?;
    let size = rd.u64()?;
    let chunk_size = rd.u64()?;
    let root = rd.digest()?;
    let base = rd.opt_u64()?;
    let incremental = rd.bool()?;
    let listed = rd.bool()?;
    let mut slots = Vec::new();
    for _ in 0..rd.u64()? {
        slots.push(rd.opt_digest()?);
    }
    let mut changed = Vec::new();
    for _ in 0..rd.u64()? {
        changed.push(rd.u64()?);
    }
    let mut run = Run {
        id,
        phase,
        epoch,
        size,
        chunk_size,
        root,
        base,
        incremental,
        listed,
        slots,
        queue: VecDeque::new(),
        attempts: BTreeMap::new(),
        changed,
        changes_cursor: rd.u64()?,
        started_at: rd.u64()?,
        finished_at: rd.opt_u64()?,
        chunks_fetched: rd.u64()?,
        chunks_reused: rd.u64()?,
        bytes_fetched: rd.u64()?,
        retries: rd.u64()?,
        cycles_spent: rd.u128()? as i128,
        cycles_received: 0,
        balance_mark: 0,
        in_flight_mark: 0,
        budget_from: rd.u128()? as i128,
        generation: rd.opt_u64()?,
        error: rd.opt_str()?,
    };
    if version >= 3 {
        run.cycles_received = rd.u128()?;
    }
    Ok(run)
}
