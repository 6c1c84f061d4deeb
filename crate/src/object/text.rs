//! Text in objects, as Squeak 6 keeps it: a String's characters are
//! either Latin-1 bytes (ByteString, ByteSymbol: [`Body::Bytes`]) or
//! Unicode code points, one 32-bit word each (WideString, WideSymbol:
//! [`Body::Words`]). This file converts between those bodies and Rust
//! text (UTF-8, the form of every boundary: source, the command line, the
//! page, share links, fileOut) and gives one read-only view of either.

use super::heap::{Body, Bytes};

/// The characters of a byte or word body, as code points.
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
    Bytes(&'a [u8]),
    Words(&'a [u32]),
}

impl<'a> Text<'a> {
    /// The text of a byte or word body (`None` for any other).
    pub fn of(body: &'a Body) -> Option<Text<'a>> {
        match body {
            Body::Bytes(b) => Some(Text::Bytes(b)),
            Body::Words(w) => Some(Text::Words(w)),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Text::Bytes(b) => b.len(),
            Text::Words(w) => w.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes a character takes: 1 in a byte body, 4 in a word body.
    pub fn width(&self) -> usize {
        match self {
            Text::Bytes(_) => 1,
            Text::Words(_) => 4,
        }
    }

    /// The code point at a 0-based index known to be in range.
    #[inline]
    pub fn at(&self, i: usize) -> u32 {
        match self {
            Text::Bytes(b) => b[i] as u32,
            Text::Words(w) => w[i],
        }
    }

    /// The code points, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        let (bytes, words): (&'a [u8], &'a [u32]) = match *self {
            Text::Bytes(b) => (b, &[]),
            Text::Words(w) => (&[], w),
        };
        bytes.iter().map(|&b| b as u32).chain(words.iter().copied())
    }

    /// The code points, collected.
    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }

    /// As Rust text; a code point that is no Unicode scalar value (a
    /// surrogate, which `Character value:` allows) becomes U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        self.iter().map(char_or_replacement).collect()
    }

    /// Whether every code point is a Unicode scalar value (the text
    /// converts to Rust text without loss).
    pub fn is_scalar(&self) -> bool {
        match self {
            Text::Bytes(_) => true,
            Text::Words(w) => w.iter().all(|&c| char::from_u32(c).is_some()),
        }
    }
}

/// The char of a code point, U+FFFD for one that is none.
pub fn char_or_replacement(c: u32) -> char {
    char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The body for Rust text, and whether it is wide: Latin-1 bytes when
/// every character is below U+0100, otherwise one word per character.
pub fn body_for(s: &str) -> (bool, Body) {
    if s.is_ascii() {
        // (the common case, copied at once)
        (false, Body::Bytes(Bytes::from_slice(s.as_bytes())))
    } else if s.chars().all(|c| (c as u32) < 256) {
        (
            false,
            Body::Bytes(s.chars().map(|c| c as u32 as u8).collect()),
        )
    } else {
        (true, Body::Words(s.chars().map(|c| c as u32).collect()))
    }
}

/// The body for code points: bytes when `wide` is false and every one
/// fits in a byte, else words.
pub fn body_of_code_points(cps: Vec<u32>, wide: bool) -> Body {
    if !wide && cps.iter().all(|&c| c < 256) {
        Body::Bytes(cps.into_iter().map(|c| c as u8).collect())
    } else {
        Body::Words(cps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_text_stays_bytes_and_wider_text_is_words() {
        let (wide, b) = body_for("café");
        assert!(!wide);
        assert!(matches!(&b, Body::Bytes(v) if **v == [99, 97, 102, 233]));
        let (wide, b) = body_for("日本x");
        assert!(wide);
        assert!(matches!(&b, Body::Words(v) if v == &[0x65E5, 0x672C, 0x78]));
        assert_eq!(Text::of(&b).unwrap().to_string_lossy(), "日本x");
        let emoji = body_for("😀").1;
        assert_eq!(Text::of(&emoji).unwrap().to_vec(), vec![0x1F600]);
    }

    #[test]
    fn surrogates_print_as_the_replacement_character() {
        let b = Body::Words(vec![0x61, 0xD800]);
        let t = Text::of(&b).unwrap();
        assert!(!t.is_scalar());
        assert_eq!(t.to_string_lossy(), "a\u{FFFD}");
    }
}
