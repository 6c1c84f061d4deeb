//! Code generation: AST plus scope analysis to [`Code`] units.

use super::inline::inlined_blocks;
use super::scope::{analyze, Analysis, DeclKey, Free, ScopeKey, METHOD_SCOPE};
use super::{CompileError, Compiled, Env};
use crate::bytecode::{Arith, Op};
use crate::object::{Code, Marker, MethodInfo, Spans, Value};
use crate::syntax::ast::*;
use crate::syntax::SyntaxError;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The class a method is compiled for.
#[derive(Clone, Debug)]
pub struct ClassContext {
    pub class_id: u32,
    /// `Foo` or `Foo class`.
    pub class_name: String,
    /// All instance variable names, inherited first.
    pub inst_vars: Vec<String>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Slot {
    Temp(u16),
    Remote { idx: u16, vec: u16 },
}

pub(super) struct Unit {
    pub(super) scope: ScopeKey,
    pub(super) ops: Vec<Op>,
    pub(super) spans: Vec<Span>,
    pub(super) literals: Vec<Value>,
    pub(super) blocks: Vec<Rc<Code>>,
    pub(super) num_args: u16,
    pub(super) num_copied: u16,
    pub(super) num_temps: u16,
    pub(super) temp_names: Vec<String>,
    /// Own declarations (non-remote get a temp slot; remote an index in
    /// the temp vector).
    pub(super) own: HashMap<DeclKey, Slot>,
    /// Free variables copied in, by what they are.
    pub(super) copied: HashMap<Free, u16>,
    pub(super) vector_slot: Option<u16>,
    /// Lexical levels inside this unit (the unit itself plus inlined
    /// blocks): name → key.
    pub(super) levels: Vec<Vec<(String, DeclKey)>>,
    pub(super) is_block: bool,
    pub(super) last_label: usize,
}

pub(super) struct Gen<'a> {
    pub(super) env: &'a mut dyn Env,
    pub(super) ctx: &'a ClassContext,
    pub(super) a: Analysis,
    pub(super) info: Rc<MethodInfo>,
    pub(super) units: Vec<Unit>,
    pub(super) errors: Vec<SyntaxError>,
    pub(super) warnings: Vec<SyntaxError>,
    pub(super) doit: bool,
}

/// The most temporaries a method or block may have (arguments, copied
/// values, temps, its temp vector and hidden loop limits): more is a
/// compile error. (Squeak's limit is far lower; this one keeps every
/// temp index and the verifier's stack heights well inside 16 bits.)
const MAX_TEMPS: usize = 4096;

const SPECIALS: &[&str] = &["self", "super", "nil", "true", "false", "thisContext"];

pub fn generate(
    m: &Method,
    src: &str,
    ctx: &ClassContext,
    env: &mut dyn Env,
    category: &str,
    version: u32,
    doit: bool,
) -> Result<Compiled, CompileError> {
    let mut m = m.clone();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if doit {
        auto_declare(&mut m, ctx, src.len());
    }
    check_duplicates(&m, &mut errors);
    let mut primitive = 0u16;
    let mut marker = Marker::None;
    for p in &m.pragmas {
        match p {
            Pragma::Primitive(199, _) => marker = Marker::Handler,
            Pragma::Primitive(198, _) => marker = Marker::Unwind,
            Pragma::Primitive(_, span) | Pragma::NamedPrimitive(_, span) => {
                match env.primitive_index(p) {
                    Some(i) => primitive = i,
                    None => warnings.push(SyntaxError::new("unknown primitive", *span)),
                }
            }
            Pragma::Other(..) => {}
        }
    }
    let info = Rc::new(MethodInfo {
        selector: m.selector.clone(),
        class_name: ctx.class_name.clone(),
        class: ctx.class_id,
        source: Rc::from(src),
        category: category.to_string(),
        version,
        primitive,
        marker,
    });
    let a = analyze(&m);
    let mut g = Gen {
        env,
        ctx,
        a,
        info,
        units: vec![],
        errors,
        warnings,
        doit,
    };
    g.begin_unit(METHOD_SCOPE, &m.params, false, m.span);
    g.units.last_mut().unwrap().levels.push(
        m.params
            .iter()
            .chain(m.temps.iter())
            .map(|i| (i.name.clone(), i.span.start))
            .collect(),
    );
    g.method_body(&m.body, m.span);
    let code = g.end_unit();
    if !g.errors.is_empty() {
        g.errors.sort_by_key(|e| e.span.start);
        g.errors.dedup();
        return Err(CompileError { errors: g.errors });
    }
    Ok(Compiled {
        code,
        selector: m.selector,
        warnings: g.warnings,
    })
}

