//! The VM: object memory plus classes plus processes, and the
//! interpreter that runs them in slices of fuel.
//!
//! The module face is [`Vm`] with [`Vm::run`], [`Outcome`] and the host
//! API in `crate::host`. The interpreter never recurses in Rust for a
//! Smalltalk send, block, exception or unwind: all of that is frames in
//! VM data. Nothing reachable from Smalltalk source may panic.

mod access;
mod calls;
pub mod classes;
mod fast;
pub mod frame;
mod gc;
mod general;
mod isolate;
pub mod kernel_jit;
mod kernels;
pub mod prims;
pub mod proctable;
mod run;
mod sched;
pub(crate) mod sites;
mod special;
mod transcript;

use crate::bytecode::Arith;
use crate::compiler::{self, ClassContext, CompileError, Env};
use crate::object::{text, Body, Bytes, ClassId, Code, Heap, Text, Value};
use crate::syntax::ast::{Literal, Pragma};
use classes::{ClassInfo, Format};
use frame::Frame;
use proctable::ProcTable;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

pub use frame::{ErrorInfo, ProcState};
pub use isolate::SetAside;
pub use run::{Outcome, CLOCK_CHECK, NO_PROC};
pub use sched::USER_PRIORITY;
pub use transcript::{Run, Transcript};

/// Class ids the VM itself needs to know.
#[derive(Default, Clone)]
pub struct Known {
    pub proto_object: ClassId,
    pub object: ClassId,
    pub behavior: ClassId,
    pub class_description: ClassId,
    pub class: ClassId,
    pub metaclass: ClassId,
    pub undefined_object: ClassId,
    pub boolean: ClassId,
    pub true_class: ClassId,
    pub false_class: ClassId,
    pub small_integer: ClassId,
    pub large_positive: ClassId,
    pub large_negative: ClassId,
    pub float: ClassId,
    pub small_float: ClassId,
    pub boxed_float: ClassId,
    pub character: ClassId,
    pub string: ClassId,
    pub byte_string: ClassId,
    pub symbol: ClassId,
    pub byte_symbol: ClassId,
    pub wide_string: ClassId,
    pub wide_symbol: ClassId,
    pub array: ClassId,
    pub byte_array: ClassId,
    pub compiled_method: ClassId,
    pub block_closure: ClassId,
    pub full_block_closure: ClassId,
    pub context: ClassId,
    pub process: ClassId,
    pub association: ClassId,
    pub message: ClassId,
    pub system_dictionary: ClassId,
}

/// How the optimizing tier is configured. Until the tier exists, every
/// mode runs the interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierMode {
    Off,
    On,
    Eager,
}

/// One entry of the global method cache.
#[derive(Clone)]
pub(crate) struct CacheEntry {
    /// Valid only while equal to `Vm::cache_epoch`.
    epoch: u32,
    class: ClassId,
    sel: Value,
    method: Value,
    code: Option<Rc<Code>>,
}

pub const CACHE_SIZE: usize = 4096;

/// Default limit on live heap bytes; beyond it allocation ends in an
/// `OutOfMemory` error (a browser tab should not grow without bound).
pub const DEFAULT_HEAP_LIMIT: usize = 256 << 20;

/// [`Vm::inlined_from`] when no frame entered an inlined callee's body
/// since the last materialization.
pub(crate) const NOT_INLINED: usize = usize::MAX;

