//! Helpers shared by the integration tests: a deterministic random
//! source and a way to run the `livetalk` binary.
#![allow(dead_code)] // each test crate uses a different subset

use std::process::Command;

mod rng;
pub use rng::Rng;

pub mod diff;

/// Runs the `livetalk` binary: (exit code, stdout, stderr).
pub fn livetalk(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .args(args)
        .output()
        .expect("run livetalk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
