//! The demo app: a small Taggr-like social network (users, posts, follows, pictures) whose data
//! lives in stable memory through the replication library, so backup canisters can copy it
//! while it serves. Interface: demo_app.did.

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
#[path = "../replication/mod.rs"]
#[allow(dead_code)]
mod replication;

mod social;
mod store;
mod workload;

use candid::{Type, Value};
use social::Social;

/// The library's configuration from the init (or upgrade) argument; on upgrade, what the argument
/// does not name stays as installed.
fn config(arg: &[u8]) -> replication::Config {
    let v = match candid::decode_first(arg) {
        Ok(v) => v,
        Err(e) => api::trap(&format!("init argument: {}", e)),
    };
    let v = match &v {
        Value::Opt(Some(inner)) => &**inner,
        other => other,
    };
    let serialized = || replication::Style::Serialized { save: store::heap_image, load: load_serialized };
    let mut c = match v.get_opt("style").map(|s| s.as_text()) {
        Some(Ok("stable")) => replication::Config::new(replication::Style::Stable, on_loaded),
        Some(Ok("serialized")) => replication::Config::new(serialized(), on_loaded),
        Some(Ok(other)) => api::trap(&format!("init argument style: \"{}\" is neither \"stable\" nor \"serialized\"", other)),
        Some(Err(e)) => api::trap(&format!("init argument style: {}", e)),
        None => replication::installed(on_loaded, serialized())
            .unwrap_or_else(|| replication::Config::new(replication::Style::Stable, on_loaded)),
    };
    if let replication::Style::Serialized { .. } = c.style {
        store::use_heap(Vec::new());
    }
    let nat = |name: &str| v.get_opt(name).map(|x| x.as_u64().unwrap_or_else(|e| api::trap(&format!("init argument {}: {}", name, e))));
    if let Some(cs) = nat("chunk_size") {
        c.chunk_size = cs;
    }
    if let Some(ttl) = nat("epoch_ttl_seconds") {
        c.epoch_ttl_seconds = ttl;
    }
    if let Some(b) = nat("hash_budget_instructions") {
        c.hash_budget_instructions = b;
    }
    c
}

fn load_serialized(image: &[u8]) -> Result<(), String> {
    store::use_heap(image.to_vec());
    on_loaded()
}

fn on_loaded() -> Result<(), String> {
    let loaded = Social::load()?;
    social::with(|s| *s = loaded);
    Ok(())
}

fn init_arg() -> Vec<u8> {
    let arg = api::arg_data();
    if arg.is_empty() {
        b"DIDL\x00\x00".to_vec()
    } else {
        arg
    }
}

#[export_name = "canister_init"]
extern "C" fn init() {
    replication::init(config(&init_arg()));
    let fresh = Social::create().unwrap_or_else(|e| api::trap(&e));
    social::with(|s| *s = fresh);
}

#[export_name = "canister_pre_upgrade"]
extern "C" fn pre_upgrade() {
    replication::pre_upgrade();
}

#[export_name = "canister_post_upgrade"]
extern "C" fn post_upgrade() {
    replication::post_upgrade(config(&init_arg()));
}

fn empty_record() -> Vec<u8> {
    candid::encode_one(Type::record(&[]), Value::record(vec![]))
}

/// Runs a state-changing method: refuses while fenced (another canister may be the primary) and
/// while a restore is staged (the commit would overwrite the write), then decodes the argument,
/// replies or rejects.
fn update(f: impl FnOnce(&Value, &mut Social) -> Result<Vec<u8>, String>) {
    if let Err(e) = replication::guard_write() {
        return api::reject(&e);
    }
    if let Some(r) = replication::restore_in_progress() {
        return api::reject(&format!("{}: restore {} is staged; commit or abort it first", protocol::reject::RESTORE_IN_PROGRESS, r));
    }
    let result = candid::decode_first(&api::arg_data())
        .map_err(|e| format!("{}: {}", protocol::reject::BAD_ARGUMENT, e))
        .and_then(|arg| social::with(|s| f(&arg, s)));
    match result {
        Ok(reply) => api::reply(&reply),
        Err(e) => api::reject(&e),
    }
}

fn query(f: impl FnOnce(&Value, &Social) -> Result<Vec<u8>, String>) {
    let result = candid::decode_first(&api::arg_data())
        .map_err(|e| format!("{}: {}", protocol::reject::BAD_ARGUMENT, e))
        .and_then(|arg| social::with(|s| f(&arg, s)));
    match result {
        Ok(reply) => api::reply(&reply),
        Err(e) => api::reject(&e),
    }
}

fn id_reply(name: &str, id: u64) -> Vec<u8> {
    candid::encode_one(Type::record(&[(name, Type::Nat64)]), Value::record(vec![(name, Value::Nat64(id))]))
}

#[export_name = "canister_update create_user"]
extern "C" fn create_user() {
    update(|arg, s| Ok(id_reply("user", s.create_user(arg.get("name")?.as_text()?)?)))
}

