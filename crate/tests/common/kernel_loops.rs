//! Random straight-line loops, which the tier runs as loop kernels (for
//! `loop_kernels_random.rs`, and for the browser's compiled kernels in
//! `web.rs`): `program(seed)` is a class and an expression that calls
//! its methods.

use super::Rng;

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

fn method(r: &mut Rng, k: usize) -> String {
    let ops = [
        "+", "-", "*", "//", "\\\\", "<", "<=", "=", "bitAnd:", "bitOr:",
    ];
    let mut body = Vec::new();
    for _ in 0..1 + r.below(5) {
        let c = ["t1", "t2", "t3"][r.index(3)];
        let a = ["t1", "t2", "t3", "i"][r.index(4)];
        let op = r.pick(&ops);
        match r.below(4) {
            0 => body.push(format!(
                "{c} := {a} {op} {}",
                ["t1", "t2", "t3", "i"][r.index(4)]
            )),
            1 => body.push(format!("{c} := {a} {op} {}", r.below(9))),
            2 => body.push(format!(
                "a at: {} put: {}",
                ["i", "t1", "t2"][r.index(3)],
                ["nil", "true", "false", "3", "-2"][r.index(5)]
            )),
            _ => body.push(format!("{c} := {c} + 1")),
        }
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
        "m{k}: n with: a\n\t| i t1 t2 t3 |\n\tt1 := {}. t2 := {}. t3 := {}. {init}.\n\t{test}.\n\t^ Array with: t1 with: t2 with: t3 with: a\n",
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
        let size = 1 + r.below(12);
        let cnt = r.below(14);
        expr.push_str(&format!(
            "r add: ([KF new m{k}: {cnt} with: (Array new: {size})] on: Error do: [:e | e class name]).\n"
        ));
    }
    expr.push_str("]. r");
    (src, expr)
}
