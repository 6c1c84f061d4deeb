//! Benchmarks, as programs that print figures (not timed tests):
//!
//! - Squeak's `benchFib` (send-heavy) and `benchmark` (the sieve,
//!   bytecode-heavy), tinyBenchmarks-style sends/s and bytecodes/s;
//! - a send-heavy object benchmark (`bench/objects.st`) and a
//!   block-heavy collection one (`bench/blocks.st`);
//! - each with the tier off and on, and CPython 3.11 running the same
//!   algorithms (`bench/*.py`) in the same run;
//! - accept-to-effect with 1000 optimized frames on the stack.
//!
//! `cargo run --release --example bench [FIB_N SIEVE_N OBJECTS_N BLOCKS_N]`;
//! each figure is the median of `BENCH_RUNS` (default 5) rounds. A round
//! runs each program twice in a fresh VM (or python3 process) and times
//! the second run; the first warms up, and with the tier on it is also
//! where the code gets optimized (shown as `first run`).

use livetalk::interp::TierMode;
use livetalk::Vm;
use std::process::Command;
use std::time::Instant;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    for file in ["objects.st", "blocks.st"] {
        let path = format!("{}/bench/{}", ROOT, file);
        let source = std::fs::read_to_string(&path).expect(&path);
        vm.file_in(file, &source).expect("the benchmark loads");
    }
    vm
}

/// One round in a fresh VM: the expression runs twice, the first run
/// warming up (caches, and with the tier on, optimizing), and the
/// second is the figure, as for CPython (`bench/*.py` also run twice).
struct Round {
    /// printString of the result
    value: String,
    /// the second run's time, and the first's
    ms: f64,
    first_ms: f64,
    /// bytecodes and sends of the second run
    insns: u64,
    sends: u64,
}

fn run_vm(tier: TierMode, expr: &str) -> Round {
    let mut vm = vm(tier);
    let t = Instant::now();
    vm.eval(expr).expect("benchmark runs");
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let (i0, s0) = (vm.insn_count, vm.send_count);
    let t = Instant::now();
    let v = vm.eval(expr).expect("benchmark runs");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    Round {
        value: vm.print_string(v),
        ms,
        first_ms,
        insns: vm.insn_count - i0,
        sends: vm.send_count - s0,
    }
}

fn run_python(args: &[&str]) -> Option<(String, f64)> {
    let out = Command::new("python3").args(args).output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    Some((it.next()?.to_string(), it.next()?.parse().ok()?))
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn accept_to_effect() -> (f64, usize) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    vm.eval("Object subclass: #Deep instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'Bench'")
        .expect("class");
    vm.accept("Deep", false, "leaf\n\t^ 1", Some("b"))
        .expect("leaf");
    vm.accept("Deep", false, "down: n\n\t^ n = 0\n\t\tifTrue: [[true] whileTrue: [self leaf]]\n\t\tifFalse: [self leaf + (self down: n - 1)]", Some("b"))
        .expect("down:");
    let pid = vm.start("Deep new down: 1000", 40).expect("start");
    vm.run(2_000_000);
    let depth = vm.inspect_stack(pid).map(|s| s.len()).unwrap_or(0);
    vm.take_tier_events();
    let t = Instant::now();
    vm.accept("Deep", false, "leaf\n\t^ 2", Some("b"))
        .expect("accept");
    vm.run(100); // the next call of leaf
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let deopted = vm
        .take_tier_events()
        .iter()
        .filter_map(|e| match e {
            livetalk::tier::TierEvent::Deoptimized { activations, .. } => Some(*activations),
            _ => None,
        })
        .sum::<usize>();
    let _ = depth;
    (ms, deopted)
}

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let fib_n = *args.first().unwrap_or(&27);
    let sieve_n = *args.get(1).unwrap_or(&100);
    let obj_n = *args.get(2).unwrap_or(&300_000);
    let blocks_n = *args.get(3).unwrap_or(&20_000);
    println!("Livetalk benchmarks — ratios > 1 mean the first is faster\n");
    let reference = format!("{}/bench/reference.py", ROOT);
    let objects = format!("{}/bench/objects.py", ROOT);
    let blocks = format!("{}/bench/blocks.py", ROOT);
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "benchFib",
            format!("{} benchFib", fib_n),
            vec![reference.clone(), "fib".into(), fib_n.to_string()],
        ),
        (
            "benchmark (sieve)",
            format!("{} benchmark", sieve_n),
            vec![reference, "sieve".into(), sieve_n.to_string()],
        ),
        (
            "objects (send-heavy)",
            format!("BenchScheduler new run: {}", obj_n),
            vec![objects, obj_n.to_string()],
        ),
        (
            "blocks (do:-heavy)",
            format!("BenchBlocks new run: {}", blocks_n),
            vec![blocks, blocks_n.to_string()],
        ),
    ];
    // Each case runs `runs` rounds (tier off, tier on, CPython, in turn, so
    // they share the machine's noise) and reports medians.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    println!(
        "medians of {} rounds (BENCH_RUNS=n to change), each timing a second run after a warm-up\n",
        runs
    );
    for (name, expr, py) in cases {
        let py_args: Vec<&str> = py.iter().map(|s| s.as_str()).collect();
        let (mut offs, mut ons, mut pys) = (Vec::new(), Vec::new(), Vec::new());
        let mut firsts = Vec::new();
        let (mut v_off, mut v_on, mut v_py) = (String::new(), String::new(), None);
        let (mut insns, mut sends) = (0, 0);
        for _ in 0..runs {
            let off = run_vm(TierMode::Off, &expr);
            offs.push(off.ms);
            v_off = off.value;
            insns = off.insns;
            sends = off.sends;
            let on = run_vm(TierMode::On, &expr);
            ons.push(on.ms);
            firsts.push(on.first_ms);
            v_on = on.value;
            if let Some((r, ms)) = run_python(&py_args) {
                pys.push(ms);
                v_py = Some(r);
            }
        }
        let (ms_off, ms_on) = (median(&mut offs), median(&mut ons));
        println!("{} — {}", name, expr);
        println!(
            "  tier off : {:8.1} ms   {:6.1}M bytecodes/s  {:6.1}M sends/s   result {}",
            ms_off,
            insns as f64 / ms_off / 1000.0,
            sends as f64 / ms_off / 1000.0,
            v_off
        );
        println!(
            "  tier on  : {:8.1} ms   tier on/off speedup {:.2}x   result {}   (first run, optimizing: {:.1} ms)",
            ms_on,
            ms_off / ms_on,
            v_on,
            median(&mut firsts)
        );
        if v_on != v_off {
            println!("  !! the tier changed the result");
        }
        match v_py {
            Some(r) => {
                let ms = median(&mut pys);
                println!(
                    "  CPython  : {:8.1} ms   Livetalk(off)/CPython {:.2}x   Livetalk(on)/CPython {:.2}x   {}",
                    ms,
                    ms / ms_off,
                    ms / ms_on,
                    if r == v_off { "same result" } else { "DIFFERENT RESULT" }
                )
            }
            None => println!("  CPython  : not available"),
        }
        println!();
    }
    let (ms, n) = accept_to_effect();
    println!(
        "accept-to-effect with 1000 optimized frames: {:.3} ms ({} activations deoptimized)",
        ms, n
    );
}
