//! Replays every `tests/live/*.live` script (LIVE.md's rules as host-level
//! sessions) under each tier mode and with fuel 1.

use livetalk::interp::TierMode;
use livetalk::Vm;
use std::path::Path;

#[test]
fn live_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/live")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "live"))
        .collect();
    scripts.sort();
    assert!(!scripts.is_empty());
    let mut failures = vec![];
    for s in &scripts {
        let src = std::fs::read_to_string(s).expect("read script");
        for (tier, slice) in [
            (TierMode::Off, 1_000_000),
            (TierMode::On, 1_000_000),
            (TierMode::Eager, 1_000_000),
            (TierMode::On, 1),
        ] {
            let mut vm = Vm::new().expect("kernel");
            vm.tier = tier;
            vm.slice = slice;
            if let Err(e) = livetalk::host::live_script::replay(&mut vm, &s.to_string_lossy(), &src)
            {
                failures.push(format!("[{:?} slice {}] {}", tier, slice, e));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
