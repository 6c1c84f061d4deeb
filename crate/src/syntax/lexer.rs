//! The lexer: Smalltalk-80 source text to tokens, as Squeak 6 reads it.
//!
//! The lexer never fails hard: a malformed token becomes [`Tok::Error`]
//! with a message, and lexing continues after it, so that the parser can
//! report several errors. It must never panic on any input (fuzzed).

use super::ast::Span;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    /// `foo:` (the colon included in the string).
    Keyword(String),
    Binary(String),
    Integer(BigInt),
    Float(f64),
    /// `2e-2`: an integer with a negative exponent is a Fraction, as in
    /// Squeak (reduced, with a denominator above 1).
    Fraction {
        num: BigInt,
        den: BigInt,
    },
    Scaled {
        num: BigInt,
        den: BigInt,
        scale: u32,
    },
    Char(u32),
    Str(String),
    /// `#foo`, `#at:put:`, `#+`, `#'a b'`.
    Symbol(String),
    /// `#(`
    HashParen,
    /// `#[`
    HashBracket,
    /// `#{` is not supported; `{`
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Caret,
    Assign,
    Dot,
    Semi,
    Bar,
    Colon,
    /// `:x` block parameter (colon immediately followed by an identifier).
    BlockParam(String),
    Error(String),
    Eof,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

