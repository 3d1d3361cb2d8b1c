//! The demo app: a small Taggr-like social network kept in stable memory through the
//! replication library. (First cut: only links the shared code.)
#![allow(dead_code)]

#[path = "../lib/api.rs"]
mod api;
#[path = "../lib/candid.rs"]
mod candid;
#[path = "../lib/codec.rs"]
mod codec;
#[path = "../lib/ic0.rs"]
mod ic0;
#[path = "../lib/protocol.rs"]
mod protocol;
#[path = "../lib/sha256.rs"]
mod sha256;

#[export_name = "canister_query checksum"]
extern "C" fn checksum() {
    api::reply_candid(candid::Type::blob(), candid::Value::Blob(sha256::sha256(b"").to_vec()));
}
