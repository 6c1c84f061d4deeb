//! The playground's session (`host::session`), natively: what the page
//! does through `LiveVm` (history, print-its, hidden fileIn do-its,
//! export and import, bounded run reports, the debugger's reads), with
//! the reports checked as the JSON the page reads.

use livetalk::host::report::{Event, Reply, RunReport};
use livetalk::host::session::{Session, FILE_IN_FUEL, MAX_REPORT_LINES};

const SEED: &str = include_str!("live/seed.st");

fn seeded() -> (Session, usize) {
    let mut s = Session::new().expect("kernel loads");
    assert!(s.file_in("seed.st", SEED).ok, "seed files in");
    let r = s.start("Demo new methA: 0");
    assert!(r.ok);
    (s, r.pid.unwrap())
}

/// Output and events of `times` runs of `fuel` instructions.
fn run(s: &mut Session, fuel: f64, times: usize) -> (String, Vec<Event>) {
    let (mut out, mut events) = (String::new(), vec![]);
    for _ in 0..times {
        let r = s.run(fuel);
        out.push_str(&r.output);
        events.extend(r.events);
    }
    (out, events)
}

/// Runs an instruction at a time until a line of output ends, so that an
/// accept lands between two lines.
fn run_to_line_end(s: &mut Session) {
    for _ in 0..100_000 {
        if s.run(1.0).output.ends_with('\n') {
            return;
        }
    }
    panic!("no line ended");
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("serializes")
}

#[test]
fn accept_takes_effect_at_the_next_call_and_joins_the_history() {
    let (mut s, pid) = seeded();
    let (before, _) = run(&mut s, 5_000.0, 3);
    assert!(lines(&before).iter().all(|l| *l == "1") && !before.is_empty());
    run_to_line_end(&mut s);
    let r = s.accept("Demo", false, "methB\n\t^ 2");
    assert!(r.ok);
    assert_eq!((r.version, r.selector.as_deref()), (Some(2), Some("methB")));
    let (after, _) = run(&mut s, 5_000.0, 3);
    assert!(lines(&after).iter().all(|l| *l == "2") && !after.is_empty());
    // the replaced version joined the history before the new one
    let h = s.method_history("Demo", false, "methB");
    let versions: Vec<(u32, &str)> = h.iter().map(|e| (e.version, e.source.as_str())).collect();
    assert_eq!(versions, vec![(1, "methB\n\t^ 1\n"), (2, "methB\n\t^ 2")]);
    // the running methA: is v1 still (R3)
    let running = s.active_versions("Demo", false, "methA:");
    assert_eq!(running.len(), 1);
    assert_eq!((running[0].version, running[0].activations), (1, 1));
    assert!(s
        .stack(pid as u32)
        .frames
        .iter()
        .any(|f| f.name == "Demo>>methA:"));
}

#[test]
fn accept_keeps_the_category_and_a_compile_error_changes_nothing() {
    let (mut s, _) = seeded();
    assert!(s.accept("Demo", false, "methB\n\t^ 5").ok);
    assert_eq!(
        s.method_source("Demo", false, "methB").unwrap().category,
        "demo"
    );
    assert!(s.accept("Demo", false, "fresh\n\t^ 5").ok);
    let fresh = s.method_source("Demo", false, "fresh").unwrap();
    assert_eq!(fresh.category, "as yet unclassified");
    // line 2, column 7 of the submitted text; UTF-16 offsets for JS
    let r = s.accept("Demo", false, "methB\n\t^ 3 + + ");
    assert!(!r.ok);
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.line, Some(2));
    assert!(e.start.unwrap() >= 6);
    assert_eq!(s.method_source("Demo", false, "methB").unwrap().version, 2);
    assert_eq!(s.method_history("Demo", false, "methB").len(), 2);
    let err = json(&r);
    assert_eq!(err["ok"], false);
    assert!(err["error"]["message"].is_string() && err.get("version").is_none());
    assert!(!s.accept("NoSuchClass", false, "foo ^ 1").ok);
}

