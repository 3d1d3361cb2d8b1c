//! The canister methods the library exports into the app: Candid in and out, the allow-list,
//! and the reject messages of docs/protocol.md.

use crate::api;
use crate::candid::{self, Type, Value};
use crate::protocol::{reject, ChangesArgs, EndArgs, ImageInfo, ReadArgs, RestoreBeginArgs, RestoreCommitArgs, RestoreTicket, RestoreWriteArgs};

use super::{hooks, reload, with_lib};

fn empty_record() -> Vec<u8> {
    candid::encode_one(Type::record(&[]), Value::record(vec![]))
}

fn bad_argument(e: String) -> String {
    format!("{}: {}", reject::BAD_ARGUMENT, e)
}

/// Runs a replication method for an allowed caller with its decoded argument, replying with the
/// bytes it returns or rejecting with its message.
fn serve(f: impl FnOnce(&[u8], Value) -> Result<Vec<u8>, String>) {
    let caller = api::caller();
    if !(api::is_controller(&caller) || with_lib(|l| l.is_allowed(&caller))) {
        return api::reject(&format!(
            "{}: caller {} is not on the replication allow-list of this canister",
            reject::NOT_ALLOWED,
            api::principal_text(&caller)
        ));
    }
    let result = candid::decode_first(&api::arg_data()).map_err(bad_argument).and_then(|arg| f(&caller, arg));
    match result {
        Ok(reply) => api::reply(&reply),
        Err(message) => api::reject(&message),
    }
}

#[export_name = "canister_update replication_begin"]
extern "C" fn replication_begin() {
    serve(|caller, _| {
        let now = api::time();
        // The serialized style freezes by saving; the app's save runs outside the library's
        // borrow because it may read app state that calls back into the library.
        if with_lib(|l| l.needs_new_image(now)) {
            if let Some(save) = hooks(|h| h.save) {
                let image = save();
                with_lib(|l| l.store_image(&image))?;
            }
        }
        let info = with_lib(|l| l.begin(caller, now, api::instructions))?;
        Ok(candid::encode_one(ImageInfo::candid_type(), info.to_value()))
    })
}

#[export_name = "canister_update replication_read"]
extern "C" fn replication_read() {
    serve(|_, arg| {
        let args = ReadArgs::from_value(&arg).map_err(bad_argument)?;
        with_lib(|l| l.read_chunk(args.epoch, args.index, api::time()))
    })
}

/// A chunk by query, for readers off the IC (exporting an image, checking one by query): the
/// same argument, reply and allow-list as `replication_read`, but a query records nothing.
#[export_name = "canister_query replication_read_query"]
extern "C" fn replication_read_query() {
    serve(|_, arg| {
        let args = ReadArgs::from_value(&arg).map_err(bad_argument)?;
        with_lib(|l| l.peek_chunk(args.epoch, args.index, api::time()))
    })
}

#[export_name = "canister_update replication_changes"]
extern "C" fn replication_changes() {
    serve(|_, arg| {
        let args = ChangesArgs::from_value(&arg).map_err(bad_argument)?;
        let changes = with_lib(|l| l.changes(&args, api::time()))?;
        Ok(candid::encode_one(crate::protocol::Changes::candid_type(), changes.to_value()))
    })
}

#[export_name = "canister_update replication_end"]
extern "C" fn replication_end() {
    serve(|caller, arg| {
        let args = EndArgs::from_value(&arg).map_err(bad_argument)?;
        with_lib(|l| l.end(caller, args.epoch, api::time()))?;
        Ok(empty_record())
    })
}

#[export_name = "canister_update replication_status"]
extern "C" fn replication_status() {
    serve(|_, _| Ok(with_lib(|l| status_reply(l))))
}

