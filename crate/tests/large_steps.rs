//! LargeInteger work in bounded steps: a primitive whose work grows
//! faster than its operands (gcd:, sqrtFloor, isProbablyPrime, the
//! divisions) refuses a step beyond `large::STEP_WORK`, and Smalltalk code
//! goes on a step at a time (which fuel, a slice or Stop interrupts) or,
//! for a division, signals an ArithmeticError naming the limit. Before,
//! one primitive held the host for as long as it took: a gcd of two
//! 3-Mbit Integers 31 s, a square root of 60 Mbit a minute, a primality
//! test of 100,000 bits most of an hour, in a page that must keep drawing.
//! Digits are read in subquadratic time, in literals and by `asNumber`.

use livetalk::host::EvalError;
use livetalk::interp::ProcState;
use livetalk::{Outcome, Vm};

/// The results of `exprs` (printed) with the primitives, then with every
/// super-linear one beyond the tiny bound `step` (`Vm::large_step`), so
/// that the Smalltalk code after each primitive runs on the same operands.
fn both_ways(exprs: &[&str], step: u64) -> (Vec<String>, Vec<String>) {
    let mut vm = Vm::new().unwrap();
    let run = |vm: &mut Vm| -> Vec<String> {
        exprs
            .iter()
            .map(|e| {
                vm.eval_print(e)
                    .unwrap_or_else(|err| format!("{e}: {err:?}"))
            })
            .collect()
    };
    let primitive = run(&mut vm);
    vm.large_step = step;
    let stepped = run(&mut vm);
    (primitive, stepped)
}

#[test]
fn the_stepped_code_answers_what_the_primitives_answer() {
    let mut exprs: Vec<String> = Vec::new();
    for k in 0..6 {
        // gcd: coprime cofactors times a known common part, signs mixed
        exprs.push(format!(
            "| g a b | g := (7 raisedTo: {}) + {k}. a := ((3 raisedTo: {}) + 1) * g. \
             b := ((3 raisedTo: {}) + 1) * g. {{a gcd: b. a negated gcd: b. (a gcd: b) = (b gcd: a)}}",
            300 + 37 * k,
            900 + 11 * k,
            700 + 13 * k
        ));
        // sqrtFloor: squares, squares less one, and in between
        exprs.push(format!(
            "| r | r := (5 raisedTo: {}) + {}. {{(r * r) sqrtFloor = r. (r * r - 1) sqrtFloor = (r - 1). \
             ((r * r) + r) sqrtFloor = r. ((11 raisedTo: {}) + 3) sqrtFloor}}",
            900 + 41 * k,
            k * k,
            1500 + 77 * k
        ));
    }
    // primality: Mersenne primes and composites near them, a strong
    // pseudoprime to 2, 3, 5 and 7, a Carmichael number, and small ones
    for e in [89, 107, 127, 521, 607] {
        exprs.push(format!(
            "| m | m := (2 raisedTo: {e}) - 1. {{m isProbablyPrime. (m + 2) isProbablyPrime. \
             (m * 3) isProbablyPrime. (m * m) isProbablyPrime}}"
        ));
    }
    exprs.push("{3215031751 isProbablyPrime. 41041 isProbablyPrime. 2 isProbablyPrime. 1 isProbablyPrime. -7 isProbablyPrime. 1000000007 isPrime}".into());
    let refs: Vec<&str> = exprs.iter().map(String::as_str).collect();
    let (primitive, stepped) = both_ways(&refs, 1000);
    for ((e, p), s) in refs.iter().zip(&primitive).zip(&stepped) {
        assert_eq!(p, s, "{e}");
        assert!(!p.contains("Error"), "{e}: {p}");
    }
    // the answers themselves, where they are known
    assert!(primitive[0].ends_with("true)"), "{}", primitive[0]);
    assert_eq!(primitive[1].matches("true").count(), 3, "{}", primitive[1]);
    assert_eq!(
        primitive[primitive.len() - 1],
        "#(false false true false false true)"
    );
    for p in &primitive[12..17] {
        assert_eq!(p, "#(true false false false)");
    }
}

#[test]
fn the_stepped_code_answers_for_small_operands_too() {
    // with no work allowed at all, every gcd, root and primality test
    // runs the Smalltalk code (small divisions are no work: they still
    // run as primitives)
    let exprs = [
        "{0 sqrtFloor. 1 sqrtFloor. 2 sqrtFloor. 3 sqrtFloor. 4 sqrtFloor. 99 sqrtFloor. 100 sqrtFloor}",
        "{0 gcd: 0. 0 gcd: -5. -12 gcd: 18. 12 gcd: -18. 7 gcd: 1. 1071 gcd: 462}",
        "(0 to: 60) select: [:n | n isProbablyPrime]",
        "{-3 isProbablyPrime. 561 isProbablyPrime. 7919 isProbablyPrime}",
    ];
    let (primitive, stepped) = both_ways(&exprs, 0);
    assert_eq!(primitive, stepped);
    assert_eq!(primitive[0], "#(0 1 1 1 2 9 10)");
    assert_eq!(primitive[1], "#(0 5 6 6 1 21)");
    assert_eq!(
        primitive[2],
        "#(2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59)"
    );
    assert_eq!(primitive[3], "#(false false true)");
}

