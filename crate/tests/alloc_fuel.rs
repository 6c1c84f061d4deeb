//! A primitive's bulk work costs fuel: one instruction per KiB it
//! allocates or copies (`Heap::charge`). Before, `Array new: 840095` cost
//! one instruction like any send, so a loop of them zeroed gigabytes and
//! collected a thousand times within 100,000 instructions (the fuzzer's
//! `run` target, after an earlier input had made `Array>>at:put:` a
//! no-op: 18 s for one input), and a 10 ms slice of the page ran for
//! seconds.

use livetalk::interp::TierMode;
use livetalk::Vm;

fn vm(limit: usize) -> Vm {
    let mut vm = Vm::new().unwrap();
    vm.heap.limit = limit;
    vm
}

/// Collections while `src` runs for `fuel` instructions.
fn collections_in(vm: &mut Vm, src: &str, fuel: u64) -> u64 {
    let pid = vm.start(src, 40).unwrap();
    let before = vm.heap.collections;
    let _ = vm.run(fuel);
    let n = vm.heap.collections - before;
    vm.terminate_process(pid).unwrap();
    let _ = vm.run(10_000);
    n
}

#[test]
fn allocating_garbage_in_a_loop_is_bounded_by_the_fuel() {
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = vm(32 << 20);
        vm.tier = tier;
        // 6.7 MB an iteration: about 6,600 instructions each, so about 15
        // arrays in 100,000 instructions (it was 2,700, and 1,300
        // collections)
        let n = collections_in(&mut vm, "[true] whileTrue: [Array new: 840095]", 100_000);
        assert!(n <= 20, "{tier:?}: {n} collections");
    }
}

#[test]
fn a_kept_loop_meets_a_broken_at_put_in_the_same_vm() {
    // what the fuzzer's shared VM had: an earlier do-it made
    // Array>>at:put: answer without storing, so the collection keeps
    // nothing and the loop allocates garbage instead of running out
    let mut vm = vm(32 << 20);
    vm.eval("Array compile: 'at: i put: v ^ v'").unwrap();
    let n = collections_in(
        &mut vm,
        "| keep | keep := OrderedCollection new. [true] whileTrue: [keep add: (Array new: 840095)]",
        100_000,
    );
    assert!(n <= 20, "{n} collections");
}

#[test]
fn copying_costs_fuel() {
    let mut vm = vm(256 << 20);
    let src =
        "| a b | a := Array new: 1000000. b := Array new: 1000000. Smalltalk at: #Copies put: 0. \
        [true] whileTrue: [a replaceFrom: 1 to: a size with: b startingAt: 1. \
        Smalltalk at: #Copies put: (Smalltalk at: #Copies) + 1]";
    let pid = vm.start(src, 40).unwrap();
    let _ = vm.run(100_000);
    vm.terminate_process(pid).unwrap();
    // 8 MB a copy: 7,812 instructions each (the arrays' allocation
    // another 15,600), so under a dozen copies, not thousands
    let copies: u64 = vm
        .eval_print("Smalltalk at: #Copies")
        .unwrap()
        .parse()
        .unwrap();
    assert!((5..=12).contains(&copies), "{copies} copies");
}

/// Instructions `src` takes to run to its end.
fn cost_of(vm: &mut Vm, src: &str) -> u64 {
    let before = vm.insn_count;
    vm.eval(src).unwrap();
    vm.insn_count - before
}

#[test]
fn an_allocation_is_charged_once() {
    let mut vm = vm(64 << 20);
    let direct = cost_of(&mut vm, "Array new: 1048576. nil");
    let performed = cost_of(&mut vm, "Array perform: #new: with: 1048576. nil");
    let small = cost_of(&mut vm, "Array new: 10. nil");
    // 8 MiB: 8,192 instructions on top of the send
    assert!(
        direct >= small + 8_192 && direct < small + 8_300,
        "{direct} vs {small}"
    );
    assert!(performed.abs_diff(direct) < 50, "{performed} vs {direct}");
}

