//! The host API: what the CLI and the page do to a VM — file in, evaluate,
//! accept, remove, run, inspect, restart, proceed, terminate.
//!
//! Every call here happens between two instructions (LIVE.md R1). None
//! of them may panic on bad input: they answer a [`HostError`].

use super::frame::{ProcState, UnwindAction};
use super::sched::USER_PRIORITY;
use super::{HostError, Outcome, Vm};
use crate::fileformat::{read_file_in_as, FileInItem, SOM_COMPAT};
use crate::object::{Body, ClassId, Value};
use crate::syntax::line_col;

/// An error from evaluating source to completion.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// `LINE:COL: message` lines, relative to the evaluated text.
    Compile(String),
    /// An unhandled Smalltalk error; the process is left suspended.
    Runtime {
        pid: usize,
        class_name: String,
        message: String,
        stack: Vec<String>,
    },
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Compile(s) => write!(f, "{}", s),
            EvalError::Runtime {
                class_name,
                message,
                stack,
                ..
            } => {
                write!(f, "{}: {}", class_name, message)?;
                // deep stacks (runaway recursion) are elided in the middle
                let n = stack.len();
                for (i, s) in stack.iter().enumerate() {
                    if n > 40 && i == 30 {
                        write!(f, "\n... {} more frames ...", n - 40)?;
                    }
                    if n > 40 && (30..n - 10).contains(&i) {
                        continue;
                    }
                    write!(f, "\n{}", s)?;
                }
                Ok(())
            }
        }
    }
}

/// A class as the browser lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSummary {
    pub name: String,
    pub superclass: Option<String>,
    pub category: String,
    pub inst_vars: Vec<String>,
    pub class_vars: Vec<String>,
    pub comment: String,
}

/// A method as the browser lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSummary {
    pub selector: String,
    pub category: String,
    /// Version of the installed method (v1 = first accept).
    pub version: u32,
}

/// How many frames, in all processes, run a given method version.
#[derive(Debug, Clone, PartialEq)]
pub struct Activation {
    pub class_name: String,
    pub selector: String,
    pub version: u32,
    pub count: usize,
}

/// Why a fileIn stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum FileInError {
    /// `FILE:LINE:COL: message` — nothing from this chunk was installed.
    Compile(String),
    /// A do-it raised an unhandled error.
    Runtime(String),
}

impl std::fmt::Display for FileInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileInError::Compile(s) | FileInError::Runtime(s) => write!(f, "{}", s),
        }
    }
}

/// One frame of a process's stack, as the debugger shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameInfo {
    /// `Foo>>bar` or `[] in Foo>>bar`.
    pub name: String,
    pub class_name: String,
    pub selector: String,
    pub version: u32,
    pub is_block: bool,
    pub pc: usize,
    /// Byte range in the method source of the current instruction.
    pub span: (usize, usize),
    pub source: String,
    pub receiver: String,
    /// (name, printString) of arguments and temporaries.
    pub temps: Vec<(String, String)>,
}

impl Vm {
    /// Runs until process `pid` finishes or stops on an error, sleeping
    /// for Delays. Other processes run too, as scheduled.
    pub fn run_until_done(&mut self, pid: usize) -> Result<Value, EvalError> {
        loop {
            match self.procs[pid].state {
                ProcState::Finished => return Ok(self.procs[pid].result.unwrap_or(Value::NIL)),
                ProcState::Errored => return Err(self.runtime_error(pid)),
                ProcState::Terminated => {
                    return Err(EvalError::Runtime {
                        pid,
                        class_name: "ProcessTerminated".into(),
                        message: "the process was terminated".into(),
                        stack: vec![],
                    })
                }
                _ => {}
            }
            let outcome = self.run(self.slice);
            if self.deopt_storm {
                self.deopt_all_frames();
            }
            match outcome {
                Outcome::Waiting { until } => {
                    let now = (self.clock)();
                    if until > now {
                        // a page cannot block: its host runs slices per
                        // animation frame instead of calling this
                        #[cfg(target_arch = "wasm32")]
                        return Err(EvalError::Runtime {
                            pid,
                            class_name: "WouldBlock".into(),
                            message: "the process waits on a Delay; run it in slices".into(),
                            stack: self.stack_names(pid),
                        });
                        #[cfg(not(target_arch = "wasm32"))]
                        // at most a second at a time: the loop checks again
                        std::thread::sleep(std::time::Duration::from_secs_f64(
                            ((until - now) / 1000.0).min(1.0),
                        ));
                    }
                }
                Outcome::Idle
                    if !matches!(
                        self.procs[pid].state,
                        ProcState::Finished | ProcState::Errored | ProcState::Terminated
                    ) =>
                {
                    return Err(EvalError::Runtime {
                        pid,
                        class_name: "Deadlock".into(),
                        message: "the process is waiting and nothing can wake it".into(),
                        stack: self.stack_names(pid),
                    });
                }
                _ => {}
            }
        }
    }

