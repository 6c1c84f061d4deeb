//! The class table: classes and metaclasses, method dictionaries with
//! versions, class variables and globals.
//!
//! Installing a method (accept) replaces the dictionary entry and flushes
//! the lookup caches between two instructions (LIVE.md R1); frames that
//! already run the old version keep their own `Rc<Code>` (R3).

use super::Vm;
use crate::object::{Body, ClassId, Value};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The most instance variables (inherited ones included) a class may be
/// defined with (as many as a method's temporaries: a definition checks its
/// names against the inherited ones, and instructions index them with 16
/// bits).
pub const MAX_INST_VARS: usize = 4096;

/// Instance variable names, inherited first. A class holds its own names
/// and shares its superclass's (copying them made a hierarchy's names
/// quadratic in its depth: a 27 KB share link grew to 875 MB).
#[derive(Clone, Default, Debug)]
pub struct InstVars(Option<Rc<IvNode>>);

#[derive(Debug)]
struct IvNode {
    parent: InstVars,
    own: Vec<String>,
    len: usize,
}

impl InstVars {
    /// `own` after `parent`'s names.
    pub fn new(parent: &InstVars, own: Vec<String>) -> InstVars {
        let len = parent.len() + own.len();
        if len == 0 {
            return InstVars(None);
        }
        InstVars(Some(Rc::new(IvNode {
            parent: parent.clone(),
            own,
            len,
        })))
    }

    /// The layout `all`, sharing `parent`'s names if it starts with them.
    pub fn over(parent: &InstVars, all: Vec<String>) -> InstVars {
        let n = parent.len();
        if all.len() >= n && parent.iter().zip(&all).all(|(a, b)| a == b) {
            InstVars::new(parent, all[n..].to_vec())
        } else {
            InstVars::new(&InstVars(None), all)
        }
    }

    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every name, inherited first (no recursion: hierarchies are as deep
    /// as users make them).
    pub fn iter(&self) -> impl Iterator<Item = &String> {
        let mut chain = Vec::new();
        let mut at = &self.0;
        while let Some(n) = at {
            chain.push(n);
            at = &n.parent.0;
        }
        chain.into_iter().rev().flat_map(|n| n.own.iter())
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().cloned().collect()
    }

    /// The names after the first `n`.
    pub fn skip(&self, n: usize) -> Vec<String> {
        self.iter().skip(n).cloned().collect()
    }

    /// The names it adds to the ones it shares, and those (`None` for no
    /// names at all): how a snapshot keeps the sharing.
    pub(crate) fn parts(&self) -> Option<(&InstVars, &[String])> {
        self.0.as_ref().map(|n| (&n.parent, n.own.as_slice()))
    }

    /// Which list of names this is, shared or not (`None` for no names).
    pub(crate) fn node_id(&self) -> Option<usize> {
        self.0.as_ref().map(|n| Rc::as_ptr(n) as usize)
    }

    /// Bytes this class's own part takes (what sharing leaves to count).
    pub fn own_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |n| {
            48 + n.own.iter().map(|s| 24 + s.len()).sum::<usize>()
        })
    }
}

impl From<Vec<String>> for InstVars {
    fn from(all: Vec<String>) -> InstVars {
        InstVars::new(&InstVars(None), all)
    }
}

impl PartialEq for InstVars {
    fn eq(&self, other: &InstVars) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// How instances of a class are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Named slots only.
    Pointers,
    /// Named slots followed by indexed pointer slots.
    Indexable,
    /// Indexed bytes (strings, symbols, byte arrays).
    Bytes,
    /// Indexed 32-bit words (WideString, WideSymbol).
    Words,
    /// Instances are made only by the VM (SmallInteger, Float, closures…).
    Special,
}

/// What `basicNew` or `basicNew:` makes of a class ([`Format::instance`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instance {
    /// Pointer slots (named, then indexed), all nil.
    Slots(usize),
    /// Bytes, all 0.
    Bytes(usize),
    /// 32-bit words, all 0.
    Words(usize),
}

impl Format {
    /// An instance of a class of this format with `named` named slots,
    /// made by `basicNew` (`indexed` none) or `basicNew:`; `None` if the
    /// class has none made that way (a non-indexable class's `basicNew:`,
    /// a class the VM makes).
    pub fn instance(self, named: usize, indexed: Option<usize>) -> Option<Instance> {
        let size = indexed.unwrap_or(0);
        match self {
            Format::Pointers if indexed.is_none() => Some(Instance::Slots(named)),
            Format::Indexable => Some(Instance::Slots(named + size)),
            Format::Bytes => Some(Instance::Bytes(size)),
            Format::Words => Some(Instance::Words(size)),
            _ => None,
        }
    }
}

