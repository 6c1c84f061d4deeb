//! Primitives: the operations kernel methods cannot express in
//! Smalltalk, in one table ([`PRIMS`]) indexed by a compiled method's
//! `info.primitive`. Numbered ones follow Squeak's numbering and their
//! index is their number; named ones (`<primitive: 'name'>`) follow from
//! [`NAMED_BASE`]. This file holds the table, the pragma lookups and the
//! dispatch; the primitives themselves live in one file per subject.
//!
//! A primitive either answers a value, fails (the method's Smalltalk
//! fallback code runs — that is how errors such as ZeroDivide or bad
//! indices are raised, in Smalltalk), or has already rearranged the
//! stack and frames itself (`Done`: block evaluation, perform:, process
//! switches). A primitive must never panic, whatever its arguments.

mod class;
mod collection;
mod context;
pub mod draw;
pub mod float;
pub mod hashed;
mod int;
mod object;
mod process;
mod string;
mod system;

use super::Vm;
use crate::object::heap::BYTES_PER_FUEL;
use crate::object::Value;
use crate::syntax::ast::Pragma;

/// What a primitive did.
pub(crate) enum PrimResult {
    /// It answers this value (the caller pops the receiver and arguments).
    Value(Value),
    /// It failed: the method's Smalltalk code runs instead.
    Fail,
    /// It has rearranged the stack and frames itself.
    Done,
}

/// The receiver and arguments of a primitive call, read off the stack
/// (where they also stay until the primitive answers).
#[derive(Clone, Copy)]
pub(crate) struct Args {
    /// The receiver.
    pub r: Value,
    /// The first four arguments; nil past `argc`.
    pub a0: Value,
    pub a1: Value,
    pub a2: Value,
    pub a3: Value,
    /// How many arguments the send passed.
    pub argc: usize,
    /// The stack height at the call: the receiver is at `n - argc - 1`.
    pub n: usize,
}

impl Args {
    /// The receiver and `argc` arguments on top of `stack` (`None` if it
    /// holds fewer).
    #[inline(always)]
    pub fn on_top(stack: &[Value], argc: usize) -> Option<Args> {
        let n = stack.len();
        let ops = &stack[n.checked_sub(argc + 1)?..];
        let arg = |i: usize| ops.get(i + 1).copied().unwrap_or(Value::NIL);
        Some(Args {
            r: ops[0],
            a0: arg(0),
            a1: arg(1),
            a2: arg(2),
            a3: arg(3),
            argc,
            n,
        })
    }

    /// Pops the receiver and arguments (for a primitive that then
    /// unwinds: `Done`).
    pub fn pop(self, vm: &mut Vm) {
        vm.stack.truncate(self.n - self.argc - 1);
    }

    /// Pops the receiver and arguments and pushes `v`: the answer of a
    /// primitive that then switches processes itself (`Done`).
    pub fn answer(self, vm: &mut Vm, v: Value) {
        self.pop(vm);
        vm.stack.push(v);
    }
}

/// Room for `bytes` more before an allocation: `live` is as of the last
/// collection, so near the limit it collects first (what was let go since
/// may be enough), unless allocations kept failing since a collection last
/// made room ([`Heap::worth_collecting`](crate::object::Heap::worth_collecting)).
/// Without room, the failure an allocation answers ([`out_of_memory`]).
pub(super) fn room_for(vm: &mut Vm, bytes: usize) -> Result<(), PrimResult> {
    if !vm.heap.would_exceed(bytes) {
        return Ok(());
    }
    if vm.heap.worth_collecting() {
        vm.collect_garbage();
        if !vm.heap.would_exceed(bytes) {
            vm.heap.failed_allocations = 0;
            return Ok(());
        }
    }
    vm.heap.failed_allocations += 1;
    Err(out_of_memory(vm))
}

/// An allocation that does not fit: the primitive fails and its fallback
/// signals OutOfMemory, within a reserve; out of memory even with it, the
/// process stops (answering nil should it be proceeded).
pub(super) fn out_of_memory(vm: &mut Vm) -> PrimResult {
    // a reserve still lent (no collection since the last OutOfMemory) and
    // not used up serves this one too
    if vm.heap.reserve > 0 && !vm.heap.over_limit() {
        return PrimResult::Fail;
    }
    if !vm.heap.grant_reserve() {
        vm.fatal("out of memory", "OutOfMemory");
        return PrimResult::Value(Value::NIL);
    }
    PrimResult::Fail
}

