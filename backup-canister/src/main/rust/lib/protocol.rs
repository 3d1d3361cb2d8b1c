//! The replication protocol's constants, hash definitions and Candid messages, shared by the
//! replication library (the serving side) and the backup canister (the pulling side).
//! docs/protocol.md is the authority; this file follows it.

use crate::candid::{Type, Value};
use crate::sha256::{Digest, Sha256};

/// The IC's stable-memory page; library regions grow by it and copy-on-write works on it.
pub const PAGE_SIZE: u64 = 65536;

/// 1 MiB: half the 2 MiB cross-subnet payload limit, and hashing it costs about 90 M
/// instructions (86 per byte measured on the localnet), 0.2 % of an update's 40 B budget.
/// Per-chunk call fees (about 5.3 M cycles) are 0.5 % of the 1 K cycles per byte transferred.
pub const DEFAULT_CHUNK_SIZE: u64 = 1 << 20;

/// The largest chunk that fits, with its Candid framing and hash, in a 2 MiB cross-subnet
/// request (restore) or reply (read), kept a multiple of the page size.
pub const MAX_CHUNK_SIZE: u64 = 31 * PAGE_SIZE;

const ROOT_DOMAIN: &[u8] = b"replicator-image-root-v1";

/// How many chunks an image of `size` bytes has.
pub fn chunk_count(size: u64, chunk_size: u64) -> u64 {
    if size == 0 {
        0
    } else {
        (size - 1) / chunk_size + 1
    }
}

/// The length of chunk `index` (the last one may be short).
pub fn chunk_len(size: u64, chunk_size: u64, index: u64) -> u64 {
    let start = index * chunk_size;
    chunk_size.min(size - start)
}

/// The image root: SHA-256 over a domain tag, the size and chunk size (big-endian u64), and the
/// chunk hashes in index order. It binds every byte and the chunking, so a root alone names an
/// image.
pub fn image_root(size: u64, chunk_size: u64, hashes: &[Digest]) -> Digest {
    let mut h = Sha256::new();
    h.update(ROOT_DOMAIN);
    h.update(&size.to_be_bytes());
    h.update(&chunk_size.to_be_bytes());
    for d in hashes {
        h.update(d);
    }
    h.finish()
}

/// Machine-readable prefixes of reject messages (`<CODE>: <explanation>`), so the pulling side
/// can tell a restart-worthy condition from a bug without parsing prose.
pub mod reject {
    pub const NOT_ALLOWED: &str = "NOT_ALLOWED";
    pub const BAD_ARGUMENT: &str = "BAD_ARGUMENT";
    pub const UNKNOWN_EPOCH: &str = "UNKNOWN_EPOCH";
    pub const EPOCH_ENDED: &str = "EPOCH_ENDED";
    pub const EPOCH_EXPIRED: &str = "EPOCH_EXPIRED";
    pub const EPOCH_PREPARING: &str = "EPOCH_PREPARING";
    pub const INDEX_OUT_OF_RANGE: &str = "INDEX_OUT_OF_RANGE";
    pub const SINCE_EPOCH_UNAVAILABLE: &str = "SINCE_EPOCH_UNAVAILABLE";
    pub const RESTORE_IN_PROGRESS: &str = "RESTORE_IN_PROGRESS";
    pub const UNKNOWN_RESTORE: &str = "UNKNOWN_RESTORE";
    pub const BAD_CHUNK: &str = "BAD_CHUNK";
    pub const RESTORE_INCOMPLETE: &str = "RESTORE_INCOMPLETE";
    pub const ROOT_MISMATCH: &str = "ROOT_MISMATCH";
    pub const LOAD_FAILED: &str = "LOAD_FAILED";
    /// An app write refused because the canister is fenced (not the primary).
    pub const FENCED: &str = "FENCED";
    /// A backup canister's source change refused because a run is active.
    pub const RUN_IN_PROGRESS: &str = "RUN_IN_PROGRESS";
}

fn digest_of(v: &Value, field: &str) -> Result<Digest, String> {
    let b = v.get(field)?.as_blob()?;
    if b.len() != 32 {
        return Err(format!("field '{}' must be a 32-byte hash, got {} bytes", field, b.len()));
    }
    let mut d = [0u8; 32];
    d.copy_from_slice(b);
    Ok(d)
}

fn blob(d: &[u8]) -> Value {
    Value::Blob(d.to_vec())
}

/// `replication_begin` reply: the frozen image. `root` is absent while the image's chunk hashes
/// are still being computed (large images take several messages); call begin again.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageInfo {
    pub epoch: u64,
    pub size: u64,
    pub chunk_size: u64,
    pub chunk_count: u64,
    pub root: Option<Digest>,
    /// Chunks whose hash is known; equals `chunk_count` once `root` is present.
    pub hashed: u64,
    pub expires_at: u64,
}

