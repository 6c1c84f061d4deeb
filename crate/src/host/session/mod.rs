//! The playground's session: a VM plus what the page needs beside it.
//!
//! - the method history and the kernel's own versions (what the user
//!   changed, for export): this file;
//! - the processes the host runs itself (fileIn do-its, hidden), the
//!   print-its, and time-sliced runs that report events, output, tier
//!   events and collections in bounded [`RunReport`]s: [`run`];
//! - the debugger's and the live view's reads of processes: [`debug`].
//!
//! `crate::wasm` binds each method to JavaScript in one line; everything
//! here runs natively too (`tests/session.rs`). Nothing here may panic on
//! input or block: errors are answered as values, nothing sleeps, and any
//! Smalltalk code the session runs on its own (fileIn do-its) runs with a
//! fuel limit.

mod debug;
mod run;

use super::edit::FileInErrorKind;
use super::report::*;
use super::{ClassSummary, FileInError, MethodSummary};
use crate::fileformat::read_file_in;
use crate::interp::TierMode;
use crate::object::Value;
use crate::Vm;
use run::{run_to_end, Book, ClockWatch};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Priority of the program started with Run (Squeak's user priority).
pub const PROGRAM_PRIORITY: u8 = 40;
/// Workspace do-its and print-its run above the program, so that they
/// finish while an endless loop runs (processes of one priority are not
/// time-sliced).
pub const WORKSPACE_PRIORITY: u8 = 50;
/// FileIn do-its run above everything the user started.
pub const FILE_IN_PRIORITY: u8 = 70;
/// Instructions a fileIn do-it may take before it is stopped, so that a
/// do-it that never ends cannot freeze the page.
pub const FILE_IN_FUEL: u64 = 20_000_000;
/// Fuel per `Vm::run` call inside a synchronous fileIn.
pub const FILE_IN_CHUNK: u64 = 100_000;
/// The page collects garbage itself, at a slice boundary, once this many
/// bytes were allocated, or [`HOST_GC_OBJECTS`] objects made
/// (`Vm::collect_if_due`: where the collection fits before the call's
/// deadline, else at the start of the next call). A pause is marking the
/// live objects (the kernel's among them, about a millisecond in wasm)
/// and sweeping the table: by bytes, a program that makes big Arrays
/// collects about as often as in one call (the sieve collected 13 times
/// instead of once when this was 1 MiB, a quarter of its time); by
/// objects, one that makes many small ones keeps every sweep short.
pub const HOST_GC_BYTES: usize = 6 << 20;
/// ...or once this many objects were made since the last collection.
pub const HOST_GC_OBJECTS: usize = 32 * 1024;
/// ...scaled up for deep stacks: bytes allocated per frame on the stacks.
pub const HOST_GC_BYTES_PER_FRAME: usize = 64;
/// A run report carries at most this many lines of the Transcript output
/// (the newest)...
pub const MAX_REPORT_LINES: usize = 500;
/// ...and at most this many bytes (whole lines where it can). The page
/// shows the last 500 lines only, and a report must cost the page a
/// bounded amount of work: a loop printing short lines writes ~50 KiB (8000
/// lines) per 8 ms slice, and turning that into JS strings made garbage
/// enough for the JS collector to pause the page for several ms at a time.
pub const MAX_REPORT_OUTPUT: usize = 64 * 1024;
/// The output workspace evaluations wrote, reported on its own
/// (`workspaceOutput`) so that the program's output cannot crowd it out:
/// at most this many lines (the newest)...
pub const MAX_REPORT_WORKSPACE_LINES: usize = 100;
/// ...and this many bytes.
pub const MAX_REPORT_WORKSPACE_OUTPUT: usize = 16 * 1024;
/// ...its writers in at most this many runs (`outputRuns`; a run per
/// switch between writers, so a storm of switches cannot make one report
/// long)...
pub const MAX_REPORT_RUNS: usize = 500;
/// ...and at most this many tier events (the newest; the page's log keeps
/// 200). A deoptimization storm cannot make one report long.
pub const MAX_REPORT_TIER_EVENTS: usize = 100;
/// A stack snapshot shows this many innermost frames...
pub const STACK_INNER: usize = 50;
/// ...and this many outermost ones.
pub const STACK_OUTER: usize = 10;

/// Frames `live_position` answers.
pub const LIVE_FRAMES: usize = 8;

/// Versions kept per method in the history.
const MAX_HISTORY: usize = 100;

/// A Livetalk VM with the kernel loaded, and the page's state beside it.
pub struct Session {
    pub vm: Vm,
    /// The processes the session runs or prints for, and their events.
    book: Book,
    /// The classes the kernel defined (everything else is the user's).
    kernel_classes: HashSet<String>,
    /// The version of every kernel method after the kernel loaded, by
    /// (class, selector): a different version is a change of the user's.
    kernel_versions: HashMap<(String, String), u32>,
    /// Method history: (class name, selector) → (version, source), oldest
    /// first, as seen by `accept` and `method_history`.
    history: HashMap<(String, String), Vec<(u32, String)>>,
    /// Statement spans per method version, for `live_position`.
    stmt_cache: HashMap<(String, String, u32), Statements>,
    /// Sees every reading of the VM's clock (stalls in a run report).
    watch: Rc<ClockWatch>,
}

impl Session {
    /// Makes a VM and loads the kernel.
    pub fn new() -> Result<Session, String> {
        let mut vm = Vm::new()?;
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
        Ok(Session {
            vm,
            book: Book::default(),
            kernel_classes,
            kernel_versions,
            history: HashMap::new(),
            stmt_cache: HashMap::new(),
            watch,
        })
    }

    /// Files in chunk-format (or SOM) source. Do-its run to completion
    /// with a fuel limit ([`FILE_IN_FUEL`]); one that waits on a Delay or
    /// runs too long is stopped and reported as an error. Stops at the
    /// first error, with its position in the file.
    pub fn file_in(&mut self, name: &str, src: &str) -> Reply {
        let book = &mut self.book;
        let r = self.vm.file_in_with(name, src, &mut |vm, m| {
            let pid = vm.start_method(m, Value::NIL, FILE_IN_PRIORITY, "fileIn");
            book.hidden.insert(pid);
            run_to_end(vm, book, pid)
        });
        match r {
            Ok(()) => Reply {
                ok: true,
                warnings: self.vm.take_warnings(),
                ..Reply::default()
            },
            Err(e) => failure(file_in_error(&e, src)),
        }
    }

    /// Accept: compiles `source` and installs it in `class` (its
    /// metaclass if `meta`) as a new version, in the category of the
    /// method it replaces. A compile error installs nothing and is
    /// answered with its position (R2). The replaced version joins the
    /// method's history, then the new one.
    pub fn accept(&mut self, class: &str, meta: bool, source: &str) -> Reply {
        match self.vm.accept(class, meta, source, None) {
            Ok(a) => {
                let key = (side_name(class, meta), a.selector.clone());
                if let Some(old) = &a.replaced {
                    remember(&mut self.history, key, old.info.version, &old.info.source);
                }
                self.note_history(class, meta, &a.selector);
                Reply {
                    ok: true,
                    version: Some(a.version),
                    selector: Some(a.selector),
                    warnings: self.vm.take_warnings(),
                    ..Reply::default()
                }
            }
            Err(e) => failure(host_error(e)),
        }
    }

    /// The versions of a method this page has seen, oldest first, as
    /// `[{ version, source }]`, the installed one last (empty if there is
    /// no such method). Versions installed by other means (a fileIn, a
    /// `compile:` send) appear once they were installed at an accept or a
    /// call of this.
    pub fn method_history(&mut self, class: &str, meta: bool, selector: &str) -> Vec<HistoryEntry> {
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
        out
    }

    /// "New class": evaluates a class definition such as `Object subclass:
    /// #Foo instanceVariableNames: '' classVariableNames: '' package:
    /// 'Demo'` (any expression that answers a class), within a fuel
    /// limit. Answers `{ ok, name }` or `{ ok: false, error }` (a compile
    /// error with its position).
    pub fn define_class(&mut self, source: &str) -> DefineReply {
        self.define_class_inner(source)
    }

    /// The definition of a class as the browser shows it (the chunk
    /// format's `subclass:` message), or `null`.
    pub fn class_definition(&self, name: &str) -> Option<String> {
        let Ok(text) = self.vm.file_out(&[name]) else {
            return None;
        };
        // the first chunk is the definition
        let def = text.split("!\n").next().unwrap_or("").replace("!!", "!");
        Some(def.trim_end().to_string())
    }

    /// The classes the user defined (not the kernel's), superclasses
    /// first.
    pub fn workspace_classes(&self) -> Vec<String> {
        self.user_classes()
    }

    /// Methods of kernel classes the user accepted (changed or added), as
    /// `[{ className, meta, selector, category, source, version }]`.
    pub fn changed_kernel_methods(&self) -> Vec<KernelChange> {
        self.kernel_changes()
    }

    /// Export: the user's classes (definitions and every method) and the
    /// kernel methods the user changed, as a chunk-format `.st` file that
    /// `importFile` (or `livetalk run`) reads back: `{ ok, text }`.
    pub fn export_workspace(&self) -> TextReply {
        match self.export_text() {
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
        }
    }

    /// Import: files in a chunk-format `.st` file. It is first tried in a
    /// scratch VM holding this workspace, so that a bad file (a syntax or
    /// compile error, an unknown class, a failing do-it) changes nothing:
    /// `{ ok: false, error }` with the error's line and column in the
    /// file. Answers `{ ok: true }` once everything is installed.
    pub fn import_file(&mut self, name: &str, text: &str) -> Reply {
        if let Err(e) = read_file_in(name, text) {
            return failure(at(text, e.offset, e.offset, &e.message));
        }
        let trial = (|| -> Result<(), ErrorReport> {
            let mut scratch =
                Session::new().map_err(|_| message("cannot make a scratch VM".into()))?;
            let here = self.export_text().map_err(message)?;
            if let Some(e) = scratch.file_in("workspace", &here).error {
                return Err(message(format!(
                    "the workspace itself does not file in: {}",
                    e.message
                )));
            }
            match scratch.file_in(name, text).error {
                Some(e) => Err(e),
                None => Ok(()),
            }
        })();
        if let Err(e) = trial {
            return failure(e);
        }
        self.file_in(name, text)
    }

    /// Removes a method: later sends fail with doesNotUnderstand: (R4).
    pub fn remove(&mut self, class: &str, meta: bool, selector: &str) -> Reply {
        match self.vm.remove(class, meta, selector) {
            Ok(()) => ok(),
            Err(e) => failure(host_error(e)),
        }
    }

    /// `off`, `on` or `eager`.
    pub fn set_tier(&mut self, mode: &str) -> Reply {
        let m = match mode {
            "off" => TierMode::Off,
            "on" => TierMode::On,
            "eager" => TierMode::Eager,
            other => return failure(message(format!("unknown tier mode {}", other))),
        };
        self.vm.tier = m;
        ok()
    }

    /// Whether loop kernels run compiled to WebAssembly, where the host
    /// can compile (the browser); on by default.
    pub fn set_kernel_jit(&mut self, on: bool) {
        self.vm.jit_kernels = on;
    }

    /// A share link (`#v1/...`) for the named classes (definitions and
    /// all their methods), the run expression and the tier setting:
    /// `{ ok, link }` or `{ ok: false, error }`.
    pub fn share_link(&self, classes: Vec<String>, run: &str, tier: &str) -> ShareReply {
        let names: Vec<&str> = classes.iter().map(|s| s.as_str()).collect();
        match super::share::capture(&self.vm, &names, run, tier) {
            Ok(ws) => ShareReply {
                ok: true,
                link: Some(super::share::encode(&ws)),
                ..ShareReply::default()
            },
            Err(e) => ShareReply::error(e),
        }
    }

    /// Opens a share link: defines its classes and accepts its methods
    /// into this VM and applies its tier setting, but runs nothing (the
    /// page starts `run` when the user presses Run). Answers `{ ok, run,
    /// tier, classes, methods }` or `{ ok: false, error }`.
    pub fn open_link(&mut self, link: &str) -> ShareReply {
        let ws = match super::share::decode(link) {
            Ok(ws) => ws,
            Err(e) => return ShareReply::error(e.to_string()),
        };
        let kernel = &self.kernel_classes;
        let defs = match super::share::check_superclasses(&self.vm, &ws)
            .and_then(|()| super::share::check_safe(&self.vm, &ws, &|n| kernel.contains(n)))
            .and_then(|()| {
                super::share::definitions(&super::share::without_unchanged_classes(&self.vm, &ws))
            }) {
            Ok(d) => d,
            Err(e) => return ShareReply::error(e),
        };
        let r = self.file_in("share link", &defs);
        if let Some(e) = r.error {
            return ShareReply::error(e.message);
        }
        if let Err(e) = super::share::accept_methods(&mut self.vm, &ws) {
            return ShareReply::error(e);
        }
        self.vm.tier = match ws.settings.tier.as_str() {
            "off" => TierMode::Off,
            "eager" => TierMode::Eager,
            _ => TierMode::On,
        };
        ShareReply {
            ok: true,
            run: Some(ws.run.clone()),
            tier: Some(ws.settings.tier.clone()),
            classes: Some(ws.classes.iter().map(|c| c.name.clone()).collect()),
            methods: Some(ws.methods.len()),
            ..ShareReply::default()
        }
    }

    /// What opening a share link would change, without changing anything:
    /// the classes it defines (new, or redefined), each of its methods as
    /// new, changed (with the source installed now) or the same, and which
    /// of them belong to the system's own classes (kernel methods). A link
    /// that `open_link` would refuse (damaged, of an unknown version, or
    /// unsafe: see `share::check_safe`) answers `{ ok: false, error }`,
    /// with `refused` for an unsafe one.
    pub fn preview_link(&self, link: &str) -> LinkPreview {
        let ws = match super::share::decode(link) {
            Ok(ws) => ws,
            Err(e) => return LinkPreview::error(e.to_string(), false),
        };
        if let Err(e) = super::share::check_superclasses(&self.vm, &ws) {
            return LinkPreview::error(e, false);
        }
        let kernel = &self.kernel_classes;
        if let Err(e) = super::share::check_safe(&self.vm, &ws, &|n| kernel.contains(n)) {
            return LinkPreview::error(e, true);
        }
        let classes = ws
            .classes
            .iter()
            .map(|c| {
                let old = super::share::class_def(&self.vm, &c.name);
                PreviewClass {
                    name: c.name.clone(),
                    superclass: c.superclass.clone(),
                    change: match &old {
                        None => "new",
                        Some(o) if super::share::redefinition(o, c).is_some() => "changed",
                        Some(_) => "same",
                    },
                    kernel: self.kernel_classes.contains(&c.name),
                    what: old.and_then(|o| super::share::redefinition(&o, c)),
                }
            })
            .collect();
        let methods: Vec<PreviewMethod> = ws
            .methods
            .iter()
            .map(|m| {
                let selector = crate::syntax::parse_method(&m.source)
                    .map(|a| a.selector)
                    .unwrap_or_else(|_| m.source.lines().next().unwrap_or("").trim().to_string());
                let old = self
                    .method_source(&m.class, m.meta, &selector)
                    .map(|o| o.source);
                PreviewMethod {
                    class_name: m.class.clone(),
                    meta: m.meta,
                    change: match &old {
                        None => "new",
                        Some(o) if o.trim_end() != m.source.trim_end() => "changed",
                        Some(_) => "same",
                    },
                    selector,
                    kernel: self.kernel_classes.contains(&m.class),
                    old_source: old.filter(|o| o.trim_end() != m.source.trim_end()),
                    source: m.source.clone(),
                }
            })
            .collect();
        LinkPreview {
            ok: true,
            run: Some(ws.run.clone()),
            tier: Some(ws.settings.tier.clone()),
            kernel_changes: methods
                .iter()
                .filter(|m| m.kernel && m.change != "same")
                .count(),
            classes,
            methods,
            ..LinkPreview::default()
        }
    }

    /// Every class (not metaclasses), sorted by name.
    pub fn classes(&self) -> Vec<ClassSummary> {
        self.vm.list_classes()
    }

    /// The methods of a class (or its metaclass), sorted by selector;
    /// `None` if there is no such class.
    pub fn methods(&self, class: &str, meta: bool) -> Option<Vec<MethodSummary>> {
        self.vm.list_methods(class, meta).ok()
    }

    /// The installed source and version of a method, or `null`.
    pub fn method_source(&self, class: &str, meta: bool, selector: &str) -> Option<MethodSource> {
        let cid = self.vm.resolve_class(class, meta)?;
        let found = self.vm.classes[cid as usize]
            .methods
            .values()
            .filter_map(|m| self.vm.method_code(*m))
            .find(|c| c.info.selector == selector);
        found.map(|c| MethodSource {
            selector: c.info.selector.clone(),
            version: c.info.version,
            category: c.info.category.clone(),
            source: c.info.source.to_string(),
        })
    }

    /// Instructions executed since the VM was made.
    pub fn instruction_count(&self) -> f64 {
        self.vm.insn_count as f64
    }

    /// Sends performed since the VM was made (for sends/s figures).
    pub fn send_count(&self) -> f64 {
        self.vm.send_count as f64
    }

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
        let v = code.info.version;
        remember(
            &mut self.history,
            (side_name(class, meta), selector.to_string()),
            v,
            &code.info.source,
        );
    }

    fn define_class_inner(&mut self, source: &str) -> DefineReply {
        let fail = |error: ErrorReport| DefineReply {
            error: Some(error),
            ..DefineReply::default()
        };
        let m = match self.vm.compile_doit(source) {
            Ok(m) => m,
            Err(e) => return fail(compile_error(&e, source)),
        };
        let pid = self
            .vm
            .start_method(m, Value::NIL, FILE_IN_PRIORITY, "define class");
        self.book.hidden.insert(pid);
        if let Err(msg) = run_to_end(&mut self.vm, &mut self.book, pid) {
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
}

/// Adds a version of a method to its history (once), the newest last.
fn remember(
    history: &mut HashMap<(String, String), Vec<(u32, String)>>,
    key: (String, String),
    version: u32,
    source: &str,
) {
    let h = history.entry(key).or_default();
    if h.last().map(|(last, _)| *last) != Some(version) {
        h.retain(|(old, _)| *old != version);
        h.push((version, source.to_string()));
        if h.len() > MAX_HISTORY {
            h.remove(0);
        }
    }
}

/// A fileIn error as the page shows it: where it is in the file; a do-it
/// that failed names its place in the message too.
fn file_in_error(e: &FileInError, src: &str) -> ErrorReport {
    let mut r = at(src, e.start, e.end, &e.message);
    if e.kind == FileInErrorKind::Runtime {
        r.message = e.to_string();
    }
    r
}
