//! Ctrl-C: the first stops what runs (the repl's evaluation, `watch`'s
//! expression) at the end of its slice; a second one before that ends the
//! program, so a do-it that never returns cannot trap the user.

use std::sync::atomic::{AtomicBool, Ordering};

static PENDING: AtomicBool = AtomicBool::new(false);

/// Catches Ctrl-C from now on (a terminal's SIGINT).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if PENDING.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// Whether Ctrl-C was pressed since the last call.
pub fn take() -> bool {
    PENDING.swap(false, Ordering::SeqCst)
}
