//! `livetalk repl`: a read-eval-print loop.
//!
//! An input is one of:
//!
//! - an expression (statements, `| temps |` allowed), evaluated as a
//!   do-it when it is complete: a line that leaves a bracket, a string or
//!   a comment open, or ends in the middle of an expression (`3 +`,
//!   `inject: 0 into:`), asks for more lines, and an empty line evaluates
//!   what is there. The result prints as print-it prints it (printString);
//! - a method: a first line `Class >> pattern` (or `Class class >>
//!   pattern`), the body on the next lines, and a line ending in `!`
//!   (the chunk format's end of a method). It is accepted as the
//!   playground's Accept does: a new version, or on a compile error
//!   nothing installed;
//! - a command: `:help` lists them.
//!
//! An unhandled error prints its stack and leaves its process suspended
//! for `:stack`, `:resume` and `:terminate`; so does Ctrl-C while an
//! expression runs. Without a terminal on stdin the same loop reads a
//! script, without prompts or line editing.

use super::drive::{drive, End};
use super::interrupt;
use super::term::{flush, for_terminal, parse_tier, print_line, say, tier_name, try_load, warn};
use livetalk::host::HostError;
use livetalk::interp::{ProcState, USER_PRIORITY};
use livetalk::Vm;
use std::io::{BufRead, IsTerminal};

const HELP: &str = "\
An input is an expression, a method, or a command.
  3 + 4                      evaluate and print (printString); an unfinished line
                             (open bracket, string, `3 +`) continues on the next,
                             and an empty line evaluates what is there
  Demo >> methB              define a method: the pattern after `>>`, the body on
      ^ 2                    the next lines, and a line ending in `!` to accept it
  !                          (`Demo class >> new` for the class side)
Commands:
  :load FILE                 file in a .st file (chunk format) or a .som file
  :tier on|off|eager         the optimizing tier (no argument: show it)
  :stack                     the stack of the process an error or Ctrl-C stopped
  :resume                    let that process go on (after an error, the
                             signal answers nil)
  :terminate                 end that process
  :source Class>>selector    a method's source (`Class class>>selector` too)
  :help                      this text
  :quit                      leave (Ctrl-D too)
Ctrl-C stops a running evaluation; at the prompt it drops the unfinished input.";

/// How the last failed input failed: the script's exit code.
const RUNTIME_FAILED: i32 = 1;
const COMPILE_FAILED: i32 = 2;

/// The repl's state: the VM, the process kept for inspection, the
/// input gathered so far.
struct Repl {
    vm: Vm,
    /// The process an error or Ctrl-C stopped, kept for `:stack`.
    kept: Option<usize>,
    pending: Pending,
    interactive: bool,
    /// The exit code of the last input that failed (0: none did).
    status: i32,
    quit: bool,
}

enum Pending {
    Nothing,
    Expr(String),
    Method {
        class: String,
        meta: bool,
        /// The source's first line is the header's, shifted by this many
        /// characters (`Demo >> ` before the pattern).
        shift: usize,
        source: String,
    },
}

/// Runs the repl on `vm` after filing in `loads`; answers the exit code.
pub fn main(vm: Vm, loads: &[String]) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    let mut repl = Repl {
        vm,
        kept: None,
        pending: Pending::Nothing,
        interactive,
        status: 0,
        quit: false,
    };
    for f in loads {
        repl.load(f);
    }
    interrupt::install();
    if interactive {
        repl.run_terminal();
    } else {
        repl.run_script();
    }
    repl.status
}

