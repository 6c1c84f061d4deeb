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
//! | 16 | in | how many whole iterations the fuel covers (u64) |
//! | 24 | out | how many iterations ran (u64) |
//!
//! It answers where it stopped: 0 for the fuel (at the test), 1 for the
//! exit (the test failed), `2 + s` for statement `s`, whose guard failed
//! (not run). The caller checked what `run_kernel` checks on the way in
//! (the temps are SmallIntegers, the Array an Array); each temp lives in
//! a wasm local while the loop runs and is written back where it stops.

use crate::bytecode::Arith;
use crate::object::Value;

use super::code::{Kernel, Step};

/// Where `run`'s answer says the loop stopped.
pub const AT_FUEL: u32 = 0;
pub const AT_EXIT: u32 = 1;
pub const AT_STEP: u32 = 2;

// locals: the parameter, then i32s, then i64s, then one i64 per register
const P: u32 = 0;
const T: u32 = 1;
const CELLS: u32 = 2;
const CODE: u32 = 3;
const LEN: u32 = 4;
const ITERS: u32 = 5;
const DONE: u32 = 6;
const X: u32 = 7;
const Y: u32 = 8;
const RES: u32 = 9;
const REG0: u32 = 10;

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
const I64_LT_S: u8 = 0x53;
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

/// The module for kernel `k`, or `None` if a statement has no compiled
/// form (`*`, `//` and `\\` stay interpreted).
pub fn compile(k: &Kernel) -> Option<Vec<u8>> {
    let regs = u32::try_from(k.regs.len()).ok()?;
    let reg = |r: u8| -> Option<u32> { (u32::from(r) < regs).then_some(REG0 + u32::from(r)) };
    let mut f = Func::default();
    // the parameters, then the registers from the temps
    f.local_get(P).op(I32_LOAD).mem(2, 0).local_set(T);
    f.local_get(P).op(I32_LOAD).mem(2, 4).local_set(CELLS);
    f.local_get(P)
        .op(I32_LOAD)
        .mem(2, 8)
        .op(I64_EXTEND_I32_U)
        .local_set(LEN);
    f.local_get(P).op(I64_LOAD).mem(3, 16).local_set(ITERS);
    for (i, &t) in k.regs.iter().enumerate() {
        f.local_get(T).op(I64_LOAD).mem(3, 8 * u32::from(t));
        f.local_set(REG0 + i as u32);
    }
    f.op(BLOCK).op(EMPTY).op(LOOP).op(EMPTY);
    // (inside the loop, inside an `if`: the block is 2 out)
    // the fuel: whole iterations only
    f.local_get(DONE).local_get(ITERS).op(I64_GE_U);
    f.leave_if(AT_FUEL);
    // the test: `lo < hi + bias`, where a register past the temps is the
    // test's constant
    let operand = |f: &mut Func, r: u8| match reg(r) {
        Some(l) => {
            f.local_get(l);
        }
        None => {
            f.i64_const(Value::small(k.imm as i64).bits() as i64);
        }
    };
    let (lo, hi, bias) = k.test;
    operand(&mut f, lo);
    operand(&mut f, hi);
    if bias != 0 {
        f.i64_const(bias).op(I64_ADD);
    }
    f.op(I64_LT_S).op(I32_EQZ);
    f.leave_if(AT_EXIT);
    for (s, step) in k.steps.iter().enumerate() {
        let at = AT_STEP.checked_add(u32::try_from(s).ok()?)?;
        match *step {
            Step::Store { b, v } => {
                // the index, 0-based: out of bounds (below 1 too, as
                // an unsigned number) leaves
                f.local_get(reg(b)?).i64_const(3).op(I64_SHR_S);
                f.i64_const(1).op(I64_SUB).op(LOCAL_TEE).uleb(X);
                f.local_get(LEN).op(I64_GE_U);
                f.leave_if(at);
                f.local_get(CELLS).local_get(X).op(I32_WRAP_I64);
                f.op(I32_CONST).sleb(3).op(I32_SHL).op(I32_ADD);
                f.i64_const(v.bits() as i64).op(I64_STORE).mem(3, 0);
            }
            Step::Add { c, a, b } => {
                f.local_get(reg(b)?).i64_const(1).op(I64_SUB).local_set(Y);
                f.add_checked(reg(a)?, reg(c)?, at);
            }
            Step::AddI { c, a, d } => {
                f.i64_const(d).local_set(Y);
                f.add_checked(reg(a)?, reg(c)?, at);
            }
            Step::Sub { c, a, b } => {
                // x - (y - 1) keeps the tag; it overflows when x and y
                // differ in sign and the result's sign is not x's
                let (a, c) = (reg(a)?, reg(c)?);
                f.local_get(reg(b)?).i64_const(1).op(I64_SUB).local_set(Y);
                f.local_get(a).local_get(Y).op(I64_SUB).local_set(RES);
                f.local_get(a).local_get(Y).op(I64_XOR);
                f.local_get(a).local_get(RES).op(I64_XOR).op(I64_AND);
                f.i64_const(0).op(I64_LT_S);
                f.leave_if(at);
                f.local_get(RES).local_set(c);
            }
            // (the tags survive `&` and `|`: both are 1)
            Step::Arith { c, a, b, op } => {
                let op = bit_op(op)?;
                f.local_get(reg(a)?)
                    .local_get(reg(b)?)
                    .op(op)
                    .local_set(reg(c)?);
            }
            Step::ArithI { c, a, imm, op } => {
                let op = bit_op(op)?;
                f.local_get(reg(a)?)
                    .i64_const(Value::small(imm as i64).bits() as i64);
                f.op(op).local_set(reg(c)?);
            }
        }
    }
    f.local_get(DONE).i64_const(1).op(I64_ADD).local_set(DONE);
    f.op(BR).uleb(0);
    f.op(END).op(END);
    // where it stopped: the registers back to the temps, and the count
    for (i, &t) in k.regs.iter().enumerate() {
        f.local_get(T).local_get(REG0 + i as u32);
        f.op(I64_STORE).mem(3, 8 * u32::from(t));
    }
    f.local_get(P).local_get(DONE).op(I64_STORE).mem(3, 24);
    f.local_get(CODE);
    f.op(END);
    Some(module(&f.code, regs))
}

