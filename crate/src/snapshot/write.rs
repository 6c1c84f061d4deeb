//! Writing a snapshot: a VM at rest (no process or frame) as bytes, the
//! same bytes for the same state (every table in a fixed order). The tier
//! starts cold: what it made and counted is left out.
//!
//! Every part of the VM is named below, so that a field added to the VM,
//! its heap, a class or compiled code does not compile until it is either
//! written here (and read in `read.rs`) or said not to belong in a
//! snapshot.

use super::bytes::{Result, Writer};
use super::sources::{self, Place};
use super::{ops, tag};
use crate::interp::classes::{ClassInfo, Format, InstVars};
use crate::interp::{Known, Vm, NO_PROC};
use crate::object::heap::{xorshift, Heap, Obj, HASH_MASK, HASH_SEED};
use crate::object::{Body, Code, Marker, MethodInfo, Text, Value};
use num_bigint::Sign;
use std::collections::HashMap;
use std::rc::Rc;

/// Strings written once, referred to by number (selectors, categories,
/// temp names and class names repeat a lot).
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, u64>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u64;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

struct Out<'a> {
    w: Writer,
    strings: Strings,
    /// A value that could not be written.
    bad: Option<String>,
    /// Where the last method source found in the kernel sources ended.
    cursor: Place,
    classes: &'a [ClassInfo],
}

impl Out<'_> {
    fn str(&mut self, s: &str) {
        let i = self.strings.id(s);
        self.w.uv(i);
    }

    fn value(&mut self, v: Value) {
        if let Some(i) = v.as_obj() {
            self.w.uv(u64::from(i) << 2);
        } else if let Some(i) = v.as_int() {
            self.w.uv((((i << 1) ^ (i >> 63)) as u64) << 2 | 1);
        } else if let Some(c) = v.as_char() {
            self.w.uv(u64::from(c) << 2 | 2);
        } else if let Some(f) = v.as_float() {
            self.w.uv(3);
            self.w.u64_le(f.to_bits());
        } else {
            self.bad = Some(format!("a value of no known kind ({:#x})", v.bits()));
        }
    }

    fn values(&mut self, vs: &[Value]) {
        self.w.uv(vs.len() as u64);
        for &v in vs {
            self.value(v);
        }
    }

    /// A method's source: its place in the kernel sources the binary
    /// holds (`sources.rs`), or its text.
    fn source(&mut self, src: &str) {
        let found = sources::find(src, self.cursor)
            .and_then(|place| Some((place, sources::to_bang(place)?.len())));
        let Some((place, to_bang)) = found else {
            self.w.u8(2);
            self.w.bytes(src.as_bytes());
            return;
        };
        let (f, at) = place;
        if f == self.cursor.0 && at >= self.cursor.1 {
            self.w.u8(0);
            self.w.uv((at - self.cursor.1) as u64);
        } else {
            self.w.u8(1);
            self.w.uv(f as u64);
            self.w.uv(at as u64);
        }
        self.w.iv(src.len() as i64 - to_bang as i64);
        self.cursor = (f, at + src.len());
    }
}

