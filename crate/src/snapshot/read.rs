//! Reading a snapshot back into a VM, checking as it goes what the VM
//! takes for granted: every reference names an object, every class id a
//! class, superclass chains end, class objects and the class table agree,
//! method dictionaries hold methods, the free list is a list of free
//! cells, and every code unit verifies (`crate::verify`). Bytes that break
//! any of that are an error, never a panic or a VM that could panic.

use super::bytes::{Reader, Result};
use super::sources::{self, Place};
use super::{ops, tag};
use crate::interp::classes::{ClassInfo, Format, InstVars};
use crate::interp::proctable::ProcTable;
use crate::interp::{Known, Vm};
use crate::object::heap::{xorshift, Heap, Obj, HASH_MASK, HASH_SEED, NO_FREE};
use crate::object::{Body, Bytes, ClassId, Code, Marker, MethodInfo, Spans, Text, Value};
use num_bigint::{BigInt, Sign};
use std::collections::HashMap;
use std::rc::Rc;

/// The tables read so far that later parts refer to.
struct In<'a> {
    r: Reader<'a>,
    strings: Vec<&'a str>,
    objects: usize,
    classes: usize,
    /// Every class's name (read before the methods that name them).
    class_names: Vec<String>,
    /// Where the last method source found in the kernel sources ended.
    cursor: Place,
}

impl<'a> In<'a> {
    fn str(&mut self) -> Result<&'a str> {
        let i = self.r.below(self.strings.len(), "string")?;
        Ok(self.strings[i])
    }

    fn value(&mut self) -> Result<Value> {
        let u = self.r.uv()?;
        let x = u >> 2;
        match u & 3 {
            0 => {
                if x < self.objects as u64 {
                    Ok(Value::obj(x as u32))
                } else {
                    Err(format!("a reference to object {x} of {}", self.objects))
                }
            }
            1 => Value::int((x >> 1) as i64 ^ -((x & 1) as i64))
                .ok_or_else(|| "a SmallInteger out of range".to_string()),
            2 => u32::try_from(x)
                .map(Value::char)
                .map_err(|_| "a Character out of range".to_string()),
            _ => Value::float(f64::from_bits(self.r.u64_le()?))
                .ok_or_else(|| "an immediate Float out of range".to_string()),
        }
    }

    fn values(&mut self) -> Result<Vec<Value>> {
        let n = self.r.count()?;
        (0..n).map(|_| self.value()).collect()
    }

    fn class_id(&mut self) -> Result<ClassId> {
        Ok(self.r.below(self.classes, "class")? as ClassId)
    }
}

/// The VM a snapshot payload describes.
pub fn payload(bytes: &[u8]) -> Result<Vm> {
    let mut r = Reader::new(bytes);
    let n = r.count()?;
    let mut strings = Vec::with_capacity(n);
    for _ in 0..n {
        strings.push(r.str()?);
    }
    let objects = r.count()?;
    let classes = r.count()?;
    if objects < 3 {
        return Err("it has no nil, true and false".into());
    }
    let mut d = In {
        r,
        strings,
        objects,
        classes,
        class_names: Vec::new(),
        cursor: (0, 0),
    };
    let mut vm = Vm::unbooted();
    let lists = read_inst_var_lists(&mut d)?;
    let mut dicts = Vec::with_capacity(classes);
    for _ in 0..classes {
        let (class, dict) = read_class(&mut d, &lists)?;
        d.class_names.push(class.name.clone());
        vm.classes.push(class);
        dicts.push(dict);
    }
    read_heap(&mut d, &mut vm.heap)?;
    let n = d.r.count()?;
    for _ in 0..n {
        let v = d.value()?;
        let name = match d.r.u8()? {
            0 => match vm.heap.try_get(v).and_then(|o| Text::of(&o.body)) {
                Some(t) => t.to_string_lossy(),
                _ => return Err("a symbol that is not text".into()),
            },
            _ => d.str()?.to_string(),
        };
        vm.symbols.insert(name, v);
    }
    for table in [&mut vm.globals, &mut vm.undeclared] {
        let n = d.r.count()?;
        for _ in 0..n {
            let name = d.str()?.to_string();
            table.insert(name, d.value()?);
        }
    }
    vm.known = read_known(&mut d)?;
    let n = d.r.count()?;
    let pids = (0..n)
        .map(|_| d.r.num::<usize>("process id"))
        .collect::<Result<Vec<_>>>()?;
    let free = (0..n)
        .map(|_| d.r.num::<u32>("process slot"))
        .collect::<Result<Vec<_>>>()?;
    let reclaimed = d.r.uv()?;
    vm.procs = ProcTable::from_idle_parts(pids, free, reclaimed)
        .ok_or("its process table is inconsistent")?;
    vm.next_serial = d.r.uv()?;
    vm.cache_epoch = d.r.num("cache epoch")?;
    vm.insn_count = d.r.uv()?;
    vm.send_count = d.r.uv()?;
    vm.unshaped = d.r.uv()?;
    vm.frames_materialized = d.r.uv()?;
    vm.doit_counter = d.r.uv()?;
    if !d.r.at_end() {
        return Err("bytes are left over at its end".into());
    }
    fill_dictionaries(&mut vm, dicts)?;
    check(&vm)?;
    // derived, as after any kernel load
    vm.intern_selectors();
    vm.note_kernel_methods();
    Ok(vm)
}

