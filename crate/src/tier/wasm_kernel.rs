//! Loop kernels compiled to WebAssembly: in the browser, where the VM is
//! itself a wasm module, a loop kernel (`Kernel`) can run as a small module
//! of its own that the engine compiles to machine code, instead of being
//! interpreted step by step (`interp::kernels::run_kernel`). This file
//! makes that module's bytes; `interp::kernel_jit` instantiates and calls
//! it. It does exactly what `run_kernel` does, iteration for iteration and
//! guard for guard, so the two are interchangeable at every entry.
//!
//! The module imports the VM's memory (`m.m`) and exports one function,
//! `k(p: i32) -> i32`. `p` points at a parameter block:
//!
//! | offset | in or out | what |
//! |---|---|---|
//! | 0 | in | the frame's temps (`Value`s, 8 bytes each) |
//! | 4 | in | the Array's slots (or any address, if none) |
//! | 8 | in | how many slots |
//! | 16 | in | the fuel: instructions it may run (u64) |
//! | 24 | out | the instructions it ran (u64) |
//!
//! It answers where the frame goes on, as an offset from the loop's test
//! (`run_kernel`'s answer). The caller checked what `run_kernel` checks
//! on the way in (the temps are SmallIntegers, the Array an Array); each
//! temp the loop or its inner loop names lives in a wasm local while it
//! runs and is written back where it stops.

use crate::bytecode::Arith;
use crate::object::value::{TAG_INT, TAG_MASK};
use crate::object::Value;

use super::code::{Kernel, Step};

// locals: the parameter, then i32s, then i64s, then one i64 per temp
const P: u32 = 0;
const T: u32 = 1;
const CELLS: u32 = 2;
const TO: u32 = 3;
const LEN: u32 = 4;
const AVAIL: u32 = 5;
const USED: u32 = 6;
const X: u32 = 7;
const Y: u32 = 8;
const RES: u32 = 9;
const IUSED: u32 = 10;
const IAVAIL: u32 = 11;
const TEMP0: u32 = 12;

// the instructions used (WebAssembly 1.0 opcodes)
const BLOCK: u8 = 0x02;
const LOOP: u8 = 0x03;
const IF: u8 = 0x04;
const END: u8 = 0x0b;
const BR: u8 = 0x0c;
const EMPTY: u8 = 0x40;
const LOCAL_GET: u8 = 0x20;
const LOCAL_SET: u8 = 0x21;
const LOCAL_TEE: u8 = 0x22;
const I32_LOAD: u8 = 0x28;
const I64_LOAD: u8 = 0x29;
const I64_STORE: u8 = 0x37;
const I32_CONST: u8 = 0x41;
const I64_CONST: u8 = 0x42;
const I32_EQZ: u8 = 0x45;
const I64_EQ: u8 = 0x51;
const I64_NE: u8 = 0x52;
const I64_LT_S: u8 = 0x53;
const I64_GT_U: u8 = 0x56;
const I64_GE_U: u8 = 0x5a;
const I32_ADD: u8 = 0x6a;
const I32_SHL: u8 = 0x74;
const I64_ADD: u8 = 0x7c;
const I64_SUB: u8 = 0x7d;
const I64_AND: u8 = 0x83;
const I64_OR: u8 = 0x84;
const I64_XOR: u8 = 0x85;
const I64_SHR_S: u8 = 0x87;
const I32_WRAP_I64: u8 = 0xa7;
const I64_EXTEND_I32_U: u8 = 0xad;

/// Where a branch goes: out of everything (to write the temps back), the
/// loop's next iteration, past an inner loop (its exit), or to step `j`
/// of kernel `k` (a skip's target: a block that ends there).
#[derive(Clone, Copy, PartialEq)]
enum Label {
    Out,
    Top,
    InnerExit,
    Step(usize, usize),
    If,
}

