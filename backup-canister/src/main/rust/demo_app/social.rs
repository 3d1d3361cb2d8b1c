//! The social network's data: an append-only log of records in the replication library's stable
//! region (so replication sees every byte), plus indexes on the heap rebuilt from the log after
//! an upgrade or a restore. Pictures sit inside their post's record and are rewritten in place,
//! which keeps a changed picture's chunks the only ones an incremental run has to move.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::protocol::PAGE_SIZE;
use crate::store as stable;
use crate::sha256::{Digest, Sha256};

pub const MAX_PICTURE: usize = 1536 * 1024;
const MAGIC: &[u8; 4] = b"TAGG";
const VERSION: u32 = 1;
/// The log header: magic, version, end of the log.
const HEADER: u64 = 16;

const USER: u8 = 1;
const POST: u8 = 2;
const FOLLOW: u8 = 3;

pub struct User {
    pub name: String,
    pub posts: u64,
    pub followers: u64,
    pub following: u64,
}

pub struct Post {
    pub author: u64,
    pub text: String,
    pub picture_offset: u64,
    pub picture_len: u64,
}

#[derive(Default)]
pub struct Social {
    pub users: Vec<User>,
    pub posts: Vec<Post>,
    pub follows: BTreeSet<(u64, u64)>,
    /// Follows in the order they were made, which is the log's (and the checksum's) order.
    pub follow_log: Vec<(u64, u64)>,
    pub picture_bytes: u64,
    pub end: u64,
}

thread_local! {
    static SOCIAL: RefCell<Social> = RefCell::new(Social::default());
}

