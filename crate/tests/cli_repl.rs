//! `livetalk repl` driven through stdin (not a terminal: no prompts, the
//! same reading of inputs): expressions over several lines, methods
//! ending in `!`, errors with their stack and the process kept for
//! `:stack`, `:tier`, `:load`, and the exit code of a script.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `livetalk repl ARGS` with `input` on stdin: (exit code, stdout,
/// stderr). A repl that does not end within two minutes fails the test.
fn repl(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .arg("repl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start livetalk repl");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    // written from a thread: a long input must not wait on a full stdout
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let id = child.id();
    let started = Instant::now();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output().expect("wait for livetalk");
        let _ = done_tx.send(());
        out
    });
    if done_rx.recv_timeout(Duration::from_secs(120)).is_err() {
        let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
        panic!("the repl did not end in {:?}", started.elapsed());
    }
    writer.join().unwrap();
    let out = waiter.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const GREETER: &str = "Object subclass: #Greeter instanceVariableNames: 'name' classVariableNames: '' package: 'Demo'\n";

#[test]
fn methods_and_expressions_over_several_lines() {
    let input = format!(
        "{GREETER}\
Greeter >> greet: who
    \"a method over several lines, with a blank one\"
    | s |

    s := 'Hello, ', who.
    ^ s
!
Greeter new greet: 'world'
(1 to: 3) collect: [:i |
    i * i]
#(1 2 3) inject: 0 into:
    [:a :b | a + b]
Greeter class >> default ^ self new greet: 'class side' !
Greeter default
'a string' , '!'
"
    );
    let (code, out, err) = repl(&[], &input);
    assert_eq!(err, "");
    assert_eq!(
        out,
        "Greeter\n\
         accepted Greeter>>greet: (v1)\n\
         'Hello, world'\n\
         #(1 4 9)\n\
         6\n\
         accepted Greeter class>>default (v1)\n\
         'Hello, class side'\n\
         'a string!'\n"
    );
    assert_eq!(code, 0);
}

#[test]
fn a_new_version_replaces_the_method() {
    let input = format!(
        "{GREETER}Greeter >> n ^ 1 !\nGreeter new n\nGreeter >> n\n  ^ 2\n!\nGreeter new n\n"
    );
    let (code, out, err) = repl(&[], &input);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        "Greeter\naccepted Greeter>>n (v1)\n1\naccepted Greeter>>n (v2)\n2\n"
    );
}

#[test]
fn an_error_shows_its_stack_and_keeps_the_process() {
    let input = format!(
        "{GREETER}\
Greeter >> half: n
    | t |
    t := n * 2.
    ^ t / 0
!
Greeter new half: 4
:stack
:resume
3 + 4
:stack
"
    );
    let (code, out, err) = repl(&[], &input);
    let err_lines: Vec<&str> = err.lines().collect();
    // the error as eval reports it: class, message, the stack innermost first
    assert!(err_lines[0].starts_with("ZeroDivide"), "{err}");
    let at = err_lines.iter().position(|l| *l == "Greeter>>half:");
    assert!(at.is_some(), "{err}");
    assert_eq!(err_lines[at.unwrap() + 1], "UndefinedObject>>DoIt", "{err}");
    // :stack: the kept process, its frames with versions, lines, receiver, temps
    assert!(out.contains("process "), "{out}");
    let frame = out
        .lines()
        .position(|l| l.contains("Greeter>>half: v1  line 4: ^ t / 0"))
        .unwrap_or_else(|| panic!("no Greeter>>half: frame in\n{out}"));
    let vars = out.lines().nth(frame + 1).unwrap();
    assert_eq!(vars.trim(), "self: a Greeter  n: 4  t: 8", "{out}");
    // :resume proceeds (the signal answers nil, so does the division)
    let after: Vec<&str> = out.lines().skip(frame + 2).collect();
    assert_eq!(
        after,
        [
            "  3 UndefinedObject>>DoIt v0  line 1: Greeter new half: 4",
            "      self: nil",
            "nil",
            "7"
        ],
        "{out}"
    );
    // nothing is kept any more
    assert!(err.ends_with("no process is stopped (an error or Ctrl-C keeps one)\n"));
    // the last input that failed was a command: a usage error
    assert_eq!(code, 2);
}

#[test]
fn a_runtime_error_sets_the_exit_code() {
    let (code, out, err) = repl(&[], "3 + 4\nnil foo\n5\n");
    assert_eq!(out, "7\n5\n");
    assert!(
        err.starts_with("MessageNotUnderstood: UndefinedObject>>foo\n"),
        "{err}"
    );
    assert_eq!(code, 1);
}

