//! The abstract syntax tree produced by the [parser](super::parser).
//!
//! Every node carries a [`Span`] (byte offsets into the source) so that the
//! compiler can build pc→source maps and errors can report line:column.
//! The AST is plain data: it never refers to VM objects.

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A literal as written in the source. Literal arrays nest.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Nil,
    True,
    False,
    /// An integer of any size, kept as decimal digits with sign so the
    /// compiler can decide between SmallInteger and LargeInteger.
    Integer(num_bigint::BigInt),
    Float(f64),
    /// `2e-2`: a Fraction, numerator and denominator (reduced, above 1).
    Fraction {
        num: num_bigint::BigInt,
        den: num_bigint::BigInt,
    },
    /// `3.14s2`: value as a fraction numerator/denominator plus scale.
    Scaled {
        num: num_bigint::BigInt,
        den: num_bigint::BigInt,
        scale: u32,
    },
    Char(u32),
    String(String),
    Symbol(String),
    Array(Vec<Literal>),
    ByteArray(Vec<u8>),
}

/// A named variable reference; resolution happens in the compiler.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Literal(Literal, Span),
    Var(Ident),
    Assign {
        target: Ident,
        value: Box<Expr>,
        span: Span,
    },
    Send(Box<Send>),
    /// `receiver msg1; msg2; msg3` — all messages go to the receiver of the
    /// first message.
    Cascade {
        first: Box<Send>,
        rest: Vec<Message>,
        span: Span,
    },
    Block(Box<Block>),
    /// `{a. b. c}`
    Brace(Vec<Expr>, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Literal(_, s) => *s,
            Expr::Var(i) => i.span,
            Expr::Assign { span, .. } => *span,
            Expr::Send(s) => s.span,
            Expr::Cascade { span, .. } => *span,
            Expr::Block(b) => b.span,
            Expr::Brace(_, s) => *s,
        }
    }
}

/// A message: selector plus arguments, with the span of the selector
/// keywords (used to highlight the send in the debugger).
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub selector: String,
    pub args: Vec<Expr>,
    pub sel_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Send {
    pub receiver: Expr,
    pub message: Message,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Expr(Expr),
    Return(Expr, Span),
}

impl Stmt {
    pub fn span(&self) -> Span {
        match self {
            Stmt::Expr(e) => e.span(),
            Stmt::Return(_, s) => *s,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub params: Vec<Ident>,
    pub temps: Vec<Ident>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// A method pragma such as `<primitive: 60>` or `<primitive: 'name'>`.
#[derive(Clone, Debug, PartialEq)]
pub enum Pragma {
    Primitive(u32, Span),
    NamedPrimitive(String, Span),
    /// Any other pragma is kept (and ignored by the compiler).
    Other(String, Vec<Literal>, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Method {
    pub selector: String,
    pub params: Vec<Ident>,
    pub temps: Vec<Ident>,
    pub pragmas: Vec<Pragma>,
    pub body: Vec<Stmt>,
    /// Span of the message pattern (selector and parameters).
    pub pattern_span: Span,
    pub span: Span,
}