/// The module for kernel `which` of `kernels`, or `None` if it has no
/// compiled form: a statement without one (`*`, `//` and `\\` stay
/// interpreted), or an inner loop on another Array.
pub fn compile(kernels: &[Kernel], which: usize) -> Option<Vec<u8>> {
    let k = kernels.get(which)?;
    // every temp named, the loop's first (its registers), then the inner
    // loops' others
    let mut temps: Vec<u16> = k.regs.clone();
    for step in &k.steps {
        if let Step::Inner { kernel } = *step {
            let i = kernels.get(kernel as usize)?;
            if i.nests() || (i.array.is_some() && i.array != k.array) {
                return None;
            }
            for &t in &i.regs {
                if !temps.contains(&t) {
                    temps.push(t);
                }
            }
        }
    }
    let mut f = Func {
        temps: temps.clone(),
        ..Func::default()
    };
    // the parameters, then the temps
    f.local_get(P).op(I32_LOAD).mem(2, 0).local_set(T);
    f.local_get(P).op(I32_LOAD).mem(2, 4).local_set(CELLS);
    f.local_get(P)
        .op(I32_LOAD)
        .mem(2, 8)
        .op(I64_EXTEND_I32_U)
        .local_set(LEN);
    f.local_get(P).op(I64_LOAD).mem(3, 16).local_set(AVAIL);
    for (i, &t) in temps.iter().enumerate() {
        f.local_get(T).op(I64_LOAD).mem(3, 8 * u32::from(t));
        f.local_set(TEMP0 + i as u32);
    }
    f.open(BLOCK, Label::Out);
    f.open(LOOP, Label::Top);
    // the fuel: a whole iteration, or stop at the test
    f.local_get(USED).i64_const(k.cost as i64).op(I64_ADD);
    f.local_get(AVAIL).op(I64_GT_U);
    f.when(|f| f.go_to(0).br(Label::Out));
    f.test(k)?;
    f.when(|f| f.add_used(USED, 4).go_to(k.exit as u32).br(Label::Out));
    f.add_used(USED, k.cost as i64);
    f.body(kernels, which, &|f, s| {
        // leaving at step `s`, not run
        f.add_used(USED, -(k.rest[s] as i64));
        f.go_to(k.offset(s) as u32).br(Label::Out);
    })?;
    f.br(Label::Top);
    f.close().close();
    // where it stopped: the temps back, and what ran
    for (i, &t) in temps.iter().enumerate() {
        f.local_get(T).local_get(TEMP0 + i as u32);
        f.op(I64_STORE).mem(3, 8 * u32::from(t));
    }
    f.local_get(P).local_get(USED).op(I64_STORE).mem(3, 24);
    f.local_get(TO);
    f.op(END);
    Some(module(&f.code, temps.len() as u32))
}

/// The i64 instruction of a bitwise operation.
fn bit_op(op: Arith) -> Option<u8> {
    match op {
        Arith::BitAnd => Some(I64_AND),
        Arith::BitOr => Some(I64_OR),
        _ => None,
    }
}

/// A function body being written, with its open blocks.
#[derive(Default)]
struct Func {
    code: Vec<u8>,
    labels: Vec<Label>,
    /// The temp each local from `TEMP0` on holds.
    temps: Vec<u16>,
}

