//! The differential checker of the tier (issue 3, like wasmi's
//! `fuzz/differential.rs`): random terminating programs, run under a
//! random schedule of fuel slices, accepts (identical re-accepts and real
//! changes), removals and frame restarts; tier off, on and eager must
//! produce identical Transcripts, values and errors, with the
//! interpreter's fast loop on and off.
//!
//! Shared by `tests/differential.rs` (a fixed-seed slice) and the fuzz
//! target `fuzz/fuzz_targets/differential.rs` (seeds from the fuzzer).

use super::Rng;
use livetalk::interp::{ProcState, TierMode};
use livetalk::Vm;

/// An expression over the temps `a b` and the instance variable `v`,
/// calling only methods with a smaller index (so programs terminate).
fn expr(r: &mut Rng, me: usize, depth: u32) -> String {
    let atom = |r: &mut Rng| -> String {
        match r.below(9) {
            0 => format!("{}", r.below(20) as i64 - 5),
            1 => "a".into(),
            2 => "b".into(),
            3 => "v".into(),
            4 => "1000000000000000000".into(),
            // Floats: immediate, and one whose products are boxed
            5 => "1.5".into(),
            6 => "-0.25".into(),
            7 => "1.0e38".into(),
            _ => format!("{}", r.below(3)),
        }
    };
    if depth == 0 {
        return atom(r);
    }
    match r.below(8) {
        0 | 1 => format!(
            "({} {} {})",
            expr(r, me, depth - 1),
            r.pick(&["+", "-", "*", "//", "\\\\"]),
            expr(r, me, depth - 1)
        ),
        2 => format!(
            "({} max: {})",
            expr(r, me, depth - 1),
            expr(r, me, depth - 1)
        ),
        3 if me > 0 => {
            let callee = r.below(me as u64);
            format!("(self m{}: {})", callee, expr(r, me, depth - 1))
        }
        4 => format!(
            "(({} < {}) ifTrue: [{}] ifFalse: [{}])",
            expr(r, me, 0),
            expr(r, me, 0),
            expr(r, me, depth - 1),
            expr(r, me, depth - 1)
        ),
        // a leaf sent to self (quickened into the push), or to the value
        // of a send (quickened at the send: `GetterLeaf`, `ConstLeaf`)
        5 => r.pick(&["self leaf", "self yourself leaf"]).into(),
        6 => r.pick(&["self getV", "self yourself getV"]).into(),
        7 if me > 0 => format!("(self rec: ({} \\\\ 14) + 14)", expr(r, me, depth - 1)),
        _ => atom(r),
    }
}

/// A recursive method with a guard clause, deeper than the tier inlines:
/// its deepest sends run the clause in place (`InlinePrefix`).
fn rec(r: &mut Rng) -> String {
    // (atoms over the argument: the method has no `b`)
    let atom = |r: &mut Rng| expr(r, 0, 0).replace('b', "a");
    let (guard, answer, more) = (r.pick(&["<", "<="]), atom(r), atom(r));
    let k = r.below(3);
    // the test as written, or turned around (`2 > a` for `a < 2`)
    let test = if r.below(2) == 0 {
        format!("a {guard} {k}")
    } else {
        format!("{k} {} a", if guard == "<" { ">" } else { ">=" })
    };
    format!("rec: a\n\t{test} ifTrue: [^ {answer}].\n\t^ (self rec: a - 1) + {more}")
}

