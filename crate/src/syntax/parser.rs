//! The parser: tokens to an [`ast::Method`](super::ast::Method).
//!
//! Recursive descent over Smalltalk-80's grammar. Two bounds keep hostile
//! input from overflowing the Rust stack, here and in every later pass that
//! walks the tree recursively (clone, drop, scope analysis, codegen): the
//! parser's own nesting ([`MAX_DEPTH`], for `((((...`) and the height of
//! the tree it builds ([`MAX_HEIGHT`], for `1+1+1+...`, which the parser
//! builds in a loop but which is 40,000 levels deep as a tree). Either limit
//! is a syntax error at the token that crossed it. Errors are collected; after
//! an error the parser resynchronises at the next statement boundary, so
//! one mistake gives one message, not a cascade.

use super::ast::*;
use super::lexer::{Lexer, Tok, Token};

/// Deepest expression nesting the parser accepts.
pub const MAX_DEPTH: usize = 256;

/// Tallest syntax tree the parser builds: a send is one taller than its
/// receiver and arguments, a block one taller than its statements.
pub const MAX_HEIGHT: u32 = 512;

/// A syntax or semantic error in Smalltalk source, with its byte span.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        SyntaxError {
            message: message.into(),
            span,
        }
    }
    /// 1-based (line, column) of the error in `src`.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        super::lexer::line_col(src, self.span.start as usize)
    }
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    errors: Vec<SyntaxError>,
    depth: usize,
    /// Height of the expression the last expression-parsing call returned.
    h: u32,
}

/// Marker: an error has been recorded in `Parser::errors`.
struct Failed;
type PResult<T> = Result<T, Failed>;

/// Parses a method definition: message pattern, pragmas, temporaries and
/// statements.
pub fn parse_method(src: &str) -> Result<Method, Vec<SyntaxError>> {
    let mut p = Parser::new(src);
    let m = p.method(false);
    p.finish(m)
}

/// Parses a workspace do-it: optional `| temps |` then statements. The
/// result is a method with selector `DoIt`.
pub fn parse_doit(src: &str) -> Result<Method, Vec<SyntaxError>> {
    let mut p = Parser::new(src);
    let m = p.method(true);
    p.finish(m)
}

/// Parses the contents of a literal array (used by fileIn readers for
/// things like SOM class definitions). Exposed for tests and tools.
pub fn parse_expression_literal(src: &str) -> Result<Literal, Vec<SyntaxError>> {
    let mut p = Parser::new(src);
    let r = p.literal_array_body(Tok::Eof);
    match r {
        Ok(items) if p.errors.is_empty() => Ok(Literal::Array(items)),
        _ => Err(p.errors),
    }
}

impl Parser {
    fn new(src: &str) -> Self {
        Parser {
            toks: Lexer::tokenize(src),
            pos: 0,
            errors: Vec::new(),
            depth: 0,
            h: 0,
        }
    }