pub struct Vm {
    pub heap: Heap,
    pub classes: Vec<ClassInfo>,
    /// The classes the VM itself needs to know.
    pub known: Known,
    pub symbols: HashMap<String, Value>,
    /// Global bindings (Associations) by name.
    pub globals: HashMap<String, Value>,
    /// Bindings compiled before their global was defined.
    pub undeclared: HashMap<String, Value>,
    // ----- execution state of the active process -----
    pub frames: Vec<Frame>,
    pub stack: Vec<Value>,
    pub active: usize,
    pub procs: ProcTable,
    /// Ready queues by priority (index = priority, 1..=80).
    pub(crate) ready: Vec<VecDeque<usize>>,
    /// Processes sleeping on a Delay.
    pub(crate) sleepers: Vec<usize>,
    /// Semaphore object index → waiting processes.
    pub(crate) sem_waiters: HashMap<usize, VecDeque<usize>>,
    pub(crate) next_serial: u64,
    pub(crate) cache: Vec<CacheEntry>,
    /// Bumped to invalidate every cache entry at once (accept, remove,
    /// class change, GC).
    pub(crate) cache_epoch: u32,
    /// Transcript output not yet taken by the host, with its writers.
    pub transcript: Transcript,
    /// Canvas drawing commands not yet taken by the host (bounded:
    /// see [`prims::draw::Drawing`]).
    pub drawing: prims::draw::Drawing,
    /// Maximum frames in one process.
    pub max_depth: usize,
    pub tier: TierMode,
    /// Host clock in milliseconds.
    pub clock: Box<dyn Fn() -> f64>,
    /// Values the host holds on to (inspectors, results).
    pub pinned: Vec<Value>,
    /// Selectors the VM sends itself.
    pub sel: Selectors,
    /// Warnings for the host to show, `NAME:LINE:COL: warning: message`
    /// (an undeclared variable, an unknown primitive), oldest first.
    pub warnings: Vec<String>,
    /// The warnings of the last compile, positioned in its source (the
    /// caller knows where that source sits: `Vm::note_warnings`).
    pub(crate) last_warnings: Vec<crate::syntax::SyntaxError>,
    /// Executed instructions (for benchmarks: bytecodes/s).
    pub insn_count: u64,
    /// Sends performed (for benchmarks: sends/s).
    pub send_count: u64,
    /// Times the fast loop found a frame whose operand stack was not as
    /// its code's shape says (`crate::verify`), so the general loop ran
    /// it: never, for code the compiler and the tier make (tests check).
    pub unshaped: u64,
    /// Instructions the fast loop handed to the general loop (`Exit::Slow`):
    /// the few it has no path for (`thisContext`, a non-local return, a
    /// global's store, ...). A send it can make itself is not one of
    /// them (tests check).
    pub handed_over: u64,
    /// Calls entered past their guard clause's test, which had failed at
    /// the send (`tier::Guard::on`): inlined callees, then frames.
    /// Counted in debug builds only, for tests.
    pub guard_skips: [u64; 2],
    /// Fused instructions that ran their first canonical instruction
    /// instead (operands they do not take, an overflow). Counted in debug
    /// builds only, for tests.
    pub unfused: u64,
    /// Primitives that answered in place of their call (`prim_in_place`:
    /// no frame, no reload of the running one). Counted in debug builds
    /// only, for tests.
    pub prims_in_place: u64,
    /// Leaf primitives the fast loop called in place of their send
    /// (`Vm::send_leaf`) that answered there. Counted in debug builds
    /// only, for tests.
    pub leaf_calls: u64,
    /// Inlined callees entered out of the fast loop's common case
    /// (`sites::inline_enter`: blocks, another class at a polymorphic
    /// send, many temps, little room). Counted in debug builds only, for
    /// tests.
    pub entered_out_of_line: u64,
    /// The lowest frame of the active process that entered an inlined
    /// callee's body (`InlineEnter`) since the last materialization
    /// ([`NOT_INLINED`] if none): what reads frames as contexts
    /// (`thisContext`, `sender`, handler search) then gives such callees
    /// frames of their own first, from that frame up. The frames below
    /// it run no inlined callee, so that costs what ran since, not the
    /// depth of the stack.
    pub(crate) inlined_from: usize,
    /// The same for processes taken off the CPU since: pid and frame.
    pub(crate) inlined_elsewhere: Vec<(usize, usize)>,
    /// Loop kernels run compiled to WebAssembly where they can (in the
    /// browser: `kernel_jit`); off, they are interpreted everywhere.
    pub jit_kernels: bool,
    /// The most work one LargeInteger primitive may do
    /// ([`STEP_WORK`](crate::object::large::STEP_WORK); a test lowers it
    /// to run the Smalltalk code that goes on beyond it).
    pub large_step: u64,
    /// Set by [`Vm::run_until`] for a chunk of fuel that is not its last:
    /// the fast loop may then stop short of the chunk's end, at an
    /// instruction boundary, rather than run the chunk's tail one
    /// instruction at a time in the general loop (which would split an
    /// inlined callee into a frame of its own at every clock reading).
    pub(crate) soft_stop: bool,
    /// Instructions between two clock readings in [`Vm::run_until`]
    /// (adapted to the speed of the code; see [`run::CLOCK_CHECK`]).
    pub(crate) clock_every: u64,
    /// Frames the context primitives looked at (finding a Context's
    /// frame, a handler, a block's home): linear in what a handler search
    /// or a walk up the senders passes, whatever the depth (tests).
    pub frames_searched: std::cell::Cell<u64>,
    /// Frames given back to inlined callees (materialized) so far: by
    /// deoptimization, by what needs contexts, and by the debugger.
    pub frames_materialized: u64,
    /// Set when the fast loop stopped short (`soft_stop`); with the fuel
    /// it would have needed to go on (`fast.rs`'s guard distance).
    pub(crate) stopped_short: Option<u64>,
    /// Fuel per `run` call in [`Vm::run_until_done`] (1 = pause after
    /// every instruction; results must not change).
    pub slice: u64,
    /// Whether `Array>>at:` and `at:put:` resolve to primitives 60 and 61
    /// (the special `At`/`AtPut` instructions may then index directly);
    /// `None` until computed, reset when either selector is (re)defined.
    pub(crate) array_prims: Option<bool>,
    /// What the special selectors last found (`Vm::special_in_place`).
    pub(crate) special: special::SpecialCache,
    /// The kernel methods `hashedScanFor` stands for (recorded after the
    /// kernel loads).
    pub(crate) hashed_kernel: Option<prims::hashed::HashedKernel>,
    /// Testing: deoptimize every frame after each slice of
    /// [`Vm::run_until_done`] (a "deopt storm").
    pub deopt_storm: bool,
    /// Run the fast loop (`fast.rs`); off, every instruction runs in the
    /// general loop, which the golden suite checks gives the same results.
    pub fast_loop: bool,
    /// Tier: calls or back-edges before optimizing (tier `on`).
    pub tier_threshold: u32,
    /// Print tier events to stderr as they happen (`--trace-tier`).
    pub trace_tier: bool,
    pub(crate) tier_events: Vec<crate::tier::event::TierEvent>,
    /// Optimized code that inlined a lookup, by selector.
    pub(crate) tier_deps: HashMap<Value, Vec<crate::tier::code::Dependency>>,
    /// Dependencies recorded since the registry was last pruned of the
    /// dead ones, and how many may be before the next pruning (the
    /// registry's size after the last one: pruning costs amortized O(1)).
    pub(crate) tier_deps_added: usize,
    pub(crate) tier_deps_prune_at: usize,
    /// Why the last class definition by a primitive failed (taken by the
    /// primitive `classDefineError`, for the error Smalltalk signals).
    pub(crate) define_error: Option<String>,
    /// Do-it counter for unique names.
    pub(crate) doit_counter: u64,
    /// Processes to report as finished or errored to the host.
    pub(crate) events: VecDeque<Outcome>,
    /// Why the kernel snapshot was refused, when [`Vm::new`] compiled the
    /// kernel sources instead (for the host to show).
    pub snapshot_refused: Option<String>,
}