#[test]
fn compile_errors_have_their_place_and_install_nothing() {
    let input = format!(
        "{GREETER}\
Greeter >> n ^ 1 !
Greeter >> n
    ^ 2 +
!
Greeter new n
3 + ]
3 +

4
"
    );
    let (code, out, err) = repl(&[], &input);
    assert_eq!(out, "Greeter\naccepted Greeter>>n (v1)\n1\n4\n");
    assert_eq!(
        err,
        "<repl>:2:10: expression expected, but the source ended\n\
         <repl>:1:5: expression expected, found ']'\n\
         <repl>:1:4: expression expected, but the source ended\n"
    );
    assert_eq!(code, 2);
    // a column on the header line counts from the start of the line
    let (_, _, err) = repl(&[], &format!("{GREETER}Greeter >> n ^ 1 + !\n"));
    assert_eq!(
        err,
        "<repl>:1:19: expression expected, but the source ended\n"
    );
}

#[test]
fn tier_command() {
    let input = "\
:tier
:tier off
(1 to: 10000) inject: 0 into: [:a :b | a + b]
:tier eager
(1 to: 10000) inject: 0 into: [:a :b | a + b]
:tier
:tier fast
";
    let (code, out, err) = repl(&[], input);
    assert_eq!(
        out,
        "tier: on\ntier: off\n50005000\ntier: eager\n50005000\ntier: eager\n"
    );
    assert_eq!(err, ":tier takes on, off or eager\n");
    assert_eq!(code, 2);
    let (_, out, _) = repl(&["--tier", "off"], ":tier\n");
    assert_eq!(out, "tier: off\n");
}

#[test]
fn load_files_and_read_sources() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/seed.st");
    let input = format!(
        ":load {seed}\nDemo new methB\n:source Demo>>methB\n:load /no/such/file.st\n:frobnicate\n"
    );
    let (code, out, err) = repl(&[], &input);
    assert_eq!(out, format!("loaded {seed}\n1\nmethB\n\t^ 1\n"));
    assert!(err.starts_with("/no/such/file.st: "), "{err}");
    assert!(err.ends_with("unknown command :frobnicate (:help lists the commands)\n"));
    assert_eq!(code, 2);
    // --load, and :help on stdout
    let (code, out, _) = repl(&["--load", seed], "Demo new methB + 1\n:help\n:quit\n3\n");
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!("loaded {seed}\n2\nAn input is")),
        "{out}"
    );
    assert!(out.contains(":stack"), "{out}");
    assert!(!out.ends_with("3\n"), ":quit leaves: {out}");
}

#[test]
fn transcript_output_then_the_result_on_its_own_line() {
    let (code, out, _) = repl(
        &[],
        "Transcript show: 'no newline'. 3\nTranscript show: 'a'; cr. 4\n",
    );
    assert_eq!((code, out.as_str()), (0, "no newline\n3\na\n4\n"));
}

#[test]
fn the_end_of_the_input_ends_an_unfinished_method() {
    let (code, out, err) = repl(&[], &format!("{GREETER}Greeter >> n\n    ^ 5"));
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, "Greeter\naccepted Greeter>>n (v1)\n");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_runaway_loop_and_keeps_its_process() {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    let mut child = Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start livetalk repl");
    let mut stdin = child.stdin.take().unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let mut pipe = child.stdout.take().unwrap();
    let o = out.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut o = o.lock().unwrap_or_else(|e| e.into_inner());
            o.push_str(&String::from_utf8_lossy(&buf[..n]));
            // keep the end only: the loop prints without end
            if o.len() > 1 << 20 {
                let cut = o.len() - 4096;
                o.replace_range(..cut, "");
            }
        }
    });
    stdin
        .write_all(b"| i | i := 0. [true] whileTrue: [i := i + 1. Transcript show: 'x'; cr]\n")
        .unwrap();
    let started = Instant::now();
    while !out.lock().unwrap().contains("x\nx\nx\n") {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no output from the loop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    stdin.write_all(b":stack\n3 + 4\n").unwrap();
    drop(stdin);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the repl did not end after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let out = out.lock().unwrap().clone();
    assert_eq!(err, "interrupted\n");
    assert_eq!(status.code(), Some(1));
    // the stack of the paused loop, with its temporary, then the next input
    assert!(out.contains("(suspended)\n"), "{out}");
    assert!(out.contains("UndefinedObject>>DoIt v0  line 1: "), "{out}");
    assert!(out.contains("      self: nil  i: "), "{out}");
    assert!(out.ends_with("\n7\n"), "{out}");
}

#[test]
fn text_beyond_latin1_in_methods_and_results() {
    let input = "Object subclass: #Ωmega\n\
Ωmega >> λ: x\n    ^ x , '日本'\n!\n\
Ωmega new λ: 'ж'\n\
Ωmega >> μ ^ 1 + !\n";
    let (code, out, err) = repl(&[], input);
    assert_eq!(out, "Ωmega\naccepted Ωmega>>λ: (v1)\n'ж日本'\n");
    // the column on the header line counts characters
    assert_eq!(
        err,
        "<repl>:1:17: expression expected, but the source ended\n"
    );
    assert_eq!(code, 2);
}