impl ImageInfo {
    pub fn candid_type() -> Type {
        Type::record(&[
            ("epoch", Type::Nat64),
            ("size", Type::Nat64),
            ("chunk_size", Type::Nat64),
            ("chunk_count", Type::Nat64),
            ("root", Type::opt(Type::blob())),
            ("hashed", Type::Nat64),
            ("expires_at", Type::Nat64),
        ])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![
            ("epoch", Value::Nat64(self.epoch)),
            ("size", Value::Nat64(self.size)),
            ("chunk_size", Value::Nat64(self.chunk_size)),
            ("chunk_count", Value::Nat64(self.chunk_count)),
            ("root", self.root.map(|r| Value::some(blob(&r))).unwrap_or(Value::none())),
            ("hashed", Value::Nat64(self.hashed)),
            ("expires_at", Value::Nat64(self.expires_at)),
        ])
    }

    pub fn from_value(v: &Value) -> Result<ImageInfo, String> {
        let root = match v.get_opt("root") {
            None => None,
            Some(r) => Some(digest_of(&Value::record(vec![("root", r.clone())]), "root")?),
        };
        Ok(ImageInfo {
            epoch: v.get("epoch")?.as_u64()?,
            size: v.get("size")?.as_u64()?,
            chunk_size: v.get("chunk_size")?.as_u64()?,
            chunk_count: v.get("chunk_count")?.as_u64()?,
            root,
            hashed: v.get("hashed")?.as_u64()?,
            expires_at: v.get("expires_at")?.as_u64()?,
        })
    }
}

/// `replication_read` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadArgs {
    pub epoch: u64,
    pub index: u64,
}

impl ReadArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("epoch", Type::Nat64), ("index", Type::Nat64)])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("epoch", Value::Nat64(self.epoch)), ("index", Value::Nat64(self.index))])
    }

    pub fn from_value(v: &Value) -> Result<ReadArgs, String> {
        Ok(ReadArgs { epoch: v.get("epoch")?.as_u64()?, index: v.get("index")?.as_u64()? })
    }
}

/// `replication_read` reply: the chunk's bytes and the hash recorded when the image was frozen.
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub hash: Digest,
}

impl Chunk {
    pub fn candid_type() -> Type {
        Type::record(&[("bytes", Type::blob()), ("hash", Type::blob())])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("bytes", blob(&self.bytes)), ("hash", blob(&self.hash))])
    }

    /// Encodes without copying the bytes into a `Value` first: a chunk is up to ~2 MiB and every
    /// copy is paid in instructions.
    pub fn encode(bytes: &[u8], hash: &Digest) -> Vec<u8> {
        let head = crate::candid::encode_one(Chunk::candid_type(), Value::record(vec![
            ("bytes", Value::Blob(Vec::new())),
            ("hash", blob(hash)),
        ]));
        // "hash" sorts before "bytes" by label hash, so the empty blob is the message's last
        // byte (its zero length): replace it with the real length and bytes.
        debug_assert!(crate::candid::idl_hash("hash") < crate::candid::idl_hash("bytes"));
        let mut out = Vec::with_capacity(head.len() + bytes.len() + 8);
        out.extend_from_slice(&head[..head.len() - 1]);
        crate::candid::write_leb(&mut out, bytes.len() as u128);
        out.extend_from_slice(bytes);
        out
    }

    pub fn from_value(v: &Value) -> Result<Chunk, String> {
        Ok(Chunk { bytes: v.get("bytes")?.as_blob()?.to_vec(), hash: digest_of(v, "hash")? })
    }
}

/// `replication_changes` argument: chunks of `epoch` that differ from `since_epoch`, scanning
/// from index `start`.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangesArgs {
    pub epoch: u64,
    pub since_epoch: u64,
    pub start: u64,
}

impl ChangesArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("epoch", Type::Nat64), ("since_epoch", Type::Nat64), ("start", Type::opt(Type::Nat64))])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![
            ("epoch", Value::Nat64(self.epoch)),
            ("since_epoch", Value::Nat64(self.since_epoch)),
            ("start", Value::some(Value::Nat64(self.start))),
        ])
    }

    pub fn from_value(v: &Value) -> Result<ChangesArgs, String> {
        Ok(ChangesArgs {
            epoch: v.get("epoch")?.as_u64()?,
            since_epoch: v.get("since_epoch")?.as_u64()?,
            start: match v.get_opt("start") {
                Some(s) => s.as_u64()?,
                None => 0,
            },
        })
    }
}

