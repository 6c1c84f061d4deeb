//! The JS-facing API (`crate/src/wasm.rs`) in a real browser:
//! `wasm-pack test --headless --chrome crate`. Natively this file is empty.
//!
//! The seed scenario of LIVE.md runs here exactly as the page drives it:
//! accept between slices of `run(fuel)`, read the Transcript from the
//! run reports, inspect stacks, proceed and restart.
#![cfg(target_arch = "wasm32")]

mod common;

use common::kernel_loops;
use js_sys::{Array, Reflect};
use livetalk::interp::{kernel_jit, TierMode};
use livetalk::wasm::LiveVm;
use livetalk::Vm;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SEED: &str = include_str!("live/seed.st");

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn ok(v: &JsValue) -> bool {
    get(v, "ok").as_bool() == Some(true)
}

fn num(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or(f64::NAN)
}

fn text(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// Everything several `run` calls reported.
#[derive(Default, Debug)]
struct Ran {
    output: String,
    /// (kind, pid, text): text is the value, printString or error class.
    events: Vec<(String, usize, String)>,
}

fn run(vm: &mut LiveVm, fuel: f64, times: usize) -> Ran {
    let mut ran = Ran::default();
    for _ in 0..times {
        let r = vm.run(fuel);
        ran.output.push_str(&text(&r, "output"));
        for e in Array::from(&get(&r, "events")).iter() {
            let kind = text(&e, "kind");
            let t = match kind.as_str() {
                "finished" => text(&e, "value"),
                "printed" => text(&e, "text"),
                _ => text(&e, "errorClass"),
            };
            ran.events.push((kind, num(&e, "pid") as usize, t));
        }
    }
    ran
}

/// Runs one instruction at a time until the output ends a line, so that
/// an accept lands between two calls of `methB`'s caller's lines.
fn run_to_line_end(vm: &mut LiveVm) {
    for _ in 0..100_000 {
        if text(&vm.run(1.0), "output").ends_with('\n') {
            return;
        }
    }
    panic!("no line ended");
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

fn seeded() -> (LiveVm, usize) {
    let mut vm = LiveVm::new().expect("kernel loads");
    assert!(ok(&vm.file_in("seed.st", SEED)), "seed files in");
    let r = vm.start("Demo new methA: 0");
    assert!(ok(&r));
    (vm, num(&r, "pid") as usize)
}

fn frame_names(vm: &mut LiveVm, pid: usize) -> Vec<String> {
    let s = vm.stack(pid as u32);
    assert!(ok(&s));
    Array::from(&get(&s, "frames"))
        .iter()
        .map(|f| format!("{} v{}", text(&f, "name"), num(&f, "version")))
        .collect()
}

#[wasm_bindgen_test]
fn seed_scenario_accept_methb_changes_the_output() {
    let (mut vm, pid) = seeded();
    let before = run(&mut vm, 5_000.0, 4);
    assert!(!lines(&before.output).is_empty());
    assert!(
        lines(&before.output).iter().all(|l| *l == "1"),
        "{:?}",
        before.output
    );
    run_to_line_end(&mut vm);
    let r = vm.accept("Demo", false, "methB\n\t^ 2");
    assert!(ok(&r));
    assert_eq!(num(&r, "version"), 2.0);
    let after = run(&mut vm, 5_000.0, 4);
    let ls = lines(&after.output);
    assert!(!ls.is_empty());
    assert!(ls.iter().all(|l| *l == "2"), "{:?}", after.output);
    assert!(frame_names(&mut vm, pid).contains(&"Demo>>methA: v1".to_string()));
}

#[wasm_bindgen_test]
fn accepting_meth_a_leaves_the_running_activation_alone_until_restart() {
    let (mut vm, pid) = seeded();
    run(&mut vm, 5_000.0, 2);
    let r = vm.accept(
        "Demo",
        false,
        "methA: x\n\t[true] whileTrue: [Transcript show: 'new ', self methB printString; cr]",
    );
    assert!(ok(&r));
    assert_eq!(num(&r, "version"), 2.0);
    run_to_line_end(&mut vm);
    let after = run(&mut vm, 5_000.0, 4);
    assert!(
        lines(&after.output).iter().all(|l| *l == "1"),
        "{:?}",
        after.output
    );
    // the badge data: one activation still runs v1
    let versions = Array::from(&vm.active_versions("Demo", false, "methA:"));
    assert_eq!(versions.length(), 1);
    assert_eq!(num(&versions.get(0), "version"), 1.0);
    assert_eq!(num(&versions.get(0), "activations"), 1.0);
    // R8: restart the frame, and it runs the new code
    let s = vm.stack(pid as u32);
    let index = Array::from(&get(&s, "frames"))
        .iter()
        .find(|f| text(f, "name") == "Demo>>methA:")
        .map(|f| num(&f, "index"))
        .expect("a methA: frame");
    assert!(ok(&vm.restart(pid as u32, index as u32)));
    run_to_line_end(&mut vm);
    let restarted = run(&mut vm, 5_000.0, 4);
    let ls = lines(&restarted.output);
    assert!(
        !ls.is_empty() && ls.iter().all(|l| *l == "new 1"),
        "{:?}",
        restarted.output
    );
    assert!(frame_names(&mut vm, pid).contains(&"Demo>>methA: v2".to_string()));
}

#[wasm_bindgen_test]
fn a_compile_error_has_a_position_and_changes_nothing() {
    let (mut vm, _) = seeded();
    run(&mut vm, 5_000.0, 2);
    let r = vm.accept("Demo", false, "methB\n\t^ 3 + + ");
    assert!(!ok(&r));
    let e = get(&r, "error");
    assert_eq!(num(&e, "line"), 2.0);
    assert!(num(&e, "col") >= 2.0);
    assert!(!text(&e, "message").is_empty());
    // the UTF-16 start index points into line 2
    assert!(num(&e, "start") >= 6.0);
    let src = vm.method_source("Demo", false, "methB");
    assert_eq!(num(&src, "version"), 1.0);
    run_to_line_end(&mut vm);
    let after = run(&mut vm, 5_000.0, 3);
    assert!(lines(&after.output).iter().all(|l| *l == "1"));
    // an unknown class is an error value, not a trap
    assert!(!ok(&vm.accept("NoSuchClass", false, "foo ^ 1")));
}

#[wasm_bindgen_test]
fn a_runtime_error_suspends_and_proceeds_after_a_fix() {
    let (mut vm, pid) = seeded();
    run(&mut vm, 5_000.0, 2);
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 1 / 0")));
    let ran = run(&mut vm, 5_000.0, 3);
    assert!(
        ran.events
            .iter()
            .any(|(k, p, c)| k == "error" && *p == pid && c == "ZeroDivide"),
        "{:?}",
        ran.events
    );
    let s = vm.stack(pid as u32);
    assert_eq!(text(&s, "state"), "errored");
    let frames = Array::from(&get(&s, "frames"));
    // the innermost shown frame is user code, not the exception machinery
    let names: Vec<String> = frames.iter().map(|f| text(&f, "name")).collect();
    assert!(names.iter().any(|n| n == "Demo>>methB"), "{:?}", names);
    assert!(names.iter().any(|n| n == "Demo>>methA:"), "{:?}", names);
    let mb = frames
        .iter()
        .find(|f| text(f, "name") == "Demo>>methB")
        .unwrap();
    assert_eq!(num(&mb, "version"), 2.0);
    assert_eq!(text(&mb, "receiver"), "a Demo");
    assert!(num(&mb, "end") > num(&mb, "start"));
    // the process stays stopped
    assert!(run(&mut vm, 5_000.0, 2).output.is_empty());
    // fix and proceed: the failed division answers nil, later calls see v3
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 3")));
    assert!(ok(&vm.resume(pid as u32)));
    let after = run(&mut vm, 5_000.0, 3);
    let ls = lines(&after.output);
    assert!(
        ls.len() > 2 && ls[1..].iter().all(|l| *l == "3"),
        "{:?}",
        after.output
    );
}

#[wasm_bindgen_test]
fn print_it_runs_while_the_loop_runs() {
    let (mut vm, _) = seeded();
    run(&mut vm, 5_000.0, 2);
    let r = vm.evaluate("| a | a := 3. a + 4", true);
    assert!(ok(&r));
    let wpid = num(&r, "pid") as usize;
    let ran = run(&mut vm, 5_000.0, 4);
    assert!(
        ran.events
            .iter()
            .any(|(k, p, t)| k == "printed" && *p == wpid && t == "7"),
        "{:?}",
        ran.events
    );
    // the loop kept going
    assert!(lines(&ran.output).iter().all(|l| *l == "1") && !ran.output.is_empty());
    // a do-it reports its value without printString
    let r = vm.evaluate("#(1 $a 'b') size", false);
    let d = num(&r, "pid") as usize;
    let ran = run(&mut vm, 5_000.0, 2);
    assert!(ran
        .events
        .iter()
        .any(|(k, p, t)| k == "finished" && *p == d && t == "3"));
    // a compile error in the workspace
    let r = vm.evaluate("3 +", true);
    assert!(!ok(&r));
    assert_eq!(num(&get(&r, "error"), "line"), 1.0);
}

#[wasm_bindgen_test]
fn pause_resume_terminate() {
    let (mut vm, pid) = seeded();
    run(&mut vm, 5_000.0, 1);
    assert!(ok(&vm.pause(pid as u32)));
    vm.run(1_000.0);
    let r = vm.run(1_000.0);
    assert_eq!(text(&r, "status"), "idle");
    assert!(text(&r, "output").is_empty());
    assert!(ok(&vm.resume(pid as u32)));
    assert!(!run(&mut vm, 5_000.0, 1).output.is_empty());
    assert!(ok(&vm.terminate(pid as u32)));
    vm.run(1_000.0);
    assert_eq!(text(&vm.run(1_000.0), "status"), "idle");
}

#[wasm_bindgen_test]
fn bad_input_answers_errors_and_never_traps() {
    let mut vm = LiveVm::new().unwrap();
    assert!(!ok(&vm.pause(9999)));
    assert!(!ok(&vm.resume(9999)));
    assert!(!ok(&vm.terminate(9999)));
    assert!(!ok(&vm.restart(9999, 0)));
    assert!(!ok(&vm.stack(9999)));
    assert!(!ok(&vm.set_tier("sideways")));
    assert!(ok(&vm.set_tier("eager")));
    assert!(!ok(&vm.start("(")));
    assert!(!ok(&vm.remove("Object", false, "noSuchSelector")));
    assert!(vm.methods("NoSuchClass", false).is_null());
    assert!(vm
        .method_source("Object", false, "noSuchSelector")
        .is_null());
    let r = vm.run(f64::NAN);
    assert_eq!(text(&r, "status"), "idle");
    let r = vm.run(-5.0);
    assert_eq!(text(&r, "status"), "idle");
    // a fileIn do-it that never ends is stopped, not a frozen page
    let r = vm.file_in("loop.st", "[true] whileTrue: []!");
    assert!(!ok(&r));
    assert!(text(&get(&r, "error"), "message").contains("did not finish"));
    // one that waits on a Delay cannot sleep in a tab
    let r = vm.file_in("wait.st", "(Delay forMilliseconds: 5) wait!");
    assert!(!ok(&r));
    // a compile error in a fileIn is positioned in the file
    let r = vm.file_in("bad.st", "3 + 4!\n3 +!");
    assert!(!ok(&r));
    assert_eq!(num(&get(&r, "error"), "line"), 2.0);
    // non-ASCII source and Transcript text
    assert!(ok(&vm.file_in("ok.st", "Transcript show: 'héllo'; cr!")));
    assert_eq!(vm.take_transcript(), "héllo\n");
}

/// Input that once overflowed the wasm stack (and left the module
/// unusable: a trap corrupts the instance) is a compile error with its
/// position, in every entry point that compiles, and the VM goes on.
#[wasm_bindgen_test]
fn deep_input_is_a_compile_error_not_a_trap() {
    let mut vm = LiveVm::new().unwrap();
    let chain = vec!["1"; 40_000].join("+");
    let r = vm.start(&chain);
    assert!(!ok(&r));
    assert_eq!(num(&get(&r, "error"), "line"), 1.0);
    assert!(!ok(&vm.evaluate(&chain, true)));
    assert!(!ok(&vm.accept(
        "Object",
        false,
        &format!("deep\n\t^ {chain}")
    )));
    assert!(!ok(&vm.file_in("deep.st", &format!("{chain}!"))));
    // a 200-byte share link whose method is a long chain
    let ws = livetalk::host::share::Workspace {
        classes: vec![livetalk::host::share::ClassDef {
            name: "Deep".into(),
            superclass: "Object".into(),
            category: "x".into(),
            ..Default::default()
        }],
        methods: vec![livetalk::host::share::MethodDef {
            class: "Deep".into(),
            meta: false,
            category: "x".into(),
            source: format!("f\n\t^ {chain}"),
        }],
        ..Default::default()
    };
    let link = livetalk::host::share::encode(&ws);
    assert!(link.len() < 400, "{} bytes", link.len());
    assert!(!ok(&vm.open_link(&link)));
    // and the VM is fine
    let pid = num(&vm.evaluate("3 + 4", true), "pid") as usize;
    let ran = run(&mut vm, 1e6, 3);
    assert!(
        ran.events.contains(&("printed".into(), pid, "7".into())),
        "{:?}",
        ran.events
    );
}

#[wasm_bindgen_test]
fn snapshots_of_classes_and_methods() {
    let (vm, _) = seeded();
    let classes = Array::from(&vm.classes());
    assert!(classes.iter().any(|c| text(&c, "name") == "Demo"));
    let methods = Array::from(&vm.methods("Demo", false));
    let sels: Vec<String> = methods.iter().map(|m| text(&m, "selector")).collect();
    assert_eq!(sels, vec!["methA:", "methB"]);
    let src = vm.method_source("Demo", false, "methB");
    assert!(text(&src, "source").contains("^ 1"));
    assert_eq!(text(&src, "category"), "demo");
    let procs = Array::from(&vm.processes());
    assert_eq!(procs.length(), 1);
    assert_eq!(text(&procs.get(0), "state"), "ready");
}

#[wasm_bindgen_test]
fn a_delay_reports_waiting_with_a_wake_time() {
    let mut vm = LiveVm::new().unwrap();
    let r = vm.start("(Delay forMilliseconds: 30) wait. Transcript show: 'woke'");
    assert!(ok(&r));
    let first = vm.run(10_000.0);
    assert_eq!(text(&first, "status"), "waiting");
    assert!(num(&first, "until") > num(&first, "now"));
}

#[wasm_bindgen_test]
fn a_runaway_recursion_shows_a_short_stack() {
    let (mut vm, pid) = seeded();
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ self methB")));
    let mut stopped = false;
    for _ in 0..200 {
        let r = run(&mut vm, 100_000.0, 1);
        if r.events.iter().any(|(k, p, _)| k == "error" && *p == pid) {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "the recursion ends in an error");
    let s = vm.stack(pid as u32);
    let frames = Array::from(&get(&s, "frames"));
    assert_eq!(frames.length(), 60);
    assert!(num(&s, "elided") > 1000.0);
    // indexes stay those of the whole stack, for restart
    let last = frames.get(59);
    assert!(num(&last, "index") > num(&s, "elided"));
    assert_eq!(text(&last, "name"), "UndefinedObject>>DoIt");
}

#[wasm_bindgen_test]
fn the_seed_scenario_is_the_same_with_the_tier_eager() {
    let (mut vm, pid) = seeded();
    assert!(ok(&vm.set_tier("eager")));
    run(&mut vm, 5_000.0, 20);
    run_to_line_end(&mut vm);
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 2")));
    let after = run(&mut vm, 5_000.0, 4);
    let ls = lines(&after.output);
    assert!(
        !ls.is_empty() && ls.iter().all(|l| *l == "2"),
        "{:?}",
        after.output
    );
    // the debugger shows real frames, whatever the tier did
    assert!(frame_names(&mut vm, pid).contains(&"Demo>>methA: v1".to_string()));
}

/// The tier events of `times` calls of `run`, as (kind, method, text).
fn tier_events(vm: &mut LiveVm, fuel: f64, times: usize) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for _ in 0..times {
        let r = vm.run(fuel);
        for e in Array::from(&get(&r, "tierEvents")).iter() {
            out.push((text(&e, "kind"), text(&e, "method"), text(&e, "text")));
        }
    }
    out
}

/// `tierReport()` as (method, optimized, inlined, deopts).
fn tier_report(vm: &LiveVm) -> Vec<(String, bool, Vec<String>, u32)> {
    Array::from(&vm.tier_report())
        .iter()
        .map(|m| {
            let inlined = Array::from(&get(&m, "inlined"))
                .iter()
                .map(|c| c.as_string().unwrap_or_default())
                .collect();
            (
                text(&m, "method"),
                get(&m, "optimized").as_bool() == Some(true),
                inlined,
                num(&m, "deopts") as u32,
            )
        })
        .collect()
}

fn report_of(vm: &LiveVm, method: &str) -> Option<(bool, Vec<String>, u32)> {
    tier_report(vm)
        .into_iter()
        .find(|(m, ..)| m == method)
        .map(|(_, o, i, d)| (o, i, d))
}

#[wasm_bindgen_test]
fn the_tier_panel_sees_optimize_inline_deopt_and_reoptimize() {
    let (mut vm, _pid) = seeded();
    assert!(ok(&vm.set_tier("off")));
    assert!(tier_events(&mut vm, 5_000.0, 20).is_empty());
    assert_eq!(report_of(&vm, "Demo>>methA:"), None);

    assert!(ok(&vm.set_tier("on")));
    let log = tier_events(&mut vm, 5_000.0, 40);
    let texts: Vec<&str> = log.iter().map(|(_, _, t)| t.as_str()).collect();
    assert!(
        texts.contains(&"optimized Demo>>methA: at loop head (OSR)"),
        "{:?}",
        texts
    );
    assert!(
        texts.contains(&"inlined Demo>>methB v1 into Demo>>methA:"),
        "{:?}",
        texts
    );
    assert!(log
        .iter()
        .any(|(k, m, _)| k == "optimized" && m == "Demo>>methA:"));
    // methB first; then what methA's Transcript calls inline (callees
    // that send: `printString`, `show:`)
    let (optimized, inlined, deopts) = report_of(&vm, "Demo>>methA:").expect("report");
    assert!(optimized && deopts == 0, "{:?}", inlined);
    assert_eq!(inlined.first().map(String::as_str), Some("Demo>>methB v1"));

    // the accept deoptimizes; the event comes back with the next run
    run_to_line_end(&mut vm);
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 2")));
    assert_eq!(
        report_of(&vm, "Demo>>methA:"),
        Some((false, vec![], 1)),
        "interpreted right after the accept"
    );
    let mut log = tier_events(&mut vm, 1.0, 1);
    assert_eq!(
        log.first()
            .map(|(k, m, t)| (k.as_str(), m.as_str(), t.as_str())),
        Some((
            "deoptimized",
            "Demo>>methA:",
            "deoptimized 1 activation of Demo>>methA:: Demo>>methB was redefined"
        )),
        "{:?}",
        log
    );
    // optimization comes back at the loop head, inlining the new methB (R7)
    for _ in 0..200 {
        if log
            .iter()
            .any(|(_, _, t)| t == "inlined Demo>>methB v2 into Demo>>methA:")
        {
            break;
        }
        log.extend(tier_events(&mut vm, 5_000.0, 1));
    }
    let texts: Vec<&str> = log.iter().map(|(_, _, t)| t.as_str()).collect();
    let deopt = texts.iter().position(|t| t.starts_with("deoptimized"));
    let reinlined = texts
        .iter()
        .position(|t| *t == "inlined Demo>>methB v2 into Demo>>methA:");
    assert!(
        matches!((deopt, reinlined), (Some(d), Some(i)) if d < i),
        "{:?}",
        texts
    );
    let (optimized, inlined, deopts) = report_of(&vm, "Demo>>methA:").expect("report");
    assert!(optimized && deopts == 1, "{:?}", inlined);
    assert!(
        inlined.contains(&"Demo>>methB v2".to_string()),
        "{:?}",
        inlined
    );
    assert!(
        !inlined.iter().any(|c| c.starts_with("Demo>>methB v1")),
        "{:?}",
        inlined
    );
    // the report is sorted by method name
    let names: Vec<String> = tier_report(&vm).into_iter().map(|(m, ..)| m).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

// ----- the playground features of issue 4 -----

#[wasm_bindgen_test]
fn take_drawing_answers_the_canvas_commands_once() {
    let mut vm = LiveVm::new().unwrap();
    let r = vm.start("Canvas clear; color: 'Blue'; fillRectX: 1 y: 2 width: 3 height: 4. Canvas text: '<b>x</b>' x: 5 y: 6. Canvas lineFromX: 0 y: 0 toX: 9 y: 9; fillCircleX: 1 y: 1 radius: 2");
    assert!(ok(&r));
    let ran = run(&mut vm, 100_000.0, 2);
    assert_eq!(ran.events.first().map(|e| e.0.as_str()), Some("finished"));
    let d = vm.take_drawing();
    assert_eq!(num(&d, "dropped"), 0.0);
    let cmds: Vec<JsValue> = Array::from(&get(&d, "commands")).iter().collect();
    let ops: Vec<String> = cmds.iter().map(|c| text(c, "op")).collect();
    assert_eq!(
        ops,
        ["clear", "color", "fillRect", "text", "line", "fillCircle"]
    );
    assert_eq!(text(&cmds[1], "color"), "blue");
    assert_eq!(num(&cmds[2], "w"), 3.0);
    assert_eq!(num(&cmds[2], "h"), 4.0);
    assert_eq!(text(&cmds[3], "text"), "<b>x</b>");
    assert_eq!(num(&cmds[4], "x2"), 9.0);
    assert_eq!(num(&cmds[5], "r"), 2.0);
    let again = vm.take_drawing();
    assert_eq!(Array::from(&get(&again, "commands")).length(), 0);
    // a bad colour is an error of the process, not a trap
    let r = vm.start("Canvas color: 'javascript:alert(1)'");
    let pid = num(&r, "pid") as usize;
    let ran = run(&mut vm, 100_000.0, 2);
    assert!(
        ran.events.contains(&("error".into(), pid, "Error".into())),
        "{:?}",
        ran.events
    );
}

fn strings(v: &JsValue) -> Vec<String> {
    Array::from(v)
        .iter()
        .filter_map(|s| s.as_string())
        .collect()
}

#[wasm_bindgen_test]
fn history_keeps_every_accepted_version_with_its_source() {
    let (mut vm, _) = seeded();
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 2")));
    assert!(ok(&vm.accept("Demo", false, "methB\n\t^ 3")));
    let h: Vec<(f64, String)> = Array::from(&vm.method_history("Demo", false, "methB"))
        .iter()
        .map(|e| (num(&e, "version"), text(&e, "source")))
        .collect();
    assert_eq!(h.len(), 3, "{:?}", h);
    assert_eq!(h[0].0, 1.0);
    assert!(h[0].1.contains("^ 1"));
    assert_eq!((h[1].0, h[1].1.as_str()), (2.0, "methB\n\t^ 2"));
    assert_eq!((h[2].0, h[2].1.as_str()), (3.0, "methB\n\t^ 3"));
    // a revert is an accept of the old source: a new version
    let r = vm.accept("Demo", false, &h[0].1);
    assert_eq!(num(&r, "version"), 4.0);
    assert_eq!(
        Array::from(&vm.method_history("Demo", false, "methB")).length(),
        4
    );
    assert_eq!(
        Array::from(&vm.method_history("Demo", false, "nope")).length(),
        0
    );
}

#[wasm_bindgen_test]
fn new_classes_are_defined_listed_exported_and_imported() {
    let mut vm = LiveVm::new().unwrap();
    assert!(strings(&JsValue::from(
        vm.workspace_classes()
            .into_iter()
            .map(JsValue::from)
            .collect::<Array>()
    ))
    .is_empty());
    let r = vm.define_class("Object subclass: #Counter\n\tinstanceVariableNames: 'n'\n\tclassVariableNames: ''\n\tpackage: 'Demo'");
    assert!(ok(&r));
    assert_eq!(text(&r, "name"), "Counter");
    let bad = vm.define_class("Object subclass: #Oops\n\tinstanceVariableNames: 'n' +");
    assert!(!ok(&bad));
    assert_eq!(num(&get(&bad, "error"), "line"), 2.0);
    assert!(
        !ok(&vm.define_class("3 + 4")),
        "a definition must answer a class"
    );
    let def = vm.class_definition("Counter").as_string().unwrap();
    assert!(
        def.starts_with("Object subclass: #Counter\n\tinstanceVariableNames: 'n'"),
        "{}",
        def
    );
    assert!(vm.class_definition("NoSuchClass").is_null());
    assert!(ok(&vm.accept(
        "Counter",
        false,
        "bump\n\tn := (n ifNil: [0]) + 1.\n\t^ n"
    )));
    assert!(ok(&vm.accept("Integer", false, "double\n\t^ self * 2")));
    assert_eq!(vm.workspace_classes(), vec!["Counter".to_string()]);
    let changed = Array::from(&vm.changed_kernel_methods());
    assert_eq!(changed.length(), 1);
    assert_eq!(text(&changed.get(0), "className"), "Integer");
    assert_eq!(text(&changed.get(0), "selector"), "double");
    let export = vm.export_workspace();
    assert!(ok(&export));
    let file = text(&export, "text");
    assert!(file.contains("Object subclass: #Counter"), "{}", file);
    assert!(
        file.contains("!Integer methodsFor: 'as yet unclassified'!\ndouble"),
        "{}",
        file
    );

    // into a fresh VM: a bad file changes nothing, the export files in
    let mut other = LiveVm::new().unwrap();
    let broken = format!(
        "{}\n!Counter methodsFor: 'x'!\nbroken\n\t^ ^ 1\n! !\n",
        file
    );
    let line = broken.lines().position(|l| l == "\t^ ^ 1").unwrap() + 1;
    let r = other.import_file("broken.st", &broken);
    assert!(!ok(&r));
    assert_eq!(num(&get(&r, "error"), "line"), line as f64);
    assert!(other.workspace_classes().is_empty(), "nothing was defined");
    assert_eq!(Array::from(&other.changed_kernel_methods()).length(), 0);
    let r = other.import_file(
        "doit.st",
        "Object subclass: #Y\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: 'X'!\n\n3 + !\n",
    );
    assert!(!ok(&r), "a do-it with a syntax error");
    assert_eq!(num(&get(&r, "error"), "line"), 6.0);
    assert!(other.workspace_classes().is_empty(), "Y was not defined");
    let r = other.import_file("workspace.st", &file);
    assert!(ok(&r), "{:?}", text(&get(&r, "error"), "message"));
    assert_eq!(other.workspace_classes(), vec!["Counter".to_string()]);
    let p = other.evaluate("(Counter new bump; bump) + 3 double", true);
    let ran = run(&mut other, 100_000.0, 3);
    assert!(
        ran.events
            .contains(&("printed".into(), num(&p, "pid") as usize, "8".into())),
        "{:?}",
        ran.events
    );
}

#[wasm_bindgen_test]
fn step_and_live_position_of_the_seed_loop() {
    let (mut vm, pid) = seeded();
    run(&mut vm, 5_000.0, 3);
    let live = Array::from(&vm.live_position(pid as u32));
    assert!(live.length() >= 1);
    let names: Vec<String> = live.iter().map(|f| text(&f, "selector")).collect();
    assert!(names.contains(&"methA:".to_string()), "{:?}", names);
    assert!(ok(&vm.pause(pid as u32)));
    // step (over) until the top frame is methA:, then it stays there
    let top = |vm: &mut LiveVm| {
        let l = Array::from(&vm.live_position(pid as u32));
        let f = l.get(0);
        (
            text(&f, "selector"),
            num(&f, "start") as usize,
            num(&f, "end") as usize,
        )
    };
    for _ in 0..50 {
        if top(&mut vm).0 == "methA:" {
            break;
        }
        let r = vm.step(pid as u32, false);
        assert_eq!(text(&r, "outcome"), "stopped");
    }
    assert_eq!(top(&mut vm).0, "methA:");
    let src = "methA: x\n\t[true] whileTrue: [Transcript show: self methB printString; cr]";
    let mut seen = Vec::new();
    for _ in 0..4 {
        assert_eq!(text(&vm.step(pid as u32, false), "outcome"), "stopped");
        let (sel, s, e) = top(&mut vm);
        assert_eq!(sel, "methA:");
        seen.push(src[s..e].to_string());
    }
    assert!(seen.contains(&"true".to_string()), "{:?}", seen);
    assert!(
        seen.contains(&"Transcript show: self methB printString; cr".to_string()),
        "{:?}",
        seen
    );
    // into methB
    while top(&mut vm).1 != src.find("Transcript").unwrap() {
        vm.step(pid as u32, false);
    }
    vm.step(pid as u32, true); // into `show:`'s argument: methB is sent first
    assert_eq!(top(&mut vm).0, "methB");
    // only paused processes step; bad pids answer errors
    assert!(ok(&vm.resume(pid as u32)));
    assert!(!ok(&vm.step(pid as u32, false)));
    assert!(!ok(&vm.step(999, false)));
    assert!(vm.live_position(999).is_null());
}

/// `runFor(ms, fuel)` ends the slice by the clock: an endless loop given
/// 5 ms returns within a few milliseconds, having run instructions;
/// given a small fuel it stops at the fuel instead.
#[wasm_bindgen_test]
fn run_for_ends_slices_by_the_clock() {
    let (mut vm, _pid) = seeded();
    vm.run_for(5.0, 1e9); // warm up (wasm tiers up its code)
    let t0 = js_sys::Date::now();
    let r = vm.run_for(5.0, 1e9);
    let took = js_sys::Date::now() - t0;
    assert_eq!(text(&r, "status"), "yielded");
    assert!(num(&r, "executed") > 1_000.0, "{}", num(&r, "executed"));
    assert!(took < 40.0, "a 5 ms slice took {} ms", took);
    let r = vm.run_for(1_000.0, 2_000.0);
    assert_eq!(num(&r, "executed"), 2_000.0);
}

/// A run report is bounded, so that handling it costs the page little:
/// the newest 500 lines of output (64 KiB at most, from a line start),
/// with how many bytes it left out; and it tells how long the VM went
/// without reading its clock (`stallMs`).
#[wasm_bindgen_test]
fn run_reports_are_bounded() {
    let mut vm = LiveVm::new().expect("kernel loads");
    assert!(ok(&vm.start(
        "1 to: 600 do: [:i | Transcript show: i printString; cr]"
    )));
    let r = vm.run(1e9);
    let out = text(&r, "output");
    let all: String = (1..=600).map(|i| format!("{i}\n")).collect();
    // 499 whole lines and the (empty) line being written
    assert_eq!(out.split('\n').count(), 500, "{out}");
    assert!(out.starts_with("102\n") && out.ends_with("600\n"), "{out}");
    assert_eq!(num(&r, "outputDropped") as usize + out.len(), all.len());
    assert!(num(&r, "stallMs") >= 0.0);
    assert!(num(&r, "startedAt") <= num(&r, "now"));
    // few lines, none dropped
    assert!(ok(&vm.start("Transcript show: 'a'; cr; show: 'b'")));
    let r = vm.run(1e9);
    assert_eq!(text(&r, "output"), "a\nb");
    assert_eq!(num(&r, "outputDropped"), 0.0);
    // long lines: 64 KiB at most, starting at a line start
    assert!(ok(&vm.start(
        "1 to: 100 do: [:i | Transcript show: (String new: 1000 withAll: $x); show: i printString; cr]"
    )));
    let r = vm.run(1e9);
    let out = text(&r, "output");
    let all: String = (1..=100)
        .map(|i| format!("{}{i}\n", "x".repeat(1000)))
        .collect();
    assert!(
        out.len() <= 64 * 1024 && out.len() > 64 * 1024 - 1004,
        "{}",
        out.len()
    );
    assert!(all.ends_with(&out) && out.ends_with("x100\n"));
    let dropped = num(&r, "outputDropped") as usize;
    assert_eq!(dropped + out.len(), all.len());
    assert_eq!(all.as_bytes()[dropped - 1], b'\n');
    // a workspace do-it's output comes apart too (workspaceOutput), bounded
    // to the newest 100 lines; the Transcript's has it all (its newest 500)
    assert!(ok(&vm.evaluate(
        "1 to: 600 do: [:i | Transcript show: i printString; cr]",
        false
    )));
    let r = vm.run(1e9);
    let ws = text(&r, "workspaceOutput");
    assert_eq!(ws.split('\n').count(), 100, "{ws}");
    assert!(ws.starts_with("502\n") && ws.ends_with("600\n"), "{ws}");
    assert!(num(&r, "workspaceOutputDropped") > 0.0);
    let out = text(&r, "output");
    assert_eq!(out.split('\n').count(), 500, "{out}");
    assert!(out.starts_with("102\n") && out.ends_with(&ws), "{out}");
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function make_context() {
  const c = document.createElement('canvas');
  c.width = 400;
  c.height = 240;
  return c.getContext('2d');
}
export function now() {
  return performance.now();
}
// www/js/canvas.js's draw(), for the measurement
export function paint_in_js(ctx, report) {
  for (const cmd of report.commands) {
    switch (cmd.op) {
      case 'clear': ctx.clearRect(0, 0, 400, 240); break;
      case 'color': ctx.fillStyle = cmd.color; ctx.strokeStyle = cmd.color; break;
      case 'fillRect': ctx.fillRect(cmd.x, cmd.y, cmd.w, cmd.h); break;
      case 'fillCircle': ctx.beginPath(); ctx.arc(cmd.x, cmd.y, cmd.r, 0, 2 * Math.PI); ctx.fill(); break;
      case 'line': ctx.beginPath(); ctx.moveTo(cmd.x1, cmd.y1); ctx.lineTo(cmd.x2, cmd.y2); ctx.stroke(); break;
      case 'text': ctx.fillText(cmd.text, cmd.x, cmd.y); break;
    }
  }
  return report.commands.length;
}
"#)]
extern "C" {
    fn make_context() -> web_sys::CanvasRenderingContext2d;
    fn now() -> f64;
    fn paint_in_js(ctx: &web_sys::CanvasRenderingContext2d, report: &JsValue) -> u32;
}

/// A benchmark, not a timing test: painting the Canvas from the drawing
/// buffer in the VM (web-sys, `paintDrawing`) against handing the
/// commands to JavaScript (`takeDrawing`) and painting them there, as the
/// page does; prints the figures (`wasm-pack test ... -- --nocapture`).
#[wasm_bindgen_test]
fn painting_from_the_vm_against_painting_in_javascript() {
    let mut vm = LiveVm::new().expect("kernel loads");
    let ctx = make_context();
    let draw = "Canvas clear. 1 to: 1999 do: [:i | Canvas color: (i even ifTrue: ['red'] ifFalse: ['#0a0']); \
        fillRectX: i \\\\ 400 y: i \\\\ 240 width: 6 height: 4; fillCircleX: i \\\\ 300 y: 50 radius: 3; \
        lineFromX: 0 y: i \\\\ 240 toX: 400 y: 120; text: i printString x: i \\\\ 380 y: 200]";
    let (mut in_js, mut from_vm) = (Vec::new(), Vec::new());
    for round in 0..8 {
        for (i, times) in [&mut in_js, &mut from_vm].into_iter().enumerate() {
            assert!(ok(&vm.start(draw)));
            vm.run(1e9);
            let t = now();
            let n = if (i + round) % 2 == 0 {
                paint_in_js(&ctx, &vm.take_drawing())
            } else {
                num(&vm.paint_drawing(&ctx, 400.0, 240.0, true), "painted") as u32
            };
            assert!(n > 9_990, "{n} commands");
            let ms = now() - t;
            if round > 0 {
                times.push(((i + round) % 2 == 0, ms));
            }
        }
    }
    let median = |want_js: bool| {
        let mut v: Vec<f64> = in_js
            .iter()
            .chain(&from_vm)
            .filter(|(js, _)| *js == want_js)
            .map(|(_, ms)| *ms)
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    console_log!(
        "painting 9,996 Canvas commands: {:.2} ms handed to JavaScript (takeDrawing), {:.2} ms from the VM (web-sys), medians of 7",
        median(true),
        median(false)
    );
}

/// paintDrawing paints whole pictures from the VM and holds the rest back.
#[wasm_bindgen_test]
fn paint_drawing_paints_whole_pictures_and_holds_the_rest_back() {
    let mut vm = LiveVm::new().expect("kernel loads");
    let ctx = make_context();
    assert!(ok(&vm.start(
        "Canvas clear; color: 'red'; fillRectX: 0 y: 0 width: 10 height: 10. Canvas clear; color: 'blue'; fillRectX: 0 y: 0 width: 5 height: 5"
    )));
    vm.run(1e6);
    let pixel = |x: f64, y: f64| -> Vec<u8> {
        ctx.get_image_data(x, y, 1.0, 1.0)
            .map(|d| d.data().0)
            .unwrap_or_default()
    };
    // the first picture is whole (a clear follows it): painted
    let r = vm.paint_drawing(&ctx, 400.0, 240.0, false);
    assert_eq!((num(&r, "painted"), num(&r, "held")), (3.0, 4.0));
    assert_eq!(pixel(2.0, 2.0), vec![255, 0, 0, 255]);
    let last = Array::from(&get(&r, "last"));
    assert_eq!(text(&last.get(2), "op"), "fillRect");
    // the second is held back until asked for whole
    let r = vm.paint_drawing(&ctx, 400.0, 240.0, false);
    assert_eq!((num(&r, "painted"), num(&r, "held")), (0.0, 4.0));
    assert_eq!(pixel(2.0, 2.0), vec![255, 0, 0, 255]);
    let r = vm.paint_drawing(&ctx, 400.0, 240.0, true);
    assert_eq!((num(&r, "painted"), num(&r, "held")), (4.0, 0.0));
    assert_eq!(pixel(2.0, 2.0), vec![0, 0, 255, 255]);
    assert_eq!(pixel(7.0, 7.0), vec![0, 0, 0, 0]);
}

#[wasm_bindgen_test]
fn text_beyond_latin1_crosses_the_js_boundary_whole() {
    let mut vm = LiveVm::new().unwrap();
    let r = vm.define_class(
        "Object subclass: #Ωmega\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: 'Grüße-日本'",
    );
    assert!(ok(&r));
    assert!(ok(&vm.accept(
        "Ωmega",
        false,
        "日本\n\t^ '日本語 😀 ' , $λ asString"
    )));
    let r = vm.evaluate("Ωmega new 日本", true);
    let p = num(&r, "pid") as usize;
    let ran = run(&mut vm, 100_000.0, 2);
    assert!(
        ran.events
            .contains(&("printed".into(), p, "'日本語 😀 λ'".into())),
        "{:?}",
        ran.events
    );
    // the program's Transcript and Canvas text
    assert!(ok(&vm.start(
        "Transcript show: 'Ελληνικά 😀'. Canvas text: '日本' x: 1 y: 2"
    )));
    let ran = run(&mut vm, 100_000.0, 2);
    assert_eq!(ran.output, "Ελληνικά 😀");
    let cmds: Vec<JsValue> = Array::from(&get(&vm.take_drawing(), "commands"))
        .iter()
        .collect();
    assert_eq!(text(&cmds[0], "text"), "日本");
    // a share link opened in another VM
    let link = text(
        &vm.share_link(vec!["Ωmega".into()], "Ωmega new 日本", "on"),
        "link",
    );
    let mut other = LiveVm::new().unwrap();
    assert!(ok(&other.open_link(&link)));
    let r = other.evaluate("Ωmega new 日本 size", true);
    let p = num(&r, "pid") as usize;
    let ran = run(&mut other, 100_000.0, 2);
    assert!(
        ran.events.contains(&("printed".into(), p, "7".into())),
        "{:?}",
        ran.events
    );
}

/// SOM source files in through `fileIn` as the CLI's `--load` files it in
/// (the page's Are-We-Fast-Yet run, tests/bench-awfy-page.mjs, depends on
/// it): a `.som` name reads SOM's class syntax and installs SOM's `&` and
/// `%`, a subclass filed in after its superclass finds it, and a do-it
/// timed with the VM clock prints its lines to the program's Transcript.
#[wasm_bindgen_test]
fn som_files_file_in_and_run_as_the_cli_loads_them() {
    let mut vm = LiveVm::new().unwrap();
    let base = "SomBase = (\n    inner: n = ( ^ (n & 255) + (n % 7) )\n)\n";
    let sub = "SomSub = SomBase (\n    innerBenchmarkLoop: n = ( ^ (self inner: n) = ((n & 255) + (n % 7)) )\n)\n";
    assert!(ok(&vm.file_in("SomBase.som", base)));
    assert!(ok(&vm.file_in("SomSub.som", sub)));
    // without the `.som` name, SOM's class syntax is not chunk format
    assert!(!ok(
        &vm.file_in("SomOther.st", "SomOther = ( x = ( ^ 1 ) )\n")
    ));
    let pid = num(
        &vm.start(
            "| t | t := Time microsecondClockValue. (SomSub new innerBenchmarkLoop: 1000) \
             ifFalse: [self error: 'wrong']. Transcript show: 'SomSub: ', \
             (SomSub new inner: 1000) printString, ' ', \
             ((Time microsecondClockValue - t) >= 0) printString; cr. true",
        ),
        "pid",
    ) as usize;
    let ran = run(&mut vm, 1e9, 3);
    assert_eq!(ran.output, "SomSub: 238 true\n");
    assert!(ran
        .events
        .iter()
        .any(|(k, p, v)| k == "finished" && *p == pid && v == "true"));
}

/// A run report says who wrote its output (`outputRuns`), as the page's
/// Transcript colours and filters it: the program's process, and a
/// workspace evaluation's, each with its length in UTF-16 units.
#[wasm_bindgen_test]
fn run_reports_say_which_process_wrote_the_output() {
    let mut vm = LiveVm::new().unwrap();
    let p = num(&vm.start("Transcript show: 'é𝄞'; cr"), "pid");
    let r = vm.run(1e6);
    assert_eq!(text(&r, "output"), "é𝄞\n");
    let runs = Array::from(&get(&r, "outputRuns"));
    assert_eq!(runs.length(), 1);
    let run = runs.get(0);
    assert_eq!(num(&run, "pid"), p);
    assert_eq!(num(&run, "len"), 4.0);
    assert_eq!(get(&run, "workspace").as_bool(), Some(false));
    let w = num(&vm.evaluate("Transcript show: 'w'", false), "pid");
    let r = vm.run(1e6);
    let runs = Array::from(&get(&r, "outputRuns"));
    assert_eq!(runs.length(), 1);
    assert_eq!(num(&runs.get(0), "pid"), w);
    assert_eq!(get(&runs.get(0), "workspace").as_bool(), Some(true));
}

fn kernel_vm(jit: bool, src: &str) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    vm.jit_kernels = jit;
    vm.file_in("kf.st", src).expect("file in");
    vm
}

/// Loop kernels compiled to WebAssembly do what the interpreter does:
/// the same answers, errors and Arrays for random loops (overflow, stores
/// out of range, a Fraction where a SmallInteger was), and the same
/// states at every slice boundary, slices of 1 to 2,584 instructions.
#[wasm_bindgen_test]
fn compiled_loop_kernels_do_what_the_interpreter_does() {
    let before = kernel_jit::modules();
    for seed in 1..50u64 {
        let (src, expr) = kernel_loops::program(seed * 7919 + 13);
        let (mut a, mut b) = (kernel_vm(false, &src), kernel_vm(true, &src));
        let want = a.eval_print(&expr).expect("interpreted");
        let got = b.eval_print(&expr).expect("compiled");
        assert_eq!(got, want, "seed {seed}\n{src}\n{expr}");
        // (and as many instructions: the fuel is exact)
        assert_eq!(a.insn_count, b.insn_count, "seed {seed}\n{src}\n{expr}");
        let (mut a, mut b) = (kernel_vm(false, &src), kernel_vm(true, &src));
        let label = format!("seed {seed}\n{src}");
        kernel_loops::in_slices(&label, &expr, &mut a, &mut b, seed as usize);
    }
    let compiled = kernel_jit::modules() - before;
    assert!(compiled > 30, "{compiled} kernels compiled");
    // and the tiny benchmarks' sieve, compiled and not
    let sieve = |jit| {
        let mut vm = kernel_vm(jit, "");
        (vm.eval_print("3 benchmark").expect("sieve"), vm.insn_count)
    };
    assert_eq!(sieve(true), sieve(false));
    // a kernel made again (another VM, the method accepted again) reuses
    // the module its code was compiled to
    let made = kernel_jit::modules();
    sieve(true);
    assert_eq!(kernel_jit::modules(), made);
}
