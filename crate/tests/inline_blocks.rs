//! Blocks inlined into the frame that made them: the block passed to an
//! inlined `do:`-like callee has its body inlined at the callee's
//! `value:` send (a block scope of `InlineEnter`/`InlineReturn`), behind
//! a guard on the closure's code and the frame that made it; and blocks
//! inlined into a frame that did not make them (a long `do:`), reading
//! `self` and instance variables through the closure. Same
//! answers, same frames at every slice boundary (the block activation
//! included), errors from inside the block, and LIVE.md's rules when the
//! callee is redefined from inside the inlined block.

mod common;

use common::{frames, in_lockstep};
use livetalk::interp::TierMode;
use livetalk::Vm;

const BAG: &str = "Object subclass: #Bag2
	instanceVariableNames: 'items weight flag'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Bag2 methodsFor: 'test'!
setUp: n
	items := (1 to: n) asArray.
	weight := 3
!
sum
	| s |
	s := 0.
	items do: [:x | s := s + (x * weight)].
	^ s
!
squares
	^ items collect: [:x | x * x]
!
evens
	^ items select: [:x | x even]
!
firstOver: k
	^ items detect: [:x | x > k] ifNone: [0]
!
indexed
	| s |
	s := 0.
	items keysAndValuesDo: [:i :x | s := s + (i * x)].
	^ s
!
backwards
	| s |
	s := 0.
	items reverseDo: [:x | s := s * 2 + x \\\\ 1000].
	^ s
!
divideBy: d
	| s |
	s := 0.
	items do: [:x | s := s + (x // d)].
	^ s
!
flag: aBoolean
	flag := aBoolean
!
redefine
	flag := false.
	SequenceableCollection compile: 'do: aBlock
	aBlock value: 1000'
!
redefining
	| s |
	s := 0.
	items do: [:x |
		(flag == true and: [x = 2]) ifTrue: [self redefine].
		s := s + x].
	^ s
!
run: n
	| r |
	r := OrderedCollection new.
	1 to: n do: [:i |
		r := OrderedCollection new.
		r add: self sum; add: self squares last; add: self evens size; add: (self firstOver: 7); add: self indexed; add: self backwards].
	^ r
! !
";

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("bag.st", BAG).expect("file in");
    vm.eval("Smalltalk at: #B put: (Bag2 new setUp: 10)")
        .expect("set up");
    vm.take_tier_events();
    vm
}

fn events(vm: &mut Vm) -> Vec<String> {
    vm.take_tier_events()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn blocks_are_inlined_with_the_same_answers() {
    let off = vm(TierMode::Off).eval_print("B run: 30").expect("off");
    assert_eq!(off, "an OrderedCollection(165 100 5 8 385 217)");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        assert_eq!(vm.eval_print("B run: 30").expect("on"), off, "{tier:?}");
        let ev = events(&mut vm);
        for block in ["sum", "indexed", "backwards"] {
            let want = format!("inlined [] in Bag2>>{block} (block) into Bag2>>{block}");
            assert!(ev.contains(&want), "{tier:?}: {want}\n{ev:#?}");
        }
        let listing = vm.disassemble("Bag2>>sum").expect("disassemble");
        assert!(
            listing.contains(
                "inlined scope 1: [] in Bag2>>sum v1, a block made here (its closure is t"
            ),
            "{listing}"
        );
        assert!(
            listing.contains("inlined scope 0: SequenceableCollection>>do: v1 for Array"),
            "{listing}"
        );
    }
}

#[test]
fn every_slice_boundary_shows_the_block_activations() {
    // Slices of 150 to 450 instructions (enough for the fast loop, which
    // runs inlined bodies, to run part of each), ending at the same
    // instruction either way: the stacks must be equal frame by frame,
    // the block activation split off the inlined body included.
    let mut a = vm(TierMode::Off);
    let mut b = vm(TierMode::Eager);
    let pa = a.start("B run: 100", 40).expect("start");
    let pb = b.start("B run: 100", 40).expect("start");
    let mut blocks_seen = 0;
    in_lockstep(
        "eager",
        (&mut a, pa),
        (&mut b, pb),
        |i| 150 + (i as u64 * 41) % 300,
        100_000,
        |_, fs, _, _| blocks_seen += fs.iter().any(|f| f.starts_with("[] in Bag2>>")) as usize,
    );
    assert!(blocks_seen > 100, "{blocks_seen}");
    assert!(events(&mut b)
        .iter()
        .any(|e| e == "inlined [] in Bag2>>sum (block) into Bag2>>sum"));
}

/// The error `expr` stops on: its class, the stack's names, and each
/// frame as the host sees it (`common::frames`).
fn error_report(vm: &mut Vm, expr: &str) -> String {
    match vm.eval(expr) {
        Err(livetalk::host::EvalError::Runtime {
            class_name, pid, ..
        }) => format!(
            "{} {}\n{}",
            class_name,
            vm.stack_names(pid).join(" / "),
            frames(vm, pid).join("\n")
        ),
        other => format!("{other:?}"),
    }
}

#[test]
fn an_error_inside_an_inlined_block_shows_the_block_and_its_callee() {
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::Eager] {
        let mut vm = vm(tier);
        // warm up with a divisor that works, so the block is inlined
        assert_eq!(
            vm.eval_print("(1 to: 20) inject: 0 into: [:a :i | a + (B divideBy: 2)]")
                .expect("warm"),
            "500"
        );
        let err = error_report(&mut vm, "B divideBy: 0");
        answers.push(err);
        if tier == TierMode::Eager {
            assert!(events(&mut vm)
                .iter()
                .any(|e| e == "inlined [] in Bag2>>divideBy: (block) into Bag2>>divideBy:"));
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0]
            .contains("[] in Bag2>>divideBy: / SequenceableCollection>>do: / Bag2>>divideBy:"),
        "{}",
        answers[0]
    );
}