#[test]
fn print_its_chain_a_print_string_and_do_its_report_their_value() {
    let (mut s, _) = seeded();
    run(&mut s, 5_000.0, 1);
    let p = s.evaluate("| a | a := 3. a + 4", true).pid.unwrap();
    let d = s.evaluate("#(1 $a 'b') size", false).pid.unwrap();
    let bad = s
        .evaluate("Object new printString: 3; yourself", true)
        .pid
        .unwrap();
    let (out, events) = run(&mut s, 5_000.0, 4);
    // the loop kept going meanwhile
    assert!(lines(&out).iter().all(|l| *l == "1") && !out.is_empty());
    let printed = |pid| {
        events.iter().find_map(|e| match e {
            Event::Printed { pid: p, text } if *p == pid => Some(text.clone()),
            _ => None,
        })
    };
    assert_eq!(printed(p).as_deref(), Some("7"));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Finished { pid, value } if *pid == d && value == "3")));
    // an error in the print-it itself is an error event
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Error { pid, .. } if *pid == bad)));
    let shown = json(&events);
    assert!(shown
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "printed" && e["text"] == "7"));
    assert!(!s.evaluate("3 +", true).ok);
}

#[test]
fn a_long_print_it_shares_each_slice_with_the_running_program() {
    let (mut s, _) = seeded();
    run(&mut s, 5_000.0, 1);
    let p = s
        .evaluate("| n | n := 0. 1 to: 3000000 do: [:i | n := n + 1]. n", true)
        .pid
        .unwrap();
    let (mut slices, mut program_out, mut printed) = (0, 0, None);
    while printed.is_none() {
        let r = s.run_for(2.0, 1e12);
        slices += 1;
        assert!(slices < 100_000, "the print-it never ended");
        printed = r.events.iter().find_map(|e| match e {
            Event::Printed { pid, text } if *pid == p => Some(text.clone()),
            _ => None,
        });
        if printed.is_none() {
            program_out += lines(&r.output).len();
        }
    }
    assert_eq!(printed.as_deref(), Some("3000000"));
    // the evaluation took several slices, and the program printed in
    // them (before: it waited until the evaluation ended)
    assert!(slices > 2, "{slices} slices");
    assert!(program_out > 0, "the program was held for {slices} slices");
    // and after it, the program has the whole slice again
    let r = s.run_for(2.0, 1e12);
    assert!(!lines(&r.output).is_empty());
}

#[test]
fn file_in_do_its_run_hidden_and_fail_with_their_place() {
    let mut s = Session::new().unwrap();
    let r = s.file_in(
        "ok.st",
        "Smalltalk at: #Seen put: 41!\n(Smalltalk at: #Seen) + 1!\n",
    );
    assert!(r.ok, "{:?}", r.error.map(|e| e.message));
    // the host's own do-its are not the user's processes
    assert!(s.processes().is_empty());
    assert!(s.run(1000.0).events.is_empty());
    let r = s.file_in("bad.st", "3 + 4!\n\n1/0!\n");
    let e = r.error.unwrap();
    assert_eq!((e.line, e.col), (Some(3), Some(1)));
    assert!(
        e.message.starts_with("bad.st:3:1: ZeroDivide"),
        "{}",
        e.message
    );
    let r = s.file_in("wait.st", "(Delay forMilliseconds: 10) wait!\n");
    assert!(r.error.unwrap().message.contains("Delay"));
    let r = s.file_in("syntax.st", "3 +!\n");
    let e = r.error.unwrap();
    assert_eq!(e.line, Some(1));
    assert!(!e.message.contains("syntax.st"), "{}", e.message);
    assert!(s.processes().is_empty());
}

#[test]
fn a_runaway_file_in_do_it_is_stopped() {
    let mut s = Session::new().unwrap();
    let start = s.instruction_count();
    let r = s.file_in("loop.st", "[true] whileTrue!\n");
    let e = r.error.unwrap();
    assert!(e.message.contains("did not finish"), "{}", e.message);
    let ran = s.instruction_count() - start;
    assert!(ran >= FILE_IN_FUEL as f64 && ran < 2.0 * FILE_IN_FUEL as f64);
    assert!(s.processes().is_empty());
}

