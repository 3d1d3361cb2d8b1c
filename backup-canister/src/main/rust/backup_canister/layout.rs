//! Stable-memory layout. Page 0 is a header; chunk bytes follow (see `store.rs`). The heap state
//! is written just above the chunk store's high-water mark on upgrade and read back after it,
//! where the next chunks will overwrite it.
//!
//! Header (little-endian): magic "RPLBKUP\0" (8), layout version u32, state offset u64,
//! state length u64.

use crate::codec::{Reader, Writer};
use crate::ic0;
use crate::state::State;
use crate::store;

const MAGIC: &[u8; 8] = b"RPLBKUP\0";
/// Bump when the saved state's format changes, and teach `restore_state` the old one.
/// 1: the first. 2: each generation records its source. 3: the run records `cycles_received`.
pub const LAYOUT_VERSION: u32 = 3;
/// The oldest layout `restore_state` still reads.
const OLDEST_READABLE: u32 = 1;
const HEADER_LEN: u64 = 28;

fn write_header(offset: u64, len: u64) -> Result<(), String> {
    write_header_version(offset, len, LAYOUT_VERSION)
}

fn write_header_version(offset: u64, len: u64, version: u32) -> Result<(), String> {
    store::ensure_capacity(store::DATA_START)?;
    let mut h = Vec::with_capacity(HEADER_LEN as usize);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&version.to_le_bytes());
    h.extend_from_slice(&offset.to_le_bytes());
    h.extend_from_slice(&len.to_le_bytes());
    store::write(0, &h);
    Ok(())
}

/// Claims the stable memory of a fresh canister.
pub fn init() -> Result<(), String> {
    write_header(0, 0)
}

pub fn save_state(s: &State) -> Result<(), String> {
    save_state_as(s, LAYOUT_VERSION)
}

/// Saves in the format of an older layout, as an older build did (for tests of upgrades from it).
fn save_state_as(s: &State, version: u32) -> Result<(), String> {
    let mut out = Vec::new();
    s.save_as(&mut Writer::new(&mut out), version);
    let offset = s.store.end;
    store::ensure_capacity(offset + out.len() as u64)?;
    store::write(offset, &out);
    write_header_version(offset, out.len() as u64, version)
}

pub fn restore_state() -> Result<State, String> {
    if unsafe { ic0::stable64_size() } == 0 {
        return Err("stable memory is empty: this canister never held backup state".to_string());
    }
    let h = store::read(0, HEADER_LEN);
    if &h[0..8] != MAGIC {
        return Err("stable memory does not hold a backup canister's layout".to_string());
    }
    let mut r = Reader::new(&h[8..]);
    let version = r.u32()?;
    if !(OLDEST_READABLE..=LAYOUT_VERSION).contains(&version) {
        return Err(format!("stable layout version {} is not supported (this build reads {} to {})", version, OLDEST_READABLE, LAYOUT_VERSION));
    }
    let offset = r.u64()?;
    let len = r.u64()?;
    if len == 0 {
        return Err("no saved state in stable memory (pre_upgrade did not run)".to_string());
    }
    let data = store::read(offset, len);
    let mut rd = Reader::new(&data);
    let s = State::load(&mut rd, version)?;
    if !rd.is_empty() {
        return Err("trailing bytes after the saved state".to_string());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256::sha256;
    use crate::state::{Config, Generation};

    #[test]
    fn state_survives_a_save_and_load() {
        ic0::native::reset_stable();
        init().unwrap();
        let mut s = State::new(Config { source: vec![1, 2], coordinators: vec![vec![3]], parallelism: 4, cycle_budget: Some(7) });
        let c = vec![5u8; 300];
        let h = sha256(&c);
        s.store.put(&h, &c).unwrap();
        s.generations.insert(1, Generation { id: 1, source: vec![8], root: [9; 32], size: 300, chunk_size: 1024, epoch: 3, started_at: 1, sealed_at: 2, hashes: vec![h], chunks_fetched: 1 });
        save_state(&s).unwrap();
        let back = restore_state().unwrap();
        assert_eq!(back.config.source, vec![1, 2]);
        assert_eq!(back.config.cycle_budget, Some(7));
        assert_eq!(back.generations[&1].hashes, vec![h]);
        assert_eq!(back.generations[&1].source, vec![8]);
        assert_eq!(back.store.get(&h).unwrap(), c);
        assert!(back.next_token > s.next_token);
    }

    #[test]
    fn state_saved_by_layout_1_reads_with_every_generation_from_the_configured_source() {
        ic0::native::reset_stable();
        init().unwrap();
        let mut s = State::new(Config { source: vec![1, 2], coordinators: vec![], parallelism: 4, cycle_budget: None });
        for id in 1..=2 {
            s.generations.insert(id, Generation { id, source: vec![1, 2], root: [id as u8; 32], size: 0, chunk_size: 1024, epoch: id, started_at: 1, sealed_at: 2, hashes: vec![], chunks_fetched: 0 });
        }
        save_state_as(&s, 1).unwrap();
        let back = restore_state().unwrap();
        assert_eq!(back.generations.len(), 2);
        assert!(back.generations.values().all(|g| g.source == vec![1, 2]));
        assert_eq!(back.generations[&2].root, [2; 32]);
    }

    #[test]
    fn a_runs_received_cycles_survive_and_read_as_zero_from_layout_2() {
        for (version, expected) in [(3, 12_000_000_000_000u128), (2, 0)] {
            ic0::native::reset_stable();
            init().unwrap();
            let mut s = State::new(Config { source: vec![1], coordinators: vec![], parallelism: 4, cycle_budget: None });
            s.run = Some(crate::state::Run::fresh(7, 1, 0));
            let r = s.run.as_mut().unwrap();
            r.cycles_spent = 5_000_000_000;
            r.cycles_received = 12_000_000_000_000;
            save_state_as(&s, version).unwrap();
            let back = restore_state().unwrap();
            let r = back.run.unwrap();
            assert_eq!((r.id, r.cycles_spent, r.cycles_received), (7, 5_000_000_000, expected), "layout {}", version);
        }
    }

    #[test]
    fn an_unknown_layout_version_is_refused() {
        ic0::native::reset_stable();
        init().unwrap();
        let s = State::new(Config { source: vec![1], coordinators: vec![], parallelism: 4, cycle_budget: None });
        save_state_as(&s, LAYOUT_VERSION + 1).unwrap();
        let e = restore_state().err().unwrap();
        assert!(e.contains(&format!("stable layout version {} is not supported", LAYOUT_VERSION + 1)), "{}", e);
    }
}