#[derive(Default, Clone)]
pub struct Selectors {
    pub does_not_understand: Value,
    pub must_be_boolean: Value,
    pub cannot_return: Value,
    pub value: Value,
    pub stack_overflow: Value,
    pub out_of_memory: Value,
    pub signal_error: Value,
    pub at: Value,
    pub at_put: Value,
    /// The selector of each special arithmetic instruction, by
    /// `Arith as usize` (a send that falls back from one needs it:
    /// interning it there cost a hash per Float operation).
    pub arith: [Value; Arith::ALL.len()],
}

/// The most warnings kept for the host (`Vm::warnings`).
const MAX_WARNINGS: usize = 1000;

struct VmEnv<'a> {
    vm: &'a mut Vm,
}

impl Env for VmEnv<'_> {
    fn literal(&mut self, lit: &Literal) -> Value {
        self.vm.literal_value(lit)
    }
    fn symbol(&mut self, name: &str) -> Value {
        self.vm.intern(name)
    }
    fn binding(&mut self, class: &ClassContext, name: &str) -> Option<Value> {
        self.vm.binding_for(class.class_id, name)
    }
    fn undeclared(&self, name: &str) -> bool {
        self.vm.undeclared.contains_key(name) && !self.vm.globals.contains_key(name)
    }
    fn primitive_index(&self, p: &Pragma) -> Option<u16> {
        prims::primitive_index(p)
    }
}

/// Optimized code and inline caches can refer back to the methods that
/// hold them (a recursive callee inlined into itself, caches of methods
/// that call each other): cycles of `Rc`s that dropping the heap would
/// leave behind. They are cut first, as `retire_method` cuts a replaced
/// method's. (The command line exits without dropping its VM.)
impl Drop for Vm {
    fn drop(&mut self) {
        for o in &self.heap.objs {
            if let Body::Method(code) = &o.body {
                drop_optimized(code);
            }
        }
    }
}

