//! Review: adversarial block-inlining programs, compared tier off / on /
//! eager: whole answers, and frame by frame at every slice boundary with
//! small and large slices, with restarts and accepts at boundaries.

mod common;

use common::{frames, in_lockstep};
use livetalk::interp::TierMode;
use livetalk::Vm;

const SRC: &str = "Object subclass: #Blk
	instanceVariableNames: 'items w kept other'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Blk methodsFor: 'test'!
setUp: n
	items := (1 to: n) asArray.
	w := 3
!
other: b
	other := b
!
each: aBlock
	items do: [:x | aBlock value: x]
!
sum
	| s |
	s := 0.
	items do: [:x | s := s + (x * w)].
	^ s
!
four
	| k |
	k := 10.
	^ self apply4: [:a :b :c :d | a + (b * k) + (c * 100) + (d * 1000) + w]
!
apply4: aBlock
	^ aBlock value: 1 value: 2 value: 3 value: 4
!
pick: flag mine: b theirs: a x: x
	^ (flag ifTrue: [b] ifFalse: [a]) value: x
!
rec: n blk: aBlock
	| b s |
	b := [:x | x + n + w].
	s := 0.
	items do: [:x | s := s + (self pick: n odd mine: b theirs: aBlock x: x)].
	n > 0 ifTrue: [s := s + (other rec: n - 1 blk: b)].
	^ s
!
keepOne: k
	kept isNil ifTrue: [kept := [:x | x * k + w]].
	^ kept
!
useKept: k
	| s b |
	b := self keepOne: k.
	s := 0.
	items do: [:x | s := s + (b value: x)].
	^ s
!
deepCall: x
	^ thisContext sender sender printString size + x
!
ctx
	| s |
	s := 0.
	items do: [:x | s := s + (self deepCall: x)].
	^ s
!
err
	| s |
	s := 0.
	^ [items do: [:x | s := s + (self check: x)]. s] on: ZeroDivide do: [:e | e return: s negated]
!
check: x
	^ x = 7 ifTrue: [1 // 0] ifFalse: [x]
!
resumer
	| s |
	s := 0.
	[self each: [:x | s := s + (self warn: x)]] on: Warning do: [:e | e resume: 100].
	^ s
!
warn: x
	^ x = 4 ifTrue: [Warning signal: 'w'] ifFalse: [x]
!
run
	| r |
	r := OrderedCollection new.
	r add: self sum; add: self four; add: (self rec: 4 blk: [:x | x * 1000]); add: (self useKept: 3); add: self ctx; add: self err; add: self resumer.
	^ r
! !
";

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("blk.st", SRC).expect("file in");
    vm.eval("Smalltalk at: #K put: (Blk new setUp: 12). Smalltalk at: #K2 put: (Blk new setUp: 5). K other: K2. K2 other: K")
        .expect("set up");
    vm.take_tier_events();
    vm
}

const EXPR: &str = "| r | 1 to: 6 do: [:i | r := K run]. r";

#[test]
fn same_answers() {
    let want = vm(TierMode::Off).eval_print(EXPR).expect("off");
    for t in [TierMode::On, TierMode::Eager] {
        let mut v = vm(t);
        assert_eq!(v.eval_print(EXPR).expect("tier"), want, "{t:?}");
        let ev: Vec<String> = v.take_tier_events().iter().map(|e| e.to_string()).collect();
        if t == TierMode::Eager {
            assert!(
                ev.iter().any(|e| e.contains("(block) into Blk>>")),
                "{ev:#?}"
            );
        }
    }
}

fn lockstep(fuel: impl Fn(usize) -> u64, action: impl Fn(usize, &mut Vm, usize)) {
    for t in [TierMode::On, TierMode::Eager] {
        let mut a = vm(TierMode::Off);
        let mut b = vm(t);
        let pa = a.start(EXPR, 40).expect("start");
        let pb = b.start(EXPR, 40).expect("start");
        in_lockstep(
            &format!("{t:?}"),
            (&mut a, pa),
            (&mut b, pb),
            &fuel,
            2_000_000,
            |i, _, a, b| {
                action(i, a, pa);
                action(i, b, pb);
            },
        );
    }
}

