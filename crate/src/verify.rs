//! The bytecode verifier: the operand stack's shape of a code unit,
//! canonical or optimized, computed once when the code is made, so that
//! the interpreter's fast loop (`interp::fast`) checks nothing per
//! instruction.
//!
//! For each pc it computes the *height*: how many values lie above the
//! frame's temp 0 (its temps, then its operands) before the instruction
//! runs. Heights are a dataflow fact (every path into a pc must agree,
//! as the JVM's and wasm's verifiers demand), and with them:
//! - every temp an instruction reads or writes is below the top;
//! - every pop has that many values above temp 0;
//! - the stack never grows past [`Shape::max`];
//! - every jump lands on an instruction, and no path runs off the end;
//! - literal and block indices are in range.
//!
//! The fast loop runs a frame only while `sp - temp0 == heights[pc]`
//! and `max` values fit in the stack's buffer. It checks that when it
//! takes a frame (at entry, after a send or return, after anything the
//! general loop did), and then runs the frame's straight-line code
//! without a check per instruction. Code that does not verify (none that
//! the compiler or the tier produces: a test and a debug assertion say
//! so) keeps an empty shape, and only the general loop, which checks
//! everything with `Vec` operations, runs it.
//!
//! Optimized code is verified with the effects each fused instruction
//! has when its guard holds, *and* with the effects of the canonical
//! instruction at its pc, which is what runs when the guard fails. The
//! tier's in-place rewrites (a send site's states, a quickened leaf)
//! keep every height, so they need no new verification.

use crate::bytecode::{Op, Shape, DEAD};
use crate::object::Code;
use crate::tier::code::{OptCode, Stmt};

/// What a unit gives the verifier besides its instructions.
struct Unit<'a> {
    /// The height at pc 0: the frame's temps (arguments, copied values,
    /// temporaries), which a call puts on the stack.
    entry: usize,
    literals: usize,
    blocks: usize,
    /// The canonical instructions (for optimized code).
    canon: &'a [Op],
    opt: Option<&'a OptCode>,
}

/// The shape of a canonical code unit.
pub fn verify_code(code: &Code) -> Result<Shape, String> {
    verify_ops(
        &code.ops,
        code.num_temps as usize,
        code.literals.len(),
        code.blocks.len(),
    )
}

/// The shape of canonical instructions `ops`, for a frame with `temps`
/// temps, `literals` literals and `blocks` nested blocks; an error names
/// the first pc found wrong.
pub fn verify_ops(
    ops: &[Op],
    temps: usize,
    literals: usize,
    blocks: usize,
) -> Result<Shape, String> {
    let u = Unit {
        entry: temps,
        literals,
        blocks,
        canon: ops,
        opt: None,
    };
    analyze(ops.len(), |pc| ops[pc], &u, None)
}

/// The shape of optimized code made from `code`.
pub fn verify_opt(opt: &OptCode, code: &Code) -> Result<Shape, String> {
    let u = Unit {
        entry: code.num_temps as usize,
        literals: code.literals.len(),
        blocks: code.blocks.len(),
        canon: &code.ops,
        opt: Some(opt),
    };
    analyze(opt.ops.len(), |pc| opt.ops[pc].get(), &u, None)
}

/// The shape of optimized code that extends code whose shape was `prev`:
/// the instructions below `prev`'s length are the same except those at
/// `changed`, and the new ones are appended (an inlined body, see
/// `tier::specialize::with_scope`). Only what the changed instructions
/// reach is analyzed again, so inlining n callees one at a time costs
/// the sum of their bodies, not n times the whole code. The heights are
/// [`verify_opt`]'s wherever a path reaches (a debug assertion checks
/// it); a body no path reaches any more keeps its old ones.
pub fn verify_opt_extended(
    opt: &OptCode,
    code: &Code,
    prev: &Shape,
    changed: &[usize],
) -> Result<Shape, String> {
    let u = Unit {
        entry: code.num_temps as usize,
        literals: code.literals.len(),
        blocks: code.blocks.len(),
        canon: &code.ops,
        opt: Some(opt),
    };
    let len = opt.ops.len();
    if prev.heights.is_empty() || prev.heights.len() > len {
        return verify_opt(opt, code);
    }
    let shape = analyze(len, |pc| opt.ops[pc].get(), &u, Some((prev, changed)));
    #[cfg(debug_assertions)]
    {
        let agree = match (&shape, verify_opt(opt, code)) {
            (Ok(inc), Ok(full)) => {
                inc.heights.len() == full.heights.len()
                    && inc.max >= full.max
                    && (inc.heights.iter().zip(full.heights.iter()))
                        .all(|(&a, &b)| b == DEAD || a == b)
            }
            (inc, full) => inc.is_err() && full.is_err(),
        };
        debug_assert!(agree, "incremental verification of {}", code.print_name());
    }
    shape
}

