//! The optimizing tier against LIVE.md: the seed scenario with the tier
//! on (inlining, deoptimization on accept, re-optimization by OSR), and
//! identical Transcript output to the tier-off run for the same schedule.

use livetalk::interp::TierMode;
use livetalk::tier::TierEvent;
use livetalk::Vm;

const SEED: &str = include_str!("live/seed.st");

/// Prints `expr` (run once more after `warm` runs), and counts the frames
/// that last run made: with the tier on, the warm-up optimizes first.
fn frames_of(vm: &mut Vm, expr: &str, warm: usize) -> (Vec<String>, u64) {
    let mut out: Vec<String> = (0..warm)
        .map(|_| vm.eval_print(expr).expect("runs"))
        .collect();
    let before = vm.frames_made();
    out.push(vm.eval_print(expr).expect("runs"));
    (out, vm.frames_made() - before)
}

/// Runs the seed scenario with a fixed schedule; answers the transcript
/// and the tier events.
fn seed_session(tier: TierMode) -> (String, Vec<String>) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("seed.st", SEED).expect("seed");
    vm.take_tier_events();
    let pid = vm.start("Demo new methA: 0", 40).expect("start");
    let mut out = String::new();
    let mut events = Vec::new();
    let step = |vm: &mut Vm, fuel: u64, out: &mut String, events: &mut Vec<String>| {
        vm.run(fuel);
        out.push_str(&vm.take_transcript());
        events.extend(vm.take_tier_events().iter().map(|e| e.to_string()));
    };
    step(&mut vm, 20_000, &mut out, &mut events);
    events.push("-- accept methB".into());
    vm.accept("Demo", false, "methB\n\t^ 2", Some("demo"))
        .expect("accept");
    events.extend(vm.take_tier_events().iter().map(|e| e.to_string()));
    step(&mut vm, 20_000, &mut out, &mut events);
    events.push("-- accept methA:".into());
    vm.accept(
        "Demo",
        false,
        "methA: x\n\t[true] whileTrue: [Transcript show: 'new'; cr]",
        Some("demo"),
    )
    .expect("accept");
    events.extend(vm.take_tier_events().iter().map(|e| e.to_string()));
    step(&mut vm, 20_000, &mut out, &mut events);
    vm.terminate_process(pid).expect("terminate");
    (out, events)
}

#[test]
fn seed_scenario_with_the_tier_on() {
    let (out_on, events) = seed_session(TierMode::On);
    let (out_off, events_off) = seed_session(TierMode::Off);
    assert!(
        events_off.iter().all(|e| e.starts_with("--")),
        "tier off makes no events: {:?}",
        events_off
    );
    // R5: the tier is invisible — same output for the same schedule
    assert_eq!(out_on, out_off);
    let accept_b = events
        .iter()
        .position(|e| e == "-- accept methB")
        .expect("marker");
    let before = &events[..accept_b];
    let after = &events[accept_b + 1..];
    assert!(
        before.contains(&"optimized Demo>>methA: at loop head (OSR)".to_string()),
        "{:#?}",
        events
    );
    assert!(
        before.contains(&"inlined Demo>>methB v1 into Demo>>methA:".to_string()),
        "{:#?}",
        events
    );
    // the accept deoptimizes the running activation at once ...
    assert_eq!(
        after.first().map(String::as_str),
        Some("deoptimized 1 activation of Demo>>methA:: Demo>>methB was redefined"),
        "{:#?}",
        events
    );
    // ... and OSR re-optimizes the loop with the new methB inlined (R7)
    assert!(
        after.contains(&"optimized Demo>>methA: at loop head (OSR)".to_string()),
        "{:#?}",
        events
    );
    assert!(
        after.contains(&"inlined Demo>>methB v2 into Demo>>methA:".to_string()),
        "{:#?}",
        events
    );
    // the new value appears on the very next call: no 1 after the first 2
    let lines: Vec<&str> = out_on.lines().collect();
    let first_two = lines.iter().position(|l| *l == "2").expect("2 appears");
    assert!(
        lines[first_two..].iter().all(|l| *l == "2"),
        "old value after the accept"
    );
    // accepting methA: changes nothing for the running activation (R3)
    assert!(!out_on.contains("new"));
}