/// The snapshot payload of `vm` (without the header: `super::encode`).
pub fn payload(vm: &Vm) -> Result<Vec<u8>> {
    let Vm {
        heap,
        classes,
        known,
        symbols,
        globals,
        undeclared,
        frames,
        stack,
        active,
        procs,
        ready,
        sleepers,
        sem_waiters,
        next_serial,
        cache: _,
        cache_epoch,
        transcript,
        drawing,
        max_depth: _,
        tier: _,
        clock: _,
        pinned,
        sel: _,
        warnings,
        last_warnings,
        insn_count,
        send_count,
        unshaped,
        inlined_from: _,
        inlined_elsewhere: _,
        jit_kernels: _,
        large_step: _,
        handed_over: _,
        guard_skips: _,
        unfused: _,
        prims_in_place: _,
        leaf_calls: _,
        entered_out_of_line: _,
        soft_stop: _,
        clock_every: _,
        frames_searched: _,
        frames_materialized,
        stopped_short: _,
        slice: _,
        array_prims: _,
        special: _,
        hashed_kernel: _,
        deopt_storm: _,
        fast_loop: _,
        tier_threshold: _,
        trace_tier: _,
        // the tier starts cold: its counters, optimized code, dependencies
        // and events are not kept
        tier_events: _,
        tier_deps: _,
        tier_deps_added: _,
        tier_deps_prune_at: _,
        define_error,
        doit_counter,
        events,
        snapshot_refused: _,
    } = vm;
    // (not kept: settings the host makes, caches rebuilt as they are
    // used, what the last run or compile left for the host to take)
    let at_rest = frames.is_empty()
        && stack.is_empty()
        && *active == NO_PROC
        && ready.iter().all(|q| q.is_empty())
        && sleepers.is_empty()
        && sem_waiters.is_empty()
        && pinned.is_empty()
        && events.is_empty()
        && define_error.is_none()
        && warnings.is_empty()
        && last_warnings.is_empty()
        && transcript.is_empty();
    if !at_rest {
        return Err(
            "the VM is not at rest (processes, frames, pinned values, events or warnings)".into(),
        );
    }
    if drawing.total != 0 {
        return Err("the Canvas has been drawn on".into());
    }
    let (pids, free_slots, reclaimed) = procs
        .idle_parts()
        .ok_or("a process has not been collected")?;

    let mut o = Out {
        w: Writer::default(),
        strings: Strings::default(),
        bad: None,
        cursor: (0, 0),
        classes,
    };
    o.w.uv(heap.objs.len() as u64);
    o.w.uv(classes.len() as u64);
    let nodes = write_inst_var_lists(&mut o, classes);
    for c in classes {
        write_class(&mut o, heap, symbols, c, &nodes)?;
    }
    write_heap(&mut o, heap)?;
    let mut syms: Vec<(&String, &Value)> = symbols.iter().collect();
    syms.sort_by_key(|(name, _)| *name);
    o.w.uv(syms.len() as u64);
    for (name, &v) in syms {
        o.value(v);
        let text = heap.try_get(v).and_then(|ob| Text::of(&ob.body));
        // (the name is the symbol's text, written once)
        if text.is_some_and(|t| t.is_scalar() && t.to_string_lossy() == *name) {
            o.w.u8(0);
        } else {
            o.w.u8(1);
            o.str(name);
        }
    }
    for table in [globals, undeclared] {
        let mut entries: Vec<(&String, &Value)> = table.iter().collect();
        entries.sort_by_key(|(name, _)| *name);
        o.w.uv(entries.len() as u64);
        for (name, &v) in entries {
            o.str(name);
            o.value(v);
        }
    }
    write_known(&mut o, known);
    o.w.uv(pids.len() as u64);
    for p in pids {
        o.w.uv(p as u64);
    }
    for s in free_slots {
        o.w.uv(s.into());
    }
    o.w.uv(reclaimed);
    for n in [
        *next_serial,
        u64::from(*cache_epoch),
        *insn_count,
        *send_count,
        *unshaped,
        *frames_materialized,
        *doit_counter,
    ] {
        o.w.uv(n);
    }
    if let Some(e) = o.bad {
        return Err(e);
    }

    // the strings first: the reader needs them before anything else
    let mut w = Writer::default();
    w.uv(o.strings.list.len() as u64);
    for s in &o.strings.list {
        w.bytes(s.as_bytes());
    }
    w.buf.extend_from_slice(&o.w.buf);
    Ok(w.buf)
}

fn write_heap(o: &mut Out, heap: &Heap) -> Result<()> {
    let Heap {
        objs,
        space,
        free,
        next_hash,
        allocated,
        live,
        threshold,
        limit,
        metadata,
        reserve,
        collections,
        failed_allocations,
        gc_last_ms: _,
        gc_max_ms: _,
        gc_total_ms: _,
        gc_estimate_ms: _,
        soft_threshold,
        soft_objects,
        allocated_objects: _,
        gc_deferred,
        gc_deferrals,
        fuel_owed,
    } = heap;
    if *reserve != 0
        || *gc_deferred
        || *soft_threshold != usize::MAX
        || *soft_objects != usize::MAX
        || *fuel_owed != 0
    {
        return Err("the heap is in the middle of something (a reserve, a deferred collection, a host's threshold, work not yet charged)".into());
    }
    for n in [
        u64::from(*free),
        u64::from(*next_hash),
        *allocated as u64,
        *live as u64,
        *threshold as u64,
        *limit as u64,
        *metadata as u64,
        *collections,
        *failed_allocations,
        *gc_deferrals,
    ] {
        o.w.uv(n);
    }
    // identity hashes come from one generator in allocation order: a
    // hash that is the next one it makes is a bit, not a number
    let mut gen = HASH_SEED;
    for (i, ob) in objs.iter().enumerate() {
        gen = xorshift(gen);
        let Obj {
            class,
            hash,
            mark: _,
            body,
        } = ob;
        let head = |o: &mut Out, t: u8| {
            o.w.u8(t);
            let in_order = *hash == gen & HASH_MASK;
            o.w.uv(u64::from(*class) << 1 | u64::from(in_order));
            if !in_order {
                o.w.uv(u64::from(*hash));
            }
        };
        let cannot = |what: &str| format!("object {i} is {what}, which a snapshot cannot keep");
        match body {
            Body::Free { next } => {
                o.w.u8(tag::FREE);
                o.w.uv(u64::from(*next));
            }
            Body::Slots(s) => {
                head(o, tag::SLOTS);
                o.values(
                    space
                        .get(s.range())
                        .ok_or_else(|| cannot("slots outside the slot space"))?,
                );
            }
            Body::Bytes(b) => {
                // Latin-1 text, from the strings (symbols are selectors too)
                head(o, tag::BYTES);
                o.str(&b.iter().map(|&c| c as char).collect::<String>());
            }
            Body::Words(w) => {
                head(o, tag::WORDS);
                o.w.uv(w.len() as u64);
                for &c in w {
                    o.w.uv(c.into());
                }
            }
            Body::Float(f) => {
                head(o, tag::FLOAT);
                o.w.u64_le(f.to_bits());
            }
            Body::Large(n) => {
                head(o, tag::LARGE);
                let (sign, mag) = n.to_bytes_le();
                o.w.u8(u8::from(sign == Sign::Minus));
                o.w.bytes(&mag);
            }
            Body::Method(code) => {
                head(o, tag::METHOD);
                write_method(o, code)?;
            }
            Body::Class { id, slots } => {
                head(o, tag::CLASS);
                o.w.uv(u64::from(*id));
                o.values(slots);
            }
            Body::Closure(_) => return Err(cannot("a BlockClosure")),
            Body::Context { .. } => return Err(cannot("a Context")),
            Body::Process(_) => return Err(cannot("a Process")),
        }
    }
    Ok(())
}

