//! The backup canister: pulls a frozen image from one registered source canister by
//! inter-canister calls on its own timer, verifies every chunk and the image root, and keeps
//! sealed generations in stable memory with content-addressed chunks. Interface: backup_canister.did;
//! behaviour: docs/backup-canister.md; the protocol it speaks: docs/protocol.md.

#[path = "../lib/api.rs"]
#[allow(dead_code)]
mod api;
#[path = "../lib/candid.rs"]
#[allow(dead_code)]
mod candid;
#[path = "../lib/codec.rs"]
#[allow(dead_code)]
mod codec;
#[path = "../lib/ic0.rs"]
#[allow(dead_code)]
mod ic0;
#[path = "../lib/protocol.rs"]
#[allow(dead_code)]
mod protocol;
#[path = "../lib/sha256.rs"]
#[allow(dead_code)]
mod sha256;

mod calls;
mod interface;
mod layout;
mod restore;
mod run;
mod state;
mod store;

use candid::{Type, Value};
use protocol::reject;
use state::State;

/// `verify` stops hashing after this many instructions and answers with its progress, well
/// inside the 40 B an update may execute (a 1 MiB chunk costs about 90 M).
const VERIFY_SLICE: u64 = 20_000_000_000;

fn decoded_arg() -> Result<Option<Value>, String> {
    let bytes = api::arg_data();
    let mut values = candid::decode(&bytes).map_err(|e| format!("{}: malformed Candid: {}", reject::BAD_ARGUMENT, e))?;
    Ok(if values.is_empty() { None } else { Some(values.remove(0)) })
}

fn required_arg() -> Result<Value, String> {
    decoded_arg()?.ok_or_else(|| format!("{}: an argument is required", reject::BAD_ARGUMENT))
}

fn bad(e: String) -> String {
    if e.contains(':') && e.split(':').next().map(|p| p.chars().all(|c| c.is_ascii_uppercase() || c == '_')).unwrap_or(false) {
        e
    } else {
        format!("{}: {}", reject::BAD_ARGUMENT, e)
    }
}

/// Only controllers and the configured coordinators may drive or read the backups.
fn authorize(s: &State) -> Result<(), String> {
    let caller = api::caller();
    if api::is_controller(&caller) || s.config.coordinators.iter().any(|c| *c == caller) {
        Ok(())
    } else {
        Err(format!("{}: {} is neither a controller nor a coordinator of this backup canister", reject::NOT_ALLOWED, api::principal_text(&caller)))
    }
}

/// Runs an authorised method; an error becomes a reject before any state changed.
fn serve(f: impl FnOnce(&mut State) -> Result<(Type, Value), String>) {
    let outcome = state::with(|s| authorize(s).and_then(|_| f(s)));
    match outcome {
        Ok((t, v)) => api::reply_candid(t, v),
        Err(e) => api::reject(&e),
    }
}

#[export_name = "canister_init"]
extern "C" fn init() {
    let config = required_arg().and_then(|v| interface::parse_config(&v).map_err(bad));
    let config = match config {
        Ok(c) => c,
        Err(e) => api::trap(&format!("init argument: {}", e)),
    };
    if let Err(e) = layout::init() {
        api::trap(&e);
    }
    state::set(State::new(config));
}

#[export_name = "canister_pre_upgrade"]
extern "C" fn pre_upgrade() {
    let s = state::take().unwrap_or_else(|| api::trap("no state to save"));
    if let Err(e) = layout::save_state(&s) {
        api::trap(&format!("saving state: {}", e));
    }
}

