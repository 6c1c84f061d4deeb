//! Differential testing of the tier: a fixed-seed slice of the checker
//! in `common/diff.rs` (tier off, on and eager must agree on random
//! programs under random accept schedules). `DIFF_ROUNDS=n` runs more;
//! the fuzz target `fuzz/fuzz_targets/differential.rs` runs it open-ended.

mod common;
use common::{diff, Rng};

#[test]
fn tier_modes_agree_on_random_programs_and_accept_schedules() {
    let rounds: u64 = std::env::var("DIFF_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let mut r = Rng(0xD1FF_5EED_1234_5678);
    for round in 0..rounds {
        if let Err(e) = diff::check_round(&mut r) {
            panic!("round {}: {}", round, e);
        }
    }
}
