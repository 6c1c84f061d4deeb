//! Handler search and the context primitives cost what they pass over,
//! not the depth of the stack: recursion through `on:do:` reaching
//! StackOverflow, `pass` through every level, and a walk up the senders
//! from the top of a deep stack are linear in the depth. Measured by the
//! frames the context primitives look at (`Vm::frames_searched`), not by
//! time; before, each step looked from the top of the stack down, and the
//! search sent `handleSignal:` once per handler it passed, so that a
//! StackOverflow through thousands of handlers overflowed again.

use livetalk::interp::TierMode;
use livetalk::Vm;

const REC: &str =
    "Object subclass: #Rec instanceVariableNames: '' classVariableNames: '' package: 'Deep'";

fn vm_with(tier: TierMode, methods: &[&str]) -> Vm {
    let mut vm = Vm::new().unwrap();
    vm.tier = tier;
    vm.eval(REC).unwrap();
    for m in methods {
        vm.accept("Rec", false, m, None).unwrap();
    }
    vm
}

/// Frames searched by `src` under a stack limit of `depth`, and its result
/// (or the first line of its error).
fn searched(tier: TierMode, methods: &[&str], depth: usize, src: &str) -> (u64, String) {
    let mut vm = vm_with(tier, methods);
    vm.max_depth = depth;
    let before = vm.frames_searched.get();
    let r = match vm.eval_print(src) {
        Ok(s) => s,
        Err(e) => e.to_string().lines().next().unwrap_or("").to_string(),
    };
    (vm.frames_searched.get() - before, r)
}

fn assert_linear(what: &str, small: u64, large: u64) {
    // four times the depth: about four times the frames, not sixteen
    assert!(
        large <= small * 5 + 1000,
        "{what}: {small} frames searched, then {large} at four times the depth"
    );
}

const DOWN: &str = "down: n ^[self down: n + 1] on: ZeroDivide do: [:e | 0]";

#[test]
fn recursion_through_handlers_reaches_stack_overflow_linearly() {
    for tier in [TierMode::Off, TierMode::On] {
        let src = "[Rec new down: 0] on: StackOverflow do: [:e | e return: 7]";
        let (a, ra) = searched(tier, &[DOWN], 20_000, src);
        let (b, rb) = searched(tier, &[DOWN], 80_000, src);
        assert_eq!((ra.as_str(), rb.as_str()), ("7", "7"), "{tier:?}");
        assert_linear("handled StackOverflow", a, b);
        // unhandled: an error report, not an overflow while handling it
        let (a, ra) = searched(tier, &[DOWN], 20_000, "Rec new down: 0");
        let (b, rb) = searched(tier, &[DOWN], 80_000, "Rec new down: 0");
        assert_eq!(ra, "StackOverflow: stack overflow", "{tier:?}");
        assert_eq!(rb, "StackOverflow: stack overflow", "{tier:?}");
        assert_linear("unhandled StackOverflow", a, b);
    }
}

#[test]
fn the_default_depth_is_handled() {
    let mut vm = vm_with(TierMode::On, &[DOWN]);
    let r = vm.eval_print("[Rec new down: 0] on: StackOverflow do: [:e | e return: 7]");
    assert_eq!(r.unwrap(), "7");
}

#[test]
fn pass_through_every_level_is_linear() {
    let methods = ["pass: n n = 0 ifTrue: [^ZeroDivide new signal]. ^[self pass: n - 1] on: ZeroDivide do: [:e | e pass]"];
    let src = |n: usize| format!("[Rec new pass: {n}] on: ZeroDivide do: [:e | 7]");
    let (a, ra) = searched(TierMode::On, &methods, 200_000, &src(1000));
    let (b, rb) = searched(TierMode::On, &methods, 200_000, &src(4000));
    assert_eq!((ra.as_str(), rb.as_str()), ("7", "7"));
    assert_linear("pass", a, b);
}

#[test]
fn walking_the_senders_is_linear() {
    let methods = ["up: n n = 0 ifTrue: [| c k | c := thisContext. k := 0. [c notNil] whileTrue: [c := c sender. k := k + 1]. ^k]. ^self up: n - 1"];
    let (a, ra) = searched(TierMode::On, &methods, 200_000, "Rec new up: 10000");
    let (b, rb) = searched(TierMode::On, &methods, 200_000, "Rec new up: 40000");
    assert_eq!((ra.as_str(), rb.as_str()), ("10002", "40002"));
    assert_linear("sender", a, b);
}

/// A loop at the top of a deep stack that runs an inlined callee and
/// reads `thisContext` each turn: giving the inlined callee a frame of
/// its own looks at the frames that ran inlined code since the last time
/// (the top ones), not at the whole stack each turn. Before, each turn
/// looked at every frame: 13 times the interpreter's time at depth 3,000.
#[test]
fn contexts_after_inlined_calls_cost_the_top_not_the_depth() {
    let methods = [
        "x ^ 1",
        "plus: s ^ s + self x",
        "spin: k | c s | s := 0. 1 to: k do: [:i | s := self plus: s. c := thisContext]. ^ s",
        "down: n then: k n = 0 ifTrue: [^ self spin: k]. ^ self down: n - 1 then: k",
    ];
    for tier in [TierMode::On, TierMode::Eager] {
        let src = |d: usize| format!("Rec new down: {d} then: 3000");
        let (a, ra) = searched(tier, &methods, 200_000, &src(1000));
        let (b, rb) = searched(tier, &methods, 200_000, &src(4000));
        assert_eq!((ra.as_str(), rb.as_str()), ("3000", "3000"), "{tier:?}");
        // 3,000 frames deeper: a few looks at each, not one per turn
        assert!(
            b <= a + 5 * 3000,
            "{tier:?}: {a} frames looked at, then {b} 3,000 frames deeper"
        );
    }
}
