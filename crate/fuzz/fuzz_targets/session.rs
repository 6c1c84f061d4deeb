//! Random page sessions with fuzzer-chosen seeds: what the page can ask
//! of a `Session` must never panic (see `crate/tests/common/session_ops.rs`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/rng.rs"]
mod rng;
use rng::Rng;

#[path = "../../tests/common/session_ops.rs"]
mod session_ops;

fuzz_target!(|data: &[u8]| {
    let mut seed = [0u8; 8];
    for (i, b) in data.iter().take(8).enumerate() {
        seed[i] = *b;
    }
    let mut r = Rng(u64::from_le_bytes(seed) | 1);
    let mut s = livetalk::host::session::Session::new().expect("kernel loads");
    if let Err(e) = session_ops::random_session(&mut r, &mut s, 60) {
        panic!("{}", e);
    }
});
