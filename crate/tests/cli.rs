//! The `livetalk` command line, run as a user would: output, exit codes
//! and error formats.

mod common;
use common::livetalk;

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("livetalk-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write tmp file");
    p.to_string_lossy().into_owned()
}

#[test]
fn eval_prints_transcript_then_value() {
    let (code, out, err) = livetalk(&["eval", "| x | x := 3. Transcript show: 'hi'; cr. x + 4"]);
    assert_eq!(code, 0, "{}", err);
    assert_eq!(out, "hi\n7\n");
}

#[test]
fn eval_profile_names_the_hot_methods() {
    let f = tmp(
        "prof.st",
        "Object subclass: #P instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'P'!\n!P methodsFor: 'x'!\nhot: n\n\t| s | s := 0. 1 to: n do: [:i | s := s + (i \\\\ 7)]. ^ s\n!\ncold\n\t^ 1\n! !\n",
    );
    for tier in ["off", "on"] {
        let (code, out, err) = livetalk(&[
            "eval",
            "--tier",
            tier,
            "--profile",
            "--load",
            &f,
            "P new cold. P new hot: 300000",
        ]);
        assert_eq!(code, 0, "{}", err);
        assert_eq!(out, "899998\n");
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines[0].starts_with("profile: "), "{}", err);
        // the first row is the hot method, with nearly every sample
        let top: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(top[2], "P>>hot:", "{}", err);
        assert!(top[0].parse::<f64>().unwrap() > 90.0, "{}", err);
        assert!(!err.contains("P>>cold"), "{}", err);
    }
}

