//! What a long-running VM leaves behind is reclaimed: the scheduler's
//! entries of processes that ended, and what each do-it compiled.

use livetalk::interp::ProcState;
use livetalk::Vm;

/// Forks `n` short processes, each run to its end at once (`yield`).
fn fork_many(vm: &mut Vm, n: usize) -> u64 {
    let before = vm.insn_count;
    let src = format!("1 to: {n} do: [:i | [i + 1] fork. Processor yield]. #done");
    assert_eq!(vm.eval_print(&src).unwrap(), "#done");
    vm.insn_count - before
}

#[test]
fn finished_processes_are_reclaimed() {
    let mut vm = Vm::new().unwrap();
    fork_many(&mut vm, 200_000);
    // the table never held more than a collection's worth of ended
    // processes (each counts against the heap, so allocation collects)
    let slots = vm.procs.slots();
    assert!(slots < 60_000, "{slots} slots for 200,000 processes");
    vm.collect_garbage();
    assert!(vm.procs.len() < 10, "{} processes left", vm.procs.len());
    assert!(vm.procs.reclaimed >= 190_000);
    // forking more reuses the slots
    fork_many(&mut vm, 200_000);
    assert!(vm.procs.slots() <= slots + slots / 10);
}

#[test]
fn forking_costs_the_same_per_process() {
    // instructions, and the table's size, do not grow with the count
    let mut a = Vm::new().unwrap();
    let na = fork_many(&mut a, 50_000);
    let mut b = Vm::new().unwrap();
    let nb = fork_many(&mut b, 200_000);
    assert!(nb <= na * 4 + 100, "{na} for 50,000, {nb} for 200,000");
    a.collect_garbage();
    b.collect_garbage();
    assert!(b.procs.len() <= a.procs.len() + 2);
}

#[test]
fn a_process_smalltalk_refers_to_stays() {
    let mut vm = Vm::new().unwrap();
    vm.eval("Smalltalk at: #Kept put: [3 + 4] fork. Processor yield")
        .unwrap();
    fork_many(&mut vm, 50_000);
    vm.collect_garbage();
    vm.collect_garbage();
    assert_eq!(vm.eval_print("Kept isTerminated").unwrap(), "true");
    assert_eq!(vm.eval_print("Kept name").unwrap(), "'forked'");
    assert_eq!(vm.eval_print("Kept priority").unwrap(), "40");
    // a suspended process's entry stays however many others come and go
    vm.eval("Smalltalk at: #Waiting put: ([#waited] newProcessAt: 40)")
        .unwrap();
    fork_many(&mut vm, 50_000);
    vm.eval("Smalltalk at: #Waiting put: nil").unwrap();
    vm.collect_garbage();
    let waiting: Vec<_> = vm
        .procs
        .iter()
        .filter(|p| p.state == ProcState::Suspended)
        .collect();
    assert_eq!(waiting.len(), 1, "a suspended process is not reclaimed");
}

#[test]
fn an_id_the_host_kept_reads_as_ended() {
    let mut vm = Vm::new().unwrap();
    let pid = vm.start("3 + 4", 40).unwrap();
    assert_eq!(vm.run_until_done(pid).unwrap().as_int(), Some(7));
    fork_many(&mut vm, 20_000);
    vm.collect_garbage();
    assert!(vm.procs.get(pid).is_none(), "reclaimed");
    assert_eq!(vm.procs[pid].state, ProcState::Terminated);
    // a newer process in the same slot has another id
    let fresh = vm.start("5", 40).unwrap();
    assert_ne!(fresh, pid);
    // the host's operations on it are harmless
    vm.pause(pid).unwrap();
    vm.resume(pid).unwrap();
    vm.terminate_process(pid).unwrap();
    assert!(vm.inspect_stack(pid).map_or(true, |s| s.is_empty()));
    assert_eq!(vm.run_until_done(fresh).unwrap().as_int(), Some(5));
    assert!(vm.pause(usize::MAX >> 1).is_err(), "never issued");
}

/// Live objects and bytes after two full collections (the first frees
/// the entries of processes that ended; their results go with the second).
fn retained(vm: &mut Vm) -> (usize, usize) {
    vm.collect_garbage();
    vm.collect_garbage();
    (vm.heap.count_live(), vm.heap.live)
}

#[test]
fn do_its_leave_nothing_behind() {
    let mut vm = Vm::new().unwrap();
    let (objs, bytes) = retained(&mut vm);
    for i in 0..10_000 {
        let src = format!("| a | a := {i}. [:x | x + a] value: 1");
        assert_eq!(vm.eval(&src).unwrap().as_int(), Some(i + 1));
    }
    let (objs2, bytes2) = retained(&mut vm);
    assert!(objs2 <= objs + 10, "{objs} objects, then {objs2}");
    assert!(bytes2 <= bytes + 2_000, "{bytes} bytes, then {bytes2}");
    assert!(vm.procs.len() < 5);
}

