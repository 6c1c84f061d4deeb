//! Syntax: Smalltalk source text to an [`ast`].
//!
//! The module face is [`parse_method`], [`parse_doit`] and [`SyntaxError`].
//! Nothing here knows about the VM; nothing here may panic on any input.

pub mod ast;
pub mod lexer;
pub mod parser;

pub use lexer::line_col;
pub use parser::{parse_doit, parse_expression_literal, parse_method, SyntaxError};