/// The i64 instruction of a bitwise operation.
fn bit_op(op: Arith) -> Option<u8> {
    match op {
        Arith::BitAnd => Some(I64_AND),
        Arith::BitOr => Some(I64_OR),
        _ => None,
    }
}

/// A function body being written.
#[derive(Default)]
struct Func {
    code: Vec<u8>,
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
    /// Pops a condition; if it holds, stops at `code` (out of the loop
    /// and its block, to where the registers are written back).
    fn leave_if(&mut self, code: u32) -> &mut Self {
        self.op(IF).op(EMPTY);
        self.op(I32_CONST).sleb(i64::from(code)).local_set(CODE);
        self.op(BR).uleb(2).op(END)
    }
    /// `c := a + Y` on tagged SmallIntegers (`Y` already untagged by
    /// one), leaving at `code` on overflow: when the result's sign is
    /// neither operand's.
    fn add_checked(&mut self, a: u32, c: u32, code: u32) -> &mut Self {
        self.local_get(a).local_get(Y).op(I64_ADD).local_set(RES);
        self.local_get(a).local_get(RES).op(I64_XOR);
        self.local_get(Y).local_get(RES).op(I64_XOR).op(I64_AND);
        self.i64_const(0).op(I64_LT_S);
        self.leave_if(code);
        self.local_get(RES).local_set(c)
    }
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

/// The module around function body `code` with `regs` register locals.
fn module(code: &[u8], regs: u32) -> Vec<u8> {
    const I32: u8 = 0x7f;
    const I64: u8 = 0x7e;
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    // one type: (i32) -> i32
    section(&mut m, 1, &[1, 0x60, 1, I32, 1, I32]);
    // the VM's memory, `m.m`, at least 0 pages
    section(&mut m, 2, &[1, 1, b'm', 1, b'm', 0x02, 0x00, 0x00]);
    section(&mut m, 3, &[1, 0]);
    section(&mut m, 7, &[1, 1, b'k', 0x00, 0]);
    // the body: its locals (3 i32s; 6 i64s and the registers), its code
    let mut body = vec![2, 3, I32];
    uleb(&mut body, 6 + regs);
    body.push(I64);
    body.extend_from_slice(code);
    let mut bodies = vec![1];
    uleb(&mut bodies, body.len() as u32);
    bodies.extend_from_slice(&body);
    section(&mut m, 10, &bodies);
    m
}
