//! `x isNil`-style sends whose site has met nil and one other class,
//! each answering a constant, are quickened into the push of `x`
//! (`ConstNilT`): one dispatch answers both. The answers are the
//! interpreter's in every tier mode; a method accepted or removed for
//! either class takes effect at the next send (both lookups are the
//! code's dependencies); and receivers of any other class (a subclass
//! too) get the send.

use livetalk::interp::TierMode;
use livetalk::Vm;

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.eval(
        "Object subclass: #LNode instanceVariableNames: 'next' classVariableNames: '' \
         poolDictionaries: '' category: 'T'",
    )
    .expect("LNode");
    vm.eval(
        "LNode subclass: #LNode2 instanceVariableNames: '' classVariableNames: '' \
         poolDictionaries: '' category: 'T'",
    )
    .expect("LNode2");
    for (class, src) in [
        ("LNode", "next\n\t^ next"),
        ("LNode", "next: n\n\tnext := n"),
        ("Object", "isLeafy\n\t^ false"),
        ("UndefinedObject", "isLeafy\n\t^ true"),
        (
            "LNode",
            "tags: x\n\t| t out |\n\tout := Array new: 4.\n\tt := x.\n\t1 to: 4 do: [:i |\n\t\tout at: i put: t isLeafy.\n\t\tt := t ifNotNil: [t next]].\n\t^ out",
        ),
    ] {
        vm.accept(class, false, src, Some("t")).expect(src);
    }
    vm
}

/// `tags:` over a list of two nodes (the second of class `second`),
/// enough times for the tier.
fn tags(vm: &mut Vm, second: &str) -> String {
    let src = format!(
        "| a r | a := LNode new next: ({second} new); yourself. \
         1 to: 40 do: [:k | r := LNode new tags: a]. r"
    );
    vm.eval_print(&src)
        .unwrap_or_else(|e| format!("error: {e}"))
}

#[test]
fn quickened_nil_leaves_follow_every_change() {
    let mut listings = Vec::new();
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
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
