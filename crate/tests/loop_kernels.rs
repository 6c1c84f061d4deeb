//! Loop kernels (`Op::Loop`) and blocks inlined into a frame that did not
//! make them (reading `self` through their closure), tier off against on
//! and eager, in lockstep slices of many sizes: the same frames, pcs and
//! temps at every boundary.

mod common;

use common::lockstep_with_off;
use livetalk::interp::TierMode;
use livetalk::Vm;

const SRC: &str = "Object subclass: #KL
	instanceVariableNames: 'items w'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!KL methodsFor: 'test'!
fill: a from: first by: step with: k
	| i |
	i := first.
	[i <= a size] whileTrue: [a at: i put: k. i := i + step].
	^ a
!
two: a n: n
	| i j s |
	i := 1. j := 0. s := 0.
	[i <= n] whileTrue: [a at: i put: 7. j := j + i. s := s * 3. a at: i put: nil. i := i + 1. s := s + j].
	^ s
!
sumTo: n from: s0
	| s |
	s := s0.
	1 to: n do: [:i | s := s + i].
	^ s
!
down: n
	| i c |
	i := n. c := 0.
	[i > 0] whileTrue: [c := c + i. i := i - 3].
	^ c
!
setUp
	items := (1 to: 9) asArray. w := 2
!
outer
	| s |
	s := 0.
	items do: [:x | s := s + (x * w). w := w + 1].
	^ s
!
callOuter
	| b s |
	b := [:x | w := w + x. self size + w].
	s := 0.
	1 to: 30 do: [:i | s := s + (self apply: b to: i)].
	^ s
!
apply: b to: x
	^ b value: x
! !
";

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("kl.st", SRC).expect("file in");
    vm
}

const EXPR: &str = "| r k | r := OrderedCollection new. k := KL new setUp; yourself.
1 to: 12 do: [:i |
  r add: (k fill: (Array new: 20) from: 1 + (i \\\\ 3) by: 1 + (i \\\\ 4) with: i).
  r add: (k two: (Array new: 15) n: i \\\\ 17).
  r add: (k sumTo: i * 3 from: 1152921504606846900 - (i * 5)).
  r add: (k down: i * 7).
  r add: (k fill: (OrderedCollection new: 5) from: 1 by: 1 with: 3) size.
  r add: k outer. r add: k callOuter].
r size";

fn lockstep(fuel: impl Fn(usize) -> u64) {
    for t in [TierMode::On, TierMode::Eager] {
        lockstep_with_off(vm, t, EXPR, &fuel, 5_000_000, |_, _, _, _| {});
    }
}

#[test]
fn answers() {
    let want = vm(TierMode::Off).eval_print(EXPR).expect("off");
    for t in [TierMode::On, TierMode::Eager] {
        assert_eq!(vm(t).eval_print(EXPR).expect("tier"), want);
    }
}

#[test]
fn slices_small() {
    lockstep(|i| [1, 2, 3, 5, 7, 11, 13, 17, 19, 23][i % 10]);
}

#[test]
fn slices_medium() {
    lockstep(|i| 20 + ((i * 37) % 200) as u64);
}

#[test]
fn slices_large() {
    lockstep(|i| 500 + ((i * 997) % 5000) as u64);
}

#[test]
fn listing() {
    let mut v = vm(TierMode::Eager);
    v.eval_print(EXPR).expect("eager");
    for m in [
        "KL>>two:n:",
        "KL>>fill:from:by:with:",
        "KL>>sumTo:from:",
        "KL>>down:",
        "KL>>outer",
        "KL>>callOuter",
        "KL>>apply:to:",
    ] {
        println!("{}", v.disassemble(m).expect("dis"));
    }
}

const CSRC: &str = "Object subclass: #CS
	instanceVariableNames: 'v'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
CS class instanceVariableNames: 'count'!

!CS class methodsFor: 'test'!
run: n
	| s |
	count := 0. s := 0.
	(1 to: n) asArray do: [:x | count := count + x. s := s + self tally + count].
	^ s + count
!
tally
	^ count \\\\ 7
! !

!CS methodsFor: 'test'!
go: n
	| s |
	v := 1. s := 0.
	(1 to: n) asArray do: [:x | v := v + x. s := s + v + self v2].
	^ s
!
v2
	^ v \\\\ 3
! !
";

#[test]
fn class_side_and_instance_outer_self_slices() {
    let expr = "(CS run: 300) + (CS new go: 300) + (CS run: 40)";
    let mk = |t| {
        let mut v = Vm::new().expect("kernel");
        v.tier = t;
        v.file_in("cs.st", CSRC).expect("file in");
        v
    };
    let want = mk(TierMode::Off).eval_print(expr).expect("off");
    for t in [TierMode::On, TierMode::Eager] {
        assert_eq!(mk(t).eval_print(expr).expect("tier"), want);
        for k in 0..3usize {
            lockstep_with_off(
                mk,
                t,
                expr,
                move |i| [1u64, 7, 61, 997][(i + k) % 4],
                5_000_000,
                |_, _, _, _| {},
            );
        }
    }
}

#[test]
fn class_side_listing() {
    let mut v = Vm::new().expect("kernel");
    v.tier = TierMode::On;
    v.file_in("cs.st", CSRC).expect("file in");
    v.eval_print("CS run: 300").expect("run");
    let ev: Vec<String> = v.take_tier_events().iter().map(|e| e.to_string()).collect();
    println!("{ev:#?}");
    println!(
        "{}",
        v.disassemble("SequenceableCollection>>do:")
            .unwrap_or_default()
    );
}
