//! The disassembler's host face: `Class>>selector` to text, the method's
//! bytecode, its optimized code and inlined scopes, and its blocks; and
//! where in the method's source each part came from.

use super::HostError;
use crate::interp::Vm;
use crate::object::Code;
use crate::syntax::ast::Span;
use std::rc::Rc;

/// Where a method's disassembly came from in its source (byte offsets).
#[derive(Debug, Default, PartialEq)]
pub struct SourceMap {
    /// The span of each pc of the method's bytecode, which the optimized
    /// code's first `canon_len` instructions share.
    pub pcs: Vec<Span>,
    /// For each inlined scope, the send in the method's own source that
    /// it stands for: for a scope inlined into another, the outermost
    /// scope's send. The loop kernels and blocks have none.
    pub scopes: Vec<Span>,
}

impl Vm {
    /// The disassembly of `Class>>selector` (or `Class class>>selector`):
    /// header, bytecode, literals, and each block's code.
    pub fn disassemble(&mut self, spec: &str) -> Result<String, HostError> {
        let code = self.code_of_spec(spec)?;
        let mut out = String::new();
        self.disassemble_code(&code, &mut out);
        Ok(out)
    }

    /// The WebAssembly modules its loop kernels compile to, in the
    /// browser (`tier::wasm_kernel`), kernel by kernel: `None` for one
    /// that stays interpreted. Empty if the tier has not optimized it.
    pub fn kernel_modules(&mut self, spec: &str) -> Result<Vec<Option<Vec<u8>>>, HostError> {
        let code = self.code_of_spec(spec)?;
        let t = code.tier.borrow();
        let ks = t.opt.as_ref().map_or(&[][..], |o| &o.kernels[..]);
        Ok((0..ks.len())
            .map(|i| crate::tier::wasm_kernel::compile(ks, i))
            .collect())
    }

    /// Where the parts of [`Vm::disassemble`]'s text came from in the
    /// method's source: its pcs, and its inlined scopes when the tier
    /// optimized it.
    pub fn disassembly_source_map(&mut self, spec: &str) -> Result<SourceMap, HostError> {
        let code = self.code_of_spec(spec)?;
        let pcs = (0..code.ops.len()).map(|pc| code.span_at(pc)).collect();
        let t = code.tier.borrow();
        let scopes = match &t.opt {
            Some(o) => (0..o.scopes.len())
                .map(|i| {
                    // up to the scope inlined at a send of the method itself
                    // (bounded: a parent comes before its child)
                    let mut sc = &o.scopes[i];
                    for _ in 0..o.scopes.len() {
                        match sc.parent.and_then(|p| o.scopes.get(p as usize)) {
                            Some(p) => sc = p,
                            None => break,
                        }
                    }
                    code.span_at(usize::from(sc.ret).saturating_sub(1))
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(SourceMap { pcs, scopes })
    }

    /// The compiled method `Class>>selector` names.
    pub fn code_of_spec(&mut self, spec: &str) -> Result<Rc<Code>, HostError> {
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
        self.method_code(m)
            .ok_or_else(|| HostError::NoSuchMethod(spec.to_string()))
    }

    fn disassemble_code(&self, code: &Code, out: &mut String) {
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
                    crate::interp::prims::primitive_name(code.info.primitive)
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
            if self.class_of(v) == self.known.association {
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
}
