//! Source file formats: reading Squeak chunk files ("fileIn"), SOM class
//! files, and writing chunk files ("fileOut").
//!
//! This module is pure text processing. It turns a file's text into an
//! ordered list of [`FileInItem`]s (do-its to evaluate, methods to compile,
//! class definitions to create) that the VM then carries out, and it turns
//! a description of classes ([`ClassOut`]) back into chunk text. It knows
//! nothing about the VM: it never compiles, evaluates or looks anything up,
//! and in particular it does not interpret Squeak class definitions (those
//! are do-its, sent as messages by the VM).
//!
//! Every reader keeps byte offsets into the original file so that errors
//! found later (by the compiler, at byte `k` of an item's `source`) can be
//! reported at [`line_col`](crate::syntax::line_col)`(file, offset + k)`.
//!
//! What this module must never do: panic on any input (the readers are
//! fuzzed: no slicing at non-char boundaries, no `unwrap` on data taken from
//! the file, no unbounded recursion), or depend on VM state.
//!
//! * [`chunk`]: Squeak's `!`-separated chunk format (`.st`, `.cs`).
//! * [`som`]: the class syntax of the SOM family of VMs (`.som`).
//! * [`fileout`]: writing chunk format.

pub mod chunk;
pub mod fileout;
pub mod som;

use std::fmt;

pub use chunk::read_chunks;
pub use fileout::{file_out, ClassOut, MethodOut};
pub use som::read_som;

/// One thing a fileIn asks the VM to do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum FileInItem {
    /// A do-it chunk (statements, e.g. a `subclass:instanceVariableNames:...` class definition,
    /// `Foo class instanceVariableNames: 'x'`, or any expression). Evaluate in order.
    DoIt {
        /// The statements to evaluate (chunk escapes already removed).
        source: String,
        /// Byte offset in the file where `source` begins.
        offset: usize,
    },
    /// A method source to compile into class `class` (its metaclass if `meta`).
    Method {
        /// Name of the (instance-side) class the method belongs to.
        class: String,
        /// True to compile into the metaclass (`Foo class methodsFor:`).
        meta: bool,
        /// The method category (protocol).
        category: String,
        /// The full method source, pattern first.
        source: String,
        /// Byte offset in the file where `source` begins.
        offset: usize,
    },
    /// A class definition from a SOM file (chunk files use DoIt with a subclass: message instead).
    ClassDef {
        /// The class name.
        name: String,
        /// The superclass name; `"nil"` for a root class.
        superclass: String,
        /// Instance variable names, in order.
        inst_vars: Vec<String>,
        /// Class-side instance variable names, in order.
        class_inst_vars: Vec<String>,
        /// The class category (`"SOM"` for SOM files).
        category: String,
        /// Byte offset of the class name in the file.
        offset: usize,
    },
}

/// A format error: a message and the byte offset in the file it refers to.
///
/// `offset` is the byte offset in the file where `source` begins, so that
/// an error at byte `k` of `source` is reported at `line_col(file, offset + k)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FileFormatError {
    /// What is wrong, in words.
    pub message: String,
    /// Byte offset in the file where the problem is.
    pub offset: usize,
}

impl FileFormatError {
    /// An error with `message` at byte `offset` of the file.
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        FileFormatError {
            message: message.into(),
            offset,
        }
    }
}

impl fmt::Display for FileFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for FileFormatError {}

/// Reads a file for fileIn, picking the format by name and content.
///
/// * A name ending in `.som` (any case) is read with [`read_som`].
/// * A name ending in `.st`, `.cs`, `.changes` or `.sources` is read with
///   [`read_chunks`].
/// * Otherwise the content decides: text without any `!` that starts like a
///   SOM class (`Name = (` or `Name = Super (`) and reads as SOM is SOM;
///   everything else is chunk format. (A chunk file without any `!` is one
///   do-it: a plain workspace script.)
pub fn read_file_in(path_or_name: &str, src: &str) -> Result<Vec<FileInItem>, FileFormatError> {
    Ok(read_file_in_as(path_or_name, src)?.0)
}

/// [`read_file_in`], and whether the file was read as SOM.
pub fn read_file_in_as(
    path_or_name: &str,
    src: &str,
) -> Result<(Vec<FileInItem>, bool), FileFormatError> {
    let lower = path_or_name.to_ascii_lowercase();
    if lower.ends_with(".som") {
        return Ok((read_som(src)?, true));
    }
    let chunk_exts = [".st", ".cs", ".changes", ".sources"];
    if chunk_exts.iter().any(|e| lower.ends_with(e)) {
        return Ok((read_chunks(src)?, false));
    }
    if !src.contains('!') && som::looks_like_som(src) {
        if let Ok(items) = read_som(src) {
            return Ok((items, true));
        }
    }
    Ok((read_chunks(src)?, false))
}

/// What SOM's kernel has and Squeak's lacks, installed (where absent)
/// when a SOM file is filed in, as the Are-We-Fast-Yet suite's own Squeak
/// harness does: `&` is `bitAnd:` and `%` is `\\` on SmallInteger, and
/// Booleans answer `||` and `&&` (SOM's `or:` and `and:`, whose argument
/// is a Boolean or a block).
pub const SOM_COMPAT: &[(&str, &str, &str)] = &[
    (
        "SmallInteger",
        "&",
        "& anInteger\n\t\"SOM: bitAnd:\"\n\t^ self bitAnd: anInteger",
    ),
    (
        "SmallInteger",
        "%",
        "% aNumber\n\t\"SOM: \\\\\"\n\t^ self \\\\ aNumber",
    ),
    ("True", "||", "|| aBoolean\n\t\"SOM: or:\"\n\t^ true"),
    (
        "False",
        "||",
        "|| aBoolean\n\t\"SOM: or:\"\n\t^ aBoolean value",
    ),
    (
        "True",
        "&&",
        "&& aBoolean\n\t\"SOM: and:\"\n\t^ aBoolean value",
    ),
    ("False", "&&", "&& aBoolean\n\t\"SOM: and:\"\n\t^ false"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_extension() {
        let som = "Foo = ( bar = ( ^1 ) )";
        let items = read_file_in("x/Foo.SOM", som).unwrap();
        assert!(matches!(items[0], FileInItem::ClassDef { .. }));
        let items = read_file_in("x/Foo.st", som).unwrap();
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], FileInItem::DoIt { .. }));
    }

    #[test]
    fn picks_by_content() {
        let som = "\"a class\" Foo = Object ( bar = ( ^1 ) )";
        let items = read_file_in("<stdin>", som).unwrap();
        assert!(matches!(items[0], FileInItem::ClassDef { .. }));
        // Looks like SOM at first but is not: falls back to a do-it.
        let items = read_file_in("script", "x = (3 + 4)").unwrap();
        assert_eq!(
            items,
            vec![FileInItem::DoIt {
                source: "x = (3 + 4)".into(),
                offset: 0
            }]
        );
        let items = read_file_in("script", "Foo bar!\nFoo baz!").unwrap();
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn error_display() {
        let e = FileFormatError::new("bad", 7);
        assert_eq!(e.to_string(), "bad (at byte 7)");
    }
}
