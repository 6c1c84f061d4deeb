//! The compiler: an [`ast::Method`](crate::syntax::ast::Method) to a tree
//! of [`Code`] units (the method and its blocks).
//!
//! The module face is [`compile_method`], the [`Env`] trait through which
//! the VM supplies literals and variable bindings, and [`CompileError`].
//! The compiler allocates literals through `Env` but never runs code and
//! never installs anything: a failed compile has no effect (LIVE.md R2).

mod codegen;
mod control;
mod inline;
mod scope;
mod spans;

use crate::object::{Code, Value};
use crate::syntax::ast::{Literal, Span};
use crate::syntax::{self, SyntaxError};
use std::rc::Rc;

pub use codegen::ClassContext;

/// What the compiler needs from the VM.
pub trait Env {
    /// Allocates (or shares) the object for a literal.
    fn literal(&mut self, lit: &Literal) -> Value;
    /// Interns a selector symbol.
    fn symbol(&mut self, name: &str) -> Value;
    /// The binding (an Association) of a class variable, pool or global
    /// visible from the class being compiled. Unknown capitalised names get
    /// an `Undeclared` binding; `None` means "not a global".
    fn binding(&mut self, class: &ClassContext, name: &str) -> Option<Value>;
    /// Whether `binding` answered `name` from Undeclared (a capitalized
    /// name nothing defines yet: it reads as nil, with a warning).
    fn undeclared(&self, _name: &str) -> bool {
        false
    }
    /// The index of a named primitive, or of a numbered one we implement.
    fn primitive_index(&self, p: &crate::syntax::ast::Pragma) -> Option<u16>;
}

/// A compile error, or several, each with a span.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileError {
    pub errors: Vec<SyntaxError>,
}

impl CompileError {
    pub fn single(msg: impl Into<String>, span: Span) -> Self {
        CompileError {
            errors: vec![SyntaxError::new(msg, span)],
        }
    }
    /// What a host shows of it: the first error's span, kept within a
    /// source of `len` bytes, and its message, which says how many more
    /// there are; `None` if there is none.
    pub fn first(&self, len: usize) -> Option<(usize, usize, String)> {
        let err = self.errors.first()?;
        let start = (err.span.start as usize).min(len);
        let end = (err.span.end.max(err.span.start) as usize).min(len);
        let mut message = err.message.clone();
        if self.errors.len() > 1 {
            message.push_str(&format!(" (and {} more)", self.errors.len() - 1));
        }
        Some((start, end, message))
    }

    /// `LINE:COL: message` lines for `src`.
    pub fn render(&self, src: &str) -> String {
        self.errors
            .iter()
            .map(|e| {
                let (l, c) = e.line_col(src);
                format!("{}:{}: {}", l, c, e.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The result of compiling a method: its code, plus warnings (e.g. an
/// unknown primitive) that do not prevent installation.
pub struct Compiled {
    pub code: Rc<Code>,
    pub selector: String,
    pub warnings: Vec<SyntaxError>,
}

/// Compiles method source for the class described by `ctx`.
pub fn compile_method(
    src: &str,
    ctx: &ClassContext,
    env: &mut dyn Env,
    category: &str,
    version: u32,
) -> Result<Compiled, CompileError> {
    let ast = syntax::parse_method(src).map_err(|errors| CompileError { errors })?;
    compile_parsed(&ast, src, ctx, env, category, version)
}

/// Compiles an already parsed method (so a caller that needed the
/// selector first does not parse twice).
pub fn compile_parsed(
    ast: &crate::syntax::ast::Method,
    src: &str,
    ctx: &ClassContext,
    env: &mut dyn Env,
    category: &str,
    version: u32,
) -> Result<Compiled, CompileError> {
    codegen::generate(ast, src, ctx, env, category, version, false)
}

/// Compiles a do-it (workspace statements). Undeclared lower-case
/// variables are declared automatically, as Squeak's workspace does.
pub fn compile_doit(
    src: &str,
    ctx: &ClassContext,
    env: &mut dyn Env,
) -> Result<Compiled, CompileError> {
    let ast = syntax::parse_doit(src).map_err(|errors| CompileError { errors })?;
    codegen::generate(&ast, src, ctx, env, "doits", 0, true)
}
