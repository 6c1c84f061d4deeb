//! `livetalk live SCRIPT`: replays a host-level live-coding session, the
//! way the playground drives the VM, with expectations to check.
//!
//! The format is line-based; `#` starts a comment line. Steps:
//!
//! ```text
//! load FILE                      file in a .st or .som file (relative to the script)
//! tier off|on|eager              set the tier mode
//! start NAME EXPR                start EXPR as a process called NAME (not run yet)
//! run N                          run N units of fuel (instructions)
//! run-until TEXT [max N]         run one instruction at a time until the
//!                                Transcript output ends with TEXT (\n, \t escapes)
//! accept CLASS [class] <<        accept the method source on the following lines,
//! ...source...                   up to a line `>>`; the compile must succeed
//! >>
//! accept-fail CLASS [class] LINE:COL <<   like accept, but the compile must fail
//! ...                            at LINE:COL and nothing may change
//! >>
//! remove CLASS [class] SELECTOR  remove a method
//! restart NAME FRAME             restart a frame of process NAME: FRAME is an index
//!                                (0 = innermost) or a method name like Demo>>methA:
//! pause NAME | resume NAME | terminate NAME
//! drain                          forget the Transcript output so far
//! expect transcript TEXT         the output since the last drain is exactly TEXT
//! expect every-line TEXT         every non-empty output line since the last drain is TEXT (at least one)
//! expect first-line TEXT         the first non-empty output line since the last drain is TEXT
//! expect error NAME CLASS        process NAME is stopped on an unhandled error of CLASS
//! expect state NAME STATE        ready | suspended | errored | finished | terminated | waiting
//! expect value NAME TEXT         process NAME finished and its value prints as TEXT
//! expect frame NAME TEXT         the stack of NAME has a frame TEXT (e.g. `Demo>>methA: v1`)
//! ```
//!
//! A failed expectation stops the replay with `SCRIPT:LINE: message`.

use crate::interp::{ProcState, TierMode};
use crate::Vm;
use std::collections::HashMap;
use std::path::Path;

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