/// Drops the optimized code of `code` and of its blocks (which nest in
/// it: a stack, not recursion).
fn drop_optimized(code: &Rc<Code>) {
    let mut codes = vec![code.clone()];
    while let Some(code) = codes.pop() {
        if let Ok(mut t) = code.tier.try_borrow_mut() {
            t.opt = None;
        }
        codes.extend(code.blocks.iter().cloned());
    }
}

impl Vm {
    /// A VM with only the core classes (no kernel source loaded).
    pub fn bare() -> Vm {
        let mut vm = Vm::unbooted();
        vm.bootstrap();
        vm
    }

    /// A VM with nothing in it, not even nil: what [`Vm::bare`] bootstraps
    /// and a kernel snapshot fills (`crate::snapshot`).
    pub(crate) fn unbooted() -> Vm {
        Vm {
            heap: Heap::new(DEFAULT_HEAP_LIMIT),
            classes: vec![],
            known: Known::default(),
            symbols: HashMap::new(),
            globals: HashMap::new(),
            last_warnings: Vec::new(),
            undeclared: HashMap::new(),
            frames: vec![],
            stack: vec![],
            active: run::NO_PROC,
            procs: ProcTable::default(),
            ready: vec![VecDeque::new(); 81],
            sem_waiters: HashMap::new(),
            sleepers: Vec::new(),
            next_serial: 1,
            cache_epoch: 1,
            cache: vec![
                CacheEntry {
                    epoch: 0,
                    class: u32::MAX,
                    sel: Value::NIL,
                    method: Value::NIL,
                    code: None
                };
                CACHE_SIZE
            ],
            transcript: Transcript::default(),
            drawing: prims::draw::Drawing::default(),
            max_depth: 200_000,
            tier: TierMode::On,
            clock: default_clock(),
            pinned: vec![],
            sel: Selectors::default(),
            warnings: vec![],
            insn_count: 0,
            send_count: 0,
            unshaped: 0,
            handed_over: 0,
            guard_skips: [0; 2],
            unfused: 0,
            prims_in_place: 0,
            leaf_calls: 0,
            entered_out_of_line: 0,
            inlined_from: NOT_INLINED,
            inlined_elsewhere: Vec::new(),
            jit_kernels: true,
            large_step: crate::object::large::STEP_WORK,
            soft_stop: false,
            clock_every: run::CLOCK_CHECK,
            frames_materialized: 0,
            frames_searched: Default::default(),
            stopped_short: None,
            doit_counter: 0,
            define_error: None,
            slice: 1_000_000,
            tier_threshold: crate::tier::DEFAULT_THRESHOLD,
            deopt_storm: false,
            fast_loop: true,
            array_prims: None,
            special: Default::default(),
            hashed_kernel: None,
            trace_tier: false,
            tier_events: Vec::new(),
            tier_deps: HashMap::new(),
            tier_deps_added: 0,
            tier_deps_prune_at: 1024,
            events: VecDeque::new(),
            snapshot_refused: None,
        }
    }