#[test]
fn runtime_error_exits_1_with_class_message_and_stack() {
    let f = tmp("err.st", "Object subclass: #T instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'!\n!T methodsFor: 'x'!\nboom\n\t^ 1/0\n! !\n");
    let (code, out, err) = livetalk(&["eval", "--load", &f, "T new boom"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("ZeroDivide"), "{}", err);
    assert!(lines.contains(&"T>>boom"), "{}", err);
    assert_eq!(lines.last(), Some(&"UndefinedObject>>DoIt"), "{}", err);
}

#[test]
fn compile_error_in_file_exits_2_with_position() {
    let f = tmp("bad.st", "Object subclass: #U instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'U'!\n!U methodsFor: 'x'!\nfoo\n\t^ 3 +\n! !\n");
    let (code, _, err) = livetalk(&["eval", "--load", &f, "3"]);
    assert_eq!(code, 2);
    assert!(err.starts_with(&format!("{}:4:7: ", f)), "{}", err);
}

#[test]
fn compile_error_in_expression_exits_2() {
    let (code, _, err) = livetalk(&["eval", "3 + ]"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("<eval>:1:5: "), "{}", err);
}

#[test]
fn run_files_in_order() {
    let a = tmp("a.st", "Smalltalk at: #Counter put: 1!\n");
    let b = tmp(
        "b.st",
        "Transcript show: (Smalltalk at: #Counter) printString; cr!\n",
    );
    let (code, out, err) = livetalk(&["run", &a, &b]);
    assert_eq!(code, 0, "{}", err);
    assert_eq!(out, "1\n");
}

#[test]
fn tier_flag_is_accepted_and_changes_nothing() {
    for t in ["on", "off", "eager"] {
        let (code, out, _) = livetalk(&[
            "eval",
            "--tier",
            t,
            "(1 to: 5) inject: 0 into: [:a :b | a + b]",
        ]);
        assert_eq!((code, out.as_str()), (0, "15\n"));
    }
    let (code, _, _) = livetalk(&["eval", "--tier", "fast", "3"]);
    assert_eq!(code, 64);
}

#[test]
fn live_seed_script_passes() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/seed.live");
    let (code, out, err) = livetalk(&["live", script]);
    assert_eq!(code, 0, "{}", err);
    assert!(
        out.ends_with(&format!("live script passed: {}\n", script)),
        "{}",
        out
    );
}

#[test]
fn runaway_recursion_is_a_smalltalk_error() {
    let f = tmp("rec.st", "Object subclass: #R instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'R'!\n!R methodsFor: 'x'!\ndown: n\n\t^ (self down: n + 1) + 1\n! !\n");
    let (code, _, err) = livetalk(&["eval", "--load", &f, "R new down: 0"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("StackOverflow"),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(err.lines().count() < 60, "deep stacks are elided");
}

#[test]
fn som_class_files_load() {
    let f = tmp(
        "Counter.som",
        "Counter = (\n  | count |\n  increment = ( count := (count ifNil: [0]) + 1. ^ self )\n  count = ( ^ count )\n  ----\n  | made |\n  new = ( made := (made ifNil: [0]) + 1. ^ super new )\n  made = ( ^ made )\n)\n",
    );
    let (code, out, err) = livetalk(&[
        "eval",
        "--load",
        &f,
        "Counter new increment; increment; count",
    ]);
    assert_eq!(code, 0, "{}", err);
    assert_eq!(out, "2\n");
    let (code, out, err) = livetalk(&[
        "eval",
        "--load",
        &f,
        "Counter new. Counter new. Counter made",
    ]);
    assert_eq!(code, 0, "{}", err);
    assert_eq!(out, "2\n");
}

#[test]
fn disassembler_shows_canonical_and_optimized_code() {
    let (code, out, err) = livetalk(&[
        "disasm",
        "--tier",
        "eager",
        "--run",
        "10 benchFib",
        "Integer>>benchFib",
    ]);
    assert_eq!(code, 0, "{}", err);
    assert!(
        out.starts_with("Integer>>benchFib (v1) args 0 temps 0\n"),
        "{}",
        out
    );
    assert!(out.contains("\noptimized (deopts 0"), "{}", out);
    assert!(out.contains("BranchUnless self < 2"), "{}", out);
}

#[test]
fn trace_tier_prints_events() {
    let (code, _, err) = livetalk(&["eval", "--trace-tier", "--tier", "eager", "3 benchFib"]);
    assert_eq!(code, 0, "{}", err);
    assert!(
        err.contains("[tier] optimized Integer>>benchFib"),
        "{}",
        err
    );
}

#[test]
#[cfg(unix)]
fn hostile_arguments_end_in_clear_errors() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"3 + \xff");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .arg("eval")
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));

    // a 40,000-term chain is a compile error, not a stack overflow
    let long = vec!["1"; 40_000].join("+");
    let (code, _, err) = livetalk(&["eval", &long]);
    assert_eq!(code, 2, "{}", err);
    assert!(err.starts_with("<eval>:1:"), "{}", err);

    // an infinite Delay is a Smalltalk error, not a panic
    let (code, _, err) = livetalk(&["eval", "(Delay forMilliseconds: Float infinity) wait"]);
    assert_eq!(code, 1, "{}", err);
    assert!(err.contains("bad delay duration"), "{}", err);
}

#[test]
fn an_error_while_printing_the_result_is_an_error() {
    let f = tmp(
        "badprint.st",
        "Object subclass: #BadPrint instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'!\n!BadPrint methodsFor: 'x'!\nprintOn: aStream\n\t^ 1/0\n! !\n",
    );
    let (code, out, err) = livetalk(&["eval", "--load", &f, "BadPrint new"]);
    assert_eq!(code, 1, "{out} {err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("error printing the result: ZeroDivide"),
        "{err}"
    );
}

#[test]
fn error_text_is_escaped_and_bounded() {
    // an ANSI escape in an error message does not reach the terminal raw
    let (code, _, err) = livetalk(&[
        "eval",
        "self error: (String with: (Character value: 27)), '[31mred'",
    ]);
    assert_eq!(code, 1);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("\\u{1b}[31mred"), "{err:?}");
    // a huge message is cut
    let (code, _, err) = livetalk(&["eval", "self error: (String new: 1000000 withAll: $x)"]);
    assert_eq!(code, 1);
    assert!(err.len() < 20_000, "{} bytes", err.len());
    assert!(err.contains("more bytes)"), "{}", &err[err.len() - 100..]);
}

