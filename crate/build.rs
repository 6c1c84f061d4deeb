//! The kernel snapshot's key (`src/snapshot/mod.rs`): a hash of what a
//! snapshot's content follows from, passed to the crate as
//! `LIVETALK_SNAPSHOT_KEY`. A snapshot made under another key is refused
//! at start, so that a change to the kernel sources or to the code that
//! reads, compiles or snapshots them never runs stale kernel code.

use std::fs;
use std::path::{Path, PathBuf};

/// What the key covers, from the crate's directory: the kernel sources
/// (`.st` only: not the snapshot itself) and the code that turns them
/// into a snapshot.
const COVERED: &[&str] = &[
    "kernel",
    "src/kernel.rs",
    "src/syntax",
    "src/compiler",
    "src/bytecode",
    "src/fileformat",
    "src/snapshot",
];

fn main() {
    let mut files = Vec::new();
    for c in COVERED {
        println!("cargo:rerun-if-changed={c}");
        collect(Path::new(c), &mut files);
    }
    files.sort();
    // FNV-1a over each file's path and text: all of a kernel source's
    // (its offsets are in the snapshot), the code's without white space
    // (formatting changes nothing) and without its tests (its
    // `#[cfg(test)]` module, last)
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8], all: bool| {
        for &b in bytes {
            if all || !b.is_ascii_whitespace() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    };
    for f in &files {
        eat(f.to_string_lossy().replace('\\', "/").as_bytes(), true);
        eat(b"\x00", true);
        let text = fs::read_to_string(f).unwrap_or_default();
        if f.extension().is_some_and(|e| e == "st") {
            eat(text.as_bytes(), true);
        } else {
            eat(
                text.split("\n#[cfg(test)]")
                    .next()
                    .unwrap_or_default()
                    .as_bytes(),
                false,
            );
        }
        eat(b"\x00", true);
    }
    println!("cargo:rustc-env=LIVETALK_SNAPSHOT_KEY={h:016x}");
}

/// The `.rs` and `.st` files at `p`, a file or a folder (walked).
fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    let mut work = vec![p.to_path_buf()];
    while let Some(p) = work.pop() {
        if p.is_dir() {
            if let Ok(entries) = fs::read_dir(&p) {
                work.extend(entries.flatten().map(|e| e.path()));
            }
        } else if p.extension().is_some_and(|e| e == "rs" || e == "st") {
            out.push(p);
        }
    }
}
