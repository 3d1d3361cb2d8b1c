//! The replication library's state and rules, independent of how calls arrive: every operation
//! takes the caller and the time and returns a reply or a reject message, so the rules can be
//! tested natively against simulated stable memory.

use std::collections::{BTreeMap, VecDeque};

use crate::codec::{Reader, Writer};
use crate::protocol::{self, chunk_count, chunk_len, image_root, reject, Changes, ChangesArgs, ImageInfo, RestoreTicket, PAGE_SIZE};
use crate::sha256::{hex, sha256, Digest};

use super::region::{self, Header};

pub const STYLE_STABLE: u8 = 1;
pub const STYLE_SERIALIZED: u8 = 2;

/// Ended epochs whose chunk hashes stay available as `since_epoch`.
const RETAINED_EPOCHS: usize = 8;
/// How many ended epochs remember why they ended (for the reject message).
const REMEMBERED_ENDINGS: usize = 64;
const MAX_CHANGES_PER_REPLY: usize = 65536;
/// The longest fence reason kept; it is echoed in every refused write.
pub const MAX_FENCE_REASON_BYTES: usize = 1024;
/// What a refused write says when the fence gave no reason.
pub const DEFAULT_FENCE_REASON: &str = "this canister is not the primary";

pub type Result<T> = std::result::Result<T, String>;

