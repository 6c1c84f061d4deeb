//! The specializer: canonical bytecode to optimized code of the same
//! length. Patterns were chosen from instruction traces of the benchmarks
//! and the golden suite (loop counters, compare-and-branch on temps,
//! temp/constant arithmetic and assignment, pairs of temp pushes,
//! `at:put:` statements, sends).

use super::code::{InlineScope, Kernel, OptCode, Site, Stmt};
use crate::bytecode::{small_const, small_const_of, Arith, Op};
use crate::object::{Code, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

fn is_compare(a: Arith) -> bool {
    matches!(
        a,
        Arith::Lt | Arith::Gt | Arith::Le | Arith::Ge | Arith::Eq | Arith::Ne
    )
}

/// Builds optimized code for `code`.
pub fn specialize(code: &Rc<Code>) -> OptCode {
    let mut sites = Vec::new();
    let mut kernels = Vec::new();
    let ops = fuse(&code.ops, &code.literals, &mut sites, &mut kernels, None);
    verified(
        OptCode {
            ops: ops.into_iter().map(Cell::new).collect(),
            canon_len: code.ops.len(),
            scopes: Vec::new(),
            deps: RefCell::new(Vec::new()),
            sites,
            kernels,
            valid: Cell::new(true),
            inlined: RefCell::new(Vec::new()),
            code: Rc::downgrade(code),
            shape: Default::default(),
        },
        code,
    )
}

/// `opt` with its shape (`crate::verify`): code that does not verify
/// (a bug in the tier: a debug assertion) runs only in the general loop.
fn verified(mut opt: OptCode, code: &Code) -> OptCode {
    opt.shape = crate::verify::verify_opt(&opt, code).unwrap_or_else(|e| {
        debug_assert!(false, "optimized {}: {e}", code.print_name());
        Default::default()
    });
    opt
}

/// A copy of `old` (its instructions and sites as they are now) with
/// `scope`'s body appended: `body` is its canonical form (see
/// `super::inline_body`), specialized here like any code, its sends
/// reading `callee`'s literals. The send at pc `at` becomes the
/// `InlineEnter`, or, for another class at a send that has one, scope
/// `link` (the last tried there) links to it; `scope.start`/`end` are
/// filled in.
pub fn with_scope(
    old: &OptCode,
    at: usize,
    mut scope: InlineScope,
    body: Vec<Op>,
    callee: &Code,
    link: Option<usize>,
) -> OptCode {
    let mut sites: Vec<RefCell<Site>> = old
        .sites
        .iter()
        .map(|s| RefCell::new(s.borrow().clone()))
        .collect();
    let mut ops: Vec<Op> = old.ops.iter().map(Cell::get).collect();
    let mut canon_len = old.canon_len;
    if old.scopes.is_empty() {
        // Falling off the canonical code's end (a jump to its length, or
        // running past its last instruction) returns self; with bodies
        // appended, that pc needs the instruction (charged alike).
        ops.push(Op::ReturnSelf);
        canon_len += 1;
    }
    scope.start = ops.len();
    scope.end = ops.len() + body.len();
    let me = scope.off.checked_sub(1);
    let mut kernels = old.kernels.clone();
    let index = old.scopes.len() as u16;
    ops.extend(fuse(&body, &callee.literals, &mut sites, &mut kernels, me));
    for (pc, op) in ops.iter_mut().enumerate().skip(scope.start) {
        match *op {
            // the returns jump back to the caller, after its send
            Op::InlineReturn { ref mut d, .. } => *d = (scope.ret as i64 - pc as i64 - 1) as i16,
            // the callee's literals and globals, which the caller's frame
            // reads from the scope
            Op::PushLit(k) | Op::PushGlobal(k) => {
                let global = matches!(*op, Op::PushGlobal(_));
                *op = Op::PushScopeLit {
                    scope: index,
                    k,
                    global,
                };
            }
            _ => {}
        }
    }
    let mut scopes = old.scopes.clone();
    match link.and_then(|l| scopes.get_mut(l)) {
        // another receiver class at a send that has a scope: the last
        // scope tried there tries this one next
        Some(prev) => prev.next = Some(index),
        None => {
            // a SmallInteger method scope with nothing to push is
            // entered on the receiver's tag alone
            let plain = scope.tag_guard && !scope.block && callee.num_temps <= scope.argc as u16;
            let int_body = match plain {
                true => i16::try_from(scope.start as i64 - at as i64 - 1).unwrap_or(0),
                false => 0,
            };
            if let Some(op) = ops.get_mut(at) {
                *op = Op::InlineEnter {
                    scope: index,
                    argc: scope.argc,
                    int_body,
                };
            }
        }
    }
    scopes.push(scope);
    let caller = old.code.upgrade();
    let opt = OptCode {
        ops: ops.into_iter().map(Cell::new).collect(),
        canon_len,
        scopes,
        // (recorded again by the caller, `Vm::inline_scope`, for the copy)
        deps: RefCell::new(Vec::new()),
        sites,
        kernels,
        valid: Cell::new(true),
        inlined: RefCell::new(old.inlined.borrow().clone()),
        code: old.code.clone(),
        shape: Default::default(),
    };
    match caller {
        // only the send made an InlineEnter (or whose chain grew) and
        // what it reaches are new to the verifier
        Some(c) if !old.scopes.is_empty() => {
            let mut opt = opt;
            opt.shape = crate::verify::verify_opt_extended(&opt, &c, &old.shape, &[at])
                .unwrap_or_else(|e| {
                    debug_assert!(false, "optimized {}: {e}", c.print_name());
                    Default::default()
                });
            opt
        }
        Some(c) => verified(opt, &c),
        // (its code is gone: so are its frames)
        None => opt,
    }
}

/// The specialized form of one stretch of code (a method, or an inlined
/// callee's body: jumps stay inside it), with a site per send, whose
/// selector is in `literals`. In a body, `me` is the temp that is the
/// callee's `self`.
fn fuse(
    ops: &[Op],
    literals: &[Value],
    sites: &mut Vec<RefCell<Site>>,
    kernels: &mut Vec<Kernel>,
    me: Option<u16>,
) -> Vec<Op> {
    let mut out: Vec<Op> = ops.to_vec();
    for (i, slot) in out.iter_mut().enumerate() {
        let w = |k: usize| ops.get(i + k).copied();
        // `a at: b put: k` statements (five instructions)
        if let (
            Some(Op::PushTemp(a)),
            Some(Op::PushTemp(b)),
            Some(k),
            Some(Op::AtPut),
            Some(Op::Pop),
        ) = (w(0), w(1), w(2).and_then(small_const_of), w(3), w(4))
        {
            *slot = Op::AtPutTTK {
                a,
                b,
                kind: k.0,
                imm: k.1,
            };
            continue;
        }
        let fused = match (w(0), w(1), w(2), w(3)) {
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushTemp(b)),
                Some(Op::Arith(op)),
                Some(Op::JumpIfFalse(d)),
            ) if is_compare(op) && i16::try_from(d).is_ok() => Some(Op::BranchTT {
                a,
                b,
                op,
                d: d as i16,
            }),
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushInt(imm)),
                Some(Op::Arith(op)),
                Some(Op::JumpIfFalse(d)),
            ) if is_compare(op) && i16::try_from(d).is_ok() && i16::try_from(imm).is_ok() => {
                Some(Op::BranchTI {
                    a,
                    imm: imm as i16,
                    op,
                    d: d as i16,
                })
            }
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushInt(imm)),
                Some(Op::Arith(Arith::Add)),
                Some(Op::PopTemp(c)),
            ) if a == c && i16::try_from(imm).is_ok() => Some(Op::IncTemp { a, imm: imm as i16 }),
            (
                Some(Op::PushSelf),
                Some(Op::PushInt(imm)),
                Some(Op::Arith(op)),
                Some(Op::JumpIfFalse(d)),
            ) if is_compare(op) && i16::try_from(d).is_ok() && i16::try_from(imm).is_ok() => {
                Some(Op::BranchSI {
                    imm: imm as i16,
                    op,
                    d: d as i16,
                })
            }
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushTemp(b)),
                Some(Op::Arith(op)),
                Some(Op::PopTemp(c)),
            ) => Some(Op::SetTT { c, a, b, op }),
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushInt(imm)),
                Some(Op::Arith(op)),
                Some(Op::PopTemp(c)),
            ) if i16::try_from(imm).is_ok() => Some(Op::SetTI {
                c,
                a,
                imm: imm as i16,
                op,
            }),
            (Some(Op::PushTemp(a)), Some(Op::PushTemp(b)), Some(Op::Arith(op)), _) => {
                Some(Op::ArithTT { a, b, op })
            }
            (Some(Op::PushSelf), Some(Op::PushInt(imm)), Some(Op::Arith(op)), _)
                if i16::try_from(imm).is_ok() =>
            {
                Some(Op::ArithSI {
                    imm: imm as i16,
                    op,
                })
            }
            (Some(Op::PushTemp(a)), Some(Op::PushInt(imm)), Some(Op::Arith(op)), _)
                if i16::try_from(imm).is_ok() =>
            {
                Some(Op::ArithTI {
                    a,
                    imm: imm as i16,
                    op,
                })
            }
            (
                Some(Op::PushTemp(a)),
                Some(Op::PushTemp(b)),
                Some(Op::At),
                Some(Op::JumpIfFalse(d)),
            ) if i16::try_from(d).is_ok() => Some(Op::BranchAtTT { a, b, d: d as i16 }),
            // (not when the second push is an inlined callee's `self`
            // receiving a unary send, `self count`: that pair may be
            // quickened into one getter, `GetterT`, as `PushSelf` and the
            // send are in the callee's own code)
            (Some(Op::PushTemp(a)), Some(Op::PushTemp(b)), w2, _)
                if !(Some(b) == me && matches!(w2, Some(Op::Send { argc: 0, .. }))) =>
            {
                Some(Op::PushTT { a, b })
            }
            (Some(Op::AtPut), Some(Op::Pop), _, _) => Some(Op::AtPutPop),
            (Some(Op::Send { sel, argc }), _, _, _) if sites.len() < u16::MAX as usize => {
                sites.push(RefCell::new(Site {
                    sel: literals.get(sel as usize).copied().unwrap_or(Value::NIL),
                    argc,
                    epoch: 0,
                    entries: Vec::new(),
                    leaf: None,
                    failures: 0,
                }));
                Some(Op::SendAdaptive {
                    site: (sites.len() - 1) as u16,
                })
            }
            _ => None,
        };
        if let Some(f) = fused {
            *slot = f;
        }
    }
    // Loop back-edges whose target is a fused loop test run the test too
    // (the loop is rotated: one dispatch per iteration fewer).
    for i in 0..out.len() {
        if let Op::Jump(d) = out[i] {
            let target = (i as i64 + 1 + d as i64) as usize;
            let rotated = match (i16::try_from(d), out.get(target)) {
                (Ok(d), Some(&Op::BranchTT { a, b, op, .. })) if d < 0 => {
                    Some(Op::JumpBranchTT { a, b, op, d })
                }
                (Ok(d), Some(&Op::BranchTI { a, imm, op, .. })) if d < 0 => {
                    Some(Op::JumpBranchTI { a, imm, op, d })
                }
                _ => None,
            };
            if let Some(r) = rotated {
                out[i] = r;
            }
        }
    }
    // Rotated loops whose body is statements a kernel runs (see
    // `kernel`): their test runs whole iterations (`Op::Loop`), and their back-edge goes back
    // to it again (a plain jump), so that an iteration the kernel left
    // (its fuel ran out, a guard failed) is followed by the kernel again,
    // not by the rest of the loop in the interpreter.
    for back in 0..out.len() {
        if let Some((test, k)) = kernel(&out, back, kernels) {
            if let (
                Ok(index),
                Op::BranchTT { a, .. } | Op::BranchTI { a, .. },
                Op::JumpBranchTT { d, .. } | Op::JumpBranchTI { d, .. },
            ) = (u16::try_from(kernels.len()), out[test], out[back])
            {
                kernels.push(k);
                out[test] = Op::Loop { kernel: index, a };
                out[back] = Op::Jump(d as i32);
            }
        }
    }
    out
}

