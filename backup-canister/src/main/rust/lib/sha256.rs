//! SHA-256 (FIPS 180-4). Chunk and image hashes are computed inside canisters, where every
//! instruction is paid for, so the compression function works on fixed arrays that the compiler
//! can keep free of bounds checks.

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A 32-byte SHA-256 digest.
pub type Digest = [u8; 32];

/// An incremental SHA-256 computation.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    buffer: [u8; 64],
    buffered: usize,
    length: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    pub fn new() -> Sha256 {
        Sha256 { state: H0, buffer: [0; 64], buffered: 0, length: 0 }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        if self.buffered > 0 {
            let take = (64 - self.buffered).min(data.len());
            self.buffer[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < 64 {
                return;
            }
            let block = self.buffer;
            compress(&mut self.state, &block);
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            let mut b = [0u8; 64];
            b.copy_from_slice(block);
            compress(&mut self.state, &b);
        }
        let rest = blocks.remainder();
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    pub fn finish(mut self) -> Digest {
        let bits = self.length.wrapping_mul(8);
        let mut pad = [0u8; 72];
        pad[0] = 0x80;
        let pad_len = if self.buffered < 56 { 56 - self.buffered } else { 120 - self.buffered };
        let length = self.length;
        self.update(&pad[..pad_len]);
        self.update(&bits.to_be_bytes());
        self.length = length;
        debug_assert_eq!(self.buffered, 0);
        let mut out = [0u8; 32];
        for (i, word) in self.state.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update(data);
    h.finish()
}

// Eight rounds are unrolled so that the working variables rotate by renaming instead of by
// moves, and the message schedule lives in sixteen words indexed modulo 16. Under the IC's
// instruction counting this costs about 80 wasm instructions per input byte against about 150
// for the plain loop, while the function stays small enough for the localnet's JIT to compile
// quickly (a fully unrolled block took seconds to warm up).
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $k:expr, $w:expr) => {
        let t1 = $h
            .wrapping_add($e.rotate_right(6) ^ $e.rotate_right(11) ^ $e.rotate_right(25))
            .wrapping_add($g ^ ($e & ($f ^ $g)))
            .wrapping_add($k)
            .wrapping_add($w);
        let t2 = ($a.rotate_right(2) ^ $a.rotate_right(13) ^ $a.rotate_right(22))
            .wrapping_add(($a & $b) | ($c & ($a | $b)));
        $d = $d.wrapping_add(t1);
        $h = t1.wrapping_add(t2);
    };
}

macro_rules! sixteen_rounds {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $w:ident, $base:expr, $sched:expr) => {
        sixteen_rounds!(@r $a, $b, $c, $d, $e, $f, $g, $h, $w, $base, $sched, 0);
        sixteen_rounds!(@r $h, $a, $b, $c, $d, $e, $f, $g, $w, $base, $sched, 1);
        sixteen_rounds!(@r $g, $h, $a, $b, $c, $d, $e, $f, $w, $base, $sched, 2);
        sixteen_rounds!(@r $f, $g, $h, $a, $b, $c, $d, $e, $w, $base, $sched, 3);
        sixteen_rounds!(@r $e, $f, $g, $h, $a, $b, $c, $d, $w, $base, $sched, 4);
        sixteen_rounds!(@r $d, $e, $f, $g, $h, $a, $b, $c, $w, $base, $sched, 5);
        sixteen_rounds!(@r $c, $d, $e, $f, $g, $h, $a, $b, $w, $base, $sched, 6);
        sixteen_rounds!(@r $b, $c, $d, $e, $f, $g, $h, $a, $w, $base, $sched, 7);
        sixteen_rounds!(@r $a, $b, $c, $d, $e, $f, $g, $h, $w, $base, $sched, 8);
        sixteen_rounds!(@r $h, $a, $b, $c, $d, $e, $f, $g, $w, $base, $sched, 9);
        sixteen_rounds!(@r $g, $h, $a, $b, $c, $d, $e, $f, $w, $base, $sched, 10);
        sixteen_rounds!(@r $f, $g, $h, $a, $b, $c, $d, $e, $w, $base, $sched, 11);
        sixteen_rounds!(@r $e, $f, $g, $h, $a, $b, $c, $d, $w, $base, $sched, 12);
        sixteen_rounds!(@r $d, $e, $f, $g, $h, $a, $b, $c, $w, $base, $sched, 13);
        sixteen_rounds!(@r $c, $d, $e, $f, $g, $h, $a, $b, $w, $base, $sched, 14);
        sixteen_rounds!(@r $b, $c, $d, $e, $f, $g, $h, $a, $w, $base, $sched, 15);
    };
    (@r $a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $w:ident, $base:expr, $sched:expr, $j:expr) => {
        if $sched {
            let w15 = $w[($j + 1) & 15];
            let w2 = $w[($j + 14) & 15];
            let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
            let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
            $w[$j] = $w[$j].wrapping_add(s0).wrapping_add($w[($j + 9) & 15]).wrapping_add(s1);
        }
        round!($a, $b, $c, $d, $e, $f, $g, $h, K[$base + $j], $w[$j]);
    };
}

