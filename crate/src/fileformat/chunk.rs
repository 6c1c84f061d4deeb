//! Squeak's chunk format ("fileIn" of `.st` and `.cs` files).
//!
//! The reader follows Squeak 6's `PositionableStream>>fileIn`,
//! `nextChunk` and `ClassCategoryReader>>scanFrom:`:
//!
//! * Chunks are separated by `!`; inside a chunk `!!` stands for one `!`.
//!   Leading separators (space, tab, CR, LF, FF) of a chunk are skipped;
//!   trailing text is kept as is.
//! * A chunk preceded by an extra `!` (the text `!Foo methodsFor: 'cat'!`)
//!   is a *reader*: `Foo methodsFor: 'cat'` (also `Foo class methodsFor:`,
//!   with any extra `stamp:`/`prior:` keywords, which are ignored) is
//!   followed by method chunks up to an empty chunk (`! !`) or the end of
//!   the file. `Foo commentStamp: '...' prior: 0` is followed by one comment
//!   chunk, returned as the do-it `Foo comment: '...'`. `Foo reorganize`
//!   is followed by one organization chunk, which is skipped. Any other
//!   reader is an error.
//! * Every other non-blank chunk is a do-it, class definitions included
//!   (they are messages like `Object subclass: #Foo ...`; the VM evaluates
//!   them). Text-style chunks (`]style[...`) are skipped.
//! * Hence a file without any `!` is a single do-it: a plain workspace
//!   script.
//!
//! Offsets: an item's `offset` is the file offset of the first character of
//! its chunk. Each `!!` unescaped before byte `k` of a source shifts the
//! true file position of byte `k` by one more byte.
//!
//! This reader never panics: it only slices the text at ASCII characters
//! (`!` and separators), so always at char boundaries.

use super::{FileFormatError, FileInItem};
use crate::syntax::lexer::{Lexer, Tok, Token};

/// Squeak's `Character>>isSeparator`: space, CR, tab, LF, FF.
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\t' | b'\n' | 0x0c)
}

/// A cursor over the file text, with Squeak's stream operations.
struct ChunkStream<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> ChunkStream<'a> {
    fn new(src: &'a str) -> Self {
        // A UTF-8 byte order mark is not part of the text.
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        ChunkStream { src, pos }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn skip_separators(&mut self) {
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() && is_separator(bytes[self.pos]) {
            self.pos += 1;
        }
    }

    /// Consumes a `!` if it is the next character.
    fn peek_for_bang(&mut self) -> bool {
        if self.src.as_bytes().get(self.pos) == Some(&b'!') {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Squeak's `nextChunk`: skips separators, then answers the text up to
    /// the next single `!` (consumed) or the end, with `!!` unescaped, and
    /// the file offset where that text begins.
    fn next_chunk(&mut self) -> (String, usize) {
        self.skip_separators();
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut out = String::new();
        let mut seg = self.pos;
        let mut i = self.pos;
        while i < bytes.len() {
            if bytes[i] == b'!' {
                // `i` and `i + 1` are ASCII positions: char boundaries.
                out.push_str(&self.src[seg..i]);
                if bytes.get(i + 1) == Some(&b'!') {
                    out.push('!');
                    i += 2;
                    seg = i;
                    continue;
                }
                self.pos = i + 1;
                return (out, start);
            }
            i += 1;
        }
        out.push_str(&self.src[seg..]);
        self.pos = bytes.len();
        (out, start)
    }
}

/// Squeak's text-style chunk, written after some chunks by old images.
fn is_style_chunk(chunk: &str) -> bool {
    chunk.starts_with("]style[")
}

/// What a reader chunk (`!expr!`) asks for.
#[derive(Debug, PartialEq)]
enum Reader {
    Methods {
        class: String,
        meta: bool,
        category: String,
    },
    Comment {
        class: String,
    },
    Reorganize,
}

/// Reads a Squeak chunk-format file into the items to file in, in order.
///
/// See the [module documentation](self) for the rules. A file with no `!`
/// at all is one do-it of the whole text (a plain workspace script); a
/// blank file gives no items. The only error is a reader chunk (`!expr!`)
/// that is none of `methodsFor:`, `commentStamp:` or `reorganize`.
pub fn read_chunks(src: &str) -> Result<Vec<FileInItem>, FileFormatError> {
    let mut s = ChunkStream::new(src);
    let mut items = Vec::new();
    loop {
        s.skip_separators();
        if s.at_end() {
            return Ok(items);
        }
        if s.peek_for_bang() {
            let (expr, off) = s.next_chunk();
            if expr.trim().is_empty() {
                // `! !` at top level: an empty reader, nothing to do.
                continue;
            }
            match parse_reader(&expr, off)? {
                Reader::Methods {
                    class,
                    meta,
                    category,
                } => loop {
                    let (text, moff) = s.next_chunk();
                    if text.is_empty() {
                        break;
                    }
                    if is_style_chunk(&text) {
                        continue;
                    }
                    items.push(FileInItem::Method {
                        class: class.clone(),
                        meta,
                        category: category.clone(),
                        source: text,
                        offset: moff,
                    });
                },
                Reader::Comment { class } => {
                    let (text, coff) = s.next_chunk();
                    items.push(FileInItem::DoIt {
                        source: format!("{} comment: {}", class, string_literal(&text)),
                        offset: coff,
                    });
                }
                Reader::Reorganize => {
                    s.next_chunk();
                }
            }
        } else {
            let (text, off) = s.next_chunk();
            if text.trim().is_empty() || is_style_chunk(&text) {
                continue;
            }
            items.push(FileInItem::DoIt {
                source: text,
                offset: off,
            });
        }
    }
}

/// `text` as a Smalltalk string literal: quoted, with quotes doubled.
pub(crate) fn string_literal(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('\'');
    for c in text.chars() {
        if c == '\'' {
            s.push('\'');
        }
        s.push(c);
    }
    s.push('\'');
    s
}

/// Skips one literal argument (`'stamp'`, `0`, `-1`, `#foo`, `nil`) at
/// `toks[i]`; answers the index after it.
fn skip_literal(toks: &[Token], i: usize) -> Option<usize> {
    match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Str(_))
        | Some(Tok::Symbol(_))
        | Some(Tok::Integer(_))
        | Some(Tok::Float(_))
        | Some(Tok::Fraction { .. })
        | Some(Tok::Scaled { .. })
        | Some(Tok::Char(_)) => Some(i + 1),
        Some(Tok::Ident(n)) if matches!(n.as_str(), "nil" | "true" | "false") => Some(i + 1),
        Some(Tok::Binary(b)) if b == "-" => match toks.get(i + 1).map(|t| &t.tok) {
            Some(Tok::Integer(_))
            | Some(Tok::Float(_))
            | Some(Tok::Fraction { .. })
            | Some(Tok::Scaled { .. }) => Some(i + 2),
            _ => None,
        },
        _ => None,
    }
}