/// A method: its facts, then its code units children first (the reader
/// builds each unit from the ones before it, with no recursion).
fn write_method(o: &mut Out, code: &Rc<Code>) -> Result<()> {
    let MethodInfo {
        selector,
        class_name,
        class,
        source,
        category,
        version,
        primitive,
        marker,
    } = &*code.info;
    o.str(selector);
    o.w.uv(u64::from(*class));
    // the class's name, unless it was renamed since
    let named = o
        .classes
        .get(*class as usize)
        .is_some_and(|c| c.name == *class_name);
    let marker = match marker {
        Marker::None => 0,
        Marker::Handler => 1,
        Marker::Unwind => 2,
    };
    o.w.u8(marker << 1 | u8::from(named));
    if !named {
        o.str(class_name);
    }
    o.source(source);
    o.str(category);
    o.w.uv(u64::from(*version));
    o.w.uv(u64::from(*primitive));
    let units = code.units();
    if units.len() > usize::from(u16::MAX) {
        return Err(format!("{}: too many blocks", code.print_name()));
    }
    o.w.uv(units.len() as u64);
    for unit in units {
        write_unit(o, unit, &code.info)?;
    }
    Ok(())
}

fn write_unit(o: &mut Out, unit: &Code, info: &Rc<MethodInfo>) -> Result<()> {
    let Code {
        ops,
        literals,
        blocks,
        num_args,
        num_copied,
        num_temps,
        temp_names,
        // (worked out again from the source: crate::compiler::spans)
        spans: _,
        info: unit_info,
        is_block,
        tier: _,
        shape: _,
        bytes: _,
    } = unit;
    if !Rc::ptr_eq(info, unit_info) {
        return Err(format!("{}: a block of another method", unit.print_name()));
    }
    o.w.u8(u8::from(*is_block));
    o.w.uv(u64::from(*num_args));
    o.w.uv(u64::from(*num_copied));
    o.w.uv(u64::from(*num_temps));
    o.w.uv(temp_names.len() as u64);
    for n in temp_names {
        o.str(n);
    }
    o.values(literals);
    o.w.uv(ops.len() as u64);
    for op in ops {
        ops::write(&mut o.w, *op).map_err(|e| format!("{}: {e}", unit.print_name()))?;
    }
    o.w.uv(blocks.len() as u64);
    Ok(())
}

/// The lists of instance variable names, each after the list it shares
/// (a class's list adds its own names to its superclass's): its number
/// by identity.
fn write_inst_var_lists(o: &mut Out, classes: &[ClassInfo]) -> HashMap<usize, u64> {
    let mut number: HashMap<usize, u64> = HashMap::new();
    let mut order: Vec<&InstVars> = Vec::new();
    for c in classes {
        // the unnumbered lists up the chain, then numbered from the top
        let mut chain = Vec::new();
        let mut at = &c.inst_vars;
        while let Some(id) = at.node_id() {
            if number.contains_key(&id) {
                break;
            }
            chain.push(at);
            match at.parts() {
                Some((parent, _)) => at = parent,
                None => break,
            }
        }
        for iv in chain.into_iter().rev() {
            if let Some(id) = iv.node_id() {
                number.insert(id, order.len() as u64);
                order.push(iv);
            }
        }
    }
    o.w.uv(order.len() as u64);
    for iv in order {
        let (parent, own) = iv.parts().unwrap_or((iv, &[]));
        o.w.uv(list_ref(&number, parent));
        o.w.uv(own.len() as u64);
        for n in own {
            o.str(n);
        }
    }
    number
}

