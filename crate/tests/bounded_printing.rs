//! Printing without fuel is bounded: the host's short descriptions of a
//! value (`Vm::quick_print`: a finished do-it's value, the debugger's
//! frames) and the LargeInteger printing primitive, whose decimal digits
//! cost more than linear time. The `run` fuzz target held its VM for
//! minutes on `2 raisedTo: (2 raisedTo: 60) + 1`: the OutOfMemory it ends
//! in left a 32 Mbit LargeInteger in a frame, printed in decimal.

use livetalk::Vm;
use std::time::{Duration, Instant};

#[test]
fn a_frame_holding_a_huge_large_integer_is_inspected_at_once() {
    let mut vm = Vm::new().unwrap();
    let pid = vm.start("2 raisedTo: (2 raisedTo: 60) + 1", 40).unwrap();
    let _ = vm.run(100_000);
    let t = Instant::now();
    let frames = vm.inspect_stack(pid).unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let shown: Vec<&str> = frames
        .iter()
        .flat_map(|f| f.temps.iter().map(|(_, v)| v.as_str()))
        .collect();
    assert!(
        shown
            .iter()
            .any(|v| v.starts_with("a LargePositiveInteger of ") && v.ends_with(" bits")),
        "{shown:?}"
    );
}

#[test]
fn quick_print_shows_the_start_of_a_long_string_and_small_large_integers_whole() {
    let mut vm = Vm::new().unwrap();
    let pid = vm.start("String new: 5000000 withAll: $x", 40).unwrap();
    let _ = vm.run(1_000_000);
    let v = vm.procs[pid].result.unwrap();
    let shown = vm.quick_print(v);
    assert!(shown.len() < 20_100, "{}", shown.len());
    assert!(
        shown.ends_with("...(5000000 characters in all)'"),
        "{}",
        &shown[shown.len() - 40..]
    );
    let pid = vm.start("(2 raisedTo: 200) + 1", 40).unwrap();
    let _ = vm.run(100_000);
    let v = vm.procs[pid].result.unwrap();
    assert_eq!(
        vm.quick_print(v),
        "1606938044258990275541962092341162602522202993782792835301377"
    );
}

#[test]
fn print_string_of_a_number_too_large_to_print_is_an_error() {
    let mut vm = Vm::new().unwrap();
    // 2^23 bits: about 2.5 million digits, seconds in one primitive
    let e = vm
        .eval_print("(2 raisedTo: 8388608) printString size")
        .unwrap_err();
    assert!(
        format!("{e:?}").contains("too large to print in base 10 (8388609 bits)"),
        "{e:?}"
    );
    // in a base that is a power of two, and below the bound, it prints
    assert_eq!(
        vm.eval_print("((2 raisedTo: 8388608) printString: 16) size")
            .unwrap(),
        "2097153"
    );
    assert_eq!(
        vm.eval_print("(2 raisedTo: 1000000) printString size")
            .unwrap(),
        "301030"
    );
    assert!(
        format!("{:?}", vm.eval_print("12 printStringBase: 99").unwrap_err())
            .contains("base must be between 2 and 36")
    );
}