/// Declares, as do-it temps, lower-case variables a do-it uses without
/// declaring (Squeak's workspace bindings).
fn auto_declare(m: &mut Method, ctx: &ClassContext, base: usize) {
    pub(super) fn walk_e(e: &Expr, decl: &mut HashSet<String>, used: &mut Vec<Ident>) {
        match e {
            Expr::Var(i) => used.push(i.clone()),
            Expr::Assign { target, value, .. } => {
                used.push(target.clone());
                walk_e(value, decl, used);
            }
            Expr::Send(s) => {
                walk_e(&s.receiver, decl, used);
                for a in &s.message.args {
                    walk_e(a, decl, used);
                }
            }
            Expr::Cascade { first, rest, .. } => {
                walk_e(&first.receiver, decl, used);
                for a in first
                    .message
                    .args
                    .iter()
                    .chain(rest.iter().flat_map(|m| m.args.iter()))
                {
                    walk_e(a, decl, used);
                }
            }
            Expr::Block(b) => {
                for i in b.params.iter().chain(b.temps.iter()) {
                    decl.insert(i.name.clone());
                }
                walk_s(&b.body, decl, used);
            }
            Expr::Brace(items, _) => {
                for i in items {
                    walk_e(i, decl, used);
                }
            }
            Expr::Literal(..) => {}
        }
    }
    pub(super) fn walk_s(body: &[Stmt], decl: &mut HashSet<String>, used: &mut Vec<Ident>) {
        for s in body {
            match s {
                Stmt::Expr(e) | Stmt::Return(e, _) => walk_e(e, decl, used),
            }
        }
    }
    let mut decl: HashSet<String> = m.temps.iter().map(|i| i.name.clone()).collect();
    let mut used = Vec::new();
    walk_s(&m.body, &mut decl, &mut used);
    let mut n = 0;
    for u in used {
        let lower = u
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_lowercase() || c == '_');
        if lower
            && !decl.contains(&u.name)
            && !SPECIALS.contains(&u.name.as_str())
            && !ctx.inst_vars.contains(&u.name)
        {
            decl.insert(u.name.clone());
            n += 1;
            m.temps.push(Ident {
                name: u.name,
                span: Span::new(base + n, base + n),
            });
        }
    }
}

fn check_duplicates(m: &Method, errors: &mut Vec<SyntaxError>) {
    let mut seen = HashSet::new();
    for i in m.params.iter().chain(m.temps.iter()) {
        if !seen.insert(i.name.clone()) {
            errors.push(SyntaxError::new(
                format!("duplicate variable name '{}'", i.name),
                i.span,
            ));
        }
        if SPECIALS.contains(&i.name.as_str()) {
            errors.push(SyntaxError::new(
                format!("'{}' cannot be used as a variable name", i.name),
                i.span,
            ));
        }
    }
}

impl<'a> Gen<'a> {
    pub(super) fn unit(&mut self) -> &mut Unit {
        self.units.last_mut().expect("unit")
    }

    #[cold]
    pub(super) fn err(&mut self, msg: impl Into<String>, span: Span) {
        self.errors.push(SyntaxError::new(msg, span));
    }

