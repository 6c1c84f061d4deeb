//! The `livetalk` command line: `eval`, `run` and `live`.

use livetalk::interp::host::{EvalError, FileInError};
use livetalk::interp::TierMode;
use livetalk::Vm;
use std::io::Write;
use std::process::exit;

const USAGE: &str = "usage:
  livetalk eval [--tier on|off|eager] [--trace-tier] [--load FILE]... EXPR
  livetalk run [--tier on|off|eager] [--trace-tier] FILE...
  livetalk live SCRIPT
  livetalk disasm [--load FILE]... [--run EXPR] Class>>selector";

fn die(code: i32, msg: &str) -> ! {
    eprintln!("{}", msg);
    exit(code)
}

fn new_vm(tier: TierMode, trace: bool) -> Vm {
    let mut vm = Vm::new().unwrap_or_else(|e| die(3, &format!("kernel failed to load: {}", e)));
    vm.tier = tier;
    vm.trace_tier = trace;
    vm
}

fn flush(vm: &mut Vm) {
    let t = vm.take_transcript();
    if !t.is_empty() {
        print!("{}", t);
        let _ = std::io::stdout().flush();
    }
}

fn load(vm: &mut Vm, file: &str) {
    let src = std::fs::read_to_string(file).unwrap_or_else(|e| die(2, &format!("{}: {}", file, e)));
    let r = vm.file_in(file, &src);
    flush(vm);
    match r {
        Ok(()) => {}
        Err(FileInError::Compile(m)) => die(2, &m),
        Err(FileInError::Runtime(m)) => die(1, &m),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut tier = TierMode::On;
    let mut trace = false;
    let mut loads = vec![];
    let mut runs: Vec<String> = vec![];
    let mut rest = vec![];
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tier" => {
                tier = match it.next().map(|s| s.as_str()) {
                    Some("on") => TierMode::On,
                    Some("off") => TierMode::Off,
                    Some("eager") => TierMode::Eager,
                    _ => die(64, "--tier takes on, off or eager"),
                }
            }
            "--trace-tier" => trace = true,
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
    match args.first().map(|s| s.as_str()) {
        Some("eval") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            for f in &loads {
                load(&mut vm, f);
            }
            let r = vm.eval(&rest[0]);
            flush(&mut vm);
            match r {
                Ok(v) => {
                    let s = vm.print_string(v);
                    flush(&mut vm);
                    println!("{}", s);
                }
                Err(EvalError::Compile(m)) => {
                    let msg: Vec<String> = m.lines().map(|l| format!("<eval>:{}", l)).collect();
                    die(2, &msg.join("\n"))
                }
                Err(e) => die(1, &e.to_string()),
            }
        }
        Some("run") => {
            if rest.is_empty() {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            for f in loads.iter().chain(rest.iter()) {
                load(&mut vm, f);
            }
        }
        Some("live") => {
            if rest.len() != 1 {
                die(64, USAGE);
            }
            let mut vm = new_vm(tier, trace);
            let src = std::fs::read_to_string(&rest[0])
                .unwrap_or_else(|e| die(2, &format!("{}: {}", rest[0], e)));
            match livetalk::live_script::replay(&mut vm, &rest[0], &src) {
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
            for f in &loads {
                load(&mut vm, f);
            }
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
        _ => die(64, USAGE),
    }
}
