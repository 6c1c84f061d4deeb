//! The host API the page and the CLI use: listing, sources, versions,
//! activations, stack inspection with source ranges, accept semantics.

use livetalk::Vm;

const DEMO: &str = "Object subclass: #Demo
	instanceVariableNames: 'count'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Demo'!

!Demo methodsFor: 'demo'!
methA: x
	| local |
	local := x + 1.
	[true] whileTrue: [count := self methB]
!
methB
	^ 1
! !
";

fn vm() -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.file_in("demo.st", DEMO).expect("demo");
    vm
}

#[test]
fn lists_classes_methods_sources_and_versions() {
    let mut vm = vm();
    let demo = vm
        .list_classes()
        .into_iter()
        .find(|c| c.name == "Demo")
        .expect("Demo listed");
    assert_eq!(demo.superclass.as_deref(), Some("Object"));
    assert_eq!(demo.inst_vars, vec!["count".to_string()]);
    let ms = vm.list_methods("Demo", false).expect("methods");
    let sels: Vec<&str> = ms.iter().map(|m| m.selector.as_str()).collect();
    assert_eq!(sels, ["methA:", "methB"]);
    assert!(ms.iter().all(|m| m.version == 1));
    assert_eq!(vm.accept("Demo", false, "methB\n\t^ 2", "demo"), Ok(2));
    assert_eq!(vm.accept("Demo", false, "methB\n\t^ 3", "demo"), Ok(3));
    assert_eq!(
        vm.method_source("Demo", false, "methB").expect("source"),
        "methB\n\t^ 3"
    );
    // a failed accept changes nothing: same source, same version
    assert!(vm.accept("Demo", false, "methB\n\t^ 3 +", "demo").is_err());
    assert_eq!(
        vm.method_source("Demo", false, "methB").expect("source"),
        "methB\n\t^ 3"
    );
    assert_eq!(vm.list_methods("Demo", false).expect("m")[1].version, 3);
    // removal then re-adding continues the numbering
    vm.remove("Demo", false, "methB").expect("remove");
    assert!(vm.method_source("Demo", false, "methB").is_err());
    assert_eq!(vm.accept("Demo", false, "methB\n\t^ 4", "demo"), Ok(4));
    assert!(vm.accept("NoSuchClass", false, "foo ^ 1", "x").is_err());
}

#[test]
fn activations_show_old_versions_still_running() {
    let mut vm = vm();
    let pid = vm.start("Demo new methA: 0", 40).expect("start");
    vm.run(500);
    vm.accept("Demo", false, "methA: x\n\t^ 7", "demo")
        .expect("accept");
    let acts = vm.activations();
    assert!(
        acts.iter().any(|a| a.class_name == "Demo"
            && a.selector == "methA:"
            && a.version == 1
            && a.count == 1),
        "{:?}",
        acts
    );
    vm.terminate_process(pid).expect("terminate");
    assert!(vm.activations().iter().all(|a| a.selector != "methA:"));
}

#[test]
fn inspect_stack_maps_pc_to_source_with_temps() {
    let mut vm = vm();
    let pid = vm.start("Demo new methA: 41", 40).expect("start");
    // run until methB is the innermost frame
    let mut found = None;
    for _ in 0..10_000 {
        vm.run(1);
        let st = vm.inspect_stack(pid).expect("stack");
        if st[0].selector == "methB" {
            found = Some(st);
            break;
        }
    }
    let st = found.expect("methB activation seen");
    let a = &st[1];
    assert_eq!(a.name, "Demo>>methA:");
    assert_eq!(a.version, 1);
    assert_eq!(a.receiver, "a Demo");
    assert!(
        a.temps.contains(&("x".to_string(), "41".to_string())),
        "{:?}",
        a.temps
    );
    assert!(
        a.temps.contains(&("local".to_string(), "42".to_string())),
        "{:?}",
        a.temps
    );
    // the current instruction of methA: is the send of methB
    let text = &a.source[a.span.0..a.span.1];
    assert_eq!(text, "methB");
    assert_eq!(
        st.last().map(|f| f.name.as_str()),
        Some("UndefinedObject>>DoIt")
    );
}

#[test]
fn pause_resume_and_terminate() {
    let mut vm = vm();
    let pid = vm.start("Demo new methA: 0", 40).expect("start");
    vm.run(100);
    vm.pause(pid).expect("pause");
    assert_eq!(vm.run(100), livetalk::Outcome::Idle);
    vm.resume(pid).expect("resume");
    assert_eq!(vm.run(100), livetalk::Outcome::Yielded);
    vm.terminate_process(pid).expect("terminate");
    assert_eq!(vm.run(100), livetalk::Outcome::Idle);
    assert!(vm.pause(999).is_err());
    assert!(vm.restart_frame(pid, 0).is_err());
}

/// `run_until` ends a slice at the clock's deadline, reading the clock
/// every `CLOCK_CHECK` instructions, and still never exceeds its fuel.
#[test]
fn run_until_stops_at_the_deadline_or_the_fuel() {
    use livetalk::interp::{Outcome, CLOCK_CHECK};
    use std::cell::Cell;
    use std::rc::Rc;
    let mut vm = vm();
    // a fake clock: each reading is one millisecond later
    let t = Rc::new(Cell::new(0.0));
    let tc = t.clone();
    vm.clock = Box::new(move || {
        tc.set(tc.get() + 1.0);
        tc.get()
    });
    vm.start("Demo new methA: 0", 40).expect("start");
    let i0 = vm.insn_count;
    assert_eq!(vm.run_until(u64::MAX, t.get() + 5.0), Outcome::Yielded);
    let used = vm.insn_count - i0;
    assert!(
        (CLOCK_CHECK..=6 * CLOCK_CHECK).contains(&used),
        "{} instructions before a 5 ms deadline",
        used
    );
    // a far deadline: the fuel is the bound
    let i0 = vm.insn_count;
    assert_eq!(vm.run_until(10_000, 1e12), Outcome::Yielded);
    assert_eq!(vm.insn_count - i0, 10_000);
}