pub struct ClassInfo {
    pub name: String,
    /// The class object (instance of the metaclass).
    pub obj: Value,
    pub superclass: Option<ClassId>,
    pub is_meta: bool,
    /// For a class, its metaclass; for a metaclass, its sole instance.
    pub partner: ClassId,
    /// All instance variable names, inherited first.
    pub inst_vars: InstVars,
    pub format: Format,
    /// selector symbol → CompiledMethod object
    pub methods: HashMap<Value, Value>,
    /// Last version number handed out per selector (kept after removal,
    /// so a re-added method continues the numbering).
    pub versions: HashMap<String, u32>,
    /// Class variables: name → binding (Association).
    pub class_vars: Vec<(String, Value)>,
    pub category: String,
    pub comment: String,
}

impl ClassInfo {
    /// A class (or metaclass) with no methods or class variables yet.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<String>,
        obj: Value,
        superclass: Option<ClassId>,
        is_meta: bool,
        partner: ClassId,
        inst_vars: impl Into<InstVars>,
        format: Format,
        category: &str,
    ) -> ClassInfo {
        ClassInfo {
            name: name.into(),
            obj,
            superclass,
            is_meta,
            partner,
            inst_vars: inst_vars.into(),
            format,
            methods: HashMap::new(),
            versions: HashMap::new(),
            class_vars: vec![],
            category: category.to_string(),
            comment: String::new(),
        }
    }

    /// Instance variables declared by this class itself.
    pub fn own_inst_vars(&self, vm: &Vm) -> Vec<String> {
        let inherited = self
            .superclass
            .map(|s| vm.classes[s as usize].inst_vars.len())
            .unwrap_or(0);
        self.inst_vars.skip(inherited)
    }
}

impl Vm {
    /// The class of any value.
    #[inline(always)]
    pub fn class_of(&self, v: Value) -> ClassId {
        if v.is_int() {
            self.known.small_integer
        } else if v.is_obj() {
            self.heap.get(v).class
        } else if v.is_char() {
            self.known.character
        } else {
            self.known.small_float
        }
    }