impl Repl {
    fn prompt(&self) -> &'static str {
        match self.pending {
            Pending::Nothing => "st> ",
            _ => "... ",
        }
    }

    fn run_terminal(&mut self) {
        use rustyline::error::ReadlineError;
        println!(
            "Livetalk {} - :help for help, :quit to leave",
            env!("CARGO_PKG_VERSION")
        );
        let mut rl = match rustyline::DefaultEditor::new() {
            Ok(rl) => rl,
            Err(e) => {
                say(&format!(
                    "no line editing ({}); reading lines as they come",
                    e
                ));
                return self.run_script();
            }
        };
        let history = std::env::var_os("LIVETALK_HISTORY")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".livetalk_history"))
            });
        if let Some(h) = &history {
            let _ = rl.load_history(h);
        }
        while !self.quit {
            match rl.readline(self.prompt()) {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = rl.add_history_entry(line.as_str());
                    }
                    self.line(&line);
                }
                // Ctrl-C at the prompt drops the unfinished input
                Err(ReadlineError::Interrupted) => self.pending = Pending::Nothing,
                Err(ReadlineError::Eof) => break,
                Err(e) => {
                    say(&format!("cannot read the terminal: {}", e));
                    break;
                }
            }
        }
        if let Some(h) = &history {
            let _ = rl.save_history(h);
        }
    }

    fn run_script(&mut self) {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        while !self.quit {
            buf.clear();
            match stdin.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&buf);
                    let line = text.strip_suffix('\n').unwrap_or(&text);
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    self.line(line);
                }
                Err(e) => {
                    say(&format!("cannot read stdin: {}", e));
                    self.status = RUNTIME_FAILED;
                    break;
                }
            }
        }
        // the end of the input ends an unfinished input too
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Nothing => {}
            Pending::Expr(src) => self.evaluate(&src),
            Pending::Method {
                class,
                meta,
                shift,
                source,
            } => self.accept(&class, meta, shift, &source),
        }
    }

    /// Takes one line of input.
    fn line(&mut self, line: &str) {
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Nothing => {
                let t = line.trim();
                if t.is_empty() {
                } else if let Some(cmd) = t.strip_prefix(':') {
                    self.command(cmd);
                } else if let Some((class, meta, shift, pattern)) = method_header(line) {
                    self.method_line((class, meta, shift), String::new(), pattern, true);
                } else {
                    self.expr_line(line.to_string());
                }
            }
            Pending::Expr(mut src) => {
                if line.trim().is_empty() {
                    // an empty line evaluates what is there (and shows
                    // why it does not compile)
                    self.evaluate(&src);
                } else {
                    src.push('\n');
                    src.push_str(line);
                    self.expr_line(src);
                }
            }
            Pending::Method {
                class,
                meta,
                shift,
                source,
            } => self.method_line((class, meta, shift), source, line, false),
        }
    }

    fn expr_line(&mut self, src: String) {
        if is_unfinished(&src) {
            self.pending = Pending::Expr(src);
        } else {
            self.evaluate(&src);
        }
    }

    /// Adds `line` to a method's source (`first`: the header's pattern);
    /// a line ending in `!` ends the method and accepts it.
    fn method_line(
        &mut self,
        (class, meta, shift): (String, bool, usize),
        mut source: String,
        line: &str,
        first: bool,
    ) {
        let (text, ends) = match line.trim_end().strip_suffix('!') {
            Some(t) => (t, true),
            None => (line, false),
        };
        if !first {
            source.push('\n');
        }
        source.push_str(text);
        if ends {
            self.accept(&class, meta, shift, &source);
        } else {
            self.pending = Pending::Method {
                class,
                meta,
                shift,
                source,
            };
        }
    }

    fn accept(&mut self, class: &str, meta: bool, shift: usize, source: &str) {
        let side = if meta { " class" } else { "" };
        let r = self.vm.accept(class, meta, source, None);
        warn(&mut self.vm);
        match r {
            Ok(a) => {
                let msg = format!(
                    "accepted {}{}>>{} (v{})",
                    class, side, a.selector, a.version
                );
                print_line(&mut self.vm, &msg);
            }
            Err(HostError::Compile(e, src)) => {
                for err in &e.errors {
                    let (l, c) = livetalk::syntax::line_col(&src, err.span.start as usize);
                    let c = if l == 1 { c + shift } else { c };
                    say(&format!("<repl>:{}:{}: {}", l, c, err.message));
                }
                self.status = COMPILE_FAILED;
            }
            Err(e) => {
                say(&e.to_string());
                self.status = COMPILE_FAILED;
            }
        }
    }

    fn evaluate(&mut self, src: &str) {
        let pid = match self.vm.start(src, USER_PRIORITY) {
            Ok(pid) => pid,
            Err(HostError::Compile(e, s)) => {
                warn(&mut self.vm);
                for l in e.render(&s).lines() {
                    say(&format!("<repl>:{}", l));
                }
                self.status = COMPILE_FAILED;
                return;
            }
            Err(e) => {
                say(&e.to_string());
                self.status = COMPILE_FAILED;
                return;
            }
        };
        self.vm.note_warnings("<repl>", src, 0);
        warn(&mut self.vm);
        self.finish(pid);
    }

    /// Runs process `pid` to its end and reports it.
    fn finish(&mut self, pid: usize) {
        // a Ctrl-C that came while the input was read is no request to stop
        interrupt::take();
        match drive(&mut self.vm, pid, &mut |_| {}) {
            End::Finished(v) => match self.vm.try_print_string(v) {
                Ok(s) => {
                    print_line(&mut self.vm, &s);
                    if self.kept == Some(pid) {
                        self.kept = None;
                    }
                }
                Err(e) => {
                    flush(&mut self.vm);
                    say(&format!("error printing the result: {}", e));
                    self.status = RUNTIME_FAILED;
                }
            },
            End::Errored => {
                let msg = match self.vm.run_until_done(pid) {
                    Err(e) => e.to_string(),
                    Ok(_) => "the process stopped".into(),
                };
                say(&msg);
                self.keep(pid);
                self.status = RUNTIME_FAILED;
            }
            End::Interrupted => {
                say("interrupted");
                self.keep(pid);
                self.status = RUNTIME_FAILED;
            }
            End::Stuck => {
                say("the process waits and nothing can wake it");
                self.keep(pid);
                self.status = RUNTIME_FAILED;
            }
            End::Terminated => {
                say("the process was terminated");
                self.status = RUNTIME_FAILED;
            }
        }
    }

    /// Keeps `pid` for inspection; the one kept before is terminated.
    fn keep(&mut self, pid: usize) {
        if let Some(old) = self.kept.replace(pid) {
            if old != pid {
                let _ = self.vm.terminate_process(old);
            }
        }
        if self.interactive {
            say(":stack shows its frames, :resume goes on, :terminate ends it");
        }
    }

    fn load(&mut self, file: &str) {
        match try_load(&mut self.vm, file) {
            Ok(()) => print_line(&mut self.vm, &format!("loaded {}", file)),
            Err((code, msg)) => {
                say(&msg);
                self.status = code;
            }
        }
    }

    fn command(&mut self, cmd: &str) {
        let (name, arg) = match cmd.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (cmd, ""),
        };
        match name {
            "help" | "h" | "?" => print_line(&mut self.vm, HELP),
            "quit" | "q" | "exit" => self.quit = true,
            "load" if !arg.is_empty() => self.load(arg),
            "tier" if arg.is_empty() => {
                let s = format!("tier: {}", tier_name(self.vm.tier));
                print_line(&mut self.vm, &s);
            }
            "tier" => match parse_tier(Some(arg)) {
                Some(t) => {
                    self.vm.tier = t;
                    print_line(&mut self.vm, &format!("tier: {}", tier_name(t)));
                }
                None => self.usage_error(":tier takes on, off or eager"),
            },
            "stack" => match self.kept {
                Some(pid) => {
                    let text = self.stack_text(pid);
                    print_line(&mut self.vm, &text);
                }
                None => self.usage_error("no process is stopped (an error or Ctrl-C keeps one)"),
            },
            "resume" => match self.kept.take() {
                Some(pid) => {
                    let _ = self.vm.resume(pid);
                    self.finish(pid);
                }
                None => self.usage_error("no process is stopped"),
            },
            "terminate" => match self.kept.take() {
                Some(pid) => {
                    let _ = self.vm.terminate_process(pid);
                    print_line(&mut self.vm, &format!("terminated process {}", pid));
                }
                None => self.usage_error("no process is stopped"),
            },
            "source" if !arg.is_empty() => {
                let r = match arg.split_once(">>") {
                    Some((c, sel)) => {
                        let c = c.trim();
                        let (c, meta) = match c.strip_suffix(" class") {
                            Some(c) => (c.trim(), true),
                            None => (c, false),
                        };
                        self.vm
                            .method_source(c, meta, sel.trim().trim_start_matches('#'))
                    }
                    None => Err(HostError::Invalid(":source takes Class>>selector".into())),
                };
                match r {
                    Ok(s) => print_line(&mut self.vm, s.trim_end()),
                    Err(e) => self.usage_error(&e.to_string()),
                }
            }
            _ => self.usage_error(&format!(
                "unknown command :{} (:help lists the commands)",
                for_terminal(cmd)
            )),
        }
    }

    fn usage_error(&mut self, msg: &str) {
        say(msg);
        self.status = COMPILE_FAILED;
    }

    /// A debugger's view of a stopped process: each frame with its
    /// method version, the line it is at, its receiver and temporaries.
    fn stack_text(&mut self, pid: usize) -> String {
        let frames = match self.vm.inspect_stack(pid) {
            Ok(f) => f,
            Err(e) => return e.to_string(),
        };
        let mut out = Vec::new();
        let p = &self.vm.procs[pid];
        // as the error report: without the exception machinery above the
        // frame that signalled
        let (what, skip) = match (&p.error, &p.state) {
            (Some(e), ProcState::Errored) => (
                format!("{}: {}", e.class_name, e.message),
                frames.len().saturating_sub(e.user_frames),
            ),
            (_, state) => (format!("{:?}", state).to_lowercase(), 0),
        };
        out.push(format!("process {} ({})", pid, what));
        let frames = &frames[skip..];
        const SHOWN: usize = 40;
        for (i, f) in frames.iter().enumerate().take(SHOWN) {
            let (line, _) = livetalk::syntax::line_col(&f.source, f.span.0);
            let text = f
                .source
                .lines()
                .nth(line.saturating_sub(1))
                .unwrap_or("")
                .trim();
            let text: String = text.chars().take(60).collect();
            out.push(format!(
                "{:>3} {} v{}  line {}: {}",
                i, f.name, f.version, line, text
            ));
            let mut vars = vec![format!("self: {}", f.receiver)];
            vars.extend(f.temps.iter().map(|(n, v)| format!("{}: {}", n, v)));
            out.push(format!("      {}", vars.join("  ")));
        }
        if frames.len() > SHOWN {
            out.push(format!("    ... {} more frames", frames.len() - SHOWN));
        }
        for_terminal(&out.join("\n"))
    }
}

