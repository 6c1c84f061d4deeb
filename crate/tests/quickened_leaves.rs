//! Leaves quickened where they are sent. Getters and constant leaves
//! sent to any receiver (here an instance variable, which
//! `GetterS`/`GetterT` do not cover) are quickened in place
//! (`GetterLeaf`, `ConstLeaf`); `x isNil`-style sends whose site has met
//! nil and one other class, each answering a constant, are quickened into
//! the push of `x` (`ConstNilT`), one dispatch for both. The answers are
//! the interpreter's in every tier mode, for the class quickened for and
//! for a subclass; a method accepted or removed takes effect at the next
//! send (the lookups are the code's dependencies).

use livetalk::interp::TierMode;
use livetalk::Vm;

/// A VM with the tier in `tier`, the classes `defs` defined and the
/// methods `methods` (class, source) accepted.
fn vm_with(tier: TierMode, defs: &[&str], methods: &[(&str, &str)]) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    for def in defs {
        vm.eval(def).expect(def);
    }
    for (class, src) in methods {
        vm.accept(class, false, src, Some("t")).expect(src);
    }
    vm
}

fn eval(vm: &mut Vm, src: &str) -> String {
    vm.eval_print(src).unwrap_or_else(|e| format!("error: {e}"))
}

const TIERS: [TierMode; 3] = [TierMode::Off, TierMode::On, TierMode::Eager];

fn box_vm(tier: TierMode) -> Vm {
    vm_with(
        tier,
        &[
            "Object subclass: #LBox instanceVariableNames: 'inner' classVariableNames: '' poolDictionaries: '' category: 'T'",
            "Point subclass: #LPoint3 instanceVariableNames: 'z' classVariableNames: '' poolDictionaries: '' category: 'T'",
        ],
        &[
            ("LBox", "inner: p\n\tinner := p"),
            ("Point", "unit\n\t^ 1"),
            (
                "LBox",
                "sumOf: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | t := t + inner x + inner unit].\n\t^ t",
            ),
        ],
    )
}

fn sum(vm: &mut Vm, inner: &str) -> String {
    eval(
        vm,
        &format!("| b r | b := LBox new inner: {inner}. 1 to: 30 do: [:k | r := b sumOf: 10]. r"),
    )
}

#[test]
fn quickened_getter_and_constant_leaves() {
    let mut listings = Vec::new();
    for tier in TIERS {
        let mut vm = box_vm(tier);
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

fn node_vm(tier: TierMode) -> Vm {
    vm_with(
        tier,
        &[
            "Object subclass: #LNode instanceVariableNames: 'next' classVariableNames: '' poolDictionaries: '' category: 'T'",
            "LNode subclass: #LNode2 instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'",
        ],
        &[
            ("LNode", "next\n\t^ next"),
            ("LNode", "next: n\n\tnext := n"),
            ("Object", "isLeafy\n\t^ false"),
            ("UndefinedObject", "isLeafy\n\t^ true"),
            (
                "LNode",
                "tags: x\n\t| t out |\n\tout := Array new: 4.\n\tt := x.\n\t1 to: 4 do: [:i |\n\t\tout at: i put: t isLeafy.\n\t\tt := t ifNotNil: [t next]].\n\t^ out",
            ),
        ],
    )
}

/// `tags:` over a list of two nodes (the second of class `second`),
/// enough times for the tier.
fn tags(vm: &mut Vm, second: &str) -> String {
    eval(
        vm,
        &format!(
            "| a r | a := LNode new next: ({second} new); yourself. \
             1 to: 40 do: [:k | r := LNode new tags: a]. r"
        ),
    )
}

#[test]
fn quickened_nil_leaves_follow_every_change() {
    let mut listings = Vec::new();
    for tier in TIERS {
        let mut vm = node_vm(tier);
        let mut seen = vec![tags(&mut vm, "LNode")];
        listings.push(vm.disassemble("LNode>>tags:").expect("listing"));
        // the other class's method, accepted, then removed
        vm.accept("LNode", false, "isLeafy\n\t^ #mine", Some("t"))
            .expect("accept");
        seen.push(tags(&mut vm, "LNode"));
        vm.remove("LNode", false, "isLeafy").expect("remove");
        seen.push(tags(&mut vm, "LNode"));
        // nil's
        vm.accept("UndefinedObject", false, "isLeafy\n\t^ 7", Some("t"))
            .expect("accept");
        seen.push(tags(&mut vm, "LNode"));
        // a subclass with an override of its own, met after quickening
        vm.accept("LNode2", false, "isLeafy\n\t^ #two", Some("t"))
            .expect("accept");
        seen.push(tags(&mut vm, "LNode2"));
        assert_eq!(
            seen,
            [
                "#(false false true true)",
                "#(#mine #mine true true)",
                "#(false false true true)",
                "#(false false 7 7)",
                "#(false #two 7 7)",
            ],
            "tier {tier:?}"
        );
    }
    // the send was quickened with the tier on (before the changes)
    for listing in &listings[1..] {
        assert!(
            listing.contains("ConstNilT true if t1 is nil, false if LNode"),
            "{listing}"
        );
    }
    assert!(!listings[0].contains("ConstNilT"), "{}", listings[0]);
}
