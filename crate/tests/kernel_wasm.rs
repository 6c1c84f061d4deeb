//! The WebAssembly that loop kernels compile to in the browser
//! (`tier::wasm_kernel`) is valid, for the kernels of random loops
//! (straight-line, with `ifTrue:`, with a loop inside) and the sieve's.
//! What it does is checked in the browser, against the interpreter
//! (`web.rs`, `compiled_loop_kernels_do_what_the_interpreter_does`).

mod common;

use common::kernel_loops::program;
use livetalk::interp::TierMode;
use livetalk::Vm;

fn valid(bytes: &[u8], what: &str) {
    if let Err(e) = wasmparser::Validator::new().validate_all(bytes) {
        panic!("{what}: {e}");
    }
}

#[test]
fn random_kernels_compile_to_valid_modules() {
    let (mut compiled, mut nested) = (0, 0);
    for seed in 1..60u64 {
        let (src, expr) = program(seed * 7919 + 13);
        let mut vm = Vm::new().expect("kernel");
        vm.tier = TierMode::Eager;
        vm.file_in("kf.st", &src).expect("file in");
        vm.eval_print(&expr).expect("runs");
        for k in 0..6 {
            let spec = format!("KF>>m{k}:with:");
            let listing = vm.disassemble(&spec).expect("listing");
            for (i, m) in vm
                .kernel_modules(&spec)
                .expect("kernels")
                .iter()
                .enumerate()
            {
                let Some(bytes) = m else { continue };
                valid(bytes, &format!("seed {seed} {spec} kernel {i}\n{listing}"));
                compiled += 1;
                let line = listing
                    .lines()
                    .find(|l| l.starts_with(&format!("loop kernel {i}:")));
                nested += line.is_some_and(|l| l.contains(" loop kernel ")) as usize;
            }
        }
    }
    println!("{compiled} modules, {nested} with a loop inside");
    assert!(
        compiled > 100 && nested > 20,
        "{compiled} modules, {nested} with a loop inside"
    );
}

#[test]
fn the_sieve_compiles_to_one_module_for_both_loops() {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    vm.eval_print("1 benchmark").expect("runs");
    let ms = vm.kernel_modules("Integer>>benchmark").expect("kernels");
    assert_eq!(ms.len(), 2);
    for (i, m) in ms.iter().enumerate() {
        valid(m.as_deref().expect("compiled"), &format!("kernel {i}"));
    }
}
