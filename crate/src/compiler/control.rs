//! Blocks and Squeak's inlined control selectors (`ifTrue:`, `and:`,
//! `whileTrue:`, `to:do:`, `timesRepeat:`, ...): literal block arguments
//! compiled in line as jumps, other blocks as closures.

use super::codegen::Gen;
use super::scope::{DeclKey, Free};
use crate::bytecode::{Arith, Op};
use crate::syntax::ast::*;

impl Gen<'_> {
    /// Statements of a block whose value is left on the stack (inlined or
    /// real; real blocks add the return), or, with `effect`, of an inlined
    /// block whose value is not used: nothing is left.
    pub(super) fn block_stmts(&mut self, body: &[Stmt], span: Span, effect: bool) {
        if body.is_empty() {
            if !effect {
                self.emit(Op::PushNil, span);
            }
            return;
        }
        let n = body.len();
        for (i, s) in body.iter().enumerate() {
            match s {
                Stmt::Return(e, sp) => {
                    self.expr(e);
                    let op = if self.in_real_block() {
                        Op::NonLocalReturn
                    } else {
                        Op::ReturnTop
                    };
                    self.emit(op, *sp);
                    if i + 1 == n && !effect {
                        // keep the stack shape for the code after it
                        self.emit(Op::PushNil, *sp);
                    }
                }
                Stmt::Expr(e) if i + 1 < n || effect => self.effect(e),
                Stmt::Expr(e) => self.expr(e),
            }
        }
    }

    /// Compiles an inlined literal block in place; its value stays on the
    /// stack. `param_from_stack`: the block's single parameter is popped
    /// from the stack first (ifNotNil: [:x | ...]).
    pub(super) fn inline_block(&mut self, e: &Expr, param_from_stack: bool) {
        self.inline_block_as(e, param_from_stack, false)
    }

    /// [`Gen::inline_block`], or with `effect`, for its effect only.
    pub(super) fn inline_block_as(&mut self, e: &Expr, param_from_stack: bool, effect: bool) {
        let b = match e {
            Expr::Block(b) => b,
            other => {
                // not a block (shouldn't happen: callers check)
                if effect {
                    self.effect(other);
                } else {
                    self.expr(other);
                }
                return;
            }
        };
        let level: Vec<(String, DeclKey)> = b
            .params
            .iter()
            .chain(b.temps.iter())
            .map(|i| (i.name.clone(), i.span.start))
            .collect();
        self.unit().levels.push(level);
        if param_from_stack {
            if let Some(p) = b.params.first() {
                self.store_decl(p.span.start, p.span);
                self.emit(Op::Pop, p.span);
            } else {
                self.emit(Op::Pop, b.span);
            }
        }
        // Squeak re-nils inlined block temps on each entry
        for t in &b.temps {
            self.emit(Op::PushNil, t.span);
            self.store_decl(t.span.start, t.span);
            self.emit(Op::Pop, t.span);
        }
        self.block_stmts(&b.body, b.span, effect);
        self.unit().levels.pop();
    }

    pub(super) fn real_block(&mut self, b: &Block) {
        let key = b.span.start;
        self.begin_unit(key, &b.params, true, b.span);
        let level: Vec<(String, DeclKey)> = b
            .params
            .iter()
            .chain(b.temps.iter())
            .map(|i| (i.name.clone(), i.span.start))
            .collect();
        self.unit().levels.push(level);
        self.block_stmts(&b.body, b.span, false);
        let end = Span::new(b.span.end as usize, b.span.end as usize);
        self.emit(Op::ReturnTop, end);
        let code = self.end_unit();
        // push the copied values in the parent, then make the closure
        let free = self.a.free.get(&key).cloned().unwrap_or_default();
        for f in &free {
            match f {
                Free::Value(k) => self.load_decl(*k, b.span),
                Free::Vector(scope) => self.load_vector(*scope, b.span),
            }
        }
        let u = self.unit();
        u.blocks.push(code);
        let idx = u.blocks.len() - 1;
        if idx > u16::MAX as usize || free.len() > u8::MAX as usize {
            self.err("block too complex", b.span);
        }
        self.emit(
            Op::MakeClosure {
                block: idx as u16,
                copied: free.len() as u8,
            },
            b.span,
        );
    }

    // ----- variables -----

    pub(super) fn inlined_send(&mut self, s: &Send) {
        self.inlined_send_as(s, false)
    }

    /// An inlined control message: its value left on the stack, or with
    /// `effect` nothing (see [`Gen::effect`]).
    pub(super) fn inlined_send_as(&mut self, s: &Send, effect: bool) {
        let m = &s.message;
        let sp = m.sel_span;
        let args = &m.args;
        match m.selector.as_str() {
            "ifTrue:" | "ifFalse:" if effect => {
                self.expr(&s.receiver);
                let j = self.emit(
                    if m.selector == "ifTrue:" {
                        Op::JumpIfFalse(0)
                    } else {
                        Op::JumpIfTrue(0)
                    },
                    sp,
                );
                self.inline_block_as(&args[0], false, true);
                self.patch(j);
            }
            "ifTrue:ifFalse:" | "ifFalse:ifTrue:" if effect => {
                self.expr(&s.receiver);
                let (on_true, on_false) = if m.selector == "ifTrue:ifFalse:" {
                    (&args[0], &args[1])
                } else {
                    (&args[1], &args[0])
                };
                let j = self.emit(Op::JumpIfFalse(0), sp);
                self.inline_block_as(on_true, false, true);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.inline_block_as(on_false, false, true);
                self.patch(end);
            }
            "ifNil:" | "ifNotNil:" | "ifNil:ifNotNil:" | "ifNotNil:ifNil:" | "and:" | "or:"
                if effect =>
            {
                self.inlined_send_as(s, false);
                self.emit(Op::Pop, sp);
            }
            "ifTrue:" | "ifFalse:" | "ifTrue:ifFalse:" | "ifFalse:ifTrue:" => {
                self.expr(&s.receiver);
                let (on_true, on_false) = match m.selector.as_str() {
                    "ifTrue:" => (Some(&args[0]), None),
                    "ifFalse:" => (None, Some(&args[0])),
                    "ifTrue:ifFalse:" => (Some(&args[0]), Some(&args[1])),
                    _ => (Some(&args[1]), Some(&args[0])),
                };
                let j = self.emit(Op::JumpIfFalse(0), sp);
                match on_true {
                    Some(b) => self.inline_block(b, false),
                    None => {
                        self.emit(Op::PushNil, sp);
                    }
                }
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                match on_false {
                    Some(b) => self.inline_block(b, false),
                    None => {
                        self.emit(Op::PushNil, sp);
                    }
                }
                self.patch(end);
            }
            "and:" | "or:" => {
                self.expr(&s.receiver);
                let and = m.selector == "and:";
                let j = self.emit(
                    if and {
                        Op::JumpIfFalse(0)
                    } else {
                        Op::JumpIfTrue(0)
                    },
                    sp,
                );
                self.inline_block(&args[0], false);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.emit(if and { Op::PushFalse } else { Op::PushTrue }, sp);
                self.patch(end);
            }
            "whileTrue:" | "whileFalse:" | "whileTrue" | "whileFalse" => {
                let top = self.here();
                self.inline_block(&s.receiver, false);
                let t = m.selector.starts_with("whileTrue");
                if args.is_empty() {
                    let at = self.unit().ops.len();
                    let d = top as i32 - at as i32 - 1;
                    self.emit(
                        if t {
                            Op::JumpIfTrue(d)
                        } else {
                            Op::JumpIfFalse(d)
                        },
                        sp,
                    );
                } else {
                    let exit = self.emit(
                        if t {
                            Op::JumpIfFalse(0)
                        } else {
                            Op::JumpIfTrue(0)
                        },
                        sp,
                    );
                    self.inline_block_as(&args[0], false, true);
                    self.jump_back(top, sp);
                    self.patch(exit);
                }
                if !effect {
                    self.emit(Op::PushNil, sp);
                }
            }
            "repeat" => {
                let top = self.here();
                self.inline_block_as(&s.receiver, false, true);
                self.jump_back(top, sp);
                self.here();
                if !effect {
                    self.emit(Op::PushNil, sp);
                }
            }
            "ifNil:" => {
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNotNil(0), sp);
                self.emit(Op::Pop, sp);
                self.inline_block(&args[0], false);
                self.patch(j);
            }
            "ifNotNil:" => {
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNil(0), sp);
                self.inline_block(&args[0], true);
                self.patch(j);
            }
            "ifNil:ifNotNil:" | "ifNotNil:ifNil:" => {
                let (nil_b, notnil_b) = if m.selector == "ifNil:ifNotNil:" {
                    (&args[0], &args[1])
                } else {
                    (&args[1], &args[0])
                };
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNotNil(0), sp);
                self.emit(Op::Pop, sp);
                self.inline_block(nil_b, false);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.inline_block(notnil_b, true);
                self.patch(end);
            }
            "timesRepeat:" => {
                let count = self.hidden_temp("<count>");
                let i = self.hidden_temp("<i>");
                self.expr(&s.receiver);
                self.emit(
                    if effect {
                        Op::PopTemp(count)
                    } else {
                        Op::StoreTemp(count)
                    },
                    sp,
                );
                self.emit(Op::PushInt(1), sp);
                self.emit(Op::PopTemp(i), sp);
                let top = self.here();
                self.emit(Op::PushTemp(i), sp);
                self.emit(Op::PushTemp(count), sp);
                self.emit(Op::Arith(Arith::Le), sp);
                let exit = self.emit(Op::JumpIfFalse(0), sp);
                self.inline_block_as(&args[0], false, true);
                self.emit(Op::PushTemp(i), sp);
                self.emit(Op::PushInt(1), sp);
                self.emit(Op::Arith(Arith::Add), sp);
                self.emit(Op::PopTemp(i), sp);
                self.jump_back(top, sp);
                self.patch(exit);
                // the receiver stays on the stack as the value (unless
                // for effect)
            }
            "to:do:" | "to:by:do:" => {
                let (block, step) = if m.selector == "to:do:" {
                    (&args[1], 1i64)
                } else {
                    let st = match &args[1] {
                        Expr::Literal(Literal::Integer(n), _) => {
                            i64::try_from(n.clone()).unwrap_or(1)
                        }
                        _ => 1,
                    };
                    (&args[2], st)
                };
                let b = match block {
                    Expr::Block(b) => b,
                    _ => return,
                };
                let var = b.params[0].span.start;
                let limit = self.hidden_temp("<limit>");
                // receiver (start) stays on the stack as the value,
                // unless for effect
                self.expr(&s.receiver);
                if !effect {
                    self.emit(Op::Dup, sp);
                }
                // the loop variable belongs to the block's level
                let level = vec![(b.params[0].name.clone(), var)];
                self.unit().levels.push(level);
                self.store_decl(var, b.params[0].span);
                self.emit(Op::Pop, sp);
                self.expr(&args[0]);
                self.emit(Op::PopTemp(limit), sp);
                let top = self.here();
                self.load_decl(var, sp);
                self.emit(Op::PushTemp(limit), sp);
                self.emit(Op::Arith(if step > 0 { Arith::Le } else { Arith::Ge }), sp);
                let exit = self.emit(Op::JumpIfFalse(0), sp);
                // body: the block minus its parameter (already bound)
                let body = Block {
                    params: vec![],
                    temps: b.temps.clone(),
                    body: b.body.clone(),
                    span: b.span,
                };
                self.inline_block_as(&Expr::Block(Box::new(body)), false, true);
                self.load_decl(var, sp);
                if let Ok(st) = i32::try_from(step) {
                    self.emit(Op::PushInt(st), sp);
                } else {
                    self.emit(Op::PushInt(1), sp);
                }
                self.emit(Op::Arith(Arith::Add), sp);
                self.store_decl(var, sp);
                self.emit(Op::Pop, sp);
                self.jump_back(top, sp);
                self.patch(exit);
                self.unit().levels.pop();
            }
            _ => {
                // inlined_blocks() and this match must agree
                self.err("internal: unknown inlined selector", sp);
            }
        }
    }
}