#[test]
fn eager_tier_gives_the_same_results() {
    let (out_eager, events) = seed_session(TierMode::Eager);
    let (out_off, _) = seed_session(TierMode::Off);
    assert_eq!(out_eager, out_off);
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("optimized Demo>>methA:")),
        "{:#?}",
        events
    );
}

#[test]
fn removing_an_inlined_method_deoptimizes_and_fails_next_send() {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    vm.file_in("seed.st", SEED).expect("seed");
    let pid = vm.start("Demo new methA: 0", 40).expect("start");
    vm.run(5_000);
    vm.take_tier_events();
    vm.remove("Demo", false, "methB").expect("remove");
    let ev = vm.take_tier_events();
    assert!(
        ev.iter().any(|e| matches!(e, TierEvent::Deoptimized { reason, .. } if reason == "Demo>>methB was removed")),
        "{:?}",
        ev
    );
    vm.run(5_000);
    assert_eq!(
        vm.procs[pid].error.as_ref().map(|e| e.class_name.as_str()),
        Some("MessageNotUnderstood")
    );
}

/// A straight-line arithmetic helper with arguments (`^ x * k + count`) is
/// inlined; its redefinition deoptimizes the caller and is seen at the
/// next call (R5, R6); a Float argument or a zero divisor takes the real
/// send, with the same answers and errors as the interpreter.
#[test]
fn straight_line_helpers_are_inlined_and_redefinable() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.eval("Object subclass: #Helper instanceVariableNames: 'count' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.accept("Helper", false, "scale: x by: k\n\t^ x * k + 1", Some("t"))
            .expect("scale");
        vm.accept(
            "Helper",
            false,
            "sum: n\n\t| s |\n\ts := 0.\n\t1 to: n do: [:i | s := s + (self scale: i by: 3)].\n\t^ s",
            Some("t"),
        )
        .expect("sum");
        // an expression's printString, or its error
        let show = |vm: &mut Vm, expr: &str| match vm.eval(expr) {
            Ok(v) => vm.print_string(v),
            Err(e) => format!("error {}", e),
        };
        let events = |vm: &mut Vm| -> Vec<String> {
            vm.take_tier_events()
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let mut out = vec![show(&mut vm, "Helper new sum: 100")];
        let before = events(&mut vm);
        vm.accept("Helper", false, "scale: x by: k\n\t^ x * k - 1", Some("t"))
            .expect("redefine");
        out.push(show(&mut vm, "Helper new sum: 100"));
        out.push(show(&mut vm, "Helper new scale: 1.5 by: 2"));
        vm.accept("Helper", false, "scale: x by: k\n\t^ x // k", Some("t"))
            .expect("redefine");
        out.push(show(&mut vm, "Helper new sum: 10"));
        out.push(show(&mut vm, "Helper new scale: 7 by: 0"));
        (out, before, events(&mut vm))
    };
    let (off, _, _) = run(TierMode::Off);
    let (eager, before, after) = run(TierMode::Eager);
    assert_eq!(off, eager);
    assert_eq!(off[0], "15250");
    assert_eq!(off[1], "15050");
    assert_eq!(off[2], "2.0");
    assert!(
        before
            .iter()
            .any(|e| e.starts_with("inlined Helper>>scale:by: v1 into Helper>>sum:")),
        "{:#?}",
        before
    );
    assert!(
        after
            .iter()
            .any(|e| e.contains("deoptimized") && e.contains("Helper>>scale:by: was redefined")),
        "{:#?}",
        after
    );
    assert!(off[4].contains("ZeroDivide"), "{}", off[4]);
}

