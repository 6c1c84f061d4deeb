//! What the debugger and the live view read of processes: stacks (the
//! frames shown), steps, the statement each frame is at, the processes,
//! and which versions of a method are running; and the tier's panel.

use super::*;
use crate::host::{StepMode, StepOutcome};
use crate::interp::ProcState;

impl Session {
    /// The disassembly of a method as the CLI's `disasm` prints it: its
    /// bytecode, and when the tier optimized it, the optimized code with
    /// each inlined scope, its guard and its loop kernels; `None` if there
    /// is no such method.
    pub fn disassemble(&mut self, class: &str, meta: bool, selector: &str) -> Option<String> {
        let side = if meta { " class" } else { "" };
        self.vm
            .disassemble(&format!("{}{}>>{}", class, side, selector))
            .ok()
    }

    /// Where the parts of [`Session::disassemble`]'s text came from in the
    /// method's source, in UTF-16 offsets of that source; `None` if there
    /// is no such method.
    pub fn disassembly_sources(
        &mut self,
        class: &str,
        meta: bool,
        selector: &str,
    ) -> Option<DisasmSources> {
        let side = if meta { " class" } else { "" };
        let spec = format!("{}{}>>{}", class, side, selector);
        let map = self.vm.disassembly_source_map(&spec).ok()?;
        let code = self.vm.code_of_spec(&spec).ok()?;
        let source = &code.info.source;
        let js = |s: &crate::syntax::ast::Span| {
            [
                utf16_index(source, s.start as usize),
                utf16_index(source, s.end as usize),
            ]
        };
        Some(DisasmSources {
            pcs: map.pcs.iter().map(js).collect(),
            scopes: map.scopes.iter().map(js).collect(),
        })
    }

    /// Step: runs paused process `pid` to the next statement of its top
    /// frame (over sends; with `into`, stopping in a callee too), or until
    /// the frame returns. Answers `{ ok, outcome }`, `outcome` one of
    /// `stopped`, `finished`, `error`, `blocked` (waits on a Delay or
    /// Semaphore; no longer paused), `limit` (the statement ran over the
    /// step limit; paused where it got to). Output and events come with
    /// the next `run`.
    pub fn step(&mut self, pid: u32, into: bool) -> StepReply {
        let mode = if into { StepMode::Into } else { StepMode::Over };
        match self.vm.step(pid as usize, mode) {
            Ok(o) => StepReply {
                ok: true,
                outcome: Some(match o {
                    StepOutcome::Stopped => "stopped",
                    StepOutcome::Finished => "finished",
                    StepOutcome::Error => "error",
                    StepOutcome::Blocked => "blocked",
                    StepOutcome::Limit => "limit",
                }),
                error: None,
            },
            Err(e) => StepReply {
                ok: false,
                outcome: None,
                error: Some(host_error(e)),
            },
        }
    }

    /// Live highlight: where process `pid` is, sampled between slices:
    /// its innermost frames (at most 8), innermost first, as `{ className,
    /// meta, selector, version, isBlock, start, end }` with the statement
    /// each is at (the top frame: the one its next instruction belongs to)
    /// as a UTF-16 range of the method source; `null` for a process that
    /// has ended. Cheap: no printing, statements cached per version.
    pub fn live_position(&mut self, pid: u32) -> Option<Vec<LiveFrame>> {
        let pid = pid as usize;
        let p = self.vm.procs.get(pid)?;
        if matches!(p.state, ProcState::Finished | ProcState::Terminated) {
            return None;
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
                .or_insert_with(|| std::rc::Rc::new(crate::host::step::code_statements(&f.code)))
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
        Some(out)
    }

    /// The stack of a process for the debugger, innermost first. For a
    /// process stopped on an error, the exception machinery above the
    /// frame that signalled is left out.
    pub fn stack(&self, pid: u32) -> StackSnapshot {
        self.stack_inner(pid as usize)
    }

    /// The processes that have not ended.
    pub fn processes(&self) -> Vec<ProcessSnapshot> {
        let out: Vec<ProcessSnapshot> = self
            .vm
            .procs
            .iter()
            .enumerate()
            .filter(|(pid, p)| {
                !matches!(p.state, ProcState::Finished | ProcState::Terminated)
                    && !self.book.hidden.contains(pid)
            })
            .map(|(pid, p)| ProcessSnapshot {
                pid,
                name: p.name.clone(),
                state: state_name(&p.state),
                priority: p.priority,
                error_class: p.error.as_ref().map(|e| e.class_name.clone()),
            })
            .collect();
        out
    }

    /// How many live activations run each version of a method (R3: old
    /// activations finish old code), by version.
    pub fn active_versions(&self, class: &str, meta: bool, selector: &str) -> Vec<VersionCount> {
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
        out
    }

    /// The tier panel: every installed method the tier has optimized or
    /// deoptimized, sorted by name, as `{ method, optimized, inlined,
    /// deopts }`.
    pub fn tier_report(&self) -> Vec<TierMethod> {
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
        out
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
}
