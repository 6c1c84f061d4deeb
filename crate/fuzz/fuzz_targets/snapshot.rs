//! Damaged kernel snapshots: the kernel's own snapshot with bytes
//! changed, inserted or removed, or cut short, or arbitrary bytes as a
//! payload, sealed with this build's header (so that the reader's own
//! checks meet the damage, not the checksum). Reading must answer an
//! error, or a VM that runs; never a panic, nor an allocation beyond
//! what the bytes describe.
//!
//! The input: a first byte whose low bit chooses arbitrary bytes (0: the
//! rest is the payload) or edits of the kernel's payload (1: the rest is
//! records of an operation byte, a 4-byte offset and a value byte).
#![no_main]
use libfuzzer_sys::fuzz_target;
use livetalk::snapshot;

/// The kernel's payload with the edits `records` describe.
fn damaged(records: &[u8]) -> Vec<u8> {
    let mut p = snapshot::KERNEL[32..].to_vec();
    for r in records.chunks_exact(6) {
        if p.is_empty() {
            break;
        }
        let at = u32::from_le_bytes([r[1], r[2], r[3], r[4]]) as usize % p.len();
        match r[0] % 5 {
            0 => p[at] ^= r[5] | 1,
            1 => p[at] = r[5],
            2 => p.insert(at, r[5]),
            3 => {
                p.remove(at);
            }
            _ => p.truncate(at),
        }
    }
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let payload = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        damaged(rest)
    };
    match snapshot::decode(&snapshot::seal(&payload)) {
        Ok(mut vm) => {
            // what it reads as must run (or fail) as a VM does
            vm.heap.limit = vm.heap.limit.min(32 << 20);
            if let Ok(pid) = vm.start("(3 + 4) printString size", 40) {
                let _ = vm.run(100_000);
                let _ = vm.inspect_stack(pid);
            }
        }
        Err(e) => assert!(e.starts_with("damaged: "), "{e}"),
    }
});
