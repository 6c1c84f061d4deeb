//! Changing the code: file in (the one fileIn driver), accept, remove,
//! file out. A failed compile installs nothing (LIVE.md R2).

use super::HostError;
use crate::fileformat::{read_file_in_as, FileInItem, SOM_COMPAT};
use crate::interp::classes::Format;
use crate::interp::{Vm, USER_PRIORITY};
use crate::object::{ClassId, Value};
use crate::syntax::line_col;

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

impl Vm {
    /// A VM with the kernel loaded.
    pub fn new() -> Result<Vm, String> {
        let mut vm = Vm::bare();
        vm.load_kernel()?;
        Ok(vm)
    }

    /// Loads the kernel sources compiled into the binary.
    fn load_kernel(&mut self) -> Result<(), String> {
        for (name, src) in crate::kernel::SOURCES {
            self.file_in(name, src)
                .map_err(|e| format!("kernel {}", e))?;
        }
        // (its forward references are defined by now)
        self.warnings.clear();
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
                            Format::Special => Format::Pointers,
                            f => f,
                        },
                        None => Format::Pointers,
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
                        self.reshape_class(meta, msup, all, Format::Special)
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
}
