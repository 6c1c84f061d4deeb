//! The JavaScript face of the VM: one opaque handle, [`LiveVm`], that the
//! playground page (`www/`) drives between animation frames.
//!
//! Every method is one line over [`Session`] (`crate::host::session`),
//! which holds the logic and runs natively too; answers cross the boundary
//! as the session's report structs through serde-wasm-bindgen. Nothing
//! here may panic on JS input or block.

use crate::host::session::Session;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A Livetalk VM with the kernel loaded, driven from JavaScript.
#[wasm_bindgen]
pub struct LiveVm {
    s: Session,
    /// Set by [`LiveVm::crash_next_slice`]: the next `runFor` panics.
    crash_armed: bool,
}

#[wasm_bindgen]
impl LiveVm {
    /// Makes a VM and loads the kernel (from the kernel snapshot; if that
    /// is refused, from the sources, with a warning on the console).
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<LiveVm, JsError> {
        console_error_panic_hook::set_once();
        let s = Session::new().map_err(|e| JsError::new(&e))?;
        if let Some(why) = &s.vm.snapshot_refused {
            web_sys::console::warn_1(&JsValue::from_str(why));
        }
        Ok(LiveVm {
            s,
            crash_armed: false,
        })
    }

    /// Files in chunk-format (or SOM) source. Do-its run to completion
    /// with a fuel limit; one that waits on a Delay or runs too long is
    /// stopped and reported as an error. Stops at the first error.
    #[wasm_bindgen(js_name = fileIn)]
    pub fn file_in(&mut self, name: &str, source: &str) -> JsValue {
        to_js(&self.s.file_in(name, source))
    }

    /// Accept: compiles `source` and installs it in `class` (its
    /// metaclass if `meta`) as a new version. A compile error installs
    /// nothing and is answered with its position (R2).
    pub fn accept(&mut self, class: &str, meta: bool, source: &str) -> JsValue {
        to_js(&self.s.accept(class, meta, source))
    }