#[test]
fn the_playgrounds_do_its_leave_nothing_behind() {
    let mut s = livetalk::host::session::Session::new().unwrap();
    s.run(1e9);
    let (objs, bytes) = retained(&mut s.vm);
    for i in 0..10_000 {
        // do-its, print-its (a second process prints), and fileIns
        s.evaluate(&format!("| a | a := {i}. a + 1"), i % 2 == 0);
        s.run(1e9);
        if i % 100 == 0 {
            s.file_in("x.st", &format!("Transcript show: {i} printString!\n"));
        }
    }
    let (objs2, bytes2) = retained(&mut s.vm);
    assert!(objs2 <= objs + 10, "{objs} objects, then {objs2}");
    assert!(bytes2 <= bytes + 2_000, "{bytes} bytes, then {bytes2}");
}

#[test]
fn a_do_it_stopped_on_an_error_keeps_its_method() {
    let mut vm = Vm::new().unwrap();
    let stopped = match vm.eval("| a | a := 3. (a / 0) + a") {
        Err(livetalk::host::EvalError::Runtime { pid, .. }) => pid,
        other => panic!("expected ZeroDivide, got {:?}", other.map(|_| ())),
    };
    for i in 0..2_000 {
        vm.eval(&format!("{i} + 1")).unwrap();
    }
    fork_many(&mut vm, 50_000);
    vm.collect_garbage();
    let stack = vm.stack_names(stopped);
    assert_eq!(
        stack.last().map(String::as_str),
        Some("UndefinedObject>>DoIt")
    );
    // proceeding: the division answers nil, and nil + 3 fails again
    vm.resume(stopped).unwrap();
    assert!(vm.run_until_done(stopped).is_err());
    vm.terminate_process(stopped).unwrap();
}

#[test]
fn terminated_waiters_leave_their_semaphores() {
    let mut vm = Vm::new().unwrap();
    let log = vm
        .eval_print(
            "| s log p q | s := Semaphore new. log := OrderedCollection new.
            p := [s wait. log add: #p] fork. q := [s wait. log add: #q] fork.
            Processor yield. p terminate. s signal. Processor yield. log asArray",
        )
        .unwrap();
    assert_eq!(log, "#(#q)", "the signal goes to the waiter still waiting");
    let excess = vm
        .eval_print(
            "| s p | s := Semaphore new. p := [s wait] fork. Processor yield.
            p terminate. s signal. s wait. #ok",
        )
        .unwrap();
    assert_eq!(
        excess, "#ok",
        "a terminated waiter does not swallow a signal"
    );
    // terminating waiters does not look through every queue; their places
    // go with the next collection
    vm.eval(
        "| ps | ps := (1 to: 20000) collect: [:i | [Semaphore new wait] fork].
        Processor yield. ps do: [:p | p terminate]",
    )
    .unwrap();
    assert!(vm.semaphore_places() >= 20_000);
    vm.collect_garbage();
    assert_eq!(vm.semaphore_places(), 0);
    vm.collect_garbage();
    assert!(vm.procs.len() < 5, "{} processes left", vm.procs.len());
}

/// Optimized code refers back to the methods that hold it (a recursive
/// callee inlined into itself, inline caches of methods that call each
/// other): dropping the VM frees it all the same, with no cycle of `Rc`s
/// left behind (a test, a fuzzer or the page making VM after VM leaked
/// about 120 KB a VM).
#[test]
fn dropping_a_vm_frees_its_optimized_code() {
    use livetalk::interp::TierMode;
    let mut vm = Vm::new().unwrap();
    vm.tier = TierMode::Eager;
    vm.file_in(
        "t.st",
        "!Integer methodsFor: 't'!\nping: n\n\tn < 1 ifTrue: [^ 0].\n\t^ self pong: n - 1\n!\npong: n\n\t^ (self ping: n) + 1\n! !\n",
    )
    .unwrap();
    assert_eq!(
        vm.eval_print("(1 to: 50) inject: 0 into: [:a :i | a + (i ping: 30) + 20 benchFib]")
            .unwrap(),
        "1096050"
    );
    let weak = |vm: &mut Vm, m: &str| {
        let method = vm.eval(m).unwrap();
        let code = vm.method_code(method).expect("a method");
        assert!(code.tier.borrow().opt.is_some(), "{m} is optimized");
        std::rc::Rc::downgrade(&code)
    };
    let codes = [
        weak(&mut vm, "Integer >> #benchFib"),
        weak(&mut vm, "Integer >> #ping:"),
        weak(&mut vm, "Integer >> #pong:"),
    ];
    drop(vm);
    for (i, w) in codes.iter().enumerate() {
        assert!(w.upgrade().is_none(), "method {i} outlived its VM");
    }
}