    fn finish(self, m: PResult<Method>) -> Result<Method, Vec<SyntaxError>> {
        match m {
            Ok(m) if self.errors.is_empty() => Ok(m),
            _ => {
                let mut errs = self.errors;
                if errs.is_empty() {
                    errs.push(SyntaxError::new("syntax error", Span::default()));
                }
                errs.dedup_by(|a, b| a.span == b.span);
                Err(errs)
            }
        }
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }
    fn span(&self) -> Span {
        self.toks[self.pos.min(self.toks.len() - 1)].span
    }
    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            Span::default()
        } else {
            self.toks[(self.pos - 1).min(self.toks.len() - 1)].span
        }
    }
    fn advance(&mut self) -> Token {
        let t = self.toks[self.pos.min(self.toks.len() - 1)].clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.advance();
            true
        } else {
            false
        }
    }

    #[cold]
    fn error<T>(&mut self, msg: impl Into<String>, span: Span) -> PResult<T> {
        self.errors.push(SyntaxError::new(msg, span));
        Err(Failed)
    }

    #[cold]
    fn unexpected<T>(&mut self, what: &str) -> PResult<T> {
        let mut span = self.span();
        if matches!(self.peek(), Tok::Eof) && self.pos > 0 {
            // point just after the last token, not at trailing blanks
            let end = self.prev_span().end as usize;
            span = Span::new(end, end);
        }
        let msg = match self.peek().clone() {
            Tok::Error(e) => e,
            Tok::Eof => format!("{} expected, but the source ended", what),
            t => format!("{} expected, found {}", what, describe(&t)),
        };
        self.error(msg, span)
    }

    // ----- methods -----

    fn method(&mut self, doit: bool) -> PResult<Method> {
        let start = self.span();
        let (selector, params, pattern_span) = if doit {
            ("DoIt".to_string(), Vec::new(), Span::new(0, 0))
        } else {
            self.pattern()?
        };
        let mut pragmas = Vec::new();
        self.pragmas(&mut pragmas);
        let temps = self.temps()?;
        self.pragmas(&mut pragmas);
        let body = self.statements(&Tok::Eof);
        if !matches!(self.peek(), Tok::Eof) {
            let _: PResult<()> = self.unexpected("end of method");
        }
        let end = self.prev_span();
        Ok(Method {
            selector,
            params,
            temps,
            pragmas,
            body,
            pattern_span,
            span: start.to(end),
        })
    }

    fn pattern(&mut self) -> PResult<(String, Vec<Ident>, Span)> {
        let start = self.span();
        match self.peek().clone() {
            Tok::Ident(name) => {
                self.advance();
                Ok((name, vec![], start))
            }
            Tok::Binary(op) => {
                self.advance();
                let p = self.ident("argument name")?;
                Ok((op, vec![p], start.to(self.prev_span())))
            }
            Tok::Bar => {
                let op = self.binary_op().unwrap_or_default();
                self.binary_advance(&op);
                let p = self.ident("argument name")?;
                Ok((op, vec![p], start.to(self.prev_span())))
            }
            Tok::Keyword(_) => {
                let mut sel = String::new();
                let mut params = vec![];
                while let Tok::Keyword(k) = self.peek().clone() {
                    self.advance();
                    sel.push_str(&k);
                    params.push(self.ident("argument name")?);
                }
                Ok((sel, params, start.to(self.prev_span())))
            }
            _ => self.unexpected("message pattern"),
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match self.peek().clone() {
            Tok::Ident(name) => {
                let span = self.advance().span;
                Ok(Ident { name, span })
            }
            _ => self.unexpected(what),
        }
    }

    fn pragmas(&mut self, out: &mut Vec<Pragma>) {
        while matches!(self.peek(), Tok::Binary(b) if b == "<") {
            if let Ok(p) = self.pragma() {
                out.push(p);
            } else {
                // skip to the closing '>'
                while !matches!(self.peek(), Tok::Eof)
                    && !matches!(self.peek(), Tok::Binary(b) if b == ">")
                {
                    self.advance();
                }
                self.advance();
            }
        }
    }

    fn pragma(&mut self) -> PResult<Pragma> {
        let start = self.advance().span; // '<'
        let mut sel = String::new();
        let mut args = Vec::new();
        match self.peek().clone() {
            Tok::Ident(n) => {
                self.advance();
                sel = n;
            }
            Tok::Keyword(_) => {
                while let Tok::Keyword(k) = self.peek().clone() {
                    self.advance();
                    sel.push_str(&k);
                    args.push(self.literal_in_pragma()?);
                }
            }
            _ => return self.unexpected("pragma"),
        }
        if !matches!(self.peek(), Tok::Binary(b) if b == ">") {
            return self.unexpected("'>'");
        }
        let end = self.advance().span;
        let span = start.to(end);
        match (sel.as_str(), args.as_slice()) {
            ("primitive:", [Literal::Integer(n)]) => {
                let n = u32::try_from(n.clone()).unwrap_or(u32::MAX);
                Ok(Pragma::Primitive(n, span))
            }
            ("primitive:", [Literal::String(s)])
            | ("primitive:module:", [Literal::String(s), _])
            | ("primitive:error:", [Literal::String(s), _]) => {
                Ok(Pragma::NamedPrimitive(s.clone(), span))
            }
            ("primitive:error:", [Literal::Integer(n), _]) => {
                let n = u32::try_from(n.clone()).unwrap_or(u32::MAX);
                Ok(Pragma::Primitive(n, span))
            }
            _ => Ok(Pragma::Other(sel, args, span)),
        }
    }

    fn literal_in_pragma(&mut self) -> PResult<Literal> {
        match self.peek().clone() {
            Tok::Ident(n) => {
                // `<primitive: 60 error: ec>` names a temp; keep as symbol
                self.advance();
                Ok(Literal::Symbol(n))
            }
            _ => {
                let (lit, _) = self.literal()?;
                Ok(lit)
            }
        }
    }

    fn temps(&mut self) -> PResult<Vec<Ident>> {
        let mut temps = Vec::new();
        if self.eat(&Tok::Bar) {
            loop {
                match self.peek().clone() {
                    Tok::Ident(_) => temps.push(self.ident("temporary")?),
                    Tok::Bar => {
                        self.advance();
                        break;
                    }
                    _ => return self.unexpected("temporary name or '|'"),
                }
            }
        } else if matches!(self.peek(), Tok::Binary(b) if b == "||") {
            self.advance();
        }
        Ok(temps)
    }

    // ----- statements -----

    /// Statements up to (not including) `close`.
    /// Leaves the tallest statement's height in `self.h`.
    fn statements(&mut self, close: &Tok) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut h = 0;
        loop {
            while self.eat(&Tok::Dot) {}
            if self.peek() == close || matches!(self.peek(), Tok::Eof) {
                break;
            }
            match self.statement() {
                Ok(s) => {
                    h = h.max(self.h);
                    let ret = matches!(s, Stmt::Return(..));
                    out.push(s);
                    if self.peek() == close || matches!(self.peek(), Tok::Eof) {
                        break;
                    }
                    if !self.eat(&Tok::Dot) {
                        let _: PResult<()> = if ret {
                            self.unexpected("end of statements after return")
                        } else {
                            self.unexpected("'.' or end of statements")
                        };
                        self.sync(close);
                    } else if ret {
                        // Squeak rejects statements after a return; skip.
                        while self.eat(&Tok::Dot) {}
                        if self.peek() != close && !matches!(self.peek(), Tok::Eof) {
                            let span = self.span();
                            let _: PResult<()> =
                                self.error("unreachable statement after return", span);
                            self.sync(close);
                        }
                    }
                }
                Err(Failed) => self.sync(close),
            }
        }
        self.h = h;
        out
    }

    /// Skips to the next statement boundary at this nesting level.
    fn sync(&mut self, close: &Tok) {
        let mut depth = 0i32;
        loop {
            let t = self.peek().clone();
            match t {
                Tok::Eof => return,
                Tok::Dot if depth == 0 => {
                    self.advance();
                    return;
                }
                ref t if t == close && depth == 0 => return,
                Tok::LParen | Tok::LBracket | Tok::LBrace | Tok::HashParen | Tok::HashBracket => {
                    depth += 1
                }
                Tok::RParen | Tok::RBracket | Tok::RBrace => {
                    if depth == 0 {
                        // a stray closer that isn't ours: skip it
                        self.advance();
                        continue;
                    }
                    depth -= 1
                }
                _ => {}
            }
            self.advance();
        }
    }

    fn statement(&mut self) -> PResult<Stmt> {
        if matches!(self.peek(), Tok::Caret) {
            let start = self.advance().span;
            let e = self.expression()?;
            let span = start.to(e.span());
            return Ok(Stmt::Return(e, span));
        }
        Ok(Stmt::Expr(self.expression()?))
    }

    fn expression(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let span = self.span();
            return self.error("expression nested too deeply", span);
        }
        let r = self.expression_inner();
        self.depth -= 1;
        r
    }

    fn expression_inner(&mut self) -> PResult<Expr> {
        if let (Tok::Ident(name), Tok::Assign) = (self.peek().clone(), self.peek_at(1).clone()) {
            let span = self.advance().span;
            self.advance();
            let value = self.expression()?;
            self.h = self.taller(self.h, span)?;
            let full = span.to(value.span());
            return Ok(Expr::Assign {
                target: Ident { name, span },
                value: Box::new(value),
                span: full,
            });
        }
        let recv = self.primary()?;
        let e = self.messages(recv, 3)?;
        if matches!(self.peek(), Tok::Semi) {
            let first = match e {
                Expr::Send(s) => s,
                other => {
                    let span = self.span();
                    let _ = other;
                    return self.error("cascade without a message to cascade", span);
                }
            };
            let mut rest = Vec::new();
            let mut h = self.h;
            while self.eat(&Tok::Semi) {
                let at = self.span();
                rest.push(self.cascade_part()?);
                h = self.taller(h.max(self.h), at)?;
            }
            self.h = h;
            let span = first.span.to(self.prev_span());
            return Ok(Expr::Cascade { first, rest, span });
        }
        Ok(e)
    }

    /// Parses message sends on `recv`. `level`: 3 = keyword and below,
    /// 2 = binary and below, 1 = unary only.
    /// `self.h` holds `recv`'s height on entry and the result's on exit.
    fn messages(&mut self, mut recv: Expr, level: u8) -> PResult<Expr> {
        let mut h = self.h;
        // unary
        while let Tok::Ident(sel) = self.peek().clone() {
            let sp = self.advance().span;
            h = self.taller(h, sp)?;
            let span = recv.span().to(sp);
            recv = Expr::Send(Box::new(Send {
                receiver: recv,
                message: Message {
                    selector: sel,
                    args: vec![],
                    sel_span: sp,
                    span: sp,
                },
                span,
            }));
        }
        if level < 2 {
            self.h = h;
            return Ok(recv);
        }
        while let Some(op) = self.binary_op() {
            let sp = self.binary_advance(&op);
            let arg0 = self.primary()?;
            let arg = self.messages(arg0, 1)?;
            h = self.taller(h.max(self.h), sp)?;
            let span = recv.span().to(arg.span());
            recv = Expr::Send(Box::new(Send {
                receiver: recv,
                message: Message {
                    selector: op,
                    span: sp.to(arg.span()),
                    args: vec![arg],
                    sel_span: sp,
                },
                span,
            }));
        }
        if level < 3 {
            self.h = h;
            return Ok(recv);
        }
        if let Tok::Keyword(_) = self.peek() {
            let at = self.span();
            let msg = self.keyword_message()?;
            h = self.taller(h.max(self.h), at)?;
            let span = recv.span().to(msg.span);
            recv = Expr::Send(Box::new(Send {
                receiver: recv,
                message: msg,
                span,
            }));
        }
        self.h = h;
        Ok(recv)
    }

    /// The binary selector at the current token, if there is one. `|` is
    /// a token of its own (temporaries), so `||` (SOM's `or`, a binary
    /// selector in Squeak too) is two `|` tokens side by side.
    fn binary_op(&self) -> Option<String> {
        match self.peek() {
            Tok::Binary(op) => Some(op.clone()),
            Tok::Bar => {
                let next = self.toks.get(self.pos + 1);
                Some(match next {
                    Some(t) if t.tok == Tok::Bar && t.span.start == self.span().end => "||".into(),
                    _ => "|".into(),
                })
            }
            _ => None,
        }
    }

    /// Consumes the binary selector `binary_op` found; answers its span.
    fn binary_advance(&mut self, op: &str) -> Span {
        let first = self.advance().span;
        if op == "||" {
            return first.to(self.advance().span);
        }
        first
    }

    fn keyword_message(&mut self) -> PResult<Message> {
        let mut sel = String::new();
        let mut args = Vec::new();
        let first = self.span();
        let mut sel_span = first;
        let mut h = 0;
        while let Tok::Keyword(k) = self.peek().clone() {
            let sp = self.advance().span;
            sel_span = sel_span.to(sp);
            sel.push_str(&k);
            let a0 = self.primary()?;
            args.push(self.messages(a0, 2)?);
            h = h.max(self.h);
        }
        self.h = h;
        let span = first.to(self.prev_span());
        Ok(Message {
            selector: sel,
            args,
            sel_span,
            span,
        })
    }

    fn cascade_part(&mut self) -> PResult<Message> {
        match self.peek().clone() {
            Tok::Ident(sel) => {
                let sp = self.advance().span;
                self.h = 0;
                Ok(Message {
                    selector: sel,
                    args: vec![],
                    sel_span: sp,
                    span: sp,
                })
            }
            Tok::Keyword(_) => self.keyword_message(),
            _ => {
                if let Some(op) = self.binary_op() {
                    let sp = self.binary_advance(&op);
                    let a0 = self.primary()?;
                    let arg = self.messages(a0, 1)?;
                    let span = sp.to(arg.span());
                    return Ok(Message {
                        selector: op,
                        args: vec![arg],
                        sel_span: sp,
                        span,
                    });
                }
                self.unexpected("cascaded message")
            }
        }
    }

    /// One level taller than `h`, or an error at `at` past [`MAX_HEIGHT`].
    fn taller(&mut self, h: u32, at: Span) -> PResult<u32> {
        if h >= MAX_HEIGHT {
            return self.error("expression nested too deeply", at);
        }
        Ok(h + 1)
    }

    /// Leaves the expression's height in `self.h`.
    fn primary(&mut self) -> PResult<Expr> {
        let span = self.span();
        match self.peek().clone() {
            Tok::Ident(name) => {
                self.advance();
                self.h = 1;
                Ok(Expr::Var(Ident { name, span }))
            }
            Tok::LParen => {
                self.advance();
                let e = self.expression()?;
                if !self.eat(&Tok::RParen) {
                    return self.unexpected("')'");
                }
                Ok(e)
            }
            Tok::LBracket => self.block(),
            Tok::LBrace => {
                self.advance();
                self.depth += 1;
                let items = self.brace_items();
                self.depth -= 1;
                let items = items?;
                let end = self.prev_span();
                self.h = self.taller(self.h, span)?;
                Ok(Expr::Brace(items, span.to(end)))
            }
            _ => {
                let (lit, span) = self.literal()?;
                self.h = 1;
                Ok(Expr::Literal(lit, span))
            }
        }
    }

    /// Leaves the tallest item's height in `self.h`.
    fn brace_items(&mut self) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        let mut h = 0;
        loop {
            self.h = h;
            if self.eat(&Tok::RBrace) {
                return Ok(items);
            }
            items.push(self.expression()?);
            h = h.max(self.h);
            self.h = h;
            if self.eat(&Tok::RBrace) {
                return Ok(items);
            }
            if !self.eat(&Tok::Dot) {
                return self.unexpected("'.' or '}'");
            }
        }
    }

    fn block(&mut self) -> PResult<Expr> {
        let start = self.advance().span; // '['
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return self.error("blocks nested too deeply", start);
        }
        let r = self.block_body(start);
        self.depth -= 1;
        r
    }

    fn block_body(&mut self, start: Span) -> PResult<Expr> {
        let mut params = Vec::new();
        loop {
            match (self.peek().clone(), self.peek_at(1).clone()) {
                (Tok::BlockParam(name), _) => {
                    let sp = self.advance().span;
                    params.push(Ident {
                        name,
                        span: Span::new(sp.start as usize + 1, sp.end as usize),
                    });
                }
                // `[: x | ...]`: blanks between the colon and the name, as
                // Squeak and SOM accept
                (Tok::Colon, Tok::Ident(name)) => {
                    self.advance();
                    let span = self.advance().span;
                    params.push(Ident { name, span });
                }
                _ => break,
            }
        }
        if !params.is_empty() {
            match self.peek() {
                Tok::Bar => {
                    self.advance();
                }
                Tok::Binary(b) if b == "||" => {
                    // `[:x || t | ...]`: param bar plus temp bar
                    self.toks[self.pos].tok = Tok::Bar;
                }
                Tok::RBracket => {}
                _ => return self.unexpected("'|' after block parameters"),
            }
        }
        let temps = self.temps()?;
        let body = self.statements(&Tok::RBracket);
        if !self.eat(&Tok::RBracket) {
            return self.unexpected("']'");
        }
        self.h = self.taller(self.h, start)?;
        let span = start.to(self.prev_span());
        Ok(Expr::Block(Box::new(Block {
            params,
            temps,
            body,
            span,
        })))
    }

    /// A literal constant (not a variable). Returns its span.
    fn literal(&mut self) -> PResult<(Literal, Span)> {
        let span = self.span();
        let lit = match self.peek().clone() {
            Tok::Integer(n) => Literal::Integer(n),
            Tok::Float(f) => Literal::Float(f),
            Tok::Fraction { num, den } => Literal::Fraction { num, den },
            Tok::Scaled { num, den, scale } => Literal::Scaled { num, den, scale },
            Tok::Char(c) => Literal::Char(c),
            Tok::Str(s) => Literal::String(s),
            Tok::Symbol(s) => Literal::Symbol(s),
            Tok::Binary(b) if b == "-" => {
                // negative number literal: `-` immediately before digits
                let next = self.toks[(self.pos + 1).min(self.toks.len() - 1)].clone();
                if next.span.start != span.end {
                    return self.unexpected("expression");
                }
                let lit = match next.tok {
                    Tok::Integer(n) => Literal::Integer(-n),
                    Tok::Float(f) => Literal::Float(-f),
                    Tok::Fraction { num, den } => Literal::Fraction { num: -num, den },
                    Tok::Scaled { num, den, scale } => Literal::Scaled {
                        num: -num,
                        den,
                        scale,
                    },
                    _ => return self.unexpected("expression"),
                };
                self.advance();
                self.advance();
                return Ok((lit, span.to(next.span)));
            }
            Tok::HashParen => {
                self.advance();
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.depth -= 1;
                    return self.error("literal nested too deeply", span);
                }
                let items = self.literal_array_body(Tok::RParen);
                self.depth -= 1;
                return Ok((Literal::Array(items?), span.to(self.prev_span())));
            }
            Tok::HashBracket => {
                self.advance();
                return Ok((self.byte_array()?, span.to(self.prev_span())));
            }
            _ => return self.unexpected("expression"),
        };
        self.advance();
        Ok((lit, span))
    }

    fn byte_array(&mut self) -> PResult<Literal> {
        let mut bytes = Vec::new();
        loop {
            match self.peek().clone() {
                Tok::RBracket => {
                    self.advance();
                    return Ok(Literal::ByteArray(bytes));
                }
                Tok::Integer(n) => {
                    let sp = self.advance().span;
                    match u8::try_from(n) {
                        Ok(b) => bytes.push(b),
                        Err(_) => return self.error("byte array element must be 0..255", sp),
                    }
                }
                _ => return self.unexpected("byte (0..255) or ']'"),
            }
        }
    }

    /// Items of `#( ... )` up to `close` (which is consumed unless Eof).
    fn literal_array_body(&mut self, close: Tok) -> PResult<Vec<Literal>> {
        let mut items = Vec::new();
        loop {
            let t = self.peek().clone();
            if t == close {
                self.advance();
                return Ok(items);
            }
            match t {
                Tok::Eof => return self.unexpected("')'"),
                Tok::Ident(n) => {
                    self.advance();
                    items.push(match n.as_str() {
                        "nil" => Literal::Nil,
                        "true" => Literal::True,
                        "false" => Literal::False,
                        _ => Literal::Symbol(n),
                    });
                }
                Tok::Keyword(k) => {
                    self.advance();
                    let mut s = k;
                    let mut end = self.prev_span().end;
                    while let Tok::Keyword(k2) = self.peek().clone() {
                        if self.span().start != end {
                            break;
                        }
                        end = self.advance().span.end;
                        s.push_str(&k2);
                    }
                    items.push(Literal::Symbol(s));
                }
                Tok::Binary(b)
                    if !(b == "-"
                        && matches!(
                            self.peek_at(1),
                            Tok::Integer(_)
                                | Tok::Float(_)
                                | Tok::Fraction { .. }
                                | Tok::Scaled { .. }
                        )
                        && self.toks[(self.pos + 1).min(self.toks.len() - 1)]
                            .span
                            .start
                            == self.span().end) =>
                {
                    self.advance();
                    items.push(Literal::Symbol(b));
                }
                Tok::Bar => {
                    self.advance();
                    items.push(Literal::Symbol("|".into()));
                }
                Tok::LParen => {
                    self.advance();
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        self.depth -= 1;
                        let span = self.span();
                        return self.error("literal nested too deeply", span);
                    }
                    let inner = self.literal_array_body(Tok::RParen);
                    self.depth -= 1;
                    items.push(Literal::Array(inner?));
                }
                Tok::LBracket => {
                    self.advance();
                    items.push(self.byte_array()?);
                }
                Tok::LBrace
                | Tok::RBrace
                | Tok::RBracket
                | Tok::Caret
                | Tok::Dot
                | Tok::Semi
                | Tok::Colon
                | Tok::Assign
                | Tok::BlockParam(_) => {
                    // Squeak reads stray punctuation inside a literal
                    // array as symbols; keep the common ones.
                    let sp = self.span();
                    let s = match t {
                        Tok::Caret => "^",
                        Tok::Dot => ".",
                        Tok::Semi => ";",
                        Tok::Colon => ":",
                        Tok::Assign => ":=",
                        Tok::LBrace => "{",
                        Tok::RBrace => "}",
                        _ => return self.error("unexpected token in literal array", sp),
                    };
                    self.advance();
                    items.push(Literal::Symbol(s.into()));
                }
                _ => {
                    let (l, _) = self.literal()?;
                    items.push(l);
                }
            }
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("'{}'", s),
        Tok::Keyword(s) => format!("'{}'", s),
        Tok::Binary(s) => format!("'{}'", s),
        Tok::Integer(n) => format!("number {}", n),
        Tok::Float(f) => format!("number {}", f),
        Tok::Fraction { .. } => "fraction".into(),
        Tok::Scaled { .. } => "scaled decimal".into(),
        Tok::Char(c) => format!("character ${}", char::from_u32(*c).unwrap_or('?')),
        Tok::Str(_) => "string".into(),
        Tok::Symbol(s) => format!("#{}", s),
        Tok::HashParen => "'#('".into(),
        Tok::HashBracket => "'#['".into(),
        Tok::LBrace => "'{'".into(),
        Tok::RBrace => "'}'".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Caret => "'^'".into(),
        Tok::Assign => "':='".into(),
        Tok::Dot => "'.'".into(),
        Tok::Semi => "';'".into(),
        Tok::Bar => "'|'".into(),
        Tok::Colon => "':'".into(),
        Tok::BlockParam(p) => format!("':{}'", p),
        Tok::Error(e) => e.clone(),
        Tok::Eof => "end of source".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_methods() {
        let m = parse_method("at: i put: v | t | t := i + 1 * 2. ^ v foo: t bar; baz").unwrap();
        assert_eq!(m.selector, "at:put:");
        assert_eq!(m.temps.len(), 1);
        assert_eq!(m.body.len(), 2);
    }

    #[test]
    fn reports_position() {
        let src = "foo\n  ^ 3 +";
        let e = parse_method(src).unwrap_err();
        assert_eq!(e[0].line_col(src), (2, 8));
    }

    #[test]
    fn several_errors_no_cascade() {
        let src = "foo\n 3 + . \n x := ) . \n ^ 4";
        let e = parse_method(src).unwrap_err();
        assert_eq!(e.len(), 2, "{:?}", e);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let src = format!("foo ^ {}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse_method(&src).is_err());
        let src = format!("foo ^ {}", "[".repeat(5000));
        assert!(parse_method(&src).is_err());
        let src = format!("foo ^ #{}", "(".repeat(5000));
        assert!(parse_method(&src).is_err());
    }

    #[test]
    fn literals() {
        let m = parse_doit("#(1 -2 $a 'str' #sym foo at:put: (1 2) #[1 2] true nil)").unwrap();
        match &m.body[0] {
            Stmt::Expr(Expr::Literal(Literal::Array(items), _)) => assert_eq!(items.len(), 11),
            other => panic!("{:?}", other),
        }
    }
}