fn method(r: &mut Rng, i: usize) -> String {
    let mut s = format!("m{}: a\n\t| b |\n", i);
    // a guard clause, which a send too deep to inline runs in place
    // (`InlinePrefix`) when it answers
    if r.below(3) == 0 {
        let (op, k) = (r.pick(&["<", "<=", "=", ">"]), r.below(8) as i64 - 2);
        // (the constant first, too)
        let test = if r.below(2) == 0 {
            format!("a {op} {k}")
        } else {
            format!("{k} {op} a")
        };
        s.push_str(&format!(
            "\t{} {}: [^ {}].\n",
            test,
            r.pick(&["ifTrue", "ifFalse"]),
            expr(r, i, 0)
        ));
    }
    s.push_str(&format!("\tb := {}.\n", expr(r, i, 2)));
    for _ in 0..1 + r.below(3) {
        match r.below(14) {
            // a temp that is nil or not, and its nil test (`ConstNilT`)
            // and a leaf sent to it
            13 => s.push_str(&format!(
                "\t1 to: {} do: [:k | | q | q := k odd ifTrue: [nil] ifFalse: [self]. b := b + (q isNil ifTrue: [k] ifFalse: [q leaf])].\n",
                1 + r.below(6)
            )),
            // blocks inlined with the `do:`-like callee that runs them
            // (block scopes), and one they make for another (not)
            9 => s.push_str(&format!(
                "	b := b + ((#(2 7 1) collect: [:e | e * {}]) detect: [:e | e > {}] ifNone: [b]).
",
                expr(r, i, 1),
                r.below(9)
            )),
            10 => s.push_str(&format!(
                "	#(5 6) keysAndValuesDo: [:k :e | b := b + (k * e) + {}].
",
                expr(r, i, 1)
            )),
            // a longer do: with a block that reads and writes self's
            // variable: `do:` optimized as a method of its own inlines
            // it, reading `self` and `v` through the closure
            11 => s.push_str(&format!(
                "\t(1 to: 30) asArray do: [:e | v := v + (e * {}) \\\\ 1000. b := b + self leaf].\n",
                expr(r, i, 1)
            )),
            // a loop of straight-line statements (a loop kernel), whose
            // value may overflow into a LargeInteger (then made small)
            12 => s.push_str(&format!(
                "\t1 to: {} do: [:k | b := b + k. b := b * {}].\n\tb := b \\\\ 1000.\n",
                r.below(70),
                2 + r.below(3)
            )),
            // real blocks (frames), a non-local return out of one,
            // ensure: and an exception handler: the paths the fast loop
            // hands to the general loop
            5 => s.push_str(&format!(
                "\t#(3 1 4 1 5) do: [:e | b := b + (e * {})].\n",
                expr(r, i, 1)
            )),
            6 => s.push_str(&format!(
                "\t#(1 2 3) do: [:e | e > {} ifTrue: [^ b + e]].\n",
                r.below(4)
            )),
            7 => s.push_str(&format!(
                "\tb := [b + {}] ensure: [Transcript show: 'e'; cr].\n",
                expr(r, i, 1)
            )),
            8 => s.push_str(&format!(
                "\tb := [b // {}] on: ZeroDivide do: [:ex | ex return: -1].\n",
                expr(r, i, 0)
            )),
            0 => s.push_str(&format!(
                "\t1 to: {} do: [:k | b := b + k + {}].\n",
                r.below(12),
                expr(r, i, 1)
            )),
            1 => s.push_str(&format!("\tv := {}.\n", expr(r, i, 1))),
            2 => s.push_str(&format!(
                "\tTranscript show: {} printString; cr.\n",
                expr(r, i, 2)
            )),
            3 => s.push_str(&format!(
                "\t[b > 50] whileTrue: [b := b - {}].\n",
                7 + r.below(5)
            )),
            _ => s.push_str(&format!("\tb := {}.\n", expr(r, i, 2))),
        }
    }
    s.push_str("\t^ b");
    s
}

const CLASS: &str = "Object subclass: #Gen instanceVariableNames: 'v' classVariableNames: '' poolDictionaries: '' category: 'Diff'";

