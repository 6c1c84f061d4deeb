//! What the session answers the page: plain structs that derive
//! `Serialize` (camelCase field names, as JavaScript spells them), and the
//! helpers that turn the VM's errors into them with positions a JS string
//! index understands (UTF-16).

use super::HostError;
use crate::compiler::CompileError;
use crate::interp::ProcState;
use crate::syntax::line_col;
use crate::tier::TierEvent;
use serde::Serialize;

/// The answer to a command: `{ ok: true, ... }` or `{ ok: false, error }`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// For accept: the selector of the method installed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    /// For fileIn and accept: `NAME:LINE:COL: warning: ...` lines (an
    /// undeclared variable), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// An error as the page shows it. Compile errors carry their position:
/// 1-based line and column (in characters), and `start..end` in UTF-16
/// code units of the submitted text (what a JS string index means).
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub col: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
}

/// Something that happened to a process during a run.
#[derive(Serialize, Clone, Debug)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Event {
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

/// What one a run call did.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// `yielded` (fuel ran out, more to do), `waiting` (only Delays are
    /// pending; see `until`) or `idle` (nothing can run).
    pub status: &'static str,
    /// For `waiting`: the VM clock (ms) at which a sleeper wakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<f64>,
    /// Instructions executed by this call.
    pub executed: f64,
    /// The VM clock (ms) when the call began its work: `now - startedAt`
    /// is the VM's part of the call; the rest (entering, building this
    /// report, returning) is bounded work, so when the page sees it take a
    /// millisecond or more, the OS or the browser's own garbage collector
    /// took the thread meanwhile.
    pub started_at: f64,
    /// The VM clock (ms) when the call ended.
    pub now: f64,
    /// Garbage collections since the VM was made.
    pub collections: f64,
    /// How long the last collection took (ms, VM clock); 0 before the first.
    pub gc_last_ms: f64,
    /// The longest collection since the VM was made (ms).
    pub gc_max_ms: f64,
    /// How far past its deadline the VM's work ended (ms, VM clock; 0 when
    /// on time or without a deadline): instructions between two readings
    /// of the clock that took long, a collection that took longer than
    /// expected, or the OS running something else meanwhile.
    pub late_ms: f64,
    /// A due collection did not fit before the call's deadline: the next
    /// call starts with it, so give that one a whole slice (the next
    /// frame's).
    pub gc_deferred: bool,
    pub events: Vec<Event>,
    /// What the optimizing tier did since the last call (including
    /// deoptimizations caused by an accept in between), oldest first.
    pub tier_events: Vec<TierEventReport>,
    /// Transcript output produced since the last call, in the order it
    /// was written (the workspace's evaluations' included): its newest
    /// [`super::session::MAX_REPORT_LINES`] lines, [`super::session::MAX_REPORT_OUTPUT`] bytes at most (see
    /// `output_dropped`).
    pub output: String,
    /// Bytes of output produced since the last call but left out of
    /// `output` (the oldest ones). `output` then starts at a line start
    /// (unless what is kept is the end of a single line).
    pub output_dropped: f64,
    /// The part of that output the workspace's evaluations wrote (do-its
    /// and print-its, and the processes they forked): each write to the
    /// Transcript is tagged with its process's origin
    /// (`crate::interp::Transcript`), so this is exact whenever it was
    /// written. Its newest [`super::session::MAX_REPORT_WORKSPACE_LINES`]
    /// lines, [`super::session::MAX_REPORT_WORKSPACE_OUTPUT`] bytes at most:
    /// the program's output cannot crowd it out.
    pub workspace_output: String,
    /// Who wrote `output`, in order: one run per stretch of it one process
    /// wrote, its length in UTF-16 code units (JavaScript string indices),
    /// so the page can colour or filter the Transcript by process. At most
    /// [`super::session::MAX_REPORT_RUNS`]: beyond that, the oldest
    /// stretches are one run of pid 0 (several writers).
    pub output_runs: Vec<OutputRun>,
    /// Bytes of workspace output left out of `workspace_output`.
    pub workspace_output_dropped: f64,
    /// Tier events left out of `tier_events` (the oldest ones).
    pub tier_events_dropped: f64,
    /// The longest time (ms) between two consecutive readings of the clock
    /// during the call, collections aside. The VM reads the clock every
    /// 0.05 to 0.2 ms of its work (`Vm::run_until` adapts the interval),
    /// so a stall of a millisecond or more means that one
    /// primitive ran long or, far more often, that the OS ran something
    /// else meanwhile: the page then knows why the call ended late.
    pub stall_ms: f64,
}

