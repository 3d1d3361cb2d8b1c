//! A stand-in source canister for the backup canister's tests: it serves the replication
//! protocol (docs/protocol.md) over a byte image kept on the heap, and can be filled, changed,
//! made to fail, and asked for its image root. The real replication library replaces it once
//! both are on one branch; only the protocol is shared.

#[path = "../../main/rust/lib/api.rs"]
#[allow(dead_code)]
mod api;
#[path = "../../main/rust/lib/candid.rs"]
#[allow(dead_code)]
mod candid;
#[path = "../../main/rust/lib/ic0.rs"]
#[allow(dead_code)]
mod ic0;
#[path = "../../main/rust/lib/protocol.rs"]
#[allow(dead_code)]
mod protocol;
#[path = "../../main/rust/lib/sha256.rs"]
#[allow(dead_code)]
mod sha256;

use candid::{decode_first, Type, Value};
use protocol::*;
use sha256::{sha256, Digest};
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Default)]
struct Source {
    image: Vec<u8>,
    chunk_size: u64,
    next_epoch: u64,
    open: Option<(u64, Vec<u8>, Vec<Digest>)>,
    /// Chunk hashes of every epoch ever begun, for `replication_changes`.
    history: BTreeMap<u64, Vec<Digest>>,
    failing: bool,
    /// Serve every chunk one byte short, with the hash of the bytes served, so that only the
    /// reader's length check can tell.
    truncating: bool,
    staging: Option<(u64, Vec<u8>)>,
}

thread_local! {
    static S: RefCell<Source> = RefCell::new(Source { chunk_size: PAGE_SIZE, next_epoch: 1, ..Default::default() });
}

fn arg() -> Value {
    decode_first(&api::arg_data()).unwrap_or_else(|e| api::trap(&format!("{}: {}", reject::BAD_ARGUMENT, e)))
}

fn hashes(image: &[u8], chunk_size: u64) -> Vec<Digest> {
    image.chunks(chunk_size as usize).map(sha256).collect()
}

fn fill_bytes(out: &mut [u8], mut seed: u64) {
    for b in out.iter_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        *b = seed as u8;
    }
}

#[export_name = "canister_update fill"]
extern "C" fn fill() {
    let a = arg();
    let size = a.get("size").and_then(|v| v.as_u64()).unwrap();
    let chunk_size = a.get("chunk_size").and_then(|v| v.as_u64()).unwrap();
    let seed = a.get("seed").and_then(|v| v.as_u64()).unwrap();
    S.with(|s| {
        let mut s = s.borrow_mut();
        s.image = vec![0; size as usize];
        fill_bytes(&mut s.image, seed | 1);
        s.chunk_size = chunk_size;
    });
    api::reply_empty();
}

#[export_name = "canister_update mutate"]
extern "C" fn mutate() {
    let a = arg();
    let offset = a.get("offset").and_then(|v| v.as_u64()).unwrap() as usize;
    let len = a.get("len").and_then(|v| v.as_u64()).unwrap() as usize;
    let seed = a.get("seed").and_then(|v| v.as_u64()).unwrap();
    S.with(|s| fill_bytes(&mut s.borrow_mut().image[offset..offset + len], seed | 1));
    api::reply_empty();
}

#[export_name = "canister_update set_failing"]
extern "C" fn set_failing() {
    let f = arg().as_bool().unwrap();
    S.with(|s| s.borrow_mut().failing = f);
    api::reply_empty();
}

#[export_name = "canister_update set_truncating"]
extern "C" fn set_truncating() {
    let t = arg().as_bool().unwrap();
    S.with(|s| s.borrow_mut().truncating = t);
    api::reply_empty();
}

fn root_reply(image: &[u8], chunk_size: u64) {
    let root = image_root(image.len() as u64, chunk_size, &hashes(image, chunk_size));
    api::reply_candid(
        Type::record(&[("root", Type::blob()), ("size", Type::Nat64), ("chunk_size", Type::Nat64)]),
        Value::record(vec![("root", Value::Blob(root.to_vec())), ("size", Value::Nat64(image.len() as u64)), ("chunk_size", Value::Nat64(chunk_size))]),
    );
}

#[export_name = "canister_query image_root"]
extern "C" fn query_image_root() {
    S.with(|s| {
        let s = s.borrow();
        root_reply(&s.image, s.chunk_size)
    });
}