pub fn with<R>(f: impl FnOnce(&mut Social) -> R) -> R {
    SOCIAL.with(|s| f(&mut s.borrow_mut()))
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn read_vec(offset: u64, len: u64) -> Vec<u8> {
    let mut b = vec![0u8; len as usize];
    stable::read(offset, &mut b);
    b
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

impl Social {
    /// Lays out an empty log in a fresh region.
    pub fn create() -> Result<Social, String> {
        let s = Social { end: HEADER, ..Social::default() };
        s.ensure(HEADER)?;
        s.store_header();
        Ok(s)
    }

    fn store_header(&self) {
        let mut h = MAGIC.to_vec();
        put_u32(&mut h, VERSION);
        put_u64(&mut h, self.end);
        stable::write(0, &h);
    }

    fn ensure(&self, end: u64) -> Result<(), String> {
        let size = stable::size();
        if end > size {
            stable::grow((end - size + PAGE_SIZE - 1) / PAGE_SIZE)?;
        }
        Ok(())
    }

    fn append(&mut self, kind: u8, payload: &[u8]) -> Result<u64, String> {
        let start = self.end;
        let end = start + 5 + payload.len() as u64;
        self.ensure(end)?;
        let mut head = vec![kind];
        put_u32(&mut head, payload.len() as u32);
        stable::write(start, &head);
        stable::write(start + 5, payload);
        self.end = end;
        self.store_header();
        Ok(start + 5)
    }

    pub fn create_user(&mut self, name: &str) -> Result<u64, String> {
        let id = self.users.len() as u64;
        let mut p = Vec::new();
        put_u64(&mut p, id);
        put_str(&mut p, name);
        self.append(USER, &p)?;
        self.users.push(User { name: name.to_string(), posts: 0, followers: 0, following: 0 });
        Ok(id)
    }

    pub fn create_post(&mut self, author: u64, text: &str, picture: &[u8]) -> Result<u64, String> {
        if author >= self.users.len() as u64 {
            return Err(format!("user {} does not exist", author));
        }
        if picture.len() > MAX_PICTURE {
            return Err(format!("a picture has at most {} bytes, this one {}", MAX_PICTURE, picture.len()));
        }
        let id = self.posts.len() as u64;
        let mut p = Vec::with_capacity(32 + text.len() + picture.len());
        put_u64(&mut p, id);
        put_u64(&mut p, author);
        put_str(&mut p, text);
        put_u32(&mut p, picture.len() as u32);
        let picture_at = p.len() as u64;
        p.extend_from_slice(picture);
        let payload = self.append(POST, &p)?;
        self.posts.push(Post { author, text: text.to_string(), picture_offset: payload + picture_at, picture_len: picture.len() as u64 });
        self.users[author as usize].posts += 1;
        self.picture_bytes += picture.len() as u64;
        Ok(id)
    }

    pub fn follow(&mut self, follower: u64, followee: u64) -> Result<bool, String> {
        let n = self.users.len() as u64;
        if follower >= n || followee >= n {
            return Err(format!("user {} does not exist", if follower >= n { follower } else { followee }));
        }
        if follower == followee || self.follows.contains(&(follower, followee)) {
            return Ok(false);
        }
        let mut p = Vec::new();
        put_u64(&mut p, follower);
        put_u64(&mut p, followee);
        self.append(FOLLOW, &p)?;
        self.add_follow(follower, followee);
        Ok(true)
    }

    fn add_follow(&mut self, follower: u64, followee: u64) {
        self.follows.insert((follower, followee));
        self.follow_log.push((follower, followee));
        self.users[follower as usize].following += 1;
        self.users[followee as usize].followers += 1;
    }

    /// Overwrites `bytes` of a post's picture starting at `at`, in place.
    pub fn overwrite_picture(&mut self, post: u64, at: u64, bytes: &[u8]) -> Result<(), String> {
        let p = self.posts.get(post as usize).ok_or_else(|| format!("post {} does not exist", post))?;
        if at + bytes.len() as u64 > p.picture_len {
            return Err(format!("post {} has a picture of {} bytes", post, p.picture_len));
        }
        stable::write(p.picture_offset + at, bytes);
        Ok(())
    }

    pub fn picture(&self, post: u64) -> Option<Vec<u8>> {
        self.posts.get(post as usize).map(|p| read_vec(p.picture_offset, p.picture_len))
    }

    /// Rebuilds the heap indexes from the log (after an upgrade or a restore).
    pub fn load() -> Result<Social, String> {
        if stable::size() < HEADER {
            return Err("the data region holds no social network log".to_string());
        }
        let h = read_vec(0, HEADER);
        if &h[..4] != MAGIC || u32_at(&h, 4) != VERSION {
            return Err("the data region does not start with a version 1 social network log".to_string());
        }
        let end = u64_at(&h, 8);
        if end > stable::size() {
            return Err(format!("the log claims {} bytes but the region has {}", end, stable::size()));
        }
        let mut s = Social { end, ..Social::default() };
        let mut at = HEADER;
        while at < end {
            let head = read_vec(at, 5);
            let (kind, len) = (head[0], u32_at(&head, 1) as u64);
            let payload = at + 5;
            match kind {
                USER => {
                    let p = read_vec(payload, len);
                    let name = String::from_utf8_lossy(&p[12..12 + u32_at(&p, 8) as usize]).into_owned();
                    s.users.push(User { name, posts: 0, followers: 0, following: 0 });
                }
                POST => {
                    let fixed = read_vec(payload, 20);
                    let author = u64_at(&fixed, 8);
                    let text_len = u32_at(&fixed, 16) as u64;
                    let rest = read_vec(payload + 20, text_len + 4);
                    let text = String::from_utf8_lossy(&rest[..text_len as usize]).into_owned();
                    let picture_len = u32_at(&rest, text_len as usize) as u64;
                    s.posts.push(Post { author, text, picture_offset: payload + 24 + text_len, picture_len });
                    s.users.get_mut(author as usize).ok_or("a post names a user that does not exist")?.posts += 1;
                    s.picture_bytes += picture_len;
                }
                FOLLOW => {
                    let p = read_vec(payload, 16);
                    s.add_follow(u64_at(&p, 0), u64_at(&p, 8));
                }
                other => return Err(format!("unknown record kind {} at {}", other, at)),
            }
            at = payload + len;
        }
        Ok(s)
    }

    /// SHA-256 over the logical state in id order, with a fast digest standing in for each
    /// picture's bytes so that a query can check gigabytes within its instruction limit.
    pub fn checksum(&self) -> Digest {
        let mut h = Sha256::new();
        h.update(b"demo-app-checksum-v1");
        let mut buf = Vec::new();
        for (id, u) in self.users.iter().enumerate() {
            buf.clear();
            put_u64(&mut buf, id as u64);
            put_str(&mut buf, &u.name);
            h.update(&buf);
        }
        let mut picture = Vec::new();
        for (id, p) in self.posts.iter().enumerate() {
            buf.clear();
            put_u64(&mut buf, id as u64);
            put_u64(&mut buf, p.author);
            put_str(&mut buf, &p.text);
            put_u64(&mut buf, p.picture_len);
            picture.resize(p.picture_len as usize, 0);
            stable::read(p.picture_offset, &mut picture);
            put_u64(&mut buf, fast_digest(&picture));
            h.update(&buf);
        }
        for (a, b) in &self.follow_log {
            buf.clear();
            put_u64(&mut buf, *a);
            put_u64(&mut buf, *b);
            h.update(&buf);
        }
        h.finish()
    }
}

/// A 64-bit multiply-xorshift digest over 8-byte words: a few instructions per word, enough to
/// catch any corrupted or misplaced picture bytes (not meant to resist forgery).
pub fn fast_digest(data: &[u8]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ data.len() as u64;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let v = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ v).wrapping_mul(0x0100_0000_01b3).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 31)
}