    fn bootstrap(&mut self) {
        // nil, true, false are objects 0, 1, 2; their classes are fixed
        // up once the classes exist.
        for _ in 0..3 {
            self.heap.alloc_nils(0, 0);
        }
        use Format::*;
        // The first classes are made by hand: Class and Metaclass must
        // exist before define_class can make metaclasses.
        let table: &[(&str, Option<&str>, Format, &[&str])] = &[
            ("ProtoObject", None, Pointers, &[]),
            ("Object", Some("ProtoObject"), Pointers, &[]),
            ("Behavior", Some("Object"), Special, &[]),
            ("ClassDescription", Some("Behavior"), Special, &[]),
            ("Class", Some("ClassDescription"), Special, &[]),
            ("Metaclass", Some("ClassDescription"), Special, &[]),
        ];
        // placeholder ids: classes at even ids, metaclasses at odd
        for (i, (name, sup, fmt, _)) in table.iter().enumerate() {
            let id = (i * 2) as ClassId;
            let sup_id =
                sup.map(|s| (table.iter().position(|t| t.0 == s).unwrap_or(0) * 2) as ClassId);
            self.classes.push(ClassInfo::new(
                name.to_string(),
                Value::NIL,
                sup_id,
                false,
                id + 1,
                vec![],
                *fmt,
                "Kernel-Classes",
            ));
            self.classes.push(ClassInfo::new(
                format!("{} class", name),
                Value::NIL,
                None,
                true,
                id,
                vec![],
                Special,
                "",
            ));
        }
        self.known.proto_object = 0;
        self.known.object = 2;
        self.known.behavior = 4;
        self.known.class_description = 6;
        self.known.class = 8;
        self.known.metaclass = 10;
        for i in 0..table.len() {
            let id = (i * 2) as ClassId;
            let meta = id + 1;
            let meta_super = match self.classes[id as usize].superclass {
                Some(s) => s + 1,
                None => self.known.class,
            };
            self.classes[meta as usize].superclass = Some(meta_super);
            let meta_obj = self.heap.alloc(
                self.known.metaclass,
                Body::Class {
                    id: meta,
                    slots: vec![],
                },
            );
            let obj = self.heap.alloc(meta, Body::Class { id, slots: vec![] });
            self.classes[meta as usize].obj = meta_obj;
            self.classes[id as usize].obj = obj;
        }
        // symbols need ByteSymbol, globals need Association: make the
        // rest with define_class, which interns names, so define String
        // and Symbol classes with a temporary symbol-less path first.
        let mk = |vm: &mut Vm, name: &str, sup: &str, fmt: Format, ivars: &[&str]| -> ClassId {
            let sup = vm.find_class_early(sup);
            let iv: Vec<String> = ivars.iter().map(|s| s.to_string()).collect();
            vm.define_class_early(name, sup, &iv, fmt)
        };
        let c = |vm: &mut Vm, n: &str, s: &str, f: Format, iv: &[&str]| mk(vm, n, s, f, iv);
        c(self, "Collection", "Object", Pointers, &[]);
        c(self, "SequenceableCollection", "Collection", Pointers, &[]);
        c(
            self,
            "ArrayedCollection",
            "SequenceableCollection",
            Pointers,
            &[],
        );
        self.known.string = c(self, "String", "ArrayedCollection", Bytes, &[]);
        self.known.byte_string = c(self, "ByteString", "String", Bytes, &[]);
        self.known.symbol = c(self, "Symbol", "String", Bytes, &[]);
        self.known.byte_symbol = c(self, "ByteSymbol", "Symbol", Bytes, &[]);
        c(self, "Magnitude", "Object", Pointers, &[]);
        c(self, "LookupKey", "Magnitude", Pointers, &["key"]);
        self.known.association = c(self, "Association", "LookupKey", Pointers, &["value"]);
        // now names can be interned and globals bound
        let n = self.classes.len();
        for i in 0..n {
            if !self.classes[i].is_meta {
                let name = self.classes[i].name.clone();
                let obj = self.classes[i].obj;
                self.set_global(&name, obj);
            }
        }
        let d = |vm: &mut Vm, n: &str, s: &str, f: Format, iv: &[&str]| -> ClassId {
            let sup = vm.class_named(s);
            let iv: Vec<String> = iv.iter().map(|s| s.to_string()).collect();
            vm.define_class(n, sup, &iv, f, "Kernel").unwrap_or(0)
        };
        self.known.undefined_object = d(self, "UndefinedObject", "Object", Pointers, &[]);
        self.known.boolean = d(self, "Boolean", "Object", Pointers, &[]);
        self.known.true_class = d(self, "True", "Boolean", Pointers, &[]);
        self.known.false_class = d(self, "False", "Boolean", Pointers, &[]);
        d(self, "Number", "Magnitude", Pointers, &[]);
        d(self, "Integer", "Number", Pointers, &[]);
        self.known.small_integer = d(self, "SmallInteger", "Integer", Special, &[]);
        self.known.large_positive = d(self, "LargePositiveInteger", "Integer", Special, &[]);
        self.known.large_negative = d(
            self,
            "LargeNegativeInteger",
            "LargePositiveInteger",
            Special,
            &[],
        );
        self.known.float = d(self, "Float", "Number", Special, &[]);
        self.known.boxed_float = d(self, "BoxedFloat64", "Float", Special, &[]);
        self.known.small_float = d(self, "SmallFloat64", "Float", Special, &[]);
        self.known.character = d(self, "Character", "Magnitude", Special, &[]);
        self.known.array = d(self, "Array", "ArrayedCollection", Indexable, &[]);
        self.known.byte_array = d(self, "ByteArray", "ArrayedCollection", Bytes, &[]);
        self.known.wide_string = d(self, "WideString", "String", Words, &[]);
        self.known.wide_symbol = d(self, "WideSymbol", "Symbol", Words, &[]);
        d(self, "CompiledCode", "Object", Special, &[]);
        self.known.compiled_method = d(self, "CompiledMethod", "CompiledCode", Special, &[]);
        self.known.block_closure = d(self, "BlockClosure", "Object", Special, &[]);
        self.known.full_block_closure = d(self, "FullBlockClosure", "BlockClosure", Special, &[]);
        self.known.context = d(self, "Context", "Object", Special, &[]);
        self.known.process = d(self, "Process", "Object", Special, &[]);
        self.known.message = d(
            self,
            "Message",
            "Object",
            Pointers,
            &["selector", "args", "lookupClass"],
        );
        self.known.system_dictionary = d(self, "SystemDictionary", "Object", Pointers, &[]);
        self.heap.objs[0].class = self.known.undefined_object;
        self.heap.objs[1].class = self.known.true_class;
        self.heap.objs[2].class = self.known.false_class;
        let sd = self.heap.alloc_nils(self.known.system_dictionary, 0);
        self.set_global("Smalltalk", sd);
        self.intern_selectors();
        for cat in [0usize, 2, 4, 6, 8, 10] {
            self.classes[cat].category = "Kernel-Classes".into();
        }
    }