/// A stretch of a report's `output` written by one process.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OutputRun {
    /// The process that wrote it (0: several, see `RunReport::output_runs`).
    pub pid: usize,
    /// That process's origin: the process the host started whose work it
    /// is (the program, or a workspace evaluation).
    pub origin: usize,
    /// Written by a workspace evaluation or a process it forked.
    pub workspace: bool,
    /// Its length in UTF-16 code units.
    pub len: usize,
}

/// One event of the optimizing tier, for the page's event log.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierEventReport {
    /// `optimized`, `inlined`, `deoptimized` or `guardFailed`.
    pub kind: &'static str,
    /// The method the event is about, e.g. `Demo>>methA:`.
    pub method: String,
    /// The whole event as the CLI's `--trace-tier` prints it.
    pub text: String,
}

impl TierEventReport {
    pub fn new(e: &TierEvent) -> TierEventReport {
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

/// The tier state of one method, for the page's tier panel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierMethod {
    /// e.g. `Demo>>methA:`.
    pub method: String,
    /// Optimized code exists now (otherwise it runs interpreted).
    pub optimized: bool,
    /// The callees inlined into the current optimized code, e.g.
    /// `Demo>>methB v2`.
    pub inlined: Vec<String>,
    /// Deoptimizations of this method so far.
    pub deopts: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSource {
    pub selector: String,
    pub version: u32,
    pub category: String,
    pub source: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Temp {
    pub name: String,
    pub value: String,
}

/// Where a method's disassembly came from in its source, as UTF-16
/// ranges `[start, end]` of the source: each pc of its bytecode (which the
/// optimized code's first instructions share), and each inlined scope's
/// send in the method (the Tier pane links the lines to them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisasmSources {
    pub pcs: Vec<[usize; 2]>,
    pub scopes: Vec<[usize; 2]>,
}

/// One frame for the debugger, innermost first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameSnapshot {
    /// Index for `restart` (0 = innermost frame of the whole
    /// stack, including hidden exception machinery).
    pub index: usize,
    pub name: String,
    pub class_name: String,
    pub selector: String,
    pub version: u32,
    pub is_block: bool,
    pub source: String,
    /// The current statement, as a UTF-16 range of `source`.
    pub start: usize,
    pub end: usize,
    pub receiver: String,
    pub temps: Vec<Temp>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackSnapshot {
    pub ok: bool,
    pub pid: usize,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub frames: Vec<FrameSnapshot>,
    /// Frames left out between the innermost and the outermost ones shown
    /// (a runaway recursion has hundreds of thousands).
    pub elided: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessSnapshot {
    pub pid: usize,
    pub name: String,
    pub state: &'static str,
    pub priority: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionCount {
    pub version: u32,
    pub activations: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub version: u32,
    pub source: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KernelChange {
    pub class_name: String,
    pub meta: bool,
    pub selector: String,
    pub category: String,
    pub source: String,
    pub version: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TextReply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DefineReply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// The statements of a method version, as byte spans of its source.
pub type Statements = std::rc::Rc<Vec<(u32, u32)>>;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveFrame {
    pub class_name: String,
    pub meta: bool,
    pub selector: String,
    pub version: u32,
    pub is_block: bool,
    pub start: usize,
    pub end: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// What `takeDrawing` answers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrawingReport {
    pub commands: Vec<crate::interp::prims::draw::DrawCmd>,
    pub dropped: f64,
}

/// The answer to `paintDrawing`: what was painted and what is held back.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PaintReport {
    /// Commands painted.
    pub painted: f64,
    /// Commands held back (a picture not complete yet).
    pub held: f64,
    /// Commands lost because the bounded buffer was full, since the last
    /// take.
    pub dropped: f64,
    /// The last few commands painted (at most 8), for tests and the
    /// curious.
    pub last: Vec<crate::interp::prims::draw::DrawCmd>,
}

/// The answer to `shareLink` and `openLink`.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ShareReply {
    pub ok: bool,
    /// For shareLink: the fragment, `#v1/...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// For openLink: the run expression (not started).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// For openLink: the tier setting, applied to the VM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// For openLink: the classes defined, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
    /// For openLink: how many methods were accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
}

/// The answer to `previewLink`: what opening a link would change.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LinkPreview {
    pub ok: bool,
    /// The link cannot be opened: damaged, of another version, or refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorReport>,
    /// The error is a refusal: the link would break the system.
    pub refused: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The classes the link defines, in order.
    pub classes: Vec<PreviewClass>,
    /// Its methods, in order.
    pub methods: Vec<PreviewMethod>,
    /// How many of the methods add to or change the system's own classes.
    pub kernel_changes: usize,
}

impl LinkPreview {
    pub fn error(msg: String, refused: bool) -> LinkPreview {
        LinkPreview {
            error: Some(message(msg)),
            refused,
            ..LinkPreview::default()
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewClass {
    pub name: String,
    pub superclass: String,
    /// `new`, `changed` (a class of this workspace, redefined) or `same`.
    pub change: &'static str,
    /// One of the system's own classes (only ever `same` here: a link that
    /// redefines one is refused).
    pub kernel: bool,
    /// For `changed`: what changes, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewMethod {
    pub class_name: String,
    pub meta: bool,
    pub selector: String,
    /// `new`, `changed` or `same` (as installed now).
    pub change: &'static str,
    /// A method of one of the system's own classes.
    pub kernel: bool,
    /// For `changed`: the source installed now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_source: Option<String>,
    /// The source the link holds.
    pub source: String,
}

impl ShareReply {
    pub fn error(msg: String) -> ShareReply {
        ShareReply {
            error: Some(message(msg)),
            ..ShareReply::default()
        }
    }
}

pub fn ok() -> Reply {
    Reply {
        ok: true,
        ..Reply::default()
    }
}

pub fn failure(error: ErrorReport) -> Reply {
    Reply {
        ok: false,
        error: Some(error),
        ..Reply::default()
    }
}

pub fn message(message: String) -> ErrorReport {
    ErrorReport {
        message,
        ..ErrorReport::default()
    }
}

pub fn result(r: Result<(), HostError>) -> Reply {
    match r {
        Ok(()) => ok(),
        Err(e) => failure(host_error(e)),
    }
}

pub fn host_error(e: HostError) -> ErrorReport {
    match e {
        HostError::Compile(c, src) => compile_error(&c, &src),
        other => message(other.to_string()),
    }
}

/// The first error of a compile of `source`, placed in it.
pub fn compile_error(e: &CompileError, source: &str) -> ErrorReport {
    match e.first(source.len()) {
        Some((start, end, msg)) => at(source, start, end, &msg),
        None => message("compile error".into()),
    }
}

pub fn at(src: &str, start: usize, end: usize, msg: &str) -> ErrorReport {
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
pub fn utf16_index(s: &str, byte: usize) -> usize {
    let mut b = byte.min(s.len());
    while !s.is_char_boundary(b) {
        b -= 1;
    }
    s[..b].encode_utf16().count()
}

/// `Foo` or `Foo class`: how method infos name a class.
pub fn side_name(class: &str, meta: bool) -> String {
    if meta {
        format!("{} class", class)
    } else {
        class.to_string()
    }
}

pub fn clamp_fuel(fuel: f64) -> u64 {
    if fuel.is_nan() || fuel < 1.0 {
        1
    } else {
        fuel.min(1e9) as u64
    }
}

pub fn state_name(s: &ProcState) -> &'static str {
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
