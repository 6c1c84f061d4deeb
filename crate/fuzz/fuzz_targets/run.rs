//! Arbitrary do-its run under a fuel limit and a small heap: whatever
//! the code does (allocate without end, recurse, signal, fork, wait), the
//! VM answers a result, a Smalltalk error or a compile error, and never
//! panics. One VM serves many inputs, as a page serves many do-its.
#![no_main]
use libfuzzer_sys::fuzz_target;

thread_local! {
    static VM: std::cell::RefCell<livetalk::Vm> = std::cell::RefCell::new({
        let mut vm = livetalk::Vm::new().expect("kernel");
        vm.heap.limit = 32 << 20;
        vm.max_depth = 10_000;
        vm
    });
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    VM.with(|vm| {
        let mut vm = vm.borrow_mut();
        let before: std::collections::HashSet<usize> = vm.procs.pids().into_iter().collect();
        if let Ok(pid) = vm.start(src, 40) {
            let _ = vm.run(100_000);
            let _ = vm.inspect_stack(pid);
            // it and what it forked go
            for p in vm.procs.pids() {
                if !before.contains(&p) {
                    let _ = vm.terminate_process(p);
                }
            }
            let _ = vm.run(10_000);
        }
        vm.take_transcript();
    });
});