/// A leaf inherited by several receiver classes (an accessor defined in a
/// common superclass) is inlined at a polymorphic site: the site's guard
/// takes each class whose lookup finds that same method, instead of
/// failing and giving up the inlining. Redefining the selector for one of
/// the classes invalidates the code (each class has its dependency) and
/// is seen at the next call, for that class only (R5, R6).
#[test]
fn an_inherited_leaf_is_inlined_for_every_class_that_shares_it() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        for def in [
            "Object subclass: #Shape instanceVariableNames: 'size' classVariableNames: '' poolDictionaries: '' category: 'T'",
            "Shape subclass: #Square instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'",
            "Shape subclass: #Circle instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'",
        ] {
            vm.eval(def).expect("class");
        }
        vm.accept("Shape", false, "size\n\t^ size", Some("t"))
            .expect("size");
        vm.accept("Shape", false, "size: n\n\tsize := n", Some("t"))
            .expect("size:");
        vm.accept(
            "Shape",
            true,
            "total: shapes times: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | shapes do: [:s | t := t + s size]].\n\t^ t",
            Some("t"),
        )
        .expect("total");
        let shapes =
            "{Square new size: 2. Circle new size: 3. Square new size: 5. Circle new size: 7}";
        let expr = format!("Shape total: {shapes} times: 200");
        let mut out = vec![vm.eval_print(&expr).expect("runs")];
        let before: Vec<String> = vm
            .take_tier_events()
            .iter()
            .map(|e| e.to_string())
            .collect();
        vm.accept("Circle", false, "size\n\t^ size * 10", Some("t"))
            .expect("redefine");
        out.push(vm.eval_print(&expr).expect("runs"));
        let after: Vec<String> = vm
            .take_tier_events()
            .iter()
            .map(|e| e.to_string())
            .collect();
        (out, before, after)
    };
    let (off, _, _) = run(TierMode::Off);
    let (on, before, after) = run(TierMode::On);
    assert_eq!(off, on);
    assert_eq!(off, vec!["3400".to_string(), "21400".to_string()]);
    assert!(
        before
            .iter()
            // (into the block, or wherever the block is inlined)
            .any(|e| e.starts_with("inlined Shape>>size v1 into ")),
        "{before:#?}"
    );
    // the site took both classes: its guard never gave up
    assert!(
        !before.iter().any(|e| e.contains("despecialized")),
        "{before:#?}"
    );
    assert!(
        after
            .iter()
            .any(|e| e.contains("deoptimized") || e.contains("invalidated")),
        "{after:#?}"
    );
}

/// A replaced method's optimized code is dropped: a recursive method's
/// inline cache refers back to the method itself, so without that the old
/// version (code, optimized code, caches) would stay alive for good.
#[test]
fn a_replaced_recursive_method_is_freed() {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    vm.accept(
        "Integer",
        false,
        "fibo\n\t^ self < 2 ifTrue: [self] ifFalse: [(self - 1) fibo + (self - 2) fibo]",
        Some("t"),
    )
    .expect("fibo");
    assert_eq!(vm.eval_print("20 fibo").expect("runs"), "6765");
    let class = vm.class_named("Integer").expect("Integer");
    let sel = vm.intern("fibo");
    let m = vm.lookup_uncached(class, sel).expect("installed");
    let old = std::rc::Rc::downgrade(&vm.method_code(m).expect("code"));
    assert!(
        old.upgrade().is_some_and(|c| c.tier.borrow().opt.is_some()),
        "optimized before the accept"
    );
    vm.accept(
        "Integer",
        false,
        "fibo\n\t^ self < 2 ifTrue: [1] ifFalse: [(self - 1) fibo + (self - 2) fibo]",
        Some("t"),
    )
    .expect("fibo v2");
    assert_eq!(vm.eval_print("20 fibo").expect("runs"), "10946");
    vm.collect_garbage();
    assert!(old.upgrade().is_none(), "the old version is still alive");
}