#[test]
fn an_error_in_a_forked_process_is_reported() {
    let (code, out, err) = livetalk(&["eval", "[1/0] forkAt: 60. 3 + 4"]);
    assert_eq!(code, 1, "{out} {err}");
    assert_eq!(out, "7\n");
    assert!(err.starts_with("in a forked process: ZeroDivide"), "{err}");
    // a forked process that handles its error is no error
    let (code, out, _) = livetalk(&["eval", "[[1/0] on: ZeroDivide do: [:e | 0]] forkAt: 60. 7"]);
    assert_eq!((code, out.as_str()), (0, "7\n"));
}

#[test]
fn a_live_script_run_ends_when_nothing_can_run() {
    // (it used to spin through 2^64 instructions of fuel with nothing to run)
    let f = tmp(
        "idle.live",
        "start p 3 + 4\nrun 18446744073709551615\nexpect value p 7\n",
    );
    let (code, out, err) = livetalk(&["live", &f]);
    assert_eq!(code, 0, "{out} {err}");
}

#[test]
fn an_undeclared_variable_is_a_warning_with_its_position() {
    let (code, _, err) = livetalk(&["eval", "Calendar today"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("<eval>:1:1: warning: undeclared variable Calendar\n"),
        "{err}"
    );
    let f = tmp(
        "undeclared.st",
        "Object subclass: #W instanceVariableNames: '' classVariableNames: '' package: 'x'!\n!W methodsFor: 'x'!\nf\n\t^ Frobnitz\n! !\n",
    );
    // it still compiles, as in Squeak: the variable reads nil
    let (code, out, err) = livetalk(&["eval", "--load", &f, "W new f"]);
    assert_eq!((code, out.as_str()), (0, "nil\n"), "{err}");
    assert!(
        err.contains("undeclared.st:4:4: warning: undeclared variable Frobnitz"),
        "{err}"
    );
    // nothing to say about a defined global, or the kernel
    let (_, _, err) = livetalk(&["eval", "Transcript"]);
    assert_eq!(err, "");
    // nor about a class a later file defines (as SOM packages do)
    let user = tmp(
        "user.st",
        "Object subclass: #U instanceVariableNames: '' classVariableNames: '' package: 'x'!\n!U methodsFor: 'x'!\nf\n\t^ Later new g + Never\n! !\n",
    );
    let later = tmp(
        "later.st",
        "Object subclass: #Later instanceVariableNames: '' classVariableNames: '' package: 'x'!\n!Later methodsFor: 'x'!\ng\n\t^ 3\n! !\n",
    );
    let (code, out, err) = livetalk(&["eval", "--load", &user, "--load", &later, "U new f"]);
    assert_eq!(code, 1, "{out}");
    assert!(!err.contains("variable Later"), "{err}");
    assert!(
        err.contains("user.st:4:18: warning: undeclared variable Never"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .args([
            "eval",
            "1 to: 1000000 do: [:i | Transcript show: i printString; cr]. 3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "1\n");
    // the reader is gone (as `| head -1` leaves)
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn help_and_version_go_to_stdout() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["help", "eval"],
        &["eval", "--help"],
        &["run", "-h"],
    ] {
        let (code, out, err) = livetalk(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            out.starts_with("usage:\n  livetalk eval"),
            "{args:?}: {out}"
        );
    }
    let (code, out, _) = livetalk(&["--version"]);
    assert_eq!((code, out.starts_with("livetalk ")), (0, true));
    // no command at all is still a usage error
    let (code, out, err) = livetalk(&[]);
    assert_eq!((code, out.as_str()), (64, ""));
    assert!(err.starts_with("usage:"));
}

#[test]
fn the_result_goes_on_its_own_line_after_transcript_output() {
    let (code, out, _) = livetalk(&["eval", "Transcript show: 'no newline'. 3"]);
    assert_eq!((code, out.as_str()), (0, "no newline\n3\n"));
    let (_, out, _) = livetalk(&["eval", "Transcript show: 'line'; cr. 3"]);
    assert_eq!(out, "line\n3\n");
}

#[test]
fn repl_and_watch_have_help_and_usage_errors() {
    for args in [
        &["repl", "--help"][..],
        &["help", "repl"],
        &["watch", "-h"],
        &["watch", "x.st", "--help", "--", "3"],
    ] {
        let (code, out, err) = livetalk(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            out.contains("\n  livetalk repl [--tier on|off|eager]"),
            "{out}"
        );
        assert!(
            out.contains(
                "\n  livetalk watch [--tier on|off|eager] [--trace-tier] FILE... -- EXPR\n"
            ),
            "{out}"
        );
    }
    for args in [
        &["watch", "x.st"][..],
        &["watch", "--", "3"],
        &["watch", "x.st", "--"],
        &["watch", "--load", "x.st", "y.st", "--", "3"],
        &["repl", "x.st"],
        &["eval", "--", "3"],
    ] {
        let (code, out, err) = livetalk(args);
        assert_eq!((code, out.as_str()), (64, ""), "{args:?}");
        assert!(err.starts_with("usage:"), "{args:?}: {err}");
    }
    // an empty file to watch, and an expression that ends: its value
    let f = tmp("empty.st", "");
    let (code, out, err) = livetalk(&["watch", &f, "--", "#(1 2) includes: 2"]);
    assert_eq!((code, out.as_str()), (0, "true\n"), "{err}");
}

#[test]
fn the_examples_run_as_the_readme_shows() {
    let hello = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hello.st");
    let (code, out, err) = livetalk(&["run", hello]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "Hello, world\n", "")
    );
    let (code, out, _) = livetalk(&["eval", "--load", hello, "Greeter new greeting reversed"]);
    assert_eq!((code, out.as_str()), (0, "Hello, world\n'dlrow ,olleH'\n"));
    let (code, out, _) = livetalk(&["eval", "3 + 4 * 2"]);
    assert_eq!((code, out.as_str()), (0, "14\n"));
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/seed.st");
    let (code, out, err) = livetalk(&["eval", "--load", seed, "Demo new methB"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "1\n", ""));
}

/// A class whose name, category, selector, literals and comment are
/// beyond Latin-1.
const UNICODE_ST: &str = "Object subclass: #Ωmega
	instanceVariableNames: ''
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Grüße-日本'!

!Ωmega methodsFor: 'テキスト'!
日本
	\"こんにちは\"
	^ '日本語 😀 ' , $λ asString , #Δέλτα
! !

Transcript show: Ωmega new 日本; cr!
";

#[test]
fn text_beyond_latin1_round_trips_through_arguments_files_and_output() {
    let (code, out, err) = livetalk(&["eval", "'日本' , 'x'"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "'日本x'\n", ""));
    let (code, out, _) = livetalk(&["eval", "Transcript show: '😀 Ελληνικά'. #λ"]);
    assert_eq!((code, out.as_str()), (0, "😀 Ελληνικά\n#λ\n"));
    let f = tmp("unicode.st", UNICODE_ST);
    let (code, out, err) = livetalk(&["run", &f]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "日本語 😀 λΔέλτα\n");
    let (code, out, err) = livetalk(&["eval", "--load", &f, "Ωmega new 日本 reversed"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "日本語 😀 λΔέλτα\n'ατλέΔλ 😀 語本日'\n");
    // an error's text keeps its characters
    let (code, _, err) = livetalk(&["eval", "self error: 'schlecht: 日本'"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: schlecht: 日本\n"), "{err}");
}

#[test]
fn source_that_is_not_utf8_is_an_error_with_its_position() {
    let dir = std::env::temp_dir().join(format!("livetalk-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join("latin1.st");
    // 'café' in Latin-1 on the second line
    std::fs::write(&p, b"3 + 4!\nTranscript show: 'caf\xe9'!\n").expect("write");
    let p = p.to_string_lossy().into_owned();
    for args in [vec!["run", &p], vec!["eval", "--load", &p, "3"]] {
        let (code, out, err) = livetalk(&args);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}");
        assert_eq!(
            err,
            format!("{p}:2:22: not UTF-8 text (byte 0xE9); source files are read as UTF-8\n")
        );
    }
}