/// Replays `script` (read from `path`, used for relative loads and error
/// messages). Answers the Transcript output of the whole session.
pub fn replay(vm: &mut Vm, path: &str, script: &str) -> Result<String, String> {
    let base = Path::new(path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let lines: Vec<&str> = script.lines().collect();
    let mut procs: HashMap<String, usize> = HashMap::new();
    let mut out = String::new(); // since last drain
    let mut all = String::new();
    let mut i = 0;
    macro_rules! fail {
        ($($t:tt)*) => { return Err(format!("{}:{}: {}", path, i + 1, format!($($t)*))) };
    }
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() || line.starts_with('#') {
            i += 1;
            continue;
        }
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        let pid_of = |name: &str| procs.get(name).copied();
        match cmd {
            "load" => {
                let p = base.join(rest);
                let src = match std::fs::read_to_string(&p) {
                    Ok(s) => s,
                    Err(e) => fail!("cannot read {}: {}", p.display(), e),
                };
                if let Err(e) = vm.file_in(&p.to_string_lossy(), &src) {
                    fail!("load failed: {}", e);
                }
            }
            "tier" => {
                vm.tier = match rest {
                    "off" => TierMode::Off,
                    "on" => TierMode::On,
                    "eager" => TierMode::Eager,
                    other => fail!("unknown tier mode {}", other),
                }
            }
            "start" => {
                let (name, expr) = rest.split_once(' ').unwrap_or((rest, ""));
                match vm.start(expr, 40) {
                    Ok(pid) => {
                        procs.insert(name.to_string(), pid);
                    }
                    Err(e) => fail!("start failed: {}", e),
                }
            }
            "run" => {
                let n: u64 = match rest.parse() {
                    Ok(n) => n,
                    Err(_) => fail!("run needs a number"),
                };
                let mut left = n;
                while left > 0 {
                    let chunk = left.min(vm.slice.max(1));
                    let before = vm.insn_count;
                    let out = vm.run(chunk);
                    // nothing can run (or only a Delay can wake something):
                    // the rest of the fuel would never be used
                    if matches!(out, crate::Outcome::Idle | crate::Outcome::Waiting { .. })
                        && vm.insn_count == before
                    {
                        break;
                    }
                    left -= chunk;
                }
            }
            "run-until" => {
                let (text, max) = match rest.rsplit_once(" max ") {
                    Some((t, m)) => (t, m.parse::<u64>().unwrap_or(1_000_000)),
                    None => (rest, 1_000_000),
                };
                let text = unescape(text);
                let mut steps = 0;
                loop {
                    let t = vm.take_transcript();
                    out.push_str(&t);
                    all.push_str(&t);
                    // (output just written: what was there before may end
                    // with TEXT while the process is already past it)
                    if out.ends_with(&text) && !t.is_empty() && steps > 0 {
                        break;
                    }
                    if steps >= max {
                        fail!("output never ended with {:?} in {} steps", text, max);
                    }
                    vm.run(1);
                    steps += 1;
                }
            }
            "accept" | "accept-fail" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                if words.last() != Some(&"<<") {
                    fail!("accept must end with <<");
                }
                let class = words.first().copied().unwrap_or("");
                let meta = words.get(1) == Some(&"class");
                let want_pos = if cmd == "accept-fail" {
                    words.get(words.len().saturating_sub(2)).copied()
                } else {
                    None
                };
                let start = i;
                let mut src = String::new();
                i += 1;
                while i < lines.len() && lines[i].trim() != ">>" {
                    src.push_str(lines[i]);
                    src.push('\n');
                    i += 1;
                }
                if i >= lines.len() {
                    i = start;
                    fail!("accept without a closing >>");
                }
                let r = vm.accept(class, meta, &src, Some("live"));
                match (cmd, r) {
                    ("accept", Err(e)) => fail!("accept failed: {}", e),
                    ("accept-fail", Ok(_)) => fail!("accept should have failed"),
                    ("accept-fail", Err(e)) => {
                        let msg = e.to_string();
                        if let Some(p) = want_pos {
                            if !msg.starts_with(&format!("{}:", p)) {
                                fail!("compile error at the wrong place: {}", msg);
                            }
                        }
                    }
                    _ => {}
                }
            }
            "remove" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let (class, meta, sel) = match words.as_slice() {
                    [c, "class", s] => (*c, true, *s),
                    [c, s] => (*c, false, *s),
                    _ => fail!("remove CLASS [class] SELECTOR"),
                };
                if let Err(e) = vm.remove(class, meta, sel) {
                    fail!("remove failed: {}", e);
                }
            }
            "restart" => {
                let (name, which) = rest.split_once(' ').unwrap_or((rest, "0"));
                let pid = match pid_of(name) {
                    Some(p) => p,
                    None => fail!("no process {}", name),
                };
                let index = match which.parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => {
                        let stack = vm.inspect_stack(pid).map_err(|e| e.to_string())?;
                        match stack.iter().position(|f| f.name == which) {
                            Some(n) => n,
                            None => fail!("no frame {} in {}", which, name),
                        }
                    }
                };
                if let Err(e) = vm.restart_frame(pid, index) {
                    fail!("restart failed: {}", e);
                }
            }
            "pause" | "resume" | "terminate" => {
                let pid = match pid_of(rest) {
                    Some(p) => p,
                    None => fail!("no process {}", rest),
                };
                let r = match cmd {
                    "pause" => vm.pause(pid),
                    "resume" => vm.resume(pid),
                    _ => vm.terminate_process(pid),
                };
                if let Err(e) = r {
                    fail!("{} failed: {}", cmd, e);
                }
            }
            "drain" => {
                let t = vm.take_transcript();
                all.push_str(&t);
                out.clear();
            }
            "expect" => {
                let t = vm.take_transcript();
                out.push_str(&t);
                all.push_str(&t);
                let (kind, arg) = rest.split_once(' ').unwrap_or((rest, ""));
                let lines_out: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
                match kind {
                    "transcript" => {
                        if out != unescape(arg) {
                            fail!("expected transcript {:?}, got {:?}", unescape(arg), out);
                        }
                    }
                    "every-line" => {
                        if lines_out.is_empty() {
                            fail!("expected lines {:?}, got no output", arg);
                        }
                        if let Some(bad) = lines_out.iter().find(|l| **l != arg) {
                            fail!("expected every line to be {:?}, got {:?}", arg, bad);
                        }
                    }
                    "first-line" => match lines_out.first() {
                        Some(l) if *l == arg => {}
                        other => fail!("expected first line {:?}, got {:?}", arg, other),
                    },
                    "error" | "state" | "value" | "frame" => {
                        let (name, what) = arg.split_once(' ').unwrap_or((arg, ""));
                        let pid = match pid_of(name) {
                            Some(p) => p,
                            None => fail!("no process {}", name),
                        };
                        let p = &vm.procs[pid];
                        match kind {
                            "error" => {
                                let got = p.error.as_ref().map(|e| e.class_name.clone());
                                if p.state != ProcState::Errored || got.as_deref() != Some(what) {
                                    fail!(
                                        "expected {} to stop on {}, got {:?} {:?}",
                                        name,
                                        what,
                                        p.state,
                                        got
                                    );
                                }
                            }
                            "state" => {
                                let s = match p.state {
                                    ProcState::Ready => "ready",
                                    ProcState::Suspended => "suspended",
                                    ProcState::Errored => "errored",
                                    ProcState::Finished => "finished",
                                    ProcState::Terminated => "terminated",
                                    ProcState::Waiting | ProcState::Sleeping(_) => "waiting",
                                };
                                if s != what {
                                    fail!("expected {} to be {}, it is {}", name, what, s);
                                }
                            }
                            "value" => {
                                let v = match (p.state.clone(), p.result) {
                                    (ProcState::Finished, Some(v)) => v,
                                    _ => fail!("{} has not finished", name),
                                };
                                let s = vm.print_string(v);
                                if s != what {
                                    fail!("expected value {:?}, got {:?}", what, s);
                                }
                            }
                            _ => {
                                let stack = vm.inspect_stack(pid).map_err(|e| e.to_string())?;
                                let names: Vec<String> = stack
                                    .iter()
                                    .map(|f| format!("{} v{}", f.name, f.version))
                                    .collect();
                                if !names.iter().any(|n| n == what) {
                                    fail!(
                                        "expected a frame {:?} in {}, stack is {:?}",
                                        what,
                                        name,
                                        names
                                    );
                                }
                            }
                        }
                    }
                    other => fail!("unknown expectation {}", other),
                }
            }
            other => fail!("unknown step {}", other),
        }
        i += 1;
    }
    let t = vm.take_transcript();
    all.push_str(&t);
    Ok(all)
}