#[test]
fn warnings_come_back_with_the_reply() {
    let mut s = Session::new().unwrap();
    let src = "Object subclass: #W\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: 'Demo'!\n\n!W methodsFor: 'x'!\nfoo\n\t^ Nowhere\n! !\n";
    let r: Reply = s.file_in("w.st", src);
    assert!(r.ok);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].starts_with("w.st:8:4: warning"),
        "{:?}",
        r.warnings
    );
    assert!(json(&r)["warnings"].is_array());
    let r = s.accept("W", false, "bar\n\t^ Elsewhere");
    assert!(r.ok && r.warnings.len() == 1, "{:?}", r.warnings);
    // none: no field
    assert!(json(&s.accept("W", false, "baz\n\t^ 1"))
        .get("warnings")
        .is_none());
}

#[test]
fn classes_are_defined_exported_and_imported_and_a_bad_import_changes_nothing() {
    let mut s = Session::new().unwrap();
    let r = s.define_class(
        "Object subclass: #Counter\n\tinstanceVariableNames: 'n'\n\tclassVariableNames: ''\n\tpackage: 'Demo'",
    );
    assert!(r.ok && r.name.as_deref() == Some("Counter"));
    assert!(!s.define_class("3 + 4").ok);
    assert!(
        s.accept("Counter", false, "bump\n\tn := (n ifNil: [0]) + 1. ^ n")
            .ok
    );
    assert!(s.accept("Integer", false, "double\n\t^ self * 2").ok);
    assert_eq!(s.workspace_classes(), vec!["Counter".to_string()]);
    let changed = s.changed_kernel_methods();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (changed[0].class_name.as_str(), changed[0].selector.as_str()),
        ("Integer", "double")
    );
    let file = s.export_workspace().text.unwrap();

    let mut other = Session::new().unwrap();
    let broken = file.replace("^ self * 2", "^ self * ");
    let r = other.import_file("broken.st", &broken);
    assert!(!r.ok);
    assert!(
        other.workspace_classes().is_empty(),
        "a bad file changes nothing"
    );
    let r = other.import_file("workspace.st", &file);
    assert!(r.ok, "{:?}", r.error.map(|e| e.message));
    assert_eq!(other.workspace_classes(), vec!["Counter".to_string()]);
    let p = other.evaluate("Counter new bump; bump", false).pid.unwrap();
    let (_, events) = run(&mut other, 100_000.0, 1);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Finished { pid, value } if *pid == p && value == "2")));
}

#[test]
fn run_reports_are_bounded_and_spelled_for_javascript() {
    let mut s = Session::new().unwrap();
    s.start("1 to: 2000 do: [:i | Transcript show: i printString; cr]");
    let r: RunReport = s.run(10_000_000.0);
    // the line being written (empty here) counts as one
    assert_eq!(r.output.split('\n').count(), MAX_REPORT_LINES);
    assert!(r.output.ends_with("2000\n"));
    assert!(r.output_dropped > 0.0);
    let j = json(&r);
    for key in [
        "status",
        "outputDropped",
        "tierEvents",
        "gcDeferred",
        "stallMs",
        "startedAt",
    ] {
        assert!(j.get(key).is_some(), "{} in {}", key, j);
    }
    assert_eq!(j["events"][0]["kind"], "finished");
}