    pub fn class_named(&self, name: &str) -> Option<ClassId> {
        let b = self.globals.get(name)?;
        let v = self.assoc_value(*b);
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Class { id, .. }) => Some(*id),
            _ => None,
        }
    }

    pub fn class_name(&self, c: ClassId) -> &str {
        &self.classes[c as usize].name
    }

    /// Superclass chain lookup, uncached.
    pub fn lookup_uncached(&self, mut class: ClassId, sel: Value) -> Option<Value> {
        loop {
            let info = &self.classes[class as usize];
            if let Some(m) = info.methods.get(&sel) {
                return Some(*m);
            }
            class = info.superclass?;
        }
    }

    pub fn inherits_from(&self, mut c: ClassId, ancestor: ClassId) -> bool {
        loop {
            if c == ancestor {
                return true;
            }
            match self.classes[c as usize].superclass {
                Some(s) => c = s,
                None => return false,
            }
        }
    }

    /// Creates a class and its metaclass (or returns the existing class,
    /// reshaped if its instance variables changed).
    pub fn define_class(
        &mut self,
        name: &str,
        superclass: Option<ClassId>,
        own_ivars: &[String],
        format: Format,
        category: &str,
    ) -> Result<ClassId, String> {
        if !name.chars().next().is_some_and(|c| c.is_uppercase()) {
            return Err(format!("class name must be capitalized: {}", name));
        }
        let inherited = superclass
            .map(|s| self.classes[s as usize].inst_vars.clone())
            .unwrap_or_default();
        check_inst_var_count(inherited.len() + own_ivars.len())?;
        let mut seen: HashSet<&String> = inherited.iter().collect();
        for iv in own_ivars {
            if !seen.insert(iv) {
                return Err(format!("instance variable '{}' is already defined", iv));
            }
        }
        if let Some(existing) = self.class_named(name) {
            let mut all = inherited.to_vec();
            all.extend(own_ivars.iter().cloned());
            self.reshape_class(existing, superclass, all, format)?;
            self.classes[existing as usize].category = category.to_string();
            return Ok(existing);
        }
        // a class and its metaclass, their names and the new names
        let bytes = 2 * (super::gc::CLASS_BYTES + name.len() + 64)
            + own_ivars.iter().map(|s| 24 + s.len()).sum::<usize>();
        self.room_for_definition(bytes)?;
        self.heap.metadata += bytes;
        let meta_super = match superclass {
            Some(s) => Some(self.classes[s as usize].partner),
            None => Some(self.known.class),
        };
        let class_id = self.classes.len() as ClassId;
        let meta_id = class_id + 1;
        let meta_ivars = meta_super
            .map(|s| self.classes[s as usize].inst_vars.clone())
            .unwrap_or_default();
        let meta_obj = self.heap.alloc(
            self.known.metaclass,
            Body::Class {
                id: meta_id,
                slots: vec![],
            },
        );
        let class_obj = self.heap.alloc(
            meta_id,
            Body::Class {
                id: class_id,
                slots: vec![Value::NIL; meta_ivars.len()],
            },
        );
        let all = InstVars::new(&inherited, own_ivars.to_vec());
        self.classes.push(ClassInfo::new(
            name, class_obj, superclass, false, meta_id, all, format, category,
        ));
        self.classes.push(ClassInfo::new(
            format!("{} class", name),
            meta_obj,
            meta_super,
            true,
            class_id,
            meta_ivars,
            Format::Special,
            "",
        ));
        self.set_global(name, class_obj);
        self.flush_caches();
        Ok(class_id)
    }

    /// Changes a class's superclass or instance variables. Existing
    /// instances get nil in new slots (and lose removed ones); subclasses
    /// are reshaped too. Running methods keep working: their instance
    /// variable indices refer to the old layout, so we only allow changes
    /// that keep existing indices (appending), or the method is
    /// recompiled by the caller.
    pub fn reshape_class(
        &mut self,
        class: ClassId,
        superclass: Option<ClassId>,
        all: Vec<String>,
        format: Format,
    ) -> Result<(), String> {
        check_inst_var_count(all.len())?;
        if let Some(s) = superclass {
            if self.classes[class as usize].superclass != superclass && self.inherits_from(s, class)
            {
                return Err("circular class hierarchy".into());
            }
        }
        // A worklist, not recursion: hierarchies are as deep as users make
        // them. First every subclass's new length (its own variables over
        // its superclass's new layout): if one would pass the limit,
        // nothing changes.
        let subclasses = self.direct_subclasses();
        let mut check = vec![(class, all.len())];
        while let Some((c, len)) = check.pop() {
            let old = self.classes[c as usize].inst_vars.len();
            for &s in subclasses.get(&c).into_iter().flatten() {
                let own = self.classes[s as usize].inst_vars.len().saturating_sub(old);
                check_inst_var_count(len + own)
                    .map_err(|e| format!("{}: {e}", self.classes[s as usize].name))?;
                check.push((s, len + own));
            }
        }
        // Each entry is a class with its new superclass and layout.
        let mut work = vec![(class, superclass, all, format)];
        let mut changed = false;
        while let Some((c, sup, all, format)) = work.pop() {
            let Some(old_len) = self.reshape_one(c, sup, all, format) else {
                continue;
            };
            changed = true;
            for &s in subclasses.get(&c).into_iter().flatten() {
                let own = self.classes[s as usize].own_inst_vars_by_len(old_len);
                let mut all2 = self.classes[c as usize].inst_vars.to_vec();
                all2.extend(own);
                let fmt = self.classes[s as usize].format;
                work.push((s, Some(c), all2, fmt));
            }
            // methods compiled against the old layout are recompiled
            self.recompile_class(c);
        }
        if changed {
            self.flush_caches();
            // optimized code that inlined lookups through the old shape
            self.tier_invalidate_hierarchy(class);
        }
        Ok(())
    }

    /// Gives one class its new superclass and layout, migrating its
    /// instances. Answers the old layout's length, or `None` when nothing
    /// changed (so its subclasses need nothing either).
    fn reshape_one(
        &mut self,
        class: ClassId,
        superclass: Option<ClassId>,
        all: Vec<String>,
        format: Format,
    ) -> Option<usize> {
        let old = self.classes[class as usize].inst_vars.to_vec();
        let same_super = self.classes[class as usize].superclass == superclass;
        if old == all && same_super {
            if self.classes[class as usize].format != Format::Special {
                self.classes[class as usize].format = format;
            }
            return None;
        }
        // map old slot index -> new slot index by name
        let map: Vec<Option<usize>> = old
            .iter()
            .map(|n| all.iter().position(|m| m == n))
            .collect();
        self.migrate_instances(class, &map, all.len(), old.len());
        let all = match superclass {
            Some(s) => InstVars::over(&self.classes[s as usize].inst_vars, all),
            None => all.into(),
        };
        let info = &mut self.classes[class as usize];
        info.inst_vars = all;
        info.superclass = superclass;
        if info.format != Format::Special {
            info.format = format;
        }
        let meta = info.partner;
        let meta_super = match superclass {
            Some(s) => self.classes[s as usize].partner,
            None => self.known.class,
        };
        self.classes[meta as usize].superclass = Some(meta_super);
        Some(old.len())
    }

    /// Each class's direct (non-meta) subclasses.
    fn direct_subclasses(&self) -> HashMap<ClassId, Vec<ClassId>> {
        let mut subs: HashMap<ClassId, Vec<ClassId>> = HashMap::new();
        for (c, info) in self.classes.iter().enumerate() {
            if let (false, Some(sup)) = (info.is_meta, info.superclass) {
                subs.entry(sup).or_default().push(c as ClassId);
            }
        }
        subs
    }

    fn migrate_instances(
        &mut self,
        class: ClassId,
        map: &[Option<usize>],
        new_len: usize,
        old_len: usize,
    ) {
        for i in 0..self.heap.objs.len() {
            let v = Value::obj(i as u32);
            if self.heap.objs[i].class != class {
                continue;
            }
            let Some(slots) = self.heap.slots(v) else {
                continue;
            };
            let mut fresh = vec![Value::NIL; new_len];
            for (i, m) in map.iter().enumerate() {
                if let (Some(j), Some(v)) = (m, slots.get(i)) {
                    fresh[*j] = *v;
                }
            }
            // indexed part follows the named part
            if slots.len() > old_len {
                fresh.extend_from_slice(&slots[old_len..]);
            }
            self.heap.replace_slots(v, &fresh);
        }
    }

    /// Recompiles every method of `class` from its source (after a
    /// reshape), keeping versions. Running activations keep old code.
    fn recompile_class(&mut self, class: ClassId) {
        let entries: Vec<(Value, Value)> = self.classes[class as usize]
            .methods
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect();
        for (_sel, m) in entries {
            let (src, cat) = match &self.heap.get(m).body {
                Body::Method(c) => (c.info.source.to_string(), c.info.category.clone()),
                _ => continue,
            };
            // Same source: a recompile is not a new version for the user.
            let _ = self.compile_and_install(class, &src, &cat, false);
        }
    }

    // ----- globals -----

    pub fn assoc_value(&self, assoc: Value) -> Value {
        match self.heap.try_get(assoc).map(|o| &o.body) {
            Some(&Body::Slots(s)) if s.len() >= 2 => self.heap.span(s)[1],
            _ => Value::NIL,
        }
    }

    pub fn set_assoc_value(&mut self, assoc: Value, v: Value) {
        if let Some(s) = self.heap.slots_mut(assoc) {
            if s.len() >= 2 {
                s[1] = v;
            }
        }
    }

    pub fn new_assoc(&mut self, key: Value, value: Value) -> Value {
        self.heap.alloc_slots(self.known.association, &[key, value])
    }

    pub fn set_global(&mut self, name: &str, v: Value) {
        if let Some(b) = self.globals.get(name).copied() {
            self.set_assoc_value(b, v);
            return;
        }
        // adopt an Undeclared binding so earlier compiled references see it
        let b = match self.undeclared.remove(name) {
            Some(b) => b,
            None => {
                let k = self.intern(name);
                self.new_assoc(k, Value::NIL)
            }
        };
        self.set_assoc_value(b, v);
        self.globals.insert(name.to_string(), b);
    }

    pub fn global(&self, name: &str) -> Option<Value> {
        self.globals.get(name).map(|b| self.assoc_value(*b))
    }

    /// The binding a method of `class` sees for `name`: class variables
    /// (up the superclass chain, from the instance side), then globals,
    /// then an Undeclared binding for capitalised names.
    pub fn binding_for(&mut self, class: ClassId, name: &str) -> Option<Value> {
        let mut c = Some(if self.classes[class as usize].is_meta {
            self.classes[class as usize].partner
        } else {
            class
        });
        while let Some(cid) = c {
            let info = &self.classes[cid as usize];
            if let Some((_, b)) = info.class_vars.iter().find(|(n, _)| n == name) {
                return Some(*b);
            }
            c = info.superclass;
        }
        if let Some(b) = self.globals.get(name) {
            return Some(*b);
        }
        if name.chars().next().is_some_and(|c| c.is_uppercase()) {
            if let Some(b) = self.undeclared.get(name) {
                return Some(*b);
            }
            let k = self.intern(name);
            let b = self.new_assoc(k, Value::NIL);
            self.undeclared.insert(name.to_string(), b);
            return Some(b);
        }
        None
    }

    pub fn add_class_var(&mut self, class: ClassId, name: &str) {
        if self.classes[class as usize]
            .class_vars
            .iter()
            .any(|(n, _)| n == name)
        {
            return;
        }
        let b = match self.undeclared.remove(name) {
            Some(b) => b,
            None => {
                let k = self.intern(name);
                self.new_assoc(k, Value::NIL)
            }
        };
        self.classes[class as usize]
            .class_vars
            .push((name.to_string(), b));
    }
}

fn check_inst_var_count(n: usize) -> Result<(), String> {
    if n > MAX_INST_VARS {
        return Err(format!(
            "too many instance variables ({n}; at most {MAX_INST_VARS})"
        ));
    }
    Ok(())
}

impl ClassInfo {
    fn own_inst_vars_by_len(&self, inherited_len: usize) -> Vec<String> {
        self.inst_vars.skip(inherited_len)
    }
}