#[test]
fn a_division_beyond_a_step_is_an_arithmetic_error() {
    let mut vm = Vm::new().unwrap();
    vm.large_step = 1000;
    for sel in ["//", "\\\\", "quo:", "rem:"] {
        let e = format!(
            "[(2 raisedTo: 100000) {sel} (3 raisedTo: 30000)] on: ArithmeticError do: [:e | e class name , ': ' , e messageText]"
        );
        assert_eq!(
            vm.eval_print(&e).unwrap(),
            "'ArithmeticError: division too large for one step: 100001 bits by 47549 bits'",
            "{sel}"
        );
        // within the bound, and by zero, as before
        let small = format!("(2 raisedTo: 100000) {sel} 12345");
        assert!(vm.eval_print(&small).is_ok(), "{sel}");
        let zero = format!("[(2 raisedTo: 100000) {sel} 0] on: ZeroDivide do: [:e | #zero]");
        assert_eq!(vm.eval_print(&zero).unwrap(), "#zero", "{sel}");
    }
    // an unhandled one suspends the process, with its stack
    match vm.eval("(2 raisedTo: 100000) // (3 raisedTo: 30000)") {
        Err(EvalError::Runtime {
            class_name, stack, ..
        }) => {
            assert_eq!(class_name, "ArithmeticError");
            assert!(
                stack.iter().any(|f| f.contains("divisionTooLarge:")),
                "{stack:?}"
            );
        }
        other => panic!("expected an ArithmeticError, got {:?}", other.map(|_| ())),
    }
}

/// Computes `setup` (the operands, as globals), then starts `expr` on
/// them and runs `fuel` instructions: the process must still be running.
/// With every step bounded, fuel stops it; the primitive that did the
/// whole of it in one step finished it (here, on purpose, within a
/// second or so natively: beyond, it took minutes to hours).
fn still_running_after(setup: &str, expr: &str, fuel: u64) {
    let mut vm = Vm::new().unwrap();
    vm.eval_print(setup).unwrap();
    let pid = vm.start(expr, 40).unwrap();
    let outcome = vm.run(fuel);
    assert_eq!(outcome, Outcome::Yielded, "{expr}");
    assert!(
        !matches!(
            vm.procs[pid].state,
            ProcState::Finished | ProcState::Errored | ProcState::Terminated
        ),
        "{expr}: {:?}",
        vm.procs[pid].state
    );
    vm.terminate_process(pid).unwrap();
    assert_eq!(vm.eval_print("3 + 4").unwrap(), "7");
}

#[test]
fn huge_operands_go_a_step_at_a_time() {
    // 400 and 250 Kbit (the primitive's binary gcd: half a second; 3
    // and 1.6 Mbit took 31 s)
    still_running_after(
        "Smalltalk at: #A put: (2 raisedTo: 400000) - 1; at: #B put: (3 raisedTo: 160000) + 7. nil",
        "A gcd: B",
        20_000,
    );
    // 1.6 Mbit (the primitive: a third of a second; 60 Mbit a minute)
    still_running_after(
        "Smalltalk at: #A put: (3 raisedTo: 1000000) + 5. nil",
        "A sqrtFloor",
        50,
    );
    // a prime of 2,281 bits (the primitive: 0.1 s; 9,689 bits 8 s)
    still_running_after(
        "Smalltalk at: #A put: (2 raisedTo: 2281) - 1. nil",
        "A isProbablyPrime",
        20_000,
    );
}

#[test]
fn a_primality_test_beyond_a_step_still_answers_composites_at_once() {
    // a multiple of a base, and 2^2400 + 1, which has no factor below 72
    // but which base 2 proves composite: one primitive each
    for (n, want) in [
        ("(2 raisedTo: 100000) + 2", "false"),
        ("(2 raisedTo: 2400) + 1", "false"),
    ] {
        let mut vm = Vm::new().unwrap();
        vm.eval_print(&format!("Smalltalk at: #A put: {n}. nil"))
            .unwrap();
        let sends = vm.send_count;
        vm.start("A isProbablyPrime", 40).unwrap();
        match vm.run(u64::MAX) {
            Outcome::Finished { value, .. } => assert_eq!(vm.quick_print(value), want, "{n}"),
            other => panic!("{n}: {other:?}"),
        }
        // the primitive's answer (the Smalltalk test sends thousands)
        assert!(
            vm.send_count - sends < 10,
            "{n}: {} sends",
            vm.send_count - sends
        );
    }
}

/// How many times `op` (on globals A and B) runs in one call of
/// `run(100_000)`, in a loop that counts them in global N.
fn ops_in_a_slice(setup: &str, op: &str) -> i64 {
    let mut vm = Vm::new().unwrap();
    vm.eval_print(&format!("{setup}. Smalltalk at: #N put: 0. nil"))
        .unwrap();
    let src = format!("[Smalltalk at: #N put: (Smalltalk at: #N) + 1. {op}] repeat");
    let pid = vm.start(&src, 40).unwrap();
    assert_eq!(vm.run(100_000), Outcome::Yielded);
    vm.terminate_process(pid).unwrap();
    vm.eval_print("N").unwrap().parse().unwrap()
}

