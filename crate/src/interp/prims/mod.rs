//! Primitives: the operations kernel methods cannot express in
//! Smalltalk. Numbered ones follow Squeak's numbering; the others are
//! named (`<primitive: 'name'>`).
//!
//! A primitive either answers a value, fails (the method's Smalltalk
//! fallback code runs — that is how errors such as ZeroDivide or bad
//! indices are raised, in Smalltalk), or has already rearranged the
//! stack and frames itself (`Done`: block evaluation, perform:, process
//! switches). A primitive must never panic, whatever its arguments.

mod coll;
pub mod draw;
mod num;
mod sys;

use super::classes::Format;
use super::frame::{OnReturn, ProcState, UnwindAction};
use super::sched::USER_PRIORITY;
use super::{ErrorInfo, Outcome, Vm};
use crate::object::{Body, Marker, Value};
use crate::syntax::ast::Pragma;
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

pub enum PrimResult {
    Value(Value),
    Fail,
    Done,
}
use PrimResult::*;

/// Named primitives; their index is `NAMED_BASE + position`.
const NAMED: &[&str] = &[
    "floatPrintString",
    "intPrintBase",
    "intGcd",
    "intHighBit",
    "transcriptShow",
    "millisecondClock",
    "garbageCollect",
    "globalAt",
    "globalAtPut",
    "globalIncludes",
    "globalRemove",
    "globalKeys",
    "className",
    "classSuperclass",
    "classDefine",
    "classInstVarNamesSet",
    "classCompile",
    "classRemoveSelector",
    "classSelectors",
    "classIncludesSelector",
    "classLookup",
    "classInstVarNames",
    "classCategory",
    "classComment",
    "classCommentSet",
    "classIsMeta",
    "classPartner",
    "classSubclasses",
    "classVarNames",
    "allClasses",
    "methodSource",
    "methodSelector",
    "methodClass",
    "classMethodAt",
    "ctxSender",
    "ctxReceiver",
    "ctxMethod",
    "ctxTempAt",
    "ctxTempAtPut",
    "ctxReturn",
    "ctxRestart",
    "ctxFindHandler",
    "ctxPrintName",
    "ctxIsDead",
    "ctxSelector",
    "suspendUnhandled",
    "fork",
    "yield",
    "activeProcess",
    "processTerminate",
    "processSuspend",
    "processResume",
    "processPriority",
    "processPrioritySet",
    "semSignal",
    "semWait",
    "delayWait",
    "stringCompare",
    "stringHash",
    "asSymbol",
    "symbolAsString",
    "stringAsNumber",
    "concat",
    "numArgs",
    "floatTruncated",
    "floatFloorLog10",
    "intAsFloat",
    "floatCos",
    "floatTan",
    "floatArcSin",
    "floatArcCos",
    "floatRaisedTo",
    "floatIsNaN",
    "floatIsInfinite",
    "stringEq",
    "basicIdentityHash",
    "methodPrimitive",
    "closureMethod",
    "closureReceiver",
    "ctxPc",
    "symbolFlush",
    "intSqrtFloor",
    "printFloatExact",
    "classVarAdd",
    "classNamed",
    "classVersion",
    "intFromString",
    // the Canvas drawing protocol (prims_draw.rs)
    "drawClear",
    "drawColor",
    "drawFillRect",
    "drawFillCircle",
    "drawLine",
    "drawText",
    "microsecondClock",
];
pub const NAMED_BASE: u16 = 1000;

/// Numbered primitives this VM implements (Squeak's numbers).
const NUMBERED: &[u32] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 40, 41, 42, 43, 44, 45, 46, 47,
    48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 70, 71, 73, 74, 75, 83, 84,
    105, 110, 111, 148, 169, 170, 171, 201, 202, 203, 204, 205, 206,
];

pub fn primitive_index(p: &Pragma) -> Option<u16> {
    match p {
        Pragma::Primitive(n, _) => {
            if NUMBERED.contains(n) {
                Some(*n as u16)
            } else {
                None
            }
        }
        Pragma::NamedPrimitive(name, _) => {
            let find = |list: &[&str], base: u16| {
                list.iter().position(|n| n == name).map(|i| base + i as u16)
            };
            find(NAMED, NAMED_BASE)
                .or_else(|| find(num::NAMED, num::BASE))
                .or_else(|| find(coll::NAMED, coll::BASE))
                .or_else(|| find(sys::NAMED, sys::BASE))
        }
        _ => None,
    }
}

pub fn primitive_name(i: u16) -> String {
    let ext = [
        (sys::BASE, sys::NAMED),
        (coll::BASE, coll::NAMED),
        (num::BASE, num::NAMED),
    ];
    for (base, list) in ext {
        if i >= base {
            return list
                .get((i - base) as usize)
                .map(|s| s.to_string())
                .unwrap_or_default();
        }
    }
    if i >= NAMED_BASE {
        NAMED
            .get((i - NAMED_BASE) as usize)
            .map(|s| s.to_string())
            .unwrap_or_default()
    } else {
        i.to_string()
    }
}

impl Vm {
    /// An Integer value from a BigInt (SmallInteger when it fits).
    pub fn int_from_big(&mut self, n: BigInt) -> Value {
        if let Some(i) = n.to_i64() {
            if let Some(v) = Value::int(i) {
                return v;
            }
        }
        let class = if n.is_negative() {
            self.k.large_negative
        } else {
            self.k.large_positive
        };
        self.heap.alloc(class, Body::Large(Box::new(n)))
    }

    pub fn int_from_i128(&mut self, n: i128) -> Value {
        if let Ok(i) = i64::try_from(n) {
            if let Some(v) = Value::int(i) {
                return v;
            }
        }
        self.int_from_big(BigInt::from(n))
    }

