//! Stable memory as the library lays it out: page 0 holds the header, then the data region (the
//! image's bytes), then possibly a staged restore or, during an upgrade, the library's saved heap
//! state. The region is kept last (except while a restore is staged) so that it can grow.

use crate::codec::{Reader, Writer};
use crate::ic0;
use crate::protocol::PAGE_SIZE;

const MAGIC: &[u8; 4] = b"RPLC";
/// Version 1 is the first layout. A later version must still read this one.
pub const LAYOUT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub style: u8,
    /// The settings last installed, which an upgrade keeps unless it names new ones.
    pub chunk_size: u64,
    pub epoch_ttl_nanos: u64,
    pub hash_budget: u64,
    /// Byte offset of the region in stable memory (page-aligned).
    pub region_base: u64,
    /// Bytes in the region; for the serialized style, the last saved image's exact length.
    pub region_size: u64,
    pub last_epoch: u64,
    pub last_restore: u64,
    /// Where the library's heap state was saved by pre_upgrade (0 length when none).
    pub saved_offset: u64,
    pub saved_len: u64,
}

impl Header {
    pub fn fresh(style: u8, chunk_size: u64, epoch_ttl_nanos: u64, hash_budget: u64) -> Header {
        Header { style, chunk_size, epoch_ttl_nanos, hash_budget, region_base: PAGE_SIZE, region_size: 0, last_epoch: 0, last_restore: 0, saved_offset: 0, saved_len: 0 }
    }

    pub fn region_end(&self) -> u64 {
        self.region_base + self.region_size
    }

    pub fn store(&self) {
        let mut out = Vec::with_capacity(64);
        let mut w = Writer::new(&mut out);
        w.raw(MAGIC);
        w.u32(LAYOUT_VERSION);
        w.u8(self.style);
        w.u64(self.chunk_size);
        w.u64(self.epoch_ttl_nanos);
        w.u64(self.hash_budget);
        w.u64(self.region_base);
        w.u64(self.region_size);
        w.u64(self.last_epoch);
        w.u64(self.last_restore);
        w.u64(self.saved_offset);
        w.u64(self.saved_len);
        write(0, &out);
    }

    /// The header of a canister that ran the library before, `None` for empty stable memory.
    pub fn load() -> Result<Option<Header>, String> {
        if stable_bytes() == 0 {
            return Ok(None);
        }
        let mut raw = vec![0u8; 128];
        read(0, &mut raw);
        let mut r = Reader::new(&raw);
        if r.take(4)? != MAGIC {
            return Err("stable memory does not start with the replication library's header (magic RPLC)".to_string());
        }
        let version = r.u32()?;
        if version != LAYOUT_VERSION {
            return Err(format!("stable layout version {} is not one this code reads (it reads {})", version, LAYOUT_VERSION));
        }
        Ok(Some(Header {
            style: r.u8()?,
            chunk_size: r.u64()?,
            epoch_ttl_nanos: r.u64()?,
            hash_budget: r.u64()?,
            region_base: r.u64()?,
            region_size: r.u64()?,
            last_epoch: r.u64()?,
            last_restore: r.u64()?,
            saved_offset: r.u64()?,
            saved_len: r.u64()?,
        }))
    }
}

pub fn stable_bytes() -> u64 {
    unsafe { ic0::stable64_size() * PAGE_SIZE }
}

pub fn page_align(offset: u64) -> u64 {
    (offset + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE
}

/// Makes stable memory at least `end` bytes long. Memory that was allocated before (a discarded
/// staging, saved state) is zeroed, so what the app sees as new is zero like fresh pages.
pub fn ensure(end: u64, zero_from: u64) -> Result<(), String> {
    let have = stable_bytes();
    if zero_from < have.min(end) {
        zero(zero_from, have.min(end) - zero_from);
    }
    if end > have {
        let pages = (end - have + PAGE_SIZE - 1) / PAGE_SIZE;
        if unsafe { ic0::stable64_grow(pages) } == u64::MAX {
            return Err(format!("stable memory cannot grow by {} pages", pages));
        }
    }
    Ok(())
}

fn zero(offset: u64, len: u64) {
    let buf = vec![0u8; PAGE_SIZE as usize];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(PAGE_SIZE);
        write(offset + done, &buf[..n as usize]);
        done += n;
    }
}

pub fn read(offset: u64, buf: &mut [u8]) {
    if !buf.is_empty() {
        unsafe { ic0::stable64_read(buf.as_mut_ptr() as usize as u64, offset, buf.len() as u64) }
    }
}

pub fn write(offset: u64, data: &[u8]) {
    if !data.is_empty() {
        unsafe { ic0::stable64_write(offset, data.as_ptr() as usize as u64, data.len() as u64) }
    }
}