fn read_heap(d: &mut In, heap: &mut Heap) -> Result<()> {
    heap.free = d.r.num("free list head")?;
    heap.next_hash = d.r.num("hash state")?;
    heap.allocated = d.r.num("allocated bytes")?;
    heap.live = d.r.num("live bytes")?;
    heap.threshold = d.r.num("collection threshold")?;
    heap.limit = d.r.num("heap limit")?;
    heap.metadata = d.r.num("metadata bytes")?;
    heap.collections = d.r.uv()?;
    heap.failed_allocations = d.r.uv()?;
    heap.gc_deferrals = d.r.uv()?;
    let mut gen = HASH_SEED;
    heap.objs = Vec::with_capacity(d.objects);
    heap.space.clear();
    for at in 0..d.objects {
        gen = xorshift(gen);
        let t = d.r.u8()?;
        if t == tag::FREE {
            let next: u32 = d.r.num("free cell")?;
            if next != NO_FREE && next as usize >= d.objects {
                return Err("a free cell links outside the heap".into());
            }
            heap.objs.push(Obj {
                class: 0,
                hash: 0,
                mark: false,
                body: Body::Free { next },
            });
            continue;
        }
        let head = d.r.uv()?;
        let class = head >> 1;
        if class >= d.classes as u64 {
            return Err(format!("object {at} has class {class} of {}", d.classes));
        }
        let hash = if head & 1 == 1 {
            gen & HASH_MASK
        } else {
            d.r.num::<u32>("hash")? & HASH_MASK
        };
        let body = match t {
            tag::SLOTS => {
                let values = d.values()?;
                Body::Slots(heap.push_span(at as u32, &values)?)
            }
            tag::BYTES => Body::Bytes(latin1(d.str()?)?),
            tag::WORDS => {
                let n = d.r.count()?;
                let w = (0..n)
                    .map(|_| d.r.num::<u32>("code point"))
                    .collect::<Result<Vec<_>>>()?;
                Body::Words(w)
            }
            tag::FLOAT => Body::Float(f64::from_bits(d.r.u64_le()?)),
            tag::LARGE => {
                let sign = if d.r.u8()? == 1 {
                    Sign::Minus
                } else {
                    Sign::Plus
                };
                Body::Large(Box::new(BigInt::from_bytes_le(sign, d.r.bytes()?)))
            }
            tag::METHOD => Body::Method(read_method(d).map_err(|e| format!("method {at}: {e}"))?),
            tag::CLASS => Body::Class {
                id: d.class_id()?,
                slots: d.values()?,
            },
            t => return Err(format!("object {at} has no known kind ({t})")),
        };
        heap.objs.push(Obj {
            class: class as ClassId,
            hash,
            mark: false,
            body,
        });
    }
    Ok(())
}

