//! Getters and constant leaves sent to any receiver (here an instance
//! variable, which `GetterS`/`GetterT` do not cover) are quickened in
//! place (`GetterLeaf`, `ConstLeaf`): the same answers as the
//! interpreter in every tier mode, for the class they were quickened
//! for and for a subclass that inherits the methods, and a method
//! accepted or removed takes effect at the next send.

use livetalk::interp::TierMode;
use livetalk::Vm;

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    for def in [
        "Object subclass: #LBox instanceVariableNames: 'inner' classVariableNames: '' poolDictionaries: '' category: 'T'",
        "Point subclass: #LPoint3 instanceVariableNames: 'z' classVariableNames: '' poolDictionaries: '' category: 'T'",
    ] {
        vm.eval(def).expect(def);
    }
    for (class, src) in [
        ("LBox", "inner: p\n\tinner := p"),
        ("Point", "unit\n\t^ 1"),
        (
            "LBox",
            "sumOf: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | t := t + inner x + inner unit].\n\t^ t",
        ),
    ] {
        vm.accept(class, false, src, Some("t")).expect(src);
    }
    vm
}

fn sum(vm: &mut Vm, inner: &str) -> String {
    let src =
        format!("| b r | b := LBox new inner: {inner}. 1 to: 30 do: [:k | r := b sumOf: 10]. r");
    vm.eval_print(&src)
        .unwrap_or_else(|e| format!("error: {e}"))
}

#[test]
fn quickened_getter_and_constant_leaves() {
    let mut listings = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        let mut seen = vec![sum(&mut vm, "3 @ 4")];
        listings.push(vm.disassemble("LBox>>sumOf:").expect("listing"));
        // a subclass, after quickening: the InlineLeaf's other classes
        seen.push(sum(&mut vm, "((LPoint3 new) setX: 5 setY: 6; yourself)"));
        seen.push(sum(&mut vm, "3 @ 4"));
        vm.accept("Point", false, "unit\n\t^ 100", Some("t"))
            .expect("accept");
        seen.push(sum(&mut vm, "3 @ 4"));
        vm.accept("LPoint3", false, "x\n\t^ 7", Some("t"))
            .expect("accept");
        seen.push(sum(&mut vm, "((LPoint3 new) setX: 5 setY: 6; yourself)"));
        vm.remove("LPoint3", false, "x").expect("remove");
        seen.push(sum(&mut vm, "((LPoint3 new) setX: 5 setY: 6; yourself)"));
        assert_eq!(
            seen,
            ["40", "60", "40", "1030", "1070", "1050"],
            "tier {tier:?}"
        );
    }
    for listing in &listings[1..] {
        for quick in [
            "GetterLeaf { site: 0 } .0 if Point",
            "ConstLeaf { site: 1 } 1 if Point",
        ] {
            assert!(listing.contains(quick), "{quick}:\n{listing}");
        }
    }
    assert!(!listings[0].contains("Leaf"), "{}", listings[0]);
}
