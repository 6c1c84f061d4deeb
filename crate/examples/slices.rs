//! Sliced efficiency, natively: a program run the way the playground runs
//! it (`run_until` with an 8 ms deadline, over and over, as once per
//! animation frame) against one uninterrupted `run`, with the tier off
//! and on. Prints the VM time of each (medians) and their ratio; the
//! page's own figures come from `scripts/bench.sh --page`.
//!
//! `cargo run --release --example slices [FIB_N SIEVE_N]`,
//! `BENCH_RUNS` rounds (default 5).

use livetalk::host::session::{HOST_GC_BYTES, HOST_GC_OBJECTS};
use livetalk::interp::TierMode;
use livetalk::{Outcome, Vm};
use std::time::Instant;

/// The playground's slice (ms).
const SLICE_MS: f64 = 8.0;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// Time (ms) of the VM's work for `expr`, warm (a first run optimizes),
/// in one call or in deadline slices; and the slice count.
fn time(tier: TierMode, expr: &str, sliced: bool) -> (f64, usize) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    // the page's collection points (host::session, HOST_GC_BYTES and
    // HOST_GC_OBJECTS)
    vm.heap.soft_threshold = std::env::var("SOFT_GC")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(HOST_GC_BYTES);
    vm.heap.soft_objects = HOST_GC_OBJECTS;
    warm_run(&mut vm, expr, sliced)
}

/// Runs `expr` in `vm` once to warm up (a first run optimizes), then again
/// in one call or in deadline slices: the second run's time (ms) in the
/// VM and its slice count.
fn warm_run(vm: &mut Vm, expr: &str, sliced: bool) -> (f64, usize) {
    vm.eval(expr).expect("warm-up");
    let pid = vm.start(expr, 40).expect("start");
    let mut spent = 0.0;
    let mut slices = 0;
    loop {
        let t = Instant::now();
        let out = if sliced {
            let deadline = (vm.clock)() + SLICE_MS;
            vm.run_until(u64::MAX, deadline)
        } else {
            vm.run(u64::MAX)
        };
        spent += t.elapsed().as_secs_f64() * 1000.0;
        slices += 1;
        match out {
            Outcome::Finished { pid: p, .. } if p == pid => return (spent, slices),
            Outcome::Error { .. } => panic!("{expr} failed"),
            Outcome::Idle => panic!("{expr} stopped"),
            _ => {}
        }
    }
}

/// `ONLY=call|sliced TIER=off|on EXPR=...`: one warm run of one way, for
/// callgrind. The clock then moves 0.01 ms per reading (about the page's
/// rate: 4,096 instructions in 10 µs), so that slices have the page's
/// size in instructions whatever valgrind does to the speed.
fn only(way: &str) {
    let tier = match std::env::var("TIER").as_deref() {
        Ok("off") => TierMode::Off,
        _ => TierMode::On,
    };
    let expr = std::env::var("EXPR").unwrap_or_else(|_| "27 benchFib".into());
    let mut vm = Vm::new().expect("kernel");
    let t = std::cell::Cell::new(0.0);
    vm.clock = Box::new(move || {
        t.set(t.get() + 0.01);
        t.get()
    });
    vm.tier = tier;
    vm.heap.soft_threshold = HOST_GC_BYTES;
    vm.heap.soft_objects = HOST_GC_OBJECTS;
    let (_, slices) = warm_run(&mut vm, &expr, way == "sliced");
    println!(
        "{way}: {slices} slices, {} collections",
        vm.heap.collections
    );
}

fn main() {
    if let Ok(way) = std::env::var("ONLY") {
        return only(&way);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fib = args.first().cloned().unwrap_or_else(|| "30".into());
    let sieve = args.get(1).cloned().unwrap_or_else(|| "300".into());
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    println!(
        "{:<18} {:>5} {:>10} {:>12} {:>8} {:>10}",
        "program", "tier", "one call", "sliced (VM)", "slices", "efficiency"
    );
    let mut sliced_ms = Vec::new();
    for expr in [format!("{fib} benchFib"), format!("{sieve} benchmark")] {
        for (name, tier) in [("off", TierMode::Off), ("on", TierMode::On)] {
            let one = median((0..runs).map(|_| time(tier, &expr, false).0).collect());
            let mut n = 0;
            let sliced = median(
                (0..runs)
                    .map(|_| {
                        let (ms, k) = time(tier, &expr, true);
                        n = k;
                        ms
                    })
                    .collect(),
            );
            println!(
                "{:<18} {:>5} {:>8.1}ms {:>10.1}ms {:>8} {:>9.0}%",
                expr,
                name,
                one,
                sliced,
                n,
                100.0 * one / sliced
            );
            sliced_ms.push(sliced);
        }
    }
    println!(
        "tier on / off through the sliced path: benchFib {:.2}x, sieve {:.2}x",
        sliced_ms[0] / sliced_ms[1],
        sliced_ms[2] / sliced_ms[3]
    );
}