    /// Interns the selectors the VM sends itself ([`Vm::sel`]).
    pub(crate) fn intern_selectors(&mut self) {
        self.sel = Selectors {
            does_not_understand: self.intern("doesNotUnderstand:"),
            must_be_boolean: self.intern("mustBeBoolean"),
            cannot_return: self.intern("cannotReturn:"),
            value: self.intern("value"),
            stack_overflow: self.intern("signalStackOverflow"),
            out_of_memory: self.intern("signalOutOfMemory"),
            signal_error: self.intern("signalError:"),
            at: self.intern("at:"),
            at_put: self.intern("at:put:"),
            arith: Arith::ALL.map(|a| self.intern(a.selector())),
        };
    }

    fn find_class_early(&self, name: &str) -> Option<ClassId> {
        self.classes
            .iter()
            .position(|c| !c.is_meta && c.name == name)
            .map(|i| i as ClassId)
    }

    /// define_class before symbols and globals exist (bootstrap only).
    fn define_class_early(
        &mut self,
        name: &str,
        sup: Option<ClassId>,
        own: &[String],
        fmt: Format,
    ) -> ClassId {
        let mut all: Vec<String> = sup
            .map(|s| self.classes[s as usize].inst_vars.to_vec())
            .unwrap_or_default();
        all.extend(own.iter().cloned());
        let id = self.classes.len() as ClassId;
        let meta_super = sup.map(|s| self.classes[s as usize].partner);
        let meta_obj = self.heap.alloc(
            self.known.metaclass,
            Body::Class {
                id: id + 1,
                slots: vec![],
            },
        );
        let obj = self.heap.alloc(id + 1, Body::Class { id, slots: vec![] });
        self.classes.push(ClassInfo::new(
            name,
            obj,
            sup,
            false,
            id + 1,
            all,
            fmt,
            "Kernel",
        ));
        self.classes.push(ClassInfo::new(
            format!("{} class", name),
            meta_obj,
            meta_super,
            true,
            id,
            vec![],
            Format::Special,
            "",
        ));
        id
    }

    /// The activations that got a frame of their own since the VM was
    /// made: what the tier's inlined callees and leaves save.
    pub fn frames_made(&self) -> u64 {
        self.next_serial - 1
    }

    /// Interns a symbol.
    pub fn intern(&mut self, name: &str) -> Value {
        if let Some(v) = self.symbols.get(name) {
            return *v;
        }
        // the table's key (the symbol object counts itself)
        self.heap.metadata += 48 + name.len();
        let (wide, body) = text::body_for(name);
        let class = if wide {
            self.known.wide_symbol
        } else {
            self.known.byte_symbol
        };
        let v = self.heap.alloc(class, body);
        self.symbols.insert(name.to_string(), v);
        v
    }

    /// A String of Rust text: a ByteString when every character is
    /// Latin-1, else a WideString.
    pub fn new_string(&mut self, s: &str) -> Value {
        let (wide, body) = text::body_for(s);
        let class = if wide {
            self.known.wide_string
        } else {
            self.known.byte_string
        };
        self.heap.alloc(class, body)
    }