    /// The versions of a method this page has seen, oldest first, as
    /// `[{ version, source }]`, the installed one last (empty if there is
    /// no such method). Versions installed by other means (a fileIn, a
    /// `compile:` send) appear once they were installed at an accept or a
    /// call of this.
    #[wasm_bindgen(js_name = methodHistory)]
    pub fn method_history(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.method_history(class, meta, selector))
    }

    /// "New class": evaluates a class definition such as `Object subclass:
    /// #Foo instanceVariableNames: '' classVariableNames: '' package:
    /// 'Demo'` (any expression that answers a class), within a fuel
    /// limit. Answers `{ ok, name }` or `{ ok: false, error }` (a compile
    /// error with its position).
    #[wasm_bindgen(js_name = defineClass)]
    pub fn define_class(&mut self, source: &str) -> JsValue {
        to_js(&self.s.define_class(source))
    }

    /// The definition of a class as the browser shows it (the chunk
    /// format's `subclass:` message), or `null`.
    #[wasm_bindgen(js_name = classDefinition)]
    pub fn class_definition(&self, name: &str) -> JsValue {
        to_js(&self.s.class_definition(name))
    }

    /// The classes the user defined (not the kernel's), superclasses
    /// first.
    #[wasm_bindgen(js_name = workspaceClasses)]
    pub fn workspace_classes(&self) -> Vec<String> {
        self.s.workspace_classes()
    }

    /// Methods of kernel classes the user accepted (changed or added), as
    /// `[{ className, meta, selector, category, source, version }]`.
    #[wasm_bindgen(js_name = changedKernelMethods)]
    pub fn changed_kernel_methods(&self) -> JsValue {
        to_js(&self.s.changed_kernel_methods())
    }

    /// Export: the user's classes (definitions and every method) and the
    /// kernel methods the user changed, as a chunk-format `.st` file that
    /// `importFile` (or `livetalk run`) reads back: `{ ok, text }`.
    #[wasm_bindgen(js_name = exportWorkspace)]
    pub fn export_workspace(&self) -> JsValue {
        to_js(&self.s.export_workspace())
    }

    /// Import: files in a chunk-format `.st` file. It is first tried in a
    /// scratch VM holding this workspace, so that a bad file (a syntax or
    /// compile error, an unknown class, a failing do-it) changes nothing:
    /// `{ ok: false, error }` with the error's line and column in the
    /// file. Answers `{ ok: true }` once everything is installed.
    #[wasm_bindgen(js_name = importFile)]
    pub fn import_file(&mut self, name: &str, text: &str) -> JsValue {
        to_js(&self.s.import_file(name, text))
    }

    /// Removes a method: later sends fail with doesNotUnderstand: (R4).
    pub fn remove(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.remove(class, meta, selector))
    }

    /// Starts `expr` as the program process (not run until `run`).
    pub fn start(&mut self, expr: &str) -> JsValue {
        to_js(&self.s.start(expr))
    }

    /// Starts a workspace do-it (or, with `print`, a print-it) as a
    /// process above the program's priority. Its result arrives as a
    /// `finished` (or `printed`) event from `run`.
    pub fn evaluate(&mut self, source: &str, print: bool) -> JsValue {
        to_js(&self.s.evaluate(source, print))
    }

    /// Runs at most `fuel` instructions of the ready processes and
    /// reports what happened, with the Transcript output produced.
    pub fn run(&mut self, fuel: f64) -> JsValue {
        to_js(&self.s.run(fuel))
    }

    /// Like `run`, and also stops once `ms` milliseconds have passed on
    /// the VM clock (`performance.now()`): the VM reads the clock every
    /// few thousand instructions, so a time slice ends on time whatever
    /// the code does (a fuel estimate cannot follow code whose speed
    /// changes). A report's `now` is that clock.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&mut self, ms: f64, fuel: f64) -> JsValue {
        if self.crash_armed {
            panic!("a crash asked for by crashNextSlice (a test of the page's recovery)");
        }
        to_js(&self.s.run_for(ms, fuel))
    }

    /// Makes the next `runFor` panic, as a bug in the VM would: the wasm
    /// instance traps (`unreachable`) and cannot be used again. For the
    /// page's test of how it recovers (`www/js/recover.js`); only
    /// JavaScript can call it, no Smalltalk code or input reaches it.
    #[wasm_bindgen(js_name = crashNextSlice)]
    pub fn crash_next_slice(&mut self) {
        self.crash_armed = true;
    }

    /// Pauses a process; it keeps its stack.
    pub fn pause(&mut self, pid: u32) -> JsValue {
        to_js(&self.s.pause(pid))
    }

    /// Resumes a paused process, or proceeds one stopped on an error
    /// (the failed operation answers nil, as Squeak's Proceed does).
    pub fn resume(&mut self, pid: u32) -> JsValue {
        to_js(&self.s.resume(pid))
    }

    /// Terminates a process, running its `ensure:` blocks.
    pub fn terminate(&mut self, pid: u32) -> JsValue {
        to_js(&self.s.terminate(pid))
    }

    /// Restarts frame `frame` (an `index` from `stack`) of a process with
    /// the method now installed for its selector (R8). A process stopped
    /// on an error stays suspended until `resume`.
    pub fn restart(&mut self, pid: u32, frame: u32) -> JsValue {
        to_js(&self.s.restart(pid, frame))
    }

    /// Step: runs paused process `pid` to the next statement of its top
    /// frame (over sends; with `into`, stopping in a callee too), or until
    /// the frame returns. Answers `{ ok, outcome }`, `outcome` one of
    /// `stopped`, `finished`, `error`, `blocked` (waits on a Delay or
    /// Semaphore; no longer paused), `limit` (the statement ran over the
    /// step limit; paused where it got to). Output and events come with
    /// the next `run`.
    pub fn step(&mut self, pid: u32, into: bool) -> JsValue {
        to_js(&self.s.step(pid, into))
    }

    /// Live highlight: where process `pid` is, sampled between slices:
    /// its innermost frames (at most 8), innermost first, as `{ className,
    /// meta, selector, version, isBlock, start, end }` with the statement
    /// each is at (the top frame: the one its next instruction belongs to)
    /// as a UTF-16 range of the method source; `null` for a process that
    /// has ended. Cheap: no printing, statements cached per version.
    #[wasm_bindgen(js_name = livePosition)]
    pub fn live_position(&mut self, pid: u32) -> JsValue {
        to_js(&self.s.live_position(pid))
    }

    /// Takes the Transcript output not yet reported.
    #[wasm_bindgen(js_name = takeTranscript)]
    pub fn take_transcript(&mut self) -> String {
        self.s.take_transcript()
    }

    /// Takes the Canvas drawing commands not yet taken, oldest first:
    /// `{ commands: [{ op: 'clear' | 'color' | 'fillRect' | 'fillCircle' |
    /// 'line' | 'text', ... }], dropped }`. `dropped` counts commands lost
    /// because the bounded buffer was full since the last take.
    #[wasm_bindgen(js_name = takeDrawing)]
    pub fn take_drawing(&mut self) -> JsValue {
        to_js(&self.s.take_drawing())
    }

    /// Paints the Canvas drawing commands of whole pictures onto `ctx` (a
    /// `width` × `height` canvas) from the VM (web-sys): those before the
    /// last `clear`, or with `whole` all of them; the rest are held back
    /// for a later call. No command crosses to JavaScript (twice as fast
    /// as `takeDrawing` and painting in JS: `tests/web.rs`). Answers `{
    /// painted, held, dropped, last }` (`last`: the last 8 painted).
    #[wasm_bindgen(js_name = paintDrawing)]
    pub fn paint_drawing(
        &mut self,
        ctx: &web_sys::CanvasRenderingContext2d,
        width: f64,
        height: f64,
        whole: bool,
    ) -> JsValue {
        to_js(
            &self
                .s
                .take_pictures(whole, |cmds| crate::paint::paint(ctx, cmds, width, height)),
        )
    }

    /// `off`, `on` or `eager`.
    #[wasm_bindgen(js_name = setTier)]
    pub fn set_tier(&mut self, mode: &str) -> JsValue {
        to_js(&self.s.set_tier(mode))
    }

    /// Whether loop kernels run compiled to WebAssembly (on by default);
    /// off, they are interpreted, as natively.
    #[wasm_bindgen(js_name = setKernelJit)]
    pub fn set_kernel_jit(&mut self, on: bool) {
        self.s.set_kernel_jit(on);
    }

    /// A share link (`#v1/...`) for the named classes (definitions and
    /// all their methods), the run expression and the tier setting:
    /// `{ ok, link }` or `{ ok: false, error }`.
    #[wasm_bindgen(js_name = shareLink)]
    pub fn share_link(&self, classes: Vec<String>, run: &str, tier: &str) -> JsValue {
        to_js(&self.s.share_link(classes, run, tier))
    }

    /// Opens a share link: defines its classes and accepts its methods
    /// into this VM and applies its tier setting, but runs nothing (the
    /// page starts `run` when the user presses Run). Answers `{ ok, run,
    /// tier, classes, methods }` or `{ ok: false, error }`.
    #[wasm_bindgen(js_name = openLink)]
    pub fn open_link(&mut self, link: &str) -> JsValue {
        to_js(&self.s.open_link(link))
    }

    /// What opening a share link would change, changing nothing: `{ ok,
    /// run, tier, classes: [{ name, superclass, change, kernel, what }],
    /// methods: [{ className, meta, selector, change, kernel, oldSource,
    /// source }], kernelChanges }`, `change` one of `new`, `changed`,
    /// `same`; or `{ ok: false, error, refused }` for a link `openLink`
    /// would not open (`refused`: it would break the system).
    #[wasm_bindgen(js_name = previewLink)]
    pub fn preview_link(&self, link: &str) -> JsValue {
        to_js(&self.s.preview_link(link))
    }

    /// The tier panel: every installed method the tier has optimized or
    /// deoptimized, sorted by name, as `{ method, optimized, inlined,
    /// deopts }`.
    #[wasm_bindgen(js_name = tierReport)]
    pub fn tier_report(&self) -> JsValue {
        to_js(&self.s.tier_report())
    }

    /// Every class (not metaclasses), sorted by name.
    pub fn classes(&self) -> JsValue {
        to_js(&self.s.classes())
    }

    /// The methods of a class (or its metaclass), sorted by selector;
    /// `null` if there is no such class.
    pub fn methods(&self, class: &str, meta: bool) -> JsValue {
        to_js(&self.s.methods(class, meta))
    }

    /// The installed source and version of a method, or `null`.
    #[wasm_bindgen(js_name = methodSource)]
    pub fn method_source(&self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.method_source(class, meta, selector))
    }

    /// The stack of a process for the debugger, innermost first. For a
    /// process stopped on an error, the exception machinery above the
    /// frame that signalled is left out.
    pub fn stack(&self, pid: u32) -> JsValue {
        to_js(&self.s.stack(pid))
    }

    /// The processes that have not ended.
    pub fn processes(&self) -> JsValue {
        to_js(&self.s.processes())
    }

    /// How many live activations run each version of a method (R3: old
    /// activations finish old code), by version.
    #[wasm_bindgen(js_name = activeVersions)]
    pub fn active_versions(&self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.active_versions(class, meta, selector))
    }

    /// The disassembly of a method (bytecode, and the optimized code with
    /// its inlined scopes and guards when the tier optimized it), or `null`.
    pub fn disassemble(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.disassemble(class, meta, selector))
    }

    /// Where the disassembly's parts came from in the method's source:
    /// `{ pcs: [[start, end], ...], scopes: [[start, end], ...] }` (UTF-16
    /// ranges), or `null`.
    #[wasm_bindgen(js_name = disassemblySources)]
    pub fn disassembly_sources(&mut self, class: &str, meta: bool, selector: &str) -> JsValue {
        to_js(&self.s.disassembly_sources(class, meta, selector))
    }

    /// Instructions executed since the VM was made.
    #[wasm_bindgen(js_name = instructionCount)]
    pub fn instruction_count(&self) -> f64 {
        self.s.instruction_count()
    }

    /// Sends performed since the VM was made (for sends/s figures).
    #[wasm_bindgen(js_name = sendCount)]
    pub fn send_count(&self) -> f64 {
        self.s.send_count()
    }
}

/// A report as a JS value; `None` (no such class, method or process)
/// becomes `null`.
fn to_js<T: Serialize>(v: &T) -> JsValue {
    let s = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    // Serializing these plain structs cannot fail; answer undefined if
    // it ever does rather than trap.
    v.serialize(&s).unwrap_or(JsValue::UNDEFINED)
}
