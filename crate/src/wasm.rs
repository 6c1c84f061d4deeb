//! The JavaScript face of the VM: one opaque handle, [`LiveVm`], that the
//! playground page (`www/`) drives between animation frames.
//!
//! Everything JS can call is in the single `#[wasm_bindgen] impl` block;
//! Rust-only helpers are in a plain `impl`. Results cross the boundary as
//! small structs through serde-wasm-bindgen.
//!
//! This module must never panic on JS input and never block: errors are
//! answered as values (`{ ok: false, error }`), nothing sleeps (a browser
//! tab cannot), and any Smalltalk code it runs on its own (fileIn do-its)
//! runs with a fuel limit. Long-running work is a process that the page
//! runs in slices with [`LiveVm::run`].

use crate::compiler::CompileError;
use crate::fileformat::{read_file_in, FileInItem};
use crate::interp::{HostError, Outcome, ProcState, TierMode};
use crate::object::Value;
use crate::syntax::line_col;
use crate::tier::TierEvent;
use crate::Vm;
use serde::Serialize;
use std::cell::Cell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Priority of the program started with Run (Squeak's user priority).
const PROGRAM_PRIORITY: u8 = 40;
/// Workspace do-its and print-its run above the program, so that they
/// finish while an endless loop runs (processes of one priority are not
/// time-sliced).
const WORKSPACE_PRIORITY: u8 = 50;
/// FileIn do-its run above everything the user started.
const FILE_IN_PRIORITY: u8 = 70;
/// Instructions a fileIn do-it may take before it is stopped, so that a
/// do-it that never ends cannot freeze the page.
const FILE_IN_FUEL: u64 = 20_000_000;
/// Fuel per `Vm::run` call inside a synchronous fileIn.
const FILE_IN_CHUNK: u64 = 100_000;
/// The page collects garbage itself, at a slice boundary, once this many
/// bytes were allocated (`Vm::collect_if_due`: where the collection fits
/// before the call's deadline, else at the start of the next call). The
/// VM's own trigger (8 MiB) lets the heap table grow to a few hundred
/// thousand objects, and sweeping those takes tens of milliseconds in
/// wasm, more than a frame's budget; collecting early keeps every pause
/// short at the same total cost.
const HOST_GC_BYTES: usize = 1 << 20;
/// ...scaled up for deep stacks: bytes allocated per frame on the stacks.
const HOST_GC_BYTES_PER_FRAME: usize = 64;
/// A run report carries at most this many lines of the Transcript output
/// (the newest)...
const MAX_REPORT_LINES: usize = 500;
/// ...and at most this many bytes (whole lines where it can). The page
/// shows the last 500 lines only, and a report must cost the page a
/// bounded amount of work: a loop printing short lines writes ~50 KiB (8000
/// lines) per 8 ms slice, and turning that into JS strings made garbage
/// enough for the JS collector to pause the page for several ms at a time.
const MAX_REPORT_OUTPUT: usize = 64 * 1024;
/// ...and at most this many tier events (the newest; the page's log keeps
/// 200). A deoptimization storm cannot make one report long.
const MAX_REPORT_TIER_EVENTS: usize = 100;
/// A stack snapshot shows this many innermost frames...
const STACK_INNER: usize = 50;
/// ...and this many outermost ones.
const STACK_OUTER: usize = 10;
/// Category given to a method accepted in the page for the first time.
const NEW_METHOD_CATEGORY: &str = "as yet unclassified";

/// The answer to a command: `{ ok: true, ... }` or `{ ok: false, error }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Reply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    /// For accept: the selector of the method installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

/// An error as the page shows it. Compile errors carry their position:
/// 1-based line and column (in characters), and `start..end` in UTF-16
/// code units of the submitted text (what a JS string index means).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorReport {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    col: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<usize>,
}

/// Something that happened to a process during [`LiveVm::run`].
#[derive(Serialize, Clone, Debug)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Event {
    /// The process returned from its bottom frame.
    #[serde(rename_all = "camelCase")]
    Finished { pid: usize, value: String },
    /// A print-it finished: `text` is the printString of its value.
    #[serde(rename_all = "camelCase")]
    Printed { pid: usize, text: String },
    /// The process stopped on an unhandled error and is suspended (R9).
    #[serde(rename_all = "camelCase")]
    Error {
        pid: usize,
        error_class: String,
        message: String,
    },
}

/// What one [`LiveVm::run`] call did.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunReport {
    /// `yielded` (fuel ran out, more to do), `waiting` (only Delays are
    /// pending; see `until`) or `idle` (nothing can run).
    status: &'static str,
    /// For `waiting`: the VM clock (ms) at which a sleeper wakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<f64>,
    /// Instructions executed by this call.
    executed: f64,
    /// The VM clock (ms) when the call began its work: `now - startedAt`
    /// is the VM's part of the call; the rest (entering, building this
    /// report, returning) is bounded work, so when the page sees it take a
    /// millisecond or more, the OS or the browser's own garbage collector
    /// took the thread meanwhile.
    started_at: f64,
    /// The VM clock (ms) when the call ended.
    now: f64,
    /// Garbage collections since the VM was made.
    collections: f64,
    /// How long the last collection took (ms, VM clock); 0 before the first.
    gc_last_ms: f64,
    /// The longest collection since the VM was made (ms).
    gc_max_ms: f64,
    /// How far past its deadline the VM's work ended (ms, VM clock; 0 when
    /// on time or without a deadline): instructions between two readings
    /// of the clock that took long, a collection that took longer than
    /// expected, or the OS running something else meanwhile.
    late_ms: f64,
    /// A due collection did not fit before the call's deadline: the next
    /// call starts with it, so give that one a whole slice (the next
    /// frame's).
    gc_deferred: bool,
    events: Vec<Event>,
    /// What the optimizing tier did since the last call (including
    /// deoptimizations caused by an accept in between), oldest first.
    tier_events: Vec<TierEventReport>,
    /// Transcript output produced since the last call: its newest
    /// [`MAX_REPORT_LINES`] lines, [`MAX_REPORT_OUTPUT`] bytes at most (see
    /// `output_dropped`).
    output: String,
    /// Bytes of output produced since the last call but left out of
    /// `output` (the oldest ones). `output` then starts at a line start
    /// (unless what is kept is the end of a single line).
    output_dropped: f64,
    /// Tier events left out of `tier_events` (the oldest ones).
    tier_events_dropped: f64,
    /// The longest time (ms) between two consecutive readings of the clock
    /// during the call, collections aside. The VM reads the clock every
    /// 0.05 to 0.2 ms of its work (`Vm::run_until` adapts the interval),
    /// so a stall of a millisecond or more means that one
    /// primitive ran long or, far more often, that the OS ran something
    /// else meanwhile: the page then knows why the call ended late.
    stall_ms: f64,
}