#[test]
fn a_runaway_recursion_shows_a_short_stack_and_the_step_and_live_view_work() {
    let mut s = Session::new().unwrap();
    assert!(
        s.accept("Object", false, "down: n\n\t^ self down: n + 1")
            .ok
    );
    let pid = s.start("nil down: 0").pid.unwrap();
    for _ in 0..100 {
        if s.run(1_000_000.0)
            .events
            .iter()
            .any(|e| matches!(e, Event::Error { .. }))
        {
            break;
        }
    }
    let st = s.stack(pid as u32);
    assert_eq!(st.state, "errored");
    assert!(
        st.elided > 1000 && st.frames.len() <= 60,
        "{} {}",
        st.elided,
        st.frames.len()
    );

    let (mut s, pid) = seeded();
    run(&mut s, 5_000.0, 1);
    assert!(s.pause(pid as u32).ok);
    let live = s.live_position(pid as u32).unwrap();
    assert!(live
        .iter()
        .any(|f| f.selector == "methA:" && f.start < f.end));
    let step = s.step(pid as u32, false);
    assert_eq!(step.outcome, Some("stopped"));
    assert!(s.terminate(pid as u32).ok);
    s.run(1000.0);
    assert!(s.live_position(pid as u32).is_none());
    assert!(s.live_position(999).is_none());
    assert!(!s.step(999, true).ok);
}

#[test]
fn the_disassembly_shows_the_optimized_code_once_the_tier_ran() {
    let (mut s, _) = seeded();
    let plain = s.disassemble("Demo", false, "methA:").unwrap();
    assert!(plain.starts_with("Demo>>methA: (v1)"), "{}", plain);
    assert!(!plain.contains("optimized"));
    run(&mut s, 50_000.0, 10);
    let opt = s.disassemble("Demo", false, "methA:").unwrap();
    assert!(
        opt.contains("optimized") && opt.contains("Demo>>methB"),
        "{}",
        opt
    );
    assert!(s.disassemble("Demo", false, "nope").is_none());
    assert!(s.disassemble("Nope", true, "x").is_none());
}

