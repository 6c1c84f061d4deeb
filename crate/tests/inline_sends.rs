//! Callees that send, inlined into their callers' optimized code (the
//! tier's `InlineEnter`/`InlineReturn` scopes): same answers, same
//! frames at every slice boundary, the same depth limit, and LIVE.md's
//! rules when the inlined callee is redefined while it runs inside its
//! caller.

use livetalk::interp::TierMode;
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
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("walker.st", WALKER).expect("file in");
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

/// Each frame of a process as the host sees it: name, version, pc and
/// temps.
fn frames(vm: &mut Vm, pid: usize) -> Vec<String> {
    vm.inspect_stack(pid)
        .map(|fs| {
            fs.iter()
                .map(|f| format!("{} v{} pc {} {:?}", f.name, f.version, f.pc, f.temps))
                .collect()
        })
        .unwrap_or_default()
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
    for i in 0.. {
        let fuel = 61 + (i * 37) % 140;
        let (oa, ob) = (a.run(fuel), b.run(fuel));
        assert_eq!(format!("{:?}", oa), format!("{:?}", ob), "slice {}", i);
        let (fa, fb) = (frames(&mut a, pa), frames(&mut b, pb));
        assert_eq!(fa, fb, "slice {}", i);
        if fa.is_empty() {
            break;
        }
        // the frames the inlined scopes were turned back into
        deepest_inlined = deepest_inlined.max(fa.len());
        assert!(i < 200_000, "does not finish");
    }
    assert!(deepest_inlined >= 9);
    assert!(events(&mut b)
        .iter()
        .any(|e| e.contains("(sends) into Walker>>fib:")));
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

#[test]
fn a_polymorphic_site_stops_inlining_after_its_guard_keeps_failing() {
    let src = "Object subclass: #A
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
A subclass: #B
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!A methodsFor: 'x'!
work: x
	^ (self twice: x) + 1
!
twice: x
	^ x * 2
! !
!B methodsFor: 'x'!
work: x
	^ (self twice: x) + 2
! !
!Object methodsFor: 'x'!
drive: n
	| a b s |
	a := A new. b := B new. s := 0.
	1 to: n do: [:i | s := s + ((i odd ifTrue: [a] ifFalse: [b]) work: i)].
	^ s
! !
";
    let mut answers = Vec::new();
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.file_in("poly.st", src).expect("file in");
        answers.push(vm.eval_print("nil drive: 500").expect("eval"));
        if tier == TierMode::On {
            let ev = events(&mut vm);
            assert!(
                ev.iter().any(|e| e.contains("(sends) into Object>>drive:")),
                "{:#?}",
                ev
            );
            assert!(
                ev.iter()
                    .any(|e| e.starts_with("guard failed in Object>>drive:")
                        && e.ends_with("(site despecialized)")),
                "{:#?}",
                ev
            );
        }
    }
    assert_eq!(answers[0], answers[1]);
}