fn fail<T>(code: &str, message: String) -> Result<T> {
    Err(format!("{}: {}", code, message))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ending {
    Ended,
    Expired,
    /// Writes since begin preserved more pages than the heap may hold.
    Overflowed,
}

/// The frozen image of the open epoch.
struct Epoch {
    id: u64,
    size: u64,
    chunk_size: u64,
    hashes: Vec<Option<Digest>>,
    hashed: u64,
    /// The first index that may still lack a hash, so preparation never rescans.
    next_unhashed: u64,
    root: Option<Digest>,
    holders: Vec<Vec<u8>>,
    expires_at: u64,
    /// Frozen bytes of pages the app wrote after begin, by page index.
    preserved: BTreeMap<u64, Vec<u8>>,
}

impl Epoch {
    fn count(&self) -> u64 {
        self.hashes.len() as u64
    }

    fn info(&self) -> ImageInfo {
        ImageInfo {
            epoch: self.id,
            size: self.size,
            chunk_size: self.chunk_size,
            chunk_count: self.count(),
            root: self.root,
            hashed: self.hashed,
            expires_at: self.expires_at,
        }
    }

    /// Whether a page of the frozen image still equals the live region's page.
    fn chunk_untouched(&self, index: u64) -> bool {
        let first = index * self.chunk_size / PAGE_SIZE;
        let last = (index * self.chunk_size + chunk_len(self.size, self.chunk_size, index) - 1) / PAGE_SIZE;
        self.preserved.range(first..=last).next().is_none()
    }
}

/// An ended epoch's chunk hashes, for `replication_changes`.
struct Retained {
    id: u64,
    chunk_size: u64,
    hashes: Vec<Digest>,
}

struct Staged {
    id: u64,
    size: u64,
    chunk_size: u64,
    root: Digest,
    base: u64,
    hashes: Vec<Option<Digest>>,
    written: u64,
}

pub struct Settings {
    pub style: u8,
    pub chunk_size: u64,
    pub epoch_ttl_nanos: u64,
    /// Instructions one message may spend hashing before it replies (the rest continues on the
    /// next begin).
    pub hash_budget: u64,
    /// Heap the copy-on-write copies of one epoch may take before the epoch is ended, so a long
    /// abandoned run under heavy writes cannot exhaust the app's heap.
    pub max_preserved_bytes: u64,
}

pub struct Library {
    pub settings: Settings,
    header: Header,
    /// Hash of each chunk of the live region, `None` when written since it was last hashed.
    cache: Vec<Option<Digest>>,
    open: Option<Epoch>,
    retained: VecDeque<Retained>,
    endings: VecDeque<(u64, Ending)>,
    allowed: Vec<Vec<u8>>,
    staged: Option<Staged>,
    /// `Some(reason)` while fenced: the app must refuse its own writes. Kept outside the image
    /// (a restore must not lift or impose it) and across upgrades.
    fence: Option<Option<String>>,
}

/// Instructions spent so far in this message (0 in native tests, where budgets never bind).
pub type Counter = fn() -> u64;

impl Library {
    /// A library on empty stable memory (a fresh install).
    pub fn install(settings: Settings) -> Result<Library> {
        if region::stable_bytes() != 0 {
            return Err("stable memory is not empty at install".to_string());
        }
        region::ensure(PAGE_SIZE, 0)?;
        let header = Header::fresh(settings.style, settings.chunk_size, settings.epoch_ttl_nanos, settings.hash_budget);
        header.store();
        Ok(Library::with(settings, header))
    }

    fn with(settings: Settings, header: Header) -> Library {
        Library {
            settings,
            header,
            cache: Vec::new(),
            open: None,
            retained: VecDeque::new(),
            endings: VecDeque::new(),
            allowed: Vec::new(),
            staged: None,
            fence: None,
        }
    }

    pub fn region_size(&self) -> u64 {
        self.header.region_size
    }

    pub fn staged_restore(&self) -> Option<u64> {
        self.staged.as_ref().map(|s| s.id)
    }

    // ---- the app's data (stable style) ----------------------------------------------------

    pub fn read(&self, offset: u64, buf: &mut [u8]) {
        assert!(offset + buf.len() as u64 <= self.header.region_size, "replication: read past the end of the data region");
        region::read(self.header.region_base + offset, buf);
    }

    pub fn write(&mut self, offset: u64, data: &[u8], now: u64) {
        if data.is_empty() {
            return;
        }
        let end = offset + data.len() as u64;
        assert!(end <= self.header.region_size, "replication: write past the end of the data region");
        self.expire(now);
        let base = self.header.region_base;
        if let Some(epoch) = self.open.as_mut() {
            let frozen_end = epoch.size;
            let mut page = offset / PAGE_SIZE;
            while page * PAGE_SIZE < end.min(frozen_end) {
                if !epoch.preserved.contains_key(&page) {
                    let len = PAGE_SIZE.min(frozen_end - page * PAGE_SIZE);
                    let mut copy = vec![0u8; len as usize];
                    region::read(base + page * PAGE_SIZE, &mut copy);
                    epoch.preserved.insert(page, copy);
                }
                page += 1;
            }
            if epoch.preserved.len() as u64 * PAGE_SIZE > self.settings.max_preserved_bytes {
                self.end_open(Ending::Overflowed);
            }
        }
        let cs = self.settings.chunk_size;
        for i in offset / cs..=(end - 1) / cs {
            if let Some(h) = self.cache.get_mut(i as usize) {
                *h = None;
            }
        }
        region::write(base + offset, data);
    }

    /// Grows the data region by `pages` zeroed pages; returns the old size in bytes.
    pub fn grow(&mut self, pages: u64) -> Result<u64> {
        if let Some(s) = &self.staged {
            return fail(reject::RESTORE_IN_PROGRESS, format!("restore {} is staged; commit or abort it first", s.id));
        }
        let old = self.header.region_size;
        let new = old + pages * PAGE_SIZE;
        region::ensure(self.header.region_base + new, self.header.region_base + old)?;
        self.resize(new);
        self.header.store();
        Ok(old)
    }

    fn resize(&mut self, new_size: u64) {
        let cs = self.settings.chunk_size;
        let old_size = self.header.region_size;
        if old_size % cs != 0 && !self.cache.is_empty() {
            let last = self.cache.len() - 1;
            self.cache[last] = None;
        }
        self.cache.resize(chunk_count(new_size, cs) as usize, None);
        self.header.region_size = new_size;
    }

    /// Replaces the region's bytes with a serialized image, rewriting and rehashing only the
    /// chunks whose bytes differ.
    pub fn store_image(&mut self, image: &[u8]) -> Result<()> {
        let cs = self.settings.chunk_size;
        let base = self.header.region_base;
        let old_size = self.header.region_size;
        region::ensure(base + image.len() as u64, base + old_size)?;
        let mut old = vec![0u8; cs as usize];
        for i in 0..chunk_count(image.len() as u64, cs) {
            let start = i * cs;
            let new_chunk = &image[start as usize..(start + chunk_len(image.len() as u64, cs, i)) as usize];
            let unchanged = start + new_chunk.len() as u64 <= old_size && {
                let old = &mut old[..new_chunk.len()];
                region::read(base + start, old);
                old == new_chunk
            };
            if !unchanged {
                region::write(base + start, new_chunk);
                if let Some(h) = self.cache.get_mut(i as usize) {
                    *h = None;
                }
            }
        }
        self.resize(image.len() as u64);
        self.header.store();
        Ok(())
    }

    /// The region's bytes (serialized style: the last saved image).
    pub fn region_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.header.region_size as usize];
        region::read(self.header.region_base, &mut out);
        out
    }

    // ---- allow-list -----------------------------------------------------------------------

    pub fn is_allowed(&self, caller: &[u8]) -> bool {
        self.allowed.iter().any(|p| p == caller)
    }

    pub fn allow(&mut self, principal: &[u8]) {
        if !self.is_allowed(principal) {
            self.allowed.push(principal.to_vec());
        }
    }

    pub fn disallow(&mut self, principal: &[u8]) {
        self.allowed.retain(|p| p != principal);
    }

    pub fn allowed(&self) -> &[Vec<u8>] {
        &self.allowed
    }

    // ---- fencing --------------------------------------------------------------------------

    /// Fences (the app then refuses its writes) or unfences the canister. A reason longer than
    /// `MAX_FENCE_REASON_BYTES` is refused and nothing changes.
    pub fn set_fence(&mut self, fenced: bool, reason: Option<String>) -> Result<()> {
        if let Some(r) = &reason {
            if r.len() > MAX_FENCE_REASON_BYTES {
                return fail(reject::BAD_ARGUMENT, format!("reason has {} bytes; at most {} are kept", r.len(), MAX_FENCE_REASON_BYTES));
            }
        }
        self.fence = if fenced { Some(reason) } else { None };
        Ok(())
    }

    pub fn fenced(&self) -> bool {
        self.fence.is_some()
    }

    pub fn fence_reason(&self) -> Option<&str> {
        self.fence.as_ref().and_then(|r| r.as_deref())
    }

    /// `Ok` when the app may write; while fenced, the `FENCED` reject its write must answer.
    pub fn guard_write(&self) -> Result<()> {
        match &self.fence {
            None => Ok(()),
            Some(reason) => fail(reject::FENCED, reason.clone().unwrap_or_else(|| DEFAULT_FENCE_REASON.to_string())),
        }
    }

    // ---- epochs ---------------------------------------------------------------------------

    fn expire(&mut self, now: u64) {
        if self.open.as_ref().map_or(false, |e| now >= e.expires_at) {
            self.end_open(Ending::Expired);
        }
    }

    fn end_open(&mut self, how: Ending) {
        if let Some(epoch) = self.open.take() {
            if epoch.root.is_some() {
                if self.retained.len() == RETAINED_EPOCHS {
                    self.retained.pop_front();
                }
                let hashes = epoch.hashes.iter().map(|h| h.expect("a rooted epoch has every hash")).collect();
                self.retained.push_back(Retained { id: epoch.id, chunk_size: epoch.chunk_size, hashes });
            }
            if self.endings.len() == REMEMBERED_ENDINGS {
                self.endings.pop_front();
            }
            self.endings.push_back((epoch.id, how));
        }
    }

    /// Ends every open epoch, as an upgrade or a committed restore does.
    pub fn end_all(&mut self) {
        self.end_open(Ending::Ended);
    }

    /// The open epoch named `id`, or the reject that explains why there is none.
    fn epoch_mut(&mut self, id: u64, now: u64) -> Result<&mut Epoch> {
        self.expire(now);
        if id == 0 || id > self.header.last_epoch {
            return fail(reject::UNKNOWN_EPOCH, format!("epoch {} was never issued by this canister", id));
        }
        if self.open.as_ref().map_or(true, |e| e.id != id) {
            let how = self.endings.iter().find(|(e, _)| *e == id).map(|(_, how)| *how);
            return Err(self.not_open(id, how));
        }
        let ttl = self.settings.epoch_ttl_nanos;
        let e = self.open.as_mut().unwrap();
        e.expires_at = now.saturating_add(ttl);
        Ok(e)
    }

    /// The open epoch named `id` as a query sees it: nothing is expired or extended, because a
    /// query's changes would be discarded anyway; an epoch past its deadline reads as expired.
    fn epoch_ref(&self, id: u64, now: u64) -> Result<&Epoch> {
        if id == 0 || id > self.header.last_epoch {
            return fail(reject::UNKNOWN_EPOCH, format!("epoch {} was never issued by this canister", id));
        }
        match self.open.as_ref() {
            Some(e) if e.id == id && now < e.expires_at => Ok(e),
            Some(e) if e.id == id => Err(self.not_open(id, Some(Ending::Expired))),
            _ => {
                let how = self.endings.iter().find(|(e, _)| *e == id).map(|(_, how)| *how);
                Err(self.not_open(id, how))
            }
        }
    }

    /// The reject for a read of epoch `id`, which is no longer open for the reason `how`.
    fn not_open(&self, id: u64, how: Option<Ending>) -> String {
        let ttl = self.settings.epoch_ttl_nanos;
        match how {
            Some(Ending::Expired) => format!(
                "{}: epoch {} expired after {} s without use; begin a new one",
                reject::EPOCH_EXPIRED,
                id,
                ttl / 1_000_000_000
            ),
            Some(Ending::Overflowed) => format!(
                "{}: epoch {} was ended because writes since begin preserved more than {} bytes; begin a new one",
                reject::EPOCH_ENDED,
                id,
                self.settings.max_preserved_bytes
            ),
            _ => format!("{}: epoch {} has ended; begin a new one", reject::EPOCH_ENDED, id),
        }
    }

    /// Whether a begin now would freeze a new image (no open epoch, no staged restore).
    pub fn needs_new_image(&mut self, now: u64) -> bool {
        self.expire(now);
        self.open.is_none() && self.staged.is_none()
    }

    pub fn begin(&mut self, caller: &[u8], now: u64, instructions: Counter) -> Result<ImageInfo> {
        self.expire(now);
        if let Some(s) = &self.staged {
            return fail(reject::RESTORE_IN_PROGRESS, format!("restore {} is staged; commit or abort it first", s.id));
        }
        let ttl = self.settings.epoch_ttl_nanos;
        if self.open.is_none() {
            self.header.last_epoch += 1;
            self.header.store();
            let hashed = self.cache.iter().filter(|h| h.is_some()).count() as u64;
            self.open = Some(Epoch {
                id: self.header.last_epoch,
                size: self.header.region_size,
                chunk_size: self.settings.chunk_size,
                hashes: self.cache.clone(),
                hashed,
                next_unhashed: 0,
                root: None,
                holders: Vec::new(),
                expires_at: 0,
                preserved: BTreeMap::new(),
            });
        }
        let epoch = self.open.as_mut().unwrap();
        if !epoch.holders.iter().any(|h| h == caller) {
            epoch.holders.push(caller.to_vec());
        }
        epoch.expires_at = now.saturating_add(ttl);
        self.prepare(instructions);
        Ok(self.open.as_ref().unwrap().info())
    }

    /// Hashes the open epoch's missing chunks until done or the budget is spent.
    fn prepare(&mut self, instructions: Counter) {
        let budget = self.settings.hash_budget;
        let base = self.header.region_base;
        let epoch = self.open.as_mut().unwrap();
        // At least one chunk per call, so a budget smaller than one chunk's hash still ends.
        let mut progressed = false;
        while epoch.next_unhashed < epoch.count() && (!progressed || instructions() < budget) {
            let i = epoch.next_unhashed;
            if epoch.hashes[i as usize].is_none() {
                let h = sha256(&frozen_chunk(epoch, base, i));
                record_hash(epoch, &mut self.cache, i, h);
                progressed = true;
            }
            epoch.next_unhashed += 1;
        }
        finish_root(epoch);
    }

    /// Chunk `index` of epoch `id`, encoded as the `replication_read` reply.
    pub fn read_chunk(&mut self, id: u64, index: u64, now: u64) -> Result<Vec<u8>> {
        let base = self.header.region_base;
        self.epoch_mut(id, now)?;
        let epoch = self.open.as_mut().unwrap();
        if index >= epoch.count() {
            return fail(
                reject::INDEX_OUT_OF_RANGE,
                format!("chunk {} does not exist; epoch {} has {} chunks", index, id, epoch.count()),
            );
        }
        let bytes = frozen_chunk(epoch, base, index);
        let hash = match epoch.hashes[index as usize] {
            Some(h) => h,
            None => {
                let h = sha256(&bytes);
                record_hash(epoch, &mut self.cache, index, h);
                finish_root(epoch);
                h
            }
        };
        Ok(protocol::Chunk::encode(&bytes, &hash))
    }

    /// Chunk `index` of epoch `id` for `replication_read_query`: the same reply as `read_chunk`,
    /// but nothing is recorded, so a chunk not hashed yet is hashed for this reply only and the
    /// epoch's expiry is not extended.
    pub fn peek_chunk(&self, id: u64, index: u64, now: u64) -> Result<Vec<u8>> {
        let epoch = self.epoch_ref(id, now)?;
        if index >= epoch.count() {
            return fail(
                reject::INDEX_OUT_OF_RANGE,
                format!("chunk {} does not exist; epoch {} has {} chunks", index, id, epoch.count()),
            );
        }
        let bytes = frozen_chunk(epoch, self.header.region_base, index);
        let hash = epoch.hashes[index as usize].unwrap_or_else(|| sha256(&bytes));
        Ok(protocol::Chunk::encode(&bytes, &hash))
    }

    pub fn changes(&mut self, args: &ChangesArgs, now: u64) -> Result<Changes> {
        self.epoch_mut(args.epoch, now)?;
        let epoch = self.open.as_ref().unwrap();
        if epoch.root.is_none() {
            let (k, n) = (epoch.hashed, epoch.count());
            return fail(
                reject::EPOCH_PREPARING,
                format!("epoch {} has {} of {} chunk hashes; call replication_begin until it returns the root", args.epoch, k, n),
            );
        }
        let since: Option<(u64, &[Digest])> = if args.since_epoch == epoch.id {
            None
        } else {
            match self.retained.iter().find(|r| r.id == args.since_epoch) {
                Some(r) => Some((r.chunk_size, &r.hashes)),
                None => {
                    return fail(
                        reject::SINCE_EPOCH_UNAVAILABLE,
                        format!("the chunk hashes of epoch {} are not kept; take a full image", args.since_epoch),
                    )
                }
            }
        };
        let mut indices = Vec::new();
        let mut next = None;
        for i in args.start..epoch.count() {
            let changed = match since {
                None => false,
                Some((cs, hashes)) => cs != epoch.chunk_size || hashes.get(i as usize) != epoch.hashes[i as usize].as_ref(),
            };
            if changed {
                if indices.len() == MAX_CHANGES_PER_REPLY {
                    next = Some(i);
                    break;
                }
                indices.push(i);
            }
        }
        Ok(Changes { indices, next })
    }

    pub fn end(&mut self, caller: &[u8], id: u64, now: u64) -> Result<()> {
        self.expire(now);
        if id == 0 || id > self.header.last_epoch {
            return fail(reject::UNKNOWN_EPOCH, format!("epoch {} was never issued by this canister", id));
        }
        if let Some(epoch) = self.open.as_mut() {
            if epoch.id == id {
                epoch.holders.retain(|h| h != caller);
                if epoch.holders.is_empty() {
                    self.end_open(Ending::Ended);
                }
            }
        }
        Ok(())
    }

    // ---- restore --------------------------------------------------------------------------

    pub fn restore_begin(&mut self, size: u64, chunk_size: u64, root: Digest) -> Result<RestoreTicket> {
        if chunk_size == 0 || chunk_size > protocol::MAX_CHUNK_SIZE {
            return fail(reject::BAD_CHUNK, format!("chunk_size {} must be between 1 and {}", chunk_size, protocol::MAX_CHUNK_SIZE));
        }
        self.staged = None;
        let base = region::page_align(self.header.region_end());
        region::ensure(base + size, base)?;
        self.header.last_restore += 1;
        self.header.store();
        let count = chunk_count(size, chunk_size);
        self.staged = Some(Staged { id: self.header.last_restore, size, chunk_size, root, base, hashes: vec![None; count as usize], written: 0 });
        Ok(RestoreTicket { restore: self.header.last_restore, chunk_count: count })
    }

    fn staged_mut(&mut self, id: u64) -> Result<&mut Staged> {
        match self.staged.as_mut() {
            Some(s) if s.id == id => Ok(s),
            other => {
                let staged = other.map(|s| s.id.to_string()).unwrap_or_else(|| "none".to_string());
                fail(reject::UNKNOWN_RESTORE, format!("restore {} is not staged (staged: {})", id, staged))
            }
        }
    }

    pub fn restore_write(&mut self, id: u64, index: u64, bytes: &[u8]) -> Result<Digest> {
        let s = self.staged_mut(id)?;
        let count = s.hashes.len() as u64;
        if index >= count {
            return fail(reject::BAD_CHUNK, format!("chunk {} does not exist; the image has {} chunks", index, count));
        }
        let expected = chunk_len(s.size, s.chunk_size, index);
        if bytes.len() as u64 != expected {
            return fail(reject::BAD_CHUNK, format!("chunk {} has {} bytes; the image's chunk {} has {}", index, bytes.len(), index, expected));
        }
        region::write(s.base + index * s.chunk_size, bytes);
        let h = sha256(bytes);
        if s.hashes[index as usize].replace(h).is_none() {
            s.written += 1;
        }
        Ok(h)
    }

    /// Checks a staged image against `root` and, when it matches, makes it the region. The
    /// caller then reloads the app from the region (and traps if that fails, undoing all of it).
    pub fn restore_commit(&mut self, id: u64, root: Digest) -> Result<()> {
        let s = self.staged_mut(id)?;
        if root != s.root {
            return fail(
                reject::ROOT_MISMATCH,
                format!("restore_commit root {} differs from restore_begin root {}", hex(&root), hex(&s.root)),
            );
        }
        if s.written < s.hashes.len() as u64 {
            let first = s.hashes.iter().position(|h| h.is_none()).unwrap();
            return fail(
                reject::RESTORE_INCOMPLETE,
                format!("{} of {} chunks written; first missing is {}", s.written, s.hashes.len(), first),
            );
        }
        let hashes: Vec<Digest> = s.hashes.iter().map(|h| h.unwrap()).collect();
        let actual = image_root(s.size, s.chunk_size, &hashes);
        if actual != root {
            return fail(reject::ROOT_MISMATCH, format!("the written chunks give root {}, expected {}", hex(&actual), hex(&root)));
        }
        let s = self.staged.take().unwrap();
        self.end_all();
        self.header.region_base = s.base;
        self.header.region_size = s.size;
        self.header.store();
        self.cache = if s.chunk_size == self.settings.chunk_size {
            s.hashes
        } else {
            vec![None; chunk_count(s.size, self.settings.chunk_size) as usize]
        };
        Ok(())
    }

    pub fn restore_abort(&mut self, id: u64) -> Result<()> {
        self.staged_mut(id)?;
        self.staged = None;
        Ok(())
    }

    // ---- status ---------------------------------------------------------------------------

    pub fn status(&self) -> Status<'_> {
        Status { lib: self }
    }

    // ---- upgrades -------------------------------------------------------------------------

    /// Saves what lives on the heap (allow-list, chunk-hash cache, retained epochs) after the
    /// region; ends open epochs and drops a staged restore, whose bytes an upgrade would not
    /// keep consistent.
    pub fn save(&mut self) -> Result<()> {
        self.end_all();
        self.staged = None;
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.u64(self.settings.chunk_size);
        w.u32(self.allowed.len() as u32);
        for p in &self.allowed {
            w.bytes(p);
        }
        w.u64(self.cache.len() as u64);
        for h in &self.cache {
            w.opt_digest(h);
        }
        w.u32(self.retained.len() as u32);
        for r in &self.retained {
            w.u64(r.id);
            w.u64(r.chunk_size);
            w.u64(r.hashes.len() as u64);
            for h in &r.hashes {
                w.raw(h);
            }
        }
        w.u32(self.endings.len() as u32);
        for (id, how) in &self.endings {
            w.u64(*id);
            w.u8(match how {
                Ending::Ended => 0,
                Ending::Expired => 1,
                Ending::Overflowed => 2,
            });
        }
        // Appended after the first format's fields, so state saved by an older release (which
        // ends here) still reads, as unfenced.
        w.bool(self.fence.is_some());
        w.opt_str(&self.fence.clone().flatten());
        let at = region::page_align(self.header.region_end());
        region::ensure(at + out.len() as u64, at)?;
        region::write(at, &out);
        self.header.saved_offset = at;
        self.header.saved_len = out.len() as u64;
        self.header.store();
        Ok(())
    }

    /// The library as `save` left it, with the new code's settings.
    pub fn restore_saved(settings: Settings) -> Result<Library> {
        let mut header = Header::load()?.ok_or("stable memory is empty: nothing to upgrade from")?;
        if header.style != settings.style {
            return Err(format!("the canister's data is in style {} but the code uses style {}", header.style, settings.style));
        }
        let mut raw = vec![0u8; header.saved_len as usize];
        region::read(header.saved_offset, &mut raw);
        header.saved_offset = 0;
        header.saved_len = 0;
        header.chunk_size = settings.chunk_size;
        header.epoch_ttl_nanos = settings.epoch_ttl_nanos;
        header.hash_budget = settings.hash_budget;
        header.store();
        let mut lib = Library::with(settings, header);
        if raw.is_empty() {
            lib.cache = vec![None; chunk_count(lib.header.region_size, lib.settings.chunk_size) as usize];
            return Ok(lib);
        }
        let mut r = Reader::new(&raw);
        let saved_chunk_size = r.u64()?;
        for _ in 0..r.u32()? {
            lib.allowed.push(r.bytes()?);
        }
        let n = r.u64()?;
        let mut cache = Vec::with_capacity(n as usize);
        for _ in 0..n {
            cache.push(r.opt_digest()?);
        }
        lib.cache = if saved_chunk_size == lib.settings.chunk_size {
            cache
        } else {
            vec![None; chunk_count(lib.header.region_size, lib.settings.chunk_size) as usize]
        };
        for _ in 0..r.u32()? {
            let id = r.u64()?;
            let chunk_size = r.u64()?;
            let n = r.u64()?;
            let mut hashes = Vec::with_capacity(n as usize);
            for _ in 0..n {
                hashes.push(r.digest()?);
            }
            lib.retained.push_back(Retained { id, chunk_size, hashes });
        }
        for _ in 0..r.u32()? {
            let id = r.u64()?;
            let how = match r.u8()? {
                1 => Ending::Expired,
                2 => Ending::Overflowed,
                _ => Ending::Ended,
            };
            lib.endings.push_back((id, how));
        }
        if !r.is_empty() {
            let fenced = r.bool()?;
            let reason = r.opt_str()?;
            lib.fence = if fenced { Some(reason) } else { None };
        }
        Ok(lib)
    }
}

