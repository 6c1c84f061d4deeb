//! Edges of the in-place primitives (`Vm::prim_in_place`) and of the
//! frames a context read materializes (`Vm::inlined_from`,
//! `inlined_elsewhere`): a `basicNew`/`basicNew:` method with an
//! argument count the primitive does not take (it aborted the VM: a slice
//! past its array), objects at the edge of a unit of fuel, and processes
//! switched out inside inlined callees whose contexts another reads.

mod common;

use common::{filed_in, lockstep_with_off};
use livetalk::interp::TierMode;

const TWO_ARGS: &str = r#"Object subclass: #Two
	instanceVariableNames: 'a'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!Two class methodsFor: 'test'!
sized: n with: m
	<primitive: 71>
	^ #failed71
!
plain: n with: m
	<primitive: 70>
	^ #failed70
! !
"#;

/// A class-side method with two arguments and primitive 71 (or 70): the
/// primitive runs as the call does (70 and 71 take any count: 71 on a
/// non-indexable class fails, 70 makes an instance). The in-place path
/// sliced a one-element array to 2 and panicked, taking the VM (or the
/// browser tab) down.
#[test]
fn basic_new_primitives_with_two_arguments_fall_back() {
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = filed_in(tier, TWO_ARGS);
        assert_eq!(
            vm.eval_print("Two sized: 3 with: 4").expect("run"),
            "#failed71",
            "{tier:?}"
        );
        assert_eq!(
            vm.eval_print("(Two plain: 3 with: 4) class name")
                .expect("run"),
            "#Two",
            "{tier:?}"
        );
    }
}

const SPIN: &str = r#"Object subclass: #Spinner
	instanceVariableNames: 'ctx'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!Spinner methodsFor: 'test'!
x
	^ 1
!
step: s
	Processor yield.
	^ s + self x
!
run: k
	| s |
	ctx := thisContext.
	s := 0.
	1 to: k do: [:i | s := self step: s].
	^ s
!
ctx
	^ ctx
! !
"#;

fn spin_expr(procs: usize) -> String {
    format!(
        "| ss seen | ss := (1 to: {procs}) collect: [:i | Spinner new].
        ss do: [:s | [s run: 300] forkAt: Processor activePriority].
        seen := Set new.
        1 to: 200 do: [:j | Processor yield.
            ss do: [:s | s ctx ifNotNil: [:c |
                seen add: c pc printString, ' ',
                    (c sender ifNil: [0] ifNotNil: [:x | x pc]) printString]]].
        seen asArray asSortedCollection asArray"
    )
}

/// Processes switched out inside an inlined callee (`step:` inlined into
/// `run:`, which yields): another process reads their contexts (pc,
/// sender). Tracked one by one (3 processes) and past the 16 tracked
/// (20 processes): the tiers answer what the interpreter does.
#[test]
fn contexts_of_processes_switched_out_inside_inlined_callees() {
    for procs in [3, 20] {
        let off = filed_in(TierMode::Off, SPIN)
            .eval_print(&spin_expr(procs))
            .expect("run");
        for tier in [TierMode::On, TierMode::Eager] {
            let got = filed_in(tier, SPIN)
                .eval_print(&spin_expr(procs))
                .expect("run");
            assert_eq!(got, off, "{tier:?} with {procs} processes");
        }
    }
}

/// The same, slice by slice at small fuel.
#[test]
fn contexts_of_switched_out_processes_in_lockstep() {
    let mut slices = 0;
    for tier in [TierMode::On, TierMode::Eager] {
        lockstep_with_off(
            |t| filed_in(t, SPIN),
            tier,
            &spin_expr(18),
            |i| [1, 2, 5, 13, 97][i % 5],
            2_000_000,
            |i, _, _, _| slices = slices.max(i),
        );
    }
    // (the run is long enough to switch processes inside the callee)
    assert!(slices > 1000, "{slices} slices");
}

/// Objects at the edge of a unit of fuel (in place below it, the call at
/// and past it): same objects, and the tiers keep the interpreter's fuel.
#[test]
fn objects_at_the_fuel_edge() {
    let classes = r#"Object variableSubclass: #Row
	instanceVariableNames: 'head'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
"#;
    let expr = "| n | n := 0.
        #(0 1 120 121 122 123 124 990 991 992 993 1023 1024 1025) do: [:k |
            n := n + (String new: k) size + (ByteArray new: k) size
                + (Array new: k) size + (Row new: k) size
                + (Row new: k) size].
        n";
    for tier in [TierMode::On, TierMode::Eager] {
        lockstep_with_off(
            |t| filed_in(t, classes),
            tier,
            expr,
            |i| [1, 2, 3, 50][i % 4],
            2_000_000,
            |_, _, _, _| {},
        );
    }
}
