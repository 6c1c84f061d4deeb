//! The soak: an allocation-heavy program runs with the tier on while
//! methods it calls (inlined by then) are accepted at random points, the
//! way a user edits during a long session. A second VM runs it with the
//! tier off under the same accepts at the same instruction counts. The
//! Transcripts must be the same, and the heap must stay bounded.
//!
//! `SOAK_SECS` sets the length (default 30 s under `CI=true`, else 5 s);
//! a ten-minute run: `SOAK_SECS=600 cargo test --release --test soak`.

mod common;
use common::Rng;
use livetalk::interp::TierMode;
use livetalk::{Outcome, Vm};
use std::time::{Duration, Instant};

const PROGRAM: &str = "Object subclass: #Soak
	instanceVariableNames: 'kept'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Soak'!

!Soak methodsFor: 'soak'!
run
	| total round |
	total := 0. round := 0. kept := OrderedCollection new.
	[true] whileTrue: [
		| coll |
		round := round + 1.
		coll := OrderedCollection new.
		1 to: 40 do: [:j | coll add: (self item: j)].
		total := total + (self sum: coll) \\\\ 1000003.
		kept addFirst: coll. kept size > 20 ifTrue: [kept removeLast].
		round \\\\ 50 = 0 ifTrue: [Transcript show: round printString, ' ', total printString; cr]]
!
item: j
	^ Array with: j with: j printString with: j * 2
!
sum: c
	^ c inject: 0 into: [:a :e | a + (self weigh: e)]
!
weigh: e
	^ (e at: 1) + (e at: 3)
! !
";

/// A new version of one of the methods the loop calls.
fn variant(r: &mut Rng) -> String {
    let k = r.below(7);
    match r.below(3) {
        0 => format!("weigh: e\n\t^ (e at: 1) + (e at: 3) + {}", k),
        1 => format!(
            "item: j\n\t^ Array with: j + {} with: (j * {}) printString with: j",
            k, k
        ),
        _ => format!(
            "sum: c\n\t| s | s := {}. c do: [:e | s := s + (self weigh: e)]. ^ s",
            k
        ),
    }
}

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.file_in("soak.st", PROGRAM).expect("the soak loads");
    vm.start("Soak new run", 40).expect("starts");
    vm
}

/// Runs `fuel` instructions (the program never ends or errs).
fn run(vm: &mut Vm, fuel: u64) {
    let start = vm.insn_count;
    while vm.insn_count - start < fuel {
        match vm.run(fuel - (vm.insn_count - start)) {
            Outcome::Yielded => {}
            other => panic!("the soak stopped: {:?}", other),
        }
    }
}

#[test]
fn accepts_during_an_allocation_heavy_loop_keep_the_tier_invisible_and_the_heap_bounded() {
    let secs: u64 = std::env::var("SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if std::env::var("CI").is_ok() { 30 } else { 5 });
    let (mut on, mut off) = (vm(TierMode::On), vm(TierMode::Off));
    let mut r = Rng(0x50a6_5eed);
    let began = Instant::now();
    let (mut accepts, mut peak_live, mut peak_objects, mut peak_deps) =
        (0u64, 0usize, 0usize, 0usize);
    let mut compared = 0usize;
    let mut next_note = Duration::from_secs(30);
    while began.elapsed() < Duration::from_secs(secs) {
        // a few ms of work, then maybe an accept, at the same point in both
        let fuel = 20_000 + r.below(200_000);
        run(&mut on, fuel);
        run(&mut off, fuel);
        assert_eq!(on.insn_count, off.insn_count);
        if r.below(2) == 0 {
            let src = variant(&mut r);
            let a = on.accept("Soak", false, &src, None).map(|a| a.version);
            let b = off.accept("Soak", false, &src, None).map(|a| a.version);
            assert_eq!(a.as_ref().ok(), b.as_ref().ok(), "{}", src);
            assert!(a.is_ok(), "{}", src);
            accepts += 1;
        }
        peak_live = peak_live.max(on.heap.live);
        peak_objects = peak_objects.max(on.heap.objs.len());
        peak_deps = peak_deps.max(on.tier_dependency_count());
        let (a, b) = (on.take_transcript(), off.take_transcript());
        assert_eq!(a, b, "the Transcript differs after {} accepts", accepts);
        compared += a.len();
        if began.elapsed() >= next_note {
            next_note += Duration::from_secs(30);
            eprintln!(
                "soak: {:>4} s, {} accepts, live {} KiB, {} objects, {} dependencies",
                began.elapsed().as_secs(),
                accepts,
                on.heap.live >> 10,
                on.heap.objs.len(),
                on.tier_dependency_count()
            );
        }
    }
    // kept: 20 rounds of 40 small arrays, the kernel and the methods; the
    // rest is garbage each round (an OrderedCollection used as a queue
    // by addFirst: and removeLast grew its array without bound)
    assert!(peak_live < 8 << 20, "live bytes peaked at {}", peak_live);
    assert!(peak_objects < 1_000_000, "{} object slots", peak_objects);
    // dependencies of code optimized again and again are pruned
    assert!(peak_deps < 20_000, "{} tier dependencies", peak_deps);
    assert!(
        accepts > 5 && compared > 0,
        "{} accepts, {} bytes compared",
        accepts,
        compared
    );
    assert!(on.frames_materialized > 0 || on.tier_report().iter().any(|t| t.3 > 0));
    eprintln!(
        "soak: {} s, {} accepts, {} instructions, {} collections, peak live {} KiB, {} bytes of Transcript compared",
        secs,
        accepts,
        on.insn_count,
        on.heap.collections,
        peak_live >> 10,
        compared
    );
}
