//! SOM class files (`.som`), the class syntax of the SOM family of VMs.
//!
//! ```text
//! Name = Superclass (
//!     | instVar1 instVar2 |
//!     unary = ( ^instVar1 )
//!     + other = ( ^other )
//!     at: i put: v = ( | t | t := v. ^t )
//!     prim = primitive
//!     ----
//!     | classInstVar |
//!     new = ( ^super new )
//! )
//! ```
//!
//! The superclass is optional (`Name = ( ... )` means `Object`); `nil`
//! names a root class. A file may hold several classes in sequence. Each
//! class gives one [`FileInItem::ClassDef`] (category `"SOM"`), then one
//! [`FileInItem::Method`] per method (category `"SOM"`, `meta` for those
//! after the `----` separator).
//!
//! Method sources are Squeak method sources whose byte offsets equal file
//! offsets minus the item's `offset`: the text from the start of the
//! pattern to the closing `)` of the body, with the `=`, the `(` and the
//! closing `)` replaced by spaces. SOM strings use backslash escapes
//! (`\t \b \n \r \f \0 \' \\`); they are rewritten as Squeak strings (real
//! characters, `'` doubled), padded after the closing quote with spaces to
//! the original length, so only positions *inside* such a string move. A
//! method `pattern = primitive` becomes
//! `pattern <primitive: 'SOMPrimitive'> ^self primitiveFailed`.
//!
//! The reader never panics: it slices the text only at ASCII characters it
//! has just matched or at char boundaries found by `char_indices`.

use super::{FileFormatError, FileInItem};

/// The category given to SOM classes and methods.
const SOM_CATEGORY: &str = "SOM";

/// What [`SomReader::ident`] is asked for to read a method argument.
const ARGUMENT: &str = "argument name";

/// What a SOM `primitive` method body becomes.
const PRIMITIVE_BODY: &str = " <primitive: 'SOMPrimitive'> ^self primitiveFailed";

/// A token of SOM's class-level syntax (method bodies are not tokenized;
/// they are scanned for their closing parenthesis).
#[derive(Clone, Debug, PartialEq)]
enum STok {
    Ident(String),
    /// `foo:` with the colon.
    Keyword(String),
    /// The reserved word `primitive`.
    Primitive,
    /// An operator sequence: `=`, `|`, `+`, `<=`, `,`, ...
    Op(String),
    /// `----` (four or more dashes).
    Separator,
    LParen,
    RParen,
    /// Anything else (a misplaced string, number, `#`, ...).
    Other(char),
    Eof,
}

#[derive(Clone, Debug)]
struct Tk {
    tok: STok,
    start: usize,
    end: usize,
}

fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'&'
            | b'|'
            | b'*'
            | b'/'
            | b'\\'
            | b'+'
            | b'='
            | b'>'
            | b'<'
            | b','
            | b'@'
            | b'%'
            | b'-'
    )
}

fn describe(t: &STok) -> String {
    match t {
        STok::Ident(s) | STok::Keyword(s) | STok::Op(s) => format!("`{}`", s),
        STok::Primitive => "`primitive`".into(),
        STok::Separator => "`----`".into(),
        STok::LParen => "`(`".into(),
        STok::RParen => "`)`".into(),
        STok::Other(c) => format!("{:?}", c),
        STok::Eof => "end of file".into(),
    }
}