    /// The unhandled errors of every process stopped on one but `except`
    /// (a forked process's error, which no caller waits for).
    pub fn unhandled_errors(&mut self, except: Option<usize>) -> Vec<EvalError> {
        let errored: Vec<usize> = (0..self.procs.len())
            .filter(|&p| Some(p) != except && self.procs[p].state == ProcState::Errored)
            .collect();
        errored.into_iter().map(|p| self.runtime_error(p)).collect()
    }

    fn runtime_error(&mut self, pid: usize) -> EvalError {
        let (class_name, message) = match &self.procs[pid].error {
            Some(e) => (e.class_name.clone(), e.message.clone()),
            None => ("Error".into(), String::new()),
        };
        EvalError::Runtime {
            pid,
            class_name,
            message,
            stack: self.stack_names(pid),
        }
    }

    /// `Class>>selector` per frame, innermost first, skipping the
    /// exception machinery above the frame that signalled.
    pub fn stack_names(&self, pid: usize) -> Vec<String> {
        let frames = self.virtual_frames(pid);
        let shown = match &self.procs[pid].error {
            Some(e) if self.procs[pid].state == ProcState::Errored => {
                e.user_frames.min(frames.len())
            }
            _ => frames.len(),
        };
        frames[..shown]
            .iter()
            .rev()
            .map(|f| f.code.print_name())
            .collect()
    }

    /// Evaluates a do-it to completion and answers its value.
    pub fn eval(&mut self, src: &str) -> Result<Value, EvalError> {
        let m = self
            .compile_doit(src)
            .map_err(|e| EvalError::Compile(e.render(src)))?;
        self.note_warnings("<eval>", src, 0);
        let pid = self.start_method(m, Value::NIL, USER_PRIORITY, "do-it");
        self.run_until_done(pid)
    }

    /// Sends `printString` to `v` and answers the text (or a fallback
    /// if printing itself fails).
    pub fn print_string(&mut self, v: Value) -> String {
        match self.try_print_string(v) {
            Ok(s) => s,
            Err(e) => format!("<error printing: {}>", e),
        }
    }

    /// Sends `printString` to `v`: its text, or the error that stopped
    /// it (the printing process is terminated).
    pub fn try_print_string(&mut self, v: Value) -> Result<String, EvalError> {
        self.pinned.push(v);
        let r = match self.start_send(v, "printString", &[], USER_PRIORITY) {
            Some(pid) => match self.run_until_done(pid) {
                Ok(s) => Ok(self
                    .str_of(s)
                    .unwrap_or_else(|| "<printString did not answer a String>".into())),
                Err(e) => {
                    if let EvalError::Runtime { pid, .. } = e {
                        self.terminate(pid);
                    }
                    Err(e)
                }
            },
            None => Ok("<cannot print>".into()),
        };
        self.pinned.pop();
        r
    }

    /// Evaluates and prints (the CLI's `eval`): an error while printing
    /// is an error too.
    pub fn eval_print(&mut self, src: &str) -> Result<String, EvalError> {
        let v = self.eval(src)?;
        self.try_print_string(v)
    }

    /// Installs [`SOM_COMPAT`]'s methods where their class has none of
    /// that selector (a SOM file is being filed in).
    pub fn install_som_compat(&mut self) {
        for (class, selector, source) in SOM_COMPAT {
            let Some(cid) = self.class_named(class) else {
                continue;
            };
            let sel = self.intern(selector);
            if !self.classes[cid as usize].methods.contains_key(&sel) {
                let _ = self.compile_and_install(cid, source, "SOM compatibility", true);
            }
        }
    }

