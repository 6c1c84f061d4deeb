//! Scope analysis: the pass before code generation.
//!
//! It decides, for every variable declaration, whether it must live in a
//! heap *temp vector* (it is captured by a real block and assigned
//! somewhere — Squeak's closure compiler rule), and, for every real
//! (non-inlined) block, which outer variables it copies in. Declarations
//! are keyed by the byte offset of their identifier, which is unique in a
//! method's source.

use super::inline::{inlined_blocks, InlineUse};
use crate::syntax::ast::*;
use std::collections::{HashMap, HashSet};

pub type DeclKey = u32;
/// A real scope is the method (key `u32::MAX`) or a real block (the
/// block's span start).
pub type ScopeKey = u32;
pub const METHOD_SCOPE: ScopeKey = u32::MAX;

#[derive(Debug, Default, Clone)]
pub struct DeclInfo {
    pub name: String,
    pub is_arg: bool,
    /// The real scope that owns the slot (inlined blocks' temps belong to
    /// their enclosing real scope).
    pub owner: ScopeKey,
    pub captured: bool,
    pub assigned: bool,
}

impl DeclInfo {
    /// Whether it lives in a temp vector: captured by a block and
    /// assigned. Never an argument: storing into one is a compile error,
    /// not a reason to move it.
    pub fn remote(&self) -> bool {
        self.captured && self.assigned && !self.is_arg
    }
}

/// What a real block copies in from outside, in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Free {
    /// The value of an outer variable that is never assigned.
    Value(DeclKey),
    /// The temp vector of an outer real scope.
    Vector(ScopeKey),
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub decls: HashMap<DeclKey, DeclInfo>,
    /// Declarations owned by each real scope, in declaration order.
    pub owned: HashMap<ScopeKey, Vec<DeclKey>>,
    /// Free variables of each real block.
    pub free: HashMap<ScopeKey, Vec<Free>>,
}

struct Level {
    /// Declarations visible at this lexical level: name → key.
    names: Vec<(String, DeclKey)>,
    /// The real scope this level belongs to.
    real: ScopeKey,
}

struct Analyzer {
    a: Analysis,
    levels: Vec<Level>,
    /// Raw free references of each real block: decl keys used inside it
    /// but owned outside it (resolved into `Free` at the end).
    raw_free: HashMap<ScopeKey, Vec<DeclKey>>,
    /// Parent real scope of each real block.
    parent: HashMap<ScopeKey, ScopeKey>,
}

pub fn analyze(m: &Method) -> Analysis {
    let mut z = Analyzer {
        a: Analysis::default(),
        levels: vec![],
        raw_free: HashMap::new(),
        parent: HashMap::new(),
    };
    z.levels.push(Level {
        names: vec![],
        real: METHOD_SCOPE,
    });
    for p in &m.params {
        z.declare(p, true);
    }
    for t in &m.temps {
        z.declare(t, false);
    }
    z.stmts(&m.body);
    z.finish()
}

impl Analyzer {
    fn declare(&mut self, id: &Ident, is_arg: bool) {
        let key = id.span.start;
        let lvl = self.levels.last_mut().expect("level");
        lvl.names.push((id.name.clone(), key));
        let real = lvl.real;
        self.a.decls.insert(
            key,
            DeclInfo {
                name: id.name.clone(),
                is_arg,
                owner: real,
                captured: false,
                assigned: false,
            },
        );
        self.a.owned.entry(real).or_default().push(key);
    }

    fn lookup(&self, name: &str) -> Option<DeclKey> {
        for lvl in self.levels.iter().rev() {
            for (n, k) in lvl.names.iter().rev() {
                if n == name {
                    return Some(*k);
                }
            }
        }
        None
    }

    fn reference(&mut self, name: &str, assign: bool) {
        let key = match self.lookup(name) {
            Some(k) => k,
            None => return,
        };
        let cur = self.levels.last().map(|l| l.real).unwrap_or(METHOD_SCOPE);
        let owner = self.a.decls[&key].owner;
        if owner != cur {
            if let Some(d) = self.a.decls.get_mut(&key) {
                d.captured = true;
            }
            // every real block between cur and owner copies it
            let mut s = cur;
            while s != owner && s != METHOD_SCOPE {
                let v = self.raw_free.entry(s).or_default();
                if !v.contains(&key) {
                    v.push(key);
                }
                s = *self.parent.get(&s).unwrap_or(&METHOD_SCOPE);
            }
        }
        if assign {
            if let Some(d) = self.a.decls.get_mut(&key) {
                d.assigned = true;
            }
        }
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            match s {
                Stmt::Expr(e) | Stmt::Return(e, _) => self.expr(e),
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Literal(..) => {}
            Expr::Var(id) => self.reference(&id.name, false),
            Expr::Assign { target, value, .. } => {
                self.expr(value);
                self.reference(&target.name, true);
            }
            Expr::Send(s) => self.send(s),
            Expr::Cascade { first, rest, .. } => {
                self.expr(&first.receiver);
                self.message(&first.message, false);
                for m in rest {
                    self.message(m, false);
                }
            }
            Expr::Block(b) => self.block(b, false),
            Expr::Brace(items, _) => {
                for i in items {
                    self.expr(i);
                }
            }
        }
    }

    fn send(&mut self, s: &Send) {
        let uses = inlined_blocks(s);
        match uses {
            Some(InlineUse { receiver_block }) => {
                if receiver_block {
                    if let Expr::Block(b) = &s.receiver {
                        self.block(b, true);
                    }
                } else {
                    self.expr(&s.receiver);
                }
                self.message(&s.message, true);
            }
            None => {
                self.expr(&s.receiver);
                self.message(&s.message, false);
            }
        }
    }

    fn message(&mut self, m: &Message, inline: bool) {
        for a in &m.args {
            match (inline, a) {
                (true, Expr::Block(b)) => self.block(b, true),
                _ => self.expr(a),
            }
        }
    }

    fn block(&mut self, b: &Block, inlined: bool) {
        let outer_real = self.levels.last().map(|l| l.real).unwrap_or(METHOD_SCOPE);
        let real = if inlined {
            outer_real
        } else {
            let key = b.span.start;
            self.parent.insert(key, outer_real);
            self.a.owned.entry(key).or_default();
            key
        };
        self.levels.push(Level {
            names: vec![],
            real,
        });
        for p in &b.params {
            self.declare(p, !inlined);
            if inlined {
                // inlined block params (to:do: counters, ifNotNil: args)
                // are assigned by the generated code
                if let Some(d) = self.a.decls.get_mut(&p.span.start) {
                    d.assigned = true;
                }
            }
        }
        for t in &b.temps {
            self.declare(t, false);
        }
        self.stmts(&b.body);
        self.levels.pop();
    }

    fn finish(mut self) -> Analysis {
        for (block, keys) in std::mem::take(&mut self.raw_free) {
            let mut out: Vec<Free> = Vec::new();
            let mut seen = HashSet::new();
            for k in keys {
                let d = &self.a.decls[&k];
                let f = if d.remote() {
                    Free::Vector(d.owner)
                } else {
                    Free::Value(k)
                };
                if seen.insert(f.clone()) {
                    out.push(f);
                }
            }
            self.a.free.insert(block, out);
        }
        self.a
    }
}