/// A method, from its code units in the order they were written.
fn read_method(d: &mut In) -> Result<Rc<Code>> {
    let selector = d.str()?.to_string();
    let class = d.class_id()?;
    let flags = d.r.u8()?;
    let class_name = match flags & 1 {
        1 => d
            .class_names
            .get(class as usize)
            .cloned()
            .unwrap_or_default(),
        _ => d.str()?.to_string(),
    };
    let marker = match flags >> 1 {
        0 => Marker::None,
        1 => Marker::Handler,
        2 => Marker::Unwind,
        m => return Err(format!("no marker {m}")),
    };
    let source: Rc<str> = match d.r.u8()? {
        t @ (0 | 1) => {
            let place = match t {
                0 => (
                    d.cursor.0,
                    d.cursor.1.saturating_add(d.r.num("source offset")?),
                ),
                _ => (d.r.num("source file")?, d.r.num("source offset")?),
            };
            let to_bang = sources::to_bang(place).ok_or("a source outside the kernel sources")?;
            let len = (to_bang.len() as i64)
                .checked_add(d.r.iv()?)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or("a source of no length")?;
            let text = sources::slice(place, len).ok_or("a source outside the kernel sources")?;
            d.cursor = (place.0, place.1 + len);
            text.into()
        }
        _ => d.r.str()?.into(),
    };
    let category = d.str()?.to_string();
    let version = d.r.num("version")?;
    let primitive = d.r.num("primitive")?;
    let info = Rc::new(MethodInfo {
        selector,
        class_name,
        class,
        source,
        category,
        version,
        primitive,
        marker,
    });
    let n = d.r.count()?;
    if n > usize::from(u16::MAX) {
        return Err("a method with too many blocks".into());
    }
    let mut open: Vec<Rc<Code>> = Vec::new();
    for unit in 0..n {
        let code = read_unit(d, &info, &mut open, unit as u16)?;
        open.push(Rc::new(code));
    }
    match (open.pop(), open.is_empty()) {
        (Some(m), true) if !m.is_block => Ok(m),
        _ => Err("its code units do not make one method".into()),
    }
}

/// A code unit; its blocks are the last ones read (`open`).
fn read_unit(
    d: &mut In,
    info: &Rc<MethodInfo>,
    open: &mut Vec<Rc<Code>>,
    unit: u16,
) -> Result<Code> {
    let is_block = d.r.u8()? == 1;
    let num_args: u16 = d.r.num("argument count")?;
    let num_copied: u16 = d.r.num("copied count")?;
    let num_temps: u16 = d.r.num("temp count")?;
    if u32::from(num_args) + u32::from(num_copied) > u32::from(num_temps) {
        return Err("more arguments than temps".into());
    }
    let n = d.r.count()?;
    let temp_names = (0..n)
        .map(|_| d.str().map(str::to_string))
        .collect::<Result<Vec<_>>>()?;
    let literals = d.values()?;
    let n = d.r.count()?;
    let ops = (0..n)
        .map(|_| ops::read(&mut d.r))
        .collect::<Result<Vec<_>>>()?;
    let k = d.r.below(open.len() + 1, "block count")?;
    let blocks = open.split_off(open.len() - k);
    for op in &ops {
        if let crate::bytecode::Op::MakeClosure { block, copied } = *op {
            match blocks.get(block as usize) {
                Some(b) if b.is_block && b.num_copied == u16::from(copied) => {}
                _ => return Err("a closure of a block that does not fit".into()),
            }
        }
    }
    let mut code = Code {
        ops,
        literals,
        blocks,
        num_args,
        num_copied,
        num_temps,
        temp_names,
        spans: Spans::from_source(unit),
        info: info.clone(),
        is_block,
        tier: Default::default(),
        shape: Default::default(),
        bytes: 0,
    };
    code.bytes = code.units_bytes();
    code.shape = crate::verify::verify_code(&code)
        .map_err(|e| format!("{} does not verify: {e}", code.print_name()))?;
    Ok(code)
}

/// The lists of instance variable names, each sharing the one it names.
fn read_inst_var_lists(d: &mut In) -> Result<Vec<InstVars>> {
    let n = d.r.count()?;
    let mut lists: Vec<InstVars> = Vec::with_capacity(n);
    for _ in 0..n {
        let parent = match d.r.below(lists.len() + 1, "name list")? {
            0 => InstVars::default(),
            p => lists[p - 1].clone(),
        };
        let k = d.r.count()?;
        let own = (0..k)
            .map(|_| d.str().map(str::to_string))
            .collect::<Result<Vec<_>>>()?;
        if parent.len() + own.len() > crate::interp::classes::MAX_INST_VARS {
            return Err("a class with too many instance variables".into());
        }
        lists.push(InstVars::new(&parent, own));
    }
    Ok(lists)
}

