//! Classes and methods: defining and reshaping classes, compiling and
//! removing methods, and reflection on both (names, variables,
//! selectors, hierarchy, formats, sources, primitives).

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::interp::classes::Format;
use crate::object::{Body, Marker, Value};

/// The class id of a class object.
pub(super) fn class_id_of(vm: &Vm, v: Value) -> Option<u32> {
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Class { id, .. }) => Some(*id),
        _ => None,
    }
}

/// An Array of the Symbols spelled by `names`.
pub(super) fn symbol_list(vm: &mut Vm, names: Vec<String>) -> Value {
    let items: Vec<Value> = names.iter().map(|n| vm.intern(n)).collect();
    vm.new_array(items)
}

pub(super) fn name(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let name = vm.classes[id as usize].name.clone();
            if vm.classes[id as usize].is_meta {
                Value(vm.new_string(&name))
            } else {
                Value(vm.intern(&name))
            }
        }
        None => Fail,
    }
}

pub(super) fn superclass(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => match vm.classes[id as usize].superclass {
            Some(s) => Value(vm.classes[s as usize].obj),
            None => Value(Value::NIL),
        },
        None => Fail,
    }
}

pub(super) fn define(vm: &mut Vm, c: Args) -> PrimResult {
    // superclass subclass: #Name instanceVariableNames: 'a b'
    //   classVariableNames: 'C' poolDictionaries: '' category: 'x'
    // a0 name, a1 ivars, a2 classvars, a3 category, plus format
    // in the selector's receiver: handled in Smalltalk, passing
    // the format name as 5th arg via the stack.
    let sup = if c.r == Value::NIL {
        None
    } else {
        class_id_of(vm, c.r)
    };
    if c.r != Value::NIL && sup.is_none() {
        return Fail;
    }
    let name = match vm.str_of(c.a0) {
        Some(s) => s,
        None => return Fail,
    };
    let ivars: Vec<String> = vm
        .str_of(c.a1)
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let cvars: Vec<String> = vm
        .str_of(c.a2)
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let category = vm.str_of(c.a3).unwrap_or_default();
    let fmt_name = if c.argc > 4 {
        vm.str_of(vm.stack[c.n - c.argc + 4]).unwrap_or_default()
    } else {
        String::new()
    };
    let format = match fmt_name.as_str() {
        "variable" => Format::Indexable,
        "bytes" => Format::Bytes,
        "words" => Format::Words,
        _ => match sup {
            Some(s) => match vm.classes[s as usize].format {
                Format::Special => Format::Pointers,
                f => f,
            },
            None => Format::Pointers,
        },
    };
    match vm.define_class(&name, sup, &ivars, format, &category) {
        Ok(id) => {
            for cv in cvars {
                vm.add_class_var(id, &cv);
            }
            Value(vm.classes[id as usize].obj)
        }
        Err(e) => {
            vm.define_error = Some(e.clone());
            vm.warnings.push(e);
            Fail
        }
    }
}

pub(super) fn define_error(vm: &mut Vm, _: Args) -> PrimResult {
    match vm.define_error.take() {
        Some(e) => Value(vm.new_string(&e)),
        None => Value(Value::NIL),
    }
}

pub(super) fn inst_var_names_set(vm: &mut Vm, c: Args) -> PrimResult {
    // Foo class instanceVariableNames: 'a b' — receiver: metaclass
    let meta = match class_id_of(vm, c.r) {
        Some(id) if vm.classes[id as usize].is_meta => id,
        _ => return Fail,
    };
    let names: Vec<String> = vm
        .str_of(c.a0)
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let sup = vm.classes[meta as usize].superclass;
    let mut all = sup
        .map(|s| vm.classes[s as usize].inst_vars.to_vec())
        .unwrap_or_default();
    all.extend(names);
    match vm.reshape_class(meta, sup, all, Format::Special) {
        Ok(()) => Value(c.r),
        Err(_) => Fail,
    }
}

pub(super) fn var_add(vm: &mut Vm, c: Args) -> PrimResult {
    match (class_id_of(vm, c.r), vm.str_of(c.a0)) {
        (Some(id), Some(name)) => {
            vm.add_class_var(id, &name);
            Value(c.r)
        }
        _ => Fail,
    }
}

pub(super) fn compile(vm: &mut Vm, c: Args) -> PrimResult {
    let class = match class_id_of(vm, c.r) {
        Some(id) => id,
        None => return Fail,
    };
    let src = match vm.str_of(c.a0) {
        Some(s) => s,
        None => return Fail,
    };
    let cat = if c.argc > 1 {
        vm.str_of(c.a1).unwrap_or_default()
    } else {
        "as yet unclassified".into()
    };
    match vm.compile_and_install(class, &src, &cat, true) {
        Ok(m) => {
            let sel = vm
                .method_code(m)
                .map(|code| code.info.selector.clone())
                .unwrap_or_default();
            Value(vm.intern(&sel))
        }
        Err(e) => {
            // answer the error text; the Smalltalk side signals
            Value(vm.new_string(&e.render(&src)))
        }
    }
}

pub(super) fn remove_selector(vm: &mut Vm, c: Args) -> PrimResult {
    match (class_id_of(vm, c.r), vm.str_of(c.a0)) {
        (Some(id), Some(sel)) => {
            vm.remove_method(id, &sel);
            Value(c.r)
        }
        _ => Fail,
    }
}