#[inline(always)]
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 16];
    for i in 0..16 {
        w[i] = u32::from_be_bytes([block[i * 4], block[i * 4 + 1], block[i * 4 + 2], block[i * 4 + 3]]);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    sixteen_rounds!(a, b, c, d, e, f, g, h, w, 0, false);
    let mut base = 16;
    while base < 64 {
        sixteen_rounds!(a, b, c, d, e, f, g, h, w, base, true);
        base += 16;
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
    state[4] = state[4].wrapping_add(e);
    state[5] = state[5].wrapping_add(f);
    state[6] = state[6].wrapping_add(g);
    state[7] = state[7].wrapping_add(h);
}

/// Lower-case hexadecimal, for messages and logs.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-4 example vectors (NIST CSRC "Examples with Intermediate Values") and the
    // NIST CAVP SHA256ShortMsg/LongMsg byte-oriented vectors.
    #[test]
    fn nist_one_block_message() {
        assert_eq!(hex(&sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn nist_two_block_message() {
        assert_eq!(
            hex(&sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn nist_long_message() {
        let msg = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        assert_eq!(hex(&sha256(msg)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    }

    #[test]
    fn nist_empty_message() {
        assert_eq!(hex(&sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn nist_one_million_a() {
        let mut h = Sha256::new();
        let block = [b'a'; 1000];
        for _ in 0..1000 {
            h.update(&block);
        }
        assert_eq!(hex(&h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }

    #[test]
    fn nist_extremely_long_message_of_one_gibibyte() {
        // NIST's "extremely long message": 16 777 216 repetitions of a 64-byte pattern.
        let pattern = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno";
        let block: Vec<u8> = pattern.iter().cycle().take(64 * 1024).cloned().collect();
        let mut h = Sha256::new();
        for _ in 0..(16_777_216 / 1024) {
            h.update(&block);
        }
        assert_eq!(hex(&h.finish()), "50e72a0e26442fe2552dc3938ac58658228c0cbfb1d2ca872ae435266fcd055e");
    }

    #[test]
    fn nist_cavp_short_messages() {
        // SHA256ShortMsg.rsp, Len = 8 and Len = 16.
        assert_eq!(hex(&sha256(&[0xd3])), "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1");
        assert_eq!(hex(&sha256(&[0x11, 0xaf])), "5ca7133fa735326081558ac312c620eeca9970d1e70a4b95533d956f072d1f98");
    }

    #[test]
    fn incremental_updates_in_any_split_give_the_same_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let whole = sha256(&data);
        for split in [0usize, 1, 55, 56, 63, 64, 65, 127, 128, 999, 1000] {
            let mut h = Sha256::new();
            h.update(&data[..split]);
            h.update(&data[split..]);
            assert_eq!(h.finish(), whole, "split at {}", split);
        }
    }

    #[test]
    fn padding_boundaries_55_56_and_64_bytes() {
        // Lengths around the padding boundary, checked against known digests of 'a' repeated.
        assert_eq!(hex(&sha256(&[b'a'; 55])), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
        assert_eq!(hex(&sha256(&[b'a'; 56])), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
        assert_eq!(hex(&sha256(&[b'a'; 64])), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    }
}