    /// Any Integer as a BigInt.
    pub fn to_big(&self, v: Value) -> Option<BigInt> {
        if let Some(i) = v.as_int() {
            return Some(BigInt::from(i));
        }
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Large(b)) => Some((**b).clone()),
            _ => None,
        }
    }

    pub fn to_float(&self, v: Value) -> Option<f64> {
        if let Some(i) = v.as_int() {
            return Some(i as f64);
        }
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Float(f)) => Some(*f),
            Some(Body::Large(b)) => b.to_f64(),
            _ => None,
        }
    }

    fn is_float(&self, v: Value) -> bool {
        matches!(self.heap.try_get(v).map(|o| &o.body), Some(Body::Float(_)))
    }

    fn bytes_of(&self, v: Value) -> Option<&[u8]> {
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    fn ctx_frame(&self, ctx: Value) -> Option<(usize, Option<usize>)> {
        // (process id, frame index if alive)
        let (process, serial) = match self.heap.try_get(ctx).map(|o| &o.body) {
            Some(Body::Context { process, serial }) => (*process, *serial),
            _ => return None,
        };
        let pid = match self.heap.try_get(process).map(|o| &o.body) {
            Some(Body::Process(p)) => *p as usize,
            _ => return None,
        };
        let frames = if pid == self.active {
            &self.frames
        } else {
            &self.procs.get(pid)?.frames
        };
        Some((pid, frames.iter().rposition(|f| f.serial == serial)))
    }

    /// The Context object of frame `serial` of process `pid` (the same
    /// object each time while the frame lives).
    pub(crate) fn new_context(&mut self, pid: usize, serial: u64) -> Value {
        let active = self.active;
        let frames = if pid == active {
            &mut self.frames
        } else {
            &mut self.procs[pid].frames
        };
        let fi = frames.iter().rposition(|f| f.serial == serial);
        if let Some(fi) = fi {
            if frames[fi].ctx != Value::NIL {
                return frames[fi].ctx;
            }
        }
        let process = self.procs[pid].obj;
        let ctx = self
            .heap
            .alloc(self.k.context, Body::Context { process, serial });
        if let Some(fi) = fi {
            let frames = if pid == active {
                &mut self.frames
            } else {
                &mut self.procs[pid].frames
            };
            frames[fi].ctx = ctx;
        }
        ctx
    }

    fn process_id(&self, v: Value) -> Option<usize> {
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Process(p)) => Some(*p as usize),
            _ => None,
        }
    }

    fn symbol_list(&mut self, names: Vec<String>) -> Value {
        let items: Vec<Value> = names.iter().map(|n| self.intern(n)).collect();
        self.new_array(items)
    }

    fn class_id_of(&self, v: Value) -> Option<u32> {
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Class { id, .. }) => Some(*id),
            _ => None,
        }
    }
}

/// Integer binary operation on SmallIntegers or LargeIntegers.
fn int_op(vm: &mut Vm, prim: u16, a: Value, b: Value) -> PrimResult {
    let (x, y) = match (vm.to_big(a), vm.to_big(b)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Fail,
    };
    let v = match prim {
        1 => vm.int_from_big(x + y),
        2 => vm.int_from_big(x - y),
        3 => Value::bool(x < y),
        4 => Value::bool(x > y),
        5 => Value::bool(x <= y),
        6 => Value::bool(x >= y),
        7 => Value::bool(x == y),
        8 => Value::bool(x != y),
        9 => vm.int_from_big(x * y),
        10 => {
            if y.is_zero() || !(&x % &y).is_zero() {
                return Fail;
            }
            vm.int_from_big(x / y)
        }
        11 => {
            if y.is_zero() {
                return Fail;
            }
            vm.int_from_big(x.mod_floor(&y))
        }
        12 => {
            if y.is_zero() {
                return Fail;
            }
            vm.int_from_big(x.div_floor(&y))
        }
        13 => {
            if y.is_zero() {
                return Fail;
            }
            vm.int_from_big(x / y)
        }
        20 => {
            if y.is_zero() {
                return Fail;
            }
            vm.int_from_big(x % y)
        }
        14 => vm.int_from_big(x & y),
        15 => vm.int_from_big(x | y),
        16 => vm.int_from_big(x ^ y),
        17 => {
            let s = match y.to_i64() {
                Some(s) if s.abs() <= 1 << 24 => s,
                _ => return Fail,
            };
            if s >= 0 {
                vm.int_from_big(x << s as usize)
            } else {
                vm.int_from_big(x >> (-s) as usize)
            }
        }
        _ => return Fail,
    };
    Value(v)
}

fn float_op(vm: &mut Vm, prim: u16, a: Value, b: Value) -> PrimResult {
    let x = match vm.to_float(a) {
        Some(x) if vm.is_float(a) => x,
        _ => return Fail,
    };
    // a LargeInteger argument fails, so the Smalltalk fallback compares
    // exactly (Squeak's rule); SmallIntegers convert exactly enough
    let y = match vm.heap.try_get(b).map(|o| &o.body) {
        Some(Body::Large(_)) => return Fail,
        _ => match vm.to_float(b) {
            Some(y) => y,
            None => return Fail,
        },
    };
    let v = match prim {
        41 => vm.new_float(x + y),
        42 => vm.new_float(x - y),
        43 => Value::bool(x < y),
        44 => Value::bool(x > y),
        45 => Value::bool(x <= y),
        46 => Value::bool(x >= y),
        47 => Value::bool(x == y),
        48 => Value::bool(x != y),
        49 => vm.new_float(x * y),
        50 => {
            if y == 0.0 {
                return Fail;
            }
            vm.new_float(x / y)
        }
        54 => vm.new_float(x * 2f64.powi(y.clamp(-2000.0, 2000.0) as i32)),
        _ => return Fail,
    };
    Value(v)
}

/// How Squeak prints NaN, the infinities and the zeros (any base).
pub fn special_float(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f.is_infinite() {
        Some(if f > 0.0 { "Infinity" } else { "-Infinity" })
    } else if f == 0.0 {
        Some(if f.is_sign_negative() { "-0.0" } else { "0.0" })
    } else {
        None
    }
}

