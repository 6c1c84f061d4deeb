//! Replays a deterministic slice of session fuzzing: random sequences of
//! what the page can ask (accept, fileIn, import, share links, run,
//! step, restart...) with random and mutated arguments. No panic (it
//! would kill the page) and no failed accept that changes a method.
//! Longer runs: the `session` cargo-fuzz target in `crate/fuzz/`.

mod common;
use common::session_ops::random_session;
use common::Rng;
use livetalk::host::session::Session;

#[test]
fn random_sessions_never_panic_and_failed_accepts_change_nothing() {
    let sessions: u64 = std::env::var("SESSION_FUZZ_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    for seed in 1..=sessions {
        let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut s = Session::new().expect("kernel loads");
        if let Err(e) = random_session(&mut r, &mut s, 80) {
            panic!("seed {}: {}", seed, e);
        }
    }
}