#[export_name = "canister_update replication_begin"]
extern "C" fn begin() {
    let info = S.with(|s| {
        let mut s = s.borrow_mut();
        if s.open.is_none() {
            let epoch = s.next_epoch;
            s.next_epoch += 1;
            let frozen = s.image.clone();
            let h = hashes(&frozen, s.chunk_size);
            s.history.insert(epoch, h.clone());
            s.open = Some((epoch, frozen, h));
        }
        let (epoch, frozen, h) = s.open.as_ref().unwrap();
        let size = frozen.len() as u64;
        ImageInfo {
            epoch: *epoch,
            size,
            chunk_size: s.chunk_size,
            chunk_count: h.len() as u64,
            root: Some(image_root(size, s.chunk_size, h)),
            hashed: h.len() as u64,
            expires_at: u64::MAX,
        }
    });
    api::reply_candid(ImageInfo::candid_type(), info.to_value());
}

#[export_name = "canister_update replication_read"]
extern "C" fn read() {
    let a = ReadArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    let out: Result<Vec<u8>, String> = S.with(|s| {
        let s = s.borrow();
        if s.failing {
            api::trap("the source is failing on purpose");
        }
        match &s.open {
            Some((epoch, frozen, h)) if *epoch == a.epoch => {
                if a.index >= h.len() as u64 {
                    return Err(format!("{}: {}", reject::INDEX_OUT_OF_RANGE, a.index));
                }
                let start = (a.index * s.chunk_size) as usize;
                let end = (start + s.chunk_size as usize).min(frozen.len());
                if s.truncating {
                    let short = &frozen[start..end - 1];
                    return Ok(Chunk::encode(short, &sha256(short)));
                }
                Ok(Chunk::encode(&frozen[start..end], &h[a.index as usize]))
            }
            _ => Err(format!("{}: epoch {} is not open", reject::UNKNOWN_EPOCH, a.epoch)),
        }
    });
    match out {
        Ok(b) => api::reply(&b),
        Err(e) => api::reject(&e),
    }
}

#[export_name = "canister_update replication_changes"]
extern "C" fn changes() {
    let a = ChangesArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    let out: Result<Changes, String> = S.with(|s| {
        let s = s.borrow();
        let now = s.history.get(&a.epoch).ok_or_else(|| format!("{}: {}", reject::UNKNOWN_EPOCH, a.epoch))?;
        let then = s.history.get(&a.since_epoch).ok_or_else(|| format!("{}: {}", reject::SINCE_EPOCH_UNAVAILABLE, a.since_epoch))?;
        let indices = (a.start..now.len() as u64).filter(|i| then.get(*i as usize) != Some(&now[*i as usize])).collect();
        Ok(Changes { indices, next: None })
    });
    match out {
        Ok(c) => api::reply_candid(Changes::candid_type(), c.to_value()),
        Err(e) => api::reject(&e),
    }
}

#[export_name = "canister_update replication_end"]
extern "C" fn end() {
    let a = EndArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    S.with(|s| {
        let mut s = s.borrow_mut();
        if matches!(&s.open, Some((e, _, _)) if *e == a.epoch) {
            s.open = None;
        }
    });
    api::reply_empty();
}

#[export_name = "canister_update restore_begin"]
extern "C" fn restore_begin() {
    let a = RestoreBeginArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    S.with(|s| s.borrow_mut().staging = Some((a.chunk_size, vec![0; a.size as usize])));
    let t = RestoreTicket { restore: 1, chunk_count: chunk_count(a.size, a.chunk_size) };
    api::reply_candid(RestoreTicket::candid_type(), t.to_value());
}

#[export_name = "canister_update restore_write"]
extern "C" fn restore_write() {
    let a = RestoreWriteArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    S.with(|s| {
        let mut s = s.borrow_mut();
        let (cs, img) = s.staging.as_mut().unwrap_or_else(|| api::trap(reject::UNKNOWN_RESTORE));
        let start = (a.index * *cs) as usize;
        img[start..start + a.bytes.len()].copy_from_slice(&a.bytes);
    });
    api::reply_candid(hash_reply_type(), hash_reply(&sha256(&a.bytes)));
}

#[export_name = "canister_update restore_commit"]
extern "C" fn restore_commit() {
    let a = RestoreCommitArgs::from_value(&arg()).unwrap_or_else(|e| api::trap(&e));
    let out = S.with(|s| {
        let mut s = s.borrow_mut();
        let (cs, img) = s.staging.take().ok_or_else(|| reject::UNKNOWN_RESTORE.to_string())?;
        if image_root(img.len() as u64, cs, &hashes(&img, cs)) != a.root {
            return Err(format!("{}: the written image does not give the root", reject::ROOT_MISMATCH));
        }
        s.image = img;
        s.chunk_size = cs;
        Ok(())
    });
    match out {
        Ok(()) => api::reply_empty(),
        Err(e) => api::reject(&e),
    }
}
