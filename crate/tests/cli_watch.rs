//! `livetalk watch FILE -- EXPR`: the seed scenario from a terminal. The
//! loop's output changes when the file is saved with a new `methB`; a
//! compile error is reported with its place and the loop goes on; a
//! removed method is a doesNotUnderstand: that ends the run.
//!
//! The machine may be loaded: every wait polls for the output it expects
//! for up to two minutes instead of sleeping a fixed time.
#![cfg(not(target_arch = "wasm32"))]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(120);

/// What a watch printed so far: stdout as runs of equal lines (the seed
/// loop prints millions), stderr whole.
#[derive(Default)]
struct Seen {
    lines: usize,
    runs: Vec<(String, usize)>,
    stdout_closed: bool,
    err: String,
}

struct Watch {
    child: Child,
    seen: Arc<Mutex<Seen>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Watch {
    fn start(args: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_livetalk"))
            .arg("watch")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start livetalk watch");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let out = child.stdout.take().unwrap();
        let s = seen.clone();
        let out_reader = std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let l = line.trim_end_matches('\n');
                let mut s = s.lock().unwrap_or_else(|e| e.into_inner());
                s.lines += 1;
                match s.runs.last_mut() {
                    Some((v, n)) if v == l => *n += 1,
                    _ => s.runs.push((l.to_string(), 1)),
                }
            }
            s.lock().unwrap_or_else(|e| e.into_inner()).stdout_closed = true;
        });
        let mut err = child.stderr.take().unwrap();
        let s = seen.clone();
        let err_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock()
                    .unwrap()
                    .err
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Watch {
            child,
            seen,
            readers: vec![out_reader, err_reader],
        }
    }

    /// Waits until `what` holds of the output, or fails the test.
    fn wait_for(&mut self, what: &str, cond: impl Fn(&Seen) -> bool) {
        let start = Instant::now();
        loop {
            {
                let s = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                if cond(&s) {
                    return;
                }
                if start.elapsed() > PATIENCE {
                    let runs: Vec<String> = s
                        .runs
                        .iter()
                        .rev()
                        .take(20)
                        .map(|(v, n)| format!("{n} x {v:?}"))
                        .collect();
                    let msg = format!(
                        "waited {:?} for {what}\nlast stdout runs (newest first):\n{}\nstderr:\n{}",
                        start.elapsed(),
                        runs.join("\n"),
                        s.err
                    );
                    drop(s);
                    let _ = self.child.kill();
                    panic!("{msg}");
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the program to end: its exit code.
    fn end(mut self) -> (i32, Seen) {
        let start = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code().unwrap_or(-1);
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!(
                    "watch did not end; stderr:\n{}",
                    self.seen.lock().unwrap_or_else(|e| e.into_inner()).err
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        let seen = std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()));
        (code, seen)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("livetalk-watch-{}-{}", std::process::id(), name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the seed demo (`Demo>>methA:` loops printing `methB`).
fn seed_copy(dir: &Path) -> PathBuf {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/seed.st");
    let path = dir.join("seed.st");
    std::fs::copy(seed, &path).unwrap();
    path
}

/// The seed file with `methB`'s body replaced.
fn with_meth_b(path: &Path, body: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("methB\n").expect("methB in the file");
    let end = start + text[start..].find("\n!").unwrap();
    format!("{}methB\n{}{}", &text[..start], body, &text[end..])
}

/// Saves as an editor that writes a new file and renames it over the old.
fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("st.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn last_line(s: &Seen) -> Option<&str> {
    s.runs.last().map(|(v, _)| v.as_str())
}

#[test]
fn saving_the_file_changes_the_running_loop() {
    let dir = temp_dir("seed");
    let path = seed_copy(&dir);
    let p = path.to_str().unwrap();
    let mut w = Watch::start(&[p, "--", "Demo new methA: 0"]);
    w.wait_for("the loop printing 1", |s| {
        s.runs.first().is_some_and(|(v, n)| v == "1" && *n >= 100)
    });

    // 1. a new methB, written in place: the next call answers 2
    std::fs::write(&path, with_meth_b(&path, "\t^ 2")).unwrap();
    w.wait_for("the loop printing 2", |s| {
        last_line(s) == Some("2") && s.runs.last().unwrap().1 >= 100
    });
    {
        let s = w.seen.lock().unwrap_or_else(|e| e.into_inner());
        assert!(s.err.contains("accepted Demo>>methB (v2)\n"), "{}", s.err);
        // the output went from 1 to 2 once, and nothing else came
        let values: Vec<&str> = s.runs.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(values, ["1", "2"], "stderr: {}", s.err);
    }

    // 2. a compile error, saved by rename: reported with its place in the
    // file, nothing installed, and the loop goes on printing 2
    save_by_rename(&path, &with_meth_b(&path, "\t^ 3 +"));
    let place = format!("{p}:14:7: expression expected, but the source ended\n");
    w.wait_for("the compile error", |s| s.err.contains(&place));
    let lines_then = w.seen.lock().unwrap_or_else(|e| e.into_inner()).lines;
    w.wait_for("more output after the compile error", |s| {
        s.lines > lines_then + 1000
    });
    {
        let s = w.seen.lock().unwrap_or_else(|e| e.into_inner());
        let values: Vec<&str> = s.runs.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(values, ["1", "2"], "stderr: {}", s.err);
        assert!(!s.err.contains("(v3)"), "{}", s.err);
    }

    // 3. fixed: v3 (the failed compile made no version)
    std::fs::write(&path, with_meth_b(&path, "\t^ 40 + 2")).unwrap();
    w.wait_for("the loop printing 42", |s| last_line(s) == Some("42"));
    assert!(w
        .seen
        .lock()
        .unwrap()
        .err
        .contains("accepted Demo>>methB (v3)\n"));

    // 4. methB gone from the file: removed, and the loop's next send is
    // an error that ends the run with its stack
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("methB\n").unwrap();
    let end = start + text[start..].find("\n!").unwrap() + 2;
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let (code, seen) = w.end();
    assert!(seen.err.contains("removed Demo>>methB\n"), "{}", seen.err);
    assert!(
        seen.err.contains("MessageNotUnderstood: Demo>>methB\n"),
        "{}",
        seen.err
    );
    assert!(
        seen.err.contains("\nDemo>>methA:\nUndefinedObject>>DoIt\n"),
        "{}",
        seen.err
    );
    assert_eq!(code, 1);
    let values: Vec<&str> = seen.runs.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(values, ["1", "2", "42"]);
}

#[test]
fn a_running_activation_keeps_its_version() {
    // methA: accepted while it runs: the loop keeps the old one (no 'x')
    let dir = temp_dir("activation");
    let path = seed_copy(&dir);
    let p = path.to_str().unwrap();
    let mut w = Watch::start(&[p, "--", "Demo new methA: 0"]);
    w.wait_for("the loop printing 1", |s| last_line(s) == Some("1"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("printString; cr", "printString, 'x'; cr"),
    )
    .unwrap();
    w.wait_for("the accept", |s| {
        s.err.contains("accepted Demo>>methA: (v2)\n")
    });
    // methB changes after it: the old methA: runs on and sees the new methB
    std::fs::write(&path, with_meth_b(&path, "\t^ 7")).unwrap();
    w.wait_for("the loop printing 7", |s| last_line(s) == Some("7"));
    let s = w.seen.lock().unwrap_or_else(|e| e.into_inner());
    let values: Vec<&str> = s.runs.iter().map(|(v, _)| v.as_str()).collect();
    assert_eq!(values, ["1", "7"], "stderr: {}", s.err);
}

#[test]
fn it_ends_with_the_expression() {
    let dir = temp_dir("ends");
    let path = seed_copy(&dir);
    let p = path.to_str().unwrap();
    // a value: printed as eval prints it
    let (code, seen) = Watch::start(&[p, "--", "Demo", "new", "methB", "+", "2"]).end();
    assert_eq!(code, 0, "{}", seen.err);
    assert_eq!(seen.runs, [("3".to_string(), 1)]);
    // an error: its stack
    let (code, seen) = Watch::start(&[p, "--", "Demo new frob"]).end();
    assert_eq!(code, 1);
    assert!(
        seen.err.contains("MessageNotUnderstood: Demo>>frob\n"),
        "{}",
        seen.err
    );
    // an expression that does not compile
    let (code, seen) = Watch::start(&[p, "--", "3 +"]).end();
    assert_eq!(code, 2);
    assert_eq!(
        seen.err,
        "<expr>:1:4: expression expected, but the source ended\n"
    );
    // a file that does not load
    let bad = dir.join("bad.st");
    std::fs::write(&bad, "!Nope methodsFor: 'x'!\nfoo ^ 1\n! !\n").unwrap();
    let (code, seen) = Watch::start(&[bad.to_str().unwrap(), "--", "3"]).end();
    assert_eq!(code, 2);
    assert!(
        seen.err.starts_with(&format!("{}:", bad.display())),
        "{}",
        seen.err
    );
}

#[test]
fn a_closed_pipe_ends_it_quietly() {
    let dir = temp_dir("pipe");
    let path = seed_copy(&dir);
    // the reader goes away after one line, as `| head -1` does
    let mut child = Command::new(env!("CARGO_BIN_EXE_livetalk"))
        .args(["watch", path.to_str().unwrap(), "--", "Demo new methA: 0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "1\n");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "watch did not end on a closed pipe"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.starts_with("watching "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_it_with_the_stack() {
    let dir = temp_dir("interrupt");
    let path = seed_copy(&dir);
    let mut w = Watch::start(&[path.to_str().unwrap(), "--", "Demo new methA: 0"]);
    w.wait_for("output", |s| s.lines > 10);
    let kill = Command::new("kill")
        .args(["-INT", &w.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (code, seen) = w.end();
    assert_eq!(code, 130, "{}", seen.err);
    // (the innermost frames may be methB's or printString's)
    assert!(seen.err.contains("interrupted in:\n"), "{}", seen.err);
    assert!(
        seen.err
            .ends_with("\nDemo>>methA:\nUndefinedObject>>DoIt\n"),
        "{}",
        seen.err
    );
}

#[test]
fn a_new_do_it_runs_once() {
    let dir = temp_dir("doit");
    let path = seed_copy(&dir);
    let p = path.to_str().unwrap();
    let mut w = Watch::start(&[p, "--", "Demo new methA: 0"]);
    w.wait_for("the loop printing 1", |s| last_line(s) == Some("1"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines = text.lines().count();
    std::fs::write(&path, format!("{text}\nTranscript show: 'hello'; cr!\n")).unwrap();
    let ran = format!("ran the do-it at {p}:{}:1\n", lines + 2);
    w.wait_for("the do-it", |s| s.err.contains(&ran));
    // saved again with another change: the do-it does not run again
    std::fs::write(&path, with_meth_b(&path, "\t^ 5")).unwrap();
    w.wait_for("the loop printing 5", |s| last_line(s) == Some("5"));
    let s = w.seen.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(s.err.matches("ran the do-it").count(), 1, "{}", s.err);
    // (it may come between the loop's `show:` and its `cr`)
    let hellos = s.runs.iter().filter(|(v, _)| v.ends_with("hello")).count();
    assert_eq!(hellos, 1);
}
