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

#[path = "../../tests/common/damage.rs"]
mod damage;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let payload = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        damage::damaged(&snapshot::KERNEL[32..], rest)
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
