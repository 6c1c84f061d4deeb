//! Primitives answered in place of their call (`Vm::prim_in_place`): a
//! send that finds `basicNew` or `basicNew:` (a small pointer object), or
//! a primitive that answers from its operands alone (`at:`, `at:put:`, a
//! String's `=`, `==`), runs it without a frame or a reload of the
//! running one. Same objects, answers, errors
//! and fuel as the call; the rest (big objects, other receivers, a heap
//! near its limit) still make the call.

mod common;

use common::{filed_in, lockstep_with_off};
use livetalk::interp::TierMode;

const CLASSES: &str = r#"Object subclass: #Pair
	instanceVariableNames: 'a b'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
Object variableSubclass: #Row
	instanceVariableNames: 'head'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!Pair methodsFor: 'test'!
a
	^ a
!
b
	^ b
! !
!Pair class methodsFor: 'test'!
made: n
	| last same |
	same := 0.
	1 to: n do: [:i |
		last := Pair new.
		(Row new: i \\ 5) size = (i \\ 5) ifTrue: [same := same + 1].
		('k', i printString) = ('k', i printString) ifTrue: [same := same + 1]].
	^ same
! !
"#;

fn eval(tier: TierMode, src: &str) -> String {
    let mut vm = filed_in(tier, CLASSES);
    vm.eval_print(src).unwrap_or_else(|e| format!("error: {e}"))
}

/// What comes out is what the primitive makes, across the size where an
/// object's bytes reach a unit of fuel (past it the call is made), in
/// every tier mode.
#[test]
fn small_objects_are_the_primitives() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let sizes = "(((115 to: 135) collect: [:n | | r | r := Array new: n.
			r size = n and: [r allSatisfy: [:x | x isNil]]]) allSatisfy: [:ok | ok])";
        assert_eq!(eval(tier, sizes), "true", "{tier:?}");
        assert_eq!(eval(tier, "Pair new a"), "nil", "{tier:?}");
        assert_eq!(
            eval(
                tier,
                "| r | r := Row new: 3. r size printString, (r instVarAt: 1) printString"
            ),
            "'3nil'",
            "{tier:?}"
        );
        assert_eq!(eval(tier, "Row new size"), "0", "{tier:?}");
        assert_eq!(eval(tier, "Pair made: 200"), "400", "{tier:?}");
        // what the primitive refuses is still an error
        assert!(
            eval(tier, "Pair basicNew: 3").contains("cannot have variable sized instances"),
            "{tier:?}"
        );
        assert!(
            eval(tier, "Array basicNew: -1").contains("non-negative"),
            "{tier:?}"
        );
        assert!(eval(tier, "3 basicNew").starts_with("error"), "{tier:?}");
    }
}

/// The path is taken: a loop making small objects answers its
/// `basicNew` and `basicNew:` in place (counted in debug builds; its
/// Strings' `=` run in place as special instructions, not counted here).
#[test]
fn small_objects_are_made_in_place() {
    if !cfg!(debug_assertions) {
        return;
    }
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = filed_in(tier, CLASSES);
        vm.prims_in_place = 0;
        assert_eq!(vm.eval_print("Pair made: 300").expect("run"), "600");
        // (per turn: Pair new, Row new:)
        assert!(
            vm.prims_in_place >= 600,
            "{tier:?}: {} in place",
            vm.prims_in_place
        );
    }
}

/// Slice by slice, at any fuel, the tiers agree with the interpreter on a
/// program that makes objects in place and not (big ones).
#[test]
fn in_place_answers_keep_the_slices_alike() {
    let expr =
        "| n | n := 0. 1 to: 60 do: [:i | n := n + (Array new: i * 7) size + (Pair made: 3)]. n";
    for tier in [TierMode::On, TierMode::Eager] {
        lockstep_with_off(
            |t| filed_in(t, CLASSES),
            tier,
            expr,
            |i| [1, 3, 7, 40, 200][i % 5],
            200_000,
            |_, _, _, _| {},
        );
    }
}