/// One event of the optimizing tier, for the page's event log.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TierEventReport {
    /// `optimized`, `inlined`, `deoptimized` or `guardFailed`.
    kind: &'static str,
    /// The method the event is about, e.g. `Demo>>methA:`.
    method: String,
    /// The whole event as the CLI's `--trace-tier` prints it.
    text: String,
}

impl TierEventReport {
    fn new(e: &TierEvent) -> TierEventReport {
        let (kind, method) = match e {
            TierEvent::Optimized { method, .. } => ("optimized", method),
            TierEvent::Inlined { method, .. } => ("inlined", method),
            TierEvent::GuardFailed { method, .. } => ("guardFailed", method),
            TierEvent::Deoptimized { method, .. } => ("deoptimized", method),
        };
        TierEventReport {
            kind,
            method: method.clone(),
            text: e.to_string(),
        }
    }
}

/// Watches the VM's clock: every reading goes through [`ClockWatch::note`],
/// which keeps the two longest gaps between consecutive readings since
/// the last [`ClockWatch::reset`] (see `RunReport::stall_ms`).
#[derive(Default)]
struct ClockWatch {
    last: Cell<f64>,
    /// The longest gap and the second longest (ms).
    gaps: Cell<(f64, f64)>,
}

impl ClockWatch {
    fn note(&self, t: f64) {
        let gap = t - self.last.replace(t);
        let (a, b) = self.gaps.get();
        if gap > a {
            self.gaps.set((gap, a));
        } else if gap > b {
            self.gaps.set((a, gap));
        }
    }

    fn reset(&self, t: f64) {
        self.last.set(t);
        self.gaps.set((0.0, 0.0));
    }

    /// The longest gap that was not the collection timed `gc_ms` (pass
    /// `None` when nothing was collected): a collection reads the clock
    /// when it starts and when it ends, and nothing in between.
    fn stall(&self, gc_ms: Option<f64>) -> f64 {
        let (a, b) = self.gaps.get();
        if gc_ms == Some(a) {
            b
        } else {
            a
        }
    }
}

/// The newest [`MAX_REPORT_LINES`] lines of `out` (the line being written
/// counts as one), at most [`MAX_REPORT_OUTPUT`] bytes of them, from a
/// line start if that leaves at least one line; and how many bytes were
/// left out.
fn newest_output(mut out: String) -> (String, usize) {
    let bytes = out.as_bytes();
    // the start of the newest MAX_REPORT_LINES lines
    let mut cut = 0;
    let mut lines = 1;
    for (i, &b) in bytes.iter().enumerate().rev() {
        if b == b'\n' {
            if lines == MAX_REPORT_LINES {
                cut = i + 1;
                break;
            }
            lines += 1;
        }
        if bytes.len() - i > MAX_REPORT_OUTPUT {
            // too long: cut within the byte limit, at a line start if one is left
            cut = i + 1;
            while !out.is_char_boundary(cut) {
                cut += 1;
            }
            if let Some(j) = out[cut..].find('\n') {
                if cut + j + 1 < out.len() {
                    cut += j + 1;
                }
            }
            break;
        }
    }
    if cut == 0 {
        return (out, 0);
    }
    let kept = out.split_off(cut);
    (kept, cut)
}