#[test]
fn slices_small() {
    lockstep(|i| [1, 2, 3, 5, 7, 11][i % 6], |_, _, _| {});
}

#[test]
fn slices_medium() {
    lockstep(|i| 20 + ((i * 37) % 200) as u64, |_, _, _| {});
}

#[test]
fn slices_large() {
    lockstep(|i| 500 + ((i * 997) % 5000) as u64, |_, _, _| {});
}

#[test]
fn slices_with_restarts() {
    // every 13th boundary: restart the innermost block frame if there is
    // one (else frame 0)
    lockstep(
        |i| 30 + ((i * 41) % 300) as u64,
        |i, vm, pid| {
            if i % 13 == 5 && i < 600 {
                let fs = frames(vm, pid);
                let idx = fs
                    .iter()
                    .position(|f| f.starts_with("[] in Blk>>"))
                    .unwrap_or(0);
                vm.restart_frame(pid, idx).expect("restart");
                vm.resume(pid).expect("resume");
            }
        },
    );
}

#[test]
fn slices_with_accepts() {
    // accepts of the inlined callees at boundaries
    lockstep(
        |i| 40 + ((i * 53) % 400) as u64,
        |i, vm, _| {
            if i == 40 {
                vm.accept("Blk", false, "pick: flag mine: b theirs: a x: x\n\t^ (flag ifTrue: [a] ifFalse: [b]) value: x + 1", Some("test"))
                    .expect("accept");
            }
            if i == 90 {
                vm.accept(
                    "Blk",
                    false,
                    "each: aBlock\n\titems reverseDo: [:x | aBlock value: x * 2]",
                    Some("test"),
                )
                .expect("accept");
            }
            if i == 140 {
                vm.accept(
                    "Blk",
                    false,
                    "apply4: aBlock\n\t^ (aBlock value: 4 value: 3 value: 2 value: 1) + 1",
                    Some("test"),
                )
                .expect("accept");
            }
        },
    );
}

#[test]
fn deopt_storms_small_slices_and_depth_limit() {
    let want = vm(TierMode::Off).eval_print(EXPR).expect("off");
    for t in [TierMode::On, TierMode::Eager] {
        for slice in [1u64, 3, 17, 200] {
            let mut v = vm(t);
            v.deopt_storm = true;
            v.slice = slice;
            assert_eq!(
                v.eval_print(EXPR).expect("storm"),
                want,
                "{t:?} slice {slice}"
            );
        }
        for fast in [false, true] {
            let mut v = vm(t);
            v.fast_loop = fast;
            assert_eq!(v.eval_print(EXPR).expect("fast"), want, "{t:?} fast {fast}");
        }
    }
    // the depth limit reached from inside an inlined block: same error,
    // same stack either way
    let deep = "Object subclass: #Deep
	instanceVariableNames: 'items'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Deep methodsFor: 'test'!
setUp
	items := #(1 2)
!
down: n
	| s |
	s := 0.
	items do: [:x | s := s + x + (self down: n + 1)].
	^ s
! !
";
    let mut answers = Vec::new();
    for t in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut v = Vm::new().expect("kernel");
        v.tier = t;
        v.max_depth = 400;
        v.file_in("deep.st", deep).expect("file in");
        let r = match v.eval("Deep new setUp down: 0") {
            Err(livetalk::host::EvalError::Runtime {
                class_name, pid, ..
            }) => {
                let names = v.stack_names(pid);
                format!(
                    "{class_name} {} {:?}",
                    names.len(),
                    &names[..names.len().min(8)]
                )
            }
            other => format!("{other:?}"),
        };
        answers.push(r);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
}