#[test]
fn workspace_output_is_what_the_evaluations_wrote_wherever_they_ran() {
    let mut s = Session::new().expect("kernel loads");
    assert!(
        s.file_in("sem.st", "Smalltalk at: #Go put: Semaphore new!")
            .ok
    );
    // a do-it that waits for the program, then writes while the program's
    // slice runs (it preempts it); and a process it forks
    let w = s.evaluate(
        "Go wait. Transcript show: 'w'; cr. [Transcript show: 'f'; cr] fork",
        false,
    );
    assert!(w.ok);
    let r = s.run(100_000.0);
    assert_eq!((r.output.as_str(), r.workspace_output.as_str()), ("", ""));
    let p = s.start("Transcript show: 'p1'; cr. Go signal. Transcript show: 'p2'; cr");
    assert!(p.ok);
    let r = s.run(100_000.0);
    // the Transcript in the order of the writes; apart, the do-it's part
    assert_eq!(r.output, "p1\nw\nf\np2\n");
    assert_eq!(r.workspace_output, "w\nf\n");
    // an evaluation's fork writes after the evaluation ended: still its own
    let w = s.evaluate(
        "[(Delay forMilliseconds: 1) wait. Transcript show: 'late'; cr] fork",
        false,
    );
    assert!(w.ok);
    let mut ws = String::new();
    for _ in 0..200 {
        let r = s.run_for(1.0, 100_000.0);
        ws.push_str(&r.workspace_output);
        if ws.contains("late") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(ws, "late\n");
    // a print-it's printString is the evaluation's too
    assert!(s.file_in("noisy.st", "Object subclass: #Noisy instanceVariableNames: '' classVariableNames: '' package: 'T'!\n!Noisy methodsFor: 'p'!\nprintOn: aStream\n\tTranscript show: 'printing'; cr.\n\taStream nextPutAll: 'a Noisy'\n! !").ok);
    assert!(s.evaluate("Noisy new", true).ok);
    let r = s.run(1_000_000.0);
    assert_eq!(r.workspace_output, "printing\n");
    assert!(r
        .events
        .iter()
        .any(|e| matches!(e, Event::Printed { text, .. } if text == "a Noisy")));
}

/// `output`'s runs: (pid, origin, workspace, UTF-16 length) of each.
fn runs_of(r: &RunReport) -> Vec<(usize, usize, bool, usize)> {
    r.output_runs
        .iter()
        .map(|x| (x.pid, x.origin, x.workspace, x.len))
        .collect()
}

#[test]
fn output_runs_say_which_process_wrote_each_stretch_of_the_transcript() {
    let mut s = Session::new().expect("kernel loads");
    assert!(
        s.file_in("sem.st", "Smalltalk at: #Go put: Semaphore new!")
            .ok
    );
    let w = s
        .evaluate(
            "Go wait. Transcript show: 'wé'; cr. [Transcript show: '𝄞'; cr] fork",
            false,
        )
        .pid
        .unwrap();
    s.run(100_000.0);
    let p = s
        .start("Transcript show: 'p1'; cr. Go signal. Transcript show: 'p2'; cr")
        .pid
        .unwrap();
    let r = s.run(100_000.0);
    assert_eq!(r.output, "p1\nwé\n𝄞\np2\n");
    let runs = runs_of(&r);
    assert_eq!(runs.len(), 4, "{runs:?}");
    assert_eq!(runs[0], (p, p, false, 3));
    assert_eq!(runs[1], (w, w, true, 3));
    // the fork: its own pid, the evaluation's origin; 𝄞 is two UTF-16 units
    let (fork, origin, ws, len) = runs[2];
    assert!(fork != w && fork != p && origin == w && ws && len == 3);
    assert_eq!(runs[3], (p, p, false, 3));
    let j = json(&r);
    assert_eq!(j["outputRuns"][1]["workspace"], serde_json::json!(true));
    assert_eq!(j["outputRuns"][1]["len"], serde_json::json!(3));
}

#[test]
fn output_runs_are_bounded_and_cover_what_the_report_kept() {
    let mut s = Session::new().expect("kernel loads");
    // two processes taking turns: a run per write
    s.start(
        "[1 to: 700 do: [:i | Transcript show: 'a'. Processor yield]] fork. \
         1 to: 700 do: [:i | Transcript show: 'b'. Processor yield]",
    );
    let r = s.run(10_000_000.0);
    assert_eq!(r.output.len(), 1400);
    let runs = runs_of(&r);
    assert_eq!(runs.len(), livetalk::host::session::MAX_REPORT_RUNS);
    // the oldest merged into one run of several writers
    assert_eq!(runs[0].0, 0);
    assert!(runs[1..].iter().all(|x| x.0 != 0 && x.3 == 1));
    assert_eq!(runs.iter().map(|x| x.3).sum::<usize>(), 1400);
    // a report cut to its newest lines: the runs cover what it kept
    s.start("1 to: 2000 do: [:i | Transcript show: i printString; cr]");
    let r = s.run(10_000_000.0);
    assert!(r.output_dropped > 0.0);
    let total: usize = r.output_runs.iter().map(|x| x.len).sum();
    assert_eq!(total, r.output.encode_utf16().count());
}

#[test]
fn workspace_output_is_reported_apart_from_the_program_and_bounded() {
    let (mut s, _) = seeded();
    run(&mut s, 5_000.0, 1);
    let p = s.evaluate("Transcript show: 'from the workspace'; cr", false);
    let (mut program, mut workspace, mut finished) = (String::new(), String::new(), false);
    for _ in 0..20 {
        let r = s.run_for(2.0, 50_000.0);
        program.push_str(&r.output);
        workspace.push_str(&r.workspace_output);
        finished |= r
            .events
            .iter()
            .any(|e| matches!(e, Event::Finished { pid, .. } if Some(*pid) == p.pid));
    }
    assert!(finished);
    // the do-it's line is its own, whatever the loop printed meanwhile
    assert_eq!(workspace, "from the workspace\n");
    // (the Transcript has all of it: only 1s, but for the do-it's line if
    // it is among the newest; reports cut to their newest lines may join
    // two halves of lines)
    let odd: Vec<&str> = lines(&program)
        .into_iter()
        .filter(|l| !l.chars().all(|c| c == '1') && *l != "from the workspace")
        .collect();
    assert!(!program.is_empty() && odd.is_empty(), "{:?}", odd);
    // the same with fuel alone (no deadline)
    s.evaluate("Transcript show: 'again'; cr", false);
    let r = s.run(50_000.0);
    assert_eq!(r.workspace_output, "again\n");
    assert!(lines(&r.output).iter().all(|l| *l == "1" || *l == "again"));
    // a do-it that prints a lot is cut to its newest lines, like the program
    s.evaluate(
        "1 to: 1000 do: [:i | Transcript show: i printString; cr]",
        false,
    );
    let r = s.run(10_000_000.0);
    assert_eq!(
        r.workspace_output.split('\n').count(),
        livetalk::host::session::MAX_REPORT_WORKSPACE_LINES
    );
    assert!(r.workspace_output.ends_with("1000\n"));
    assert!(r.workspace_output_dropped > 0.0);
    let j = json(&r);
    assert!(j.get("workspaceOutput").is_some() && j.get("workspaceOutputDropped").is_some());
}

#[test]
fn whole_pictures_are_taken_for_painting_and_the_rest_held_back() {
    let mut s = Session::new().expect("kernel loads");
    let r = s.start("Canvas clear; fillRectX: 1 y: 1 width: 2 height: 2. Canvas clear; fillRectX: 3 y: 3 width: 1 height: 1");
    assert!(r.ok);
    s.run(1_000_000.0);
    let mut painted = Vec::new();
    let r = s.take_pictures(false, |c| painted.extend_from_slice(c));
    assert_eq!((r.painted, r.held, painted.len()), (2.0, 2.0, 2));
    assert_eq!(json(&r)["last"][1]["op"], "fillRect");
    // what follows the last clear waits for the next clear, or to be asked for
    assert_eq!(s.take_pictures(false, |_| {}).painted, 0.0);
    s.start("Canvas clear").pid.unwrap();
    s.run(1_000_000.0);
    let r = s.take_pictures(false, |c| painted.extend_from_slice(c));
    assert_eq!((r.painted, r.held), (2.0, 1.0));
    let r = s.take_pictures(true, |c| painted.extend_from_slice(c));
    assert_eq!((r.painted, r.held), (1.0, 0.0));
    let ops: Vec<String> = painted
        .iter()
        .map(|c| json(c)["op"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ops, ["clear", "fillRect", "clear", "fillRect", "clear"]);
}

#[test]
fn text_beyond_latin1_reaches_the_page_whole() {
    let mut s = Session::new().unwrap();
    // the editors: a class and a method typed in a browser
    let r = s.define_class(
        "Object subclass: #Ωmega\n\tinstanceVariableNames: 'λ'\n\tclassVariableNames: ''\n\tpackage: 'Grüße-日本'",
    );
    assert!(r.ok && r.name.as_deref() == Some("Ωmega"));
    let r = s.accept(
        "Ωmega",
        false,
        "日本\n\t\"こんにちは\"\n\t^ '日本語 😀 ' , $λ asString",
    );
    assert!(r.ok && r.selector.as_deref() == Some("日本"));
    assert_eq!(
        s.method_source("Ωmega", false, "日本").unwrap().source,
        "日本\n\t\"こんにちは\"\n\t^ '日本語 😀 ' , $λ asString"
    );
    // print-it, do-it output, and Canvas text
    let p = s.evaluate("Ωmega new 日本 , '!'", true).pid.unwrap();
    let d = s
        .evaluate(
            "Transcript show: 'Ελληνικά'. Canvas text: 'Ωmega 日本' x: 1 y: 2. #Δ",
            false,
        )
        .pid
        .unwrap();
    let (mut workspace_output, mut events) = (String::new(), vec![]);
    for _ in 0..2 {
        let r = s.run(100_000.0);
        workspace_output.push_str(&r.workspace_output);
        events.extend(r.events);
    }
    assert!(events.iter().any(
        |e| matches!(e, Event::Printed { pid, text } if *pid == p && text == "'日本語 😀 λ!'")
    ));
    assert_eq!(workspace_output, "Ελληνικά");
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Finished { pid, value } if *pid == d && value == "#Δ")));
    let shown = json(&s.take_drawing());
    assert_eq!(shown["commands"][0]["text"], "Ωmega 日本");
    // export and import (fileOut and fileIn), and a share link
    let file = s.export_workspace().text.unwrap();
    assert!(file.contains("'日本語 😀 '"), "{file}");
    let link = s
        .share_link(vec!["Ωmega".into()], "Ωmega new 日本", "on")
        .link
        .unwrap();
    for how in ["import", "link"] {
        let mut other = Session::new().unwrap();
        let ok = if how == "import" {
            other.import_file("ws.st", &file).ok
        } else {
            other.open_link(&link).ok
        };
        assert!(ok, "{how}");
        let p = other.evaluate("Ωmega new 日本", true).pid.unwrap();
        let (_, events) = run(&mut other, 100_000.0, 2);
        assert!(
            events.iter().any(
                |e| matches!(e, Event::Printed { pid, text } if *pid == p && text == "'日本語 😀 λ'")
            ),
            "{how}: {events:?}"
        );
    }
}

