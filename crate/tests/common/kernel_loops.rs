//! Random loops, which the tier runs as loop kernels: straight-line
//! statements, `ifTrue:` on an Array's elements, a loop inside (for
//! `loop_kernels_random.rs`, and for the browser's compiled kernels in
//! `web.rs`): `program(seed)` is a class and an expression that calls
//! its methods.

use super::{in_lockstep, Rng};
use livetalk::Vm;

fn operand(r: &mut Rng) -> String {
    match r.below(7) {
        0 => "1152921504606846000".into(),
        6 => "5/2".into(),
        1 => "-7".into(),
        2 => format!("{}", r.below(40)),
        3 => "0".into(),
        _ => format!("{}", r.below(5) + 1),
    }
}

/// A statement on SmallIntegers and the Array `a`.
fn simple(r: &mut Rng, index: &str) -> String {
    let ops = [
        "+", "-", "*", "//", "\\\\", "<", "<=", "=", "bitAnd:", "bitOr:",
    ];
    let c = ["t1", "t2", "t3"][r.index(3)];
    let a = ["t1", "t2", "t3", index][r.index(4)];
    let op = r.pick(&ops);
    match r.below(4) {
        0 => format!("{c} := {a} {op} {}", ["t1", "t2", "t3", index][r.index(4)]),
        1 => format!("{c} := {a} {op} {}", r.below(9)),
        2 => format!(
            "a at: {} put: {}",
            [index, "t1", "t2"][r.index(3)],
            ["nil", "true", "false", "3", "-2"][r.index(5)]
        ),
        _ => format!("{c} := {c} + 1"),
    }
}

/// A statement of a loop over `index`: a simple one, an `ifTrue:` on an
/// element of `a`, or (with `inner`) a loop inside, over `j`.
fn statement(r: &mut Rng, index: &str, inner: bool) -> String {
    match r.below(if inner { 8 } else { 6 }) {
        0 | 1 => {
            let then: Vec<String> = (0..1 + r.below(2)).map(|_| simple(r, index)).collect();
            format!(
                "(a at: {}) ifTrue: [{}]",
                [index, "t1", "t2"][r.index(3)],
                then.join(". ")
            )
        }
        6 | 7 => {
            // (mostly statements that do not fail, so that the loop
            // inside runs to its end)
            let body: Vec<String> = (0..1 + r.below(3))
                .map(|_| match r.below(5) {
                    0 => statement(r, "j", false),
                    1 => format!("a at: j put: {}", ["true", "false"][r.index(2)]),
                    2 => format!("(a at: j) ifTrue: [t{} := t3 + j]", 1 + r.below(3)),
                    _ => format!("t{} := t{} + j", 1 + r.below(3), 1 + r.below(3)),
                })
                .collect();
            format!(
                "j := i + {}. [j <= n] whileTrue: [{}. j := j + {}]",
                r.below(3),
                body.join(". "),
                1 + r.below(3)
            )
        }
        _ => simple(r, index),
    }
}

fn method(r: &mut Rng, k: usize) -> String {
    let mut body = Vec::new();
    for _ in 0..1 + r.below(5) {
        body.push(statement(r, "i", true));
    }
    let step = 1 + r.below(3);
    let (test, init) = if r.below(2) == 0 {
        let op = ["<=", "<"][r.index(2)];
        (
            format!(
                "[i {op} n] whileTrue: [{}. i := i + {step}]",
                body.join(". ")
            ),
            "i := 1".to_string(),
        )
    } else {
        (
            format!(
                "[{}] whileTrue: [{}. i := i - {step}]",
                ["i > 0", "i >= 1", "0 < i"][r.index(3)],
                body.join(". ")
            ),
            "i := n".to_string(),
        )
    };
    format!(
        "m{k}: n with: a\n\t| i j t1 t2 t3 |\n\tt1 := {}. t2 := {}. t3 := {}. {init}.\n\t{test}.\n\t^ Array with: t1 with: t2 with: t3 with: a\n",
        operand(r), operand(r), operand(r)
    )
}

pub fn program(seed: u64) -> (String, String) {
    let mut r = Rng(seed);
    let n = 6;
    let mut src = String::from("Object subclass: #KF instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'!\n\n!KF methodsFor: 'x'!\n");
    for k in 0..n {
        src.push_str(&method(&mut r, k));
        src.push_str("!\n");
    }
    src.push_str("! !\n");
    let mut expr = String::from("| r | r := OrderedCollection new. 1 to: 3 do: [:j |\n");
    for k in 0..n {
        let cnt = r.below(14);
        // (half the time, large enough for every index up to the count)
        let size = if r.below(2) == 0 {
            cnt + 3
        } else {
            1 + r.below(12)
        };
        let fill = ["", " withAll: true", " withAll: false"][r.index(3)];
        expr.push_str(&format!(
            "r add: ([KF new m{k}: {cnt} with: (Array new: {size}{fill})] on: Error do: [:e | e class name]).\n"
        ));
    }
    expr.push_str("]. r");
    (src, expr)
}

/// Runs `expr` in `a` and `b` slice by slice, slices of 1 to 2,584
/// instructions (in an order `seed` picks), comparing their stacks at
/// every boundary (`in_lockstep`).
pub fn in_slices(label: &str, expr: &str, a: &mut Vm, b: &mut Vm, seed: usize) {
    let pa = a.start(expr, 40).expect("start");
    let pb = b.start(expr, 40).expect("start");
    in_lockstep(
        label,
        (a, pa),
        (b, pb),
        move |j| [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 377, 987, 2584][(j * 7 + seed) % 14],
        2_000_000,
        |_, _, _, _| {},
    );
}
