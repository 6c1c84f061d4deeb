//! Lexer, parser and compiler on arbitrary text: must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

thread_local! {
    static VM: std::cell::RefCell<livetalk::Vm> = std::cell::RefCell::new(livetalk::Vm::new().expect("kernel"));
}

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = livetalk::syntax::parse_method(src);
        VM.with(|vm| {
            let mut vm = vm.borrow_mut();
            let _ = vm.compile_doit(src);
        });
    }
});