/// The loop whose back-edge (`JumpBranchTT/TI`) is at `back`, if its body
/// is statements a kernel runs (straight-line ones, `(a at: i) ifTrue:`
/// over them, and loops already made kernels, in `kernels`): its test's
/// pc and kernel.
fn kernel(out: &[Op], back: usize, kernels: &[Kernel]) -> Option<(usize, Kernel)> {
    let (d, a, b, imm, op) = match out[back] {
        Op::JumpBranchTT { a, b, op, d } => (d, a, Some(b), 0, op),
        Op::JumpBranchTI { a, imm, op, d } => (d, a, None, imm, op),
        _ => return None,
    };
    let test = usize::try_from(back as i64 + 1 + d as i64).ok()?;
    // the test the back-edge runs, and where it exits to
    let exit = match out.get(test)? {
        Op::BranchTT {
            a: a2,
            b: b2,
            op: op2,
            d,
        } if Some(*b2) == b && (*a2, *op2) == (a, op) => d,
        Op::BranchTI {
            a: a2,
            imm: i2,
            op: op2,
            d,
        } if b.is_none() && (*a2, *i2, *op2) == (a, imm, op) => d,
        _ => return None,
    };
    let exit = usize::try_from(4 + *exit as i64).ok()?;
    // the body, as the fast loop walks it: each statement, then the next
    let mut body = Vec::new();
    let mut pc = test + 4;
    while pc < back {
        let (stmt, n) = match out[pc] {
            Op::AtPutTTK { a, b, kind, imm } => (
                Stmt::AtPut {
                    a,
                    b,
                    v: small_const(kind, imm),
                },
                5,
            ),
            Op::SetTT { c, a, b, op } => (Stmt::SetTT { c, a, b, op }, 4),
            Op::BranchAtTT { a, b, d } => {
                let to = usize::try_from((pc + 4) as i64 + d as i64).ok()?;
                let to = to.checked_sub(test)?;
                (Stmt::IfAt { a, b, to }, 4)
            }
            Op::Loop { kernel, .. } => {
                // (its instructions are counted as they run: none here)
                let inner = kernels.get(kernel as usize)?;
                body.push((pc - test, Stmt::Inner { kernel }, 0));
                pc += inner.exit;
                continue;
            }
            Op::SetTI { c, a, imm, op } => (Stmt::SetTI { c, a, imm, op }, 4),
            Op::IncTemp { a, imm } => (
                Stmt::SetTI {
                    c: a,
                    a,
                    imm,
                    op: Arith::Add,
                },
                4,
            ),
            _ => return None,
        };
        body.push((pc - test, stmt, n));
        pc += n as usize;
    }
    if pc != back {
        return None;
    }
    let k = Kernel::new((a, b, imm, op), exit, back - test, body, kernels)?;
    Some((test, k))
}
