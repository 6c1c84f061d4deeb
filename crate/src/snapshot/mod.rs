//! Kernel snapshots: the VM as the kernel sources leave it (classes,
//! compiled methods with their sources, symbols, globals, every object),
//! as bytes that load in a fraction of the time compiling the sources
//! takes. `Vm::new` starts from [`KERNEL`], the snapshot built into the
//! binary, and compiles the sources only if it is refused.
//!
//! [`KERNEL`] is `crate/kernel/kernel.snap`, made by `bash
//! scripts/snapshot.sh` from `Vm::from_sources` and checked by
//! `tests/snapshot.rs`, which fails while it is not what the sources and
//! the compiler make now. A snapshot is refused unless its header holds
//! [`KEY`]: a hash of the kernel sources and of the code that parses,
//! compiles and snapshots them, taken by `build.rs`. So a snapshot left
//! stale by a change there is refused (the VM compiles the sources, and
//! says so in `Vm::snapshot_refused`) rather than run old code, and a
//! damaged one is refused by its checksum.
//!
//! Layout: a 32-byte header (magic, [`FORMAT`], key, checksum of the
//! rest), then the payload: `write.rs` writes it, `read.rs` reads and
//! checks it, `ops.rs` holds the instructions' encoding and `bytes.rs`
//! the numbers'. What a snapshot keeps: a VM at rest, with no process,
//! frame or block closure (`write.rs` refuses anything else); the tier
//! starts cold.

mod bytes;
mod ops;
mod read;
mod sources;
mod write;

use crate::Vm;
use bytes::{checksum, Reader, Writer};

/// The layout's version: a snapshot of another is refused.
pub const FORMAT: u64 = 1;

const MAGIC: &[u8; 8] = b"LTKSNAP\n";
/// The header's bytes: magic, format, key, checksum.
const HEADER: usize = 32;

/// The build's snapshot key (see the module doc).
pub const KEY: u64 = parse_hex(env!("LIVETALK_SNAPSHOT_KEY"));

/// The kernel snapshot built into this binary.
pub static KERNEL: &[u8] = include_bytes!("../../kernel/kernel.snap");

/// The kinds of heap cells in a payload.
mod tag {
    pub const FREE: u8 = 0;
    pub const SLOTS: u8 = 1;
    pub const BYTES: u8 = 2;
    pub const FLOAT: u8 = 3;
    pub const LARGE: u8 = 4;
    pub const METHOD: u8 = 5;
    pub const CLASS: u8 = 6;
    pub const WORDS: u8 = 7;
}

/// A snapshot of `vm`, which must be at rest (see the module doc).
pub fn encode(vm: &Vm) -> Result<Vec<u8>, String> {
    Ok(seal(&write::payload(vm)?))
}

/// A payload with this build's header (magic, format, key, checksum):
/// what [`decode`] reads it as is up to the payload's own checks (the
/// snapshot fuzzer seals damaged payloads so).
pub fn seal(payload: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.buf.extend_from_slice(MAGIC);
    w.u64_le(FORMAT);
    w.u64_le(KEY);
    w.u64_le(checksum(payload));
    w.buf.extend_from_slice(payload);
    w.buf
}

/// The VM a snapshot holds; an error says why it is refused.
pub fn decode(bytes: &[u8]) -> Result<Vm, String> {
    if bytes.len() < HEADER || bytes[..8] != *MAGIC {
        return Err("not a Livetalk snapshot".into());
    }
    let mut r = Reader::new(&bytes[8..]);
    let (format, key, sum) = (r.u64_le()?, r.u64_le()?, r.u64_le()?);
    if format != FORMAT {
        return Err(format!(
            "made in format {format}; this VM reads format {FORMAT}"
        ));
    }
    if key != KEY {
        return Err(format!(
            "stale: made from other kernel sources or another compiler (key {key:016x}, this build's {KEY:016x}); remake it with scripts/snapshot.sh"
        ));
    }
    let payload = r.rest();
    if checksum(payload) != sum {
        return Err("damaged: its checksum does not match".into());
    }
    read::payload(payload).map_err(|e| format!("damaged: {e}"))
}

/// A hexadecimal `u64` (the key `build.rs` passes).
const fn parse_hex(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut v = 0u64;
    let mut i = 0;
    while i < b.len() {
        let d = match b[i] {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("LIVETALK_SNAPSHOT_KEY is not hexadecimal"),
        };
        v = v << 4 | d as u64;
        i += 1;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in snapshot with its payload changed by `f` and sealed
    /// again (a new checksum), so that the reader's own checks meet it.
    fn resealed(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut payload = KERNEL[HEADER..].to_vec();
        f(&mut payload);
        seal(&payload)
    }

    #[test]
    fn damaged_payloads_are_errors_not_panics() {
        assert!(decode(&resealed(|_| {})).is_ok());
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut refused, runs) = (0, 300);
        for _ in 0..runs {
            let (a, b, c) = (next(), next(), next());
            let bytes = resealed(|p| {
                let at = (a % p.len() as u64) as usize;
                match b % 4 {
                    // a changed byte, or a few, or cut short, or a byte more
                    0 => p[at] ^= (c as u8) | 1,
                    1 => {
                        for k in 0..4 {
                            let i = (at + k * (c as usize % 977 + 1)) % p.len();
                            p[i] = (c >> (8 * k)) as u8;
                        }
                    }
                    2 => p.truncate(at),
                    _ => p.insert(at, c as u8),
                }
            });
            match decode(&bytes) {
                Err(e) => {
                    assert!(e.starts_with("damaged: "), "{e}");
                    refused += 1;
                }
                Ok(mut vm) => {
                    // what it reads as must run (or fail) as a VM does
                    if let Ok(pid) = vm.start("(3 + 4) printString size", 40) {
                        vm.run(100_000);
                        let _ = vm.procs[pid].state.clone();
                    }
                }
            }
        }
        assert!(refused > runs / 2, "{refused} of {runs} refused");
    }
}
