//! Reading the VM without running Smalltalk code: stacks, values,
//! classes, methods, live activations, the Transcript.

use super::HostError;
use crate::interp::frame::ProcState;
use crate::interp::Vm;
use crate::object::{Body, Text, Value};

/// The characters of a String [`Vm::quick_print`] shows.
pub const QUICK_PRINT_CHARS: usize = 10_000;
/// The largest LargeInteger [`Vm::quick_print`] shows in digits (about
/// 20,000 of them).
pub const QUICK_PRINT_BITS: u64 = 1 << 16;

/// A class as the browser lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassSummary {
    pub name: String,
    pub superclass: Option<String>,
    pub category: String,
    pub inst_vars: Vec<String>,
    pub class_vars: Vec<String>,
    pub comment: String,
}

/// A method as the browser lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
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
    /// (safe to call while a process is suspended anywhere): a String's
    /// first [`QUICK_PRINT_CHARS`] characters, a LargeInteger's digits up
    /// to [`QUICK_PRINT_BITS`] (its size beyond: decimal digits cost more
    /// than linear time, and a host printing a frame or a result has no
    /// fuel to stop it).
    pub fn quick_print(&self, v: Value) -> String {
        if let Some(i) = v.as_int() {
            return i.to_string();
        }
        if let Some(c) = v.as_char() {
            return format!("${}", crate::object::text::char_or_replacement(c));
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
        if let Some(f) = v.as_float() {
            return crate::interp::prims::float::format_float(f);
        }
        let class = self.class_of(v);
        let cname = self.classes[class as usize].name.clone();
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Float(f)) => crate::interp::prims::float::format_float(*f),
            Some(Body::Large(b)) if b.bits() <= QUICK_PRINT_BITS => b.to_string(),
            Some(Body::Large(b)) => format!("a {cname} of {} bits", b.bits()),
            Some(body @ (Body::Bytes(_) | Body::Words(_)))
                if self.inherits_from(class, self.known.string) =>
            {
                let (mut s, len) = match Text::of(body) {
                    Some(t) => (
                        t.iter()
                            .take(QUICK_PRINT_CHARS)
                            .map(crate::object::text::char_or_replacement)
                            .collect::<String>(),
                        t.len(),
                    ),
                    None => (String::new(), 0),
                };
                if len > QUICK_PRINT_CHARS {
                    s.push_str(&format!("...({} characters in all)", len));
                }
                if self.inherits_from(class, self.known.symbol) {
                    format!("#{}", s)
                } else {
                    format!("'{}'", s.replace('\'', "''"))
                }
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
        self.transcript.take()
    }
}