pub fn is_binary_char(c: char) -> bool {
    matches!(
        c,
        '+' | '-' | '*' | '/' | '\\' | '<' | '>' | '=' | '~' | '@' | '%' | '&' | '?' | ',' | '!'
    )
}

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    pub fn tokenize(src: &str) -> Vec<Token> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token();
            let eof = t.tok == Tok::Eof;
            out.push(t);
            if eof {
                return out;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Skips whitespace and `"comments"`. Returns an error token for an
    /// unterminated comment.
    fn skip_trivia(&mut self) -> Option<Token> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('"') => {
                    let start = self.pos;
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('"') => break,
                            Some(_) => {}
                            None => {
                                return Some(Token {
                                    tok: Tok::Error("unterminated comment".into()),
                                    span: Span::new(start, start + 1),
                                })
                            }
                        }
                    }
                }
                _ => return None,
            }
        }
    }

    pub fn next_token(&mut self) -> Token {
        if let Some(err) = self.skip_trivia() {
            return err;
        }
        let start = self.pos;
        let tok = self.lex_one(start);
        Token {
            tok,
            span: Span::new(start, self.pos.max(start)),
        }
    }

    fn lex_one(&mut self, start: usize) -> Tok {
        let c = match self.bump() {
            None => return Tok::Eof,
            Some(c) => c,
        };
        match c {
            c if c.is_alphabetic() || c == '_' => {
                self.ident_rest();
                // keyword?
                if self.peek() == Some(':') && self.peek_at(1) != Some('=') {
                    self.bump();
                    return Tok::Keyword(self.src[start..self.pos].to_string());
                }
                Tok::Ident(self.src[start..self.pos].to_string())
            }
            c if c.is_ascii_digit() => self.number(start),
            '$' => match self.bump() {
                Some(ch) => Tok::Char(ch as u32),
                None => Tok::Error("character literal expected after $".into()),
            },
            '\'' => match self.string_body() {
                Ok(s) => Tok::Str(s),
                Err(e) => Tok::Error(e),
            },
            '#' => self.hash(),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '{' => Tok::LBrace,
            '}' => Tok::RBrace,
            '^' => Tok::Caret,
            '.' => Tok::Dot,
            ';' => Tok::Semi,
            '|' => Tok::Bar,
            ':' => {
                if self.peek() == Some('=') {
                    self.bump();
                    Tok::Assign
                } else if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
                    let s = self.pos;
                    self.ident_rest();
                    Tok::BlockParam(self.src[s..self.pos].to_string())
                } else {
                    Tok::Colon
                }
            }
            c if is_binary_char(c) => {
                while self.peek().is_some_and(is_binary_char) {
                    // `x--1`? Squeak reads `--` as one selector only when not
                    // followed by a digit; keep `-` before a digit separate.
                    if self.peek() == Some('-')
                        && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())
                    {
                        break;
                    }
                    self.bump();
                }
                Tok::Binary(self.src[start..self.pos].to_string())
            }
            other => Tok::Error(format!("unexpected character {:?}", other)),
        }
    }

    fn ident_rest(&mut self) {
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
    }

    /// After the opening quote: reads up to the closing quote, with `''`
    /// standing for one quote.
    fn string_body(&mut self) -> Result<String, String> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err("unterminated string".into()),
                Some('\'') => {
                    if self.peek() == Some('\'') {
                        self.bump();
                        s.push('\'');
                    } else {
                        return Ok(s);
                    }
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn hash(&mut self) -> Tok {
        match self.peek() {
            Some('(') => {
                self.bump();
                Tok::HashParen
            }
            Some('[') => {
                self.bump();
                Tok::HashBracket
            }
            Some('\'') => {
                self.bump();
                match self.string_body() {
                    Ok(s) => Tok::Symbol(s),
                    Err(e) => Tok::Error(e),
                }
            }
            Some('#') => {
                // `##foo` is the same as `#foo` in Squeak.
                self.bump();
                self.hash()
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                let s = self.pos;
                loop {
                    self.ident_rest();
                    if self.peek() == Some(':') {
                        self.bump();
                        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
                            continue;
                        }
                    }
                    break;
                }
                Tok::Symbol(self.src[s..self.pos].to_string())
            }
            Some(c) if is_binary_char(c) || c == '|' => {
                let s = self.pos;
                while self.peek().is_some_and(|c| is_binary_char(c) || c == '|') {
                    self.bump();
                }
                Tok::Symbol(self.src[s..self.pos].to_string())
            }
            _ => Tok::Error("bad literal after #".into()),
        }
    }

    fn digits(&mut self, radix: u32) -> String {
        let s = self.pos;
        while self.peek().is_some_and(|c| {
            c.is_digit(radix) || (radix > 10 && c.is_ascii_uppercase() && c.is_digit(36))
        }) {
            self.bump();
        }
        self.src[s..self.pos].to_string()
    }

    /// Numbers: `123`, `16r1F`, `-` handled by the parser, `1.5`, `1.5e-3`,
    /// `2e10` (an integer), `3.14s2` (ScaledDecimal), `1/2` is a send.
    fn number(&mut self, start: usize) -> Tok {
        self.pos = start;
        let first = self.digits(10);
        let mut radix = 10u32;
        let mut mantissa = first.clone();
        if self.peek() == Some('r') {
            let r: u32 = match first.parse() {
                Ok(r) if (2..=36).contains(&r) => r,
                _ => {
                    self.bump();
                    return Tok::Error(format!("invalid radix {}", first));
                }
            };
            self.bump();
            let neg = if self.peek() == Some('-') {
                self.bump();
                true
            } else {
                false
            };
            radix = r;
            mantissa = self.digits(radix);
            if mantissa.is_empty() {
                return Tok::Error(format!("digits expected after {}r", r));
            }
            if neg {
                mantissa.insert(0, '-');
            }
        }
        let mut frac = String::new();
        if self.peek() == Some('.')
            && self
                .peek_at(1)
                .is_some_and(|c| c.is_digit(radix) && (radix <= 10 || !c.is_ascii_lowercase()))
        {
            self.bump();
            frac = self.digits(radix);
        }
        // exponent
        let mut exp: i64 = 0;
        let mut has_exp = false;
        if self.peek() == Some('e') {
            let save = self.pos;
            self.bump();
            let neg = if self.peek() == Some('-') {
                self.bump();
                true
            } else {
                false
            };
            let d = self.digits(10);
            if d.is_empty() {
                self.pos = save;
            } else {
                has_exp = true;
                exp = d.parse::<i64>().unwrap_or(i64::MAX / 4).min(100_000);
                if neg {
                    exp = -exp;
                }
            }
        }
        // scaled decimal
        if self.peek() == Some('s') && !has_exp {
            let save = self.pos;
            self.bump();
            let d = self.digits(10);
            if self.peek().is_some_and(|c| c.is_alphabetic()) {
                self.pos = save;
            } else {
                let scale = if d.is_empty() {
                    frac.len() as u32
                } else {
                    d.parse::<u32>().unwrap_or(0).min(1000)
                };
                let all = format!("{}{}", mantissa, frac);
                let num = match crate::object::large::parse_int(&all, radix) {
                    Some(n) => n,
                    None => return Tok::Error("malformed number".into()),
                };
                let den = BigInt::from(radix).pow(frac.len() as u32);
                return Tok::Scaled { num, den, scale };
            }
        }
        if frac.is_empty() {
            let n = match crate::object::large::parse_int(&mantissa, radix) {
                Some(n) => n,
                None => return Tok::Error("malformed number".into()),
            };
            if !has_exp {
                return Tok::Integer(n);
            }
            if exp >= 0 {
                if exp > 10_000 {
                    return Tok::Error("exponent too large".into());
                }
                return Tok::Integer(n * BigInt::from(radix).pow(exp as u32));
            }
            // a negative exponent on an integer: a Fraction, as Squeak's
            // integerPart * (base raisedTo: exponent), an Integer when it
            // divides
            if exp < -10_000 {
                return Tok::Error("exponent too large".into());
            }
            let den = BigInt::from(radix).pow((-exp) as u32);
            // (reduced first: the binary gcd of a long literal with a
            // small power took seconds)
            let g = (&n % &den).gcd(&den);
            let (num, den) = (n / &g, den / g);
            if den.is_one() {
                return Tok::Integer(num);
            }
            return Tok::Fraction { num, den };
        }
        if radix == 10 {
            // the digits as written, the point in place, for the float
            // parser (correctly rounded, in linear time; a long fraction
            // moved into the exponent would pass the parser's limit on it)
            let f = format!("{mantissa}.{frac}e{exp}").parse::<f64>();
            return Tok::Float(f.unwrap_or(f64::NAN));
        }
        let all = format!("{}{}", mantissa, frac);
        let n = match crate::object::large::parse_int(&all, radix) {
            Some(n) => n,
            None => return Tok::Error("malformed number".into()),
        };
        if n.is_zero() && all.starts_with('-') {
            // (as `-0.0` and `10r-0.0`)
            return Tok::Float(-0.0);
        }
        Tok::Float(to_float(&n, radix, exp - frac.len() as i64))
    }
}