/// Parses the expression of a reader chunk. `off` is its file offset.
fn parse_reader(expr: &str, off: usize) -> Result<Reader, FileFormatError> {
    let toks = Lexer::tokenize(expr);
    let at = |i: usize| -> usize {
        toks.get(i)
            .map(|t| off + t.span.start as usize)
            .unwrap_or(off)
    };
    let unsupported = |i: usize| {
        FileFormatError::new(
            format!(
                "unsupported reader chunk `!{}!`: expected `Class methodsFor: 'category'`, \
                 `Class commentStamp: '...' prior: 0` or `Class reorganize`",
                expr.trim()
            ),
            at(i),
        )
    };
    if let Some(Token {
        tok: Tok::Error(msg),
        span,
    }) = toks.iter().find(|t| matches!(t.tok, Tok::Error(_)))
    {
        return Err(FileFormatError::new(
            format!("in reader chunk: {}", msg),
            off + span.start as usize,
        ));
    }
    let class = match toks.first().map(|t| &t.tok) {
        Some(Tok::Ident(n)) => n.clone(),
        _ => return Err(unsupported(0)),
    };
    let mut i = 1;
    let mut meta = false;
    if let Some(Tok::Ident(n)) = toks.get(i).map(|t| &t.tok) {
        if n == "class" || n == "classTrait" {
            meta = true;
            i += 1;
        }
    }
    match toks.get(i).map(|t| &t.tok) {
        Some(Tok::Keyword(k)) if k == "methodsFor:" => {
            let category = match toks.get(i + 1).map(|t| &t.tok) {
                Some(Tok::Str(c)) | Some(Tok::Symbol(c)) => c.clone(),
                _ => return Err(unsupported(i + 1)),
            };
            i += 2;
            // `stamp: '...'`, `prior: 123`, ...: ignored.
            while let Some(Tok::Keyword(_)) = toks.get(i).map(|t| &t.tok) {
                i = skip_literal(&toks, i + 1).ok_or_else(|| unsupported(i + 1))?;
            }
            if toks.get(i).map(|t| &t.tok) != Some(&Tok::Eof) {
                return Err(unsupported(i));
            }
            Ok(Reader::Methods {
                class,
                meta,
                category,
            })
        }
        Some(Tok::Keyword(k)) if k == "commentStamp:" => {
            i += 1;
            i = skip_literal(&toks, i).ok_or_else(|| unsupported(i))?;
            while let Some(Tok::Keyword(_)) = toks.get(i).map(|t| &t.tok) {
                i = skip_literal(&toks, i + 1).ok_or_else(|| unsupported(i + 1))?;
            }
            if toks.get(i).map(|t| &t.tok) != Some(&Tok::Eof) {
                return Err(unsupported(i));
            }
            // The comment belongs to the class, even if written `Foo class`.
            Ok(Reader::Comment { class })
        }
        Some(Tok::Ident(k))
            if k == "reorganize" && toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::Eof) =>
        {
            Ok(Reader::Reorganize)
        }
        _ => Err(unsupported(i)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::line_col;

    fn doit(source: &str, offset: usize) -> FileInItem {
        FileInItem::DoIt {
            source: source.into(),
            offset,
        }
    }

    fn method(class: &str, meta: bool, category: &str, source: &str, offset: usize) -> FileInItem {
        FileInItem::Method {
            class: class.into(),
            meta,
            category: category.into(),
            source: source.into(),
            offset,
        }
    }

    const SAMPLE: &str = "Object subclass: #Foo
\tinstanceVariableNames: 'a b'
\tclassVariableNames: ''
\tpoolDictionaries: ''
\tcategory: 'Test'!

!Foo commentStamp: '<historical>' prior: 0!
I am Foo's comment!

Foo class
\tinstanceVariableNames: 'count'!

!Foo methodsFor: 'accessing' stamp: 'ab 1/2/2020 10:00'!
a
\t^a!

b: x
\tb := x! !

!Foo methodsFor: 'printing'!
shout
\t^'Hi!!'! !

!Foo class methodsFor: 'instance creation' stamp: 'ab 1/2/2020 10:00' prior: 12345!
new
\t^super new init! !

Foo new a!
";

    #[test]
    fn reads_sample() {
        let items = read_chunks(SAMPLE).unwrap();
        assert_eq!(items.len(), 8, "{:#?}", items);
        match &items[0] {
            FileInItem::DoIt { source, offset } => {
                assert!(source.starts_with("Object subclass: #Foo"));
                assert!(source.ends_with("category: 'Test'"));
                assert_eq!(*offset, 0);
            }
            other => panic!("{:?}", other),
        }
        let c = SAMPLE.find("I am").unwrap();
        assert_eq!(items[1], doit("Foo comment: 'I am Foo''s comment'", c));
        let ci = SAMPLE.find("Foo class\n").unwrap();
        assert_eq!(
            items[2],
            doit("Foo class\n\tinstanceVariableNames: 'count'", ci)
        );
        assert_eq!(
            items[3],
            method(
                "Foo",
                false,
                "accessing",
                "a\n\t^a",
                SAMPLE.find("a\n\t^a").unwrap()
            )
        );
        assert_eq!(
            items[4],
            method(
                "Foo",
                false,
                "accessing",
                "b: x\n\tb := x",
                SAMPLE.find("b: x").unwrap()
            )
        );
        assert_eq!(
            items[5],
            method(
                "Foo",
                false,
                "printing",
                "shout\n\t^'Hi!'",
                SAMPLE.find("shout").unwrap()
            )
        );
        assert_eq!(
            items[6],
            method(
                "Foo",
                true,
                "instance creation",
                "new\n\t^super new init",
                SAMPLE.find("new\n").unwrap()
            )
        );
        assert_eq!(
            items[7],
            doit("Foo new a", SAMPLE.find("Foo new a").unwrap())
        );
    }

    #[test]
    fn offsets_map_to_lines() {
        let items = read_chunks(SAMPLE).unwrap();
        if let FileInItem::Method { offset, .. } = &items[4] {
            assert_eq!(line_col(SAMPLE, *offset), (17, 1));
        } else {
            panic!()
        }
    }

    #[test]
    fn bang_escapes() {
        let src = "Transcript show: 'wow!!'; cr!  x := 'a!!!!b'!";
        let items = read_chunks(src).unwrap();
        assert_eq!(
            items,
            vec![
                doit("Transcript show: 'wow!'; cr", 0),
                doit("x := 'a!!b'", src.find("x :=").unwrap()),
            ]
        );
        // A chunk ending in an escaped bang, then the terminator.
        let items = read_chunks("'x!!'!!!").unwrap();
        assert_eq!(items, vec![doit("'x!'!", 0)]);
    }

    #[test]
    fn no_bang_is_one_doit() {
        let src = "  | x |\n  x := 3 + 4.\n  x printString\n";
        assert_eq!(read_chunks(src).unwrap(), vec![doit(&src[2..], 2)]);
        assert_eq!(read_chunks("").unwrap(), vec![]);
        assert_eq!(read_chunks(" \n\t ").unwrap(), vec![]);
        assert_eq!(
            read_chunks("\u{feff}3 + 4").unwrap(),
            vec![doit("3 + 4", 3)]
        );
    }

    #[test]
    fn blank_chunks_and_empty_readers_are_skipped() {
        let src = "a!  ! \n!\n! !b!";
        let items = read_chunks(src).unwrap();
        assert_eq!(items, vec![doit("a", 0), doit("b", src.len() - 2)]);
    }

    #[test]
    fn multiple_sections_and_unterminated_section() {
        let src =
            "!A methodsFor: 'x'!\nm1 ^1!\nm2 ^2! !\n!A class methodsFor: 'y'!\nm3 ^3!\n\nm4 ^4";
        let items = read_chunks(src).unwrap();
        assert_eq!(
            items,
            vec![
                method("A", false, "x", "m1 ^1", src.find("m1").unwrap()),
                method("A", false, "x", "m2 ^2", src.find("m2").unwrap()),
                method("A", true, "y", "m3 ^3", src.find("m3").unwrap()),
                method("A", true, "y", "m4 ^4", src.find("m4").unwrap()),
            ]
        );
    }

    #[test]
    fn reader_variants() {
        let src = "!A classTrait methodsFor: #x stamp: nil prior: -1!\nm ^1! !\n\
                   !A reorganize!\n('x' m)\n!\n!A class commentStamp: 'z' prior: 0!\n!";
        let items = read_chunks(src).unwrap();
        assert_eq!(
            items,
            vec![
                method("A", true, "x", "m ^1", src.find("m ^1").unwrap()),
                doit("A comment: ''", src.len() - 1),
            ]
        );
    }

    #[test]
    fn style_chunks_are_skipped() {
        let src = "!A methodsFor: 'x'!\nm ^1!]style[(1 2)f1b! !\n3!]style[(1)f1!";
        let items = read_chunks(src).unwrap();
        assert_eq!(
            items,
            vec![
                method("A", false, "x", "m ^1", src.find("m ^1").unwrap()),
                doit("3", src.find("3!").unwrap()),
            ]
        );
    }

    #[test]
    fn bad_reader_errors() {
        let src = "x!\n!Foo frobnicate: 3!\nbar! !";
        let err = read_chunks(src).unwrap_err();
        assert_eq!(err.offset, src.find("frobnicate").unwrap());
        assert!(
            err.message.contains("unsupported reader"),
            "{}",
            err.message
        );
        let src = "!Foo methodsFor: 'x' stamp!";
        let err = read_chunks(src).unwrap_err();
        assert_eq!(err.offset, src.find("stamp").unwrap());
        let src = "!Foo methodsFor: 'x!";
        let err = read_chunks(src).unwrap_err();
        assert_eq!(err.offset, src.find('\'').unwrap());
        let src = "!3 methodsFor: 'x'!";
        assert_eq!(read_chunks(src).unwrap_err().offset, 1);
    }

    #[test]
    fn unicode_text() {
        let src = "'héllo ✓'!\n!Ü methodsFor: 'ç'!\nü ^'→'! !";
        let items = read_chunks(src).unwrap();
        assert_eq!(
            items,
            vec![
                doit("'héllo ✓'", 0),
                method("Ü", false, "ç", "ü ^'→'", src.find("ü ^").unwrap()),
            ]
        );
    }

    #[test]
    fn never_panics_on_prefixes() {
        let extra = "!A methodsFor: 'x'!\nm ^'é!!'!! !!\n!A commentStamp: 'x' prior: 0!\nc!!!\n!!!";
        for sample in [SAMPLE, extra] {
            for (i, _) in sample.char_indices() {
                let _ = read_chunks(&sample[..i]);
                let _ = read_chunks(&sample[i..]);
            }
        }
    }

    #[test]
    fn never_panics_on_noise() {
        let alphabet: Vec<char> = "!! '\"#:abc Foo class methodsFor: commentStamp:\n\t()é✓-0"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 40) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            if let Ok(items) = read_chunks(&s) {
                for it in items {
                    if let FileInItem::DoIt { offset, .. } | FileInItem::Method { offset, .. } = it
                    {
                        assert!(offset <= s.len());
                    }
                }
            }
        }
    }
}