struct SomReader<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> SomReader<'a> {
    fn new(src: &'a str) -> Self {
        let pos = if src.starts_with('\u{feff}') { 3 } else { 0 };
        SomReader { src, pos }
    }

    fn peek_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.src.as_bytes().get(i).copied()
    }

    /// Skips white space and `"comments"`.
    fn skip_trivia(&mut self) -> Result<(), FileFormatError> {
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else if c == '"' {
                match self.src[self.pos + 1..].find('"') {
                    Some(k) => self.pos += 1 + k + 1,
                    None => return Err(FileFormatError::new("unterminated comment", self.pos)),
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    fn next(&mut self) -> Result<Tk, FileFormatError> {
        self.skip_trivia()?;
        let start = self.pos;
        let c = match self.peek_char() {
            None => {
                return Ok(Tk {
                    tok: STok::Eof,
                    start,
                    end: start,
                })
            }
            Some(c) => c,
        };
        let tok = if c.is_alphabetic() || c == '_' {
            while let Some(c) = self.peek_char() {
                if c.is_alphanumeric() || c == '_' {
                    self.pos += c.len_utf8();
                } else {
                    break;
                }
            }
            if self.byte_at(self.pos) == Some(b':') && self.byte_at(self.pos + 1) != Some(b'=') {
                self.pos += 1;
                STok::Keyword(self.src[start..self.pos].to_string())
            } else if &self.src[start..self.pos] == "primitive" {
                STok::Primitive
            } else {
                STok::Ident(self.src[start..self.pos].to_string())
            }
        } else if self.src[start..].starts_with("----") {
            while self.byte_at(self.pos) == Some(b'-') {
                self.pos += 1;
            }
            STok::Separator
        } else if c.is_ascii() && is_op_char(c as u8) {
            self.pos += 1;
            while self.byte_at(self.pos).is_some_and(is_op_char)
                && !self.src[self.pos..].starts_with("----")
            {
                self.pos += 1;
            }
            STok::Op(self.src[start..self.pos].to_string())
        } else if c == '(' {
            self.pos += 1;
            STok::LParen
        } else if c == ')' {
            self.pos += 1;
            STok::RParen
        } else {
            self.pos += c.len_utf8();
            STok::Other(c)
        };
        Ok(Tk {
            tok,
            start,
            end: self.pos,
        })
    }

    fn peek(&mut self) -> Result<Tk, FileFormatError> {
        let save = self.pos;
        let t = self.next();
        self.pos = save;
        t
    }

    fn expected(what: &str, t: &Tk) -> FileFormatError {
        FileFormatError::new(
            format!("{} expected, found {}", what, describe(&t.tok)),
            t.start,
        )
    }

    fn ident(&mut self, what: &str) -> Result<Tk, FileFormatError> {
        let t = self.next()?;
        match t.tok {
            STok::Ident(_) => Ok(t),
            // SOM accepts the reserved word as an argument name.
            STok::Primitive if what == ARGUMENT => Ok(t),
            _ => Err(Self::expected(what, &t)),
        }
    }

    fn expect_op(&mut self, op: &str, what: &str) -> Result<Tk, FileFormatError> {
        let t = self.next()?;
        match &t.tok {
            STok::Op(o) if o == op => Ok(t),
            _ => Err(Self::expected(what, &t)),
        }
    }

    /// `| a b c |` if present.
    fn fields(&mut self) -> Result<Vec<String>, FileFormatError> {
        let mut names = Vec::new();
        if self.peek()?.tok != STok::Op("|".into()) {
            return Ok(names);
        }
        self.next()?;
        loop {
            let t = self.next()?;
            match t.tok {
                STok::Ident(n) => names.push(n),
                // SOM reads the reserved word as a name here too.
                STok::Primitive => names.push("primitive".to_string()),
                STok::Op(o) if o == "|" => return Ok(names),
                _ => return Err(Self::expected("field name or `|`", &t)),
            }
        }
    }

    /// One class definition, appended to `items`.
    fn class_def(&mut self, items: &mut Vec<FileInItem>) -> Result<(), FileFormatError> {
        let name_tok = self.ident("class name")?;
        let name = match &name_tok.tok {
            STok::Ident(n) => n.clone(),
            _ => String::new(),
        };
        self.expect_op("=", "`=` after the class name")?;
        let superclass = match self.peek()?.tok {
            STok::Ident(s) => {
                self.next()?;
                s
            }
            _ => "Object".to_string(),
        };
        let t = self.next()?;
        if t.tok != STok::LParen {
            return Err(Self::expected("`(` starting the class body", &t));
        }
        let inst_vars = self.fields()?;
        let mut methods = Vec::new();
        self.methods(&name, false, &mut methods)?;
        let mut class_inst_vars = Vec::new();
        if self.peek()?.tok == STok::Separator {
            self.next()?;
            class_inst_vars = self.fields()?;
            self.methods(&name, true, &mut methods)?;
        }
        let t = self.next()?;
        if t.tok != STok::RParen {
            return Err(Self::expected(
                "method definition or `)` ending the class",
                &t,
            ));
        }
        items.push(FileInItem::ClassDef {
            name,
            superclass,
            inst_vars,
            class_inst_vars,
            category: SOM_CATEGORY.to_string(),
            offset: name_tok.start,
        });
        items.append(&mut methods);
        Ok(())
    }

    fn methods(
        &mut self,
        class: &str,
        meta: bool,
        out: &mut Vec<FileInItem>,
    ) -> Result<(), FileFormatError> {
        loop {
            match self.peek()?.tok {
                STok::Ident(_) | STok::Keyword(_) | STok::Op(_) | STok::Primitive => {
                    out.push(self.method(class, meta)?)
                }
                _ => return Ok(()),
            }
        }
    }

    fn method(&mut self, class: &str, meta: bool) -> Result<FileInItem, FileFormatError> {
        let first = self.next()?;
        let pattern_start = first.start;
        let pattern_end = match first.tok {
            STok::Ident(_) | STok::Primitive => first.end,
            STok::Op(_) => self.ident(ARGUMENT)?.end,
            STok::Keyword(_) => {
                let mut end = self.ident(ARGUMENT)?.end;
                while let STok::Keyword(_) = self.peek()?.tok {
                    self.next()?;
                    end = self.ident(ARGUMENT)?.end;
                }
                end
            }
            _ => return Err(Self::expected("method pattern", &first)),
        };
        let eq = self.expect_op("=", "`=` after the method pattern")?;
        let t = self.next()?;
        let source = match t.tok {
            STok::Primitive => format!(
                "{}{}",
                &self.src[pattern_start..pattern_end],
                PRIMITIVE_BODY
            ),
            STok::LParen => {
                let (body, close) = self.scan_body(t.start)?;
                self.pos = close + 1;
                let mut s = String::with_capacity(close + 1 - pattern_start);
                s.push_str(&self.src[pattern_start..eq.start]);
                s.push(' ');
                s.push_str(&self.src[eq.end..t.start]);
                s.push(' ');
                s.push_str(&body);
                s.push(' ');
                s
            }
            _ => return Err(Self::expected("`(` or `primitive` after `=`", &t)),
        };
        Ok(FileInItem::Method {
            class: class.to_string(),
            meta,
            category: SOM_CATEGORY.to_string(),
            source,
            offset: pattern_start,
        })
    }

    /// Scans a method body from its `(` at `open` to the matching `)`.
    /// Answers the text between them with SOM strings rewritten as Squeak
    /// strings, and the offset of the closing `)`.
    fn scan_body(&self, open: usize) -> Result<(String, usize), FileFormatError> {
        let src = self.src;
        let bytes = src.as_bytes();
        let mut out = String::new();
        let mut depth = 1usize;
        let mut i = open + 1;
        let mut seg = i;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => {
                    depth += 1;
                    i += 1;
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push_str(&src[seg..i]);
                        return Ok((out, i));
                    }
                    i += 1;
                }
                b'"' => match src[i + 1..].find('"') {
                    Some(k) => i += 1 + k + 1,
                    None => return Err(FileFormatError::new("unterminated comment", i)),
                },
                b'\'' => {
                    out.push_str(&src[seg..i]);
                    i = convert_string(src, i, &mut out)?;
                    seg = i;
                }
                _ => i += 1,
            }
        }
        Err(FileFormatError::new(
            "unterminated method body: `)` expected",
            open,
        ))
    }
}