#[test]
fn fuel_pays_for_large_integer_work() {
    // each of these takes a tenth of a millisecond or more and allocates
    // little: charged for its work, a slice of 100,000 instructions runs
    // a few (it ran thousands, and with larger operands took minutes)
    let cases = [
        (
            "(2 raisedTo: 5000) - 1",
            "(3 raisedTo: 3000) + 7",
            "A gcd: B",
        ),
        (
            "(2 raisedTo: 100000) - 1",
            "(3 raisedTo: 60000) + 7",
            "A * B",
        ),
        (
            "(2 raisedTo: 400000) - 1",
            "(3 raisedTo: 120000) + 7",
            "A // B",
        ),
        ("(2 raisedTo: 100000) - 1", "0", "A printString"),
    ];
    for (a, b, op) in cases {
        let n = ops_in_a_slice(&format!("Smalltalk at: #A put: {a}; at: #B put: {b}"), op);
        assert!((1..=4).contains(&n), "{op}: {n} in one slice");
    }
}

#[test]
fn long_digit_strings_read_in_subquadratic_time() {
    let mut vm = Vm::new().unwrap();
    let digits: String = (0..120_000u32)
        .map(|i| char::from(b'1' + ((i * 7 + i / 13) % 9) as u8))
        .collect();
    // a literal, asNumber, and a literal with a negative exponent (a
    // Fraction, reduced)
    let src = format!(
        "| n | n := {digits}. {{n printString size. n = '{digits}' asNumber. \
         {digits}e-50 = (n / (10 raisedTo: 50)). (n \\\\ 1000) printString}}"
    );
    let tail = &digits[digits.len() - 3..];
    let want = format!("#(120000 true true '{}')", tail.trim_start_matches('0'));
    assert_eq!(vm.eval_print(&src).unwrap(), want);
    // in another base, and a Float literal of many digits
    let src = format!("(36r{digits} printString: 36) = '{digits}'");
    assert_eq!(vm.eval_print(&src).unwrap(), "true");
    let src = format!("0.{digits}e1 = {}.{}", &digits[..1], &digits[1..]);
    assert_eq!(vm.eval_print(&src).unwrap(), "true");
}

/// A multiplication beyond one step is made from smaller products
/// (`Integer>>timesInSteps:`, Karatsuba's three halves), each a primitive
/// step or split again: the same products, signs and zeros as one
/// primitive, here with every product of more than a few limbs split.
#[test]
fn products_beyond_a_step_answer_what_one_primitive_answers() {
    let mut exprs: Vec<String> = Vec::new();
    for (i, (x, y)) in [
        ("(3 raisedTo: 2000) + 1", "(7 raisedTo: 1500) - 2"),
        ("(3 raisedTo: 2000) negated", "(7 raisedTo: 1500) + 5"),
        ("(2 raisedTo: 4000) - 1", "(2 raisedTo: 4000) - 3"),
        ("(5 raisedTo: 3000) negated", "(11 raisedTo: 100) negated"),
        ("(2 raisedTo: 6000)", "(3 raisedTo: 50)"),
        ("(13 raisedTo: 1000)", "0"),
        ("(13 raisedTo: 1000) + 1", "1"),
    ]
    .into_iter()
    .enumerate()
    {
        exprs.push(format!(
            "| x y | x := {x}. y := {y}. {{x * y. y * x. (x * y) \\\\ 1000000007. {i}}}"
        ));
    }
    let refs: Vec<&str> = exprs.iter().map(String::as_str).collect();
    let (primitive, stepped) = both_ways(&refs, 100);
    for ((e, p), s) in refs.iter().zip(&primitive).zip(&stepped) {
        assert_eq!(p, s, "{e}");
        assert!(!p.contains("Error"), "{e}: {p}");
    }
    // the path was taken: with the tiny step the products are split
    let mut vm = Vm::new().unwrap();
    vm.large_step = 100;
    assert_eq!(
        vm.eval_print("((3 raisedTo: 2000) + 1) productInSteps: ((7 raisedTo: 1500) - 2)")
            .unwrap(),
        "true"
    );
    vm.large_step = u64::MAX;
    assert_eq!(
        vm.eval_print("((3 raisedTo: 2000) + 1) productInSteps: ((7 raisedTo: 1500) - 2)")
            .unwrap(),
        "false"
    );
}

#[test]
fn a_huge_product_goes_a_step_at_a_time() {
    // 16 Mbit by 16 Mbit (the primitive: about a quarter of a second in
    // one step, 32 by 32 Mbit half a second)
    still_running_after(
        "Smalltalk at: #A put: (2 raisedTo: 16000000) - 1; at: #B put: (2 raisedTo: 16000000) - 3. nil",
        "A * B",
        200,
    );
}