/// Records a computed hash of the open epoch's chunk; the live cache gets it too when the
/// chunk has not been written since begin (then live and frozen bytes are the same).
fn record_hash(epoch: &mut Epoch, cache: &mut [Option<Digest>], index: u64, h: Digest) {
    if epoch.hashes[index as usize].replace(h).is_none() {
        epoch.hashed += 1;
    }
    if epoch.chunk_untouched(index) {
        if let Some(c) = cache.get_mut(index as usize) {
            *c = Some(h);
        }
    }
}

fn finish_root(epoch: &mut Epoch) {
    if epoch.root.is_none() && epoch.hashed == epoch.count() {
        let hashes: Vec<Digest> = epoch.hashes.iter().map(|h| h.unwrap()).collect();
        epoch.root = Some(image_root(epoch.size, epoch.chunk_size, &hashes));
    }
}

/// The frozen bytes of chunk `index`: stable memory, with preserved pages laid over it.
fn frozen_chunk(epoch: &Epoch, base: u64, index: u64) -> Vec<u8> {
    let start = index * epoch.chunk_size;
    let len = chunk_len(epoch.size, epoch.chunk_size, index);
    let mut out = vec![0u8; len as usize];
    region::read(base + start, &mut out);
    let first = start / PAGE_SIZE;
    let last = (start + len - 1) / PAGE_SIZE;
    for (page, bytes) in epoch.preserved.range(first..=last) {
        let page_start = page * PAGE_SIZE;
        let from = page_start.max(start);
        let to = (page_start + bytes.len() as u64).min(start + len);
        out[(from - start) as usize..(to - start) as usize]
            .copy_from_slice(&bytes[(from - page_start) as usize..(to - page_start) as usize]);
    }
    out
}

