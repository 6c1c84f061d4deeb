//! The snapshot's bytes: LEB128 varints (zigzag for signed numbers),
//! length-prefixed byte strings, and the checksum. The reader answers an
//! error at any byte it cannot take, never panics, and never allocates
//! more than the bytes left could describe.

/// A snapshot error: what is wrong, in words.
pub type Result<T> = std::result::Result<T, String>;

#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn u8(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn uv(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(b);
                return;
            }
            self.buf.push(b | 0x80);
        }
    }

    pub fn iv(&mut self, v: i64) {
        self.uv(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.uv(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub fn u64_le(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    pub fn u8(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.pos).ok_or_else(truncated)?;
        self.pos += 1;
        Ok(b)
    }

    pub fn uv(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number is too long".into())
    }

    pub fn iv(&mut self) -> Result<i64> {
        let u = self.uv()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }

    /// A number below `limit`, as an index or id.
    pub fn below(&mut self, limit: usize, what: &str) -> Result<usize> {
        let v = self.uv()?;
        if v < limit as u64 {
            Ok(v as usize)
        } else {
            Err(format!("{what} {v} is out of range (below {limit})"))
        }
    }

    /// A number that fits `T` (a `u16`, `u32`...).
    pub fn num<T: TryFrom<u64>>(&mut self, what: &str) -> Result<T> {
        let v = self.uv()?;
        T::try_from(v).map_err(|_| format!("{what} {v} is too large"))
    }

    /// A count of items that take at least one byte each: no more than
    /// the bytes left.
    pub fn count(&mut self) -> Result<usize> {
        let n = self.uv()?;
        if n > (self.buf.len() - self.pos) as u64 {
            return Err(truncated());
        }
        Ok(n as usize)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.count()?;
        let b = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    pub fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| "a name is not UTF-8".to_string())
    }

    pub fn u64_le(&mut self) -> Result<u64> {
        let end = self.pos.checked_add(8).ok_or_else(truncated)?;
        let b = self.buf.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// The bytes not read yet, all of them.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.buf[self.pos..];
        self.pos = self.buf.len();
        r
    }
}

fn truncated() -> String {
    "it ends too early".into()
}

/// The payload's checksum: 64 bits mixed from its 8-byte words (a word
/// at a time: the page reads the payload at start, before the code that
/// reads it is optimized), so that a damaged snapshot is refused before
/// anything in it is read.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ h >> 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_bad_bytes_are_errors() {
        let mut w = Writer::default();
        let nums = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        for &n in &nums {
            w.uv(n);
        }
        for &i in &[0i64, -1, 1, i64::MIN, i64::MAX] {
            w.iv(i);
        }
        w.bytes(b"abc");
        let mut r = Reader::new(&w.buf);
        for &n in &nums {
            assert_eq!(r.uv().unwrap(), n);
        }
        for &i in &[0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(r.iv().unwrap(), i);
        }
        assert_eq!(r.bytes().unwrap(), b"abc");
        assert!(r.at_end());
        assert!(r.u8().is_err());
        // eleven continuation bytes, a count past the end
        assert!(Reader::new(&[0xFF; 11]).uv().is_err());
        assert!(Reader::new(&[5, 1, 2]).bytes().is_err());
        assert!(Reader::new(&[0x80]).uv().is_err());
    }

    #[test]
    fn the_checksum_sees_every_byte() {
        let base: Vec<u8> = (0..100u8).collect();
        let sum = checksum(&base);
        for i in 0..base.len() {
            for bit in 0..8 {
                let mut b = base.clone();
                b[i] ^= 1 << bit;
                assert_ne!(checksum(&b), sum, "byte {i} bit {bit}");
            }
        }
        assert_ne!(checksum(&base[..99]), sum);
    }
}
