//! The `livetalk` command line: `eval`, `run` and `live`.

//! The `livetalk` command line: `eval`, `run`, `repl`, `watch`, `live`,
//! `disasm`, `share` and `open`. The commands' modules are in `cli/`.

// `print!` and `println!` that end the program quietly when stdout is a
// closed pipe (`livetalk eval ... | head`), where std's panic. Defined
// before `mod cli` so that its modules use them too.
macro_rules! print {
    ($($t:tt)*) => { $crate::cli::term::out(format_args!($($t)*)) };
}
macro_rules! println {
    () => { $crate::cli::term::out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::cli::term::out(format_args!("{}\n", format_args!($($t)*))) };
}

mod cli;

use cli::term::{
    die, flush, load_all, new_vm, parse_tier, print_line, report_other_errors, tier_name, warn,
};
use livetalk::host::EvalError;
use livetalk::interp::TierMode;
use livetalk::{Outcome, Vm};
use std::process::exit;

/// `eval --profile`: instructions between two samples (a prime, so that
/// samples do not fall in step with a loop), and the methods listed.
const PROFILE_EVERY: u64 = 10_007;
const PROFILE_TOP: usize = 25;

const USAGE: &str = "usage:
  livetalk eval [--tier on|off|eager] [--trace-tier] [--profile] [--load FILE]... EXPR
  livetalk run [--tier on|off|eager] [--trace-tier] FILE...
  livetalk repl [--tier on|off|eager] [--trace-tier] [--load FILE]...
  livetalk watch [--tier on|off|eager] [--trace-tier] FILE... -- EXPR
  livetalk live SCRIPT
  livetalk disasm [--load FILE]... [--run EXPR] Class>>selector
  livetalk share [--tier on|off|eager] [--load FILE]... [--run EXPR] CLASS...
  livetalk open LINK [--run]";

/// Instructions `open --run` lets the run expression take before it
/// stops it (the seed demo loops forever).
const OPEN_RUN_FUEL: u64 = 1_000_000;
/// ...or this much wall-clock time (a program may wait on Delays).
const OPEN_RUN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