    pub(super) fn begin_unit(
        &mut self,
        scope: ScopeKey,
        params: &[Ident],
        is_block: bool,
        span: Span,
    ) {
        let owned = self.a.owned.get(&scope).cloned().unwrap_or_default();
        let free = if is_block {
            self.a.free.get(&scope).cloned().unwrap_or_default()
        } else {
            vec![]
        };
        let mut u = Unit {
            scope,
            ops: vec![],
            spans: vec![],
            literals: vec![],
            blocks: vec![],
            num_args: params.len() as u16,
            num_copied: free.len() as u16,
            num_temps: 0,
            temp_names: vec![],
            own: HashMap::new(),
            copied: HashMap::new(),
            vector_slot: None,
            levels: vec![],
            is_block,
            last_label: 0,
        };
        // (counted wide: more than MAX_TEMPS is a compile error, and the
        // code made on the way is never installed)
        let mut next: usize = 0;
        // arguments first, in order
        for p in params {
            u.own.insert(p.span.start, Slot::Temp(next as u16));
            u.temp_names.push(p.name.clone());
            next += 1;
        }
        for f in &free {
            u.copied.insert(f.clone(), next as u16);
            u.temp_names.push(match f {
                Free::Value(k) => self
                    .a
                    .decls
                    .get(k)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                Free::Vector(_) => "<temp vector>".into(),
            });
            next += 1;
        }
        let mut remote_count: usize = 0;
        let mut remote_keys = vec![];
        for k in &owned {
            let d = &self.a.decls[k];
            if d.is_arg && u.own.contains_key(k) {
                continue;
            }
            if d.remote() {
                remote_keys.push(*k);
                remote_count += 1;
            } else {
                u.own.insert(*k, Slot::Temp(next as u16));
                u.temp_names.push(d.name.clone());
                next += 1;
            }
        }
        if remote_count > 0 {
            let vec = next as u16;
            next += 1;
            u.temp_names.push("<temp vector>".into());
            u.vector_slot = Some(vec);
            for (i, k) in remote_keys.iter().enumerate() {
                u.own.insert(*k, Slot::Remote { idx: i as u16, vec });
            }
        }
        if next > MAX_TEMPS {
            self.err(
                format!("too many temporaries ({next}; at most {MAX_TEMPS})"),
                span,
            );
        }
        u.num_temps = next.min(MAX_TEMPS) as u16;
        self.units.push(u);
        if remote_count > 0 {
            let vec = (next - 1) as u16;
            self.emit(
                Op::MakeArray {
                    size: 0,
                    nils: remote_count as u16,
                },
                Span::default(),
            );
            self.emit(Op::PopTemp(vec), Span::default());
        }
    }

    pub(super) fn end_unit(&mut self) -> Rc<Code> {
        let u = self.units.pop().expect("unit");
        let mut code = Code {
            ops: u.ops,
            literals: u.literals,
            blocks: u.blocks,
            num_args: u.num_args,
            num_copied: u.num_copied,
            num_temps: u.num_temps,
            temp_names: u.temp_names,
            spans: Spans::new(u.spans),
            info: self.info.clone(),
            is_block: u.is_block,
            tier: Default::default(),
            shape: Default::default(),
            bytes: 0,
        };
        code.bytes = code.units_bytes();
        // (code with errors is thrown away: it need not verify)
        if self.errors.is_empty() {
            code.shape = crate::verify::verify_code(&code).unwrap_or_else(|e| {
                debug_assert!(false, "{}: {e}", code.print_name());
                Default::default()
            });
        }
        Rc::new(code)
    }

    /// A hidden temp slot in the current unit (loop limits).
    pub(super) fn hidden_temp(&mut self, name: &str) -> u16 {
        let u = self.unit();
        let t = u.num_temps;
        u.num_temps = u.num_temps.saturating_add(1);
        u.temp_names.push(name.into());
        if t as usize >= MAX_TEMPS {
            self.err(
                format!("too many temporaries (at most {MAX_TEMPS}, with loop limits)"),
                Span::default(),
            );
        }
        t
    }