/// Live coding is not a failed speculation: accepting methB fifty times
/// into the seed's running loop deoptimizes methA: fifty times, and each
/// time it is optimized again, with the newest methB inlined.
#[test]
fn fifty_accepts_into_the_seed_loop_keep_it_optimized() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/seed.st"))
        .unwrap();
    let mut vm = Vm::new().unwrap();
    vm.tier = TierMode::On;
    vm.file_in("seed.st", &src).unwrap();
    vm.start("Demo new methA: 0", 40).unwrap();
    vm.run(20_000);
    for v in 2..=51 {
        vm.accept("Demo", false, &format!("methB\n\t^ {v}"), Some("demo"))
            .unwrap();
        vm.run(20_000);
    }
    let out = vm.take_transcript();
    assert_eq!(
        out.lines().rev().nth(1),
        Some("51"),
        "the newest methB runs"
    );
    let report = vm.tier_report();
    let (_, optimized, inlined, deopts) = report
        .iter()
        .find(|(m, ..)| m == "Demo>>methA:")
        .expect("methA: in the tier report");
    assert!(*optimized, "methA: is optimized after the last accept");
    assert_eq!(*deopts, 50);
    assert!(
        inlined.iter().any(|c| c.starts_with("Demo>>methB v51")),
        "the newest methB is inlined: {inlined:?}"
    );
}

/// A polymorphic send whose callees are leaves without side effects
/// (`isNil` on nil and on other objects: two methods) answers each class's
/// leaf from the inline cache, with no frame; the same answers as the
/// interpreter, and a redefinition for one class is seen at its next call.
#[test]
fn a_polymorphic_site_answers_each_class_leaf_without_a_frame() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.eval("Object subclass: #Cell instanceVariableNames: 'v' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.accept("Cell", false, "v\n\t^ v", Some("t")).expect("v");
        vm.accept("Cell", false, "v: x\n\tv := x", Some("t"))
            .expect("v:");
        vm.accept(
            "Cell",
            true,
            "count: items times: n\n\t| t e |\n\tt := 0.\n\t1 to: n do: [:i | 1 to: items size do: [:j | e := items at: j. e isNil ifFalse: [t := t + e v]]].\n\t^ t",
            Some("t"),
        )
        .expect("count");
        let expr = "Cell count: {nil. Cell new v: 2. nil. Cell new v: 5} times: 3000";
        let (mut out, frames) = frames_of(&mut vm, expr, 1);
        vm.accept("UndefinedObject", false, "isNil\n\t^ false", Some("t"))
            .expect("redefine");
        vm.accept("UndefinedObject", false, "v\n\t^ 100", Some("t"))
            .expect("v");
        out.push(vm.eval_print(expr).expect("runs"));
        (out, frames)
    };
    let (off, frames_off) = run(TierMode::Off);
    let (on, frames_on) = run(TierMode::On);
    assert_eq!(off, vec!["21000", "21000", "621000"]);
    assert_eq!(on, off);
    // each of the 12,000 isNil sends is a frame without the tier
    assert!(frames_off > 12_000, "{frames_off}");
    assert!(frames_on < 200, "{frames_on}");
}

/// A leaf site inside an inlined callee that meets a second class
/// (`flag not` on true and on false) is that site's miss, not the
/// callee's: the site goes polymorphic and the callee stays inlined, so
/// the loop makes no frames for it (before, the callee's own send came
/// back after 32 misses, one frame per call).
#[test]
fn a_polymorphic_leaf_inside_an_inlined_callee_keeps_it_inlined() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.eval("Object subclass: #Task instanceVariableNames: 'flag' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.accept("Task", false, "flag: b\n\tflag := b", Some("t"))
            .expect("flag:");
        vm.accept(
            "Task",
            false,
            "waiting\n\t| w |\n\tw := flag not.\n\t^ w",
            Some("t"),
        )
        .expect("waiting");
        vm.accept(
            "Task",
            true,
            "count: tasks times: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | tasks do: [:k | k waiting ifTrue: [t := t + 1]]].\n\t^ t",
            Some("t"),
        )
        .expect("count");
        let expr = "Task count: {Task new flag: true. Task new flag: false. Task new flag: false} times: 2000";
        let (mut out, frames) = frames_of(&mut vm, expr, 1);
        vm.accept("False", false, "not\n\t^ 7 = 8", Some("t"))
            .expect("redefine");
        out.push(vm.eval_print(expr).expect("runs"));
        (out, frames)
    };
    let (off, frames_off) = run(TierMode::Off);
    let (on, frames_on) = run(TierMode::On);
    assert_eq!(off, vec!["4000", "4000", "0"]);
    assert_eq!(on, off);
    // each of the 6,000 waiting sends is a frame without the tier
    assert!(frames_off > 6_000, "{frames_off}");
    assert!(frames_on < 300, "{frames_on}");
}

