//! The system around the objects: the Transcript, clocks, garbage
//! collection and memory, the VM's counters, and global variables.

use super::class::symbol_list;
use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::Value;

pub(super) fn transcript_show(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(s) => {
            write_transcript(vm, &s);
            Value(c.r)
        }
        None => Fail,
    }
}

/// Appends to the Transcript, tagged with the active process.
fn write_transcript(vm: &mut Vm, s: &str) {
    let pid = vm.active;
    let origin = vm.procs.get(pid).map_or(pid, |p| p.origin);
    vm.transcript.write(pid, origin, s);
}

pub(super) fn millisecond_clock(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small((vm.clock)() as i64))
}

pub(super) fn microsecond_clock(vm: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small(((vm.clock)() * 1000.0) as i64))
}

/// Microseconds from the Squeak epoch (1 January 1901, 00:00 UTC) to the
/// Unix epoch (RFC 868's 2208988800 seconds less the 1900 to 1901 year).
const SQUEAK_TO_UNIX_MICROS: i64 = 2_177_452_800_000_000;

/// The wall clock: UTC microseconds since the Unix epoch (natively from
/// `SystemTime`; a clock before 1970 reads as negative).
#[cfg(not(target_arch = "wasm32"))]
fn unix_micros() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX / 4),
    }
}

/// The wall clock: UTC microseconds since the Unix epoch (`Date.now()`,
/// milliseconds, in a page).
#[cfg(target_arch = "wasm32")]
fn unix_micros() -> i64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() {
        (ms * 1000.0) as i64
    } else {
        0
    }
}

/// The local time zone's offset from UTC in seconds: natively 0 (the VM
/// keeps UTC; the standard library has no time zones).
#[cfg(not(target_arch = "wasm32"))]
fn local_offset_seconds() -> i64 {
    0
}

/// The local time zone's offset from UTC in seconds, from the browser
/// (`getTimezoneOffset()` is in minutes, west positive).
#[cfg(target_arch = "wasm32")]
fn local_offset_seconds() -> i64 {
    let minutes = js_sys::Date::new_0().get_timezone_offset();
    if minutes.is_finite() && minutes.abs() <= 24.0 * 60.0 {
        -(minutes as i64) * 60
    } else {
        0
    }
}

pub(super) fn utc_microsecond_clock(_: &mut Vm, _: Args) -> PrimResult {
    // within SmallInteger range for the next hundred thousand years
    let us = unix_micros().saturating_add(SQUEAK_TO_UNIX_MICROS);
    Value(Value::small(us.clamp(-(1 << 59), (1 << 59) - 1)))
}

pub(super) fn local_offset(_: &mut Vm, _: Args) -> PrimResult {
    Value(Value::small(local_offset_seconds()))
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
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    write_transcript(vm, &text);
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