    pub(super) fn emit(&mut self, op: Op, span: Span) -> usize {
        let u = self.unit();
        // peephole: StoreTemp i; Pop  =>  PopTemp i
        if op == Op::Pop && u.ops.len() > u.last_label {
            if let Some(Op::StoreTemp(i)) = u.ops.last().copied() {
                *u.ops.last_mut().unwrap() = Op::PopTemp(i);
                return u.ops.len() - 1;
            }
        }
        u.ops.push(op);
        u.spans.push(span);
        u.ops.len() - 1
    }

    pub(super) fn here(&mut self) -> usize {
        let u = self.unit();
        u.last_label = u.ops.len();
        u.ops.len()
    }

    /// Points the jump at `at` to the current end of code.
    pub(super) fn patch(&mut self, at: usize) {
        let target = self.here();
        let d = target as i32 - at as i32 - 1;
        let u = self.unit();
        u.ops[at] = match u.ops[at] {
            Op::Jump(_) => Op::Jump(d),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(d),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(d),
            Op::JumpIfNil(_) => Op::JumpIfNil(d),
            Op::JumpIfNotNil(_) => Op::JumpIfNotNil(d),
            other => other,
        };
    }

    pub(super) fn jump_back(&mut self, target: usize, span: Span) {
        let at = self.unit().ops.len();
        self.emit(Op::Jump(target as i32 - at as i32 - 1), span);
    }

    pub(super) fn add_literal(&mut self, v: Value, span: Span) -> u16 {
        let u = self.unit();
        if let Some(i) = u.literals.iter().position(|l| *l == v) {
            return i as u16;
        }
        if u.literals.len() >= u16::MAX as usize {
            self.err("too many literals in one method", span);
            return 0;
        }
        u.literals.push(v);
        (u.literals.len() - 1) as u16
    }

    pub(super) fn selector_lit(&mut self, sel: &str, span: Span) -> u16 {
        let v = self.env.symbol(sel);
        self.add_literal(v, span)
    }

    // ----- bodies -----

    pub(super) fn method_body(&mut self, body: &[Stmt], span: Span) {
        let n = body.len();
        for (i, s) in body.iter().enumerate() {
            match s {
                Stmt::Return(e, sp) => {
                    self.expr(e);
                    self.emit(Op::ReturnTop, *sp);
                }
                Stmt::Expr(e) => {
                    if self.doit && i + 1 == n {
                        self.expr(e);
                        self.emit(Op::ReturnTop, e.span());
                        return;
                    }
                    self.effect(e);
                }
            }
        }
        if !matches!(body.last(), Some(Stmt::Return(..))) {
            if self.doit {
                self.emit(Op::PushNil, span);
                self.emit(Op::ReturnTop, span);
            } else {
                self.emit(
                    Op::ReturnSelf,
                    Span::new(span.end as usize, span.end as usize),
                );
            }
        }
    }

    pub(super) fn in_real_block(&self) -> bool {
        self.units.last().is_some_and(|u| u.is_block)
    }

    pub(super) fn find_local(&self, name: &str) -> Option<DeclKey> {
        for u in self.units.iter().rev() {
            for lvl in u.levels.iter().rev() {
                for (n, k) in lvl.iter().rev() {
                    if n == name {
                        return Some(*k);
                    }
                }
            }
        }
        None
    }

    /// The slot through which the current unit reaches declaration `k`.
    pub(super) fn slot_of(&mut self, k: DeclKey, span: Span) -> Option<Slot> {
        let u = self.units.last()?;
        if let Some(s) = u.own.get(&k) {
            return Some(*s);
        }
        let d = self.a.decls.get(&k)?.clone();
        if d.remote() {
            let vec = *u.copied.get(&Free::Vector(d.owner))?;
            // index within the owner's vector
            let owner_unit = self.units.iter().find(|u| u.scope == d.owner)?;
            match owner_unit.own.get(&k) {
                Some(Slot::Remote { idx, .. }) => Some(Slot::Remote { idx: *idx, vec }),
                _ => None,
            }
        } else {
            match u.copied.get(&Free::Value(k)) {
                Some(t) => Some(Slot::Temp(*t)),
                None => {
                    self.err(
                        format!("internal: variable '{}' not captured", d.name),
                        span,
                    );
                    None
                }
            }
        }
    }