    /// The characters of a byte or word object (a String, Symbol or
    /// ByteArray), as code points.
    pub fn text_of(&self, v: Value) -> Option<Text<'_>> {
        Text::of(&self.heap.try_get(v)?.body)
    }

    pub fn new_array(&mut self, items: Vec<Value>) -> Value {
        self.heap.alloc_slots(self.known.array, &items)
    }

    /// A Float: immediate (a SmallFloat64) where Spur's encoding covers
    /// it, else a BoxedFloat64 on the heap.
    #[inline]
    pub fn new_float(&mut self, f: f64) -> Value {
        match Value::float(f) {
            Some(v) => v,
            None => self.heap.alloc(self.known.boxed_float, Body::Float(f)),
        }
    }

    /// The f64 of a Float, immediate or boxed.
    #[inline]
    pub fn float_value(&self, v: Value) -> Option<f64> {
        if let Some(f) = v.as_float() {
            return Some(f);
        }
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Float(f)) => Some(*f),
            _ => None,
        }
    }

    /// The object for a compile-time literal.
    pub fn literal_value(&mut self, lit: &Literal) -> Value {
        match lit {
            Literal::Nil => Value::NIL,
            Literal::True => Value::TRUE,
            Literal::False => Value::FALSE,
            Literal::Integer(n) => self.int_from_big(n.clone()),
            Literal::Float(f) => self.new_float(*f),
            Literal::Fraction { num, den } => {
                let n = self.int_from_big(num.clone());
                let d = self.int_from_big(den.clone());
                match self.class_named("Fraction") {
                    Some(fc) => self.heap.alloc_slots(fc, &[n, d]),
                    None => n,
                }
            }
            Literal::Scaled { num, den, scale } => {
                // built by Smalltalk code at first use would be nicer; the
                // kernel defines ScaledDecimal; make an instance directly.
                let n = self.int_from_big(num.clone());
                let d = self.int_from_big(den.clone());
                match self.class_named("ScaledDecimal") {
                    Some(c) => {
                        let frac = match self.class_named("Fraction") {
                            Some(fc) => self.heap.alloc_slots(fc, &[n, d]),
                            None => n,
                        };
                        self.heap
                            .alloc_slots(c, &[frac, Value::small(*scale as i64)])
                    }
                    None => n,
                }
            }
            Literal::Char(c) => Value::char(*c),
            Literal::String(s) => self.new_string(s),
            Literal::Symbol(s) => self.intern(s),
            Literal::Array(items) => {
                let vals: Vec<Value> = items.iter().map(|i| self.literal_value(i)).collect();
                self.new_array(vals)
            }
            Literal::ByteArray(b) => self
                .heap
                .alloc(self.known.byte_array, Body::Bytes(Bytes::from_slice(b))),
        }
    }

    pub fn class_context(&self, class: ClassId) -> ClassContext {
        let info = &self.classes[class as usize];
        ClassContext {
            class_id: class,
            class_name: info.name.clone(),
            inst_vars: info.inst_vars.to_vec(),
        }
    }

    /// Compiles `src` for `class` and installs it (accept). With
    /// `new_version` false the version number is kept (recompiles).
    pub fn compile_and_install(
        &mut self,
        class: ClassId,
        src: &str,
        category: &str,
        new_version: bool,
    ) -> Result<Value, CompileError> {
        let ast = crate::syntax::parse_method(src).map_err(|errors| CompileError { errors })?;
        self.install_parsed(class, &ast, src, category, new_version)
    }

    /// [`Vm::compile_and_install`] of a method already parsed from `src`.
    pub fn install_parsed(
        &mut self,
        class: ClassId,
        ast: &crate::syntax::ast::Method,
        src: &str,
        category: &str,
        new_version: bool,
    ) -> Result<Value, CompileError> {
        // what the method will hold: its source, and code of about the
        // same size (checked exactly once compiled)
        self.room_for_definition(2 * src.len() + 1024)
            .map_err(|e| CompileError::single(e, Default::default()))?;
        let ctx = self.class_context(class);
        let sel_name = ast.selector.clone();
        let last = self.classes[class as usize]
            .versions
            .get(&sel_name)
            .copied()
            .unwrap_or(0);
        let version = if new_version || last == 0 {
            last + 1
        } else {
            last
        };
        let compiled = {
            let mut env = VmEnv { vm: self };
            compiler::compile_parsed(ast, src, &ctx, &mut env, category, version)?
        };
        self.last_warnings = compiled.warnings;
        if self.heap.would_exceed(compiled.code.footprint()) {
            return Err(CompileError::single(
                self.no_room_message(),
                Default::default(),
            ));
        }
        let sel = self.intern(&compiled.selector);
        let m = self
            .heap
            .alloc(self.known.compiled_method, Body::Method(compiled.code));
        let info = &mut self.classes[class as usize];
        let added = 48 + compiled.selector.len();
        if info.versions.insert(compiled.selector, version).is_none() {
            self.heap.metadata += added;
        }
        let old = info.methods.insert(sel, m);
        if old.is_none() {
            self.heap.metadata += 24;
        }
        self.retire_method(old);
        self.flush_caches();
        self.method_installed(class, sel, false);
        Ok(m)
    }

    /// A method replaced or removed: its optimized code (if any), and its
    /// blocks', is dropped. Activations still running it keep theirs
    /// (R3), and no new call can reach it; its inline caches, which can
    /// refer back to the method itself (a recursive send), would
    /// otherwise keep both alive.
    fn retire_method(&mut self, old: Option<Value>) {
        if let Some(code) = old.and_then(|m| self.method_code(m)) {
            drop_optimized(&code);
        }
    }

    /// Hook for the tier's dependency registry: a method was installed
    /// or removed.
    fn method_installed(&mut self, class: ClassId, sel: Value, removed: bool) {
        if sel == self.sel.at || sel == self.sel.at_put {
            self.array_prims = None;
        }
        self.tier_invalidate(class, sel, removed);
    }

    /// Removes a method; later sends fail with doesNotUnderstand: (R4).
    pub fn remove_method(&mut self, class: ClassId, selector: &str) -> bool {
        let sel = self.intern(selector);
        let old = self.classes[class as usize].methods.remove(&sel);
        let removed = old.is_some();
        self.retire_method(old);
        if removed {
            self.flush_caches();
            self.method_installed(class, sel, true);
        }
        removed
    }

    pub fn flush_caches(&mut self) {
        self.cache_epoch = self.cache_epoch.wrapping_add(1);
        if self.cache_epoch == 0 {
            // after wrap-around, really clear so no stale entry matches
            for e in self.cache.iter_mut() {
                e.class = u32::MAX;
                e.code = None;
            }
            self.cache_epoch = 1;
        }
    }

    /// Compiles a do-it as a method of UndefinedObject (receiver nil).
    pub fn compile_doit(&mut self, src: &str) -> Result<Value, CompileError> {
        self.room_for_definition(2 * src.len() + 1024)
            .map_err(|e| CompileError::single(e, Default::default()))?;
        let ctx = self.class_context(self.known.undefined_object);
        let compiled = {
            let mut env = VmEnv { vm: self };
            compiler::compile_doit(src, &ctx, &mut env)?
        };
        self.last_warnings = compiled.warnings;
        self.doit_counter += 1;
        Ok(self
            .heap
            .alloc(self.known.compiled_method, Body::Method(compiled.code)))
    }

    /// Moves the last compile's warnings into `warnings`, positioned in
    /// `file`, whose text `src` holds the compiled source at `base`.
    pub fn note_warnings(&mut self, file: &str, src: &str, base: usize) {
        for w in std::mem::take(&mut self.last_warnings) {
            let (l, c) = crate::syntax::line_col(src, base + w.span.start as usize);
            self.warnings
                .push(format!("{}:{}:{}: warning: {}", file, l, c, w.message));
        }
        // a host that never takes them keeps the newest only
        let extra = self.warnings.len().saturating_sub(MAX_WARNINGS);
        self.warnings.drain(..extra);
    }

    /// Takes the warnings noted so far.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    pub fn method_code(&self, m: Value) -> Option<Rc<Code>> {
        match self.heap.try_get(m).map(|o| &o.body) {
            Some(Body::Method(c)) => Some(c.clone()),
            _ => None,
        }
    }

    /// The text of a byte or word object as Rust text (UTF-8); a
    /// surrogate code point becomes U+FFFD.
    pub fn str_of(&self, v: Value) -> Option<String> {
        self.text_of(v).map(|t| t.to_string_lossy())
    }
}

/// The host clock in milliseconds since the VM was made: `Instant`
/// natively (on wasm32, where `Instant` panics, see below).
#[cfg(not(target_arch = "wasm32"))]
fn default_clock() -> Box<dyn Fn() -> f64> {
    let start = std::time::Instant::now();
    Box::new(move || start.elapsed().as_secs_f64() * 1000.0)
}

/// The host clock in milliseconds since the VM was made:
/// `performance.now()` (web-sys; pages and workers both have a global
/// `performance`), so that time slices (`run_until`) can end within a
/// fraction of a millisecond of their deadline; `Date.now()` where there
/// is none.
#[cfg(target_arch = "wasm32")]
fn default_clock() -> Box<dyn Fn() -> f64> {
    use wasm_bindgen::JsCast;
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
    match perf {
        Some(p) => {
            let start = p.now();
            Box::new(move || p.now() - start)
        }
        None => {
            let start = js_sys::Date::now();
            Box::new(move || js_sys::Date::now() - start)
        }
    }
}

impl Default for Vm {
    fn default() -> Self {
        Vm::bare()
    }
}