impl Func {
    fn op(&mut self, b: u8) -> &mut Self {
        self.code.push(b);
        self
    }
    fn uleb(&mut self, v: u32) -> &mut Self {
        uleb(&mut self.code, v);
        self
    }
    fn sleb(&mut self, v: i64) -> &mut Self {
        let mut v = v;
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
            self.code.push(if done { b } else { b | 0x80 });
            if done {
                return self;
            }
        }
    }
    fn local_get(&mut self, l: u32) -> &mut Self {
        self.op(LOCAL_GET).uleb(l)
    }
    fn local_set(&mut self, l: u32) -> &mut Self {
        self.op(LOCAL_SET).uleb(l)
    }
    fn i64_const(&mut self, v: i64) -> &mut Self {
        self.op(I64_CONST).sleb(v)
    }
    /// A memory access's alignment (log 2) and offset.
    fn mem(&mut self, align: u32, offset: u32) -> &mut Self {
        self.uleb(align).uleb(offset)
    }
    fn open(&mut self, kind: u8, l: Label) -> &mut Self {
        self.labels.push(l);
        self.op(kind).op(EMPTY)
    }
    fn close(&mut self) -> &mut Self {
        self.labels.pop();
        self.op(END)
    }
    /// A branch to `l`, the innermost such label.
    fn br(&mut self, l: Label) -> &mut Self {
        let at = self.labels.iter().rposition(|&x| x == l).unwrap_or(0);
        let depth = (self.labels.len() - 1 - at) as u32;
        self.op(BR).uleb(depth)
    }
    /// Pops a condition; if it holds, runs `then`.
    fn when(&mut self, then: impl FnOnce(&mut Self) -> &mut Self) -> &mut Self {
        self.open(IF, Label::If);
        then(self);
        self.close()
    }
    /// Sets where the frame goes on.
    fn go_to(&mut self, to: u32) -> &mut Self {
        self.op(I32_CONST).sleb(i64::from(to)).local_set(TO)
    }
    fn add_used(&mut self, l: u32, n: i64) -> &mut Self {
        self.local_get(l).i64_const(n).op(I64_ADD).local_set(l)
    }
    /// The local of register `r` of kernel `k` (`None`: the test's
    /// constant).
    fn reg(&self, k: &Kernel, r: u8) -> Option<u32> {
        let t = *k.regs.get(r as usize)?;
        let i = self.temps.iter().position(|&x| x == t)?;
        Some(TEMP0 + i as u32)
    }
    fn operand(&mut self, k: &Kernel, r: u8) -> &mut Self {
        match self.reg(k, r) {
            Some(l) => self.local_get(l),
            None => self.i64_const(Value::small(k.imm as i64).bits() as i64),
        }
    }
    /// Pushes whether `k`'s test fails: not `lo < hi + bias`.
    fn test(&mut self, k: &Kernel) -> Option<&mut Self> {
        let (lo, hi, bias) = k.test;
        if self.reg(k, lo).is_none() && self.reg(k, hi).is_none() {
            return None;
        }
        self.operand(k, lo).operand(k, hi);
        if bias != 0 {
            self.i64_const(bias).op(I64_ADD);
        }
        Some(self.op(I64_LT_S).op(I32_EQZ))
    }
    /// The 0-based index in register `b` into `X`, and whether it is
    /// out of bounds (below 1 too, as an unsigned number), pushed.
    fn index(&mut self, b: u32) -> &mut Self {
        self.local_get(b).i64_const(3).op(I64_SHR_S);
        self.i64_const(1).op(I64_SUB).op(LOCAL_TEE).uleb(X);
        self.local_get(LEN).op(I64_GE_U)
    }
    /// The address of slot `X`, pushed.
    fn cell(&mut self) -> &mut Self {
        self.local_get(CELLS).local_get(X).op(I32_WRAP_I64);
        self.op(I32_CONST).sleb(3).op(I32_SHL).op(I32_ADD)
    }
    /// The steps of kernel `which` (the loop's, or an inner loop's), each
    /// leaving by `leave(step)` when its guard fails; a skip goes to the
    /// end of a block that closes at its target.
    fn body(
        &mut self,
        kernels: &[Kernel],
        which: usize,
        leave: &dyn Fn(&mut Self, usize),
    ) -> Option<&mut Self> {
        let k = kernels.get(which)?;
        let mut targets: Vec<usize> = k
            .steps
            .iter()
            .filter_map(|s| match *s {
                Step::Skip { to, .. } => Some(to as usize),
                _ => None,
            })
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for &j in targets.iter().rev() {
            self.open(BLOCK, Label::Step(which, j));
        }
        for (s, step) in k.steps.iter().enumerate() {
            if targets.contains(&s) {
                self.close();
            }
            match *step {
                Step::Store { b, v } => {
                    self.index(self.reg(k, b)?).when(|f| {
                        leave(f, s);
                        f
                    });
                    self.cell()
                        .i64_const(v.bits() as i64)
                        .op(I64_STORE)
                        .mem(3, 0);
                }
                Step::Skip { b, to, skipped } => {
                    // true goes on, false skips, anything else leaves
                    self.index(self.reg(k, b)?).when(|f| {
                        leave(f, s);
                        f
                    });
                    self.cell().op(I64_LOAD).mem(3, 0).local_set(Y);
                    self.local_get(Y)
                        .i64_const(Value::TRUE.bits() as i64)
                        .op(I64_NE);
                    self.when(|f| {
                        f.local_get(Y)
                            .i64_const(Value::FALSE.bits() as i64)
                            .op(I64_EQ);
                        f.when(|f| {
                            let used = if f.labels.contains(&Label::InnerExit) {
                                IUSED
                            } else {
                                USED
                            };
                            f.add_used(used, -i64::from(skipped));
                            f.br(Label::Step(which, to as usize))
                        });
                        leave(f, s);
                        f
                    });
                }
                Step::Add { c, a, b } => {
                    let (a, c) = (self.reg(k, a)?, self.reg(k, c)?);
                    self.untagged_y(self.reg(k, b)?);
                    self.add_checked(a, c, &|f| leave(f, s));
                }
                Step::AddI { c, a, d } => {
                    let (a, c) = (self.reg(k, a)?, self.reg(k, c)?);
                    self.i64_const(d).local_set(Y);
                    self.add_checked(a, c, &|f| leave(f, s));
                }
                Step::Sub { c, a, b } => {
                    // x - (y - 1) keeps the tag; it overflows when x and
                    // y differ in sign and the result's sign is not x's
                    let (a, c) = (self.reg(k, a)?, self.reg(k, c)?);
                    self.untagged_y(self.reg(k, b)?);
                    self.local_get(a).local_get(Y).op(I64_SUB).local_set(RES);
                    self.local_get(a).local_get(Y).op(I64_XOR);
                    self.local_get(a).local_get(RES).op(I64_XOR).op(I64_AND);
                    self.i64_const(0).op(I64_LT_S).when(|f| {
                        leave(f, s);
                        f
                    });
                    self.local_get(RES).local_set(c);
                }
                // (the tags survive `&` and `|`: both are 1)
                Step::Arith { c, a, b, op } => {
                    let (a, b, c, op) = (
                        self.reg(k, a)?,
                        self.reg(k, b)?,
                        self.reg(k, c)?,
                        bit_op(op)?,
                    );
                    self.local_get(a).local_get(b).op(op).local_set(c);
                }
                Step::ArithI { c, a, imm, op } => {
                    let (a, c, op) = (self.reg(k, a)?, self.reg(k, c)?, bit_op(op)?);
                    self.local_get(a)
                        .i64_const(Value::small(imm as i64).bits() as i64);
                    self.op(op).local_set(c);
                }
                Step::Inner { kernel } => self.inner(kernels, which, kernel as usize, s)?,
            }
        }
        // (skips to the back-edge)
        while matches!(self.labels.last(), Some(Label::Step(w, _)) if *w == which) {
            self.close();
        }
        Some(self)
    }
    /// Inner loop `ki` of kernel `which`, at its step `s`: the inner
    /// loop's own temps checked on the way in, its whole iterations while
    /// the fuel lasts, and where it stops (but at its exit) where the
    /// frame goes on.
    fn inner(&mut self, kernels: &[Kernel], which: usize, ki: usize, s: usize) -> Option<()> {
        let (k, i) = (kernels.get(which)?, kernels.get(ki)?);
        let (rest, off) = (k.rest[s] as i64, k.offset(s) as u32);
        // stopping in there: what the outer iteration did not run, what
        // the inner loop ran, and where in it
        let stop = move |f: &mut Self, to: u32| {
            f.local_get(USED).i64_const(rest).op(I64_SUB);
            f.local_get(IUSED).op(I64_ADD).local_set(USED);
            f.go_to(off + to).br(Label::Out);
        };
        // its temps the outer loop does not compute with: SmallIntegers,
        // or it does not run (it stops at its test, having run nothing)
        f_check(self, k, i, &stop)?;
        self.local_get(AVAIL)
            .local_get(USED)
            .op(I64_SUB)
            .local_set(IAVAIL);
        self.i64_const(0).local_set(IUSED);
        self.open(BLOCK, Label::InnerExit);
        self.open(LOOP, Label::Top);
        self.local_get(IUSED).i64_const(i.cost as i64).op(I64_ADD);
        self.local_get(IAVAIL).op(I64_GT_U);
        self.when(|f| {
            stop(f, 0);
            f
        });
        self.test(i)?;
        self.when(|f| f.add_used(IUSED, 4).br(Label::InnerExit));
        self.add_used(IUSED, i.cost as i64);
        self.body(kernels, ki, &|f, q| {
            f.add_used(IUSED, -(i.rest[q] as i64));
            stop(f, i.offset(q) as u32);
        })?;
        self.br(Label::Top);
        self.close().close();
        self.local_get(USED)
            .local_get(IUSED)
            .op(I64_ADD)
            .local_set(USED);
        Some(())
    }
    /// `Y := b - 1`: SmallInteger `b` with its tag taken off, which
    /// added to or taken from a tagged SmallInteger keeps its tag.
    fn untagged_y(&mut self, b: u32) -> &mut Self {
        self.local_get(b).i64_const(1).op(I64_SUB).local_set(Y)
    }
    /// `c := a + Y` on tagged SmallIntegers (`Y` already untagged by
    /// one), leaving by `leave` on overflow: when the result's sign is
    /// neither operand's.
    fn add_checked(&mut self, a: u32, c: u32, leave: &dyn Fn(&mut Self)) -> &mut Self {
        self.local_get(a).local_get(Y).op(I64_ADD).local_set(RES);
        self.local_get(a).local_get(RES).op(I64_XOR);
        self.local_get(Y).local_get(RES).op(I64_XOR).op(I64_AND);
        self.i64_const(0).op(I64_LT_S).when(|f| {
            leave(f);
            f
        });
        self.local_get(RES).local_set(c)
    }
}