fn main() {
    // std::env::args panics on an argument that is not UTF-8
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string().unwrap_or_else(|a| {
                let shown = a.to_string_lossy().escape_debug().to_string();
                die(64, &format!("argument is not valid UTF-8: {shown}"))
            })
        })
        .collect();
    // help and version on stdout, exit 0: `livetalk --help`, `-h`,
    // `help [CMD]`, `CMD --help`
    let asks_help = |a: &String| a == "--help" || a == "-h";
    match args.first().map(String::as_str) {
        Some("--help" | "-h" | "help") => {
            println!("{}", USAGE);
            exit(0)
        }
        Some("--version" | "-V") => {
            println!("livetalk {}", env!("CARGO_PKG_VERSION"));
            exit(0)
        }
        // (after `--` comes watch's expression)
        _ if args
            .iter()
            .skip(1)
            .take_while(|a| *a != "--")
            .any(asks_help) =>
        {
            println!("{}", USAGE);
            exit(0)
        }
        _ => {}
    }
    let mut tier = TierMode::On;
    let mut trace = false;
    let mut profile = false;
    let mut loads = vec![];
    let mut runs: Vec<String> = vec![];
    let mut rest = vec![];
    let mut run_flag = false;
    let is_open = args.first().map(|s| s.as_str()) == Some("open");
    // watch's expression: the words after `--`
    let dashes = args.iter().position(|a| a == "--");
    let expr = dashes.map(|i| args[i + 1..].join(" "));
    let mut it = args[..dashes.unwrap_or(args.len())].iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tier" => {
                tier = parse_tier(it.next().map(|s| s.as_str()))
                    .unwrap_or_else(|| die(64, "--tier takes on, off or eager"))
            }
            "--trace-tier" => trace = true,
            "--profile" => profile = true,
            "--run" if is_open => run_flag = true,
            "--run" => match it.next() {
                Some(e) => runs.push(e.clone()),
                None => die(64, "--run takes an expression"),
            },
            "--load" => match it.next() {
                Some(f) => loads.push(f.clone()),
                None => die(64, "--load takes a file"),
            },
            _ => rest.push(a.clone()),
        }
    }
    if expr.is_some() && args.first().map(|s| s.as_str()) != Some("watch") {
        die(64, USAGE);
    }
    match args.first().map(|s| s.as_str()) {
        #[cfg(not(target_arch = "wasm32"))]
        Some("repl") => {
            if !rest.is_empty() {
                die(64, USAGE);
            }
            exit(cli::repl::main(new_vm(tier, trace), &loads))
        }
        #[cfg(not(target_arch = "wasm32"))]
        Some("watch") => {
            let expr = match expr {
                Some(e) if !e.trim().is_empty() && !rest.is_empty() && loads.is_empty() => e,
                _ => die(64, USAGE),
            };
            exit(cli::watch::main(new_vm(tier, trace), &rest, &expr))
        }
        Some("eval") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            load_all(&mut vm, &loads);
            let (r, report) = if profile {
                let (r, p) = vm.eval_profiled(&rest[0], PROFILE_EVERY);
                (r, Some(p.report(PROFILE_TOP)))
            } else {
                (vm.eval(&rest[0]), None)
            };
            warn(&mut vm);
            flush(&mut vm);
            // the profile, on stderr, whatever the result
            let report = || {
                if let Some(text) = &report {
                    eprint!("{}", text);
                }
            };
            match r {
                Ok(v) => {
                    let s = vm.try_print_string(v);
                    report();
                    match s {
                        Ok(s) => print_line(&mut vm, &s),
                        Err(e) => die(1, &format!("error printing the result: {}", e)),
                    }
                    if report_other_errors(&mut vm, None) {
                        exit(1);
                    }
                    // (without taking the heap apart object by object:
                    // that was a fifth of a short run's instructions)
                    exit(0)
                }
                Err(e @ EvalError::Runtime { pid, .. }) => {
                    report();
                    report_other_errors(&mut vm, Some(pid));
                    die(1, &e.to_string())
                }
                Err(EvalError::Compile(m)) => {
                    let msg: Vec<String> = m.lines().map(|l| format!("<eval>:{}", l)).collect();
                    die(2, &msg.join("\n"))
                }
            }
        }
        Some("run") => {
            if rest.is_empty() {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            let files: Vec<&String> = loads.iter().chain(rest.iter()).collect();
            load_all(&mut vm, &files);
            if report_other_errors(&mut vm, None) {
                exit(1);
            }
            exit(0)
        }
        Some("live") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            let src = cli::term::read_source(&rest[0]).unwrap_or_else(|e| die(2, &e));
            match livetalk::host::live_script::replay(&mut vm, &rest[0], &src) {
                Ok(out) => {
                    print!("{}", out);
                    println!("live script passed: {}", rest[0]);
                }
                Err(e) => die(1, &e),
            }
        }
        Some("disasm") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            load_all(&mut vm, &loads);
            // warm up so the listing shows the tier's code too
            for e in &runs {
                if let Err(err) = vm.eval(e) {
                    die(1, &err.to_string());
                }
            }
            match vm.disassemble(&rest[0]) {
                Ok(s) => print!("{}", s),
                Err(e) => die(1, &e.to_string()),
            }
        }
        Some("share") => {
            if rest.is_empty() || runs.len() > 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            load_all(&mut vm, &loads);
            let names: Vec<&str> = rest.iter().map(|s| s.as_str()).collect();
            let run = runs.first().map(|s| s.as_str()).unwrap_or("");
            match livetalk::host::share::capture(&vm, &names, run, tier_name(tier)) {
                Ok(ws) => println!("{}", livetalk::host::share::encode(&ws)),
                Err(e) => die(1, &e),
            }
        }
        Some("open") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let ws =
                livetalk::host::share::decode(&rest[0]).unwrap_or_else(|e| die(2, &e.to_string()));
            let mut vm = new_vm(tier, trace);
            if let Err(e) = livetalk::host::share::restore(&mut vm, &ws) {
                die(2, &format!("cannot restore the workspace: {}", e));
            }
            flush(&mut vm);
            let names: Vec<&str> = ws.classes.iter().map(|c| c.name.as_str()).collect();
            println!("classes: {} ({})", ws.classes.len(), names.join(", "));
            println!("methods: {}", ws.methods.len());
            for m in &ws.methods {
                let sel = livetalk::syntax::parse_method(&m.source)
                    .map(|a| a.selector)
                    .unwrap_or_else(|_| "?".into());
                let side = if m.meta { " class" } else { "" };
                println!("  {}{}>>{}", m.class, side, sel);
            }
            println!("tier: {}", ws.settings.tier);
            println!("run: {}", ws.run);
            if run_flag {
                open_run(&mut vm, &ws.run);
            }
        }
        _ => die(64, USAGE),
    }
}

/// Runs a link's run expression for at most [`OPEN_RUN_FUEL`]
/// instructions, printing Transcript output as it comes.
fn open_run(vm: &mut Vm, expr: &str) {
    if expr.trim().is_empty() {
        die(2, "the link has no run expression");
    }
    let pid = match vm.start(expr, 40) {
        Ok(pid) => pid,
        Err(e) => die(2, &e.to_string()),
    };
    let start = vm.insn_count;
    let started = std::time::Instant::now();
    loop {
        let used = vm.insn_count - start;
        if used >= OPEN_RUN_FUEL || started.elapsed() > OPEN_RUN_TIME {
            if !flush(vm) {
                println!();
            }
            println!(
                "-- stopped after {} instructions (open --run is bounded)",
                used
            );
            return;
        }
        let outcome = vm.run((OPEN_RUN_FUEL - used).min(10_000));
        flush(vm);
        match outcome {
            Outcome::Finished { pid: p, value } if p == pid => {
                let s = vm.print_string(value);
                print_line(vm, &s);
                return;
            }
            Outcome::Error { pid: p } if p == pid => {
                let msg = vm
                    .run_until_done(pid)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                die(1, &msg)
            }
            Outcome::Waiting { until } => {
                let now = (vm.clock)();
                if until > now {
                    std::thread::sleep(std::time::Duration::from_millis(
                        (until - now).min(1000.0) as u64
                    ));
                }
            }
            Outcome::Idle => die(1, "the run expression stopped (no process can run)"),
            _ => {}
        }
    }
}
