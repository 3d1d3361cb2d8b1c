//! The shared Candid vectors (src/test/resources/candid-vectors.txt): each decodes to the value
//! named here and re-encodes to the same bytes. CandidVectorsTest checks the same file against
//! ic4j-candid, so both sides of the wire agree.

use crate::candid::{decode, encode_one, Type, Value};
use crate::protocol::{Changes, Chunk, ImageInfo, ReadArgs, RestoreBeginArgs};

const VECTORS: &str = include_str!("../resources/candid-vectors.txt");

pub fn vectors() -> Vec<(&'static str, Type, Value)> {
    let entry = |k: u64, v: &str| Value::record(vec![("k", Value::Nat64(k)), ("v", Value::Text(v.to_string()))]);
    let result = Type::variant(&[("ok", Type::Nat64), ("err", Type::Text)]);
    vec![
        ("nat_42", Type::Nat, Value::Nat(42)),
        ("nat_2_pow_70", Type::Nat, Value::Nat(1 << 70)),
        ("nat64", Type::Nat64, Value::Nat64((1 << 40) + 5)),
        ("text_unicode", Type::Text, Value::Text("héllo ✓".to_string())),
        ("principal_canister", Type::Principal, Value::Principal(vec![0, 0, 0, 0, 0, 0, 0, 2, 1, 1])),
        ("blob_3", Type::blob(), Value::Blob(vec![1, 2, 3])),
        ("blob_empty", Type::blob(), Value::Blob(vec![])),
        ("opt_nat64_some", Type::opt(Type::Nat64), Value::some(Value::Nat64(7))),
        ("opt_blob_none", Type::opt(Type::blob()), Value::none()),
        ("vec_of_records", Type::vec(Type::record(&[("k", Type::Nat64), ("v", Type::Text)])), Value::Vec(vec![entry(1, "one"), entry(2, "two")])),
        // ic4j always encodes a variant's case as index 0 (see the ic4j notes), so the encoded
        // vector uses the first case in label-hash order; the other is checked by decoding only.
        ("variant_first_case", result.clone(), Value::variant("ok", Value::Nat64(9))),
        ("variant_other_case", result, Value::variant("err", Value::Text("no".to_string()))),
        ("read_args", ReadArgs::candid_type(), ReadArgs { epoch: 3, index: 17 }.to_value()),
        (
            "image_info_ready",
            ImageInfo::candid_type(),
            ImageInfo { epoch: 4, size: 3 << 20, chunk_size: 1 << 20, chunk_count: 3, root: Some([0xab; 32]), hashed: 3, expires_at: 1_700_000_000_000_000_000 }.to_value(),
        ),
        (
            "image_info_preparing",
            ImageInfo::candid_type(),
            ImageInfo { epoch: 5, size: 0, chunk_size: 1 << 20, chunk_count: 0, root: None, hashed: 0, expires_at: 1 }.to_value(),
        ),
        ("chunk", Chunk::candid_type(), Chunk { bytes: (0..=255).collect(), hash: [0x11; 32] }.to_value()),
        ("changes", Changes::candid_type(), Changes { indices: vec![1, 5, 9], next: Some(10) }.to_value()),
        ("restore_begin", RestoreBeginArgs::candid_type(), RestoreBeginArgs { size: 65536, chunk_size: 65536, root: [0x22; 32] }.to_value()),
    ]
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

fn file_vectors() -> Vec<(String, Vec<u8>)> {
    VECTORS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next().unwrap().to_string();
            (name, unhex(parts.next().expect("vector line without hex")))
        })
        .collect()
}

#[test]
fn every_vector_decodes_to_its_value_and_re_encodes_to_the_same_bytes() {
    let expected = vectors();
    let file = file_vectors();
    assert_eq!(file.len(), expected.len(), "the file and the table list different vectors");
    for (name, t, v) in expected {
        let bytes = &file.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{} missing from the file", name)).1;
        let decoded = decode(bytes).unwrap_or_else(|e| panic!("{}: {}", name, e));
        assert_eq!(decoded, vec![v.clone()], "{} decodes", name);
        assert_eq!(hex(&encode_one(t, v)), hex(bytes), "{} re-encodes", name);
    }
}

/// Prints the vectors file; run once by hand when the table changes.
#[test]
#[ignore]
fn print_vectors_file() {
    for (name, t, v) in vectors() {
        println!("{} {}", name, hex(&encode_one(t, v)));
    }
}