/// `n * radix^exp` as an f64, for a radix other than 10 (a radix-10
/// literal goes to Rust's float parser, which rounds correctly).
fn to_float(n: &BigInt, radix: u32, exp: i64) -> f64 {
    if n.is_zero() {
        return 0.0;
    }
    let m = n.to_f64().unwrap_or(f64::INFINITY);
    m * (radix as f64).powi(exp.clamp(-5000, 5000) as i32)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut line = 1;
    let mut col = 1;
    for (i, c) in src.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn toks(s: &str) -> Vec<Tok> {
        Lexer::tokenize(s).into_iter().map(|t| t.tok).collect()
    }
    #[test]
    fn numbers() {
        assert_eq!(toks("16r1F")[0], Tok::Integer(31.into()));
        assert_eq!(toks("1.5e2")[0], Tok::Float(150.0));
        assert_eq!(
            toks("2e-2")[0],
            Tok::Fraction {
                num: 1.into(),
                den: 50.into()
            }
        );
        assert_eq!(toks("20e-1")[0], Tok::Integer(2.into()));
        assert_eq!(toks("0e-3")[0], Tok::Integer(0.into()));
        assert_eq!(toks("2e3")[0], Tok::Integer(2000.into()));
        assert_eq!(toks("3. x")[0], Tok::Integer(3.into()));
        assert_eq!(toks("3. x")[1], Tok::Dot);
        assert!(matches!(toks("3.14s2")[0], Tok::Scaled { scale: 2, .. }));
    }
    #[test]
    fn floats_of_many_digits_and_signed_zeros() {
        // a fraction of 700,000 digits: its length is not an exponent
        let src = format!("1.{}", "0".repeat(700_000));
        assert_eq!(toks(&src)[0], Tok::Float(1.0));
        let src = format!("0.{}1e99999", "0".repeat(99_998));
        assert_eq!(toks(&src)[0], Tok::Float(1.0));
        assert_eq!(toks("1.5e-3")[0], Tok::Float(0.0015));
        // a negative zero in any radix, as `-0.0` is
        for src in ["10r-0.0", "16r-0.0", "2r-0.0"] {
            match toks(src)[0] {
                Tok::Float(f) => assert!(f == 0.0 && f.is_sign_negative(), "{src}"),
                ref t => panic!("{src}: {t:?}"),
            }
        }
    }
    #[test]
    fn symbols_and_keywords() {
        assert_eq!(toks("#at:put:")[0], Tok::Symbol("at:put:".into()));
        assert_eq!(toks("#+")[0], Tok::Symbol("+".into()));
        assert_eq!(toks("x:=3")[0], Tok::Ident("x".into()));
        assert_eq!(toks("x:=3")[1], Tok::Assign);
        assert_eq!(toks("at: 1")[0], Tok::Keyword("at:".into()));
        assert_eq!(toks("'it''s'")[0], Tok::Str("it's".into()));
        assert_eq!(toks("[:a | a]")[1], Tok::BlockParam("a".into()));
    }
    #[test]
    fn positions() {
        assert_eq!(line_col("ab\ncd", 3), (2, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