/// `replication_changes` reply: changed indices in ascending order; `next` is where to continue
/// when the list was cut to fit one reply.
#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub indices: Vec<u64>,
    pub next: Option<u64>,
}

impl Changes {
    pub fn candid_type() -> Type {
        Type::record(&[("indices", Type::vec(Type::Nat64)), ("next", Type::opt(Type::Nat64))])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![
            ("indices", Value::Vec(self.indices.iter().map(|i| Value::Nat64(*i)).collect())),
            ("next", self.next.map(|n| Value::some(Value::Nat64(n))).unwrap_or(Value::none())),
        ])
    }

    pub fn from_value(v: &Value) -> Result<Changes, String> {
        let indices = v.get("indices")?.as_vec()?.iter().map(|x| x.as_u64()).collect::<Result<Vec<u64>, String>>()?;
        let next = match v.get_opt("next") {
            Some(n) => Some(n.as_u64()?),
            None => None,
        };
        Ok(Changes { indices, next })
    }
}

/// `replication_end` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct EndArgs {
    pub epoch: u64,
}

impl EndArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("epoch", Type::Nat64)])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("epoch", Value::Nat64(self.epoch))])
    }

    pub fn from_value(v: &Value) -> Result<EndArgs, String> {
        Ok(EndArgs { epoch: v.get("epoch")?.as_u64()? })
    }
}

/// `restore_begin` argument. The chunk size is the image's (the source's), which may differ from
/// the target's own setting, because the root depends on it.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreBeginArgs {
    pub size: u64,
    pub chunk_size: u64,
    pub root: Digest,
}

impl RestoreBeginArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("size", Type::Nat64), ("chunk_size", Type::Nat64), ("root", Type::blob())])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![
            ("size", Value::Nat64(self.size)),
            ("chunk_size", Value::Nat64(self.chunk_size)),
            ("root", blob(&self.root)),
        ])
    }

    pub fn from_value(v: &Value) -> Result<RestoreBeginArgs, String> {
        Ok(RestoreBeginArgs {
            size: v.get("size")?.as_u64()?,
            chunk_size: v.get("chunk_size")?.as_u64()?,
            root: digest_of(v, "root")?,
        })
    }
}

/// `restore_begin` reply.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreTicket {
    pub restore: u64,
    pub chunk_count: u64,
}

impl RestoreTicket {
    pub fn candid_type() -> Type {
        Type::record(&[("restore", Type::Nat64), ("chunk_count", Type::Nat64)])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("restore", Value::Nat64(self.restore)), ("chunk_count", Value::Nat64(self.chunk_count))])
    }

    pub fn from_value(v: &Value) -> Result<RestoreTicket, String> {
        Ok(RestoreTicket { restore: v.get("restore")?.as_u64()?, chunk_count: v.get("chunk_count")?.as_u64()? })
    }
}

/// `restore_write` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreWriteArgs {
    pub restore: u64,
    pub index: u64,
    pub bytes: Vec<u8>,
}

impl RestoreWriteArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("restore", Type::Nat64), ("index", Type::Nat64), ("bytes", Type::blob())])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![
            ("restore", Value::Nat64(self.restore)),
            ("index", Value::Nat64(self.index)),
            ("bytes", blob(&self.bytes)),
        ])
    }

    pub fn from_value(v: &Value) -> Result<RestoreWriteArgs, String> {
        Ok(RestoreWriteArgs {
            restore: v.get("restore")?.as_u64()?,
            index: v.get("index")?.as_u64()?,
            bytes: v.get("bytes")?.as_blob()?.to_vec(),
        })
    }
}

/// `restore_write` reply: the hash of the bytes as received, for the writer to compare.
pub fn hash_reply_type() -> Type {
    Type::record(&[("hash", Type::blob())])
}

pub fn hash_reply(hash: &Digest) -> Value {
    Value::record(vec![("hash", blob(hash))])
}

pub fn hash_from_reply(v: &Value) -> Result<Digest, String> {
    digest_of(v, "hash")
}

/// `restore_commit` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreCommitArgs {
    pub restore: u64,
    pub root: Digest,
}

impl RestoreCommitArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("restore", Type::Nat64), ("root", Type::blob())])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("restore", Value::Nat64(self.restore)), ("root", blob(&self.root))])
    }

    pub fn from_value(v: &Value) -> Result<RestoreCommitArgs, String> {
        Ok(RestoreCommitArgs { restore: v.get("restore")?.as_u64()?, root: digest_of(v, "root")? })
    }
}

/// `restore_abort` argument.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreAbortArgs {
    pub restore: u64,
}

