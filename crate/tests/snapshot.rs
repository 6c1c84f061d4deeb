//! The kernel snapshot (`crate::snapshot`): current with the sources and
//! the compiler, read back to the state it was written from, used by
//! `Vm::new`, and refused (the sources compiled instead) when damaged,
//! stale or foreign.
//!
//! `LIVETALK_WRITE_SNAPSHOT=1 cargo test --test snapshot current` remakes
//! `crate/kernel/kernel.snap` (what `bash scripts/snapshot.sh` runs).

mod common;
use livetalk::object::Body;
use livetalk::snapshot::{decode, encode, KERNEL};
use livetalk::Vm;

const SNAPSHOT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/kernel/kernel.snap");

fn eval(vm: &mut Vm, src: &str) -> String {
    match vm.eval(src) {
        Ok(v) => vm.print_string(v),
        Err(e) => format!("error: {e}"),
    }
}

/// The built-in snapshot with its header changed by `f`.
fn with_header(f: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut b = KERNEL.to_vec();
    f(&mut b[..32]);
    b
}

#[test]
fn the_built_in_snapshot_is_current() {
    let fresh = encode(&Vm::from_sources().unwrap()).unwrap();
    if std::env::var_os("LIVETALK_WRITE_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT_FILE, &fresh).unwrap();
        eprintln!("wrote {SNAPSHOT_FILE}: {} bytes", fresh.len());
        return;
    }
    assert!(
        fresh == KERNEL,
        "crate/kernel/kernel.snap is stale ({} bytes; the sources and compiler make {} bytes): run bash scripts/snapshot.sh",
        KERNEL.len(),
        fresh.len()
    );
}

#[test]
fn vm_new_starts_from_the_snapshot() {
    let vm = Vm::new().unwrap();
    assert_eq!(vm.snapshot_refused, None);
}

#[test]
fn spans_worked_out_from_the_source_are_the_compilers() {
    let compiled = Vm::from_sources().unwrap();
    let read = decode(KERNEL).unwrap();
    let mut units = 0;
    for (a, b) in compiled.heap.objs.iter().zip(&read.heap.objs) {
        if let (Body::Method(x), Body::Method(y)) = (&a.body, &b.body) {
            for (u, v) in x.units().into_iter().zip(y.units()) {
                assert!(v.spans.get().is_none(), "a snapshot leaves spans out");
                let want = u.spans.get().unwrap();
                let got: Vec<_> = (0..v.ops.len()).map(|pc| v.span_at(pc)).collect();
                assert_eq!(got, want, "{}", u.print_name());
                units += 1;
            }
        }
    }
    assert!(units > 2000, "{units} code units");
}

#[test]
fn a_snapshot_reads_back_to_what_it_was_written_from() {
    let vm = decode(KERNEL).unwrap();
    assert!(encode(&vm).unwrap() == KERNEL);
}

#[test]
fn a_damaged_stale_or_foreign_snapshot_is_refused_and_the_sources_compiled() {
    let mut flipped = KERNEL.to_vec();
    let mid = 32 + (flipped.len() - 32) / 2;
    flipped[mid] ^= 0x10;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "not a Livetalk snapshot"),
        (
            b"#!/bin/sh\necho hello world, this is not one\n".to_vec(),
            "not a Livetalk snapshot",
        ),
        (KERNEL[..20].to_vec(), "not a Livetalk snapshot"),
        (
            KERNEL[..KERNEL.len() - 1].to_vec(),
            "damaged: its checksum does not match",
        ),
        (flipped, "damaged: its checksum does not match"),
        (with_header(|h| h[0] ^= 1), "not a Livetalk snapshot"),
        (
            with_header(|h| h[8] += 1),
            "made in format 2; this VM reads format 1",
        ),
        (
            with_header(|h| h[20] ^= 0x40),
            "stale: made from other kernel sources or another compiler",
        ),
        (
            with_header(|h| h[30] ^= 1),
            "damaged: its checksum does not match",
        ),
    ];
    for (bytes, why) in cases {
        let err = decode(&bytes).err().unwrap_or_default();
        assert!(err.starts_with(why), "{err:?} should say {why:?}");
        let mut vm = Vm::with_snapshot(&bytes).unwrap();
        let note = vm.snapshot_refused.clone().unwrap_or_default();
        assert!(
            note.starts_with("the kernel snapshot was refused (") && note.contains(why),
            "{note}"
        );
        assert_eq!(
            eval(&mut vm, "(3/4 + 0.25) printString , 'x' asUppercase"),
            "'1.0X'"
        );
    }
}

