//! Benchmarks: Squeak's `benchFib` and `benchmark` (sieve) on the VM,
//! with CPython running the same algorithms in the same run
//! (`bench/reference.py`). Prints sends/s, bytecodes/s and ratios.
//!
//! `cargo run --release --example bench [FIB_N SIEVE_N]`

use livetalk::interp::TierMode;
use livetalk::Vm;
use std::process::Command;
use std::time::Instant;

fn run_vm(tier: TierMode, expr: &str) -> (String, f64, u64, u64) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    let (i0, s0) = (vm.insn_count, vm.send_count);
    let t = Instant::now();
    let v = vm.eval(expr).expect("benchmark runs");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let (i1, s1) = (vm.insn_count, vm.send_count);
    (vm.print_string(v), ms, i1 - i0, s1 - s0)
}

fn run_python(which: &str, n: u32) -> Option<(String, f64)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/reference.py");
    let out = Command::new("python3").arg(root).arg(which).arg(n.to_string()).output().ok()?;
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    Some((it.next()?.to_string(), it.next()?.parse().ok()?))
}

fn main() {
    let args: Vec<u32> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let fib_n = *args.first().unwrap_or(&27);
    let sieve_n = *args.get(1).unwrap_or(&20);
    println!("Livetalk benchmarks (single run; ratios > 1 mean Livetalk is faster)\n");
    for (name, expr, py, n) in [
        ("benchFib", format!("{} benchFib", fib_n), "fib", fib_n),
        ("benchmark (sieve)", format!("{} benchmark", sieve_n), "sieve", sieve_n),
    ] {
        let (v_off, ms_off, insns, sends) = run_vm(TierMode::Off, &expr);
        let (v_on, ms_on, _, _) = run_vm(TierMode::On, &expr);
        assert_eq!(v_off, v_on, "tier changed the result");
        println!("{} — {}", name, expr);
        println!(
            "  interpreter: {:8.1} ms  result {}  {:.1}M bytecodes/s  {:.1}M sends/s",
            ms_off,
            v_off,
            insns as f64 / ms_off / 1000.0,
            sends as f64 / ms_off / 1000.0
        );
        println!("  tier on:     {:8.1} ms  (tier on / off speedup {:.2}x)", ms_on, ms_off / ms_on);
        match run_python(py, n) {
            Some((r, ms)) => {
                let same = if r == v_off { "same result" } else { "DIFFERENT result" };
                println!("  CPython:     {:8.1} ms  result {} ({})  Livetalk/CPython speed ratio {:.2}x", ms, r, same, ms / ms_on);
            }
            None => println!("  CPython: not available"),
        }
        println!();
    }
}