/// The dataflow over `len` instructions from pc 0; or, given a previous
/// shape and the pcs whose instructions changed, from those pcs only,
/// keeping every other height of the previous shape.
fn analyze(
    len: usize,
    op_at: impl Fn(usize) -> Op,
    u: &Unit,
    from: Option<(&Shape, &[usize])>,
) -> Result<Shape, String> {
    if len == 0 {
        return Err("no instructions".into());
    }
    let entry = u16::try_from(u.entry)
        .ok()
        .filter(|&h| h != DEAD)
        .ok_or("too many temps")?;
    let (mut heights, mut work, mut max) = match from {
        None => {
            let mut heights = vec![DEAD; len];
            heights[0] = entry;
            (heights, vec![0usize], entry)
        }
        Some((prev, changed)) => {
            if prev.entry != entry {
                return Err("the entry height changed".into());
            }
            let mut heights = prev.heights.to_vec();
            heights.resize(len, DEAD);
            let work = changed
                .iter()
                .copied()
                .filter(|&pc| heights.get(pc).is_some_and(|&h| h != DEAD))
                .collect();
            (heights, work, prev.max)
        }
    };
    let mut out = Vec::with_capacity(4);
    while let Some(pc) = work.pop() {
        let h = heights[pc] as usize;
        out.clear();
        if u.opt.is_none() && op_at(pc).is_optimized() {
            // (its failure path is the canonical instruction it replaced)
            return Err(format!("pc {pc}: {:?} in canonical code", op_at(pc)));
        }
        edges(pc, op_at(pc), h, u, &mut out)?;
        // a fused instruction whose guard fails runs the first canonical
        // instruction of what it replaced (`Op::unfused`), which in the
        // canonical code's pc space is the one at its pc; a send site's
        // failure is the canonical send there
        let op = op_at(pc);
        if let Some(first) = op.unfused() {
            if pc < u.canon.len() && u.canon[pc] != first {
                return Err(format!(
                    "pc {pc}: {op:?} does not replace {:?}",
                    u.canon[pc]
                ));
            }
            edges(pc, first, h, u, &mut out)?;
        } else if pc < u.canon.len() && u.opt.is_some() && op.is_optimized() {
            edges(pc, u.canon[pc], h, u, &mut out)?;
        }
        for &(t, nh) in &out {
            if t >= len {
                return Err(format!("pc {pc}: a path leaves the code (to {t})"));
            }
            let nh = u16::try_from(nh)
                .ok()
                .filter(|&x| x != DEAD)
                .ok_or_else(|| format!("pc {pc}: stack too deep"))?;
            match heights[t] {
                DEAD => {
                    heights[t] = nh;
                    max = max.max(nh);
                    work.push(t);
                }
                old if old != nh => {
                    return Err(format!(
                        "pc {t}: stack height {old} on one path, {nh} from pc {pc}"
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(Shape {
        heights: heights.into_boxed_slice(),
        entry,
        max,
    })
}

/// The successors of the instruction `op` at `pc`, entered with height
/// `h`, with their heights; an error if it needs what is not there.
fn edges(
    pc: usize,
    op: Op,
    h: usize,
    u: &Unit,
    out: &mut Vec<(usize, usize)>,
) -> Result<(), String> {
    let need = |n: usize| -> Result<(), String> {
        if h >= n {
            Ok(())
        } else {
            Err(format!("pc {pc}: {op:?} needs {n} values, has {h}"))
        }
    };
    let temp = |i: u16| -> Result<(), String> {
        if (i as usize) < h {
            Ok(())
        } else {
            Err(format!("pc {pc}: {op:?} reads temp {i}, height {h}"))
        }
    };
    let lit = |i: u16| -> Result<(), String> {
        if (i as usize) < u.literals {
            Ok(())
        } else {
            Err(format!("pc {pc}: literal {i} of {}", u.literals))
        }
    };
    let to = |d: i64| -> Result<usize, String> {
        usize::try_from(pc as i64 + 1 + d).map_err(|_| format!("pc {pc}: jump before the start"))
    };
    // scope `i` of the optimized code, for an instruction of inlined code
    let scope_of = |i: u16| -> Result<&crate::tier::code::InlineScope, String> {
        let o = u
            .opt
            .ok_or_else(|| format!("pc {pc}: {op:?} outside optimized code"))?;
        o.scopes
            .get(i as usize)
            .ok_or_else(|| format!("pc {pc}: no scope {i}"))
    };
    let site_argc = |site: u16| -> Result<usize, String> {
        u.opt
            .and_then(|o| o.sites.get(site as usize))
            .map(|s| s.borrow().argc as usize)
            .ok_or_else(|| format!("pc {pc}: no site {site}"))
    };
    let next = pc + 1;
    match op {
        Op::PushSelf
        | Op::PushNil
        | Op::PushTrue
        | Op::PushFalse
        | Op::PushInt(_)
        | Op::PushThisContext
        | Op::PushInstVar(_) => out.push((next, h + 1)),
        Op::PushLit(i) | Op::PushGlobal(i) => {
            lit(i)?;
            out.push((next, h + 1));
        }
        Op::StoreGlobal(i) => {
            lit(i)?;
            need(1)?;
            out.push((next, h));
        }
        Op::PushTemp(i) => {
            temp(i)?;
            out.push((next, h + 1));
        }
        Op::StoreTemp(i) => {
            need(1)?;
            temp(i)?;
            out.push((next, h));
        }
        Op::PopTemp(i) => {
            // the temp must be below the value popped
            need(1)?;
            if i as usize + 1 >= h {
                return Err(format!("pc {pc}: PopTemp({i}) at height {h}"));
            }
            out.push((next, h - 1));
        }
        Op::PushRemote { vec: t, .. } | Op::PushOuterSelf(t) | Op::PushOuterVar { t, .. } => {
            temp(t)?;
            out.push((next, h + 1));
        }
        Op::StoreOuterVar { t, .. } => {
            need(1)?;
            temp(t)?;
            out.push((next, h));
        }
        // a loop run an iteration at a time: it stops at its test, at a
        // statement of its body, or at its exit, all at this height (its
        // failure path, the test's first instruction, is `unfused`)
        Op::Loop { kernel, a } => {
            let k = u
                .opt
                .and_then(|o| o.kernels.get(kernel as usize))
                .ok_or_else(|| format!("pc {pc}: no kernel {kernel}"))?;
            if k.a != a {
                return Err(format!("pc {pc}: kernel {kernel} tests t{}", k.a));
            }
            temp(a)?;
            if let Some(b) = k.b {
                temp(b)?;
            }
            for &(off, stmt, _) in &k.body {
                match stmt {
                    Stmt::AtPut { a, b, .. } => {
                        temp(a)?;
                        temp(b)?;
                    }
                    Stmt::SetTT { c, a, b, .. } => {
                        temp(c)?;
                        temp(a)?;
                        temp(b)?;
                    }
                    Stmt::SetTI { c, a, .. } => {
                        temp(c)?;
                        temp(a)?;
                    }
                    Stmt::IfAt { a, b, to } => {
                        temp(a)?;
                        temp(b)?;
                        out.push((pc + to, h));
                    }
                    // an earlier kernel, with no inner loop of its own:
                    // kernels nest one deep
                    Stmt::Inner { kernel: i } => {
                        let inner = u
                            .opt
                            .and_then(|o| o.kernels.get(i as usize))
                            .filter(|_| i < kernel)
                            .ok_or_else(|| format!("pc {pc}: kernel {kernel} runs kernel {i}"))?;
                        if inner.nests() {
                            return Err(format!("pc {pc}: kernel {i} nests too deep"));
                        }
                    }
                }
                out.push((pc + off, h));
            }
            out.push((pc + k.exit, h));
            out.push((pc + k.back, h));
            out.push((pc, h));
        }
        Op::StoreRemote { vec, .. } => {
            need(1)?;
            temp(vec)?;
            out.push((next, h));
        }
        Op::StoreInstVar(_) | Op::Class => {
            need(1)?;
            out.push((next, h));
        }
        Op::Pop => {
            need(1)?;
            out.push((next, h - 1));
        }
        Op::Dup => {
            need(1)?;
            out.push((next, h + 1));
        }
        Op::MakeArray { size, .. } => {
            let size = size as usize;
            need(size)?;
            out.push((next, h - size + 1));
        }
        Op::Send { sel, argc } | Op::SuperSend { sel, argc } => {
            lit(sel)?;
            need(argc as usize + 1)?;
            out.push((next, h - argc as usize));
        }
        Op::Arith(_) | Op::IdentityEq | Op::At => {
            need(2)?;
            out.push((next, h - 1));
        }
        Op::AtPut => {
            need(3)?;
            out.push((next, h - 2));
        }
        Op::Jump(d) => out.push((to(d as i64)?, h)),
        Op::JumpIfTrue(d) | Op::JumpIfFalse(d) | Op::JumpIfNil(d) | Op::JumpIfNotNil(d) => {
            need(1)?;
            out.push((next, h - 1));
            out.push((to(d as i64)?, h - 1));
        }
        Op::ReturnTop | Op::NonLocalReturn => need(1)?,
        Op::ReturnSelf => {}
        Op::MakeClosure { block, copied } => {
            if block as usize >= u.blocks {
                return Err(format!("pc {pc}: block {block} of {}", u.blocks));
            }
            need(copied as usize)?;
            out.push((next, h - copied as usize + 1));
        }
        // ----- optimized instructions: the effect when the guard holds
        // (the canonical instruction's is added by `analyze`) -----
        Op::ArithTT { a, b, .. } => {
            temp(a)?;
            temp(b)?;
            out.push((pc + 3, h + 1));
        }
        Op::ArithTI { a, .. } => {
            temp(a)?;
            out.push((pc + 3, h + 1));
        }
        Op::ArithSI { .. } => out.push((pc + 3, h + 1)),
        Op::BranchTT { a, b, d, .. } | Op::BranchAtTT { a, b, d } => {
            temp(a)?;
            temp(b)?;
            out.push((pc + 4, h));
            out.push((to(3 + d as i64)?, h));
        }
        Op::BranchTI { a, d, .. } => {
            temp(a)?;
            out.push((pc + 4, h));
            out.push((to(3 + d as i64)?, h));
        }
        Op::BranchSI { d, .. } => {
            out.push((pc + 4, h));
            out.push((to(3 + d as i64)?, h));
        }
        Op::IncTemp { a, .. } => {
            temp(a)?;
            out.push((pc + 4, h));
        }
        Op::SetTT { c, a, b, .. } => {
            temp(c)?;
            temp(a)?;
            temp(b)?;
            out.push((pc + 4, h));
        }
        Op::SetTI { c, a, .. } => {
            temp(c)?;
            temp(a)?;
            out.push((pc + 4, h));
        }
        Op::PushTT { a, b } => {
            temp(a)?;
            temp(b)?;
            out.push((pc + 2, h + 2));
        }
        Op::AtPutPop => {
            need(3)?;
            out.push((pc + 2, h - 3));
        }
        Op::AtPutTTK { a, b, .. } => {
            temp(a)?;
            temp(b)?;
            out.push((pc + 5, h));
        }
        // the jump, then the test at its target in the same dispatch:
        // into the body, or to the test's JumpIfFalse with false pushed
        Op::JumpBranchTT { a, b, d, .. } => {
            temp(a)?;
            temp(b)?;
            let t = to(d as i64)?;
            out.extend([(t, h), (t + 3, h + 1), (t + 4, h)]);
        }
        Op::JumpBranchTI { a, d, .. } => {
            temp(a)?;
            let t = to(d as i64)?;
            out.extend([(t, h), (t + 3, h + 1), (t + 4, h)]);
        }
        Op::SendAdaptive { site }
        | Op::SendCached { site }
        | Op::SendLeaves { site }
        | Op::SendMega { site }
        | Op::InlinePrefix { site }
        | Op::InlineLeaf { site }
        | Op::SetterLeaf { site, .. } => {
            let argc = site_argc(site)?;
            need(argc + 1)?;
            out.push((next, h - argc));
        }
        // (their value replaces the receiver: unary sites only)
        Op::GetterLeaf { site, .. } | Op::ConstLeaf { site, .. } => {
            let argc = site_argc(site)?;
            if argc != 0 {
                return Err(format!(
                    "pc {pc}: a quickened leaf at a site with {argc} arguments"
                ));
            }
            need(argc + 1)?;
            out.push((next, h - argc));
        }
        Op::GetterS { .. } | Op::ConstS { .. } => out.push((pc + 2, h + 1)),
        Op::ConstG { lit: i, .. } => {
            lit(i)?;
            out.push((pc + 2, h + 1));
        }
        Op::GetterT { t, .. } | Op::ConstT { t, .. } | Op::ConstNilT { t, .. } => {
            temp(t as u16)?;
            out.push((pc + 2, h + 1));
        }
        Op::InlineEnter {
            scope,
            argc,
            int_body,
        } => {
            let o = u
                .opt
                .ok_or_else(|| format!("pc {pc}: InlineEnter outside optimized code"))?;
            let first = scope_of(scope)?;
            if argc != first.argc {
                return Err(format!("pc {pc}: InlineEnter's argc is not its scope's"));
            }
            let argc = argc as usize;
            need(argc + 1)?;
            // the tag-guard shortcut enters the first scope, which has
            // nothing to push
            if int_body != 0
                && (first.block
                    || !first.tag_guard
                    || first.code.num_temps as usize > argc
                    || next as i64 + int_body as i64 != first.start as i64)
            {
                return Err(format!(
                    "pc {pc}: InlineEnter's shortcut does not fit scope {scope}"
                ));
            }
            // past the first scope's guard clause's test (`Guard::on`),
            // which leaves the height as it found it
            if let (true, Some(g)) = (int_body != 0, first.guard) {
                let past = first.start + g.on as usize;
                if past >= first.end {
                    return Err(format!(
                        "pc {pc}: scope {scope}'s guard goes on past its end"
                    ));
                }
                out.push((past, h));
            }
            // the inline-cached send
            out.push((next, h - argc));
            // each scope's body, with the callee's temps above its
            // arguments (see `fast::inline_enter`)
            for (_, s) in o.scope_chain(scope as usize) {
                let off = s.off as usize;
                if s.argc as usize != argc || off + argc != h || off == 0 || s.ret as usize != next
                {
                    return Err(format!("pc {pc}: scope {scope} does not fit its send"));
                }
                let temps = (s.code.num_temps as usize).max(argc);
                out.push((s.start, off + temps));
            }
        }
        Op::PushScopeLit { scope, k, .. } => {
            let s = scope_of(scope)?;
            if k as usize >= s.code.literals.len() {
                return Err(format!("pc {pc}: literal {k} of scope {scope}"));
            }
            out.push((next, h + 1));
        }
        Op::InlineReturn { off, top, d } => {
            let off = off as usize;
            if off == 0 {
                return Err(format!("pc {pc}: InlineReturn with no receiver"));
            }
            need(off + top as usize)?;
            out.push((to(d as i64)?, off));
        }
    }
    Ok(())
}
