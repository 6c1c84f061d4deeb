//! Helpers shared by the integration tests: a deterministic random
//! source, a way to run the `livetalk` binary, and two VMs run slice by
//! slice with their stacks compared.
#![allow(dead_code)] // each test crate uses a different subset

use livetalk::Vm;
use std::process::Command;

mod rng;
pub use rng::Rng;

pub mod damage;
pub mod diff;
pub mod kernel_loops;
pub mod session_ops;

/// A VM with the tier in mode `tier` and `src` filed in (its tier
/// events so far dropped).
pub fn filed_in(tier: livetalk::interp::TierMode, src: &str) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("test.st", src).expect("file in");
    vm.take_tier_events();
    vm
}

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

/// Each frame of a process as the host sees it: name, version, pc,
/// receiver and temps.
pub fn frames(vm: &mut Vm, pid: usize) -> Vec<String> {
    vm.inspect_stack(pid)
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    format!(
                        "{} v{} pc {} self {} {:?}",
                        f.name, f.version, f.pc, f.receiver, f.temps
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Starts `expr` in `mk(TierMode::Off)` and in `mk(tier)` and runs the
/// two in lockstep (`in_lockstep`, labelled with the tier).
pub fn lockstep_with_off(
    mk: impl Fn(livetalk::interp::TierMode) -> Vm,
    tier: livetalk::interp::TierMode,
    expr: &str,
    fuel: impl Fn(usize) -> u64,
    max_slices: usize,
    each: impl FnMut(usize, &[String], &mut Vm, &mut Vm),
) {
    let (mut a, mut b) = (mk(livetalk::interp::TierMode::Off), mk(tier));
    let pa = a.start(expr, 40).expect("start");
    let pb = b.start(expr, 40).expect("start");
    let label = format!("{tier:?}: {expr}");
    in_lockstep(&label, (&mut a, pa), (&mut b, pb), fuel, max_slices, each);
}

/// Runs process `pa` of `a` and `pb` of `b` in slices of `fuel(i)`
/// instructions until the process has no frames (at most `max_slices`
/// slices): every slice must end alike, outcome and frames (`frames`).
/// After each, `each` gets the slice's index, the frames, and both VMs
/// (to act on them between slices). `label` names the run in failures.
pub fn in_lockstep(
    label: &str,
    (a, pa): (&mut Vm, usize),
    (b, pb): (&mut Vm, usize),
    fuel: impl Fn(usize) -> u64,
    max_slices: usize,
    mut each: impl FnMut(usize, &[String], &mut Vm, &mut Vm),
) {
    for i in 0.. {
        let f = fuel(i);
        let (oa, ob) = (a.run(f), b.run(f));
        assert_eq!(format!("{oa:?}"), format!("{ob:?}"), "{label} slice {i}");
        let (fa, fb) = (frames(a, pa), frames(b, pb));
        assert_eq!(fa, fb, "{label} slice {i} fuel {f}");
        if fa.is_empty() {
            break;
        }
        each(i, &fa, a, b);
        assert!(i < max_slices, "{label} does not finish");
    }
}