/// The check on the way into inner loop `i` of `k`: each temp it computes
/// with that `k` does not, and that it reads before it assigns, is a
/// SmallInteger, or it stops at its test.
fn f_check(f: &mut Func, k: &Kernel, i: &Kernel, stop: &dyn Fn(&mut Func, u32)) -> Option<()> {
    for (r, &t) in i.regs.iter().enumerate() {
        if k.regs.contains(&t) || i.defined.get(r) != Some(&false) {
            continue;
        }
        let l = f.reg(i, r as u8)?;
        f.local_get(l).i64_const(TAG_MASK as i64).op(I64_AND);
        f.i64_const(TAG_INT as i64).op(I64_NE);
        f.when(|f| {
            f.i64_const(0).local_set(IUSED);
            stop(f, 0);
            f
        });
    }
    Some(())
}

fn uleb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A section: its id and its contents, with their size.
fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    uleb(out, body.len() as u32);
    out.extend_from_slice(body);
}

/// The module around function body `code` with `temps` temp locals.
fn module(code: &[u8], temps: u32) -> Vec<u8> {
    const I32: u8 = 0x7f;
    const I64: u8 = 0x7e;
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    // one type: (i32) -> i32
    section(&mut m, 1, &[1, 0x60, 1, I32, 1, I32]);
    // the VM's memory, `m.m`, at least 0 pages
    section(&mut m, 2, &[1, 1, b'm', 1, b'm', 0x02, 0x00, 0x00]);
    section(&mut m, 3, &[1, 0]);
    section(&mut m, 7, &[1, 1, b'k', 0x00, 0]);
    // the body: its locals (3 i32s; 8 i64s and the temps), its code
    let mut body = vec![2, 3, I32];
    uleb(&mut body, 8 + temps);
    body.push(I64);
    body.extend_from_slice(code);
    let mut bodies = vec![1];
    uleb(&mut bodies, body.len() as u32);
    bodies.extend_from_slice(&body);
    section(&mut m, 10, &bodies);
    m
}