pub(super) fn selectors(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let mut names: Vec<String> = vm.classes[id as usize]
                .methods
                .keys()
                .filter_map(|k| vm.str_of(*k))
                .collect();
            names.sort();
            Value(symbol_list(vm, names))
        }
        None => Fail,
    }
}

pub(super) fn includes_selector(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => Value(Value::bool(
            vm.classes[id as usize].methods.contains_key(&c.a0),
        )),
        None => Fail,
    }
}

pub(super) fn lookup(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => Value(vm.lookup_uncached(id, c.a0).unwrap_or(Value::NIL)),
        None => Fail,
    }
}

pub(super) fn method_at(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => Value(
            vm.classes[id as usize]
                .methods
                .get(&c.a0)
                .copied()
                .unwrap_or(Value::NIL),
        ),
        None => Fail,
    }
}

pub(super) fn inst_var_names(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let own = vm.classes[id as usize].own_inst_vars(vm).to_vec();
            let items: Vec<Value> = own.iter().map(|s| vm.new_string(s)).collect();
            Value(vm.new_array(items))
        }
        None => Fail,
    }
}

pub(super) fn var_names(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let names: Vec<String> = vm.classes[id as usize]
                .class_vars
                .iter()
                .map(|(n, _)| n.clone())
                .collect();
            Value(symbol_list(vm, names))
        }
        None => Fail,
    }
}

pub(super) fn category(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let s = vm.classes[id as usize].category.clone();
            Value(vm.new_string(&s))
        }
        None => Fail,
    }
}

pub(super) fn comment(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let s = vm.classes[id as usize].comment.clone();
            Value(vm.new_string(&s))
        }
        None => Fail,
    }
}

pub(super) fn comment_set(vm: &mut Vm, c: Args) -> PrimResult {
    match (class_id_of(vm, c.r), vm.str_of(c.a0)) {
        (Some(id), Some(s)) => {
            vm.classes[id as usize].comment = s;
            Value(c.r)
        }
        _ => Fail,
    }
}

pub(super) fn is_meta(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => Value(Value::bool(vm.classes[id as usize].is_meta)),
        None => Fail,
    }
}

pub(super) fn partner(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let p = vm.classes[id as usize].partner;
            Value(vm.classes[p as usize].obj)
        }
        None => Fail,
    }
}

pub(super) fn subclasses(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r) {
        Some(id) => {
            let subs: Vec<Value> = vm
                .classes
                .iter()
                .filter(|k| {
                    k.superclass == Some(id) && k.is_meta == vm.classes[id as usize].is_meta
                })
                .map(|k| k.obj)
                .collect();
            Value(vm.new_array(subs))
        }
        None => Fail,
    }
}

pub(super) fn all_classes(vm: &mut Vm, _: Args) -> PrimResult {
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

pub(super) fn named(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.a0) {
        Some(s) => match vm.class_named(&s) {
            Some(id) => Value(vm.classes[id as usize].obj),
            None => Value(Value::NIL),
        },
        None => Fail,
    }
}

pub(super) fn version(vm: &mut Vm, c: Args) -> PrimResult {
    match (class_id_of(vm, c.r), vm.str_of(c.a0)) {
        (Some(id), Some(s)) => Value(Value::small(
            vm.classes[id as usize]
                .versions
                .get(&s)
                .copied()
                .unwrap_or(0) as i64,
        )),
        _ => Fail,
    }
}

pub(super) fn is_variable(vm: &mut Vm, c: Args) -> PrimResult {
    match class_id_of(vm, c.r).and_then(|id| vm.classes.get(id as usize)) {
        Some(class) => Value(Value::bool(matches!(
            class.format,
            Format::Indexable | Format::Bytes | Format::Words
        ))),
        None => Fail,
    }
}

pub(super) fn inst_spec(vm: &mut Vm, c: Args) -> PrimResult {
    let spec = match class_id_of(vm, c.r).and_then(|id| vm.classes.get(id as usize)) {
        Some(class) => match class.format {
            Format::Pointers => "fixed",
            Format::Indexable => "variable",
            Format::Bytes => "bytes",
            Format::Words => "words",
            _ => "special",
        },
        None => return Fail,
    };
    Value(vm.intern(spec))
}

pub(super) fn method_source(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.method_code(c.r) {
        Some(code) => Value(vm.new_string(&code.info.source)),
        None => Fail,
    }
}

pub(super) fn method_selector(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.method_code(c.r) {
        Some(code) => Value(vm.intern(&code.info.selector)),
        None => Fail,
    }
}

pub(super) fn method_class(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.method_code(c.r) {
        Some(code) => Value(vm.classes[code.info.class as usize].obj),
        None => Fail,
    }
}

pub(super) fn method_primitive(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.method_code(c.r) {
        Some(code) => Value(Value::small(code.info.primitive as i64)),
        None => Fail,
    }
}

pub(super) fn method_primitive_number(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.method_code(c.r) {
        // Squeak's primitive number: marker methods answer 198/199
        Some(code) => {
            let p = match code.info.marker {
                Marker::Handler => 199,
                Marker::Unwind => 198,
                _ => code.info.primitive as i64,
            };
            Value(Value::small(p))
        }
        None => Fail,
    }
}
