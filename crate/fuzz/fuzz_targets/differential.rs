//! The tier's differential checker with fuzzer-chosen seeds: tier off,
//! on and eager must agree on the random program and accept schedule
//! each input seeds (see `crate/tests/common/diff.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/rng.rs"]
mod rng;
use rng::Rng;

#[path = "../../tests/common/diff.rs"]
mod diff;

fuzz_target!(|data: &[u8]| {
    let mut seed = [0u8; 8];
    for (i, b) in data.iter().take(8).enumerate() {
        seed[i] = *b;
    }
    // xorshift needs a non-zero state
    let mut r = Rng(u64::from_le_bytes(seed) | 1);
    if let Err(e) = diff::check_round(&mut r) {
        panic!("{}", e);
    }
});