/// Whether `src` stops in the middle of an expression: a bracket, string
/// or comment left open, or the source ends where more must come.
fn is_unfinished(src: &str) -> bool {
    match livetalk::syntax::parse_doit(src) {
        Ok(_) => false,
        Err(errors) => {
            let end = src.trim_end().len();
            errors
                .iter()
                .any(|e| e.span.start as usize >= end || e.message.starts_with("unterminated"))
        }
    }
}

/// `Class >> pattern` or `Class class >> pattern`: the class, the side,
/// the pattern's column shift and the rest of the line (the pattern).
/// `Class >> #selector` is an expression (it answers the method).
fn method_header(line: &str) -> Option<(String, bool, usize, &str)> {
    let t = line.trim_start();
    let name_len = t
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let name = &t[..name_len];
    if !name.starts_with(|c: char| c.is_uppercase()) {
        return None;
    }
    let mut rest = t[name_len..].trim_start();
    let mut meta = false;
    if let Some(r) = rest.strip_prefix("class") {
        if r.starts_with(char::is_whitespace) || r.starts_with(">>") {
            meta = true;
            rest = r.trim_start();
        }
    }
    let pattern = rest.strip_prefix(">>")?.trim_start();
    let first = pattern.chars().next()?;
    if !(first.is_alphabetic() || first == '_' || "+-*/\\<>=~@%|&?,".contains(first)) {
        return None;
    }
    // in characters, as columns count
    let shift = line[..line.len() - pattern.len()].chars().count();
    Some((name.to_string(), meta, shift, pattern))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            method_header("Demo >> methB").map(|h| (h.0, h.1, h.2, h.3.to_string())),
            Some(("Demo".into(), false, 8, "methB".into()))
        );
        assert!(method_header("Demo class >> new").unwrap().1);
        assert_eq!(
            method_header("Demo>>at: i put: x").unwrap().3,
            "at: i put: x"
        );
        assert!(method_header("Demo >> #methB").is_none());
        assert!(method_header("3 >> 2").is_none());
        assert!(method_header("x >> y").is_none());
        assert!(method_header("Demo new methB").is_none());
        // names beyond ASCII, as the lexer reads them
        assert_eq!(
            method_header("Ωmega >> λ: x").map(|h| (h.0, h.1, h.2, h.3.to_string())),
            Some(("Ωmega".into(), false, 9, "λ: x".into()))
        );
        assert!(method_header("Größe class >> 日本").unwrap().1);
        assert!(method_header("λ >> y").is_none());
    }

    #[test]
    fn unfinished() {
        for s in [
            "3 +",
            "[:a | a",
            "(3",
            "'abc",
            "\"comment",
            "#(1 2",
            "x :=",
            "3 inject: 0 into:",
        ] {
            assert!(is_unfinished(s), "{}", s);
        }
        for s in ["3 + 4", "3 ]", "| a | a := 3", "Demo >> #methB"] {
            assert!(!is_unfinished(s), "{}", s);
        }
    }
}