#[export_name = "canister_post_upgrade"]
extern "C" fn post_upgrade() {
    let mut s = layout::restore_state().unwrap_or_else(|e| api::trap(&e));
    match decoded_arg().and_then(|a| a.map(|v| interface::parse_config(&v).map_err(bad)).transpose()) {
        Err(e) => api::trap(&format!("upgrade argument: {}", e)),
        Ok(None) => {}
        Ok(Some(c)) => {
            let busy = !s.generations.is_empty() || s.run.as_ref().map(|r| r.phase.is_active() || r.phase == state::Phase::Paused).unwrap_or(false);
            if c.source != s.config.source && busy {
                api::trap(&format!(
                    "{}: the source cannot change from {} while generations or a run exist; use a new backup canister",
                    reject::BAD_ARGUMENT,
                    api::principal_text(&s.config.source)
                ));
            }
            s.config = c;
        }
    }
    // Calls made before the upgrade are forgotten: their replies find no token. Queue their
    // work again and let the timer pick it up.
    s.pending.clear();
    if let Some(r) = s.run.as_mut() {
        r.balance_mark = api::cycle_balance();
        r.in_flight_mark = 0;
    }
    if s.run.as_ref().map(|r| r.phase.is_active()).unwrap_or(false) {
        run::resume(&mut s);
    }
    restore::resume(&mut s);
    state::set(s);
    api::set_timer(api::time());
}

#[export_name = "canister_global_timer"]
extern "C" fn timer() {
    state::with(calls::drive);
}

#[export_name = "canister_update sync"]
extern "C" fn sync() {
    serve(|s| {
        run::sync(s);
        calls::drive(s);
        Ok((interface::status_type(), interface::status(s)))
    });
}

#[export_name = "canister_query status"]
extern "C" fn status() {
    serve(|s| Ok((interface::status_type(), interface::status(s))));
}

#[export_name = "canister_query generations"]
extern "C" fn generations() {
    serve(|s| {
        let list = s.generations.values().map(interface::generation).collect();
        Ok((Type::vec(interface::generation_type()), Value::Vec(list)))
    });
}

#[export_name = "canister_update drop_generation"]
extern "C" fn drop_generation() {
    serve(|s| {
        let id = required_arg()?.as_u64().map_err(bad)?;
        if let Some(j) = &s.restore {
            if j.generation == id && j.phase.is_active() {
                return Err(format!("{}: generation {} is being restored", reject::RESTORE_IN_PROGRESS, id));
            }
        }
        let g = s.generations.remove(&id).ok_or_else(|| format!("{}: no generation {}", reject::BAD_ARGUMENT, id))?;
        for h in &g.hashes {
            s.store.release(h);
        }
        if matches!(s.verify_cursor, Some((v, _)) if v == id) {
            s.verify_cursor = None;
        }
        Ok((interface::status_type(), interface::status(s)))
    });
}

#[export_name = "canister_update verify"]
extern "C" fn verify() {
    serve(|s| {
        let id = required_arg()?.as_u64().map_err(bad)?;
        let g = s.generations.get(&id).ok_or_else(|| format!("{}: no generation {}", reject::BAD_ARGUMENT, id))?;
        let mut next = match s.verify_cursor {
            Some((v, i)) if v == id => i,
            _ => 0,
        };
        let mut error = None;
        while (next as usize) < g.hashes.len() && api::instructions() < VERIFY_SLICE {
            let want = &g.hashes[next as usize];
            let len = protocol::chunk_len(g.size, g.chunk_size, next);
            match s.store.get(want) {
                None => error = Some(format!("chunk {} is missing from the store", next)),
                Some(b) if b.len() as u64 != len => error = Some(format!("chunk {} has {} bytes, expected {}", next, b.len(), len)),
                Some(b) if sha256::sha256(&b) != *want => error = Some(format!("chunk {} no longer hashes to {}", next, sha256::hex(want))),
                Some(_) => {}
            }
            if error.is_some() {
                break;
            }
            next += 1;
        }
        let total = g.hashes.len() as u64;
        let done = error.is_some() || next == total;
        let root = protocol::image_root(g.size, g.chunk_size, &g.hashes);
        if error.is_none() && done && root != g.root {
            error = Some(format!("{}: the chunk hashes give {}", reject::ROOT_MISMATCH, sha256::hex(&root)));
        }
        s.verify_cursor = if done { None } else { Some((id, next)) };
        let v = Value::record(vec![
            ("generation", Value::Nat64(id)),
            ("chunks_checked", Value::Nat64(next)),
            ("chunks_total", Value::Nat64(total)),
            ("done", Value::Bool(done)),
            ("ok", Value::Bool(done && error.is_none())),
            ("root", Value::Blob(root.to_vec())),
            ("error", error.map(|e| Value::some(Value::Text(e))).unwrap_or(Value::none())),
        ]);
        Ok((interface::verify_type(), v))
    });
}