/// Collections while `expr` runs to its end in runs of `fuel`
/// instructions (each run starts by collecting if one is due).
fn collections_in_runs_of(expr: &str, fuel: f64) -> u64 {
    let mut s = Session::new().expect("kernel loads");
    let r = s.start(expr);
    assert!(r.ok);
    let before = s.vm.heap.collections;
    for _ in 0..1_000_000 {
        let r = s.run(fuel);
        if r.events.iter().any(|e| matches!(e, Event::Finished { .. })) {
            return s.vm.heap.collections - before;
        }
    }
    panic!("{expr} did not finish");
}

#[test]
fn the_page_collects_by_objects_made_as_well_as_by_bytes() {
    // 1,000 Arrays of 64 KB: many bytes in few objects, collected in
    // slices about as often as in one call (at 1 MiB, 8 times as often)
    let big = "1 to: 1000 do: [:i | Array new: 8190]. nil";
    let (one, sliced) = (
        collections_in_runs_of(big, 1e12),
        collections_in_runs_of(big, 2_000.0),
    );
    assert!(
        one >= 4 && sliced <= one * 2,
        "{one} in one call, {sliced} sliced"
    );
    // 200,000 small objects in a few MB: collected every 32K objects
    let small = "1 to: 200000 do: [:i | Array new: 0]. nil";
    let sliced = collections_in_runs_of(small, 2_000.0);
    assert!((5..=8).contains(&sliced), "{sliced} collections");
}

