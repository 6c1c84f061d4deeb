//! Code generation: AST plus scope analysis to [`Code`] units.

use super::inline::inlined_blocks;
use super::scope::{analyze, Analysis, DeclKey, Free, ScopeKey, METHOD_SCOPE};
use super::{CompileError, Compiled, Env};
use crate::bytecode::{Arith, Op};
use crate::object::{Code, Marker, MethodInfo, Value};
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
enum Slot {
    Temp(u16),
    Remote { idx: u16, vec: u16 },
}

struct Unit {
    scope: ScopeKey,
    ops: Vec<Op>,
    spans: Vec<Span>,
    literals: Vec<Value>,
    blocks: Vec<Rc<Code>>,
    num_args: u16,
    num_copied: u16,
    num_temps: u16,
    temp_names: Vec<String>,
    /// Own declarations (non-remote get a temp slot; remote an index in
    /// the temp vector).
    own: HashMap<DeclKey, Slot>,
    /// Free variables copied in, by what they are.
    copied: HashMap<Free, u16>,
    vector_slot: Option<u16>,
    /// Lexical levels inside this unit (the unit itself plus inlined
    /// blocks): name → key.
    levels: Vec<Vec<(String, DeclKey)>>,
    is_block: bool,
    last_label: usize,
}

struct Gen<'a> {
    env: &'a mut dyn Env,
    ctx: &'a ClassContext,
    a: Analysis,
    info: Rc<MethodInfo>,
    units: Vec<Unit>,
    errors: Vec<SyntaxError>,
    warnings: Vec<SyntaxError>,
    doit: bool,
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
    fn walk_e(e: &Expr, decl: &mut HashSet<String>, used: &mut Vec<Ident>) {
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
    fn walk_s(body: &[Stmt], decl: &mut HashSet<String>, used: &mut Vec<Ident>) {
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
    fn unit(&mut self) -> &mut Unit {
        self.units.last_mut().expect("unit")
    }

    #[cold]
    fn err(&mut self, msg: impl Into<String>, span: Span) {
        self.errors.push(SyntaxError::new(msg, span));
    }

    fn begin_unit(&mut self, scope: ScopeKey, params: &[Ident], is_block: bool, span: Span) {
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

    fn end_unit(&mut self) -> Rc<Code> {
        let u = self.units.pop().expect("unit");
        let mut code = Code {
            ops: u.ops,
            literals: u.literals,
            blocks: u.blocks,
            num_args: u.num_args,
            num_copied: u.num_copied,
            num_temps: u.num_temps,
            temp_names: u.temp_names,
            spans: u.spans,
            info: self.info.clone(),
            is_block: u.is_block,
            tier: Default::default(),
            shape: Default::default(),
        };
        code.shape = crate::verify::verify_code(&code).unwrap_or_else(|e| {
            debug_assert!(false, "{}: {e}", code.print_name());
            Default::default()
        });
        Rc::new(code)
    }

    /// A hidden temp slot in the current unit (loop limits).
    fn hidden_temp(&mut self, name: &str) -> u16 {
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

    fn emit(&mut self, op: Op, span: Span) -> usize {
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

    fn here(&mut self) -> usize {
        let u = self.unit();
        u.last_label = u.ops.len();
        u.ops.len()
    }

    /// Points the jump at `at` to the current end of code.
    fn patch(&mut self, at: usize) {
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

    fn jump_back(&mut self, target: usize, span: Span) {
        let at = self.unit().ops.len();
        self.emit(Op::Jump(target as i32 - at as i32 - 1), span);
    }

    fn add_literal(&mut self, v: Value, span: Span) -> u16 {
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

    fn selector_lit(&mut self, sel: &str, span: Span) -> u16 {
        let v = self.env.symbol(sel);
        self.add_literal(v, span)
    }

    // ----- bodies -----

    fn method_body(&mut self, body: &[Stmt], span: Span) {
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

    fn in_real_block(&self) -> bool {
        self.units.last().is_some_and(|u| u.is_block)
    }

    /// Statements of a block whose value is left on the stack (inlined or
    /// real; real blocks add the return), or, with `effect`, of an inlined
    /// block whose value is not used: nothing is left.
    fn block_stmts(&mut self, body: &[Stmt], span: Span, effect: bool) {
        if body.is_empty() {
            if !effect {
                self.emit(Op::PushNil, span);
            }
            return;
        }
        let n = body.len();
        for (i, s) in body.iter().enumerate() {
            match s {
                Stmt::Return(e, sp) => {
                    self.expr(e);
                    let op = if self.in_real_block() {
                        Op::NonLocalReturn
                    } else {
                        Op::ReturnTop
                    };
                    self.emit(op, *sp);
                    if i + 1 == n && !effect {
                        // keep the stack shape for the code after it
                        self.emit(Op::PushNil, *sp);
                    }
                }
                Stmt::Expr(e) if i + 1 < n || effect => self.effect(e),
                Stmt::Expr(e) => self.expr(e),
            }
        }
    }

    /// Compiles an inlined literal block in place; its value stays on the
    /// stack. `param_from_stack`: the block's single parameter is popped
    /// from the stack first (ifNotNil: [:x | ...]).
    fn inline_block(&mut self, e: &Expr, param_from_stack: bool) {
        self.inline_block_as(e, param_from_stack, false)
    }

    /// [`Gen::inline_block`], or with `effect`, for its effect only.
    fn inline_block_as(&mut self, e: &Expr, param_from_stack: bool, effect: bool) {
        let b = match e {
            Expr::Block(b) => b,
            other => {
                // not a block (shouldn't happen: callers check)
                if effect {
                    self.effect(other);
                } else {
                    self.expr(other);
                }
                return;
            }
        };
        let level: Vec<(String, DeclKey)> = b
            .params
            .iter()
            .chain(b.temps.iter())
            .map(|i| (i.name.clone(), i.span.start))
            .collect();
        self.unit().levels.push(level);
        if param_from_stack {
            if let Some(p) = b.params.first() {
                self.store_decl(p.span.start, p.span);
                self.emit(Op::Pop, p.span);
            } else {
                self.emit(Op::Pop, b.span);
            }
        }
        // Squeak re-nils inlined block temps on each entry
        for t in &b.temps {
            self.emit(Op::PushNil, t.span);
            self.store_decl(t.span.start, t.span);
            self.emit(Op::Pop, t.span);
        }
        self.block_stmts(&b.body, b.span, effect);
        self.unit().levels.pop();
    }

    fn real_block(&mut self, b: &Block) {
        let key = b.span.start;
        self.begin_unit(key, &b.params, true, b.span);
        let level: Vec<(String, DeclKey)> = b
            .params
            .iter()
            .chain(b.temps.iter())
            .map(|i| (i.name.clone(), i.span.start))
            .collect();
        self.unit().levels.push(level);
        self.block_stmts(&b.body, b.span, false);
        let end = Span::new(b.span.end as usize, b.span.end as usize);
        self.emit(Op::ReturnTop, end);
        let code = self.end_unit();
        // push the copied values in the parent, then make the closure
        let free = self.a.free.get(&key).cloned().unwrap_or_default();
        for f in &free {
            match f {
                Free::Value(k) => self.load_decl(*k, b.span),
                Free::Vector(scope) => self.load_vector(*scope, b.span),
            }
        }
        let u = self.unit();
        u.blocks.push(code);
        let idx = u.blocks.len() - 1;
        if idx > u16::MAX as usize || free.len() > u8::MAX as usize {
            self.err("block too complex", b.span);
        }
        self.emit(
            Op::MakeClosure {
                block: idx as u16,
                copied: free.len() as u8,
            },
            b.span,
        );
    }

    // ----- variables -----

    fn find_local(&self, name: &str) -> Option<DeclKey> {
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
    fn slot_of(&mut self, k: DeclKey, span: Span) -> Option<Slot> {
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

    fn load_decl(&mut self, k: DeclKey, span: Span) {
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

    fn store_decl(&mut self, k: DeclKey, span: Span) {
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

    fn load_vector(&mut self, scope: ScopeKey, span: Span) {
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

    fn load_var(&mut self, id: &Ident) {
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
    fn warn_undeclared(&mut self, id: &Ident) {
        if self.env.undeclared(&id.name) {
            let w = SyntaxError::new(format!("undeclared variable {}", id.name), id.span);
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }

    fn store_var(&mut self, id: &Ident) {
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

    fn expr(&mut self, e: &Expr) {
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

    fn literal(&mut self, lit: &Literal, span: Span) {
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
    fn message(&mut self, m: &Message, is_super: bool) {
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

    fn send(&mut self, s: &Send) {
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
    fn effect(&mut self, e: &Expr) {
        match e {
            Expr::Send(s) if inlined_blocks(s).is_some() => self.inlined_send_as(s, true),
            _ => {
                self.expr(e);
                self.emit(Op::Pop, e.span());
            }
        }
    }

    fn inlined_send(&mut self, s: &Send) {
        self.inlined_send_as(s, false)
    }

    /// An inlined control message: its value left on the stack, or with
    /// `effect` nothing (see [`Gen::effect`]).
    fn inlined_send_as(&mut self, s: &Send, effect: bool) {
        let m = &s.message;
        let sp = m.sel_span;
        let args = &m.args;
        match m.selector.as_str() {
            "ifTrue:" | "ifFalse:" if effect => {
                self.expr(&s.receiver);
                let j = self.emit(
                    if m.selector == "ifTrue:" {
                        Op::JumpIfFalse(0)
                    } else {
                        Op::JumpIfTrue(0)
                    },
                    sp,
                );
                self.inline_block_as(&args[0], false, true);
                self.patch(j);
            }
            "ifTrue:ifFalse:" | "ifFalse:ifTrue:" if effect => {
                self.expr(&s.receiver);
                let (on_true, on_false) = if m.selector == "ifTrue:ifFalse:" {
                    (&args[0], &args[1])
                } else {
                    (&args[1], &args[0])
                };
                let j = self.emit(Op::JumpIfFalse(0), sp);
                self.inline_block_as(on_true, false, true);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.inline_block_as(on_false, false, true);
                self.patch(end);
            }
            "ifNil:" | "ifNotNil:" | "ifNil:ifNotNil:" | "ifNotNil:ifNil:" | "and:" | "or:"
                if effect =>
            {
                self.inlined_send_as(s, false);
                self.emit(Op::Pop, sp);
            }
            "ifTrue:" | "ifFalse:" | "ifTrue:ifFalse:" | "ifFalse:ifTrue:" => {
                self.expr(&s.receiver);
                let (on_true, on_false) = match m.selector.as_str() {
                    "ifTrue:" => (Some(&args[0]), None),
                    "ifFalse:" => (None, Some(&args[0])),
                    "ifTrue:ifFalse:" => (Some(&args[0]), Some(&args[1])),
                    _ => (Some(&args[1]), Some(&args[0])),
                };
                let j = self.emit(Op::JumpIfFalse(0), sp);
                match on_true {
                    Some(b) => self.inline_block(b, false),
                    None => {
                        self.emit(Op::PushNil, sp);
                    }
                }
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                match on_false {
                    Some(b) => self.inline_block(b, false),
                    None => {
                        self.emit(Op::PushNil, sp);
                    }
                }
                self.patch(end);
            }
            "and:" | "or:" => {
                self.expr(&s.receiver);
                let and = m.selector == "and:";
                let j = self.emit(
                    if and {
                        Op::JumpIfFalse(0)
                    } else {
                        Op::JumpIfTrue(0)
                    },
                    sp,
                );
                self.inline_block(&args[0], false);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.emit(if and { Op::PushFalse } else { Op::PushTrue }, sp);
                self.patch(end);
            }
            "whileTrue:" | "whileFalse:" | "whileTrue" | "whileFalse" => {
                let top = self.here();
                self.inline_block(&s.receiver, false);
                let t = m.selector.starts_with("whileTrue");
                if args.is_empty() {
                    let at = self.unit().ops.len();
                    let d = top as i32 - at as i32 - 1;
                    self.emit(
                        if t {
                            Op::JumpIfTrue(d)
                        } else {
                            Op::JumpIfFalse(d)
                        },
                        sp,
                    );
                } else {
                    let exit = self.emit(
                        if t {
                            Op::JumpIfFalse(0)
                        } else {
                            Op::JumpIfTrue(0)
                        },
                        sp,
                    );
                    self.inline_block_as(&args[0], false, true);
                    self.jump_back(top, sp);
                    self.patch(exit);
                }
                if !effect {
                    self.emit(Op::PushNil, sp);
                }
            }
            "repeat" => {
                let top = self.here();
                self.inline_block_as(&s.receiver, false, true);
                self.jump_back(top, sp);
                self.here();
                if !effect {
                    self.emit(Op::PushNil, sp);
                }
            }
            "ifNil:" => {
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNotNil(0), sp);
                self.emit(Op::Pop, sp);
                self.inline_block(&args[0], false);
                self.patch(j);
            }
            "ifNotNil:" => {
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNil(0), sp);
                self.inline_block(&args[0], true);
                self.patch(j);
            }
            "ifNil:ifNotNil:" | "ifNotNil:ifNil:" => {
                let (nil_b, notnil_b) = if m.selector == "ifNil:ifNotNil:" {
                    (&args[0], &args[1])
                } else {
                    (&args[1], &args[0])
                };
                self.expr(&s.receiver);
                self.emit(Op::Dup, sp);
                let j = self.emit(Op::JumpIfNotNil(0), sp);
                self.emit(Op::Pop, sp);
                self.inline_block(nil_b, false);
                let end = self.emit(Op::Jump(0), sp);
                self.patch(j);
                self.inline_block(notnil_b, true);
                self.patch(end);
            }
            "timesRepeat:" => {
                let count = self.hidden_temp("<count>");
                let i = self.hidden_temp("<i>");
                self.expr(&s.receiver);
                self.emit(
                    if effect {
                        Op::PopTemp(count)
                    } else {
                        Op::StoreTemp(count)
                    },
                    sp,
                );
                self.emit(Op::PushInt(1), sp);
                self.emit(Op::PopTemp(i), sp);
                let top = self.here();
                self.emit(Op::PushTemp(i), sp);
                self.emit(Op::PushTemp(count), sp);
                self.emit(Op::Arith(Arith::Le), sp);
                let exit = self.emit(Op::JumpIfFalse(0), sp);
                self.inline_block_as(&args[0], false, true);
                self.emit(Op::PushTemp(i), sp);
                self.emit(Op::PushInt(1), sp);
                self.emit(Op::Arith(Arith::Add), sp);
                self.emit(Op::PopTemp(i), sp);
                self.jump_back(top, sp);
                self.patch(exit);
                // the receiver stays on the stack as the value (unless
                // for effect)
            }
            "to:do:" | "to:by:do:" => {
                let (block, step) = if m.selector == "to:do:" {
                    (&args[1], 1i64)
                } else {
                    let st = match &args[1] {
                        Expr::Literal(Literal::Integer(n), _) => {
                            i64::try_from(n.clone()).unwrap_or(1)
                        }
                        _ => 1,
                    };
                    (&args[2], st)
                };
                let b = match block {
                    Expr::Block(b) => b,
                    _ => return,
                };
                let var = b.params[0].span.start;
                let limit = self.hidden_temp("<limit>");
                // receiver (start) stays on the stack as the value,
                // unless for effect
                self.expr(&s.receiver);
                if !effect {
                    self.emit(Op::Dup, sp);
                }
                // the loop variable belongs to the block's level
                let level = vec![(b.params[0].name.clone(), var)];
                self.unit().levels.push(level);
                self.store_decl(var, b.params[0].span);
                self.emit(Op::Pop, sp);
                self.expr(&args[0]);
                self.emit(Op::PopTemp(limit), sp);
                let top = self.here();
                self.load_decl(var, sp);
                self.emit(Op::PushTemp(limit), sp);
                self.emit(Op::Arith(if step > 0 { Arith::Le } else { Arith::Ge }), sp);
                let exit = self.emit(Op::JumpIfFalse(0), sp);
                // body: the block minus its parameter (already bound)
                let body = Block {
                    params: vec![],
                    temps: b.temps.clone(),
                    body: b.body.clone(),
                    span: b.span,
                };
                self.inline_block_as(&Expr::Block(Box::new(body)), false, true);
                self.load_decl(var, sp);
                if let Ok(st) = i32::try_from(step) {
                    self.emit(Op::PushInt(st), sp);
                } else {
                    self.emit(Op::PushInt(1), sp);
                }
                self.emit(Op::Arith(Arith::Add), sp);
                self.store_decl(var, sp);
                self.emit(Op::Pop, sp);
                self.jump_back(top, sp);
                self.patch(exit);
                self.unit().levels.pop();
            }
            _ => {
                // inlined_blocks() and this match must agree
                self.err("internal: unknown inlined selector", sp);
            }
        }
    }
}