/// A view of the library for `replication_status`.
pub struct Status<'a> {
    lib: &'a Library,
}

impl<'a> Status<'a> {
    pub fn style(&self) -> &'static str {
        if self.lib.settings.style == STYLE_STABLE {
            "stable"
        } else {
            "serialized"
        }
    }
    pub fn region_size(&self) -> u64 {
        self.lib.header.region_size
    }
    pub fn chunk_size(&self) -> u64 {
        self.lib.settings.chunk_size
    }
    pub fn epoch_ttl_seconds(&self) -> u64 {
        self.lib.settings.epoch_ttl_nanos / 1_000_000_000
    }
    pub fn last_epoch(&self) -> u64 {
        self.lib.header.last_epoch
    }
    /// (epoch, holders, expires_at, chunk_count, hashed, preserved pages)
    pub fn open_epoch(&self) -> Option<(u64, &[Vec<u8>], u64, u64, u64, u64)> {
        self.lib.open.as_ref().map(|e| (e.id, &e.holders[..], e.expires_at, e.count(), e.hashed, e.preserved.len() as u64))
    }
    pub fn retained_epochs(&self) -> Vec<u64> {
        self.lib.retained.iter().map(|r| r.id).collect()
    }
    pub fn allowed(&self) -> &[Vec<u8>] {
        &self.lib.allowed
    }
    pub fn fenced(&self) -> bool {
        self.lib.fenced()
    }
    pub fn fence_reason(&self) -> Option<&str> {
        self.lib.fence_reason()
    }
    /// (restore, size, chunk_size, chunk_count, written)
    pub fn staged_restore(&self) -> Option<(u64, u64, u64, u64, u64)> {
        self.lib.staged.as_ref().map(|s| (s.id, s.size, s.chunk_size, s.hashes.len() as u64, s.written))
    }
}