#[export_name = "canister_query read_chunk"]
extern "C" fn read_chunk() {
    let outcome: Result<Vec<u8>, String> = state::with(|s| {
        authorize(s)?;
        let a = required_arg()?;
        let id = a.get("generation").and_then(|v| v.as_u64()).map_err(bad)?;
        let index = a.get("index").and_then(|v| v.as_u64()).map_err(bad)?;
        let g = s.generations.get(&id).ok_or_else(|| format!("{}: no generation {}", reject::BAD_ARGUMENT, id))?;
        let hash = *g.hashes.get(index as usize).ok_or_else(|| format!("{}: generation {} has {} chunks", reject::INDEX_OUT_OF_RANGE, id, g.hashes.len()))?;
        let bytes = s.store.get(&hash).ok_or_else(|| format!("chunk {} is missing from the store", index))?;
        Ok(protocol::Chunk::encode(&bytes, &hash))
    });
    match outcome {
        Ok(b) => api::reply(&b),
        Err(e) => api::reject(&e),
    }
}

/// Re-points the backup canister at another source (docs/backup-canister.md, Changing the source).
/// `(principal)` alone, as before; a second argument, `opt record { abandon_run : opt bool }`,
/// may ask to abandon a run of the old source instead of being refused with RUN_IN_PROGRESS.
#[export_name = "canister_update set_source"]
extern "C" fn set_source() {
    serve(|s| {
        let bytes = api::arg_data();
        let args = candid::decode(&bytes).map_err(|e| format!("{}: malformed Candid: {}", reject::BAD_ARGUMENT, e))?;
        let source = args.first().ok_or_else(|| format!("{}: an argument is required", reject::BAD_ARGUMENT))?.as_principal().map_err(bad)?.to_vec();
        let abandon_run = interface::parse_set_source_options(args.get(1)).map_err(bad)?;
        run::set_source(s, source, abandon_run)?;
        Ok((interface::status_type(), interface::status(s)))
    });
}

/// Replaces the canister's own coordinator list (docs/backup-canister.md, Handing the canister
/// over). Only a listed coordinator may, and the list may not be empty; an error changes nothing.
#[export_name = "canister_update set_coordinators"]
extern "C" fn set_coordinators() {
    let caller = api::caller();
    let outcome = state::with(|s| -> Result<(Type, Value), String> {
        interface::may_set_coordinators(&s.config, &caller)?;
        let list = interface::parse_coordinators(&required_arg()?).map_err(bad)?;
        s.config.coordinators = list;
        Ok((interface::coordinators_type(), interface::coordinators(&s.config)))
    });
    match outcome {
        Ok((t, v)) => api::reply_candid(t, v),
        Err(e) => api::reject(&e),
    }
}

#[export_name = "canister_update restore_to"]
extern "C" fn restore_to() {
    serve(|s| {
        let a = required_arg()?;
        let target = a.get("target").and_then(|v| v.as_principal()).map_err(bad)?.to_vec();
        let id = a.get("generation").and_then(|v| v.as_u64()).map_err(bad)?;
        restore::start(s, target, id)?;
        calls::drive(s);
        Ok((interface::status_type(), interface::status(s)))
    });
}