/// A list's number plus one, 0 for no names.
fn list_ref(number: &HashMap<usize, u64>, iv: &InstVars) -> u64 {
    iv.node_id()
        .and_then(|id| number.get(&id))
        .map_or(0, |n| n + 1)
}

/// A class. Its method dictionary is its methods in the order of the
/// heap, each one's selector taken from the method where that is its key;
/// its versions are the ones its methods do not say.
fn write_class(
    o: &mut Out,
    heap: &Heap,
    symbols: &HashMap<String, Value>,
    c: &ClassInfo,
    nodes: &HashMap<usize, u64>,
) -> Result<()> {
    let ClassInfo {
        name,
        obj,
        superclass,
        is_meta,
        partner,
        inst_vars,
        format,
        methods,
        versions,
        class_vars,
        category,
        comment,
    } = c;
    o.str(name);
    o.value(*obj);
    o.w.uv(superclass.map_or(0, |s| u64::from(s) + 1));
    o.w.u8(u8::from(*is_meta));
    o.w.uv(u64::from(*partner));
    o.w.uv(list_ref(nodes, inst_vars));
    o.w.u8(match format {
        Format::Pointers => 0,
        Format::Indexable => 1,
        Format::Bytes => 2,
        Format::Special => 3,
        Format::Words => 4,
    });
    let mut ms: Vec<(Value, Value)> = methods.iter().map(|(k, v)| (*k, *v)).collect();
    ms.sort_by_key(|(_, m)| m.bits());
    o.w.uv(ms.len() as u64);
    let mut last = 0u64;
    let mut said: HashMap<&str, u32> = HashMap::new();
    for (k, m) in ms {
        let info = match heap.try_get(m).map(|ob| &ob.body) {
            Some(Body::Method(code)) => &code.info,
            _ => return Err(format!("{name} has a method that is not a CompiledMethod")),
        };
        said.insert(&info.selector, info.version);
        let i = u64::from(m.as_obj().unwrap_or(0));
        let keyed = symbols.get(&info.selector) == Some(&k);
        o.w.uv((i - last) << 1 | u64::from(!keyed));
        if !keyed {
            o.value(k);
        }
        last = i;
    }
    // versions the methods do not say: n + 1 for version n, 0 for none
    let mut vs: Vec<(&str, u64)> = versions
        .iter()
        .filter(|(k, v)| said.get(k.as_str()) != Some(v))
        .map(|(k, v)| (k.as_str(), u64::from(*v) + 1))
        .collect();
    vs.extend(
        said.keys()
            .filter(|k| !versions.contains_key(**k))
            .map(|k| (*k, 0)),
    );
    vs.sort();
    o.w.uv(vs.len() as u64);
    for (k, v) in vs {
        o.str(k);
        o.w.uv(v);
    }
    o.w.uv(class_vars.len() as u64);
    for (n, b) in class_vars {
        o.str(n);
        o.value(*b);
    }
    o.str(category);
    o.str(comment);
    Ok(())
}

fn write_known(o: &mut Out, k: &Known) {
    let Known {
        proto_object,
        object,
        behavior,
        class_description,
        class,
        metaclass,
        undefined_object,
        boolean,
        true_class,
        false_class,
        small_integer,
        large_positive,
        large_negative,
        float,
        small_float,
        boxed_float,
        character,
        string,
        byte_string,
        wide_string,
        symbol,
        byte_symbol,
        wide_symbol,
        array,
        byte_array,
        compiled_method,
        block_closure,
        full_block_closure,
        context,
        process,
        association,
        message,
        system_dictionary,
    } = k;
    for id in [
        proto_object,
        object,
        behavior,
        class_description,
        class,
        metaclass,
        undefined_object,
        boolean,
        true_class,
        false_class,
        small_integer,
        large_positive,
        large_negative,
        float,
        small_float,
        boxed_float,
        character,
        string,
        byte_string,
        wide_string,
        symbol,
        byte_symbol,
        wide_symbol,
        array,
        byte_array,
        compiled_method,
        block_closure,
        full_block_closure,
        context,
        process,
        association,
        message,
        system_dictionary,
    ] {
        o.w.uv(u64::from(*id));
    }
}