/// Converts the SOM string literal whose opening quote is at `start` into a
/// Squeak string literal appended to `out`, padded with spaces to the SOM
/// literal's length. Answers the offset after the SOM literal.
fn convert_string(src: &str, start: usize, out: &mut String) -> Result<usize, FileFormatError> {
    let before = out.len();
    out.push('\'');
    let mut chars = src[start + 1..].char_indices();
    let end = loop {
        let (k, c) = match chars.next() {
            Some(x) => x,
            None => return Err(FileFormatError::new("unterminated string", start)),
        };
        match c {
            '\'' => break start + 1 + k + 1,
            '\\' => {
                let e = match chars.next() {
                    Some((_, e)) => e,
                    None => return Err(FileFormatError::new("unterminated string", start)),
                };
                match e {
                    't' => out.push('\t'),
                    'b' => out.push('\u{8}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    'f' => out.push('\u{c}'),
                    '0' => out.push('\0'),
                    '\'' => out.push_str("''"),
                    // `\\` and unknown escapes: the character itself.
                    other => out.push(other),
                }
            }
            other => out.push(other),
        }
    };
    out.push('\'');
    let written = out.len() - before;
    let original = end - start;
    for _ in written..original {
        out.push(' ');
    }
    Ok(end)
}

/// True if `src` starts (after comments) like a SOM class definition:
/// `Name = (` or `Name = Superclass (`.
pub(crate) fn looks_like_som(src: &str) -> bool {
    let mut r = SomReader::new(src);
    let mut toks = Vec::new();
    for _ in 0..4 {
        match r.next() {
            Ok(t) => toks.push(t.tok),
            Err(_) => return false,
        }
    }
    matches!(
        toks.as_slice(),
        [STok::Ident(_), STok::Op(eq), STok::LParen, ..]
            | [STok::Ident(_), STok::Op(eq), STok::Ident(_), STok::LParen]
            if eq == "="
    )
}

/// Reads a SOM class file: for each class, a [`FileInItem::ClassDef`]
/// followed by its methods (instance side, then class side).
///
/// A file with nothing but white space and comments gives no items. Errors
/// (a malformed class header, pattern or field list, an unterminated body,
/// string or comment) carry the byte offset of the offending token.
pub fn read_som(src: &str) -> Result<Vec<FileInItem>, FileFormatError> {
    let mut r = SomReader::new(src);
    let mut items = Vec::new();
    loop {
        r.skip_trivia()?;
        if r.pos >= src.len() {
            return Ok(items);
        }
        r.class_def(&mut items)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_method;

    const COUNTER: &str = r#""A counter, SOM style."
Counter = Object (
    | count step |

    "accessing"
    count = ( ^count )
    count: n = ( count := n )
    + other = ( ^count + other count )
    at: i put: v = ( | t | t := v. ^(t + (i * 2)) )
    hash = primitive
    greet = ( ^'Hi\n\'you\'\\' , #'a\tb' )

    ----

    | instances |
    new = ( instances := (instances ifNil: [0]) + 1. ^super new count: 0 )
    primitive = ( ^'(' )
)
"#;

    fn methods(items: &[FileInItem]) -> Vec<(bool, String, usize)> {
        items
            .iter()
            .filter_map(|it| match it {
                FileInItem::Method {
                    meta,
                    source,
                    offset,
                    ..
                } => Some((*meta, source.clone(), *offset)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reads_class_with_both_sides() {
        let items = read_som(COUNTER).unwrap();
        assert_eq!(
            items[0],
            FileInItem::ClassDef {
                name: "Counter".into(),
                superclass: "Object".into(),
                inst_vars: vec!["count".into(), "step".into()],
                class_inst_vars: vec!["instances".into()],
                category: "SOM".into(),
                offset: COUNTER.find("Counter =").unwrap(),
            }
        );
        let ms = methods(&items);
        assert_eq!(ms.len(), 8);
        assert_eq!(items.len(), 9);
        let inst: Vec<_> = ms.iter().filter(|m| !m.0).collect();
        let class: Vec<_> = ms.iter().filter(|m| m.0).collect();
        assert_eq!(inst.len(), 6);
        assert_eq!(class.len(), 2);
        for it in &items[1..] {
            if let FileInItem::Method {
                class, category, ..
            } = it
            {
                assert_eq!(class, "Counter");
                assert_eq!(category, "SOM");
            }
        }
    }

    #[test]
    fn sources_keep_file_offsets() {
        let items = read_som(COUNTER).unwrap();
        for (_, source, offset) in methods(&items) {
            if source.contains("primitive:") || source.contains('\'') {
                continue;
            }
            let file = &COUNTER[offset..offset + source.len()];
            assert_eq!(file.len(), source.len());
            // Same text except `=`, `(`, `)` turned into spaces.
            for (a, b) in file.bytes().zip(source.bytes()) {
                assert!(
                    a == b || (b == b' ' && matches!(a, b'=' | b'(' | b')')),
                    "{file:?} {source:?}"
                );
            }
        }
    }

    #[test]
    fn unary_binary_keyword_patterns() {
        let items = read_som(COUNTER).unwrap();
        let ms = methods(&items);
        let src_of = |prefix: &str| {
            ms.iter()
                .find(|m| m.1.starts_with(prefix))
                .map(|m| (m.1.clone(), m.2))
                .unwrap()
        };
        let (s, o) = src_of("count  ");
        assert_eq!(s, "count     ^count  ");
        assert_eq!(o, COUNTER.find("count = (").unwrap());
        let (s, _) = src_of("count:");
        assert_eq!(s, "count: n     count := n  ");
        let (s, _) = src_of("+");
        assert_eq!(s, "+ other     ^count + other count  ");
        let (s, _) = src_of("at:");
        assert_eq!(s, "at: i put: v     | t | t := v. ^(t + (i * 2))  ");
        for (_, source, _) in &ms {
            let m = parse_method(source);
            assert!(m.is_ok(), "{source:?}: {m:?}");
        }
        let sel = |s: &str| parse_method(s).unwrap().selector;
        assert_eq!(sel(&src_of("+").0), "+");
        assert_eq!(sel(&src_of("at:").0), "at:put:");
        let (s, _) = src_of("new");
        assert_eq!(sel(&s), "new");
    }

    #[test]
    fn primitive_methods() {
        let items = read_som(COUNTER).unwrap();
        let ms = methods(&items);
        let hash = ms.iter().find(|m| m.1.starts_with("hash")).unwrap();
        assert_eq!(
            hash.1,
            "hash <primitive: 'SOMPrimitive'> ^self primitiveFailed"
        );
        assert_eq!(hash.2, COUNTER.find("hash").unwrap());
        // `primitive` may still be a unary selector.
        let p = ms.iter().find(|m| m.1.starts_with("primitive")).unwrap();
        assert!(p.0);
        assert_eq!(p.1, "primitive     ^'('  ");
    }

    #[test]
    fn string_escapes() {
        let items = read_som(COUNTER).unwrap();
        let ms = methods(&items);
        let g = ms.iter().find(|m| m.1.starts_with("greet")).unwrap();
        let file_len = COUNTER[g.2..].find(")\n").unwrap() + 1;
        // Padding keeps the total length.
        assert_eq!(g.1.len(), file_len);
        assert_eq!(g.1, "greet     ^'Hi\n''you''\\'   , #'a\tb'   ");
        let m = parse_method(&g.1).unwrap();
        assert_eq!(m.selector, "greet");
    }

    #[test]
    fn superclass_variants_and_several_classes() {
        let src = "A = ( ) B = nil ( |x primitive| at: primitive = ( ) ) C = A ( ---- foo = ( ) )";
        let items = read_som(src).unwrap();
        let supers: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                FileInItem::ClassDef {
                    name, superclass, ..
                } => Some((name.as_str(), superclass.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(supers, vec![("A", "Object"), ("B", "nil"), ("C", "A")]);
        assert_eq!(
            items.last(),
            Some(&FileInItem::Method {
                class: "C".into(),
                meta: true,
                category: "SOM".into(),
                source: "foo      ".into(),
                offset: src.find("foo").unwrap(),
            })
        );
        assert_eq!(read_som("  \"only a comment\"  ").unwrap(), vec![]);
    }

    #[test]
    fn binary_operators_as_selectors() {
        // A `|` first in the body opens the field list, exactly as in SOM,
        // so a `|` method cannot come first.
        let src = "Bool = ( | other = ( ^true ) )";
        let e = read_som(src).unwrap_err();
        assert_eq!(e.offset, src.find("= ( ^true").unwrap());
        let src =
            "Bool = ( = x = ( ^x ) | other = ( ^true ) - y = (^y) <= z = ( ^z ) , w = ( ^w ) )";
        let items = read_som(src).unwrap();
        let sels: Vec<String> = methods(&items)
            .iter()
            .map(|m| m.1.split(' ').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(sels, vec!["=", "|", "-", "<=", ","]);
    }

    #[test]
    fn errors() {
        let check = |src: &str, at: &str, msg: &str| {
            let e = read_som(src).unwrap_err();
            assert_eq!(e.offset, src.find(at).unwrap(), "{src}: {e:?}");
            assert!(e.message.contains(msg), "{src}: {e:?}");
        };
        check("Foo ( )", "(", "`=` after the class name");
        check("Foo = Bar Baz ( )", "Baz", "`(` starting");
        check(
            "Foo = ( foo ( ^1 ) )",
            "( ^1",
            "`=` after the method pattern",
        );
        check("Foo = ( foo = 3 )", "3", "`(` or `primitive`");
        check("Foo = ( foo = ( ^(1 )", "( ^(", "unterminated method body");
        check("Foo = ( foo = ( ^'abc ) )", "'abc", "unterminated string");
        check(
            "Foo = ( foo = ( ^'abc\\' ) )",
            "'abc",
            "unterminated string",
        );
        check("Foo = ( foo = ( \"x ) )", "\"x", "unterminated comment");
        check("Foo = \"x ( )", "\"x", "unterminated comment");
        check("Foo = ( | a 3 | )", "3", "field name");
        check("Foo = ( at: 3 = ( ) )", "3", "argument name");
        check("Foo = ( 'x' )", "'x'", "`)` ending the class");
        check("3", "3", "class name");
    }

    #[test]
    fn error_at_end_of_file() {
        let src = "Foo = ( foo = ( ^1 )";
        let e = read_som(src).unwrap_err();
        assert_eq!(e.offset, src.len());
        assert!(e.message.contains("end of file"));
    }

    #[test]
    fn never_panics_on_prefixes() {
        let extra = "Ü = ( é: x = ( ^'\\é✓\\' ) ---- | k | ~~ q = primitive )\u{feff}";
        for sample in [COUNTER, extra] {
            for (i, _) in sample.char_indices() {
                let _ = read_som(&sample[..i]);
                let _ = read_som(&sample[i..]);
                let _ = looks_like_som(&sample[..i]);
            }
        }
    }

    #[test]
    fn never_panics_on_noise() {
        let alphabet: Vec<char> = "()=|-'\\\"#:ab Foo ---- primitive\n\té✓,<"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut step = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let len = (step() % 40) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(step() % alphabet.len() as u64) as usize])
                .collect();
            if let Ok(items) = read_som(&s) {
                for it in items {
                    if let FileInItem::Method { offset, .. } = it {
                        assert!(offset <= s.len());
                    }
                }
            }
        }
    }
}
