//! Share links from strangers: arbitrary text through the decoder, and
//! what decodes is opened (classes defined, methods accepted) in a VM
//! with a small heap, and its run expression run under a fuel limit.
//! Nothing may panic; every outcome is a value or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use livetalk::host::share;

fuzz_target!(|data: &[u8]| {
    let Ok(link) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ws) = share::decode(link) else {
        return;
    };
    let mut vm = livetalk::Vm::new().expect("kernel");
    vm.heap.limit = 32 << 20;
    if share::restore(&mut vm, &ws).is_ok() {
        if let Ok(pid) = vm.start(&ws.run, 40) {
            let _ = vm.run(200_000);
            let _ = vm.inspect_stack(pid);
        }
    }
});