/// The sends that special instructions stand for when their fast path
/// does not apply (`=` on Strings, `at:`/`at:put:` on a String, `==`
/// between objects, `class`, a super send) are made by the fast loop
/// itself, in every tier mode: it hands no instruction to the general
/// loop for them. The answers are the interpreter's.
#[test]
fn the_fast_loop_makes_the_sends_of_special_instructions() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.eval("Object subclass: #Base instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.eval("Base subclass: #Derived instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.accept("Base", false, "size: n\n\t^ n + 1", Some("t"))
            .expect("base");
        vm.accept(
            "Derived",
            false,
            "size: n\n\t^ (super size: n) * 2",
            Some("t"),
        )
        .expect("derived");
        vm.accept(
            "Base",
            true,
            "mix: n\n\t| s t d |\n\ts := 'abc' copy. t := 0. d := Derived new.\n\t1 to: n do: [:i |\n\t\t(s = 'abc') ifTrue: [t := t + 1].\n\t\ts at: 2 put: (s at: 1).\n\t\ts at: 2 put: $b.\n\t\t(s == d) ifFalse: [t := t + 1].\n\t\t(d class == Derived) ifTrue: [t := t + (d size: i)]].\n\t^ t",
            Some("t"),
        )
        .expect("mix");
        let before = vm.handed_over;
        let answer = vm.eval_print("Base mix: 2000").expect("runs");
        (answer, vm.handed_over - before)
    };
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let (answer, handed) = run(tier);
        assert_eq!(answer, "4010000", "{tier:?}");
        // (a few for the do-it's start and end, not one per iteration)
        assert!(handed < 20, "{tier:?}: {handed}");
    }
}

/// A callee that reads globals and literals (`^ Prefix , x printString`,
/// `^ String with: self`) is inlined: its body reads them from its own
/// scope's literals, a global's binding when it runs (a new value stored
/// in the global by the loop itself is seen at once), and a literal is
/// the callee's own object. The answers are the interpreter's.
#[test]
fn a_callee_with_globals_and_literals_is_inlined() {
    let run = |tier: TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.eval("Object subclass: #Tagger instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("class");
        vm.eval("Smalltalk at: #Prefix put: 'a'").expect("global");
        vm.accept(
            "Tagger",
            false,
            "label: x\n\t^ (Prefix , x printString) , 'z'",
            Some("t"),
        )
        .expect("label:");
        vm.accept("Tagger", false, "mark\n\t^ #(1 $a 'lit')", Some("t"))
            .expect("mark");
        vm.accept(
            "Tagger",
            false,
            "run: n\n\t| t s m |\n\tt := 0. m := self mark.\n\t1 to: n do: [:i |\n\t\ti = 500 ifTrue: [Smalltalk at: #Prefix put: 'bb'].\n\t\ts := self label: i.\n\t\tt := t + s size.\n\t\t(self mark == m) ifFalse: [t := t - 1000000]].\n\t^ t",
            Some("t"),
        )
        .expect("run:");
        vm.eval_print("Tagger new run: 1000").expect("warm");
        vm.eval("Smalltalk at: #Prefix put: 'a'").expect("global");
        let before = vm.frames_made();
        let answer = vm.eval_print("Tagger new run: 1000").expect("runs");
        (answer, vm.frames_made() - before)
    };
    let (off, _) = run(TierMode::Off);
    assert_eq!(off, "5394");
    for tier in [TierMode::On, TierMode::Eager] {
        let (answer, frames) = run(tier);
        assert_eq!(answer, off, "{tier:?}");
        // label: gets no frame of its own (1,000 without the inlining)
        assert!(frames < 100, "{tier:?}: {frames}");
    }
}