/// A VM with two 10 MB strings, `A` and `B` (equal), `C` (its last
/// character differs) and a 10 MB WideString `W` equal to `A`, as globals.
fn big_strings() -> Vm {
    let mut vm = vm(256 << 20);
    vm.eval(
        "Smalltalk at: #A put: (String new: 10000000 withAll: $a). \
         Smalltalk at: #B put: (String new: 10000000 withAll: $a). \
         Smalltalk at: #C put: ((String new: 10000000 withAll: $a) at: 10000000 put: $b; yourself). \
         Smalltalk at: #W put: ((Smalltalk at: #A) copy becomeWideString; yourself). nil",
    )
    .unwrap();
    vm
}

#[test]
fn reading_megabytes_costs_fuel() {
    let mut vm = big_strings();
    let base = cost_of(&mut vm, "(Smalltalk at: #A) size = 3. nil");
    // what each reads, in bytes: two 10 MB strings compared to the end
    // (20 MB: about 19,500 instructions), one hashed (10 MB), one
    // searched to its end, a WideString (4 bytes a character) compared
    for (src, bytes) in [
        ("(Smalltalk at: #A) = (Smalltalk at: #B). nil", 20_000_000),
        ("(Smalltalk at: #A) < (Smalltalk at: #C). nil", 20_000_000),
        (
            "(Smalltalk at: #A) compare: (Smalltalk at: #C) caseSensitive: false. nil",
            20_000_000,
        ),
        ("(Smalltalk at: #A) hash. nil", 10_000_000),
        ("(Smalltalk at: #A) indexOf: $b. nil", 10_000_000),
        (
            "(Smalltalk at: #C) includesSubstring: 'ab'. nil",
            10_000_000,
        ),
        ("(Smalltalk at: #W) = (Smalltalk at: #A). nil", 50_000_000),
    ] {
        let cost = cost_of(&mut vm, src) - base;
        let want = bytes / 1024;
        assert!(
            cost + 20 >= want && cost < want + want / 4 + 100,
            "{src}: {cost} instructions, want about {want}"
        );
    }
    // a difference at the first character reads next to nothing
    vm.eval("(Smalltalk at: #C) at: 1 put: $b").unwrap();
    let cost = cost_of(&mut vm, "(Smalltalk at: #A) = (Smalltalk at: #C). nil") - base;
    assert!(cost < 50, "{cost}");
}

#[test]
fn a_hashed_collections_probe_costs_what_it_reads() {
    let mut vm = big_strings();
    vm.eval("Smalltalk at: #S put: (Set with: (Smalltalk at: #B)). nil")
        .unwrap();
    let small = cost_of(&mut vm, "(Smalltalk at: #S) includes: 'abc'. nil");
    // the key hashed (10 MB) and compared with the element (20 MB)
    let big = cost_of(
        &mut vm,
        "(Smalltalk at: #S) includes: (Smalltalk at: #A). nil",
    );
    assert!(
        big >= small + 29_000 && big < small + 32_000,
        "{big} vs {small}"
    );
}

#[test]
fn searching_is_linear_whatever_the_text() {
    // a needle that almost matches everywhere: a plain search compares
    // it a million times over (about 10^12 characters); this one reads
    // each character of the haystack about once
    let mut vm = vm(256 << 20);
    let t = std::time::Instant::now();
    let r = vm
        .eval_print(
            "| hay needle | hay := String new: 2000000 withAll: $a. \
             needle := (String new: 1000000 withAll: $a) , 'b'. \
             hay indexOfSubCollection: needle startingAt: 1",
        )
        .unwrap();
    assert_eq!(r, "0");
    assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
    let r = vm
        .eval_print("('xaab' , (String new: 100 withAll: $a) , 'ab') indexOfSubCollection: 'aaab' startingAt: 3")
        .unwrap();
    assert_eq!(r, "103");
}
