//! Changing the code: file in (the one fileIn driver), accept, remove,
//! file out. A failed compile installs nothing (LIVE.md R2).

use super::HostError;
use crate::compiler::CompileError;
use crate::fileformat::{read_file_in_as, FileInItem, SOM_COMPAT};
use crate::interp::classes::Format;
use crate::interp::{Vm, USER_PRIORITY};
use crate::object::{ClassId, Code, Value};
use crate::syntax::line_col;
use std::rc::Rc;

/// Why a fileIn stopped. Nothing from the chunk it names was installed;
/// what came before it was.
#[derive(Debug, Clone, PartialEq)]
pub struct FileInError {
    pub kind: FileInErrorKind,
    /// The file's name, as given to [`Vm::file_in`].
    pub file: String,
    /// What went wrong, without its position.
    pub message: String,
    /// Where: a byte range of the file, and its 1-based line and column.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileInErrorKind {
    /// The file does not parse, a chunk does not compile, or names a
    /// class that does not exist.
    Compile,
    /// A do-it stopped on an error (or did not finish).
    Runtime,
}

impl FileInError {
    fn new(
        kind: FileInErrorKind,
        file: &str,
        src: &str,
        start: usize,
        end: usize,
        message: String,
    ) -> Self {
        let (line, col) = line_col(src, start);
        FileInError {
            kind,
            file: file.to_string(),
            message,
            start,
            end: end.max(start),
            line,
            col,
        }
    }

    /// A compile error of the chunk `source`, which starts at byte `at`
    /// of the file `src`.
    fn compile(file: &str, src: &str, source: &str, at: usize, e: &CompileError) -> Self {
        let (start, end, message) = e
            .first(source.len())
            .unwrap_or((0, 0, "compile error".into()));
        let kind = FileInErrorKind::Compile;
        Self::new(kind, file, src, at + start, at + end, message)
    }
}

/// `FILE:LINE:COL: message`.
impl std::fmt::Display for FileInError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Category given to a method accepted without one, when it replaces none.
pub const NEW_METHOD_CATEGORY: &str = "as yet unclassified";

/// What [`Vm::accept`] installed.
pub struct Accepted {
    pub selector: String,
    pub version: u32,
    /// The method it replaced, if any (still running where it ran: R3).
    pub replaced: Option<Rc<Code>>,
}

/// What a byte of source is expected to cost at least once defined
/// ([`Vm::source_fits`]).
pub const SOURCE_EXPANSION: usize = 4;

impl Vm {
    /// A VM with the kernel loaded: from the kernel snapshot built into
    /// the binary (`crate::snapshot::KERNEL`) or, if that is refused
    /// (stale or damaged), by compiling the kernel sources, with the
    /// reason in [`Vm::snapshot_refused`].
    pub fn new() -> Result<Vm, String> {
        Vm::with_snapshot(crate::snapshot::KERNEL)
    }

    /// [`Vm::new`] from the kernel snapshot `bytes`.
    pub fn with_snapshot(bytes: &[u8]) -> Result<Vm, String> {
        match crate::snapshot::decode(bytes) {
            Ok(vm) => Ok(vm),
            Err(why) => {
                let mut vm = Vm::from_sources()?;
                vm.snapshot_refused = Some(format!(
                    "the kernel snapshot was refused ({why}); the kernel sources were compiled instead"
                ));
                Ok(vm)
            }
        }
    }

    /// A VM with the kernel compiled from its sources: what a kernel
    /// snapshot holds.
    pub fn from_sources() -> Result<Vm, String> {
        let mut vm = Vm::bare();
        vm.load_kernel()?;
        Ok(vm)
    }

