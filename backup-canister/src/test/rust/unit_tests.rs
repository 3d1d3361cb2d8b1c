//! Native unit tests of the code the canisters share: `rustc --test` for the host target, run
//! by the Maven build. The modules are the canisters' own files, included by path.
#![allow(dead_code)]

#[path = "../../main/rust/lib/api.rs"]
mod api;
#[path = "../../main/rust/lib/candid.rs"]
mod candid;
#[path = "../../main/rust/lib/codec.rs"]
mod codec;
#[path = "../../main/rust/lib/ic0.rs"]
mod ic0;
#[path = "../../main/rust/lib/protocol.rs"]
mod protocol;
#[path = "../../main/rust/lib/sha256.rs"]
mod sha256;

#[path = "../../main/rust/replication/mod.rs"]
mod replication;

mod candid_vectors;
