//! Callees that send, inlined into their callers' optimized code (the
//! tier's `InlineEnter`/`InlineReturn` scopes): same answers, same
//! frames at every slice boundary, the same depth limit, and LIVE.md's
//! rules when the inlined callee is redefined while it runs inside its
//! caller.

mod common;

use common::{filed_in, frames, in_lockstep, lockstep_with_off};
use livetalk::interp::{ProcState, TierMode};
use livetalk::Vm;

const WALKER: &str = "Smalltalk at: #Recompile put: false!

Object subclass: #Walker
	instanceVariableNames: 'deepest log'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Walker methodsFor: 'test'!
fib: n
	n < 2 ifTrue: [^ n].
	^ (self fib: n - 1) + (self fib: n - 2)
!
down: n
	deepest := n.
	^ self down: n + 1
!
deepest
	^ deepest
!
twice: x
	^ (self helper: x) + (self helper: x + 1)
!
helper: x
	| t |
	t := x * 3.
	log := t.
	^ self leafy: t
!
leafy: t
	Recompile == true ifTrue: [
		Recompile := false.
		Walker compile: 'helper: x
	^ 1000'].
	Transcript show: t printString; cr.
	^ t printString size + t
! !
";

fn vm(tier: TierMode) -> Vm {
    filed_in(tier, WALKER)
}

fn events(vm: &mut Vm) -> Vec<String> {
    vm.take_tier_events()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn a_recursive_method_is_inlined_into_itself_with_the_same_answers() {
    let off = vm(TierMode::Off)
        .eval_print("Walker new fib: 18")
        .expect("off");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        assert_eq!(vm.eval_print("Walker new fib: 18").expect("on"), off);
        let ev = events(&mut vm);
        assert!(
            ev.contains(&"inlined Walker>>fib: v1 (sends) into Walker>>fib:".to_string()),
            "{:#?}",
            ev
        );
        let listing = vm.disassemble("Walker>>fib:").expect("disassemble");
        assert!(listing.contains("InlineEnter scope 0"), "{}", listing);
        assert!(listing.contains("InlineEnter scope 1"), "{}", listing);
        assert!(
            listing.contains("InlineReturn top (callee self t"),
            "{}",
            listing
        );
        assert!(
            listing.contains("inlined scope 0: Walker>>fib: v1 for Walker"),
            "{}",
            listing
        );
    }
    assert_eq!(off, "2584");
}

#[test]
fn every_slice_boundary_shows_the_interpreters_frames() {
    // Slices of 61 to 200 instructions (enough for the fast loop, which
    // runs inlined callees, to run part of each): each ends at the same
    // instruction with the tier on or off, so the stacks must be equal,
    // frame for frame, inlined callees included.
    let mut a = vm(TierMode::Off);
    let mut b = vm(TierMode::Eager);
    let pa = a.start("Walker new fib: 9", 40).expect("start");
    let pb = b.start("Walker new fib: 9", 40).expect("start");
    let mut deepest_inlined = 0;
    in_lockstep(
        "eager",
        (&mut a, pa),
        (&mut b, pb),
        |i| 61 + (i as u64 * 37) % 140,
        200_000,
        // the frames the inlined scopes were turned back into
        |_, fs, _, _| deepest_inlined = deepest_inlined.max(fs.len()),
    );
    assert!(deepest_inlined >= 9);
    assert!(events(&mut b)
        .iter()
        .any(|e| e.contains("(sends) into Walker>>fib:")));
}

/// Inlined callees nest `NEST_MAX` (5) deep: a doubly recursive method
/// fills its optimized code with up to 2 + 4 + 8 + 16 + 32 scopes, one
/// frame standing for up to six activations; sliced at odd boundaries,
/// its stacks are the interpreter's, frame for frame.
#[test]
fn inlined_callees_nest_five_deep() {
    let mut b = vm(TierMode::Eager);
    assert_eq!(b.eval_print("Walker new fib: 16").expect("eager"), "987");
    let listing = b.disassemble("Walker>>fib:").expect("disassemble");
    // (four levels would be 15 at most; which sites fill up first
    // depends on the run, so not all 63 need be there)
    let scopes = listing.matches("\ninlined scope ").count();
    assert!(
        (32..=64).contains(&scopes),
        "{} scopes\n{}",
        scopes,
        listing
    );
    let mut deepest = 0;
    lockstep_with_off(
        vm,
        TierMode::Eager,
        "Walker new fib: 13",
        |i| 53 + (i as u64 * 41) % 170,
        400_000,
        |_, fs, _, _| deepest = deepest.max(fs.len()),
    );
    assert!(deepest >= 13);
}

/// Deep recursion through a method inlined into itself, to the default
/// limit (200,000 frames): inlined callees get their frames in one pass
/// over the stack (a review finding: one at a time, this took minutes).
#[test]
fn the_default_depth_limit_with_inlined_recursion() {
    let expr =
        "| w | w := Walker new. [w down: 1] on: StackOverflow do: [:e | e return: w deepest]";
    let off = vm(TierMode::Off).eval_print(expr).expect("off");
    assert_eq!(vm(TierMode::Eager).eval_print(expr).expect("eager"), off);
}

#[test]
fn the_depth_limit_hits_at_the_same_send() {
    let expr =
        "| w | w := Walker new. [w down: 1] on: StackOverflow do: [:e | e return: w deepest]";
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        vm.max_depth = 3000;
        answers.push(vm.eval_print(expr).expect("eval"));
        if tier != TierMode::Off {
            assert!(events(&mut vm)
                .iter()
                .any(|e| e == "inlined Walker>>down: v1 (sends) into Walker>>down:"));
        }
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    // the deepest activation is as deep as the limit allows
    let deepest: usize = answers[0].parse().expect("number");
    assert!(deepest > 2900 && deepest < 3000, "{}", deepest);
}

/// Runs `Walker new twice: 5` where the first `helper:` activation (an
/// inlined callee of `twice:` once the tier is on) redefines `helper:`
/// from inside its own callee: answers the value and the Transcript.
fn redefine_while_inlined(tier: TierMode) -> (String, String, Vec<String>) {
    let mut vm = vm(tier);
    // warm `twice:` up so that its optimized code inlines `helper:`
    // (through perform:, so that `twice:` runs in a frame of its own,
    // rather than inlined into the do-it)
    vm.eval_print("Recompile := false. 1 to: 40 do: [:i | Walker new perform: #twice: with: i]")
        .expect("warm up");
    vm.take_transcript();
    events(&mut vm);
    let v = vm
        .eval_print("Recompile := true. Walker new perform: #twice: with: 5")
        .expect("eval");
    (v, vm.take_transcript(), events(&mut vm))
}

#[test]
fn a_callee_redefined_while_it_runs_inlined_keeps_its_old_code() {
    let (v_off, t_off, _) = redefine_while_inlined(TierMode::Off);
    // R6: the running `helper:` finishes with its old code (15 + 2);
    // the next call, the second one in `twice:`, runs the new (1000)
    assert_eq!(v_off, "1017");
    assert_eq!(t_off, "15\n");
    for tier in [TierMode::On, TierMode::Eager] {
        let (v, t, ev) = redefine_while_inlined(tier);
        assert_eq!((v.as_str(), t.as_str()), ("1017", "15\n"), "{:?}", tier);
        assert!(
            ev.iter().any(|e| e.starts_with("deoptimized")
                && e.contains("Walker>>twice:")
                && e.contains("Walker>>helper: was redefined")),
            "{:#?}",
            ev
        );
    }
}

/// Five receiver classes at one send, each with its own `work:` that
/// sends: the first four the site meets are inlined there (a
/// polymorphic inlined send, tried in turn), the fifth makes the guard
/// fail until the site goes back to an inline cache. Answers as without
/// the tier throughout.
#[test]
fn a_polymorphic_send_inlines_up_to_four_callees() {
    let mut src = String::new();
    for (i, c) in ["A", "B", "C", "D", "E"].iter().enumerate() {
        src.push_str(&format!(
            "Object subclass: #{c}
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!{c} methodsFor: 'x'!
work: x
	^ (self twice: x) + {i}
!
twice: x
	^ x * 2
! !
"
        ));
    }
    src.push_str(
        "!Object methodsFor: 'x'!
drive: n
	| all s |
	all := {A new. B new. C new. D new. E new}.
	s := 0.
	1 to: n do: [:i | s := s + ((all at: i \\\\ 5 + 1) work: i)].
	^ s
! !
",
    );
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.file_in("poly.st", &src).expect("file in");
        answers.push(vm.eval_print("nil drive: 600").expect("eval"));
        if tier == TierMode::Off {
            continue;
        }
        let ev = events(&mut vm);
        // the first four classes the site meets (the loop is entered by
        // OSR, so which those are depends on the tier mode)
        let inlined = ["A", "B", "C", "D", "E"]
            .iter()
            .filter(|c| {
                ev.contains(&format!(
                    "inlined {c}>>work: v1 (sends) into Object>>drive:"
                ))
            })
            .count();
        assert_eq!(inlined, 4, "{:?}: {:#?}", tier, ev);
        assert!(
            ev.iter()
                .any(|e| e.starts_with("guard failed in Object>>drive:")
                    && e.ends_with("(site despecialized)")),
            "{:#?}",
            ev
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
}

const CTX: &str = "Object subclass: #T
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!T methodsFor: 'x'!
pcOf: c
	^ c pc
!
run
	| c | c := thisContext. ^ self pcOf: c
! !
";

/// A context's pc read from inside an inlined callee of its frame (a
/// review finding: context primitives now see the interpreter's frames).
#[test]
fn ctx_pc_from_inside_an_inlined_callee() {
    let e = "| s | s := OrderedCollection new. 1 to: 5 do: [:i | s add: T new run]. s";
    let off = filed_in(TierMode::Off, CTX).eval_print(e).unwrap();
    let eager = filed_in(TierMode::Eager, CTX).eval_print(e).unwrap();
    assert_eq!(off, eager);
}

const REC: &str = "Smalltalk at: #Flip put: false!

Object subclass: #R
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!R methodsFor: 'x'!
rec: n
	| t |
	n = 0 ifTrue: [^ 0].
	t := self rec: n - 1.
	self poke: n.
	^ t + self leaf
!
poke: n
	(Flip and: [n = 2]) ifTrue: [Flip := false. R compile: 'leaf
	^ 100'].
	^ n
!
leaf
	^ 1
! !
";

/// A method inlined into itself, deoptimized while a frame runs the
/// inlined copy: the callee frame the split makes must not run the
/// invalidated code (a review finding).
#[test]
fn recursive_inline_deoptimized_mid_body() {
    let e = "| r a | r := R new. 1 to: 30 do: [:i | r rec: 5]. Flip := true. a := r rec: 5. a -> (r rec: 5)";
    let off = filed_in(TierMode::Off, REC).eval_print(e).unwrap();
    for t in [TierMode::On, TierMode::Eager] {
        let got = filed_in(t, REC).eval_print(e).unwrap();
        assert_eq!(off, got, "{:?}", t);
    }
}

const MIX: &str = "Object subclass: #Q
	instanceVariableNames: 'a b'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Q methodsFor: 'x'!
work: n
	| t |
	t := self helper: n.
	^ t + (self other: n)
!
helper: n
	| k |
	k := n class == 3 class ifTrue: [n * 2] ifFalse: [0].
	a := k.
	n \\\\ 7 = 0 ifTrue: [self yieldNow].
	n \\\\ 5 = 0 ifTrue: [self say: k].
	^ (self poly: n) + k + (a // (n \\\\ 4))
!
other: n
	^ (self helper: n + 1) + a + (self direct: n with: b)
!
direct: n with: p
	n \\\\ 3 = 0 ifTrue: [p yield].
	^ n \\\\ 2
!
poly: n
	^ n printString size
!
say: k
	Transcript show: k printString; cr
!
yieldNow
	Processor yield
!
loop: m
	| s |
	s := 0.
	b := Processor.
	1 to: m do: [:i | s := s + ([self work: i] on: ZeroDivide do: [:e | e return: 1])].
	Transcript show: 'done ', s printString; cr.
	^ s
! !
";

fn sliced(tier: TierMode, fast: bool, seed: u64) -> Vec<String> {
    let mut vm = filed_in(tier, MIX);
    vm.fast_loop = fast;
    let p1 = vm.start("Q new loop: 40", 40).unwrap();
    let p2 = vm.start("Q new loop: 33", 40).unwrap();
    let mut log = vec![];
    let mut r = seed;
    for _ in 0..100_000 {
        r = r
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let fuel = 1 + (r >> 33) % 400;
        let o = vm.run(fuel);
        log.push(format!("{:?} {}", o, vm.insn_count));
        log.push(vm.take_transcript());
        log.push(frames(&mut vm, p1).join("|"));
        log.push(frames(&mut vm, p2).join("|"));
        let done = |s: &ProcState| {
            matches!(
                s,
                ProcState::Finished | ProcState::Errored | ProcState::Terminated
            )
        };
        if done(&vm.procs[p1].state) && done(&vm.procs[p2].state) {
            break;
        }
    }
    let ev: Vec<String> = vm
        .take_tier_events()
        .iter()
        .map(|e| e.to_string())
        .collect();
    if tier == TierMode::Eager {
        assert!(
            ev.iter()
                .any(|e| e.contains("Q>>helper: v1 (sends) into Q>>work:")),
            "{:#?}",
            ev
        );
        assert!(
            ev.iter()
                .any(|e| e.contains("Q>>helper: v1 (sends) into Q>>other:")),
            "{:#?}",
            ev
        );
        assert!(
            ev.iter()
                .any(|e| e.contains("Q>>direct:with: v1 (sends) into Q>>other:")),
            "{:#?}",
            ev
        );
    }
    log
}

/// Random slices of 1 to 400 instructions over two processes whose
/// inlined bodies leave for the general loop (a `Class` instruction, a
/// ZeroDivide caught by `on:do:`, a primitive that yields): the same
/// frames, Transcript and instruction counts at every boundary, tier
/// off (general loop alone and with the fast loop), on and eager.
#[test]
fn random_slices_with_body_exits_and_process_switches() {
    for seed in 0..20u64 {
        let off = sliced(TierMode::Off, false, seed);
        for (t, fast) in [
            (TierMode::Off, true),
            (TierMode::On, true),
            (TierMode::Eager, true),
        ] {
            let other = sliced(t, fast, seed);
            let n = off.len().min(other.len());
            for i in 0..n {
                assert_eq!(off[i], other[i], "seed {} {:?} entry {}", seed, t, i);
            }
            assert_eq!(off.len(), other.len());
        }
    }
}

/// SmallInteger methods that send to SmallIntegers: their inlined scopes
/// are entered on the receiver's tag alone (`InlineEnter`'s `int_body`).
const INTS: &str = "!Integer methodsFor: 'test'!
fibI
	^ self < 2 ifTrue: [self] ifFalse: [(self - 1) fibI + (self - 2) fibI]
!
grow
	^ self > 100000000000000000000 ifTrue: [self] ifFalse: [(self * 3) grow]
!
plus: n
	^ n = 0 ifTrue: [self] ifFalse: [(self + 1) plus: n - 1]
!
downI
	^ (self + 1) downI
! !

!SmallInteger methodsFor: 'test'!
step
	^ (self * 7) step
! !

!LargePositiveInteger methodsFor: 'test'!
step
	^ self
! !
";

#[test]
fn smallinteger_callees_are_entered_on_the_tag_with_the_same_answers() {
    let exprs = [
        "20 fibI",
        "1 grow",
        "(SmallInteger maxVal - 3) plus: 10",
        "(SmallInteger maxVal - 3) grow",
        "3 plus: 500",
        "[0 downI] on: StackOverflow do: [:e | e return: #deep]",
        "1 step",
        "(1 to: 30) inject: 0 into: [:a :i | a + i step]",
    ];
    let answers = |tier: TierMode| -> Vec<String> {
        let mut vm = filed_in(tier, INTS);
        vm.max_depth = 3000;
        exprs
            .iter()
            .map(|e| vm.eval_print(e).unwrap_or_else(|e| format!("error {e:?}")))
            .collect()
    };
    let off = answers(TierMode::Off);
    assert_eq!(off[0], "6765");
    assert_eq!(off[5], "#deep");
    // (a LargePositiveInteger's step is its own)
    assert_eq!(off[6], "3909821048582988049");
    for tier in [TierMode::On, TierMode::Eager] {
        assert_eq!(answers(tier), off, "{tier:?}");
        let mut vm = filed_in(tier, INTS);
        vm.eval_print("20 fibI. 30 plus: 40. (1 to: 30) do: [:i | i step]")
            .expect("run");
        for m in ["Integer>>fibI", "Integer>>plus:", "SmallInteger>>step"] {
            let listing = vm.disassemble(m).expect("disassemble");
            assert!(
                listing.contains("(SmallInteger: tag guard)"),
                "{m}\n{listing}"
            );
        }
    }
}

#[test]
fn smallinteger_callees_entered_on_the_tag_in_slices() {
    for expr in ["14 fibI", "(SmallInteger maxVal - 30) plus: 60"] {
        let mut deepest = 0;
        lockstep_with_off(
            |t| filed_in(t, INTS),
            TierMode::Eager,
            expr,
            |i| 1 + (i as u64 * 29) % 150,
            400_000,
            |_, fs, _, _| deepest = deepest.max(fs.len()),
        );
        assert!(deepest >= 13, "{expr}: {deepest}");
    }
}

/// An inlined callee with a few temps besides its arguments is entered in
/// the fast loop (`sites::enter_plain`), its temps pushed nil each time
/// whatever the slots above the stack held; one with more than
/// `PLAIN_NILS` out of it (`sites::inline_enter`). Both answer as the
/// interpreter.
#[test]
fn callees_with_temps_are_entered_with_nil_temps() {
    const TEMPS: &str = "Object subclass: #Temps
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Temps methodsFor: 'test'!
few: x
	| a b c |
	(a isNil and: [b isNil and: [c isNil]]) ifFalse: [^ 1000000].
	a := x. b := a + 1. c := b * 2.
	^ a + b + c
!
many: x
	| a b c d e f |
	(a isNil and: [f isNil]) ifFalse: [^ 1000000].
	a := x. b := a. c := b. d := c. e := d. f := e.
	^ a + f
!
run: n
	| s |
	s := 0.
	1 to: n do: [:i | s := s + (self few: i) + (self many: i)].
	^ s
! !
";
    let off = filed_in(TierMode::Off, TEMPS)
        .eval_print("Temps new run: 300")
        .expect("off");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = filed_in(tier, TEMPS);
        assert_eq!(
            vm.eval_print("Temps new run: 300").unwrap(),
            off,
            "{tier:?}"
        );
        let listing = vm.disassemble("Temps>>run:").expect("disassemble");
        assert_eq!(listing.matches("InlineEnter").count(), 2, "{listing}");
        // entered 300 times each: `few:` in the loop, `many:` out of it
        let before = vm.entered_out_of_line;
        assert_eq!(
            vm.eval_print("Temps new run: 300").unwrap(),
            off,
            "{tier:?}"
        );
        assert_eq!(vm.entered_out_of_line - before, 300, "{tier:?}");
    }
    // and at every slice boundary
    lockstep_with_off(
        |t| filed_in(t, TEMPS),
        TierMode::Eager,
        "Temps new run: 40",
        |i| 1 + (i as u64 * 7919) % 17,
        100_000,
        |_, _, _, _| {},
    );
}