#[test]
fn a_callee_redefined_from_inside_its_inlined_block() {
    // The block, inlined into `redefining` inside the inlined `do:`,
    // recompiles `do:` at its second element: the running `do:` keeps its
    // old code to the end (R6: 1+2+...+10), and the next call gets the new
    // one (R5: 1000).
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        let mut got = vec![vm
            .eval_print("| r | 1 to: 50 do: [:i | r := B redefining]. r")
            .expect("warm")];
        vm.eval("B flag: true").expect("flag");
        got.push(vm.eval_print("B redefining").expect("redefining run"));
        got.push(vm.eval_print("B redefining").expect("after"));
        if tier != TierMode::Off {
            let ev = events(&mut vm);
            assert!(
                ev.iter()
                    .any(|e| e == "inlined [] in Bag2>>redefining (block) into Bag2>>redefining"),
                "{ev:#?}"
            );
            assert!(ev.iter().any(|e| e.starts_with("deoptimized")), "{ev:#?}");
        }
        answers.push(got);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    assert_eq!(answers[0], vec!["55", "55", "1000"]);
}

#[test]
fn only_blocks_this_frame_made_and_without_a_return_are_inlined() {
    let src = "Object subclass: #Keeper
	instanceVariableNames: 'block'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Keeper methodsFor: 'test'!
keep: aBlock
	block := aBlock
!
apply: items
	| s |
	s := 0.
	items do: [:x | s := s + (block value: x)].
	^ s
!
stored: items
	^ items inject: 0 into: [:a :x | a + (block value: x)]
!
early: items
	items do: [:x | x > 3 ifTrue: [^ x]].
	^ 0
!
passed: items
	| s |
	s := 0.
	items do: block.
	^ s
! !
";
    let expr = "| k r | k := Keeper new. k keep: [:x | x * 10]. r := OrderedCollection new.
1 to: 40 do: [:i | r := OrderedCollection new. r add: (k apply: #(1 2 3)); add: (k stored: #(1 2)); add: (k early: #(1 5 9)); add: (k passed: #(4 5))].
r";
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::Eager] {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.file_in("keeper.st", src).expect("file in");
        answers.push(vm.eval_print(expr).expect("runs"));
        if tier == TierMode::Eager {
            let ev = events(&mut vm);
            // the block made in apply: is inlined, a block with a `^` is
            // not
            assert!(
                ev.iter()
                    .any(|e| e == "inlined [] in Keeper>>apply: (block) into Keeper>>apply:"),
                "{ev:#?}"
            );
            assert!(
                !ev.iter()
                    .any(|e| e.contains("[] in Keeper>>early: (block)")),
                "{ev:#?}"
            );
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], "an OrderedCollection(60 30 5 0)");
}

const LONG: &str = "Object subclass: #LongDo
	instanceVariableNames: 'items weight'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!LongDo methodsFor: 'test'!
setUp: n
	items := (1 to: n) asArray.
	weight := 2
!
total
	| s |
	s := 0.
	items do: [:x | s := s + (x \\\\ 7)].
	^ s
!
weighted
	| s |
	s := 0.
	items do: [:x | s := s + (x * weight)].
	^ s
!
failing
	| s |
	s := 0.
	items do: [:x | s := s + (100 // (x - 2000))].
	^ s
!
tally
	items do: [:x | weight := weight + (self step: x)].
	^ weight
!
step: x
	^ x \\\\ 3
!
failingOuter
	items do: [:x | weight := weight + (self div: x)].
	^ weight
!
div: x
	^ 100 // (x - 2000)
! !

LongDo class instanceVariableNames: 'count'!

!LongDo class methodsFor: 'test'!
countIn: aCollection
	count := 0.
	aCollection do: [:x | count := count + 1].
	^ count
! !
";

fn long_vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("long.st", LONG).expect("file in");
    vm.eval("Smalltalk at: #L put: (LongDo new setUp: 3000)")
        .expect("set up");
    vm.take_tier_events();
    vm
}

#[test]
fn a_long_do_called_once_inlines_a_block_it_did_not_make() {
    // `do:` runs once, long enough to be optimized at its loop head; the
    // block it calls is inlined into `do:`'s own frame although another
    // frame made the closure. A block that reads `self` or an instance
    // variable (its maker's) reads them through the closure there.
    let off = long_vm(TierMode::Off)
        .eval_print("L total -> L weighted")
        .expect("off");
    assert_eq!(off, "8998->9003000");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = long_vm(tier);
        assert_eq!(vm.eval_print("L total -> L weighted").expect("on"), off);
        // each in a VM of its own (in one, the second block is another
        // closure code at the same `value:`: its guard fails)
        for (block, answer) in [("total", "8998"), ("weighted", "9003000")] {
            let mut vm = long_vm(tier);
            assert_eq!(vm.eval_print(&format!("L {block}")).expect("on"), answer);
            let ev = events(&mut vm);
            assert!(
                ev.contains(&format!(
                    "inlined [] in LongDo>>{block} (block) into SequenceableCollection>>do:"
                )),
                "{tier:?}: {ev:#?}"
            );
            let listing = vm
                .disassemble("SequenceableCollection>>do:")
                .expect("disassemble");
            assert!(
                listing.contains(&format!(
                    "inlined scope 0: [] in LongDo>>{block} v1, a block (its closure is t"
                )),
                "{listing}"
            );
        }
    }
}

#[test]
fn a_block_that_reads_self_inlined_into_another_frame() {
    // `weight := weight + (self step: x)` inlined into the long `do:`:
    // its `self` and `weight` are the LongDo's, read and written through
    // the closure (PushOuterSelf, PushOuterVar, StoreOuterVar), and
    // `step:` is inlined into it in turn.
    let off = long_vm(TierMode::Off).eval_print("L tally").expect("off");
    assert_eq!(off, "3002");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = long_vm(tier);
        assert_eq!(vm.eval_print("L tally").expect("on"), off, "{tier:?}");
        assert!(events(&mut vm)
            .iter()
            .any(|e| e == "inlined [] in LongDo>>tally (block) into SequenceableCollection>>do:"));
        let listing = vm
            .disassemble("SequenceableCollection>>do:")
            .expect("disassemble");
        for op in [
            "PushOuterSelf (the receiver of closure t",
            "PushOuterVar 1 of closure t",
            "StoreOuterVar 1 of closure t",
        ] {
            assert!(listing.contains(op), "{op}\n{listing}");
        }
    }
    // slices: the block's activations, split off `do:`'s frame, have the
    // LongDo as their receiver, as the interpreter's
    long_do_in_slices("tally", 59);
    // a class's instance variable (not an ordinary object's slots): the
    // block's own activation stores it, as the interpreter does
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        answers.push(
            long_vm(tier)
                .eval_print("(LongDo countIn: (1 to: 3000) asArray) -> (LongDo countIn: #(1 2))")
                .expect("runs"),
        );
    }
    assert_eq!(answers, vec!["3000->2"; 3]);
}