/// A primitive's code.
pub(crate) type PrimFn = fn(&mut Vm, Args) -> PrimResult;

/// How pragmas refer to a table entry.
#[derive(Clone, Copy, PartialEq)]
enum Key {
    /// No primitive has this index.
    None,
    /// `<primitive: 60>` (the index is the number).
    Number(u16),
    /// `<primitive: 'name'>`.
    Name(&'static str),
}

/// One entry of the primitive table.
#[derive(Clone, Copy)]
pub(crate) struct Prim {
    /// Its number or name.
    key: Key,
    /// The argument count it requires (checked before it runs); `None`
    /// accepts any, missing arguments reading as nil.
    arity: Option<u8>,
    /// Its code.
    run: PrimFn,
    /// A leaf: it reads only its receiver and arguments (`Args`, not the
    /// stack), never touches the frames or the processes and never
    /// answers `Done`, so the fast loop calls it in place of the send
    /// ([`leaf`]). It may allocate, and so collect.
    leaf: bool,
}

impl Prim {
    /// The entry at an index no primitive has: it fails.
    const NONE: Prim = Prim {
        key: Key::None,
        arity: None,
        run: fail,
        leaf: false,
    };
}

/// The code of [`Prim::NONE`].
fn fail(_: &mut Vm, _: Args) -> PrimResult {
    PrimResult::Fail
}

/// Table entries from lines `key [, argc N] => function [, leaf];`,
/// each with its `///` doc (required).
macro_rules! entries {
    (@arity) => {
        None
    };
    (@arity $a:literal) => {
        Some($a)
    };
    (@leaf) => {
        false
    };
    (@leaf leaf) => {
        true
    };
    ($kind:ident: $( $(#[doc = $doc:literal])+ $key:literal $(, argc $arity:literal)? => $run:path $(, $leaf:ident)?; )*) => {
        &[$(Prim {
            key: Key::$kind($key),
            arity: entries!(@arity $($arity)?),
            run: $run,
            leaf: entries!(@leaf $($leaf)?),
        },)*]
    };
}

/// The Squeak-numbered primitives (each goes at its number).
const NUMBERED: &[Prim] = entries! { Number:
    /// Integer `+` (SmallIntegers or LargeIntegers).
    1, argc 1 => int::add, leaf;
    /// Integer `-`.
    2, argc 1 => int::sub, leaf;
    /// Integer `<`.
    3, argc 1 => int::lt, leaf;
    /// Integer `>`.
    4, argc 1 => int::gt, leaf;
    /// Integer `<=`.
    5, argc 1 => int::le, leaf;
    /// Integer `>=`.
    6, argc 1 => int::ge, leaf;
    /// Integer `=`.
    7, argc 1 => int::eq, leaf;
    /// Integer `~=`.
    8, argc 1 => int::ne, leaf;
    /// Integer `*`.
    9, argc 1 => int::mul, leaf;
    /// Integer `/` when exact (otherwise the Fraction code runs).
    10, argc 1 => int::div_exact, leaf;
    /// Integer `\\` (modulo, rounding toward negative infinity).
    11, argc 1 => int::modulo, leaf;
    /// Integer `//` (quotient, rounding toward negative infinity).
    12, argc 1 => int::div_floor, leaf;
    /// Integer `quo:` (quotient, truncated toward zero).
    13, argc 1 => int::quo, leaf;
    /// Integer `bitAnd:`.
    14, argc 1 => int::bit_and, leaf;
    /// Integer `bitOr:`.
    15, argc 1 => int::bit_or, leaf;
    /// Integer `bitXor:`.
    16, argc 1 => int::bit_xor, leaf;
    /// Integer `bitShift:` (shifts up to 2^24 places).
    17, argc 1 => int::bit_shift, leaf;
    /// Integer `rem:` (remainder, truncated toward zero).
    20, argc 1 => int::rem, leaf;
    /// Integer `asFloat`.
    40 => int::as_float, leaf;
    /// Float `+` (a SmallInteger argument converts; a LargeInteger fails).
    41, argc 1 => float::add, leaf;
    /// Float `-`.
    42, argc 1 => float::sub, leaf;
    /// Float `<`.
    43, argc 1 => float::lt, leaf;
    /// Float `>`.
    44, argc 1 => float::gt, leaf;
    /// Float `<=`.
    45, argc 1 => float::le, leaf;
    /// Float `>=`.
    46, argc 1 => float::ge, leaf;
    /// Float `=`.
    47, argc 1 => float::eq, leaf;
    /// Float `~=`.
    48, argc 1 => float::ne, leaf;
    /// Float `*`.
    49, argc 1 => float::mul, leaf;
    /// Float `/` (fails on a zero divisor).
    50, argc 1 => float::div, leaf;
    /// Number `truncated` toward zero (fails on infinities and NaN).
    51 => float::truncated, leaf;
    /// Number `fractionPart`.
    52 => float::fraction_part, leaf;
    /// Number `exponent` (floor of log2 of a nonzero finite value).
    53 => float::exponent, leaf;
    /// Float `timesTwoPower:`.
    54, argc 1 => float::times_two_power, leaf;
    /// Number `sqrt`.
    55 => float::sqrt, leaf;
    /// Number `sin`.
    56 => float::sin, leaf;
    /// Number `arcTan`.
    57 => float::arc_tan, leaf;
    /// Number `ln`.
    58 => float::ln, leaf;
    /// Number `exp`.
    59 => float::exp, leaf;
    /// `basicAt:` of an indexable object (Characters for a String).
    60 => collection::basic_at, leaf;
    /// `basicAt:put:` (not for Symbols; a ByteString takes Characters < 256, a WideString any).
    61 => collection::basic_at_put, leaf;
    /// `basicSize`: the indexed fields.
    62 => collection::basic_size, leaf;
    /// String `at:` (as 60).
    63 => collection::basic_at, leaf;
    /// String `at:put:` (as 61).
    64 => collection::basic_at_put, leaf;
    /// Class `basicNew`.
    70 => object::basic_new;
    /// Class `basicNew:` with indexed fields.
    71 => object::basic_new_sized;
    /// `instVarAt:`.
    73 => object::inst_var_at, leaf;
    /// `instVarAt:put:`.
    74 => object::inst_var_at_put, leaf;
    /// `identityHash` (SmallIntegers and Characters hash to their value).
    75 => object::identity_hash, leaf;
    /// `perform:` (with up to four `with:` arguments).
    83 => context::perform;
    /// `perform:withArguments:`.
    84 => context::perform_with_arguments;
    /// `replaceFrom:to:with:startingAt:`.
    105 => collection::replace_from_to, leaf;
    /// `==`.
    110 => object::identical, leaf;
    /// `class`.
    111 => object::class, leaf;
    /// `shallowCopy` (nil, booleans, Symbols and immediates answer themselves).
    148 => object::shallow_copy, leaf;
    /// `~~`.
    169 => object::not_identical, leaf;
    /// `Character value:` (code points up to 16r10FFFF).
    170 => string::char_value, leaf;
    /// Character `asInteger`.
    171 => string::char_code, leaf;
    /// Block `value`.
    201 => context::block_value;
    /// Block `value:`.
    202 => context::block_value;
    /// Block `value:value:`.
    203 => context::block_value;
    /// Block `value:value:value:`.
    204 => context::block_value;
    /// Block `value:value:value:value:`.
    205 => context::block_value;
    /// Block `valueWithArguments:`.
    206 => context::block_value_with_arguments;
};

/// The named primitives (each goes at [`NAMED_BASE`] plus its position).
const NAMED: &[Prim] = entries! { Name:
    // Integers (int.rs)
    /// An Integer printed in a base (2..36, 10 without an argument), upper case.
    "intPrintBase" => int::print_base, leaf;
    /// Greatest common divisor of two Integers.
    "intGcd" => int::gcd, leaf;
    /// Whether two Integers' product fits in memory but not in one step.
    "intMulInSteps" => int::mul_in_steps, leaf;
    /// The number of bits of an Integer's magnitude.
    "intHighBit" => int::high_bit, leaf;
    /// Floor of the square root of a non-negative Integer.
    "intSqrtFloor" => int::sqrt_floor, leaf;
    /// Integer `asFloat` (as 40).
    "intAsFloat" => int::as_float, leaf;
    /// The Integer a String spells in a base (nil if it spells none).
    "intFromString" => int::from_string, leaf;
    /// A hash of an Integer consistent with `=`.
    "intHash" => int::hash, leaf;
    /// Miller-Rabin primality (deterministic below 3.3e24).
    "intIsProbablyPrime" => int::is_probably_prime, leaf;
    // Floats (float.rs)
    /// A Float printed Squeak's way (shortest digits that read back).
    "floatPrintString" => float::print_string, leaf;
    /// A Float printed in a base (2..36), shortest digits that read back.
    "floatPrintBase" => float::print_base, leaf;
    /// Number `truncated` (as 51).
    "floatTruncated" => float::truncated, leaf;
    /// Floor of the base 10 logarithm of a positive finite Number.
    "floatFloorLog10" => float::floor_log10, leaf;
    /// Number `cos`.
    "floatCos" => float::cos, leaf;
    /// Number `tan`.
    "floatTan" => float::tan, leaf;
    /// Number `arcSin`.
    "floatArcSin" => float::arc_sin, leaf;
    /// Number `arcCos`.
    "floatArcCos" => float::arc_cos, leaf;
    /// Number `raisedTo:` a Number, in floating point.
    "floatRaisedTo" => float::raised_to, leaf;
    /// Number `isNaN`.
    "floatIsNaN" => float::is_nan, leaf;
    /// Number `isInfinite`.
    "floatIsInfinite" => float::is_infinite, leaf;
    /// Always fails (the Smalltalk printer runs).
    "printFloatExact" => float::print_exact, leaf;
    /// A finite Float's exact value as {numerator. denominator}, reduced.
    "floatAsExactFraction" => float::as_exact_fraction, leaf;
    /// A hash of a Float consistent with `=` for non-integral values.
    "floatHash" => float::hash, leaf;
    /// numerator / denominator (the two arguments) correctly rounded to a Float.
    "ratioAsFloat" => float::ratio_as_float, leaf;
    /// Float `log:` 10.
    "floatLog10" => float::log10, leaf;
    /// Four-quadrant arc tangent of the receiver (y) and the argument (x).
    "floatArcTan2" => float::arc_tan2, leaf;
    /// Whether a Float's sign bit is set (true for -0.0).
    "floatSignBit" => float::sign_bit, leaf;
    /// Float `sinh`.
    "floatSinh" => float::sinh, leaf;
    /// Float `cosh`.
    "floatCosh" => float::cosh, leaf;
    /// Float `tanh`.
    "floatTanh" => float::tanh, leaf;
    /// The least Float above the receiver (IEEE nextUp; NaN and +inf answer themselves).
    "floatSuccessor" => float::successor, leaf;
    /// The greatest Float below the receiver (IEEE nextDown; NaN and -inf answer themselves).
    "floatPredecessor" => float::predecessor, leaf;
    /// A Float rounded to IEEE single precision (to nearest, ties to even), as its 32-bit word.
    "floatAsIEEE32BitWord" => float::as_ieee32_bit_word, leaf;
    /// The Float (exactly) of an IEEE single-precision word, 0 to 16rFFFFFFFF.
    "floatFromIEEE32Bit", argc 1 => float::from_ieee32_bit, leaf;
    // Strings, Symbols and Characters (string.rs)
    /// Comparison of two Strings (or byte objects) by code point: 1, 2 or 3 (before, equal, after).
    "stringCompare" => string::compare, leaf;
    /// Whether two Strings hold the same characters, byte or wide (a String never equals a ByteArray).
    "stringEq" => string::eq, leaf;
    /// A hash of a String's code points (FNV-1a), the same for its byte and wide forms.
    "stringHash" => string::hash, leaf;
    /// The Symbol spelled by a String (a WideSymbol beyond Latin-1).
    "asSymbol" => string::as_symbol, leaf;
    /// A new String spelled like a Symbol (or String), in its byte or wide form.
    "symbolAsString" => string::symbol_as_string, leaf;
    /// Does nothing (there is no Symbol cache to flush); answers the receiver.
    "symbolFlush" => string::symbol_flush, leaf;
    /// The Number a String spells (`'-12'`, `'1.5e3'`, `'16r1F'`), or nil.
    "stringAsNumber" => string::as_number, leaf;
    /// The Number a String starts with and how many characters it takes, {number. count}, or nil.
    "stringNumberPrefix" => string::number_prefix, leaf;
    /// 1-based index of a substring at or after a start, or 0.
    "stringIndexOfSubstring" => string::index_of_substring, leaf;
    /// 1-based index of a Character at or after a start, or 0.
    "stringIndexOfChar" => string::index_of_char, leaf;
    /// A new String upper-cased: a ByteString's Latin-1 letters, a WideString's Unicode ones.
    "stringAsUppercase" => string::as_uppercase, leaf;
    /// A new String lower-cased: a ByteString's Latin-1 letters, a WideString's Unicode ones.
    "stringAsLowercase" => string::as_lowercase, leaf;
    /// Comparison ignoring case: 1, 2 or 3 (before, equal, after).
    "stringCompareIgnoringCase" => string::compare_ignoring_case, leaf;
    /// A ByteString becomes a WideString in place (every reference sees it; identity kept).
    "stringBecomeWide" => string::become_wide, leaf;
    /// Character `asUppercase` by Unicode's one-to-one mapping.
    "charAsUppercase" => string::char_as_uppercase, leaf;
    /// Character `asLowercase` by Unicode's one-to-one mapping.
    "charAsLowercase" => string::char_as_lowercase, leaf;
    /// Character `asString`: a new ByteString, or WideString beyond Latin-1.
    "charAsString" => string::char_as_string, leaf;
    /// A Unicode property of a Character: 1 letter, 2 upper case, 3 lower case.
    "charIs", argc 1 => string::char_is, leaf;
    /// A ByteString of a String's characters in UTF-8 (`squeakToUtf8`).
    "stringToUtf8" => string::to_utf8, leaf;
    /// The String a ByteString's bytes spell in UTF-8 (`utf8ToSqueak`; U+FFFD where they are not UTF-8).
    "stringFromUtf8" => string::from_utf8, leaf;
    // Collections (collection.rs)
    /// Two byte objects, two Strings (a wide one gives a WideString) or two plain Arrays joined.
    "concat" => collection::concat, leaf;
    /// HashedCollection>>scanFor: for keys the VM hashes and compares as the kernel does.
    "hashedScanFor", argc 1 => hashed::hashed_scan_for, leaf;
    // Objects (object.rs)
    /// The identity hash of an object (fails for immediates).
    "basicIdentityHash" => object::basic_identity_hash, leaf;
    // Classes and methods (class.rs)
    /// A class's name: a Symbol, or a String for a metaclass.
    "className" => class::name;
    /// A class's superclass, or nil.
    "classSuperclass" => class::superclass;
    /// Defines or redefines a class: name, instance and class variables, category, format.
    "classDefine" => class::define;
    /// Why the last class definition failed (a String), or nil.
    "classDefineError" => class::define_error;
    /// Sets a metaclass's own instance variables.
    "classInstVarNamesSet" => class::inst_var_names_set;
    /// Adds a class variable.
    "classVarAdd" => class::var_add;
    /// Compiles and installs source in a category: the selector, or the error text.
    "classCompile" => class::compile;
    /// Removes a method.
    "classRemoveSelector" => class::remove_selector;
    /// A class's own selectors, sorted.
    "classSelectors" => class::selectors;
    /// Whether a class itself has a method for a selector.
    "classIncludesSelector" => class::includes_selector;
    /// The method a selector finds from a class (inherited too), or nil.
    "classLookup" => class::lookup;
    /// A class's own method for a selector, or nil.
    "classMethodAt" => class::method_at;
    /// A class's own instance variable names (Strings).
    "classInstVarNames" => class::inst_var_names;
    /// A class's class variable names (Symbols).
    "classVarNames" => class::var_names;
    /// A class's category.
    "classCategory" => class::category;
    /// A class's comment.
    "classComment" => class::comment;
    /// Sets a class's comment.
    "classCommentSet" => class::comment_set;
    /// Whether a class is a metaclass.
    "classIsMeta" => class::is_meta;
    /// A class's metaclass, or a metaclass's class.
    "classPartner" => class::partner;
    /// A class's direct subclasses.
    "classSubclasses" => class::subclasses;
    /// All classes (not metaclasses), sorted by name.
    "allClasses" => class::all_classes;
    /// The class of a name, or nil.
    "classNamed" => class::named;
    /// The version of a class's method for a selector (0 if none).
    "classVersion" => class::version;
    /// Whether a class's instances are indexable (pointers or bytes).
    "classIsVariable" => class::is_variable;
    /// A class's format: #fixed, #variable, #bytes or #special.
    "classInstSpec" => class::inst_spec;
    /// A method's source.
    "methodSource" => class::method_source;
    /// A method's selector.
    "methodSelector" => class::method_selector;
    /// The class a method is installed in.
    "methodClass" => class::method_class;
    /// A method's primitive index (0 if none).
    "methodPrimitive" => class::method_primitive;
    /// A method's primitive number as Squeak has it (199 on:do:, 198 ensure:).
    "methodPrimitiveNumber" => class::method_primitive_number;
    // Contexts and blocks (context.rs)
    /// A context's sender, or nil.
    "ctxSender" => context::sender;
    /// A context's receiver (nil once dead).
    "ctxReceiver" => context::receiver;
    /// Sets a live method context's receiver (for `retryUsing:`).
    "ctxReceiverPut" => context::receiver_put;
    /// A context's method (nil once dead).
    "ctxMethod" => context::method;
    /// A context's pc (nil once dead).
    "ctxPc" => context::pc;
    /// A context's selector (nil once dead).
    "ctxSelector" => context::selector;
    /// A context's printed name, `Foo>>bar` (nil once dead).
    "ctxPrintName" => context::print_name;
    /// Whether a context's activation has returned.
    "ctxIsDead" => context::is_dead;
    /// Whether a live context is a block's.
    "ctxIsBlock" => context::is_block;
    /// A live context's temporary (1-based).
    "ctxTempAt" => context::temp_at;
    /// Sets a live context's temporary (1-based).
    "ctxTempAtPut" => context::temp_at_put;
    /// Returns a value from a live context of the active process (unwinding).
    "ctxReturn" => context::return_value;
    /// Restarts a live context of the active process (unwinding).
    "ctxRestart" => context::restart;
    /// The first `on:do:` context at or below a context, or nil.
    "ctxFindHandler" => context::find_handler;
    /// Whether two contexts are the same activation.
    "ctxEqual" => context::equal;
    /// A context's hash (consistent with ctxEqual).
    "ctxHash" => context::hash;
    /// The method context a live block context belongs to, or nil.
    "ctxHome" => context::home;
    /// The context that created a block while it lives, or nil.
    "closureOuterContext" => context::closure_outer_context;
    /// The method a block is in.
    "closureMethod" => context::closure_method;
    /// How many blocks enclose a BlockClosure's or a live Context's code, itself included (0 for a method).
    "blockDepth" => context::block_depth;
    /// A block's receiver.
    "closureReceiver" => context::closure_receiver;
    /// A block's argument count.
    "numArgs" => context::num_args;
    // Processes (process.rs)
    /// Stops the active process on an unhandled exception (the receiver; its description the argument).
    "suspendUnhandled" => process::suspend_unhandled;
    /// A new suspended process running a block at a priority.
    "newProcess" => process::new_process;
    /// Lets the other ready processes of the same priority run.
    "yield" => process::yield_active;
    /// The active process, or nil.
    "activeProcess" => process::active_process;
    /// Terminates a process.
    "processTerminate" => process::terminate;
    /// Suspends a process.
    "processSuspend" => process::suspend;
    /// Makes a suspended process ready.
    "processResume" => process::resume;
    /// A process's priority.
    "processPriority" => process::priority;
    /// Sets a process's priority (1..80).
    "processPrioritySet" => process::priority_set;
    /// A process's name.
    "processName" => process::name;
    /// Sets a process's name.
    "processNameSet" => process::name_set;
    /// A process's state: #running, #ready, #suspended, #waiting or #terminated.
    "processState" => process::state;
    /// The top context of a process that is not running, or nil.
    "processSuspendedContext" => process::suspended_context;
    /// Signals a Semaphore.
    "semSignal" => process::sem_signal;
    /// Waits on a Semaphore.
    "semWait" => process::sem_wait;
    /// Puts the active process to sleep for a number of milliseconds.
    "delayWait" => process::delay_wait;
    // The system (system.rs)
    /// Appends a String to the Transcript.
    "transcriptShow" => system::transcript_show;
    /// Appends a Character or String to the Transcript (cr and lf end a line).
    "transcriptPut" => system::transcript_put;
    /// The clock in milliseconds.
    "millisecondClock" => system::millisecond_clock;
    /// The clock in microseconds.
    "microsecondClock" => system::microsecond_clock;
    /// The wall clock: UTC microseconds since 1 January 1901 (Squeak's epoch).
    "utcMicrosecondClock" => system::utc_microsecond_clock;
    /// The local time zone's offset from UTC in seconds (0 natively).
    "localOffsetSeconds" => system::local_offset;
    /// Asks for a garbage collection at the next safe point.
    "garbageCollect" => system::garbage_collect;
    /// Bytes left before the heap limit.
    "bytesFree" => system::bytes_free;
    /// The sends so far.
    "sendCount" => system::send_count;
    /// The instructions so far.
    "insnCount" => system::insn_count;
    /// A global's value (fails if there is none).
    "globalAt" => system::global_at;
    /// Sets a global.
    "globalAtPut" => system::global_at_put;
    /// Whether a global exists.
    "globalIncludes" => system::global_includes;
    /// Removes a global, answering its value.
    "globalRemove" => system::global_remove;
    /// The globals' names, sorted (Symbols).
    "globalKeys" => system::global_keys;
    // The Canvas drawing protocol (draw.rs)
    /// Clears the canvas.
    "drawClear" => draw::clear;
    /// Sets the colour (a CSS colour String).
    "drawColor" => draw::color;
    /// Fills a rectangle: x, y, width, height.
    "drawFillRect" => draw::fill_rect;
    /// Fills a circle: x, y, radius.
    "drawFillCircle" => draw::fill_circle;
    /// Draws a line: x1, y1, x2, y2.
    "drawLine" => draw::line;
    /// Draws text (cut to 200 characters) at x, y.
    "drawText" => draw::text;
};

/// The index of the first named primitive (above every Squeak number).
const NAMED_BASE: usize = 256;

/// The table's length.
const LEN: usize = NAMED_BASE + NAMED.len();

/// Every primitive, at its index.
static PRIMS: [Prim; LEN] = table();

/// Lays out [`PRIMS`], rejecting (at compile time) a number outside
/// 1..NAMED_BASE, a number twice or a name twice.
const fn table() -> [Prim; LEN] {
    let mut t = [Prim::NONE; LEN];
    let mut i = 0;
    while i < NUMBERED.len() {
        let p = NUMBERED[i];
        let n = match p.key {
            Key::Number(n) => n as usize,
            _ => panic!("a numbered primitive without a number"),
        };
        assert!(n >= 1 && n < NAMED_BASE, "a primitive number out of range");
        assert!(matches!(t[n].key, Key::None), "a primitive number twice");
        t[n] = p;
        i += 1;
    }
    let mut j = 0;
    while j < NAMED.len() {
        let name = match NAMED[j].key {
            Key::Name(s) => s,
            _ => panic!("a named primitive without a name"),
        };
        let mut k = 0;
        while k < j {
            if let Key::Name(other) = NAMED[k].key {
                assert!(!same(name, other), "a primitive name twice");
            }
            k += 1;
        }
        t[NAMED_BASE + j] = NAMED[j];
        j += 1;
    }
    t
}

/// `a == b` for `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The index of the primitive a pragma names (a Squeak number this VM
/// implements, or a known name).
pub(crate) fn primitive_index(p: &Pragma) -> Option<u16> {
    let index = match p {
        Pragma::Primitive(n, _) => {
            let n = usize::try_from(*n).ok()?;
            match PRIMS.get(n)?.key {
                Key::Number(_) => n,
                _ => return None,
            }
        }
        Pragma::NamedPrimitive(name, _) => {
            let at = NAMED
                .iter()
                .position(|p| matches!(p.key, Key::Name(s) if s == name))?;
            NAMED_BASE + at
        }
        _ => return None,
    };
    u16::try_from(index).ok()
}

/// The name of primitive `i` as a pragma gives it (its number for a
/// numbered one; empty past the table).
pub(crate) fn primitive_name(i: u16) -> String {
    match PRIMS.get(i as usize).map(|p| p.key) {
        Some(Key::Name(s)) => s.to_string(),
        _ if (i as usize) < NAMED_BASE => i.to_string(),
        _ => String::new(),
    }
}

/// The primitives a special instruction (`Op::Arith`, `Op::At`,
/// `Op::AtPut`) may run in place of its send (`Vm::special_in_place`):
/// each answers from its receiver and arguments alone, or fails, and
/// never touches the stack, the frames or the processes, and never
/// allocates (so never signals). `None` for any other, or for an argument
/// count it does not take.
pub(crate) fn in_place(prim: u16, argc: usize) -> Option<PrimFn> {
    let p = PRIMS.get(prim as usize).filter(|_| runs_in_place(prim))?;
    p.arity.is_none_or(|k| k as usize == argc).then_some(p.run)
}

/// The code of primitive `prim` if it is a leaf ([`Prim::leaf`]) that
/// takes `argc` arguments.
#[inline(always)]
pub(crate) fn leaf(prim: u16, argc: usize) -> Option<PrimFn> {
    let p = PRIMS.get(prim as usize).filter(|p| p.leaf)?;
    p.arity.is_none_or(|k| k as usize == argc).then_some(p.run)
}

/// The String `=` primitive's number.
pub(crate) const STRING_EQ: u16 = named_index("stringEq") as u16;

pub(crate) use collection::byte_char_at;
pub(crate) use string::eq_short;

/// Whether primitive `prim` is one [`in_place`] may answer.
#[inline(always)]
pub(crate) fn runs_in_place(prim: u16) -> bool {
    matches!(prim, 60..=61 | 63..=64 | 110) || prim == STRING_EQ
}

/// The index of named primitive `name`, at compile time (an unknown name
/// does not compile).
const fn named_index(name: &str) -> usize {
    let mut j = 0;
    while j < NAMED.len() {
        if let Key::Name(s) = NAMED[j].key {
            if same(s, name) {
                return NAMED_BASE + j;
            }
        }
        j += 1;
    }
    panic!("no such named primitive")
}

/// Calls primitive `prim`. The receiver and `argc` arguments are the top
/// of the stack.
pub(crate) fn call(vm: &mut Vm, prim: u16, argc: usize) -> PrimResult {
    let p = match PRIMS.get(prim as usize) {
        Some(p) => p,
        None => return PrimResult::Fail,
    };
    if p.arity.is_some_and(|k| k as usize != argc) {
        return PrimResult::Fail;
    }
    let Some(args) = Args::on_top(&vm.stack, argc) else {
        return PrimResult::Fail;
    };
    // what it allocates costs fuel (`Heap::charge`), once: a primitive
    // that runs another (`perform:`) has its allocations charged there. A
    // collection inside it leaves `allocated` counting from there.
    let (allocated, collections, owed) =
        (vm.heap.allocated, vm.heap.collections, vm.heap.fuel_owed);
    let r = (p.run)(vm, args);
    let made = if vm.heap.collections == collections {
        vm.heap.allocated.saturating_sub(allocated)
    } else {
        vm.heap.allocated
    };
    let inner = vm.heap.fuel_owed.saturating_sub(owed);
    vm.heap
        .charge(made.saturating_sub(inner as usize * BYTES_PER_FUEL));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;

    #[test]
    fn pragmas_resolve_to_entries_named_alike() {
        let span = Span::default();
        for (i, p) in PRIMS.iter().enumerate() {
            let pragma = match p.key {
                Key::None => continue,
                Key::Number(n) => {
                    assert_eq!(n as usize, i);
                    Pragma::Primitive(n as u32, span)
                }
                Key::Name(s) => Pragma::NamedPrimitive(s.to_string(), span),
            };
            assert_eq!(primitive_index(&pragma), Some(i as u16));
            let name = primitive_name(i as u16);
            match p.key {
                Key::Number(n) => assert_eq!(name, n.to_string()),
                Key::Name(s) => assert_eq!(name, s),
                Key::None => unreachable!(),
            }
        }
        for bad in [0, 18, 255, 256, 1000, 2000, 70000] {
            assert_eq!(primitive_index(&Pragma::Primitive(bad, span)), None);
        }
        let unknown = Pragma::NamedPrimitive("noSuchPrimitive".into(), span);
        assert_eq!(primitive_index(&unknown), None);
        assert_eq!(primitive_name(60), "60");
        assert_eq!(primitive_name(u16::MAX), "");
    }
}