    pub(super) fn load_decl(&mut self, k: DeclKey, span: Span) {
        match self.slot_of(k, span) {
            Some(Slot::Temp(t)) => {
                self.emit(Op::PushTemp(t), span);
            }
            Some(Slot::Remote { idx, vec }) => {
                self.emit(Op::PushRemote { idx, vec }, span);
            }
            None => {
                self.emit(Op::PushNil, span);
            }
        }
    }

    pub(super) fn store_decl(&mut self, k: DeclKey, span: Span) {
        match self.slot_of(k, span) {
            Some(Slot::Temp(t)) => {
                self.emit(Op::StoreTemp(t), span);
            }
            Some(Slot::Remote { idx, vec }) => {
                self.emit(Op::StoreRemote { idx, vec }, span);
            }
            None => {}
        }
    }

    pub(super) fn load_vector(&mut self, scope: ScopeKey, span: Span) {
        let u = self.units.last().expect("unit");
        if u.scope == scope {
            if let Some(v) = u.vector_slot {
                self.emit(Op::PushTemp(v), span);
                return;
            }
        }
        if let Some(t) = u.copied.get(&Free::Vector(scope)).copied() {
            self.emit(Op::PushTemp(t), span);
            return;
        }
        self.err("internal: temp vector not reachable", span);
    }

    pub(super) fn load_var(&mut self, id: &Ident) {
        let span = id.span;
        match id.name.as_str() {
            "self" | "super" => {
                self.emit(Op::PushSelf, span);
                return;
            }
            "nil" => {
                self.emit(Op::PushNil, span);
                return;
            }
            "true" => {
                self.emit(Op::PushTrue, span);
                return;
            }
            "false" => {
                self.emit(Op::PushFalse, span);
                return;
            }
            "thisContext" => {
                self.emit(Op::PushThisContext, span);
                return;
            }
            _ => {}
        }
        if let Some(k) = self.find_local(&id.name) {
            self.load_decl(k, span);
            return;
        }
        if let Some(i) = self.ctx.inst_vars.iter().rposition(|n| *n == id.name) {
            self.emit(Op::PushInstVar(i as u16), span);
            return;
        }
        if let Some(b) = self.env.binding(self.ctx, &id.name) {
            self.warn_undeclared(id);
            let l = self.add_literal(b, span);
            self.emit(Op::PushGlobal(l), span);
            return;
        }
        self.err(format!("undeclared variable '{}'", id.name), span);
        self.emit(Op::PushNil, span);
    }