#[test]
fn a_block_inlined_into_another_frame_splits_into_its_own_activation() {
    // Slices over the long `do:`: the block's activation, split off
    // `do:`'s frame, has the closure's receiver (a LongDo, not the Array
    // `do:` runs on), its home and its method, as the interpreter's.
    long_do_in_slices("total", 53);
}

/// `L <selector>` with the tier off and eager, in slices of 40 to 440
/// instructions (`step` varies them): the same stacks at every boundary,
/// the block's activation (split off `do:`'s frame) among them in many,
/// and the block inlined into `do:`.
fn long_do_in_slices(selector: &str, step: u64) {
    let expr = format!("L {selector}");
    let mut a = long_vm(TierMode::Off);
    let mut b = long_vm(TierMode::Eager);
    let pa = a.start(&expr, 40).expect("start");
    let pb = b.start(&expr, 40).expect("start");
    let block = format!("[] in LongDo>>{selector}");
    let mut blocks_seen = 0;
    in_lockstep(
        "eager",
        (&mut a, pa),
        (&mut b, pb),
        |i| 40 + (i as u64 * step) % 400,
        100_000,
        |_, fs, _, _| blocks_seen += fs.iter().any(|f| f.starts_with(&block)) as usize,
    );
    assert!(blocks_seen > 20, "{blocks_seen}");
    assert!(events(&mut b)
        .iter()
        .any(|e| *e == format!("inlined {block} (block) into SequenceableCollection>>do:")));
}

#[test]
fn an_error_in_a_block_inlined_into_another_frame() {
    // ZeroDivide at the 2000th element, long after `do:` was optimized
    // and the block inlined into it: the same frames, receivers and temps
    // as the interpreter's (the block's receiver is the LongDo that made
    // it, not the Array).
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::Eager] {
        let mut vm = long_vm(tier);
        let err = error_report(&mut vm, "L failing");
        if tier == TierMode::Eager {
            assert!(events(&mut vm)
                .iter()
                .any(|e| e
                    == "inlined [] in LongDo>>failing (block) into SequenceableCollection>>do:"));
        }
        answers.push(err);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].contains("[] in LongDo>>failing v1 pc 6 self a LongDo"),
        "{}",
        answers[0]
    );
    // the same from a callee of a block that reads `self`
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::Eager] {
        let mut vm = long_vm(tier);
        answers.push(error_report(&mut vm, "L failingOuter"));
        if tier == TierMode::Eager {
            assert!(events(&mut vm).iter().any(|e| e
                == "inlined [] in LongDo>>failingOuter (block) into SequenceableCollection>>do:"));
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0].contains("LongDo>>div: v1"), "{}", answers[0]);
}
