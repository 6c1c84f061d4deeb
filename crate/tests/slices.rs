//! A slice boundary changes nothing in the frames (LIVE.md, "Time
//! slices"): the end of a `run`, a clock reading or a deadline leaves
//! optimized frames, and the callees inlined in them, as they are; the
//! next slice goes on in the optimized code. The host reads them without
//! materializing; only what acts on frames materializes them, and only
//! for the process concerned.
//!
//! (An exact fuel count that runs out in the straight-line code of an
//! inlined body is the one stop that still materializes: the last few
//! instructions before a jump run in the general loop, in the callee's
//! own frame. The playground's deadline slices never stop that way.)

mod common;
use common::filed_in;
use livetalk::interp::TierMode;
use livetalk::{Outcome, Vm};

const DEMO: &str = "Object subclass: #Demo
    instanceVariableNames: 'sum'
    classVariableNames: ''
    package: 'Demo'!

!Demo methodsFor: 'demo'!
methA: n
    sum := 0.
    1 to: n do: [:i | sum := sum + self methB].
    ^ sum
!
methB
    | s |
    s := 0.
    1 to: 2 do: [:k | s := s + self methC].
    ^ s - 3
!
methC
    ^ 2
! !
";

fn demo(tier: TierMode) -> Vm {
    filed_in(tier, DEMO)
}

/// Runs `pid` to its end with `step`, counting the slices in which the
/// host saw the callee `Demo>>methB` (inlined into `methA:`, its loop
/// and all) as a frame of its own.
fn run_out(vm: &mut Vm, pid: usize, mut step: impl FnMut(&mut Vm) -> Outcome) -> (String, usize) {
    let mut seen_inlined = 0;
    for _ in 0..100_000 {
        match step(vm) {
            Outcome::Finished { pid: p, value } if p == pid => {
                return (vm.quick_print(value), seen_inlined);
            }
            Outcome::Error { .. } | Outcome::Idle => panic!("the demo stopped"),
            _ => {}
        }
        let names = vm.stack_names(pid);
        if names.first().map(String::as_str) == Some("Demo>>methB") && vm.frames.len() < names.len()
        {
            seen_inlined += 1;
        }
    }
    panic!("the demo did not finish");
}

/// A clock that moves 1 ms at each reading: a slice of `ms` is then
/// `ms` clock readings, whatever the machine's speed.
fn ticking_clock(vm: &mut Vm) {
    let t = std::cell::Cell::new(0.0);
    vm.clock = Box::new(move || {
        t.set(t.get() + 1.0);
        t.get()
    });
}

#[test]
fn deadline_slices_keep_optimized_frames() {
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = demo(tier);
        vm.eval("Demo new methA: 2000").unwrap();
        ticking_clock(&mut vm);
        let pid = vm.start("Demo new methA: 200000", 40).unwrap();
        let before = vm.frames_materialized;
        // as the page runs it: all the fuel it wants, until the deadline
        let (value, seen) = run_out(&mut vm, pid, |vm| {
            let deadline = (vm.clock)() + 8.0;
            vm.run_until(u64::MAX, deadline)
        });
        assert_eq!(value, "200000");
        assert!(seen > 0, "{tier:?}: never stopped inside methB");
        assert_eq!(
            vm.frames_materialized, before,
            "{tier:?}: a clock reading materialized frames"
        );
    }
}

#[test]
fn deadline_slices_use_exactly_their_fuel() {
    // stopping short at a clock reading carries the fuel over: a call
    // still runs exactly the fuel it was given
    let mut vm = demo(TierMode::On);
    vm.eval("Demo new methA: 2000").unwrap();
    vm.start("Demo new methA: 200000", 40).unwrap();
    for fuel in [50_000, 4_097, 12_345, 100_001] {
        let start = vm.insn_count;
        assert_eq!(vm.run_until(fuel, f64::INFINITY), Outcome::Yielded);
        assert_eq!(vm.insn_count - start, fuel);
    }
}

#[test]
fn debugger_actions_materialize_only_their_process() {
    let mut vm = demo(TierMode::Eager);
    vm.eval("Demo new methA: 200").unwrap();
    ticking_clock(&mut vm);
    let p = vm.start("Demo new methA: 100000", 40).unwrap();
    let q = vm.start("Demo new methA: 100000", 40).unwrap();
    // each stopped inside the inlined methB, one after the other (one
    // priority: p runs until paused)
    for pid in [p, q] {
        let mut tries = 0;
        loop {
            let names = vm.stack_names(pid);
            assert!(!names.is_empty(), "finished without stopping inside methB");
            // (vm.frames: the running process's own, unmaterialized)
            if names[0] == "Demo>>methB" && vm.frames.len() < names.len() {
                break;
            }
            let deadline = (vm.clock)() + 1.0 + (tries % 3) as f64;
            vm.run_until(u64::MAX, deadline);
            tries += 1;
            assert!(tries < 10_000, "never stopped inside methB");
        }
        vm.pause(pid).unwrap();
    }
    let view_p = common::frames(&mut vm, p);
    let view_q = common::frames(&mut vm, q);
    let before = vm.frames_materialized;
    vm.restart_frame(p, 2).unwrap(); // methA: again, from its start
    assert!(vm.frames_materialized > before, "restart materializes p");
    let after_p = vm.frames_materialized;
    // q was not touched: the same view, still not materialized
    assert_eq!(common::frames(&mut vm, q), view_q);
    vm.materialize_process(q);
    assert!(vm.frames_materialized > after_p, "q was still optimized");
    assert_eq!(common::frames(&mut vm, q), view_q);
    assert_ne!(common::frames(&mut vm, p), view_p);
}

/// The clock is read less often as code runs fast (up to every
/// `CLOCK_CHECK_MAX` instructions), loop kernels too: a chunk that
/// stopped short of its fuel at a kernel (which runs whole iterations
/// only) still tells the rate. (It did not, and the sieve read the clock
/// every 4,096 instructions, a third of its time in the page.)
#[test]
fn loop_kernels_let_the_clock_be_read_less_often() {
    let mut vm = Vm::new().unwrap();
    vm.tier = TierMode::On;
    vm.eval("3 benchmark").unwrap();
    // a fast machine: a microsecond between readings
    let reads = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let r = reads.clone();
    vm.clock = Box::new(move || {
        r.set(r.get() + 1);
        r.get() as f64 * 0.001
    });
    vm.start("50 benchmark", 40).unwrap();
    let start = vm.insn_count;
    assert_eq!(vm.run_until(5_000_000, f64::INFINITY), Outcome::Yielded);
    let ran = vm.insn_count - start;
    assert!(
        reads.get() < ran / 16_384,
        "{} clock readings in {ran} instructions",
        reads.get()
    );
}