fn status_reply(l: &super::library::Library) -> Vec<u8> {
    let s = l.status();
    let principals = |ps: &[Vec<u8>]| Value::Vec(ps.iter().map(|p| Value::Principal(p.clone())).collect());
    let open_type = Type::record(&[
        ("epoch", Type::Nat64),
        ("holders", Type::vec(Type::Principal)),
        ("expires_at", Type::Nat64),
        ("chunk_count", Type::Nat64),
        ("hashed", Type::Nat64),
        ("preserved_pages", Type::Nat64),
    ]);
    let staged_type = Type::record(&[
        ("restore", Type::Nat64),
        ("size", Type::Nat64),
        ("chunk_size", Type::Nat64),
        ("chunk_count", Type::Nat64),
        ("written", Type::Nat64),
    ]);
    let t = Type::record(&[
        ("style", Type::Text),
        ("region_size", Type::Nat64),
        ("chunk_size", Type::Nat64),
        ("epoch_ttl_seconds", Type::Nat64),
        ("last_epoch", Type::Nat64),
        ("open_epoch", Type::opt(open_type)),
        ("retained_epochs", Type::vec(Type::Nat64)),
        ("allowed", Type::vec(Type::Principal)),
        ("staged_restore", Type::opt(staged_type)),
        ("fenced", Type::Bool),
        ("fence_reason", Type::opt(Type::Text)),
    ]);
    let open = match s.open_epoch() {
        Some((epoch, holders, expires_at, count, hashed, preserved)) => Value::some(Value::record(vec![
            ("epoch", Value::Nat64(epoch)),
            ("holders", principals(holders)),
            ("expires_at", Value::Nat64(expires_at)),
            ("chunk_count", Value::Nat64(count)),
            ("hashed", Value::Nat64(hashed)),
            ("preserved_pages", Value::Nat64(preserved)),
        ])),
        None => Value::none(),
    };
    let staged = match s.staged_restore() {
        Some((restore, size, chunk_size, count, written)) => Value::some(Value::record(vec![
            ("restore", Value::Nat64(restore)),
            ("size", Value::Nat64(size)),
            ("chunk_size", Value::Nat64(chunk_size)),
            ("chunk_count", Value::Nat64(count)),
            ("written", Value::Nat64(written)),
        ])),
        None => Value::none(),
    };
    let v = Value::record(vec![
        ("style", Value::Text(s.style().to_string())),
        ("region_size", Value::Nat64(s.region_size())),
        ("chunk_size", Value::Nat64(s.chunk_size())),
        ("epoch_ttl_seconds", Value::Nat64(s.epoch_ttl_seconds())),
        ("last_epoch", Value::Nat64(s.last_epoch())),
        ("open_epoch", open),
        ("retained_epochs", Value::Vec(s.retained_epochs().into_iter().map(Value::Nat64).collect())),
        ("allowed", principals(s.allowed())),
        ("staged_restore", staged),
        ("fenced", Value::Bool(s.fenced())),
        ("fence_reason", match s.fence_reason() {
            Some(r) => Value::some(Value::Text(r.to_string())),
            None => Value::none(),
        }),
    ]);
    candid::encode_one(t, v)
}

/// Runs a method only controllers may call (allow-list and fence changes: neither a backup
/// canister nor any other listed principal may admit others or stop the app's writes).
fn controllers_only(f: impl FnOnce(Value) -> Result<Vec<u8>, String>) {
    let caller = api::caller();
    if !api::is_controller(&caller) {
        return api::reject(&format!(
            "{}: caller {} is not a controller of this canister",
            reject::NOT_ALLOWED,
            api::principal_text(&caller)
        ));
    }
    match candid::decode_first(&api::arg_data()).map_err(bad_argument).and_then(f) {
        Ok(reply) => api::reply(&reply),
        Err(message) => api::reject(&message),
    }
}

fn principal_arg(arg: &Value) -> Result<Vec<u8>, String> {
    arg.get("principal").and_then(|p| p.as_principal()).map(|p| p.to_vec()).map_err(bad_argument)
}

#[export_name = "canister_update replication_allow"]
extern "C" fn replication_allow() {
    controllers_only(|arg| {
        let p = principal_arg(&arg)?;
        with_lib(|l| l.allow(&p));
        Ok(empty_record())
    })
}

#[export_name = "canister_update replication_disallow"]
extern "C" fn replication_disallow() {
    controllers_only(|arg| {
        let p = principal_arg(&arg)?;
        with_lib(|l| l.disallow(&p));
        Ok(empty_record())
    })
}

/// Fences or unfences the app's writes (docs/protocol.md, Fencing); replies with the status.
#[export_name = "canister_update replication_fence"]
extern "C" fn replication_fence() {
    controllers_only(|arg| {
        let fenced = arg.get("fenced").and_then(|f| f.as_bool()).map_err(|e| bad_argument(format!("fenced: {}", e)))?;
        let reason = match arg.get_opt("reason") {
            Some(r) => Some(r.as_text().map_err(|e| bad_argument(format!("reason: {}", e)))?.to_string()),
            None => None,
        };
        with_lib(|l| l.set_fence(fenced, reason))?;
        Ok(with_lib(|l| status_reply(l)))
    })
}

#[export_name = "canister_update restore_begin"]
extern "C" fn restore_begin() {
    serve(|_, arg| {
        let args = RestoreBeginArgs::from_value(&arg).map_err(bad_argument)?;
        let ticket = with_lib(|l| l.restore_begin(args.size, args.chunk_size, args.root))?;
        Ok(candid::encode_one(RestoreTicket::candid_type(), ticket.to_value()))
    })
}

#[export_name = "canister_update restore_write"]
extern "C" fn restore_write() {
    serve(|_, arg| {
        let args = RestoreWriteArgs::from_value(&arg).map_err(bad_argument)?;
        let hash = with_lib(|l| l.restore_write(args.restore, args.index, &args.bytes))?;
        Ok(candid::encode_one(crate::protocol::hash_reply_type(), crate::protocol::hash_reply(&hash)))
    })
}

#[export_name = "canister_update restore_commit"]
extern "C" fn restore_commit() {
    serve(|_, arg| {
        let args = RestoreCommitArgs::from_value(&arg).map_err(bad_argument)?;
        with_lib(|l| l.restore_commit(args.restore, args.root))?;
        reload();
        Ok(empty_record())
    })
}

#[export_name = "canister_update restore_abort"]
extern "C" fn restore_abort() {
    serve(|_, arg| {
        let restore = arg.get("restore").and_then(|r| r.as_u64()).map_err(bad_argument)?;
        with_lib(|l| l.restore_abort(restore))?;
        Ok(empty_record())
    })
}
