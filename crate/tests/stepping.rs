//! Step over / step into (`Vm::step`, the playground's Step buttons): a
//! paused process runs to the next statement of its top frame and
//! nothing else runs meanwhile.

use livetalk::host::{StepMode, StepOutcome};
use livetalk::object::Value;
use livetalk::{Outcome, Vm};

const SRC: &str = "Object subclass: #Stepper
	instanceVariableNames: 'log'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Stepper methodsFor: 'test'!
run: x
	| a b |
	a := x + 1.
	b := self helper.
	Transcript show: 'once'.
	^ a + b
!
helper
	| t |
	t := 40.
	^ t + 1
!
loop
	| n |
	n := 0.
	[true] whileTrue: [
		n := n + 1.
		Transcript show: 'x']
! !
";

fn setup(selector: &str, args: &[Value]) -> (Vm, usize) {
    let mut vm = Vm::new().expect("kernel");
    vm.file_in("stepper.st", SRC).expect("files in");
    let recv = vm.eval("Stepper new").expect("instance");
    let pid = vm.start_send(recv, selector, args, 40).expect("starts");
    vm.pause(pid).expect("pauses");
    (vm, pid)
}

/// (frame name, text of the statement it is at)
fn at(vm: &Vm, pid: usize) -> (String, String) {
    let (name, _, (s, e), src) = vm.step_position(pid).expect("a position");
    (name, src[s as usize..e as usize].to_string())
}

fn step(vm: &mut Vm, pid: usize, mode: StepMode) -> StepOutcome {
    vm.step(pid, mode).expect("steps")
}

#[test]
fn step_over_goes_statement_by_statement_and_runs_sends_whole() {
    let (mut vm, pid) = setup("run:", &[Value::small(1)]);
    assert_eq!(at(&vm, pid), ("Stepper>>run:".into(), "a := x + 1".into()));
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Stopped);
    assert_eq!(at(&vm, pid).1, "b := self helper");
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Stopped);
    // helper ran whole: still in run:, at the next statement
    assert_eq!(
        at(&vm, pid),
        ("Stepper>>run:".into(), "Transcript show: 'once'".into())
    );
    assert_eq!(vm.take_transcript(), "");
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Stopped);
    assert_eq!(vm.take_transcript(), "once");
    assert_eq!(at(&vm, pid).1, "^ a + b");
    // returning from the bottom frame finishes the process; the host
    // hears of it from the next run, as always
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Finished);
    match vm.run(10) {
        Outcome::Finished { pid: p, value } => {
            assert_eq!(p, pid);
            assert_eq!(value.as_int(), Some(43));
        }
        _ => panic!("expected the finished event"),
    }
    assert_eq!(vm.take_transcript(), "", "nothing ran twice");
}

#[test]
fn step_into_stops_in_the_callee() {
    let (mut vm, pid) = setup("run:", &[Value::small(1)]);
    step(&mut vm, pid, StepMode::Into); // a := x + 1 (x + 1 is not a real send)
    assert_eq!(at(&vm, pid).1, "b := self helper");
    assert_eq!(step(&mut vm, pid, StepMode::Into), StepOutcome::Stopped);
    assert_eq!(at(&vm, pid), ("Stepper>>helper".into(), "t := 40".into()));
    step(&mut vm, pid, StepMode::Into);
    assert_eq!(at(&vm, pid).1, "^ t + 1");
    // returning lands in the caller, in the middle of its statement
    assert_eq!(step(&mut vm, pid, StepMode::Into), StepOutcome::Stopped);
    assert_eq!(
        at(&vm, pid),
        ("Stepper>>run:".into(), "b := self helper".into())
    );
    step(&mut vm, pid, StepMode::Over);
    assert_eq!(at(&vm, pid).1, "Transcript show: 'once'");
}

#[test]
fn stepping_a_loop_runs_nothing_else_and_always_ends() {
    let (mut vm, pid) = setup("loop", &[]);
    // another process at the same priority must not run while stepping
    let other = vm
        .start("[true] whileTrue: [Transcript show: 'other']", 40)
        .expect("starts");
    let mut seen = Vec::new();
    for _ in 0..6 {
        assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Stopped);
        seen.push(at(&vm, pid).1);
    }
    assert_eq!(
        seen,
        // the loop's condition, then its body, again and again
        [
            "true",
            "n := n + 1",
            "Transcript show: 'x'",
            "true",
            "n := n + 1",
            "Transcript show: 'x'"
        ]
    );
    assert_eq!(vm.take_transcript(), "x");
    // the paused process stays paused, the other one runs on
    vm.run(20_000);
    let out = vm.take_transcript();
    assert!(out.contains("other") && !out.contains('x'), "{:?}", out);
    // only paused processes can be stepped; bad pids are errors
    assert!(vm.step(other, StepMode::Over).is_err());
    assert!(vm.step(999, StepMode::Over).is_err());
    assert!(vm.step_position(999).is_none());
}

#[test]
fn stepping_over_an_endless_send_stops_at_the_limit() {
    let mut vm = Vm::new().expect("kernel");
    vm.file_in("stepper.st", SRC).expect("files in");
    let pid = vm.start("Stepper new loop", 40).expect("starts");
    vm.pause(pid).unwrap();
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Limit);
    assert!(vm.take_transcript().starts_with("xxx"));
    // still paused, and steppable
    assert!(vm.run(1000) == Outcome::Idle || vm.take_transcript().is_empty());
    assert_eq!(step(&mut vm, pid, StepMode::Into), StepOutcome::Stopped);
}

#[test]
fn a_statement_that_allocates_a_hundred_megabytes_is_stepped_over_whole() {
    // 160 MB: 156,250 instructions of bulk work (one per KiB), past the
    // step's 100,000 instructions (it stopped there, mid-statement)
    let mut vm = Vm::new().expect("kernel");
    let pid = vm
        .start("| a | a := Array new: 20000000. a size", 40)
        .unwrap();
    vm.pause(pid).unwrap();
    assert_eq!(at(&vm, pid).1, "a := Array new: 20000000");
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Stopped);
    assert_eq!(at(&vm, pid).1, "a size");
}

#[test]
fn stepping_over_endless_allocations_stops_within_a_heaps_worth() {
    let mut vm = Vm::new().expect("kernel");
    vm.heap.limit = 64 << 20;
    vm.file_in(
        "allocs.st",
        "!Object methodsFor: 'test'!\nallocs\n\t[true] whileTrue: [Array new: 1000000. Smalltalk at: #N put: (Smalltalk at: #N) + 1]\n! !\n",
    )
    .expect("files in");
    vm.eval("Smalltalk at: #N put: 0").unwrap();
    let pid = vm.start("3 allocs", 40).unwrap();
    vm.pause(pid).unwrap();
    assert_eq!(step(&mut vm, pid, StepMode::Over), StepOutcome::Limit);
    // 8 MB an Array: a heap's worth is 8 of them (100,000 instructions
    // with them counted: 12)
    let n: u64 = vm.eval_print("Smalltalk at: #N").unwrap().parse().unwrap();
    assert!((7..=9).contains(&n), "{n} arrays");
}
