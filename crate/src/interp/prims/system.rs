//! The system around the objects: the Transcript, clocks, garbage
//! collection and memory, the VM's counters, and global variables.

use super::class::symbol_list;
use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::Value;

pub(super) fn transcript_show(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(s) => {
            vm.transcript.push_str(&s);
            Value(c.r)
        }
        None => Fail,
    }
}

pub(super) fn millisecond_clock(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small((vm.clock)() as i64))
}

pub(super) fn microsecond_clock(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small(((vm.clock)() * 1000.0) as i64))
}

pub(super) fn garbage_collect(vm: &mut Vm, c: Args) -> PrimResult {
    // collecting inside a primitive is unsafe (Rust locals);
    // request it for the next safe point instead
    vm.heap.allocated = vm.heap.threshold + 1;
    Value(c.r)
}

pub(super) fn global_at(vm: &mut Vm, c: Args) -> PrimResult {
    let key = match vm.str_of(c.a0) {
        Some(s) => s,
        None => return Fail,
    };
    match vm.global(&key) {
        Some(v) => Value(v),
        None => Fail,
    }
}

pub(super) fn global_at_put(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(key) => {
            vm.set_global(&key, c.a1);
            Value(c.a1)
        }
        None => Fail,
    }
}

pub(super) fn global_includes(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(key) => Value(Value::bool(vm.globals.contains_key(&key))),
        None => Fail,
    }
}

pub(super) fn global_remove(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(key) => match vm.globals.remove(&key) {
            Some(b) => Value(vm.assoc_value(b)),
            None => Fail,
        },
        None => Fail,
    }
}

pub(super) fn global_keys(vm: &mut Vm, _: Args) -> PrimResult {
    let mut keys: Vec<String> = vm.globals.keys().cloned().collect();
    keys.sort();
    Value(symbol_list(vm, keys))
}

pub(super) fn transcript_put(vm: &mut Vm, c: Args) -> PrimResult {
    // a Character or a String; Character cr and lf both end a line
    let text = match c.a0.as_char().and_then(char::from_u32) {
        Some(ch) => ch.to_string(),
        None => match vm.str_of(c.a0) {
            Some(s) => s,
            None => return Fail,
        },
    };
    vm.transcript
        .push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
    Value(c.r)
}

pub(super) fn bytes_free(vm: &mut Vm, _: Args) -> PrimResult {
    let free = vm
        .heap
        .limit
        .saturating_sub(vm.heap.live + vm.heap.allocated);
    Value(Value::small(free as i64))
}

pub(super) fn send_count(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small((vm.send_count & 0x0FFF_FFFF_FFFF_FFFF) as i64))
}

pub(super) fn insn_count(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small((vm.insn_count & 0x0FFF_FFFF_FFFF_FFFF) as i64))
}
