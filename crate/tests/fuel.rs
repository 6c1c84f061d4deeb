//! Exact fuel: `run(n)` runs exactly `n` instructions, wherever they end.
//!
//! The fast loop charges fuel per straight-line run rather than per
//! instruction (`interp/fast.rs`, `fuel_end`), and hands over to the
//! general loop when too little is left for that to be exact. These tests
//! pin the result: one `run(n)` call must leave the process exactly where
//! `n` calls of `run(1)` leave it (same frames, same pcs, same operand
//! stack), and must count `n` instructions, for many `n`, in every tier
//! mode — loops, sends, returns, blocks, Array access and the tier's fused
//! instructions included.

use livetalk::interp::TierMode;
use livetalk::{Outcome, Vm};

const SRC: &str = "Object subclass: #Fuel
	instanceVariableNames: 'acc'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Fuel methodsFor: 'test'!
loop: n
	| a s k other |
	a := Array new: 10.
	s := 0.
	acc := 1.
	other := Fuel new setAcc: 2.
	1 to: n do: [:i |
		a at: i \\\\ 10 + 1 put: i.
		s := s + (a at: i \\\\ 10 + 1) + (self twice: i).
		s := s + self acc + other acc + self one.
		k := 0.
		[k < 3] whileTrue: [k := k + 1].
		(a at: 1) isNil ifFalse: [s := s + 1]].
	acc := (1 to: 5) inject: 0 into: [:x :y | x + y].
	^ s + acc + self acc
!
twice: x
	^ x + x
!
acc
	^ acc
!
one
	^ 1
!
setAcc: n
	acc := n
! !
";

/// Where the process is: each frame's method and pc, and its operand
/// stack's depth and values (fresh VMs allocate alike, so object
/// references compare too).
type Place = (Vec<(String, u32)>, usize, Vec<String>);

fn place(vm: &Vm, pid: usize) -> Place {
    let p = &vm.procs[pid];
    let frames = p
        .frames
        .iter()
        .map(|f| (f.code.print_name(), f.pc))
        .collect();
    let values = p.stack.iter().map(|v| format!("{v:?}")).collect();
    (frames, p.stack.len(), values)
}

fn fresh(tier: TierMode) -> (Vm, usize) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("fuel.st", SRC).expect("files in");
    let pid = vm.start("Fuel new loop: 60", 4).expect("starts");
    (vm, pid)
}

#[test]
fn one_run_of_n_instructions_is_n_runs_of_one() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        // the reference: one instruction per call, recording each place
        let (mut vm, pid) = fresh(tier);
        let mut places = vec![place(&vm, pid)];
        let total = loop {
            let before = vm.insn_count;
            match vm.run(1) {
                Outcome::Yielded => {
                    assert_eq!(
                        vm.insn_count - before,
                        1,
                        "{tier:?}: run(1) ran one instruction"
                    );
                    places.push(place(&vm, pid));
                }
                Outcome::Finished { pid: p, .. } if p == pid => break places.len(),
                other => panic!("{tier:?}: unexpected {other:?}"),
            }
        };
        assert!(
            total > 3000,
            "{tier:?}: the program runs long enough ({total})"
        );
        // one call of n instructions lands on the same place
        for n in [1usize, 2, 3, 5, 17, 64, 99, 250, 777, 1500, total - 2] {
            let (mut vm, pid) = fresh(tier);
            let before = vm.insn_count;
            assert_eq!(vm.run(n as u64), Outcome::Yielded, "{tier:?}: run({n})");
            assert_eq!(
                vm.insn_count - before,
                n as u64,
                "{tier:?}: run({n}) counted"
            );
            assert_eq!(
                place(&vm, pid),
                places[n],
                "{tier:?}: run({n}) stopped elsewhere"
            );
            // and the rest of the program still gives the same answer
            let rest = vm.run(u64::MAX);
            assert!(
                matches!(rest, Outcome::Finished { pid: p, .. } if p == pid),
                "{tier:?}: after run({n}): {rest:?}"
            );
        }
    }
}