/// A class's method dictionary as written: its methods, each with its
/// key if that is not the symbol of the method's selector; and the
/// versions its methods do not say (n + 1 for version n, 0 for none).
struct Dict<'a> {
    methods: Vec<(Value, Option<Value>)>,
    versions: Vec<(&'a str, u32)>,
}

fn read_class<'a>(d: &mut In<'a>, lists: &[InstVars]) -> Result<(ClassInfo, Dict<'a>)> {
    let name = d.str()?.to_string();
    let obj = d.value()?;
    let superclass = match d.r.below(d.classes + 1, "superclass")? {
        0 => None,
        s => Some((s - 1) as ClassId),
    };
    let is_meta = d.r.u8()? == 1;
    let partner = d.class_id()?;
    let inst_vars = match d.r.below(lists.len() + 1, "name list")? {
        0 => InstVars::default(),
        i => lists[i - 1].clone(),
    };
    let format = match d.r.u8()? {
        0 => Format::Pointers,
        1 => Format::Indexable,
        2 => Format::Bytes,
        3 => Format::Special,
        4 => Format::Words,
        f => return Err(format!("no class format {f}")),
    };
    let n = d.r.count()?;
    let mut dict = Dict {
        methods: Vec::with_capacity(n),
        versions: Vec::new(),
    };
    let mut at = 0u64;
    for _ in 0..n {
        let head = d.r.uv()?;
        at = at.checked_add(head >> 1).ok_or("a method out of range")?;
        if at >= d.objects as u64 {
            return Err("a method out of range".into());
        }
        let key = if head & 1 == 1 {
            Some(d.value()?)
        } else {
            None
        };
        dict.methods.push((Value::obj(at as u32), key));
    }
    let n = d.r.count()?;
    for _ in 0..n {
        let k = d.str()?;
        dict.versions.push((k, d.r.num("version")?));
    }
    let n = d.r.count()?;
    let mut class_vars = Vec::with_capacity(n);
    for _ in 0..n {
        let k = d.str()?.to_string();
        class_vars.push((k, d.value()?));
    }
    let class = ClassInfo {
        name,
        obj,
        superclass,
        is_meta,
        partner,
        inst_vars,
        format,
        methods: HashMap::new(),
        versions: HashMap::new(),
        class_vars,
        category: d.str()?.to_string(),
        comment: d.str()?.to_string(),
    };
    Ok((class, dict))
}

/// Fills each class's methods and versions (once the methods and symbols
/// are read).
fn fill_dictionaries(vm: &mut Vm, dicts: Vec<Dict>) -> Result<()> {
    for (c, dict) in dicts.into_iter().enumerate() {
        let mut methods = HashMap::with_capacity(dict.methods.len());
        let mut versions = HashMap::with_capacity(dict.methods.len());
        for (m, key) in dict.methods {
            let Some(Body::Method(code)) = vm.heap.try_get(m).map(|o| &o.body) else {
                return Err("a method dictionary holds something else".into());
            };
            let key = match key {
                Some(k) => k,
                None => *vm
                    .symbols
                    .get(&code.info.selector)
                    .ok_or("a method whose selector is no symbol")?,
            };
            versions.insert(code.info.selector.clone(), code.info.version);
            methods.insert(key, m);
        }
        for (k, v) in dict.versions {
            match v {
                0 => versions.remove(k),
                v => versions.insert(k.to_string(), v - 1),
            };
        }
        vm.classes[c].methods = methods;
        vm.classes[c].versions = versions;
    }
    Ok(())
}

fn read_known(d: &mut In) -> Result<Known> {
    let mut id = || d.class_id();
    Ok(Known {
        proto_object: id()?,
        object: id()?,
        behavior: id()?,
        class_description: id()?,
        class: id()?,
        metaclass: id()?,
        undefined_object: id()?,
        boolean: id()?,
        true_class: id()?,
        false_class: id()?,
        small_integer: id()?,
        large_positive: id()?,
        large_negative: id()?,
        float: id()?,
        small_float: id()?,
        boxed_float: id()?,
        character: id()?,
        string: id()?,
        byte_string: id()?,
        wide_string: id()?,
        symbol: id()?,
        byte_symbol: id()?,
        wide_symbol: id()?,
        array: id()?,
        byte_array: id()?,
        compiled_method: id()?,
        block_closure: id()?,
        full_block_closure: id()?,
        context: id()?,
        process: id()?,
        association: id()?,
        message: id()?,
        system_dictionary: id()?,
    })
}