/// Squeak's float print format (Float>>absPrintExactlyOn:base:):
/// shortest digits that read back to the same float; fixed notation
/// when the decimal exponent is in -4 .. 15, `1.0e16` / `1.0e-5` style
/// otherwise.
pub fn format_float(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp >= 0 {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                format!("{}{}.0", digits, "0".repeat(int_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            let _ = n;
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{}{}", sign, s)
    } else {
        let frac = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{}{}.{}e{}", sign, &digits[..1], frac, exp)
    }
}

fn check_index(i: Value, len: usize) -> Option<usize> {
    let i = i.as_int()?;
    if i >= 1 && (i as usize) <= len {
        Some(i as usize - 1)
    } else {
        None
    }
}

/// Calls primitive `prim`. The receiver and `argc` arguments are the top
/// of the stack.
pub fn call(vm: &mut Vm, prim: u16, argc: usize) -> PrimResult {
    let n = vm.stack.len();
    if n < argc + 1 {
        return Fail;
    }
    let r = vm.stack[n - argc - 1];
    let a = |i: usize| vm.stack[n - argc + i];
    let a0 = if argc > 0 { a(0) } else { Value::NIL };
    let a1 = if argc > 1 { a(1) } else { Value::NIL };
    let a2 = if argc > 2 { a(2) } else { Value::NIL };
    let a3 = if argc > 3 { a(3) } else { Value::NIL };
    match prim {
        1..=17 | 20 => {
            if argc != 1 {
                return Fail;
            }
            int_op(vm, prim, r, a0)
        }
        40 => match vm.to_big(r).and_then(|b| b.to_f64()) {
            Some(f) => Value(vm.new_float(f)),
            None => Fail,
        },
        41..=50 | 54 => {
            if argc != 1 {
                return Fail;
            }
            float_op(vm, prim, r, a0)
        }
        51 => match vm.to_float(r) {
            Some(f) if f.is_finite() => {
                let t = f.trunc();
                let v = if t.abs() < 1e18 {
                    vm.int_from_i128(t as i128)
                } else {
                    match num_bigint::BigInt::from_signed_bytes_le(&[])
                        .checked_add(&float_to_big(t))
                    {
                        Some(b) => vm.int_from_big(b),
                        None => return Fail,
                    }
                };
                Value(v)
            }
            _ => Fail,
        },
        52 => match vm.to_float(r) {
            Some(f) => Value(vm.new_float(f.fract())),
            None => Fail,
        },
        53 => match vm.to_float(r) {
            Some(f) if f != 0.0 && f.is_finite() => {
                Value(Value::small(f.abs().log2().floor() as i64))
            }
            _ => Fail,
        },
        55..=59 => match vm.to_float(r) {
            Some(f) => {
                let v = match prim {
                    55 => f.sqrt(),
                    56 => f.sin(),
                    57 => f.atan(),
                    58 => f.ln(),
                    _ => f.exp(),
                };
                Value(vm.new_float(v))
            }
            None => Fail,
        },
        60 | 63 => {
            // basicAt:
            let i = a0;
            let class = vm.class_of(r);
            let named = vm.classes[class as usize].inst_vars.len();
            match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Slots(s)) => match check_index(i, s.len().saturating_sub(named)) {
                    Some(ix) => Value(s[named + ix]),
                    None => Fail,
                },
                Some(Body::Bytes(b)) => match check_index(i, b.len()) {
                    Some(ix) => {
                        let byte = b[ix];
                        let is_string = vm.inherits_from(class, vm.k.string);
                        if is_string {
                            Value(Value::char(byte as u32))
                        } else {
                            Value(Value::small(byte as i64))
                        }
                    }
                    None => Fail,
                },
                _ => Fail,
            }
        }
        61 | 64 => {
            let class = vm.class_of(r);
            if class == vm.k.byte_symbol {
                return Fail; // symbols are immutable
            }
            let named = vm.classes[class as usize].inst_vars.len();
            // only byte objects need to know whether they hold characters
            let is_string = matches!(vm.heap.try_get(r).map(|o| &o.body), Some(Body::Bytes(_)))
                && vm.inherits_from(class, vm.k.string);
            match vm.heap.try_get_mut(r).map(|o| &mut o.body) {
                Some(Body::Slots(s)) => match check_index(a0, s.len().saturating_sub(named)) {
                    Some(ix) => {
                        s[named + ix] = a1;
                        Value(a1)
                    }
                    None => Fail,
                },
                Some(Body::Bytes(b)) => match check_index(a0, b.len()) {
                    Some(ix) => {
                        let byte = if is_string {
                            match a1.as_char() {
                                Some(c) if c < 256 => c as u8,
                                _ => return Fail,
                            }
                        } else {
                            match a1.as_int() {
                                Some(x) if (0..256).contains(&x) => x as u8,
                                _ => return Fail,
                            }
                        };
                        b[ix] = byte;
                        Value(a1)
                    }
                    None => Fail,
                },
                _ => Fail,
            }
        }
        62 => {
            let class = vm.class_of(r);
            let named = vm.classes[class as usize].inst_vars.len();
            match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Slots(s)) => Value(Value::small(s.len().saturating_sub(named) as i64)),
                Some(Body::Bytes(b)) => Value(Value::small(b.len() as i64)),
                _ => Value(Value::small(0)),
            }
        }
        70 | 71 => {
            let class = match vm.class_id_of(r) {
                Some(c) => c,
                None => return Fail,
            };
            let size = if prim == 71 {
                match a0.as_int() {
                    Some(s) if s >= 0 => s as usize,
                    _ => return Fail,
                }
            } else {
                0
            };
            if size > 64 << 20 {
                return Fail;
            }
            if vm.heap.would_exceed(size * 8) {
                // (`live` is as of the last collection: what was let go
                // since may be enough)
                vm.collect_garbage();
            }
            if vm.heap.would_exceed(size * 8) {
                // the fallback code signals OutOfMemory, within a reserve;
                // out of memory even with it, the process stops
                if !vm.heap.grant_reserve() {
                    // (it answers nil should the process be proceeded)
                    vm.fatal("out of memory", "OutOfMemory");
                    return Value(Value::NIL);
                }
                return Fail;
            }
            let info = &vm.classes[class as usize];
            let named = info.inst_vars.len();
            let body = match info.format {
                Format::Pointers if prim == 70 => Body::Slots(vec![Value::NIL; named]),
                Format::Indexable => Body::Slots(vec![Value::NIL; named + size]),
                Format::Bytes => Body::Bytes(vec![0; size]),
                _ => return Fail,
            };
            Value(vm.heap.alloc(class, body))
        }
        73 => {
            let class = vm.class_of(r);
            let named = vm.classes[class as usize].inst_vars.len();
            match a0.as_int() {
                Some(i) if i >= 1 && (i as usize) <= named => Value(vm.slot(r, i as usize - 1)),
                _ => Fail,
            }
        }
        74 => {
            let class = vm.class_of(r);
            let named = vm.classes[class as usize].inst_vars.len();
            match a0.as_int() {
                Some(i) if i >= 1 && (i as usize) <= named => {
                    vm.set_slot(r, i as usize - 1, a1);
                    Value(a1)
                }
                _ => Fail,
            }
        }
        75 => {
            let h = if let Some(i) = r.as_int() {
                i
            } else if let Some(c) = r.as_char() {
                c as i64
            } else {
                vm.heap.get(r).hash as i64
            };
            Value(Value::small(h))
        }
        83 => {
            // perform: sel with: ... — drop the selector, send
            if argc == 0 {
                return Fail;
            }
            let sel = a0;
            if vm.class_of(sel) != vm.k.byte_symbol {
                return Fail;
            }
            if selector_arity(vm, sel) != Some(argc - 1) {
                return Fail;
            }
            vm.stack.remove(n - argc);
            vm.send(sel, argc - 1, None);
            Done
        }
        84 => {
            let sel = a0;
            let args: Vec<Value> = match vm.heap.try_get(a1).map(|o| &o.body) {
                Some(Body::Slots(s)) if vm.class_of(a1) == vm.k.array => s.clone(),
                _ => return Fail,
            };
            if vm.class_of(sel) != vm.k.byte_symbol || selector_arity(vm, sel) != Some(args.len()) {
                return Fail;
            }
            vm.stack.truncate(n - argc);
            let k = args.len();
            vm.stack.extend(args);
            vm.send(sel, k, None);
            Done
        }
        105 => {
            // replaceFrom: start to: stop with: repl startingAt: repStart
            let (start, stop, rs) = match (a0.as_int(), a1.as_int(), a3.as_int()) {
                (Some(s), Some(e), Some(rs)) => (s, e, rs),
                _ => return Fail,
            };
            if stop < start {
                return Value(r);
            }
            if start < 1 || rs < 1 {
                return Fail;
            }
            let count = (stop - start + 1) as usize;
            let (start, rs) = (start as usize - 1, rs as usize - 1);
            let rc = vm.class_of(r);
            let named = vm.classes[rc as usize].inst_vars.len();
            let sc = vm.class_of(a2);
            let snamed = vm.classes[sc as usize].inst_vars.len();
            let src: Result<Vec<Value>, Vec<u8>> = match vm.heap.try_get(a2).map(|o| &o.body) {
                Some(Body::Slots(s)) => {
                    let s = &s[snamed.min(s.len())..];
                    if rs + count > s.len() {
                        return Fail;
                    }
                    Ok(s[rs..rs + count].to_vec())
                }
                Some(Body::Bytes(b)) => {
                    if rs + count > b.len() {
                        return Fail;
                    }
                    Err(b[rs..rs + count].to_vec())
                }
                _ => return Fail,
            };
            match (vm.heap.try_get_mut(r).map(|o| &mut o.body), src) {
                (Some(Body::Slots(d)), Ok(v)) => {
                    if named + start + count > d.len() {
                        return Fail;
                    }
                    d[named + start..named + start + count].copy_from_slice(&v);
                }
                (Some(Body::Bytes(d)), Err(v)) => {
                    if start + count > d.len() {
                        return Fail;
                    }
                    d[start..start + count].copy_from_slice(&v);
                }
                _ => return Fail,
            }
            Value(r)
        }
        110 => Value(Value::bool(vm.identical(r, a0))),
        169 => Value(Value::bool(!vm.identical(r, a0))),
        111 => {
            let c = vm.class_of(r);
            Value(vm.classes[c as usize].obj)
        }
        148 => {
            if !r.is_obj() || r == Value::NIL || r == Value::TRUE || r == Value::FALSE {
                return Value(r);
            }
            let o = vm.heap.get(r);
            let class = o.class;
            let body = match &o.body {
                Body::Slots(s) => Body::Slots(s.clone()),
                Body::Bytes(b) => Body::Bytes(b.clone()),
                Body::Float(f) => Body::Float(*f),
                Body::Large(b) => Body::Large(b.clone()),
                _ => return Value(r),
            };
            if class == vm.k.byte_symbol {
                return Value(r);
            }
            Value(vm.heap.alloc(class, body))
        }
        170 => match a0.as_int() {
            Some(c) if (0..=0x10FFFF).contains(&c) => Value(Value::char(c as u32)),
            _ => Fail,
        },
        171 => match r.as_char() {
            Some(c) => Value(Value::small(c as i64)),
            None => Fail,
        },
        201..=206 => {
            let (args_ok, k) = if prim == 206 {
                let items: Vec<Value> = match vm.heap.try_get(a0).map(|o| &o.body) {
                    Some(Body::Slots(s)) if vm.class_of(a0) == vm.k.array => s.clone(),
                    _ => return Fail,
                };
                let k = items.len();
                (Some(items), k)
            } else {
                (None, argc)
            };
            let closure = r;
            let nargs = match vm.heap.try_get(closure).map(|o| &o.body) {
                Some(Body::Closure(c)) => c.code.num_args as usize,
                _ => return Fail,
            };
            if nargs != k {
                return Fail;
            }
            if let Some(items) = args_ok {
                vm.stack.truncate(n - argc);
                vm.stack.extend(items);
            }
            if vm.activate_block(closure, k, OnReturn::Push) {
                Done
            } else {
                Fail
            }
        }
        p if p >= sys::BASE => {
            let name = sys::NAMED
                .get((p - sys::BASE) as usize)
                .copied()
                .unwrap_or("");
            let args: Vec<Value> = vm.stack[n - argc..].to_vec();
            sys::call(vm, name, r, &args, n)
        }
        p if p >= coll::BASE => {
            let name = coll::NAMED
                .get((p - coll::BASE) as usize)
                .copied()
                .unwrap_or("");
            let args: Vec<Value> = vm.stack[n - argc..].to_vec();
            coll::call(vm, name, r, &args, n)
        }
        p if p >= num::BASE => {
            let name = num::NAMED
                .get((p - num::BASE) as usize)
                .copied()
                .unwrap_or("");
            let args: Vec<Value> = vm.stack[n - argc..].to_vec();
            num::call(vm, name, r, &args, n)
        }
        p if p >= NAMED_BASE => named(
            vm,
            NAMED.get((p - NAMED_BASE) as usize).copied().unwrap_or(""),
            r,
            argc,
            [a0, a1, a2, a3],
            n,
        ),
        _ => Fail,
    }
}

