//! Synthetic content for tests, demos and benchmarks: deterministic in a seed, so two canisters
//! generated alike hold the same logical state, and bounded per message, so any size is reached
//! by calling again.

use crate::api;
use crate::social::{Social, MAX_PICTURE};

/// Instructions one generate or mutate message may spend (an update may spend 40 B).
const BUDGET: u64 = 4_000_000_000;
const MIN_PICTURE: u64 = 64 * 1024;

/// xorshift64*: cheap and good enough for filler bytes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// Adds users, posts with pictures, and follows until the log reaches `target` bytes or the
/// budget is spent. The generator's position comes from the state itself (post count), so
/// repeated calls continue the same sequence.
pub fn generate(s: &mut Social, target: u64, seed: u64) -> Result<bool, String> {
    while s.end < target {
        if api::instructions() > BUDGET {
            return Ok(false);
        }
        let n = s.posts.len() as u64;
        let mut rng = Rng::new(seed ^ n.wrapping_mul(0x51_7cc1_b727_220a));
        if n % 8 == 0 {
            let name = format!("user-{}", s.users.len());
            s.create_user(&name)?;
        }
        let author = rng.below(s.users.len() as u64);
        let room = target.saturating_sub(s.end).max(1);
        let size = (MIN_PICTURE + rng.below(MAX_PICTURE as u64 - MIN_PICTURE + 1)).min(room);
        let picture = rng.bytes(size as usize);
        s.create_post(author, &format!("post {} by user-{}: {}", n, author, rng.next()), &picture)?;
        if s.users.len() > 1 {
            let a = rng.below(s.users.len() as u64);
            let b = rng.below(s.users.len() as u64);
            s.follow(a, b)?;
        }
    }
    Ok(true)
}

/// Rewrites the leading bytes of pseudo-randomly chosen pictures, about `bytes` in all, so the
/// changes are contiguous runs like a user replacing pictures.
pub fn mutate(s: &mut Social, bytes: u64, seed: u64) -> Result<u64, String> {
    let with_pictures: Vec<u64> = (0..s.posts.len() as u64).filter(|p| s.posts[*p as usize].picture_len > 0).collect();
    if with_pictures.is_empty() {
        return Ok(0);
    }
    let mut rng = Rng::new(seed);
    let mut changed = 0;
    while changed < bytes && api::instructions() < BUDGET {
        let post = with_pictures[rng.below(with_pictures.len() as u64) as usize];
        let n = (bytes - changed).min(s.posts[post as usize].picture_len);
        s.overwrite_picture(post, 0, &rng.bytes(n as usize))?;
        changed += n;
    }
    Ok(changed)
}
