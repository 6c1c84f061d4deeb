//! Random straight-line loops, which the tier runs as loop kernels: every
//! arithmetic operation, values near the SmallInteger limit, division by
//! zero, comparisons stored into temps, Array stores out of range, a
//! Fraction where a SmallInteger was, every ordering as the test; tier
//! off against on and eager, answers and lockstep slices.

mod common;

use common::{in_lockstep, Rng};
use livetalk::interp::TierMode;
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

fn program(seed: u64) -> (String, String) {
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

fn vm(tier: TierMode, src: &str) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("kf.st", src).expect("file in");
    vm
}

#[test]
fn random_kernels() {
    let mut kernels = 0;
    for seed in 1..120u64 {
        let (src, expr) = program(seed * 7919 + 13);
        let want = vm(TierMode::Off, &src).eval_print(&expr).expect("off");
        for t in [TierMode::On, TierMode::Eager] {
            let mut v = vm(t, &src);
            assert_eq!(
                v.eval_print(&expr).expect("tier"),
                want,
                "seed {seed} {t:?}\n{src}\n{expr}"
            );
            if t == TierMode::Eager {
                for k in 0..6 {
                    if let Ok(d) = v.disassemble(&format!("KF>>m{k}:with:")) {
                        kernels += d.matches("loop kernel").count();
                    }
                }
            }
        }
        for (i, t) in [TierMode::On, TierMode::Eager].into_iter().enumerate() {
            let mut a = vm(TierMode::Off, &src);
            let mut b = vm(t, &src);
            let pa = a.start(&expr, 40).expect("start");
            let pb = b.start(&expr, 40).expect("start");
            let s = seed as usize + i;
            in_lockstep(
                &format!("seed {seed} {t:?}\n{src}"),
                (&mut a, pa),
                (&mut b, pb),
                move |j| [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144][(j * 7 + s) % 11],
                2_000_000,
                |_, _, _, _| {},
            );
        }
    }
    println!("kernels: {kernels}");
    assert!(kernels > 50);
}
