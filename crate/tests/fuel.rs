//! Exact fuel: `run(n)` runs exactly `n` instructions, wherever they end.
//!
//! The fast loop charges fuel per straight-line run rather than per
//! instruction (`interp/fast.rs`, `fuel_end`), and hands over to the
//! general loop when too little is left for that to be exact. These tests
//! pin the result: one `run(n)` call must leave the process exactly where
//! `n` calls of `run(1)` leave it (same frames, same pcs, same operand
//! stack), and must count `n` instructions, for many `n`, in every tier
//! mode — loops, sends, returns, blocks, Array access and the tier's fused
//! instructions included. The second program and the big-fuel test come
//! from a review of the fast loop: polymorphic inlined leaves, a leaf
//! longer than the loop's slack, non-local returns, `ensure:`, deep
//! stacks, closures, and fuel beyond what the loop holds at once.

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

const SRC2: &str = "Object subclass: #RA
	instanceVariableNames: 'x y'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
RA subclass: #RB
	instanceVariableNames: 'z'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
RA subclass: #RC
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!RA methodsFor: 'test'!
x
	^ x
!
x: v
	x := v
!
long: a
	^ a + 1 + 2 + 3 + 4 + 5 + 6 + 7
!
deep: n
	| a b c d e f g h i j k l m |
	n = 0 ifTrue: [^ 0].
	a := n. b := n. c := n.
	^ (self deep: n - 1) + a + b + c
!
nlr: n
	#(1 2 3) do: [:e | e = n ifTrue: [^ e]].
	^ 0
!
ens: n
	| r |
	r := 0.
	[r := n + 1] ensure: [r := r + 1].
	^ r
!
blocks: n
	| bs |
	bs := OrderedCollection new.
	1 to: n do: [:i | bs add: [:q | q + i]].
	^ bs inject: 0 into: [:acc :b | acc + (b value: 1)]
!
run: n
	| objs s |
	objs := Array with: RA new with: RB new with: RC new.
	objs doWithIndex: [:o :i | o x: i].
	s := 0.
	1 to: n do: [:i |
		| o |
		o := objs at: i \\\\ 3 + 1.
		s := s + o x + (o long: i).
		o x: i.
		s := s + (self nlr: i \\\\ 4) + (self ens: i).
		i \\\\ 7 = 0 ifTrue: [s := s + (self deep: 30)].
		i \\\\ 11 = 0 ifTrue: [s := s + (self blocks: 5)].
		s := s + (i printString size)].
	^ s
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

/// A fresh VM (tier `tier`) with `src` filed in and `expr` started as a
/// process, not run yet.
fn fresh(tier: TierMode, src: &str, expr: &str) -> (Vm, usize) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("fuel.st", src).expect("files in");
    let pid = vm.start(expr, 4).expect("starts");
    (vm, pid)
}

/// The first program.
fn fresh1(tier: TierMode) -> (Vm, usize) {
    fresh(tier, SRC, "Fuel new loop: 60")
}

/// The second program (polymorphic inlined getters and setters, a leaf
/// longer than the fast loop's slack, primitives, non-local returns,
/// `ensure:`, deep recursion with many temps, closures), `RA new run: n`.
fn fresh2(tier: TierMode, n: u32) -> (Vm, usize) {
    fresh(tier, SRC2, &format!("RA new run: {n}"))
}

/// The reference: the process run one instruction per call to its end,
/// each call counting one instruction; answers where it was before each
/// instruction and after the last.
fn single_steps(vm: &mut Vm, pid: usize, tier: TierMode) -> Vec<Place> {
    let mut places = vec![place(vm, pid)];
    loop {
        let before = vm.insn_count;
        match vm.run(1) {
            Outcome::Yielded => {
                assert_eq!(
                    vm.insn_count - before,
                    1,
                    "{tier:?}: run(1) ran one instruction"
                );
                places.push(place(vm, pid));
            }
            Outcome::Finished { pid: p, .. } if p == pid => return places,
            other => panic!("{tier:?}: unexpected {other:?}"),
        }
    }
}

/// One `run(n)` yields, counts `n` instructions and lands on `expected`.
fn run_exactly(vm: &mut Vm, pid: usize, n: usize, expected: &Place, what: &str) {
    let before = vm.insn_count;
    assert_eq!(vm.run(n as u64), Outcome::Yielded, "{what}");
    assert_eq!(vm.insn_count - before, n as u64, "{what}: counted");
    assert_eq!(&place(vm, pid), expected, "{what}: stopped elsewhere");
}

#[test]
fn one_run_of_n_instructions_is_n_runs_of_one() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let (mut vm, pid) = fresh1(tier);
        let places = single_steps(&mut vm, pid, tier);
        let total = places.len();
        assert!(
            total > 3000,
            "{tier:?}: the program runs long enough ({total})"
        );
        // one call of n instructions lands on the same place
        for n in [1usize, 2, 3, 5, 17, 64, 99, 250, 777, 1500, total - 2] {
            let (mut vm, pid) = fresh1(tier);
            run_exactly(&mut vm, pid, n, &places[n], &format!("{tier:?}: run({n})"));
            // and the rest of the program still gives the same answer
            let rest = vm.run(u64::MAX);
            assert!(
                matches!(rest, Outcome::Finished { pid: p, .. } if p == pid),
                "{tier:?}: after run({n}): {rest:?}"
            );
        }
    }
}

/// The same on the second program, for every `n` up to 150 and then
/// every 41st, each followed by a second slice of another size.
#[test]
fn every_n_lands_where_n_single_steps_land() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let (mut vm, pid) = fresh2(tier, 40);
        let places = single_steps(&mut vm, pid, tier);
        let total = places.len();
        let mut n = 1;
        while n < total - 1 {
            let (mut vm, pid) = fresh2(tier, 40);
            run_exactly(&mut vm, pid, n, &places[n], &format!("{tier:?}: run({n})"));
            let m = (n * 7919) % (total - n);
            if m > 0 {
                let what = format!("{tier:?}: run({n})+run({m})");
                run_exactly(&mut vm, pid, m, &places[n + m], &what);
            }
            n += if n < 150 { 1 } else { 41 };
        }
    }
}

/// Fuel beyond what the fast loop holds at once (2^24 instructions): one
/// run, two runs and many growing runs of the same total land alike.
#[test]
fn big_fuel_splits_agree() {
    for tier in [TierMode::Off, TierMode::Eager] {
        let chunk: u64 = 1 << 24;
        let target = chunk + 12_345;
        let (mut a, pa) = fresh2(tier, 400_000);
        assert_eq!(a.run(target), Outcome::Yielded);
        let (mut b, pb) = fresh2(tier, 400_000);
        assert_eq!(b.run(chunk - 3), Outcome::Yielded);
        assert_eq!(b.run(12_348), Outcome::Yielded);
        assert_eq!(a.insn_count, b.insn_count);
        assert_eq!(place(&a, pa), place(&b, pb), "{tier:?}");
        let (mut c, pc) = fresh2(tier, 400_000);
        let mut left = target;
        let mut step = 1u64;
        while left > 0 {
            let s = step.min(left);
            assert_eq!(c.run(s), Outcome::Yielded);
            left -= s;
            step = step * 3 + 1;
        }
        assert_eq!(place(&a, pa), place(&c, pc), "{tier:?}");
    }
}