#[export_name = "canister_update create_post"]
extern "C" fn create_post() {
    update(|arg, s| {
        let picture = match arg.get_opt("picture") {
            Some(p) => p.as_blob()?.to_vec(),
            None => Vec::new(),
        };
        Ok(id_reply("post", s.create_post(arg.get("author")?.as_u64()?, arg.get("text")?.as_text()?, &picture)?))
    })
}

#[export_name = "canister_update follow"]
extern "C" fn follow() {
    update(|arg, s| {
        s.follow(arg.get("follower")?.as_u64()?, arg.get("followee")?.as_u64()?)?;
        Ok(empty_record())
    })
}

#[export_name = "canister_update replace_picture"]
extern "C" fn replace_picture() {
    update(|arg, s| {
        let post = arg.get("post")?.as_u64()?;
        let picture = arg.get("picture")?.as_blob()?;
        let len = s.posts.get(post as usize).map(|p| p.picture_len).ok_or_else(|| format!("post {} does not exist", post))?;
        if picture.len() as u64 != len {
            return Err(format!("post {} has a picture of {} bytes; the new one must have the same size, not {}", post, len, picture.len()));
        }
        s.overwrite_picture(post, 0, picture)?;
        Ok(empty_record())
    })
}

#[export_name = "canister_update generate"]
extern "C" fn generate() {
    update(|arg, s| {
        let target = arg.get("target_mib")?.as_u64()?.saturating_mul(1 << 20);
        let done = workload::generate(s, target, arg.get("seed")?.as_u64()?)?;
        let t = Type::record(&[("data_bytes", Type::Nat64), ("done", Type::Bool)]);
        Ok(candid::encode_one(t, Value::record(vec![("data_bytes", Value::Nat64(s.end)), ("done", Value::Bool(done))])))
    })
}

#[export_name = "canister_update mutate"]
extern "C" fn mutate() {
    update(|arg, s| {
        let changed = workload::mutate(s, arg.get("bytes")?.as_u64()?, arg.get("seed")?.as_u64()?)?;
        Ok(id_reply("changed_bytes", changed))
    })
}

fn stats_type() -> Type {
    Type::record(&[
        ("users", Type::Nat64),
        ("posts", Type::Nat64),
        ("follows", Type::Nat64),
        ("picture_bytes", Type::Nat64),
        ("data_bytes", Type::Nat64),
    ])
}

fn stats_value(s: &Social) -> Value {
    Value::record(vec![
        ("users", Value::Nat64(s.users.len() as u64)),
        ("posts", Value::Nat64(s.posts.len() as u64)),
        ("follows", Value::Nat64(s.follow_log.len() as u64)),
        ("picture_bytes", Value::Nat64(s.picture_bytes)),
        ("data_bytes", Value::Nat64(s.end)),
    ])
}

#[export_name = "canister_query stats"]
extern "C" fn stats() {
    query(|_, s| Ok(candid::encode_one(stats_type(), stats_value(s))))
}

#[export_name = "canister_query checksum"]
extern "C" fn checksum() {
    query(|_, s| {
        let t = Type::record(&[("checksum", Type::blob()), ("stats", stats_type())]);
        Ok(candid::encode_one(t, Value::record(vec![("checksum", Value::Blob(s.checksum().to_vec())), ("stats", stats_value(s))])))
    })
}

#[export_name = "canister_query get_user"]
extern "C" fn get_user() {
    query(|arg, s| {
        let id = arg.get("user")?.as_u64()?;
        let t = Type::opt(Type::record(&[
            ("id", Type::Nat64),
            ("name", Type::Text),
            ("posts", Type::Nat64),
            ("followers", Type::Nat64),
            ("following", Type::Nat64),
        ]));
        let v = match s.users.get(id as usize) {
            Some(u) => Value::some(Value::record(vec![
                ("id", Value::Nat64(id)),
                ("name", Value::Text(u.name.clone())),
                ("posts", Value::Nat64(u.posts)),
                ("followers", Value::Nat64(u.followers)),
                ("following", Value::Nat64(u.following)),
            ])),
            None => Value::none(),
        };
        Ok(candid::encode_one(t, v))
    })
}

#[export_name = "canister_query get_post"]
extern "C" fn get_post() {
    query(|arg, s| {
        let id = arg.get("post")?.as_u64()?;
        let t = Type::opt(Type::record(&[("id", Type::Nat64), ("author", Type::Nat64), ("text", Type::Text), ("picture_size", Type::Nat64)]));
        let v = match s.posts.get(id as usize) {
            Some(p) => Value::some(Value::record(vec![
                ("id", Value::Nat64(id)),
                ("author", Value::Nat64(p.author)),
                ("text", Value::Text(p.text.clone())),
                ("picture_size", Value::Nat64(p.picture_len)),
            ])),
            None => Value::none(),
        };
        Ok(candid::encode_one(t, v))
    })
}

#[export_name = "canister_query get_picture"]
extern "C" fn get_picture() {
    query(|arg, s| {
        let v = match s.picture(arg.get("post")?.as_u64()?) {
            Some(p) => Value::some(Value::Blob(p)),
            None => Value::none(),
        };
        Ok(candid::encode_one(Type::opt(Type::blob()), v))
    })
}