    /// Files in chunk-format or SOM source. Stops at the first error,
    /// reported as `NAME:LINE:COL: message`.
    pub fn file_in(&mut self, name: &str, src: &str) -> Result<(), FileInError> {
        let (items, som) = read_file_in_as(name, src).map_err(|e| {
            let (l, c) = line_col(src, e.offset);
            FileInError::Compile(format!("{}:{}:{}: {}", name, l, c, e.message))
        })?;
        if som {
            self.install_som_compat();
        }
        for item in items {
            match item {
                FileInItem::DoIt { source, offset } => {
                    let m = self.compile_doit(&source).map_err(|e| {
                        let err = &e.errors[0];
                        let (l, c) = line_col(src, offset + err.span.start as usize);
                        FileInError::Compile(format!("{}:{}:{}: {}", name, l, c, err.message))
                    })?;
                    self.note_warnings(name, src, offset);
                    let pid = self.start_method(m, Value::NIL, USER_PRIORITY, "fileIn");
                    if let Err(e) = self.run_until_done(pid) {
                        let (l, c) = line_col(src, offset);
                        return Err(FileInError::Runtime(format!("{}:{}:{}: {}", name, l, c, e)));
                    }
                }
                FileInItem::Method {
                    class,
                    meta,
                    category,
                    source,
                    offset,
                } => {
                    let cid = self.resolve_class(&class, meta).ok_or_else(|| {
                        let (l, c) = line_col(src, offset);
                        FileInError::Compile(format!(
                            "{}:{}:{}: no class named {}",
                            name, l, c, class
                        ))
                    })?;
                    self.compile_and_install(cid, &source, &category, true)
                        .map_err(|e| {
                            let err = &e.errors[0];
                            let (l, c) = line_col(src, offset + err.span.start as usize);
                            FileInError::Compile(format!("{}:{}:{}: {}", name, l, c, err.message))
                        })?;
                    self.note_warnings(name, src, offset);
                }
                FileInItem::ClassDef {
                    name: cname,
                    superclass,
                    inst_vars,
                    class_inst_vars,
                    category,
                    offset,
                } => {
                    let sup = if superclass == "nil" {
                        None
                    } else {
                        Some(self.class_named(&superclass).ok_or_else(|| {
                            let (l, c) = line_col(src, offset);
                            FileInError::Compile(format!(
                                "{}:{}:{}: no class named {}",
                                name, l, c, superclass
                            ))
                        })?)
                    };
                    let fmt = match sup {
                        Some(s) => match self.classes[s as usize].format {
                            super::classes::Format::Special => super::classes::Format::Pointers,
                            f => f,
                        },
                        None => super::classes::Format::Pointers,
                    };
                    let c = self
                        .define_class(&cname, sup, &inst_vars, fmt, &category)
                        .map_err(|e| {
                            let (l, col) = line_col(src, offset);
                            FileInError::Compile(format!("{}:{}:{}: {}", name, l, col, e))
                        })?;
                    if !class_inst_vars.is_empty() {
                        let meta = self.classes[c as usize].partner;
                        let msup = self.classes[meta as usize].superclass;
                        let mut all = msup
                            .map(|s| self.classes[s as usize].inst_vars.clone())
                            .unwrap_or_default();
                        all.extend(class_inst_vars);
                        self.reshape_class(meta, msup, all, super::classes::Format::Special)
                            .map_err(|e| FileInError::Compile(format!("{}: {}", name, e)))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A class by name, or its metaclass.
    pub fn resolve_class(&self, name: &str, meta: bool) -> Option<ClassId> {
        let c = self.class_named(name)?;
        Some(if meta {
            self.classes[c as usize].partner
        } else {
            c
        })
    }

    /// Accept: compiles `source` and installs it in the class as a new
    /// version; on a compile error installs nothing (R2).
    pub fn accept(
        &mut self,
        class: &str,
        meta: bool,
        source: &str,
        category: &str,
    ) -> Result<u32, HostError> {
        let cid = self
            .resolve_class(class, meta)
            .ok_or_else(|| HostError::NoSuchClass(class.to_string()))?;
        let m = self
            .compile_and_install(cid, source, category, true)
            .map_err(|e| HostError::Compile(e, source.to_string()))?;
        Ok(self.method_code(m).map(|c| c.info.version).unwrap_or(0))
    }

    /// Removes a method (R4: later sends fail with doesNotUnderstand:).
    pub fn remove(&mut self, class: &str, meta: bool, selector: &str) -> Result<(), HostError> {
        let cid = self
            .resolve_class(class, meta)
            .ok_or_else(|| HostError::NoSuchClass(class.to_string()))?;
        if self.remove_method(cid, selector) {
            Ok(())
        } else {
            Err(HostError::NoSuchMethod(format!("{}>>{}", class, selector)))
        }
    }

    /// Starts evaluating `src` as a new process (not run yet).
    pub fn start(&mut self, src: &str, priority: u8) -> Result<usize, HostError> {
        let m = self
            .compile_doit(src)
            .map_err(|e| HostError::Compile(e, src.to_string()))?;
        Ok(self.start_method(m, Value::NIL, priority, src))
    }

    fn check_pid(&self, pid: usize) -> Result<(), HostError> {
        if pid < self.procs.len() {
            Ok(())
        } else {
            Err(HostError::NoSuchProcess(pid))
        }
    }

    /// Pauses a process (it keeps its stack).
    pub fn pause(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        if self.procs[pid].state == ProcState::Ready {
            if self.active == pid {
                self.block_active(ProcState::Suspended);
            } else {
                self.procs[pid].state = ProcState::Suspended;
                self.dequeue(pid);
            }
        }
        Ok(())
    }

    /// Resumes a paused process, or proceeds one stopped on an error (the
    /// signal answers nil, as Squeak's debugger Proceed does).
    pub fn resume(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        match self.procs[pid].state {
            ProcState::Suspended | ProcState::Errored => {
                self.procs[pid].error = None;
                self.make_ready(pid);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn terminate_process(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        self.materialize_process(pid);
        self.terminate(pid);
        Ok(())
    }

    /// Restarts frame `index` (0 = innermost) of a process (R8): unwinds
    /// the frames above it, running ensure: blocks, and starts it again
    /// with the method now installed for its selector.
    pub fn restart_frame(&mut self, pid: usize, index: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        // `index` counts the frames the host showed: one per inlined scope
        self.materialize_process(pid);
        let n = if pid == self.active {
            self.frames.len()
        } else {
            self.procs[pid].frames.len()
        };
        if index >= n {
            return Err(HostError::NoSuchFrame(index));
        }
        let state = self.procs[pid].state.clone();
        if matches!(state, ProcState::Finished | ProcState::Terminated) {
            return Err(HostError::Invalid("the process has ended".into()));
        }
        if self.active != pid {
            self.switch_to_for_unwind(pid);
        }
        let serial = self.frames[n - 1 - index].serial;
        self.unwind(serial, UnwindAction::Restart);
        self.procs[pid].error = None;
        if matches!(state, ProcState::Errored | ProcState::Suspended) {
            // keep it paused: the user presses resume
            self.block_active(ProcState::Suspended);
        }
        Ok(())
    }

    /// The stack of a process for the debugger, innermost first.
    pub fn inspect_stack(&mut self, pid: usize) -> Result<Vec<FrameInfo>, HostError> {
        self.check_pid(pid)?;
        let frames = self.virtual_frames(pid);
        let stack = self.stack_of(pid);
        let mut out = Vec::new();
        for f in frames.iter().rev() {
            let span = f.code.span_at((f.pc as usize).saturating_sub(1));
            let mut temps = Vec::new();
            for (i, name) in f.code.temp_names.iter().enumerate() {
                if name.starts_with('<') {
                    continue;
                }
                let v = stack.get(f.bp as usize + i).copied().unwrap_or(Value::NIL);
                temps.push((name.clone(), self.quick_print(v)));
            }
            out.push(FrameInfo {
                name: f.code.print_name(),
                class_name: f.code.info.class_name.clone(),
                selector: f.code.info.selector.clone(),
                version: f.code.info.version,
                is_block: f.code.is_block,
                pc: f.pc as usize,
                span: (span.start as usize, span.end as usize),
                source: f.code.info.source.to_string(),
                receiver: self.quick_print(f.receiver),
                temps,
            });
        }
        Ok(out)
    }

    /// A short description of a value without running Smalltalk code
    /// (safe to call while a process is suspended anywhere).
    pub fn quick_print(&self, v: Value) -> String {
        if let Some(i) = v.as_int() {
            return i.to_string();
        }
        if let Some(c) = v.as_char() {
            return format!("${}", char::from_u32(c).unwrap_or('?'));
        }
        if v == Value::NIL {
            return "nil".into();
        }
        if v == Value::TRUE {
            return "true".into();
        }
        if v == Value::FALSE {
            return "false".into();
        }
        let class = self.class_of(v);
        let cname = self.classes[class as usize].name.clone();
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Float(f)) => super::prims::format_float(*f),
            Some(Body::Large(b)) => b.to_string(),
            Some(Body::Bytes(b)) if class == self.k.byte_symbol => {
                format!("#{}", b.iter().map(|&c| c as char).collect::<String>())
            }
            Some(Body::Bytes(b)) if self.inherits_from(class, self.k.string) => {
                let s: String = b.iter().map(|&c| c as char).collect();
                format!("'{}'", s.replace('\'', "''"))
            }
            Some(Body::Class { .. }) => {
                cname.trim_end_matches(" class").to_string()
                    + if self.classes[class as usize].is_meta && cname.ends_with(" class class") {
                        " class"
                    } else {
                        ""
                    }
            }
            _ => {
                let article = if cname.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                format!("{} {}", article, cname)
            }
        }
    }

    /// The disassembly of `Class>>selector` (or `Class class>>selector`):
    /// header, bytecode, literals, and each block's code.
    pub fn disassemble(&mut self, spec: &str) -> Result<String, HostError> {
        let (cls, sel) = spec
            .split_once(">>")
            .ok_or_else(|| HostError::Invalid("expected Class>>selector".into()))?;
        let (name, meta) = match cls.trim().strip_suffix(" class") {
            Some(n) => (n, true),
            None => (cls.trim(), false),
        };
        let cid = self
            .resolve_class(name, meta)
            .ok_or_else(|| HostError::NoSuchClass(name.to_string()))?;
        let selv = self.intern(sel.trim());
        let m = self.classes[cid as usize]
            .methods
            .get(&selv)
            .copied()
            .ok_or_else(|| HostError::NoSuchMethod(spec.to_string()))?;
        let code = self
            .method_code(m)
            .ok_or_else(|| HostError::NoSuchMethod(spec.to_string()))?;
        let mut out = String::new();
        self.disassemble_code(&code, &mut out);
        Ok(out)
    }

    fn disassemble_code(&self, code: &crate::object::Code, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            out,
            "{} (v{}) args {} temps {}{}",
            code.print_name(),
            code.info.version,
            code.num_args,
            code.num_temps,
            if code.info.primitive != 0 {
                format!(
                    " primitive {}",
                    super::prims::primitive_name(code.info.primitive)
                )
            } else {
                String::new()
            }
        );
        let lit = |i: u16| {
            let v = match code.literals.get(i as usize) {
                Some(v) => *v,
                None => return "?".into(),
            };
            // a global's binding shows as its name
            if self.class_of(v) == self.k.association {
                return self.str_of(self.slot(v, 0)).unwrap_or_else(|| "?".into());
            }
            self.quick_print(v)
        };
        let class = |id: u32| {
            self.classes
                .get(id as usize)
                .map_or_else(|| format!("class {}", id), |c| c.name.clone())
        };
        let names = crate::bytecode::Names {
            lit: &lit,
            class: &class,
        };
        out.push_str(&crate::bytecode::disassemble(&code.ops, &names));
        // the tier's code, through the same printer (same pc space)
        let t = code.tier.borrow();
        if let Some(o) = &t.opt {
            let ops: Vec<crate::bytecode::Op> = o.ops.iter().map(|c| c.get()).collect();
            let inlined = o.inlined.borrow();
            let _ = writeln!(
                out,
                "optimized (deopts {}{}):",
                t.deopts,
                if inlined.is_empty() {
                    String::new()
                } else {
                    format!(", inlined {}", inlined.join(", "))
                }
            );
            // the caller's pc space, then each inlined callee that sends
            // (its body runs in the caller's frame; `InlineEnter` at the
            // send jumps there)
            let canon = o.canon_len.min(ops.len());
            out.push_str(&crate::bytecode::disassemble(&ops[..canon], &names));
            for (i, sc) in o.scopes.iter().enumerate() {
                // (a block's receiver slot holds its closure)
                let (what, slot) = match (sc.block, sc.maker_frame) {
                    (true, true) => (", a block made here".to_string(), "closure"),
                    (true, false) => (", a block".to_string(), "closure"),
                    (false, _) => (format!(" for {}", class(sc.class)), "self"),
                };
                let _ = writeln!(
                    out,
                    "inlined scope {}: {} v{}{} (its {} is t{}; back at {}):",
                    i,
                    sc.code.print_name(),
                    sc.code.info.version,
                    what,
                    slot,
                    sc.off.wrapping_sub(1),
                    sc.ret
                );
                if let Some(g) = &sc.guard {
                    let _ = writeln!(out, "  guard clause, on the tag shortcut: {}", g);
                }
                // its sends are the optimized code's sites (no literals)
                let (start, end) = (sc.start.min(ops.len()), sc.end.min(ops.len()));
                out.push_str(&crate::bytecode::disassemble_at(
                    &ops[start..end],
                    start,
                    &names,
                ));
            }
            // the loops run an iteration at a time (`Op::Loop`)
            for (i, k) in o.kernels.iter().enumerate() {
                let _ = writeln!(out, "loop kernel {}: {}", i, k);
            }
        }
        drop(t);
        for b in &code.blocks {
            out.push('\n');
            self.disassemble_code(b, out);
        }
    }

    /// FileOut: the named classes (definitions, comments, class-side
    /// instance variables and every method, by category) in chunk format,
    /// which `file_in` reads back to the same classes.
    pub fn file_out(&self, class_names: &[&str]) -> Result<String, HostError> {
        use crate::fileformat::{file_out, ClassOut, MethodOut};
        let mut out = Vec::new();
        for name in class_names {
            let cid = self
                .class_named(name)
                .ok_or_else(|| HostError::NoSuchClass(name.to_string()))?;
            let info = &self.classes[cid as usize];
            let meta = &self.classes[info.partner as usize];
            let meta_inherited = meta
                .superclass
                .map(|s| self.classes[s as usize].inst_vars.len())
                .unwrap_or(0);
            let mut methods = Vec::new();
            for (is_meta, c) in [(false, info), (true, meta)] {
                let mut ms: Vec<(String, MethodOut)> = c
                    .methods
                    .values()
                    .filter_map(|m| self.method_code(*m))
                    .map(|code| {
                        (
                            code.info.selector.clone(),
                            MethodOut {
                                meta: is_meta,
                                category: code.info.category.clone(),
                                source: code.info.source.to_string(),
                            },
                        )
                    })
                    .collect();
                ms.sort_by(|a, b| (&a.1.category, &a.0).cmp(&(&b.1.category, &b.0)));
                methods.extend(ms.into_iter().map(|(_, m)| m));
            }
            out.push(ClassOut {
                name: info.name.clone(),
                superclass: info
                    .superclass
                    .map(|s| self.classes[s as usize].name.clone())
                    .unwrap_or_else(|| "nil".into()),
                inst_vars: info.own_inst_vars(self).to_vec(),
                class_vars: info.class_vars.iter().map(|(n, _)| n.clone()).collect(),
                class_inst_vars: meta.inst_vars[meta_inherited.min(meta.inst_vars.len())..]
                    .to_vec(),
                category: info.category.clone(),
                comment: if info.comment.is_empty() {
                    None
                } else {
                    Some(info.comment.clone())
                },
                methods,
            });
        }
        Ok(file_out(&out, &[]))
    }

    /// Every class (not metaclasses), sorted by name.
    pub fn list_classes(&self) -> Vec<ClassSummary> {
        let mut out: Vec<ClassSummary> = self
            .classes
            .iter()
            .filter(|c| !c.is_meta)
            .map(|c| ClassSummary {
                name: c.name.clone(),
                superclass: c.superclass.map(|s| self.classes[s as usize].name.clone()),
                category: c.category.clone(),
                inst_vars: c.own_inst_vars(self).to_vec(),
                class_vars: c.class_vars.iter().map(|(n, _)| n.clone()).collect(),
                comment: c.comment.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The methods of a class (or its metaclass), sorted by selector.
    pub fn list_methods(&self, class: &str, meta: bool) -> Result<Vec<MethodSummary>, HostError> {
        let cid = self
            .resolve_class(class, meta)
            .ok_or_else(|| HostError::NoSuchClass(class.to_string()))?;
        let mut out: Vec<MethodSummary> = self.classes[cid as usize]
            .methods
            .values()
            .filter_map(|m| self.method_code(*m))
            .map(|c| MethodSummary {
                selector: c.info.selector.clone(),
                category: c.info.category.clone(),
                version: c.info.version,
            })
            .collect();
        out.sort_by(|a, b| a.selector.cmp(&b.selector));
        Ok(out)
    }

    /// The source of the installed method.
    pub fn method_source(
        &mut self,
        class: &str,
        meta: bool,
        selector: &str,
    ) -> Result<String, HostError> {
        let cid = self
            .resolve_class(class, meta)
            .ok_or_else(|| HostError::NoSuchClass(class.to_string()))?;
        let sel = self.intern(selector);
        self.classes[cid as usize]
            .methods
            .get(&sel)
            .and_then(|m| self.method_code(*m))
            .map(|c| c.info.source.to_string())
            .ok_or_else(|| HostError::NoSuchMethod(format!("{}>>{}", class, selector)))
    }

    /// Live activations per method version, over all unfinished processes
    /// (block frames count for their home method). The playground badges
    /// methods whose old versions are still running.
    pub fn activations(&self) -> Vec<Activation> {
        let mut counts: std::collections::BTreeMap<(String, String, u32), usize> =
            Default::default();
        for (pid, p) in self.procs.iter().enumerate() {
            if matches!(p.state, ProcState::Finished | ProcState::Terminated) {
                continue;
            }
            for f in self.virtual_frames(pid).iter() {
                let i = &f.code.info;
                *counts
                    .entry((i.class_name.clone(), i.selector.clone(), i.version))
                    .or_default() += 1;
            }
        }
        counts
            .into_iter()
            .map(|((class_name, selector, version), count)| Activation {
                class_name,
                selector,
                version,
                count,
            })
            .collect()
    }

    /// Takes the Transcript output produced so far.
    pub fn take_transcript(&mut self) -> String {
        std::mem::take(&mut self.transcript)
    }
}

/// How far [`Vm::step`] runs a paused process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMode {
    /// To the next statement of the top frame, running whole any sends it
    /// makes; or to the caller, just after the top frame returned.
    Over,
    /// Like `Over`, but stop too at the first instruction of a method or
    /// block the top frame calls.
    Into,
}

/// Where [`Vm::step`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// At a statement boundary (or just after a return); still paused.
    Stopped,
    /// The process returned from its bottom frame.
    Finished,
    /// The process stopped on an unhandled error (reported by the next
    /// `run`, like any error).
    Error,
    /// The process waits (a Delay or a Semaphore) and is no longer paused:
    /// it goes on when what it waits for happens.
    Blocked,
    /// The statement did not end within [`MAX_STEP_INSTRUCTIONS`]; the
    /// process is paused wherever it got to.
    Limit,
}

/// Instructions one step may run, so that stepping over an endless loop
/// cannot freeze the host.
pub const MAX_STEP_INSTRUCTIONS: u64 = 100_000;

/// The statements of the method (or do-it) `code` belongs to, including
/// those inside blocks, as byte spans of its source.
pub fn code_statements(code: &crate::object::Code) -> Vec<(u32, u32)> {
    // do-its are compiled with category "doits" and version 0
    let doit = code.info.version == 0 && code.info.category == "doits";
    statement_spans(&code.info.source, doit)
}

/// The statements of a method source (a do-it's if `doit`), including
/// those inside blocks, as byte spans (empty if the source does not parse).
pub fn statement_spans(source: &str, doit: bool) -> Vec<(u32, u32)> {
    use crate::syntax::ast::{Expr, Stmt};
    fn expr(e: &Expr, out: &mut Vec<(u32, u32)>) {
        match e {
            Expr::Literal(..) | Expr::Var(_) => {}
            Expr::Assign { value, .. } => expr(value, out),
            Expr::Send(s) => {
                expr(&s.receiver, out);
                s.message.args.iter().for_each(|a| expr(a, out));
            }
            Expr::Cascade { first, rest, .. } => {
                expr(&first.receiver, out);
                first.message.args.iter().for_each(|a| expr(a, out));
                rest.iter()
                    .flat_map(|m| m.args.iter())
                    .for_each(|a| expr(a, out));
            }
            Expr::Block(b) => stmts(&b.body, out),
            Expr::Brace(es, _) => es.iter().for_each(|a| expr(a, out)),
        }
    }
    fn stmts(body: &[Stmt], out: &mut Vec<(u32, u32)>) {
        for s in body {
            let span = s.span();
            out.push((span.start, span.end));
            match s {
                Stmt::Expr(e) | Stmt::Return(e, _) => expr(e, out),
            }
        }
    }
    let parsed = if doit {
        crate::syntax::parse_doit(source)
    } else {
        crate::syntax::parse_method(source)
    };
    let mut out = Vec::new();
    if let Ok(m) = parsed {
        stmts(&m.body, &mut out);
    }
    out
}

/// The innermost statement of `stmts` that contains the instruction span
/// `at`; the instruction's own span if none does.
pub fn statement_of(stmts: &[(u32, u32)], at: (u32, u32)) -> (u32, u32) {
    stmts
        .iter()
        .filter(|(s, e)| *s <= at.0 && at.1 <= *e)
        .min_by_key(|(s, e)| e - s)
        .copied()
        .unwrap_or(at)
}

/// True if statement `s` contains other statements of `stmts`.
fn is_container(stmts: &[(u32, u32)], s: (u32, u32)) -> bool {
    stmts.iter().any(|o| *o != s && s.0 <= o.0 && o.1 <= s.1)
}

impl Vm {
    /// The statement a frame is at: for the top frame of a paused process
    /// the one its next instruction belongs to (`next`), for the others
    /// the one whose send is in progress.
    pub fn frame_statement(
        frame: &super::frame::Frame,
        stmts: &[(u32, u32)],
        next: bool,
    ) -> (u32, u32) {
        let pc = if next {
            frame.pc as usize
        } else {
            (frame.pc as usize).saturating_sub(1)
        };
        let s = frame.code.span_at(pc);
        statement_of(stmts, (s.start, s.end))
    }

    /// Step (LIVE.md's debugger, issue 4): runs paused process `pid`, and
    /// nothing else, until its top frame reaches the next statement, or
    /// returns (`Over`), or calls a method or block (`Into`). Between two
    /// instructions like everything else (R1): the fuel-1 run the golden
    /// suite already checks. Other processes keep their places; their
    /// events stay queued for the host.
    pub fn step(&mut self, pid: usize, mode: StepMode) -> Result<StepOutcome, HostError> {
        use super::run::NO_PROC;
        self.check_pid(pid)?;
        if self.procs[pid].state != ProcState::Suspended {
            return Err(HostError::Invalid(
                "only a paused process can be stepped".into(),
            ));
        }
        // stepping goes statement by statement through the interpreter's
        // frames, inlined callees included
        self.materialize_process(pid);
        let (depth0, serial0, stmts, stmt0) = {
            let frames = self.frames_of(pid);
            let Some(top) = frames.last() else {
                return Err(HostError::Invalid("the process has no frames".into()));
            };
            let stmts = code_statements(&top.code);
            let stmt0 = Vm::frame_statement(top, &stmts, true);
            (frames.len(), top.serial, stmts, stmt0)
        };
        // set everything else aside: the active process back in front of
        // its queue, the queues, the sleepers and undelivered events
        let a = self.active;
        if a != NO_PROC {
            self.save_active();
            if self.procs[a].state == ProcState::Ready {
                self.enqueue(a, true);
            }
        }
        let saved_ready = std::mem::replace(&mut self.ready, vec![Default::default(); 81]);
        self.sync_queued();
        let saved_sleepers = std::mem::take(&mut self.sleepers);
        let saved_events = std::mem::take(&mut self.events);
        self.make_ready(pid);
        let mut forwarded = Vec::new();
        let start = self.insn_count;
        let outcome = loop {
            if self.insn_count - start >= MAX_STEP_INSTRUCTIONS {
                break StepOutcome::Limit;
            }
            let ran = self.run(1);
            if self.active == pid {
                self.materialize_process(pid);
            }
            match ran {
                Outcome::Yielded => {}
                ev @ Outcome::Finished { pid: p, .. } => {
                    forwarded.push(ev);
                    if p == pid {
                        break StepOutcome::Finished;
                    }
                    continue;
                }
                ev @ Outcome::Error { pid: p } => {
                    forwarded.push(ev);
                    if p == pid {
                        break StepOutcome::Error;
                    }
                    continue;
                }
                Outcome::Waiting { .. } | Outcome::Idle => {
                    if self.procs[pid].state == ProcState::Ready {
                        continue;
                    }
                    break StepOutcome::Blocked;
                }
            }
            if self.active != pid {
                match self.procs[pid].state {
                    ProcState::Ready => continue, // a process it made ready runs first
                    ProcState::Finished => break StepOutcome::Finished,
                    ProcState::Errored => break StepOutcome::Error,
                    _ => break StepOutcome::Blocked,
                }
            }
            let d = self.frames.len();
            let Some(top) = self.frames.last() else {
                continue;
            };
            if d < depth0 || (d == depth0 && top.serial != serial0) {
                break StepOutcome::Stopped;
            }
            if d > depth0 {
                if mode == StepMode::Into {
                    break StepOutcome::Stopped;
                }
                continue;
            }
            let now = Vm::frame_statement(top, &stmts, true);
            // a statement holding others (`[c] whileTrue: [...]`) is not
            // a boundary of its own: its loop jumps are not a step
            if now != stmt0 && !is_container(&stmts, now) {
                break StepOutcome::Stopped;
            }
        };
        // pid was checked on entry
        let _ = self.pause(pid);
        // put the others back, with what became ready or asleep meanwhile
        let during = std::mem::replace(&mut self.ready, saved_ready);
        self.sync_queued();
        for p in during.into_iter().flatten() {
            if p != pid {
                self.enqueue(p, false);
            }
        }
        let slept = std::mem::replace(&mut self.sleepers, saved_sleepers);
        for p in slept {
            if !self.sleepers.contains(&p) {
                self.sleepers.push(p);
            }
        }
        let queued = std::mem::replace(&mut self.events, saved_events);
        self.events.extend(queued);
        self.events.extend(forwarded);
        Ok(outcome)
    }

    /// The top frame of a process and the statement it is at (next to
    /// run): (`Class>>selector`, version, statement as a byte span of the
    /// method source, the source).
    pub fn step_position(&self, pid: usize) -> Option<(String, u32, (u32, u32), String)> {
        self.procs.get(pid)?;
        let frames = self.virtual_frames(pid);
        let top = frames.last()?;
        let source = top.code.info.source.to_string();
        let stmts = code_statements(&top.code);
        let at = Vm::frame_statement(top, &stmts, true);
        Some((top.code.print_name(), top.code.info.version, at, source))
    }
}
