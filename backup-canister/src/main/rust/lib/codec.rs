//! A plain little-endian binary format for state the canisters keep across upgrades. Not
//! Candid: these bytes never leave the canister, and a fixed layout costs few instructions.

pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Writer<'a> {
        Writer { out }
    }

    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    pub fn bool(&mut self, v: bool) {
        self.out.push(v as u8);
    }

    pub fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u128(&mut self, v: u128) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        self.out.extend_from_slice(v);
    }

    pub fn raw(&mut self, v: &[u8]) {
        self.out.extend_from_slice(v);
    }

    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.u64(x);
            }
            None => self.u8(0),
        }
    }

    pub fn opt_digest(&mut self, v: &Option<[u8; 32]>) {
        match v {
            Some(d) => {
                self.u8(1);
                self.raw(d);
            }
            None => self.u8(0),
        }
    }

    pub fn opt_str(&mut self, v: &Option<String>) {
        match v {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
}

pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

pub type Result<T> = std::result::Result<T, String>;

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() - self.pos {
            return Err(format!("truncated state: wanted {} bytes at {}", n, self.pos));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn bool(&mut self) -> Result<bool> {
        Ok(self.u8()? != 0)
    }

    pub fn u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }

    pub fn u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }

    pub fn u128(&mut self) -> Result<u128> {
        let mut b = [0u8; 16];
        b.copy_from_slice(self.take(16)?);
        Ok(u128::from_le_bytes(b))
    }

    pub fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.u64()? as usize;
        Ok(self.take(n)?.to_vec())
    }

    pub fn digest(&mut self) -> Result<[u8; 32]> {
        let mut d = [0u8; 32];
        d.copy_from_slice(self.take(32)?);
        Ok(d)
    }

    pub fn str(&mut self) -> Result<String> {
        String::from_utf8(self.bytes()?).map_err(|_| "invalid UTF-8 in state".to_string())
    }

    pub fn opt_u64(&mut self) -> Result<Option<u64>> {
        Ok(if self.u8()? == 1 { Some(self.u64()?) } else { None })
    }

    pub fn opt_digest(&mut self) -> Result<Option<[u8; 32]>> {
        Ok(if self.u8()? == 1 { Some(self.digest()?) } else { None })
    }

    pub fn opt_str(&mut self) -> Result<Option<String>> {
        Ok(if self.u8()? == 1 { Some(self.str()?) } else { None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_kind_round_trips() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.u8(7);
        w.bool(true);
        w.u32(0xdead_beef);
        w.u64(u64::MAX);
        w.u128(1 << 100);
        w.bytes(b"blob");
        w.str("text \u{2713}");
        w.opt_u64(Some(5));
        w.opt_u64(None);
        w.opt_digest(&Some([3; 32]));
        w.opt_str(&None);
        let mut r = Reader::new(&out);
        assert_eq!(r.u8().unwrap(), 7);
        assert!(r.bool().unwrap());
        assert_eq!(r.u32().unwrap(), 0xdead_beef);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.u128().unwrap(), 1 << 100);
        assert_eq!(r.bytes().unwrap(), b"blob");
        assert_eq!(r.str().unwrap(), "text \u{2713}");
        assert_eq!(r.opt_u64().unwrap(), Some(5));
        assert_eq!(r.opt_u64().unwrap(), None);
        assert_eq!(r.opt_digest().unwrap(), Some([3; 32]));
        assert_eq!(r.opt_str().unwrap(), None);
        assert!(r.is_empty());
    }

    #[test]
    fn truncated_state_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        Writer::new(&mut out).bytes(&[1, 2, 3, 4]);
        out.truncate(10);
        let err = Reader::new(&out).bytes().unwrap_err();
        assert!(err.contains("truncated state"), "{}", err);
        assert!(Reader::new(&[0xff; 8]).bytes().is_err(), "a huge length is refused");
    }
}