/// Runs one program under one tier mode with the given action schedule.
fn run(
    (tier, fast): (TierMode, bool),
    methods: &[String],
    schedule: &[(u64, Action)],
) -> Vec<String> {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.fast_loop = fast;
    vm.eval(CLASS).expect("class");
    vm.accept("Gen", false, "leaf\n\t^ 3", Some("g"))
        .expect("leaf");
    vm.accept("Gen", false, "getV\n\t^ v", Some("g"))
        .expect("getV");
    vm.accept("Gen", false, "initialize\n\tv := 0", Some("g"))
        .expect("init");
    for m in methods {
        vm.accept("Gen", false, m, Some("g"))
            .expect("generated method compiles");
    }
    let last = methods.len() - 1;
    let pid = vm
        .start(
            &format!(
                "| g | g := Gen new. 1 to: 3 do: [:i | g m{}: i]. g getV",
                last
            ),
            40,
        )
        .expect("start");
    let mut log = Vec::new();
    for (i, (fuel, action)) in schedule.iter().enumerate() {
        vm.run(*fuel);
        log.push(vm.take_transcript());
        // what the host shows of the stopped program: compared across
        // tier modes, and unchanged by materializing its frames
        let view = host_view(&mut vm, pid);
        if i % 2 == 1 {
            vm.materialize_process(pid);
            assert_eq!(
                view,
                host_view(&mut vm, pid),
                "materializing changed the view"
            );
        }
        log.extend(view);
        match action {
            Action::None => {}
            Action::Accept(src) => log.push(format!(
                "accept {:?}",
                vm.accept("Gen", false, src, Some("g")).is_ok()
            )),
            Action::Remove(sel) => {
                log.push(format!("remove {:?}", vm.remove("Gen", false, sel).is_ok()))
            }
            Action::Restart(k) => {
                let depth = vm.inspect_stack(pid).map(|s| s.len()).unwrap_or(0);
                if depth > 0 {
                    log.push(format!(
                        "restart {:?}",
                        vm.restart_frame(pid, (*k as usize) % depth).is_ok()
                    ));
                    let _ = vm.resume(pid);
                }
            }
        }
    }
    // finish: bounded
    for _ in 0..200 {
        if matches!(
            vm.procs[pid].state,
            ProcState::Finished | ProcState::Errored | ProcState::Terminated
        ) {
            break;
        }
        vm.run(100_000);
    }
    log.push(vm.take_transcript());
    let p = &vm.procs[pid];
    let end = match (&p.state, p.result, &p.error) {
        (ProcState::Finished, Some(v), _) => format!("value {}", vm.quick_print(v)),
        (ProcState::Errored, _, Some(e)) => {
            format!("error {} {}", e.class_name, vm.stack_names(pid).join("/"))
        }
        (s, _, _) => format!("state {:?}", s),
    };
    log.push(end);
    // (not part of the comparison: the general loop alone never counts)
    assert_eq!(
        vm.unshaped, 0,
        "the fast loop found frames unlike their code's shape (crate::verify)"
    );
    log
}

/// Everything the host reads of a process's frames: the debugger's
/// stack, the error report's names, the activation counts and the
/// stepping position.
fn host_view(vm: &mut Vm, pid: usize) -> Vec<String> {
    // (its own listing: the fuzz target includes this file alone)
    let mut out: Vec<String> = vm
        .inspect_stack(pid)
        .unwrap_or_default()
        .iter()
        .map(|f| {
            format!(
                "{} v{} pc {} self {} {:?}",
                f.name, f.version, f.pc, f.receiver, f.temps
            )
        })
        .collect();
    out.push(vm.stack_names(pid).join("/"));
    out.push(format!("{:?}", vm.activations()));
    out.push(format!("{:?}", vm.step_position(pid)));
    out
}

#[derive(Clone, Debug)]
enum Action {
    None,
    Accept(String),
    Remove(String),
    Restart(u64),
}

/// One round: a random program and schedule from `r`, run under every
/// tier mode. `Err` describes the first difference.
pub fn check_round(r: &mut Rng) -> Result<(), String> {
    let n = 2 + r.below(4) as usize;
    let mut methods: Vec<String> = (0..n).map(|i| method(r, i)).collect();
    methods.insert(0, rec(r));
    let mut schedule = Vec::new();
    for _ in 0..1 + r.below(6) {
        let fuel = 1 + r.below(3000);
        let action = match r.below(9) {
            0 | 1 => {
                // identical re-accept
                let i = r.below(n as u64) as usize;
                Action::Accept(methods[i].clone())
            }
            2 | 3 => {
                let i = r.below(n as u64) as usize;
                Action::Accept(method(r, i))
            }
            4 => Action::Accept(format!("leaf\n\t^ {}", r.below(9))),
            5 => Action::Remove(r.pick(&["leaf", "getV", "isNil"]).to_string()),
            7 => Action::Accept(format!("isNil\n\t^ {}", r.pick(&["true", "false"]))),
            6 => Action::Restart(r.below(5)),
            _ => Action::None,
        };
        schedule.push((fuel, action));
    }
    // the reference: tier off in the general loop alone
    let off = run((TierMode::Off, false), &methods, &schedule);
    for mode in [
        (TierMode::Off, true),
        (TierMode::On, true),
        (TierMode::Eager, true),
        (TierMode::Eager, false),
    ] {
        let other = run(mode, &methods, &schedule);
        if off != other {
            return Err(format!(
                "tier {:?} (fast loop {}) differs\noff:   {:?}\nother: {:?}\nmethods:\n{}\nschedule: {:?}",
                mode.0,
                mode.1,
                off,
                other,
                methods.join("\n---\n"),
                schedule
            ));
        }
    }
    Ok(())
}