fn float_to_big(f: f64) -> BigInt {
    // exact conversion of an integral float
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let exp = ((bits >> 52) & 0x7FF) as i64;
    let mant = if exp == 0 {
        (bits & ((1 << 52) - 1)) << 1
    } else {
        (bits & ((1 << 52) - 1)) | (1 << 52)
    };
    let e = exp - 1075;
    let mut b = BigInt::from(mant);
    if e > 0 {
        b <<= e as usize;
    } else if e < 0 {
        b >>= (-e) as usize;
    }
    if neg {
        -b
    } else {
        b
    }
}

fn selector_arity(vm: &Vm, sel: Value) -> Option<usize> {
    let s = vm.bytes_of(sel)?;
    if s.is_empty() {
        return None;
    }
    let colons = s.iter().filter(|&&c| c == b':').count();
    if colons > 0 {
        Some(colons)
    } else if s[0].is_ascii_alphabetic() || s[0] == b'_' {
        Some(0)
    } else {
        Some(1)
    }
}

fn named(vm: &mut Vm, name: &str, r: Value, argc: usize, a: [Value; 4], n: usize) -> PrimResult {
    let [a0, a1, a2, a3] = a;
    let _ = (a2, a3);
    match name {
        "floatPrintString" => match vm.to_float(r) {
            Some(f) => Value(vm.new_string(&format_float(f))),
            None => Fail,
        },
        "intPrintBase" => {
            let base = if argc > 0 {
                a0.as_int().unwrap_or(10)
            } else {
                10
            };
            if !(2..=36).contains(&base) {
                return Fail;
            }
            match vm.to_big(r) {
                Some(b) => {
                    let s = b.to_str_radix(base as u32).to_uppercase();
                    Value(vm.new_string(&s))
                }
                None => Fail,
            }
        }
        "intGcd" => match (vm.to_big(r), vm.to_big(a0)) {
            (Some(x), Some(y)) => Value(vm.int_from_big(x.gcd(&y))),
            _ => Fail,
        },
        "intHighBit" => match vm.to_big(r) {
            Some(x) => Value(Value::small(x.bits() as i64)),
            None => Fail,
        },
        "intSqrtFloor" => match vm.to_big(r) {
            Some(x) if !x.is_negative() => Value(vm.int_from_big(x.sqrt())),
            _ => Fail,
        },
        "intAsFloat" => match vm.to_big(r).and_then(|b| b.to_f64()) {
            Some(f) => Value(vm.new_float(f)),
            None => Fail,
        },
        "intFromString" => {
            let s = match vm.str_of(r) {
                Some(s) => s,
                None => return Fail,
            };
            let base = a0.as_int().unwrap_or(10);
            if !(2..=36).contains(&base) {
                return Fail;
            }
            match BigInt::parse_bytes(s.trim().as_bytes(), base as u32) {
                Some(b) => Value(vm.int_from_big(b)),
                None => Value(Value::NIL),
            }
        }
        "transcriptShow" => match vm.str_of(a0) {
            Some(s) => {
                vm.transcript.push_str(&s);
                Value(r)
            }
            None => Fail,
        },
        "millisecondClock" => Value(Value::small((vm.clock)() as i64)),
        "microsecondClock" => Value(Value::small(((vm.clock)() * 1000.0) as i64)),
        "garbageCollect" => {
            // collecting inside a primitive is unsafe (Rust locals);
            // request it for the next safe point instead
            vm.heap.allocated = vm.heap.threshold + 1;
            Value(r)
        }
        "globalAt" => {
            let key = match vm.str_of(a0) {
                Some(s) => s,
                None => return Fail,
            };
            match vm.global(&key) {
                Some(v) => Value(v),
                None => Fail,
            }
        }
        "globalAtPut" => match vm.str_of(a0) {
            Some(key) => {
                vm.set_global(&key, a1);
                Value(a1)
            }
            None => Fail,
        },
        "globalIncludes" => match vm.str_of(a0) {
            Some(key) => Value(Value::bool(vm.globals.contains_key(&key))),
            None => Fail,
        },
        "globalRemove" => match vm.str_of(a0) {
            Some(key) => match vm.globals.remove(&key) {
                Some(b) => Value(vm.assoc_value(b)),
                None => Fail,
            },
            None => Fail,
        },
        "globalKeys" => {
            let mut keys: Vec<String> = vm.globals.keys().cloned().collect();
            keys.sort();
            Value(vm.symbol_list(keys))
        }
        "className" => match vm.class_id_of(r) {
            Some(c) => {
                let name = vm.classes[c as usize].name.clone();
                if vm.classes[c as usize].is_meta {
                    Value(vm.new_string(&name))
                } else {
                    Value(vm.intern(&name))
                }
            }
            None => Fail,
        },
        "classSuperclass" => match vm.class_id_of(r) {
            Some(c) => match vm.classes[c as usize].superclass {
                Some(s) => Value(vm.classes[s as usize].obj),
                None => Value(Value::NIL),
            },
            None => Fail,
        },
        "classDefine" => {
            // superclass subclass: #Name instanceVariableNames: 'a b'
            //   classVariableNames: 'C' poolDictionaries: '' category: 'x'
            // a0 name, a1 ivars, a2 classvars, a3 category, plus format
            // in the selector's receiver: handled in Smalltalk, passing
            // the format name as 5th arg via the stack.
            let sup = if r == Value::NIL {
                None
            } else {
                vm.class_id_of(r)
            };
            if r != Value::NIL && sup.is_none() {
                return Fail;
            }
            let name = match vm.str_of(a0) {
                Some(s) => s,
                None => return Fail,
            };
            let ivars: Vec<String> = vm
                .str_of(a1)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            let cvars: Vec<String> = vm
                .str_of(a2)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            let category = vm.str_of(a3).unwrap_or_default();
            let fmt_name = if argc > 4 {
                vm.str_of(vm.stack[n - argc + 4]).unwrap_or_default()
            } else {
                String::new()
            };
            let format = match fmt_name.as_str() {
                "variable" => Format::Indexable,
                "bytes" => Format::Bytes,
                _ => match sup {
                    Some(s) => match vm.classes[s as usize].format {
                        Format::Special => Format::Pointers,
                        f => f,
                    },
                    None => Format::Pointers,
                },
            };
            match vm.define_class(&name, sup, &ivars, format, &category) {
                Ok(c) => {
                    for cv in cvars {
                        vm.add_class_var(c, &cv);
                    }
                    Value(vm.classes[c as usize].obj)
                }
                Err(e) => {
                    vm.warnings.push(e);
                    Fail
                }
            }
        }
        "classInstVarNamesSet" => {
            // Foo class instanceVariableNames: 'a b' — receiver: metaclass
            let meta = match vm.class_id_of(r) {
                Some(c) if vm.classes[c as usize].is_meta => c,
                _ => return Fail,
            };
            let names: Vec<String> = vm
                .str_of(a0)
                .unwrap_or_default()
                .split_whitespace()
                .map(String::from)
                .collect();
            let sup = vm.classes[meta as usize].superclass;
            let mut all = sup
                .map(|s| vm.classes[s as usize].inst_vars.clone())
                .unwrap_or_default();
            all.extend(names);
            match vm.reshape_class(meta, sup, all, Format::Special) {
                Ok(()) => Value(r),
                Err(_) => Fail,
            }
        }
        "classVarAdd" => match (vm.class_id_of(r), vm.str_of(a0)) {
            (Some(c), Some(name)) => {
                vm.add_class_var(c, &name);
                Value(r)
            }
            _ => Fail,
        },
        "classCompile" => {
            let class = match vm.class_id_of(r) {
                Some(c) => c,
                None => return Fail,
            };
            let src = match vm.str_of(a0) {
                Some(s) => s,
                None => return Fail,
            };
            let cat = if argc > 1 {
                vm.str_of(a1).unwrap_or_default()
            } else {
                "as yet unclassified".into()
            };
            match vm.compile_and_install(class, &src, &cat, true) {
                Ok(m) => {
                    let sel = vm
                        .method_code(m)
                        .map(|c| c.info.selector.clone())
                        .unwrap_or_default();
                    Value(vm.intern(&sel))
                }
                Err(e) => {
                    // answer the error text; the Smalltalk side signals
                    Value(vm.new_string(&e.render(&src)))
                }
            }
        }
        "classRemoveSelector" => match (vm.class_id_of(r), vm.str_of(a0)) {
            (Some(c), Some(sel)) => {
                vm.remove_method(c, &sel);
                Value(r)
            }
            _ => Fail,
        },
        "classSelectors" => match vm.class_id_of(r) {
            Some(c) => {
                let mut names: Vec<String> = vm.classes[c as usize]
                    .methods
                    .keys()
                    .filter_map(|k| vm.str_of(*k))
                    .collect();
                names.sort();
                Value(vm.symbol_list(names))
            }
            None => Fail,
        },
        "classIncludesSelector" => match vm.class_id_of(r) {
            Some(c) => Value(Value::bool(
                vm.classes[c as usize].methods.contains_key(&a0),
            )),
            None => Fail,
        },
        "classLookup" => match vm.class_id_of(r) {
            Some(c) => Value(vm.lookup_uncached(c, a0).unwrap_or(Value::NIL)),
            None => Fail,
        },
        "classMethodAt" => match vm.class_id_of(r) {
            Some(c) => Value(
                vm.classes[c as usize]
                    .methods
                    .get(&a0)
                    .copied()
                    .unwrap_or(Value::NIL),
            ),
            None => Fail,
        },
        "classInstVarNames" => match vm.class_id_of(r) {
            Some(c) => {
                let own = vm.classes[c as usize].own_inst_vars(vm).to_vec();
                let items: Vec<Value> = own.iter().map(|s| vm.new_string(s)).collect();
                Value(vm.new_array(items))
            }
            None => Fail,
        },
        "classVarNames" => match vm.class_id_of(r) {
            Some(c) => {
                let names: Vec<String> = vm.classes[c as usize]
                    .class_vars
                    .iter()
                    .map(|(n, _)| n.clone())
                    .collect();
                Value(vm.symbol_list(names))
            }
            None => Fail,
        },
        "classCategory" => match vm.class_id_of(r) {
            Some(c) => {
                let s = vm.classes[c as usize].category.clone();
                Value(vm.new_string(&s))
            }
            None => Fail,
        },
        "classComment" => match vm.class_id_of(r) {
            Some(c) => {
                let s = vm.classes[c as usize].comment.clone();
                Value(vm.new_string(&s))
            }
            None => Fail,
        },
        "classCommentSet" => match (vm.class_id_of(r), vm.str_of(a0)) {
            (Some(c), Some(s)) => {
                vm.classes[c as usize].comment = s;
                Value(r)
            }
            _ => Fail,
        },
        "classIsMeta" => match vm.class_id_of(r) {
            Some(c) => Value(Value::bool(vm.classes[c as usize].is_meta)),
            None => Fail,
        },
        "classPartner" => match vm.class_id_of(r) {
            Some(c) => {
                let p = vm.classes[c as usize].partner;
                Value(vm.classes[p as usize].obj)
            }
            None => Fail,
        },
        "classSubclasses" => match vm.class_id_of(r) {
            Some(c) => {
                let subs: Vec<Value> = vm
                    .classes
                    .iter()
                    .filter(|k| {
                        k.superclass == Some(c) && k.is_meta == vm.classes[c as usize].is_meta
                    })
                    .map(|k| k.obj)
                    .collect();
                Value(vm.new_array(subs))
            }
            None => Fail,
        },
        "allClasses" => {
            let mut cs: Vec<(String, Value)> = vm
                .classes
                .iter()
                .filter(|k| !k.is_meta)
                .map(|k| (k.name.clone(), k.obj))
                .collect();
            cs.sort_by(|x, y| x.0.cmp(&y.0));
            let items = cs.into_iter().map(|(_, v)| v).collect();
            Value(vm.new_array(items))
        }
        "classNamed" => match vm.str_of(a0) {
            Some(s) => match vm.class_named(&s) {
                Some(c) => Value(vm.classes[c as usize].obj),
                None => Value(Value::NIL),
            },
            None => Fail,
        },
        "classVersion" => match (vm.class_id_of(r), vm.str_of(a0)) {
            (Some(c), Some(s)) => Value(Value::small(
                vm.classes[c as usize]
                    .versions
                    .get(&s)
                    .copied()
                    .unwrap_or(0) as i64,
            )),
            _ => Fail,
        },
        "methodSource" | "methodSelector" | "methodClass" | "methodPrimitive" => {
            let code = match vm.method_code(r) {
                Some(c) => c,
                None => return Fail,
            };
            match name {
                "methodSource" => Value(vm.new_string(&code.info.source)),
                "methodSelector" => Value(vm.intern(&code.info.selector)),
                "methodClass" => Value(vm.classes[code.info.class as usize].obj),
                _ => Value(Value::small(code.info.primitive as i64)),
            }
        }
        "closureMethod" | "closureReceiver" | "numArgs" => {
            match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Closure(c)) => Value(match name {
                    "closureMethod" => c.method,
                    "closureReceiver" => c.receiver,
                    _ => Value::small(c.code.num_args as i64),
                }),
                _ => Fail,
            }
        }
        "ctxSender" | "ctxReceiver" | "ctxMethod" | "ctxPrintName" | "ctxIsDead"
        | "ctxSelector" | "ctxPc" => {
            // a frame inside an inlined callee's body would answer its
            // caller's pc there, and skip the callee as a sender: the
            // interpreter's frames first
            vm.materialize_if_inlined();
            let (pid, fi) = match vm.ctx_frame(r) {
                Some(x) => x,
                None => return Fail,
            };
            if name == "ctxIsDead" {
                return Value(Value::bool(fi.is_none()));
            }
            let fi = match fi {
                Some(f) => f,
                None => return Value(Value::NIL),
            };
            let frames = vm.frames_of(pid);
            let f = &frames[fi];
            match name {
                "ctxSender" => {
                    if fi == 0 {
                        Value(Value::NIL)
                    } else {
                        let s = frames[fi - 1].serial;
                        Value(vm.new_context(pid, s))
                    }
                }
                "ctxReceiver" => Value(f.receiver),
                "ctxMethod" => Value(f.method),
                "ctxPc" => Value(Value::small(f.pc as i64)),
                "ctxSelector" => {
                    let s = f.code.info.selector.clone();
                    Value(vm.intern(&s))
                }
                _ => {
                    let s = f.code.print_name();
                    Value(vm.new_string(&s))
                }
            }
        }
        "ctxTempAt" | "ctxTempAtPut" => {
            let (pid, fi) = match vm.ctx_frame(r) {
                Some((p, Some(f))) => (p, f),
                _ => return Fail,
            };
            let i = match a0.as_int() {
                Some(i) if i >= 1 => i as usize - 1,
                _ => return Fail,
            };
            let (frames, stack) = if pid == vm.active {
                (&vm.frames, &mut vm.stack)
            } else {
                let p = &mut vm.procs[pid];
                (&p.frames, &mut p.stack)
            };
            let f = &frames[fi];
            if i >= f.code.num_temps as usize {
                return Fail;
            }
            let at = f.bp as usize + i;
            if name == "ctxTempAt" {
                Value(stack.get(at).copied().unwrap_or(Value::NIL))
            } else {
                if let Some(x) = stack.get_mut(at) {
                    *x = a1;
                }
                Value(a1)
            }
        }
        "ctxReturn" | "ctxRestart" => {
            vm.materialize_if_inlined();
            let (pid, fi) = match vm.ctx_frame(r) {
                Some((p, Some(f))) => (p, f),
                _ => return Fail,
            };
            if pid != vm.active {
                return Fail;
            }
            let serial = vm.frames[fi].serial;
            // pop the primitive's own arguments first
            vm.stack.truncate(n - argc - 1);
            if name == "ctxReturn" {
                vm.unwind(serial, UnwindAction::ReturnFrom(a0));
            } else {
                vm.unwind(serial, UnwindAction::Restart);
            }
            Done
        }
        "ctxFindHandler" => {
            vm.materialize_if_inlined();
            // first handler frame at or below the receiver context
            let (pid, fi) = match vm.ctx_frame(r) {
                Some((p, Some(f))) => (p, f),
                Some((_, None)) => return Value(Value::NIL),
                None => return Fail,
            };
            let frames = vm.frames_of(pid);
            let found = frames[..=fi]
                .iter()
                .rposition(|f| f.code.info.marker == Marker::Handler && !f.code.is_block)
                .map(|i| frames[i].serial);
            match found {
                Some(s) => Value(vm.new_context(pid, s)),
                None => Value(Value::NIL),
            }
        }
        "suspendUnhandled" => {
            // receiver: the exception; a0: its description
            // (the report shows the interpreter's frames)
            vm.materialize_process(vm.active);
            let pid = vm.active;
            let cname = {
                let c = vm.class_of(r);
                vm.classes[c as usize].name.clone()
            };
            let message = vm.str_of(a0).unwrap_or_default();
            // hide `signal` and the handler search above it in reports
            let user_frames = vm
                .frames
                .iter()
                .position(|f| f.receiver == r && f.code.info.selector.starts_with("signal"))
                .unwrap_or(vm.frames.len());
            // the primitive answers nil when the process is proceeded
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(Value::NIL);
            vm.procs[pid].error = Some(ErrorInfo {
                exception: r,
                class_name: cname,
                message,
                user_frames,
            });
            vm.block_active(ProcState::Errored);
            vm.events.push_back(Outcome::Error { pid });
            Done
        }
        "fork" => {
            // aBlock forkAt: priority (or fork: a0 nil)
            let pr = a0
                .as_int()
                .map(|p| p.clamp(1, 80) as u8)
                .unwrap_or_else(|| {
                    if vm.active < vm.procs.len() {
                        vm.procs[vm.active].priority
                    } else {
                        USER_PRIORITY
                    }
                });
            let nargs = match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Closure(c)) => c.code.num_args,
                _ => return Fail,
            };
            if nargs != 0 {
                return Fail;
            }
            let pid = vm.start_block(r, pr);
            let obj = vm.procs[pid].obj;
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(obj);
            vm.make_ready(pid);
            Done
        }
        "yield" => {
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(r);
            vm.yield_active();
            Done
        }
        "activeProcess" => {
            if vm.active < vm.procs.len() {
                Value(vm.procs[vm.active].obj)
            } else {
                Value(Value::NIL)
            }
        }
        "processTerminate" | "processSuspend" | "processResume" | "processPriority"
        | "processPrioritySet" => {
            let pid = match vm.process_id(r) {
                Some(p) if p < vm.procs.len() => p,
                _ => return Fail,
            };
            match name {
                "processPriority" => Value(Value::small(vm.procs[pid].priority as i64)),
                "processPrioritySet" => match a0.as_int() {
                    Some(p) if (1..=80).contains(&p) => {
                        // (as in Squeak, a ready process stays in the queue
                        // it is in until it runs)
                        vm.procs[pid].priority = p as u8;
                        Value(r)
                    }
                    _ => Fail,
                },
                "processResume" => {
                    if matches!(vm.procs[pid].state, ProcState::Suspended) {
                        vm.make_ready(pid);
                    }
                    Value(r)
                }
                "processSuspend" => {
                    vm.stack.truncate(n - argc - 1);
                    vm.stack.push(r);
                    if pid == vm.active {
                        vm.block_active(ProcState::Suspended);
                    } else if vm.procs[pid].state == ProcState::Ready {
                        vm.procs[pid].state = ProcState::Suspended;
                        vm.dequeue(pid);
                    }
                    Done
                }
                _ => {
                    vm.stack.truncate(n - argc - 1);
                    vm.stack.push(r);
                    vm.terminate(pid);
                    Done
                }
            }
        }
        "semSignal" => {
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(r);
            vm.semaphore_signal(r);
            Done
        }
        "semWait" => {
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(r);
            vm.semaphore_wait(r);
            Done
        }
        "delayWait" => {
            let ms = match vm.to_float(a0) {
                // infinite or NaN waits fail: nothing could ever wake them
                Some(ms) if ms >= 0.0 && ms.is_finite() => ms,
                _ => return Fail,
            };
            vm.stack.truncate(n - argc - 1);
            vm.stack.push(r);
            let until = (vm.clock)() + ms;
            vm.block_active(ProcState::Sleeping(until));
            Done
        }
        "stringCompare" => match (vm.bytes_of(r), vm.bytes_of(a0)) {
            (Some(x), Some(y)) => Value(Value::small(match x.cmp(y) {
                std::cmp::Ordering::Less => 1,
                std::cmp::Ordering::Equal => 2,
                std::cmp::Ordering::Greater => 3,
            })),
            _ => Fail,
        },
        "stringEq" => match (vm.bytes_of(r), vm.bytes_of(a0)) {
            (Some(x), Some(y)) => {
                let ca = vm.class_of(r);
                let cb = vm.class_of(a0);
                let both_text =
                    vm.inherits_from(ca, vm.k.string) == vm.inherits_from(cb, vm.k.string);
                Value(Value::bool(both_text && x == y))
            }
            (Some(_), None) => Value(Value::FALSE),
            _ => Fail,
        },
        "stringHash" => match vm.bytes_of(r) {
            Some(b) => {
                // FNV-1a, folded into SmallInteger range
                let mut h: u64 = 0xcbf29ce484222325;
                for &c in b {
                    h ^= c as u64;
                    h = h.wrapping_mul(0x100000001b3);
                }
                Value(Value::small((h & 0x0FFF_FFFF) as i64))
            }
            None => Fail,
        },
        "asSymbol" => match vm.str_of(r) {
            Some(s) => Value(vm.intern(&s)),
            None => Fail,
        },
        "symbolAsString" => match vm.str_of(r) {
            Some(s) => Value(vm.new_string(&s)),
            None => Fail,
        },
        "symbolFlush" => Value(r),
        "stringAsNumber" => {
            let s = match vm.str_of(r) {
                Some(s) => s,
                None => return Fail,
            };
            Value(parse_number(vm, s.trim()))
        }
        "concat" => {
            let rc = vm.class_of(r);
            let out = match (
                vm.heap.try_get(r).map(|o| &o.body),
                vm.heap.try_get(a0).map(|o| &o.body),
            ) {
                (Some(Body::Bytes(x)), Some(Body::Bytes(y))) => {
                    let mut v = x.clone();
                    v.extend_from_slice(y);
                    Body::Bytes(v)
                }
                (Some(Body::Slots(x)), Some(Body::Slots(y)))
                    if vm.classes[rc as usize].inst_vars.is_empty() && vm.class_of(a0) == rc =>
                {
                    let mut v = x.clone();
                    v.extend_from_slice(y);
                    Body::Slots(v)
                }
                _ => return Fail,
            };
            let class = if rc == vm.k.byte_symbol {
                vm.k.byte_string
            } else {
                rc
            };
            Value(vm.heap.alloc(class, out))
        }
        "floatTruncated" | "floatFloorLog10" | "floatCos" | "floatTan" | "floatArcSin"
        | "floatArcCos" | "floatIsNaN" | "floatIsInfinite" => {
            let f = match vm.to_float(r) {
                Some(f) => f,
                None => return Fail,
            };
            match name {
                "floatCos" => Value(vm.new_float(f.cos())),
                "floatTan" => Value(vm.new_float(f.tan())),
                "floatArcSin" => Value(vm.new_float(f.asin())),
                "floatArcCos" => Value(vm.new_float(f.acos())),
                "floatIsNaN" => Value(Value::bool(f.is_nan())),
                "floatIsInfinite" => Value(Value::bool(f.is_infinite())),
                "floatFloorLog10" => {
                    if f <= 0.0 || !f.is_finite() {
                        return Fail;
                    }
                    Value(Value::small(f.log10().floor() as i64))
                }
                _ => {
                    if !f.is_finite() {
                        return Fail;
                    }
                    Value(vm.int_from_big(float_to_big(f.trunc())))
                }
            }
        }
        "floatRaisedTo" => match (vm.to_float(r), vm.to_float(a0)) {
            (Some(x), Some(y)) => Value(vm.new_float(x.powf(y))),
            _ => Fail,
        },
        "printFloatExact" => Fail,
        // the drawing primitives (named in NAMED above) are prims_draw's
        n if n.starts_with("draw") => draw::call(vm, n, r, a),
        "basicIdentityHash" => {
            if r.is_obj() {
                Value(Value::small(vm.heap.get(r).hash as i64))
            } else {
                Fail
            }
        }
        _ => Fail,
    }
}

/// Reads a number the way Smalltalk source writes it (`'-12' asNumber`,
/// `'1.5e3'`, `'16r1F'`); nil if the text is not a number.
fn parse_number(vm: &mut Vm, s: &str) -> Value {
    use crate::syntax::lexer::{Lexer, Tok};
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let toks = Lexer::tokenize(body);
    if toks.len() != 2 {
        return Value::NIL;
    }
    match &toks[0].tok {
        Tok::Integer(n) => {
            let n = if neg { -n.clone() } else { n.clone() };
            vm.int_from_big(n)
        }
        Tok::Float(f) => vm.new_float(if neg { -f } else { *f }),
        _ => Value::NIL,
    }
}