    /// A capitalized name nothing defines compiles (it reads as nil, as
    /// Squeak's Undeclared does) with a warning at its position.
    pub(super) fn warn_undeclared(&mut self, id: &Ident) {
        if self.env.undeclared(&id.name) {
            let w = SyntaxError::new(format!("undeclared variable {}", id.name), id.span);
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }

    pub(super) fn store_var(&mut self, id: &Ident) {
        let span = id.span;
        if SPECIALS.contains(&id.name.as_str()) {
            self.err(format!("cannot store into '{}'", id.name), span);
            return;
        }
        if let Some(k) = self.find_local(&id.name) {
            if self.a.decls.get(&k).is_some_and(|d| d.is_arg) {
                self.err(format!("cannot store into argument '{}'", id.name), span);
                return;
            }
            self.store_decl(k, span);
            return;
        }
        if let Some(i) = self.ctx.inst_vars.iter().rposition(|n| *n == id.name) {
            self.emit(Op::StoreInstVar(i as u16), span);
            return;
        }
        if let Some(b) = self.env.binding(self.ctx, &id.name) {
            self.warn_undeclared(id);
            let l = self.add_literal(b, span);
            self.emit(Op::StoreGlobal(l), span);
            return;
        }
        self.err(format!("undeclared variable '{}'", id.name), span);
    }

    // ----- expressions -----

    pub(super) fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Literal(lit, span) => self.literal(lit, *span),
            Expr::Var(id) => self.load_var(id),
            Expr::Assign { target, value, .. } => {
                self.expr(value);
                self.store_var(target);
            }
            Expr::Send(s) => self.send(s),
            Expr::Cascade { first, rest, .. } => {
                let is_super = matches!(&first.receiver, Expr::Var(i) if i.name == "super");
                self.expr(&first.receiver);
                self.emit(Op::Dup, first.message.sel_span);
                self.message(&first.message, is_super);
                self.emit(Op::Pop, first.message.sel_span);
                let n = rest.len();
                for (i, m) in rest.iter().enumerate() {
                    if i + 1 < n {
                        self.emit(Op::Dup, m.sel_span);
                    }
                    self.message(m, is_super);
                    if i + 1 < n {
                        self.emit(Op::Pop, m.sel_span);
                    }
                }
            }
            Expr::Block(b) => self.real_block(b),
            Expr::Brace(items, span) => {
                if items.len() > u16::MAX as usize {
                    self.err("brace array too large", *span);
                    return;
                }
                for i in items {
                    self.expr(i);
                }
                self.emit(
                    Op::MakeArray {
                        size: items.len() as u16,
                        nils: 0,
                    },
                    *span,
                );
            }
        }
    }

    pub(super) fn literal(&mut self, lit: &Literal, span: Span) {
        match lit {
            Literal::Nil => {
                self.emit(Op::PushNil, span);
            }
            Literal::True => {
                self.emit(Op::PushTrue, span);
            }
            Literal::False => {
                self.emit(Op::PushFalse, span);
            }
            Literal::Integer(n) if i32::try_from(n.clone()).is_ok() => {
                let i = i32::try_from(n.clone()).unwrap_or(0);
                self.emit(Op::PushInt(i), span);
            }
            _ => {
                let v = self.env.literal(lit);
                let l = self.add_literal(v, span);
                self.emit(Op::PushLit(l), span);
            }
        }
    }

    /// Emits the arguments and the send of `m` (receiver already pushed).
    pub(super) fn message(&mut self, m: &Message, is_super: bool) {
        for a in &m.args {
            self.expr(a);
        }
        let span = m.sel_span;
        if m.args.len() > u8::MAX as usize {
            self.err("too many arguments", span);
            return;
        }
        if !is_super {
            if m.args.len() == 1 {
                if let Some(a) = Arith::from_selector(&m.selector) {
                    self.emit(Op::Arith(a), span);
                    return;
                }
                if m.selector == "==" {
                    self.emit(Op::IdentityEq, span);
                    return;
                }
                if m.selector == "at:" {
                    self.emit(Op::At, span);
                    return;
                }
            }
            if m.args.len() == 2 && m.selector == "at:put:" {
                self.emit(Op::AtPut, span);
                return;
            }
            if m.args.is_empty() && m.selector == "class" {
                self.emit(Op::Class, span);
                return;
            }
        }
        let sel = self.selector_lit(&m.selector, span);
        let argc = m.args.len() as u8;
        if is_super {
            self.emit(Op::SuperSend { sel, argc }, span);
        } else {
            self.emit(Op::Send { sel, argc }, span);
        }
    }

    pub(super) fn send(&mut self, s: &Send) {
        if inlined_blocks(s).is_some() {
            self.inlined_send(s);
            return;
        }
        let is_super = matches!(&s.receiver, Expr::Var(i) if i.name == "super");
        self.expr(&s.receiver);
        self.message(&s.message, is_super);
    }

    /// Compiles `e` for its effect only: nothing is left on the stack.
    /// Inlined conditionals and loops in statement position push no value
    /// just to pop it again, as Squeak's compiler does (`emitForEffect:`);
    /// anything else is compiled as a value and popped.
    pub(super) fn effect(&mut self, e: &Expr) {
        match e {
            Expr::Send(s) if inlined_blocks(s).is_some() => self.inlined_send_as(s, true),
            _ => {
                self.expr(e);
                self.emit(Op::Pop, e.span());
            }
        }
    }
}
