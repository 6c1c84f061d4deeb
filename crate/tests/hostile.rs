//! Hostile edits: users can accept or remove *any* method, kernel
//! included. Whatever they break, the VM must answer with Smalltalk
//! errors or VM-level errors on the process — never a Rust panic (a panic
//! in wasm kills the page) and never a hang of the host (fuel bounds it).

use livetalk::interp::ProcState;
use livetalk::{Outcome, Vm};

const VICTIMS: &[&str] = &[
    "doesNotUnderstand:",
    "signal",
    "signal:",
    "handleSignal:",
    "defaultAction",
    "printString",
    "printOn:",
    "value",
    "ensure:",
    "on:do:",
    "signalStackOverflow",
    "mustBeBoolean",
    "cannotReturn:",
    "new",
    "initialize",
    "+",
    "error:",
    "show:",
    "=",
    "hash",
];

const PROBES: &[&str] = &[
    "3 foo",
    "1/0",
    "[:x | x] value",
    "| a | a := Array new: 3. a at: 10",
    "(1 to: 5) inject: 0 into: [:s :e | s + e]",
    "3 ifTrue: [1]",
    "Transcript show: 'x'; cr",
    "[^ 3] value",
    "OrderedCollection new add: 3; yourself",
    "'abc' , 'def'",
];

fn run_bounded(vm: &mut Vm, src: &str) {
    let pid = match vm.start(src, 40) {
        Ok(p) => p,
        Err(_) => return,
    };
    for _ in 0..10 {
        match vm.run(20_000) {
            Outcome::Idle => break,
            Outcome::Waiting { .. } => break,
            _ => {}
        }
        if matches!(
            vm.procs[pid].state,
            ProcState::Finished | ProcState::Errored | ProcState::Terminated
        ) {
            break;
        }
    }
    let _ = vm.inspect_stack(pid);
    let _ = vm.terminate_process(pid);
    // terminating runs ensure: blocks; bound that too
    for _ in 0..10 {
        if matches!(vm.run(20_000), Outcome::Idle | Outcome::Waiting { .. }) {
            break;
        }
    }
}

#[test]
fn removing_kernel_methods_never_panics() {
    for victim in VICTIMS {
        let mut vm = Vm::new().expect("kernel");
        let classes: Vec<String> = vm.list_classes().into_iter().map(|c| c.name).collect();
        for c in &classes {
            let _ = vm.remove(c, false, victim);
            let _ = vm.remove(c, true, victim);
        }
        for p in PROBES {
            run_bounded(&mut vm, p);
            let _ = vm.take_transcript();
        }
    }
}

#[test]
fn redefining_kernel_methods_badly_never_panics() {
    let bad = [
        ("Object", "doesNotUnderstand: aMessage\n\t^ self foo"),
        ("Exception", "signal\n\t^ self signal"),
        ("Object", "printOn: aStream\n\t^ self printOn: aStream"),
        ("BlockClosure", "ensure: aBlock\n\t^ aBlock value"),
        ("SmallInteger", "+ aNumber\n\t^ self - aNumber"),
        ("Object", "mustBeBoolean\n\t^ 3"),
    ];
    for (class, src) in bad {
        let mut vm = Vm::new().expect("kernel");
        vm.accept(class, false, src, Some("hostile"))
            .expect("compiles");
        for p in PROBES {
            run_bounded(&mut vm, p);
        }
        let _ = vm.take_transcript();
    }
}