/// The tier state of one method, for the page's tier panel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TierMethod {
    /// e.g. `Demo>>methA:`.
    method: String,
    /// Optimized code exists now (otherwise it runs interpreted).
    optimized: bool,
    /// The callees inlined into the current optimized code, e.g.
    /// `Demo>>methB v2`.
    inlined: Vec<String>,
    /// Deoptimizations of this method so far.
    deopts: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClassSummary {
    name: String,
    superclass: Option<String>,
    category: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodSummary {
    selector: String,
    version: u32,
    category: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodSource {
    selector: String,
    version: u32,
    category: String,
    source: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Temp {
    name: String,
    value: String,
}

/// One frame for the debugger, innermost first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FrameSnapshot {
    /// Index for [`LiveVm::restart`] (0 = innermost frame of the whole
    /// stack, including hidden exception machinery).
    index: usize,
    name: String,
    class_name: String,
    selector: String,
    version: u32,
    is_block: bool,
    source: String,
    /// The current statement, as a UTF-16 range of `source`.
    start: usize,
    end: usize,
    receiver: String,
    temps: Vec<Temp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StackSnapshot {
    ok: bool,
    pid: usize,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    frames: Vec<FrameSnapshot>,
    /// Frames left out between the innermost and the outermost ones shown
    /// (a runaway recursion has hundreds of thousands).
    elided: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessSnapshot {
    pid: usize,
    name: String,
    state: &'static str,
    priority: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_class: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionCount {
    version: u32,
    activations: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryEntry {
    version: u32,
    source: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KernelChange {
    class_name: String,
    meta: bool,
    selector: String,
    category: String,
    source: String,
    version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextReply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct DefineReply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

/// The statements of a method version, as byte spans of its source.
type Statements = std::rc::Rc<Vec<(u32, u32)>>;

/// Frames `livePosition` answers.
const LIVE_FRAMES: usize = 8;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LiveFrame {
    class_name: String,
    meta: bool,
    selector: String,
    version: u32,
    is_block: bool,
    start: usize,
    end: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepReply {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

/// What `takeDrawing` answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DrawingReport {
    commands: Vec<crate::interp::prims::draw::DrawCmd>,
    dropped: f64,
}

/// The answer to `shareLink` and `openLink`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct ShareReply {
    ok: bool,
    /// For shareLink: the fragment, `#v1/...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    /// For openLink: the run expression (not started).
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<String>,
    /// For openLink: the tier setting, applied to the VM.
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<String>,
    /// For openLink: the classes defined, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<String>>,
    /// For openLink: how many methods were accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    methods: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

impl ShareReply {
    fn error(msg: String) -> ShareReply {
        ShareReply {
            error: Some(message(msg)),
            ..ShareReply::default()
        }
    }
}

/// A Livetalk VM with the kernel loaded, driven from JavaScript.
#[wasm_bindgen]
pub struct LiveVm {
    vm: Vm,
    /// Events not yet reported by `run`.
    pending: VecDeque<Event>,
    /// Workspace processes whose value should be printed.
    want_print: HashSet<usize>,
    /// printString process → the workspace process it prints for.
    printing: HashMap<usize, usize>,
    /// Processes the host runs itself (fileIn do-its): not reported.
    hidden: HashSet<usize>,
    /// The classes the kernel defined (everything else is the user's).
    kernel_classes: HashSet<String>,
    /// The version of every kernel method after the kernel loaded, by
    /// (class, selector): a different version is a change of the user's.
    kernel_versions: HashMap<(String, String), u32>,
    /// Method history: (class name, selector) → (version, source), oldest
    /// first, as seen by `accept` and `methodHistory`.
    history: HashMap<(String, String), Vec<(u32, String)>>,
    /// Statement spans per method version, for `livePosition`.
    stmt_cache: HashMap<(String, String, u32), Statements>,
    /// Sees every reading of the VM's clock (stalls in a run report).
    watch: Rc<ClockWatch>,
}

#[wasm_bindgen]
impl LiveVm {
    /// Makes a VM and loads the kernel.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<LiveVm, JsError> {
        console_error_panic_hook::set_once();
        let mut vm = Vm::new().map_err(|e| JsError::new(&e))?;
        // what the tier did while the kernel loaded is not the user's
        vm.take_tier_events();
        // the same clock, watched: run reports tell how long the VM went
        // without reading it
        let watch = Rc::new(ClockWatch::default());
        let clock = std::mem::replace(&mut vm.clock, Box::new(|| 0.0));
        let seen = Rc::clone(&watch);
        vm.clock = Box::new(move || {
            let t = clock();
            seen.note(t);
            t
        });
        let kernel_classes = vm
            .classes
            .iter()
            .filter(|c| !c.is_meta)
            .map(|c| c.name.clone())
            .collect();
        let kernel_versions = vm
            .classes
            .iter()
            .flat_map(|c| {
                c.methods
                    .values()
                    .filter_map(|m| vm.method_code(*m))
                    .map(|code| {
                        (
                            (c.name.clone(), code.info.selector.clone()),
                            code.info.version,
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(LiveVm {
            vm,
            pending: VecDeque::new(),
            want_print: HashSet::new(),
            printing: HashMap::new(),
            hidden: HashSet::new(),
            kernel_classes,
            kernel_versions,
            history: HashMap::new(),
            stmt_cache: HashMap::new(),
            watch,
        })
    }

    /// Files in chunk-format (or SOM) source. Do-its run to completion
    /// with a fuel limit; one that waits on a Delay or runs too long is
    /// stopped and reported as an error. Stops at the first error.
    #[wasm_bindgen(js_name = fileIn)]
    pub fn file_in(&mut self, name: &str, source: &str) -> JsValue {
        to_js(&self.file_in_inner(name, source))
    }

    /// Accept: compiles `source` and installs it in `class` (its
    /// metaclass if `meta`) as a new version. A compile error installs
    /// nothing and is answered with its position (R2).
    pub fn accept(&mut self, class: &str, meta: bool, source: &str) -> JsValue {
        let selector = crate::syntax::parse_method(source)
            .ok()
            .map(|ast| ast.selector);
        let category = self.category_of(class, meta, selector.as_deref());
        if let Some(sel) = &selector {
            // the version being replaced joins the history first
            self.note_history(class, meta, sel);
        }
        let reply = match self.vm.accept(class, meta, source, &category) {
            Ok(version) => {
                if let Some(sel) = &selector {
                    self.note_history(class, meta, sel);
                }
                Reply {
                    ok: true,
                    version: Some(version),
                    selector,
                    ..Reply::default()
                }
            }
            Err(e) => failure(host_error(e)),
        };
        to_js(&reply)
    }

    /// The versions of a method this page has seen, oldest first, as
    /// `[{ version, source }]`, the installed one last (empty if there is
    /// no such method). Versions installed by other means (a fileIn, a
    /// `compile:` send) appear once they were installed at an accept or a
    /// call of this.
    #[wasm_bindgen(js_name = methodHistory)]
    pub fn method_history(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        self.note_history(class, meta, selector);
        let key = (side_name(class, meta), selector.to_string());
        let out: Vec<HistoryEntry> = self
            .history
            .get(&key)
            .map(|h| {
                h.iter()
                    .map(|(version, source)| HistoryEntry {
                        version: *version,
                        source: source.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        to_js(&out)
    }

    /// "New class": evaluates a class definition such as `Object subclass:
    /// #Foo instanceVariableNames: '' classVariableNames: '' package:
    /// 'Demo'` (any expression that answers a class), within a fuel
    /// limit. Answers `{ ok, name }` or `{ ok: false, error }` (a compile
    /// error with its position).
    #[wasm_bindgen(js_name = defineClass)]
    pub fn define_class(&mut self, source: &str) -> JsValue {
        to_js(&self.define_class_inner(source))
    }

    /// The definition of a class as the browser shows it (the chunk
    /// format's `subclass:` message), or `null`.
    #[wasm_bindgen(js_name = classDefinition)]
    pub fn class_definition(&self, name: &str) -> JsValue {
        let Ok(text) = self.vm.file_out(&[name]) else {
            return JsValue::NULL;
        };
        // the first chunk is the definition
        let def = text.split("!\n").next().unwrap_or("").replace("!!", "!");
        JsValue::from_str(def.trim_end())
    }

    /// The classes the user defined (not the kernel's), superclasses
    /// first.
    #[wasm_bindgen(js_name = workspaceClasses)]
    pub fn workspace_classes(&self) -> Vec<String> {
        self.user_classes()
    }

    /// Methods of kernel classes the user accepted (changed or added), as
    /// `[{ className, meta, selector, category, source, version }]`.
    #[wasm_bindgen(js_name = changedKernelMethods)]
    pub fn changed_kernel_methods(&self) -> JsValue {
        to_js(&self.kernel_changes())
    }

    /// Export: the user's classes (definitions and every method) and the
    /// kernel methods the user changed, as a chunk-format `.st` file that
    /// `importFile` (or `livetalk run`) reads back: `{ ok, text }`.
    #[wasm_bindgen(js_name = exportWorkspace)]
    pub fn export_workspace(&self) -> JsValue {
        to_js(&match self.export_text() {
            Ok(text) => TextReply {
                ok: true,
                text: Some(text),
                error: None,
            },
            Err(e) => TextReply {
                ok: false,
                text: None,
                error: Some(message(e)),
            },
        })
    }

    /// Import: files in a chunk-format `.st` file. It is first tried in a
    /// scratch VM holding this workspace, so that a bad file (a syntax or
    /// compile error, an unknown class, a failing do-it) changes nothing:
    /// `{ ok: false, error }` with the error's line and column in the
    /// file. Answers `{ ok: true }` once everything is installed.
    #[wasm_bindgen(js_name = importFile)]
    pub fn import_file(&mut self, name: &str, text: &str) -> JsValue {
        if let Err(e) = read_file_in(name, text) {
            return to_js(&failure(at(text, e.offset, e.offset, &e.message)));
        }
        let trial = (|| -> Result<(), ErrorReport> {
            let mut scratch =
                LiveVm::new().map_err(|_| message("cannot make a scratch VM".into()))?;
            let here = self.export_text().map_err(message)?;
            if let Some(e) = scratch.file_in_inner("workspace", &here).error {
                return Err(message(format!(
                    "the workspace itself does not file in: {}",
                    e.message
                )));
            }
            match scratch.file_in_inner(name, text).error {
                Some(e) => Err(e),
                None => Ok(()),
            }
        })();
        if let Err(e) = trial {
            return to_js(&failure(e));
        }
        to_js(&self.file_in_inner(name, text))
    }

    /// Removes a method: later sends fail with doesNotUnderstand: (R4).
    pub fn remove(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&match self.vm.remove(class, meta, selector) {
            Ok(()) => ok(),
            Err(e) => failure(host_error(e)),
        })
    }

    /// Starts `expr` as the program process (not run until `run`).
    pub fn start(&mut self, expr: &str) -> JsValue {
        to_js(&match self.vm.start(expr, PROGRAM_PRIORITY) {
            Ok(pid) => Reply {
                ok: true,
                pid: Some(pid),
                ..Reply::default()
            },
            Err(e) => failure(host_error(e)),
        })
    }

    /// Starts a workspace do-it (or, with `print`, a print-it) as a
    /// process above the program's priority. Its result arrives as a
    /// `finished` (or `printed`) event from `run`.
    pub fn evaluate(&mut self, source: &str, print: bool) -> JsValue {
        to_js(&match self.vm.start(source, WORKSPACE_PRIORITY) {
            Ok(pid) => {
                if print {
                    self.want_print.insert(pid);
                }
                Reply {
                    ok: true,
                    pid: Some(pid),
                    ..Reply::default()
                }
            }
            Err(e) => failure(host_error(e)),
        })
    }

    /// Runs at most `fuel` instructions of the ready processes and
    /// reports what happened, with the Transcript output produced.
    pub fn run(&mut self, fuel: f64) -> JsValue {
        self.run_report(clamp_fuel(fuel), None)
    }

    /// Like `run`, and also stops once `ms` milliseconds have passed on
    /// the VM clock (`performance.now()`): the VM reads the clock every
    /// few thousand instructions, so a time slice ends on time whatever
    /// the code does (a fuel estimate cannot follow code whose speed
    /// changes). A report's `now` is that clock.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&mut self, ms: f64, fuel: f64) -> JsValue {
        let ms = if ms.is_nan() {
            0.0
        } else {
            ms.clamp(0.0, 60_000.0)
        };
        let deadline = (self.vm.clock)() + ms;
        self.run_report(clamp_fuel(fuel), Some(deadline))
    }

    /// Collections: the page's collection point is [`Self::host_gc_bytes`];
    /// with a deadline, `run_until` collects where it fits before the
    /// deadline, or puts the collection off to the next call (`gcDeferred`;
    /// the call then also ends after a process event, instead of running
    /// on with what is left of its time).
    ///
    /// A report is bounded, so that handling it costs the page little
    /// whatever the code did: it carries the newest [`MAX_REPORT_LINES`]
    /// lines of output ([`MAX_REPORT_OUTPUT`] bytes at most) and
    /// [`MAX_REPORT_TIER_EVENTS`] tier events, and says how much it left out.
    fn run_report(&mut self, fuel: u64, deadline: Option<f64>) -> JsValue {
        let started_at = (self.vm.clock)();
        self.watch.reset(started_at);
        let collections = self.vm.heap.collections;
        self.vm.heap.soft_threshold = self.host_gc_bytes();
        if deadline.is_none() {
            self.vm.collect_if_due(None);
        }
        let start = self.vm.insn_count;
        let mut status = "yielded";
        let mut until = None;
        loop {
            let used = self.vm.insn_count - start;
            if used >= fuel {
                break;
            }
            let outcome = match deadline {
                Some(d) => self.vm.run_until(fuel - used, d),
                None => self.vm.run(fuel - used),
            };
            match outcome {
                Outcome::Yielded => break,
                Outcome::Waiting { until: t } => {
                    status = "waiting";
                    until = Some(t);
                    break;
                }
                Outcome::Idle => {
                    status = "idle";
                    break;
                }
                ev => {
                    self.note(ev);
                    // a put-off collection waits for the next call
                    if self.vm.heap.gc_deferred || deadline.is_some_and(|d| (self.vm.clock)() >= d)
                    {
                        break;
                    }
                }
            }
        }
        let now = (self.vm.clock)();
        let collected = self.vm.heap.collections != collections;
        let stall_ms = self
            .watch
            .stall(collected.then_some(self.vm.heap.gc_last_ms));
        let (output, output_dropped) = newest_output(self.vm.take_transcript());
        let mut tier_events = self.vm.take_tier_events();
        let tier_events_dropped = tier_events.len().saturating_sub(MAX_REPORT_TIER_EVENTS);
        tier_events.drain(..tier_events_dropped);
        let report = RunReport {
            status,
            until,
            executed: (self.vm.insn_count - start) as f64,
            started_at,
            now,
            late_ms: deadline.map_or(0.0, |d| (now - d).max(0.0)),
            collections: self.vm.heap.collections as f64,
            gc_last_ms: self.vm.heap.gc_last_ms,
            gc_max_ms: self.vm.heap.gc_max_ms,
            gc_deferred: self.vm.heap.gc_deferred,
            events: self.pending.drain(..).collect(),
            tier_events: tier_events.iter().map(TierEventReport::new).collect(),
            output,
            output_dropped: output_dropped as f64,
            tier_events_dropped: tier_events_dropped as f64,
            stall_ms,
        };
        to_js(&report)
    }

    /// Pauses a process; it keeps its stack.
    pub fn pause(&mut self, pid: u32) -> JsValue {
        let r = self.vm.pause(pid as usize);
        to_js(&result(r))
    }

    /// Resumes a paused process, or proceeds one stopped on an error
    /// (the failed operation answers nil, as Squeak's Proceed does).
    pub fn resume(&mut self, pid: u32) -> JsValue {
        let r = self.vm.resume(pid as usize);
        to_js(&result(r))
    }

    /// Terminates a process, running its `ensure:` blocks.
    pub fn terminate(&mut self, pid: u32) -> JsValue {
        let r = self.vm.terminate_process(pid as usize);
        to_js(&result(r))
    }

    /// Restarts frame `frame` (an `index` from `stack`) of a process with
    /// the method now installed for its selector (R8). A process stopped
    /// on an error stays suspended until `resume`.
    pub fn restart(&mut self, pid: u32, frame: u32) -> JsValue {
        let r = self.vm.restart_frame(pid as usize, frame as usize);
        to_js(&result(r))
    }

    /// Step: runs paused process `pid` to the next statement of its top
    /// frame (over sends; with `into`, stopping in a callee too), or until
    /// the frame returns. Answers `{ ok, outcome }`, `outcome` one of
    /// `stopped`, `finished`, `error`, `blocked` (waits on a Delay or
    /// Semaphore; no longer paused), `limit` (the statement ran over the
    /// step limit; paused where it got to). Output and events come with
    /// the next `run`.
    pub fn step(&mut self, pid: u32, into: bool) -> JsValue {
        let mode = if into {
            crate::interp::StepMode::Into
        } else {
            crate::interp::StepMode::Over
        };
        to_js(&match self.vm.step(pid as usize, mode) {
            Ok(o) => StepReply {
                ok: true,
                outcome: Some(match o {
                    crate::interp::StepOutcome::Stopped => "stopped",
                    crate::interp::StepOutcome::Finished => "finished",
                    crate::interp::StepOutcome::Error => "error",
                    crate::interp::StepOutcome::Blocked => "blocked",
                    crate::interp::StepOutcome::Limit => "limit",
                }),
                error: None,
            },
            Err(e) => StepReply {
                ok: false,
                outcome: None,
                error: Some(host_error(e)),
            },
        })
    }

    /// Live highlight: where process `pid` is, sampled between slices:
    /// its innermost frames (at most 8), innermost first, as `{ className,
    /// meta, selector, version, isBlock, start, end }` with the statement
    /// each is at (the top frame: the one its next instruction belongs to)
    /// as a UTF-16 range of the method source; `null` for a process that
    /// has ended. Cheap: no printing, statements cached per version.
    #[wasm_bindgen(js_name = livePosition)]
    pub fn live_position(&mut self, pid: u32) -> JsValue {
        let pid = pid as usize;
        let Some(p) = self.vm.procs.get(pid) else {
            return JsValue::NULL;
        };
        if matches!(p.state, ProcState::Finished | ProcState::Terminated) {
            return JsValue::NULL;
        }
        if self.stmt_cache.len() > 2000 {
            self.stmt_cache.clear();
        }
        let frames = self.vm.virtual_frames(pid);
        let mut out = Vec::new();
        for (i, f) in frames.iter().rev().take(LIVE_FRAMES).enumerate() {
            let info = &f.code.info;
            let key = (info.class_name.clone(), info.selector.clone(), info.version);
            let stmts = self
                .stmt_cache
                .entry(key)
                .or_insert_with(|| std::rc::Rc::new(crate::interp::host::code_statements(&f.code)))
                .clone();
            let (s, e) = Vm::frame_statement(f, &stmts, i == 0);
            let source = &info.source;
            let (class_name, meta) = match info.class_name.strip_suffix(" class") {
                Some(c) => (c.to_string(), true),
                None => (info.class_name.clone(), false),
            };
            out.push(LiveFrame {
                class_name,
                meta,
                selector: info.selector.clone(),
                version: info.version,
                is_block: f.code.is_block,
                start: utf16_index(source, s as usize),
                end: utf16_index(source, e as usize),
            });
        }
        to_js(&out)
    }

    /// Takes the Transcript output not yet reported.
    #[wasm_bindgen(js_name = takeTranscript)]
    pub fn take_transcript(&mut self) -> String {
        self.vm.take_transcript()
    }

    /// Takes the Canvas drawing commands not yet taken, oldest first:
    /// `{ commands: [{ op: 'clear' | 'color' | 'fillRect' | 'fillCircle' |
    /// 'line' | 'text', ... }], dropped }`. `dropped` counts commands lost
    /// because the bounded buffer was full since the last take.
    #[wasm_bindgen(js_name = takeDrawing)]
    pub fn take_drawing(&mut self) -> JsValue {
        let dropped = self.vm.drawing.dropped as f64;
        to_js(&DrawingReport {
            commands: self.vm.drawing.take(),
            dropped,
        })
    }

    /// `off`, `on` or `eager`.
    #[wasm_bindgen(js_name = setTier)]
    pub fn set_tier(&mut self, mode: &str) -> JsValue {
        let m = match mode {
            "off" => TierMode::Off,
            "on" => TierMode::On,
            "eager" => TierMode::Eager,
            other => return to_js(&failure(message(format!("unknown tier mode {}", other)))),
        };
        self.vm.tier = m;
        to_js(&ok())
    }

    /// A share link (`#v1/...`) for the named classes (definitions and
    /// all their methods), the run expression and the tier setting:
    /// `{ ok, link }` or `{ ok: false, error }`.
    #[wasm_bindgen(js_name = shareLink)]
    pub fn share_link(&self, classes: Vec<String>, run: &str, tier: &str) -> JsValue {
        let names: Vec<&str> = classes.iter().map(|s| s.as_str()).collect();
        to_js(&match crate::share::capture(&self.vm, &names, run, tier) {
            Ok(ws) => ShareReply {
                ok: true,
                link: Some(crate::share::encode(&ws)),
                ..ShareReply::default()
            },
            Err(e) => ShareReply::error(e),
        })
    }

    /// Opens a share link: defines its classes and accepts its methods
    /// into this VM and applies its tier setting, but runs nothing (the
    /// page starts `run` when the user presses Run). Answers `{ ok, run,
    /// tier, classes, methods }` or `{ ok: false, error }`.
    #[wasm_bindgen(js_name = openLink)]
    pub fn open_link(&mut self, link: &str) -> JsValue {
        let ws = match crate::share::decode(link) {
            Ok(ws) => ws,
            Err(e) => return to_js(&ShareReply::error(e.to_string())),
        };
        let defs = match crate::share::check_superclasses(&self.vm, &ws)
            .and_then(|()| crate::share::definitions(&ws))
        {
            Ok(d) => d,
            Err(e) => return to_js(&ShareReply::error(e)),
        };
        let r = self.file_in_inner("share link", &defs);
        if let Some(e) = r.error {
            return to_js(&ShareReply::error(e.message));
        }
        if let Err(e) = crate::share::accept_methods(&mut self.vm, &ws) {
            return to_js(&ShareReply::error(e));
        }
        self.vm.tier = match ws.settings.tier.as_str() {
            "off" => TierMode::Off,
            "eager" => TierMode::Eager,
            _ => TierMode::On,
        };
        to_js(&ShareReply {
            ok: true,
            run: Some(ws.run.clone()),
            tier: Some(ws.settings.tier.clone()),
            classes: Some(ws.classes.iter().map(|c| c.name.clone()).collect()),
            methods: Some(ws.methods.len()),
            ..ShareReply::default()
        })
    }

    /// The tier panel: every installed method the tier has optimized or
    /// deoptimized, sorted by name, as `{ method, optimized, inlined,
    /// deopts }`.
    #[wasm_bindgen(js_name = tierReport)]
    pub fn tier_report(&self) -> JsValue {
        let out: Vec<TierMethod> = self
            .vm
            .tier_report()
            .into_iter()
            .map(|(method, optimized, inlined, deopts)| TierMethod {
                method,
                optimized,
                inlined,
                deopts,
            })
            .collect();
        to_js(&out)
    }

    /// Every class (not metaclasses), sorted by name.
    pub fn classes(&self) -> JsValue {
        let mut out: Vec<ClassSummary> = self
            .vm
            .classes
            .iter()
            .filter(|c| !c.is_meta)
            .map(|c| ClassSummary {
                name: c.name.clone(),
                superclass: c
                    .superclass
                    .map(|s| self.vm.classes[s as usize].name.clone()),
                category: c.category.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        to_js(&out)
    }

    /// The methods of a class (or its metaclass), sorted by selector;
    /// `null` if there is no such class.
    pub fn methods(&self, class: &str, meta: bool) -> JsValue {
        let Some(cid) = self.vm.resolve_class(class, meta) else {
            return JsValue::NULL;
        };
        let mut out: Vec<MethodSummary> = self.vm.classes[cid as usize]
            .methods
            .values()
            .filter_map(|m| self.vm.method_code(*m))
            .map(|c| MethodSummary {
                selector: c.info.selector.clone(),
                version: c.info.version,
                category: c.info.category.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.selector.cmp(&b.selector));
        to_js(&out)
    }

    /// The installed source and version of a method, or `null`.
    #[wasm_bindgen(js_name = methodSource)]
    pub fn method_source(&self, class: &str, meta: bool, selector: &str) -> JsValue {
        let Some(cid) = self.vm.resolve_class(class, meta) else {
            return JsValue::NULL;
        };
        let found = self.vm.classes[cid as usize]
            .methods
            .values()
            .filter_map(|m| self.vm.method_code(*m))
            .find(|c| c.info.selector == selector);
        match found {
            Some(c) => to_js(&MethodSource {
                selector: c.info.selector.clone(),
                version: c.info.version,
                category: c.info.category.clone(),
                source: c.info.source.to_string(),
            }),
            None => JsValue::NULL,
        }
    }

    /// The stack of a process for the debugger, innermost first. For a
    /// process stopped on an error, the exception machinery above the
    /// frame that signalled is left out.
    pub fn stack(&self, pid: u32) -> JsValue {
        to_js(&self.stack_inner(pid as usize))
    }

    /// The processes that have not ended.
    pub fn processes(&self) -> JsValue {
        let out: Vec<ProcessSnapshot> = self
            .vm
            .procs
            .iter()
            .enumerate()
            .filter(|(pid, p)| {
                !matches!(p.state, ProcState::Finished | ProcState::Terminated)
                    && !self.hidden.contains(pid)
            })
            .map(|(pid, p)| ProcessSnapshot {
                pid,
                name: p.name.clone(),
                state: state_name(&p.state),
                priority: p.priority,
                error_class: p.error.as_ref().map(|e| e.class_name.clone()),
            })
            .collect();
        to_js(&out)
    }

    /// How many live activations run each version of a method (R3: old
    /// activations finish old code), by version.
    #[wasm_bindgen(js_name = activeVersions)]
    pub fn active_versions(&self, class: &str, meta: bool, selector: &str) -> JsValue {
        let class_name = if meta {
            format!("{} class", class)
        } else {
            class.to_string()
        };
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for (pid, p) in self.vm.procs.iter().enumerate() {
            if matches!(p.state, ProcState::Finished | ProcState::Terminated) {
                continue;
            }
            for f in self
                .vm
                .virtual_frames(pid)
                .iter()
                .filter(|f| !f.code.is_block)
            {
                if f.code.info.selector == selector && f.code.info.class_name == class_name {
                    *counts.entry(f.code.info.version).or_default() += 1;
                }
            }
        }
        let mut out: Vec<VersionCount> = counts
            .into_iter()
            .map(|(version, activations)| VersionCount {
                version,
                activations,
            })
            .collect();
        out.sort_by_key(|v| v.version);
        to_js(&out)
    }

    /// Instructions executed since the VM was made.
    #[wasm_bindgen(js_name = instructionCount)]
    pub fn instruction_count(&self) -> f64 {
        self.vm.insn_count as f64
    }

    /// Sends performed since the VM was made (for sends/s figures).
    #[wasm_bindgen(js_name = sendCount)]
    pub fn send_count(&self) -> f64 {
        self.vm.send_count as f64
    }
}

/// Versions kept per method in the history.
const MAX_HISTORY: usize = 100;

impl LiveVm {
    /// Adds the installed version of a method to its history (once).
    fn note_history(&mut self, class: &str, meta: bool, selector: &str) {
        let Some(cid) = self.vm.resolve_class(class, meta) else {
            return;
        };
        let found = self.vm.classes[cid as usize]
            .methods
            .values()
            .filter_map(|m| self.vm.method_code(*m))
            .find(|c| c.info.selector == selector);
        let Some(code) = found else {
            return;
        };
        let h = self
            .history
            .entry((side_name(class, meta), selector.to_string()))
            .or_default();
        let v = code.info.version;
        if h.last().map(|(last, _)| *last) != Some(v) {
            h.retain(|(old, _)| *old != v);
            h.push((v, code.info.source.to_string()));
            if h.len() > MAX_HISTORY {
                h.remove(0);
            }
        }
    }

    fn define_class_inner(&mut self, source: &str) -> DefineReply {
        let fail = |error: ErrorReport| DefineReply {
            error: Some(error),
            ..DefineReply::default()
        };
        let m = match self.vm.compile_doit(source) {
            Ok(m) => m,
            Err(e) => return fail(compile_error_at(&e, source, source, 0)),
        };
        let pid = self
            .vm
            .start_method(m, Value::NIL, FILE_IN_PRIORITY, "define class");
        self.hidden.insert(pid);
        if let Err(msg) = self.run_to_end(pid) {
            return fail(message(msg));
        }
        let value = self.vm.procs[pid].result.unwrap_or(Value::NIL);
        let name = match self.vm.heap.try_get(value).map(|o| &o.body) {
            Some(crate::object::Body::Class { id, .. })
                if !self.vm.classes[*id as usize].is_meta =>
            {
                self.vm.classes[*id as usize].name.clone()
            }
            _ => {
                return fail(message(format!(
                    "a class definition must answer a class, not {}",
                    self.vm.quick_print(value)
                )))
            }
        };
        DefineReply {
            ok: true,
            name: Some(name),
            error: None,
        }
    }

    /// Non-kernel classes in definition order (a superclass is defined,
    /// and so numbered, before its subclasses).
    fn user_classes(&self) -> Vec<String> {
        self.vm
            .classes
            .iter()
            .filter(|c| !c.is_meta && !self.kernel_classes.contains(&c.name))
            .filter(|c| self.vm.class_named(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect()
    }

    fn kernel_changes(&self) -> Vec<KernelChange> {
        let mut out = Vec::new();
        for c in &self.vm.classes {
            let base = c.name.strip_suffix(" class").unwrap_or(&c.name);
            if !self.kernel_classes.contains(base) {
                continue;
            }
            let mut ms: Vec<KernelChange> = c
                .methods
                .values()
                .filter_map(|m| self.vm.method_code(*m))
                .filter(|code| {
                    self.kernel_versions
                        .get(&(c.name.clone(), code.info.selector.clone()))
                        != Some(&code.info.version)
                })
                .map(|code| KernelChange {
                    class_name: base.to_string(),
                    meta: c.is_meta,
                    selector: code.info.selector.clone(),
                    category: code.info.category.clone(),
                    source: code.info.source.to_string(),
                    version: code.info.version,
                })
                .collect();
            ms.sort_by(|a, b| a.selector.cmp(&b.selector));
            out.extend(ms);
        }
        out
    }

    /// The export file: the user's classes, then changed kernel methods.
    fn export_text(&self) -> Result<String, String> {
        let names = self.user_classes();
        let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let mut out = String::from(
            "\"A Livetalk workspace: the classes defined in the playground and the kernel methods changed there. File it in with Import, or livetalk run FILE.\"!\n\n",
        );
        out.push_str(&self.vm.file_out(&refs).map_err(|e| e.to_string())?);
        for m in self.kernel_changes() {
            let side = if m.meta { " class" } else { "" };
            out.push_str(&format!(
                "!{}{} methodsFor: '{}'!\n{}!\n !\n\n",
                m.class_name,
                side,
                m.category.replace('\'', "''").replace('!', "!!"),
                m.source.replace('!', "!!")
            ));
        }
        Ok(out)
    }

    fn file_in_inner(&mut self, name: &str, src: &str) -> Reply {
        let items = match crate::fileformat::read_file_in_as(name, src) {
            Ok((items, som)) => {
                if som {
                    self.vm.install_som_compat();
                }
                items
            }
            Err(e) => return failure(at(src, e.offset, e.offset, &e.message)),
        };
        // Without do-its nothing runs Smalltalk code: the VM's own fileIn
        // is safe (it would sleep for a Delay in a do-it; a tab cannot).
        if !items.iter().any(|i| matches!(i, FileInItem::DoIt { .. })) {
            return match self.vm.file_in(name, src) {
                Ok(()) => ok(),
                Err(e) => failure(message(e.to_string())),
            };
        }
        for item in items {
            match item {
                FileInItem::DoIt { source, offset } => {
                    let m = match self.vm.compile_doit(&source) {
                        Ok(m) => m,
                        Err(e) => return failure(compile_error_at(&e, &source, src, offset)),
                    };
                    let pid = self
                        .vm
                        .start_method(m, Value::NIL, FILE_IN_PRIORITY, "fileIn");
                    self.hidden.insert(pid);
                    if let Err(msg) = self.run_to_end(pid) {
                        let (l, c) = line_col(src, offset);
                        return failure(ErrorReport {
                            message: format!("{}:{}:{}: {}", name, l, c, msg),
                            line: Some(l),
                            col: Some(c),
                            start: Some(utf16_index(src, offset)),
                            end: Some(utf16_index(src, offset)),
                        });
                    }
                }
                FileInItem::Method {
                    class,
                    meta,
                    category,
                    source,
                    offset,
                } => {
                    let Some(cid) = self.vm.resolve_class(&class, meta) else {
                        return failure(at(
                            src,
                            offset,
                            offset,
                            &format!("no class named {}", class),
                        ));
                    };
                    if let Err(e) = self.vm.compile_and_install(cid, &source, &category, true) {
                        return failure(compile_error_at(&e, &source, src, offset));
                    }
                }
                FileInItem::ClassDef { offset, .. } => {
                    // only SOM files have these, and they have no do-its
                    return failure(at(
                        src,
                        offset,
                        offset,
                        "a SOM class among chunk-format do-its",
                    ));
                }
            }
        }
        ok()
    }

    /// Runs process `pid` (high priority) until it ends, within
    /// [`FILE_IN_FUEL`]. Events of other processes are kept for `run`.
    fn run_to_end(&mut self, pid: usize) -> Result<(), String> {
        let start = self.vm.insn_count;
        loop {
            match &self.vm.procs[pid].state {
                ProcState::Finished => return Ok(()),
                ProcState::Errored => {
                    let (c, m) = match &self.vm.procs[pid].error {
                        Some(e) => (e.class_name.clone(), e.message.clone()),
                        None => ("Error".into(), String::new()),
                    };
                    self.vm.terminate(pid);
                    return Err(format!("{}: {}", c, m));
                }
                ProcState::Terminated => return Err("the do-it was terminated".into()),
                ProcState::Sleeping(_) => {
                    self.vm.terminate(pid);
                    return Err("a fileIn do-it cannot wait on a Delay in the browser".into());
                }
                _ => {}
            }
            if self.vm.insn_count - start >= FILE_IN_FUEL {
                self.vm.terminate(pid);
                return Err(format!(
                    "the do-it did not finish within {} instructions",
                    FILE_IN_FUEL
                ));
            }
            match self.vm.run(FILE_IN_CHUNK) {
                Outcome::Yielded => {}
                Outcome::Waiting { .. } | Outcome::Idle => {
                    if matches!(self.vm.procs[pid].state, ProcState::Ready) {
                        continue;
                    }
                    if matches!(self.vm.procs[pid].state, ProcState::Sleeping(_)) {
                        continue; // reported above
                    }
                    self.vm.terminate(pid);
                    return Err("the do-it is waiting and nothing can wake it".into());
                }
                ev => self.note(ev),
            }
        }
    }

    /// Turns a process outcome into an event for the page, chaining a
    /// printString process for print-its.
    fn note(&mut self, ev: Outcome) {
        match ev {
            Outcome::Finished { pid, value } => {
                if self.hidden.remove(&pid) {
                    return;
                }
                if let Some(orig) = self.printing.remove(&pid) {
                    let text = self
                        .vm
                        .str_of(value)
                        .unwrap_or_else(|| "<printString did not answer a String>".into());
                    self.pending.push_back(Event::Printed { pid: orig, text });
                } else if self.want_print.remove(&pid) {
                    match self
                        .vm
                        .start_send(value, "printString", &[], WORKSPACE_PRIORITY)
                    {
                        Some(p) => {
                            self.printing.insert(p, pid);
                        }
                        None => {
                            let text = self.vm.quick_print(value);
                            self.pending.push_back(Event::Printed { pid, text });
                        }
                    }
                } else {
                    let value = self.vm.quick_print(value);
                    self.pending.push_back(Event::Finished { pid, value });
                }
            }
            Outcome::Error { pid } => {
                if self.hidden.contains(&pid) {
                    return; // run_to_end sees the state
                }
                let (error_class, message) =
                    match self.vm.procs.get(pid).and_then(|p| p.error.as_ref()) {
                        Some(e) => (e.class_name.clone(), e.message.clone()),
                        None => ("Error".into(), String::new()),
                    };
                if let Some(orig) = self.printing.remove(&pid) {
                    self.vm.terminate(pid);
                    let text = format!("<error printing: {}: {}>", error_class, message);
                    self.pending.push_back(Event::Printed { pid: orig, text });
                } else {
                    self.want_print.remove(&pid);
                    self.pending.push_back(Event::Error {
                        pid,
                        error_class,
                        message,
                    });
                }
            }
            Outcome::Yielded | Outcome::Waiting { .. } | Outcome::Idle => {}
        }
    }

    /// When the page collects: after [`HOST_GC_BYTES`], or later while
    /// the stacks are deep, since every collection scans every frame (a
    /// 200 000-frame runaway recursion costs ~20 ms natively per
    /// collection); `Heap::gc_due` caps it at three quarters of the VM's
    /// own trigger.
    fn host_gc_bytes(&self) -> usize {
        let frames =
            self.vm.frames.len() + self.vm.procs.iter().map(|p| p.frames.len()).sum::<usize>();
        HOST_GC_BYTES.max(frames * HOST_GC_BYTES_PER_FRAME)
    }

    /// The debugger's view of a stack: like [`Vm::inspect_stack`], but it
    /// prints only the frames it shows. `inspect_stack` prints every frame,
    /// which takes hundreds of milliseconds for the 200 000 frames of a
    /// runaway recursion; the page must not stall that long.
    fn stack_inner(&self, pid: usize) -> StackSnapshot {
        let Some(p) = self.vm.procs.get(pid) else {
            return StackSnapshot {
                ok: false,
                pid,
                state: "none",
                error_class: None,
                message: Some(format!("no process {}", pid)),
                frames: vec![],
                elided: 0,
            };
        };
        let (frames, stack) = (self.vm.virtual_frames(pid), self.vm.stack_of(pid));
        let n = frames.len();
        // innermost first: skip the frames of the exception machinery
        let hidden = match &p.error {
            Some(e) if p.state == ProcState::Errored => n.saturating_sub(e.user_frames),
            _ => 0,
        };
        let shown = n - hidden.min(n);
        let elided = shown.saturating_sub(STACK_INNER + STACK_OUTER);
        let snapshot = (hidden..n)
            .filter(|index| {
                let i = index - hidden;
                elided == 0 || i < STACK_INNER || i >= STACK_INNER + elided
            })
            .map(|index| {
                let f = &frames[n - 1 - index];
                let source = f.code.info.source.to_string();
                let span = f.code.span_at((f.pc as usize).saturating_sub(1));
                let temps = f
                    .code
                    .temp_names
                    .iter()
                    .enumerate()
                    .filter(|(_, name)| !name.starts_with('<'))
                    .map(|(i, name)| Temp {
                        name: name.clone(),
                        value: self.vm.quick_print(
                            stack.get(f.bp as usize + i).copied().unwrap_or(Value::NIL),
                        ),
                    })
                    .collect();
                FrameSnapshot {
                    index,
                    start: utf16_index(&source, span.start as usize),
                    end: utf16_index(&source, span.end as usize),
                    name: f.code.print_name(),
                    class_name: f.code.info.class_name.clone(),
                    selector: f.code.info.selector.clone(),
                    version: f.code.info.version,
                    is_block: f.code.is_block,
                    source,
                    receiver: self.vm.quick_print(f.receiver),
                    temps,
                }
            })
            .collect();
        StackSnapshot {
            ok: true,
            pid,
            state: state_name(&p.state),
            error_class: p.error.as_ref().map(|e| e.class_name.clone()),
            message: p.error.as_ref().map(|e| e.message.clone()),
            frames: snapshot,
            elided,
        }
    }

    /// The category of the method `selector` would replace, so an accept
    /// keeps it; new methods get [`NEW_METHOD_CATEGORY`].
    fn category_of(&self, class: &str, meta: bool, selector: Option<&str>) -> String {
        let Some(selector) = selector else {
            return NEW_METHOD_CATEGORY.into();
        };
        self.vm
            .resolve_class(class, meta)
            .and_then(|cid| {
                self.vm.classes[cid as usize]
                    .methods
                    .values()
                    .filter_map(|m| self.vm.method_code(*m))
                    .find(|c| c.info.selector == selector)
                    .map(|c| c.info.category.clone())
            })
            .unwrap_or_else(|| NEW_METHOD_CATEGORY.into())
    }
}

fn to_js<T: Serialize>(v: &T) -> JsValue {
    // Serializing these plain structs cannot fail; answer undefined if
    // it ever does rather than trap.
    serde_wasm_bindgen::to_value(v).unwrap_or(JsValue::UNDEFINED)
}

fn ok() -> Reply {
    Reply {
        ok: true,
        ..Reply::default()
    }
}

fn failure(error: ErrorReport) -> Reply {
    Reply {
        ok: false,
        error: Some(error),
        ..Reply::default()
    }
}

fn message(message: String) -> ErrorReport {
    ErrorReport {
        message,
        ..ErrorReport::default()
    }
}

fn result(r: Result<(), HostError>) -> Reply {
    match r {
        Ok(()) => ok(),
        Err(e) => failure(host_error(e)),
    }
}

fn host_error(e: HostError) -> ErrorReport {
    match e {
        HostError::Compile(c, src) => compile_error_at(&c, &src, &src, 0),
        other => message(other.to_string()),
    }
}

/// The first error of a compile of `source`, which starts at byte
/// `offset` of `whole` (the text the page shows).
fn compile_error_at(e: &CompileError, source: &str, whole: &str, offset: usize) -> ErrorReport {
    match e.errors.first() {
        Some(err) => {
            let start = offset + (err.span.start as usize).min(source.len());
            let end = offset + (err.span.end as usize).clamp(err.span.start as usize, source.len());
            let more = e.errors.len() - 1;
            let mut report = at(whole, start, end, &err.message);
            if more > 0 {
                report.message.push_str(&format!(" (and {} more)", more));
            }
            report
        }
        None => message("compile error".into()),
    }
}

fn at(src: &str, start: usize, end: usize, msg: &str) -> ErrorReport {
    let (line, col) = line_col(src, start);
    ErrorReport {
        message: msg.to_string(),
        line: Some(line),
        col: Some(col),
        start: Some(utf16_index(src, start)),
        end: Some(utf16_index(src, end.max(start))),
    }
}

/// A byte offset of `s` as a UTF-16 index (a JS string index).
fn utf16_index(s: &str, byte: usize) -> usize {
    let mut b = byte.min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    s[..b].encode_utf16().count()
}

/// `Foo` or `Foo class`: how method infos name a class.
fn side_name(class: &str, meta: bool) -> String {
    if meta {
        format!("{} class", class)
    } else {
        class.to_string()
    }
}

fn clamp_fuel(fuel: f64) -> u64 {
    if fuel.is_nan() || fuel < 1.0 {
        1
    } else {
        fuel.min(1e9) as u64
    }
}

fn state_name(s: &ProcState) -> &'static str {
    match s {
        ProcState::Ready => "ready",
        ProcState::Suspended => "suspended",
        ProcState::Errored => "errored",
        ProcState::Waiting => "waiting",
        ProcState::Sleeping(_) => "sleeping",
        ProcState::Finished => "finished",
        ProcState::Terminated => "terminated",
    }
}