/// What the VM takes for granted about the tables read.
fn check(vm: &Vm) -> Result<()> {
    let objs = &vm.heap.objs;
    let n = vm.classes.len();
    for (i, k) in [
        vm.known.undefined_object,
        vm.known.true_class,
        vm.known.false_class,
    ]
    .into_iter()
    .enumerate()
    {
        if objs[i].class != k || !matches!(objs[i].body, Body::Slots(_)) {
            return Err("nil, true or false is not what it should be".into());
        }
    }
    for (i, o) in objs.iter().enumerate() {
        if let Body::Class { id, .. } = o.body {
            if vm.classes[id as usize].obj != Value::obj(i as u32) {
                return Err(format!("class object {i} is not its class's"));
            }
        }
    }
    for (i, c) in vm.classes.iter().enumerate() {
        match vm.heap.try_get(c.obj).map(|o| &o.body) {
            Some(Body::Class { id, .. }) if *id as usize == i => {}
            _ => return Err(format!("class {} has no class object", c.name)),
        }
        // a superclass chain ends within as many steps as there are classes
        let mut at = c.superclass;
        let mut steps = 0;
        while let Some(s) = at {
            steps += 1;
            if steps > n {
                return Err(format!("the superclass chain of {} is a loop", c.name));
            }
            at = vm.classes[s as usize].superclass;
        }
        for (k, m) in &c.methods {
            let method = matches!(vm.heap.try_get(*m).map(|o| &o.body), Some(Body::Method(_)));
            if !k.is_obj() || !method {
                return Err(format!("{} has a method that is not one", c.name));
            }
        }
    }
    for v in vm.symbols.values() {
        let symbol = |o: &Obj| match o.body {
            Body::Bytes(_) => o.class == vm.known.byte_symbol,
            Body::Words(_) => o.class == vm.known.wide_symbol,
            _ => false,
        };
        if !vm.heap.try_get(*v).is_some_and(symbol) {
            return Err("a symbol that is not a ByteSymbol or a WideSymbol".into());
        }
    }
    // nothing refers to a free cell (it would be handed out again)
    let free_cell = |v: &Value| {
        v.as_obj()
            .and_then(|i| objs.get(i as usize))
            .is_some_and(|o| matches!(o.body, Body::Free { .. }))
    };
    let mut refs_free = vm.symbols.values().any(free_cell)
        || vm.globals.values().any(free_cell)
        || vm.undeclared.values().any(free_cell);
    for c in &vm.classes {
        refs_free |= free_cell(&c.obj)
            || c.methods.iter().any(|(k, m)| free_cell(k) || free_cell(m))
            || c.class_vars.iter().any(|(_, b)| free_cell(b));
    }
    for o in objs {
        refs_free |= match &o.body {
            Body::Slots(s) => vm.heap.span(*s).iter().any(free_cell),
            Body::Class { slots: s, .. } => s.iter().any(free_cell),
            Body::Method(m) => m.units().iter().any(|u| u.literals.iter().any(free_cell)),
            _ => false,
        };
    }
    if refs_free {
        return Err("something refers to a free cell".into());
    }
    // the free list: free cells, each once
    let free = objs
        .iter()
        .filter(|o| matches!(o.body, Body::Free { .. }))
        .count();
    let mut at = vm.heap.free;
    let mut steps = 0;
    while at != NO_FREE {
        steps += 1;
        match objs.get(at as usize).map(|o| &o.body) {
            Some(Body::Free { next }) if steps <= free => at = *next,
            _ => return Err("the free list is broken".into()),
        }
    }
    Ok(())
}

/// Latin-1 text as bytes (a snapshot writes byte objects so).
fn latin1(s: &str) -> Result<Bytes> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| "bytes that are not Latin-1".to_string()))
        .collect()
}