    /// Loads the kernel sources compiled into the binary, with the tier
    /// off (the tier starts cold, as from a snapshot), and collects what
    /// their do-its left behind.
    fn load_kernel(&mut self) -> Result<(), String> {
        let tier = std::mem::replace(&mut self.tier, crate::interp::TierMode::Off);
        for (name, src) in crate::kernel::SOURCES {
            self.file_in(name, src)
                .map_err(|e| format!("kernel {}", e))?;
        }
        self.tier = tier;
        // (its forward references are defined by now)
        self.warnings.clear();
        self.collect_garbage();
        let fresh = crate::object::Heap::new(0);
        self.heap.gc_last_ms = fresh.gc_last_ms;
        self.heap.gc_max_ms = fresh.gc_max_ms;
        self.heap.gc_total_ms = fresh.gc_total_ms;
        self.heap.gc_estimate_ms = fresh.gc_estimate_ms;
        self.note_kernel_methods();
        Ok(())
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

    /// Files in chunk-format or SOM source, running its do-its to
    /// completion ([`Vm::run_until_done`]: other processes run too, and a
    /// Delay sleeps). Stops at the first error.
    pub fn file_in(&mut self, name: &str, src: &str) -> Result<(), FileInError> {
        self.file_in_with(name, src, &mut |vm, m| {
            let pid = vm.start_method(m, Value::NIL, USER_PRIORITY, "fileIn");
            vm.run_until_done(pid)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    /// The fileIn driver: installs the classes and methods of a
    /// chunk-format or SOM file in order, and hands each do-it, compiled,
    /// to `run_doit`, whose error stops the fileIn. Undeclared variables
    /// are noted as warnings at their place in the file.
    /// Refuses source that cannot fit in the heap before any of it is
    /// defined: compiled, source takes about [`SOURCE_EXPANSION`] times its
    /// size (its text, the code, names and tables; the kernel's takes 7).
    pub fn source_fits(&self, bytes: usize) -> Result<(), String> {
        let need = bytes.saturating_mul(SOURCE_EXPANSION);
        let free = self.heap.limit.saturating_sub(self.heap.used());
        if need > free {
            return Err(format!(
                "too large for the heap: {} bytes of source need about {} bytes, {} are free (limit {})",
                bytes, need, free, self.heap.limit
            ));
        }
        Ok(())
    }

    pub fn file_in_with(
        &mut self,
        name: &str,
        src: &str,
        run_doit: &mut dyn FnMut(&mut Vm, Value) -> Result<(), String>,
    ) -> Result<(), FileInError> {
        use FileInErrorKind::{Compile, Runtime};
        self.source_fits(src.len())
            .map_err(|msg| FileInError::new(Compile, name, src, 0, 0, msg))?;
        let (items, som) = read_file_in_as(name, src)
            .map_err(|e| FileInError::new(Compile, name, src, e.offset, e.offset, e.message))?;
        if som {
            self.install_som_compat();
        }
        for item in items {
            match item {
                FileInItem::DoIt { source, offset } => {
                    let m = self
                        .compile_doit(&source)
                        .map_err(|e| FileInError::compile(name, src, &source, offset, &e))?;
                    self.note_warnings(name, src, offset);
                    run_doit(self, m)
                        .map_err(|msg| FileInError::new(Runtime, name, src, offset, offset, msg))?;
                }
                FileInItem::Method {
                    class,
                    meta,
                    category,
                    source,
                    offset,
                } => {
                    let no_class = || format!("no class named {}", class);
                    let cid = self.resolve_class(&class, meta).ok_or_else(|| {
                        FileInError::new(Compile, name, src, offset, offset, no_class())
                    })?;
                    self.compile_and_install(cid, &source, &category, true)
                        .map_err(|e| FileInError::compile(name, src, &source, offset, &e))?;
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
                    let fail = |m: String| FileInError::new(Compile, name, src, offset, offset, m);
                    let sup = if superclass == "nil" {
                        None
                    } else {
                        Some(
                            self.class_named(&superclass)
                                .ok_or_else(|| fail(format!("no class named {}", superclass)))?,
                        )
                    };
                    let fmt = match sup {
                        Some(s) => match self.classes[s as usize].format {
                            Format::Special => Format::Pointers,
                            f => f,
                        },
                        None => Format::Pointers,
                    };
                    let c = self
                        .define_class(&cname, sup, &inst_vars, fmt, &category)
                        .map_err(|e| fail(e.to_string()))?;
                    if !class_inst_vars.is_empty() {
                        let meta = self.classes[c as usize].partner;
                        let msup = self.classes[meta as usize].superclass;
                        let mut all = msup
                            .map(|s| self.classes[s as usize].inst_vars.to_vec())
                            .unwrap_or_default();
                        all.extend(class_inst_vars);
                        self.reshape_class(meta, msup, all, Format::Special)
                            .map_err(|e| fail(e.to_string()))?;
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
    /// version; on a compile error installs nothing (R2). Without a
    /// `category` the method keeps the one of the method it replaces
    /// ([`NEW_METHOD_CATEGORY`] if none).
    pub fn accept(
        &mut self,
        class: &str,
        meta: bool,
        source: &str,
        category: Option<&str>,
    ) -> Result<Accepted, HostError> {
        let cid = self
            .resolve_class(class, meta)
            .ok_or_else(|| HostError::NoSuchClass(class.to_string()))?;
        let compile_error =
            |errors| HostError::Compile(CompileError { errors }, source.to_string());
        let ast = crate::syntax::parse_method(source).map_err(compile_error)?;
        let sel = self.intern(&ast.selector);
        let replaced = self.classes[cid as usize]
            .methods
            .get(&sel)
            .and_then(|m| self.method_code(*m));
        let category = match (category, &replaced) {
            (Some(c), _) => c.to_string(),
            (None, Some(old)) => old.info.category.clone(),
            (None, None) => NEW_METHOD_CATEGORY.to_string(),
        };
        let m = self
            .install_parsed(cid, &ast, source, &category, true)
            .map_err(|e| HostError::Compile(e, source.to_string()))?;
        let side = if meta { " class" } else { "" };
        self.note_warnings(&format!("{}{}>>{}", class, side, ast.selector), source, 0);
        Ok(Accepted {
            selector: ast.selector,
            version: self.method_code(m).map(|c| c.info.version).unwrap_or(0),
            replaced,
        })
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
                class_inst_vars: meta.inst_vars.skip(meta_inherited),
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
}