impl RestoreAbortArgs {
    pub fn candid_type() -> Type {
        Type::record(&[("restore", Type::Nat64)])
    }

    pub fn to_value(&self) -> Value {
        Value::record(vec![("restore", Value::Nat64(self.restore))])
    }

    pub fn from_value(v: &Value) -> Result<RestoreAbortArgs, String> {
        Ok(RestoreAbortArgs { restore: v.get("restore")?.as_u64()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candid::{decode_first, encode_one};
    use crate::sha256::sha256;

    #[test]
    fn chunk_count_and_last_chunk_length() {
        assert_eq!(chunk_count(0, 10), 0);
        assert_eq!(chunk_count(1, 10), 1);
        assert_eq!(chunk_count(10, 10), 1);
        assert_eq!(chunk_count(11, 10), 2);
        assert_eq!(chunk_len(25, 10, 2), 5);
        assert_eq!(chunk_len(20, 10, 1), 10);
    }

    #[test]
    fn root_binds_size_chunk_size_and_order() {
        let a = sha256(b"a");
        let b = sha256(b"b");
        let r = image_root(20, 10, &[a, b]);
        assert_ne!(r, image_root(20, 10, &[b, a]));
        assert_ne!(r, image_root(19, 10, &[a, b]));
        assert_ne!(r, image_root(20, 11, &[a, b]));
        // The definition, spelled out.
        let mut m = b"replicator-image-root-v1".to_vec();
        m.extend_from_slice(&20u64.to_be_bytes());
        m.extend_from_slice(&10u64.to_be_bytes());
        m.extend_from_slice(&a);
        m.extend_from_slice(&b);
        assert_eq!(r, sha256(&m));
    }

    #[test]
    fn chunk_fast_encoding_equals_the_generic_one() {
        for n in [0usize, 1, 127, 128, 70000] {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 31) as u8).collect();
            let hash = sha256(&bytes);
            let generic = encode_one(Chunk::candid_type(), Chunk { bytes: bytes.clone(), hash }.to_value());
            assert_eq!(Chunk::encode(&bytes, &hash), generic, "{} bytes", n);
            assert_eq!(Chunk::from_value(&decode_first(&generic).unwrap()).unwrap().bytes, bytes);
        }
    }

    #[test]
    fn largest_chunk_fits_a_cross_subnet_message() {
        let bytes = vec![0u8; MAX_CHUNK_SIZE as usize];
        let reply = Chunk::encode(&bytes, &[0; 32]);
        let write = encode_one(
            RestoreWriteArgs::candid_type(),
            RestoreWriteArgs { restore: u64::MAX, index: u64::MAX, bytes }.to_value(),
        );
        assert!(reply.len() < 2 * 1024 * 1024);
        assert!(write.len() + "restore_write".len() < 2 * 1024 * 1024);
    }

    #[test]
    fn messages_round_trip() {
        let info = ImageInfo { epoch: 3, size: 5, chunk_size: 1 << 20, chunk_count: 1, root: Some([7; 32]), hashed: 1, expires_at: 9 };
        let back = ImageInfo::from_value(&decode_first(&encode_one(ImageInfo::candid_type(), info.to_value())).unwrap()).unwrap();
        assert_eq!(back, info);
        let pending = ImageInfo { root: None, hashed: 0, ..info };
        let back = ImageInfo::from_value(&decode_first(&encode_one(ImageInfo::candid_type(), pending.to_value())).unwrap()).unwrap();
        assert_eq!(back, pending);
        let ch = Changes { indices: vec![1, 5], next: Some(9) };
        assert_eq!(Changes::from_value(&decode_first(&encode_one(Changes::candid_type(), ch.to_value())).unwrap()).unwrap(), ch);
        let ca = ChangesArgs { epoch: 4, since_epoch: 2, start: 0 };
        assert_eq!(ChangesArgs::from_value(&decode_first(&encode_one(ChangesArgs::candid_type(), ca.to_value())).unwrap()).unwrap(), ca);
        let rb = RestoreBeginArgs { size: 1, chunk_size: 2, root: [1; 32] };
        assert_eq!(RestoreBeginArgs::from_value(&decode_first(&encode_one(RestoreBeginArgs::candid_type(), rb.to_value())).unwrap()).unwrap(), rb);
    }

    #[test]
    fn a_short_hash_is_a_bad_argument() {
        let v = decode_first(&encode_one(
            RestoreCommitArgs::candid_type(),
            Value::record(vec![("restore", Value::Nat64(1)), ("root", Value::Blob(vec![1, 2]))]),
        ))
        .unwrap();
        assert!(RestoreCommitArgs::from_value(&v).unwrap_err().contains("32-byte"));
    }
}
