//! Content-addressed chunk storage in stable memory: each distinct chunk is stored once, however
//! many generations (or the run in progress) use it, and is freed when the last user lets go.
//! The index lives on the heap and is saved with the rest of the state across upgrades; the
//! bytes never move.

use crate::codec::{Reader, Writer};
use crate::ic0;
use crate::sha256::Digest;
use std::collections::BTreeMap;

const WASM_PAGE: u64 = 65536;

/// The first page holds the layout header (see `layout.rs`); chunk bytes start after it.
pub const DATA_START: u64 = WASM_PAGE;

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub offset: u64,
    pub len: u64,
    /// Users: one per (generation or run, chunk index) that names this hash.
    pub refs: u64,
}

#[derive(Debug, Default)]
pub struct Store {
    pub index: BTreeMap<Digest, Entry>,
    /// Free extents below `end`, offset → length, never adjacent (merged on release).
    free: BTreeMap<u64, u64>,
    /// High-water mark: everything at or above it is unused.
    pub end: u64,
    pub bytes_stored: u64,
}

pub fn ensure_capacity(bytes: u64) -> Result<(), String> {
    let have = unsafe { ic0::stable64_size() } * WASM_PAGE;
    if bytes <= have {
        return Ok(());
    }
    let pages = (bytes - have + WASM_PAGE - 1) / WASM_PAGE;
    if unsafe { ic0::stable64_grow(pages) } == u64::MAX {
        return Err(format!("stable memory cannot grow by {} pages", pages));
    }
    Ok(())
}

pub fn write(offset: u64, bytes: &[u8]) {
    unsafe { ic0::stable64_write(offset, bytes.as_ptr() as usize as u64, bytes.len() as u64) }
}

pub fn read(offset: u64, len: u64) -> Vec<u8> {
    let mut buf = vec![0u8; len as usize];
    unsafe { ic0::stable64_read(buf.as_mut_ptr() as usize as u64, offset, len) };
    buf
}

impl Store {
    pub fn new() -> Store {
        Store { index: BTreeMap::new(), free: BTreeMap::new(), end: DATA_START, bytes_stored: 0 }
    }

    #[cfg(test)]
    pub fn contains(&self, hash: &Digest) -> bool {
        self.index.contains_key(hash)
    }

    /// Adds a user to a chunk already stored; false when it is not stored.
    pub fn retain(&mut self, hash: &Digest) -> bool {
        match self.index.get_mut(hash) {
            Some(e) => {
                e.refs += 1;
                true
            }
            None => false,
        }
    }

    /// Stores `bytes` under `hash` (the caller has verified it) with one user, or adds a user if
    /// the chunk is already there. Returns whether bytes were written.
    pub fn put(&mut self, hash: &Digest, bytes: &[u8]) -> Result<bool, String> {
        if self.retain(hash) {
            return Ok(false);
        }
        let len = bytes.len() as u64;
        let offset = self.alloc(len)?;
        write(offset, bytes);
        self.index.insert(*hash, Entry { offset, len, refs: 1 });
        self.bytes_stored += len;
        Ok(true)
    }

    /// Drops one user; the space is freed with the last.
    pub fn release(&mut self, hash: &Digest) {
        let gone = match self.index.get_mut(hash) {
            Some(e) => {
                e.refs -= 1;
                e.refs == 0
            }
            None => false,
        };
        if gone {
            let e = self.index.remove(hash).unwrap();
            self.bytes_stored -= e.len;
            self.free_extent(e.offset, e.len);
        }
    }

    pub fn get(&self, hash: &Digest) -> Option<Vec<u8>> {
        self.index.get(hash).map(|e| read(e.offset, e.len))
    }

    #[cfg(test)]
    pub fn free_bytes(&self) -> u64 {
        self.free.values().sum()
    }

    /// First fit among the free extents, else at the high-water mark. Chunks of one source have
    /// one size (only last chunks are shorter), so first fit wastes little.
    fn alloc(&mut self, len: u64) -> Result<u64, String> {
        if len == 0 {
            return Ok(self.end);
        }
        let hit = self.free.iter().find(|(_, l)| **l >= len).map(|(o, l)| (*o, *l));
        if let Some((o, l)) = hit {
            self.free.remove(&o);
            if l > len {
                self.free.insert(o + len, l - len);
            }
            return Ok(o);
        }
        ensure_capacity(self.end + len)?;
        let o = self.end;
        self.end += len;
        Ok(o)
    }

    fn free_extent(&mut self, mut offset: u64, mut len: u64) {
        if len == 0 {
            return;
        }
        if let Some((&po, &pl)) = self.free.range(..offset).next_back() {
            if po + pl == offset {
                self.free.remove(&po);
                offset = po;
                len += pl;
            }
        }
        if let Some(&nl) = self.free.get(&(offset + len)) {
            self.free.remove(&(offset + len));
            len += nl;
        }
        if offset + len == self.end {
            self.end = offset;
        } else {
            self.free.insert(offset, len);
        }
    }

    pub fn save(&self, w: &mut Writer) {
        w.u64(self.end);
        w.u64(self.index.len() as u64);
        for (h, e) in &self.index {
            w.raw(h);
            w.u64(e.offset);
            w.u64(e.len);
            w.u64(e.refs);
        }
        w.u64(self.free.len() as u64);
        for (o, l) in &self.free {
            w.u64(*o);
            w.u64(*l);
        }
    }

    pub fn load(r: &mut Reader) -> Result<Store, String> {
        let mut s = Store::new();
        s.end = r.u64()?;
        for _ in 0..r.u64()? {
            let h = r.digest()?;
            let e = Entry { offset: r.u64()?, len: r.u64()?, refs: r.u64()? };
            s.bytes_stored += e.len;
            s.index.insert(h, e);
        }
        for _ in 0..r.u64()? {
            let o = r.u64()?;
            let l = r.u64()?;
            s.free.insert(o, l);
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256::sha256;

    #[test]
    fn a_chunk_is_stored_once_and_freed_with_its_last_user() {
        ic0::native::reset_stable();
        let mut s = Store::new();
        let a = vec![1u8; 1000];
        let h = sha256(&a);
        assert!(s.put(&h, &a).unwrap());
        assert!(!s.put(&h, &a).unwrap());
        assert_eq!(s.bytes_stored, 1000);
        assert_eq!(s.get(&h).unwrap(), a);
        s.release(&h);
        assert!(s.contains(&h));
        s.release(&h);
        assert!(!s.contains(&h));
        assert_eq!(s.end, DATA_START, "freeing the top extent lowers the high-water mark");
    }

    #[test]
    fn freed_space_is_reused_and_neighbours_merge() {
        ic0::native::reset_stable();
        let mut s = Store::new();
        let chunks: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 100]).collect();
        let hashes: Vec<Digest> = chunks.iter().map(|c| sha256(c)).collect();
        for (h, c) in hashes.iter().zip(&chunks) {
            s.put(h, c).unwrap();
        }
        s.release(&hashes[1]);
        s.release(&hashes[2]);
        assert_eq!(s.free_bytes(), 200);
        let big = vec![9u8; 150];
        let hb = sha256(&big);
        s.put(&hb, &big).unwrap();
        assert_eq!(s.index[&hb].offset, DATA_START + 100, "first fit in the merged hole");
        assert_eq!(s.free_bytes(), 50);
        assert_eq!(s.get(&hashes[3]).unwrap(), chunks[3]);
    }
}
