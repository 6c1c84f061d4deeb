//! Random loops, which the tier runs as loop kernels (straight-line,
//! with `ifTrue:` on an Array's elements, with a loop inside): every
//! arithmetic operation, values near the SmallInteger limit, division by
//! zero, comparisons stored into temps, Array stores out of range, a
//! Fraction where a SmallInteger was, every ordering as the test; tier
//! off against on and eager, answers and lockstep slices.

mod common;

use common::kernel_loops::{in_slices, program};
use livetalk::interp::TierMode;
use livetalk::Vm;

fn vm(tier: TierMode, src: &str) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("kf.st", src).expect("file in");
    vm
}

#[test]
fn random_kernels() {
    let (mut kernels, mut skips, mut nested) = (0, 0, 0);
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
                        kernels += d.matches("\nloop kernel").count();
                        // (a kernel's `ifTrue:`, and a loop inside one)
                        skips += d.matches(" unless t").count();
                        nested += d.matches(" loop kernel").count();
                    }
                }
            }
        }
        for (i, t) in [TierMode::On, TierMode::Eager].into_iter().enumerate() {
            let (mut a, mut b) = (vm(TierMode::Off, &src), vm(t, &src));
            let label = format!("seed {seed} {t:?}\n{src}");
            in_slices(&label, &expr, &mut a, &mut b, seed as usize + i);
        }
    }
    println!("kernels: {kernels}, with an ifTrue: {skips}, with a loop inside: {nested}");
    assert!(kernels > 50 && skips > 20 && nested > 20);
}