/// A print-it whose `printString` is a primitive that blocks (here a
/// Semaphore's wait): the printing process waits, and prints once the
/// Semaphore is signalled, while the running program goes on; before,
/// it was taken for finished at once, with nil.
#[test]
fn a_print_string_that_waits_prints_once_woken() {
    let (mut s, _) = seeded();
    let def = "Semaphore subclass: #PrintWait instanceVariableNames: '' \
               classVariableNames: '' poolDictionaries: '' category: 'T'!\n\
               !PrintWait methodsFor: 't'!\nprintString\n\t<primitive: 'semWait'>\n\t^ 'failed'\n! !\n";
    assert!(s.file_in("t.st", def).ok);
    let p = s
        .evaluate("Smalltalk at: #PW put: PrintWait new", true)
        .pid
        .unwrap();
    let printed = |events: &[Event]| {
        events.iter().find_map(|e| match e {
            Event::Printed { pid, text } if *pid == p => Some(text.clone()),
            _ => None,
        })
    };
    let (out, events) = run(&mut s, 5_000.0, 5);
    assert_eq!(printed(&events), None, "{events:?}");
    assert!(!out.is_empty(), "the program runs meanwhile");
    let q = s.evaluate("PW signal. 42", true).pid.unwrap();
    let (out, events) = run(&mut s, 5_000.0, 5);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Printed { pid, text } if *pid == q && text == "42")));
    // (the wait answers the Semaphore, which is no String)
    assert_eq!(
        printed(&events).as_deref(),
        Some("<printString did not answer a String>")
    );
    assert!(!out.is_empty(), "the program runs on");
}
