//! OutOfMemory is a Smalltalk error that can be handled: signalling it and
//! running its handler allocate within a reserve (a sixteenth of the heap
//! limit), lent when the heap is full and given back by the first
//! collection that leaves it under its own limit. Without the reserve,
//! `OutOfMemory new` failed to allocate and signalled again, until the
//! stack overflowed while handling its own overflow.

use livetalk::host::EvalError;
use livetalk::interp::TierMode;
use livetalk::Vm;

fn small_vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().unwrap();
    vm.tier = tier;
    vm.heap.limit = 16 << 20;
    vm
}

const FILL: &str = "| a | a := OrderedCollection new. [[true] whileTrue: [a add: (Array new: 3)]] on: OutOfMemory do: [:e | a := nil. e return: #caught]";

#[test]
fn out_of_memory_is_caught_again_and_again() {
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = small_vm(tier);
        for _ in 0..3 {
            assert_eq!(vm.eval_print(FILL).unwrap(), "#caught", "{tier:?}");
        }
        assert_eq!(vm.eval_print("3 + 4").unwrap(), "7");
        vm.collect_garbage();
        assert_eq!(
            vm.heap.reserve, 0,
            "the next collection gives the reserve back"
        );
        assert_eq!(vm.heap.limit, 16 << 20);
    }
}

#[test]
fn unhandled_out_of_memory_suspends_the_process_with_its_stack() {
    let mut vm = small_vm(TierMode::On);
    let r = vm.eval("| a | a := OrderedCollection new. [true] whileTrue: [a add: (Array new: 3)]");
    match r {
        Err(EvalError::Runtime {
            class_name,
            stack,
            pid,
            ..
        }) => {
            assert_eq!(class_name, "OutOfMemory");
            assert_eq!(
                stack.last().map(String::as_str),
                Some("UndefinedObject>>DoIt")
            );
            vm.terminate_process(pid).unwrap();
        }
        other => panic!("expected OutOfMemory, got {:?}", other.map(|_| ())),
    }
    // the terminated process's garbage goes, and the VM goes on
    assert_eq!(vm.eval_print(FILL).unwrap(), "#caught");
}

#[test]
fn a_large_integer_too_large_for_the_heap_is_out_of_memory_before_it_is_computed() {
    // `2 raisedTo: huge` squares its way up: the product that would not
    // fit is refused before it is computed (it took minutes, in one
    // primitive, before the heap limit could see it)
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = small_vm(tier);
        let t = std::time::Instant::now();
        let r = vm.eval_print(
            "[((2 raisedTo: 1000000000000000000000000) + 1) \\\\ 2] on: OutOfMemory do: [:e | e return: #caught]",
        );
        assert_eq!(r.unwrap(), "#caught", "{tier:?}");
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
        assert_eq!(
            vm.eval_print("(2 raisedTo: 200) printString size").unwrap(),
            "61"
        );
    }
}

/// A heap of 16 MiB with about 13 MB of it live.
fn nearly_full_vm() -> Vm {
    let mut vm = small_vm(TierMode::On);
    vm.eval("Smalltalk at: #Fill put: ((1 to: 40) collect: [:i | Array new: 40000])")
        .unwrap();
    vm
}

#[test]
fn failing_allocations_do_not_collect_every_time() {
    let mut vm = nearly_full_vm();
    // a frozen clock: nothing here depends on time
    vm.clock = Box::new(|| 0.0);
    let before = vm.heap.collections;
    let caught = vm
        .eval_print("| n | n := 0. 1 to: 1000 do: [:i | [Array new: 1000000] on: OutOfMemory do: [:e | n := n + 1]]. n")
        .unwrap();
    assert_eq!(caught, "1000");
    let collections = vm.heap.collections - before;
    // about log2(1000) + what the handlers allocated, not 1000
    assert!(
        collections <= 30,
        "{collections} collections for 1000 failures"
    );
}

#[test]
fn memory_let_go_after_failures_is_found() {
    let mut vm = nearly_full_vm();
    vm.clock = Box::new(|| 0.0);
    for _ in 0..3 {
        assert_eq!(
            vm.eval_print("[Array new: 1000000] on: OutOfMemory do: [:e | #failed]")
                .unwrap(),
            "#failed"
        );
    }
    // let go of the fill: the next attempts find the room (within a few
    // failures at most as many as came before)
    vm.eval("Smalltalk at: #Fill put: nil").unwrap();
    let got = vm
        .eval_print("| a | 1 to: 10 do: [:i | a isNil ifTrue: [a := [Array new: 1000000] on: OutOfMemory do: [:e | nil]]]. a size")
        .unwrap();
    assert_eq!(got, "1000000");
}
