//! Methods with very many temporaries (a review finding): one with
//! exactly u16::MAX (65535) did not verify (its entry height is the
//! verifier's DEAD marker), yet a call took it into the unchecked fast
//! loop, whose pushes then ran past the stack buffer; with 65537, temp
//! indices wrapped (t65536 aliased t0). More than 4096 is now a compile
//! error that installs nothing; up to that, methods run, verified.

use livetalk::interp::TierMode;
use livetalk::Vm;

fn source(temps: usize, body: &str) -> String {
    let names: Vec<String> = (0..temps).map(|i| format!("t{i}")).collect();
    format!(
        "Object subclass: #Big
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!

!Big methodsFor: 'test'!
big
	| {} |
	{}
! !
",
        names.join(" "),
        body
    )
}

fn nested(depth: usize) -> String {
    let mut e = "1".to_string();
    for _ in 0..depth {
        e = format!("(1 + {e})");
    }
    format!("^ {e}")
}

#[test]
fn too_many_temps_is_a_compile_error() {
    for temps in [4097, 65535, 65537] {
        let mut vm = Vm::new().expect("kernel");
        let err = vm
            .file_in("big.st", &source(temps, "t0 := 1.\n\t^ t0"))
            .expect_err("too many temps");
        assert!(
            format!("{err:?}").contains("too many temporaries"),
            "{temps}: {err:?}"
        );
        // nothing was installed
        assert!(vm.eval_print("Big new big").is_err(), "{temps}");
    }
}

#[test]
fn many_temps_run_verified_in_every_tier() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.file_in("big.st", &source(4000, &nested(60)))
            .expect("4000 temps compile");
        assert_eq!(
            vm.eval_print("Big new big").expect("runs"),
            "61",
            "{tier:?}"
        );
        vm.file_in(
            "big.st",
            &source(4000, "t0 := 1.\n\tt3999 := 5.\n\t^ t0 + t3999"),
        )
        .expect("compiles");
        assert_eq!(vm.eval_print("Big new big").expect("runs"), "6", "{tier:?}");
        assert_eq!(vm.unshaped, 0);
    }
}