/// A VM with user classes and every kind of object a snapshot keeps.
const USER: &str = r#"Object subclass: #Shape
    instanceVariableNames: 'w h'
    classVariableNames: 'Made'
    package: 'Test'!
Shape class instanceVariableNames: 'last'!
!Shape class methodsFor: 'making'!
w: a h: b
    Made := (Made ifNil: [0]) + 1.
    ^ last := self new setW: a h: b
!
made
    ^ Made
! !
!Shape methodsFor: 'all'!
setW: a h: b
    w := a. h := b
!
area
    ^ w * h
!
scaled: k
    ^ #(1 2 3) collect: [:x | x * k * w]
!
gone
    ^ 1
! !
Smalltalk at: #Keep put: {1e300. 2 raisedTo: 100. -3.5. 'déjà'. #[1 2 255]. #'π'. Shape w: 3 h: 4}!
Smalltalk at: #Later put: 7!
"#;

#[test]
fn a_snapshot_of_user_classes_reads_back_and_runs_alike() {
    let mut vm = Vm::from_sources().unwrap();
    vm.file_in("user.st", USER).unwrap();
    let shape = vm.class_named("Shape").unwrap();
    assert!(vm.remove_method(shape, "gone"));
    vm.take_warnings();
    vm.collect_garbage();
    let bytes = encode(&vm).unwrap();
    let mut back = decode(&bytes).unwrap();
    assert!(
        encode(&back).unwrap() == bytes,
        "read back, it writes the same"
    );
    for src in [
        "Keep printString",
        "(Keep at: 7) area",
        "((Keep at: 7) scaled: 2) printString",
        "Shape made",
        "(Shape w: 2 h: 5) area + Shape made",
        "(Keep at: 1) * 2",
        "(Keep at: 4) size",
        "(Keep at: 6) == #'π'",
        "(Keep collect: [:e | e identityHash]) = (Keep collect: [:e | e identityHash])",
        "Object new identityHash",
        "(Shape new respondsTo: #gone) printString",
        "Later + 1",
    ] {
        assert_eq!(eval(&mut back, src), eval(&mut vm, src), "{src}");
    }
    // versions go on from where they were
    let a = vm
        .accept("Shape", false, "area ^ w + h", None)
        .unwrap()
        .version;
    let b = back
        .accept("Shape", false, "area ^ w + h", None)
        .unwrap()
        .version;
    assert_eq!((a, b), (2, 2));
    assert_eq!(
        back.accept("Shape", false, "gone ^ 2", None)
            .unwrap()
            .version,
        2
    );
}

#[test]
fn what_a_snapshot_cannot_keep_is_refused_when_it_is_written() {
    let mut vm = Vm::from_sources().unwrap();
    vm.file_in("b.st", "Smalltalk at: #Block put: [:x | x]!")
        .unwrap();
    vm.collect_garbage();
    let err = encode(&vm).unwrap_err();
    assert!(
        err.contains("a process has not been collected") || err.contains("BlockClosure"),
        "{err}"
    );
    let mut vm = Vm::from_sources().unwrap();
    vm.start("[true] whileTrue", 40).unwrap();
    assert!(encode(&vm).unwrap_err().contains("not at rest"));
}

/// A damaged kernel (the `snapshot` fuzz target's edits: an operation, a
/// 4-byte offset and a value, six bytes each) whose methods read back
/// with a stack that is not as their code's shape says: the tier sends
/// instead of inlining into such a frame (it inlined, and the copy did
/// not verify: a debug assertion, found by the fuzzer).
#[test]
fn a_damaged_kernel_runs_without_inlining_where_the_frame_does_not_fit() {
    let edits: [u8; 50] = [
        0x02, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x73, 0x00,
    ];
    let p = common::damage::damaged(&KERNEL[32..], &edits);
    if let Ok(mut vm) = decode(&livetalk::snapshot::seal(&p)) {
        vm.heap.limit = vm.heap.limit.min(32 << 20);
        if let Ok(pid) = vm.start("(3 + 4) printString size", 40) {
            let _ = vm.run(100_000);
            let _ = vm.inspect_stack(pid);
        }
    }
}
