//! Optimized send sites at run time (`Vm::tier_send`, for what the
//! interpreter's loops do not do in place): inline caches filled and
//! consulted, leaves inlined and quickened, callees that send inlined
//! into a copy of the code, and sites whose guards keep failing
//! despecialized. Invalidation and deoptimization of running activations
//! are in `deopt.rs`.

use super::code::{CacheEntry, Dependency, InlineScope, Leaf, OptCode, NEST_MAX, PLAIN_NILS};
use super::event::TierEvent;
use super::guard::guard_of;
use super::inline::{inline_block_body, inline_body, SCOPES_MAX};
use super::leaf::leaf_of;
use super::specialize::with_scope;
use super::{MAX_GUARD_FAILURES, POLY_MAX};
use crate::bytecode::arith::arith_small;
use crate::bytecode::Op;
use crate::interp::sites::TierSend;
use crate::interp::Vm;
use crate::object::{Body, ClassId, Value};
use std::rc::Rc;

impl Vm {
    /// Runs one of the optimized send instructions at `pc` of `o`.
    pub(crate) fn tier_send(
        &mut self,
        o: &Rc<OptCode>,
        site: usize,
        pc: usize,
        op: Op,
        fuel: &mut u64,
    ) -> TierSend {
        // an inlined callee's guard missed: its site's inline-cached send
        let (site, op, enter) = match op {
            Op::InlineEnter { scope, .. } => match o.scopes.get(scope as usize) {
                Some(sc) => (
                    sc.site as usize,
                    Op::SendCached { site: sc.site },
                    Some(scope as usize),
                ),
                None => return TierSend::Fallback,
            },
            // a quickened setter that missed: its leaf's site
            Op::SetterLeaf { site, .. }
            | Op::GetterLeaf { site, .. }
            | Op::ConstLeaf { site, .. } => (site as usize, Op::InlineLeaf { site }, None),
            _ => (site, op, None),
        };
        // Inside an inlined callee's body the frame stands for more than
        // one activation: what the canonical instruction would do runs
        // after the callee gets its frame back (`Fallback` there splits
        // the frame first).
        let inlined = pc >= o.canon_len;
        let s = match o.sites.get(site) {
            Some(s) => s,
            None => return TierSend::Fallback,
        };
        let (sel, argc, leaf) = {
            let s = s.borrow();
            let leaf = match (&s.leaf, s.entries.first()) {
                (Some((l, c)), Some(e)) => Some((*l, *c, e.code.clone())),
                _ => None,
            };
            (s.sel, s.argc as usize, leaf)
        };
        let n = self.stack.len();
        if n < argc + 1 {
            return TierSend::Fallback;
        }
        let recv = self.stack[n - argc - 1];
        let class = self.class_of(recv);
        let scope = enter.and_then(|f| o.scope_for(f, class));
        if let Some(b) = scope.filter(|s| s.block) {
            // an inlined block's guard missed (another block's closure, or
            // one made elsewhere): counted, so a send that keeps meeting
            // those gets its inline cache (not for the other reasons the
            // body was not entered: the depth limit, a slice's last fuel)
            // (tier_send runs in a frame: the one sending)
            let serial = self.frames.last().map(|f| f.serial);
            let hit = matches!(
                self.heap.try_get(recv).map(|x| &x.body),
                Some(Body::Closure(c)) if serial.is_some_and(|f| b.admits(c, f))
            );
            if !hit {
                self.site_guard_failed(o, site, pc);
            }
        }
        if let Some(first) = enter.filter(|_| scope.is_none()) {
            // a polymorphic site: the callee for this class is inlined
            // too, if it can be (up to POLY_MAX); else, after enough
            // misses, the inline cache
            let scopes = o.scope_chain(first).count();
            let last = o.scope_chain(first).last().map(|(i, _)| i);
            let added = scopes < POLY_MAX && self.inline_for_class(o, site, pc, class, last);
            if !added {
                self.site_guard_failed(o, site, pc);
            }
        }
        match op {
            Op::InlineLeaf { .. } => {
                let (leaf, cost, callee) = match leaf {
                    Some(x) => x,
                    None => return TierSend::Fallback,
                };
                // the guard: one of the site's classes, or a new one whose
                // lookup finds the same method (an inherited accessor)
                let known = s.borrow().entry_for(class).is_some();
                if !known && !self.leaf_site_add_class(o, site, class) {
                    self.site_guard_failed(o, site, pc);
                    return TierSend::Missed;
                }
                // the inlined call must not hide a stack overflow or use
                // more fuel than is left
                if self.deep() || *fuel < cost - 1 {
                    return TierSend::Fallback;
                }
                let v = match leaf {
                    Leaf::Const(v) => v,
                    Leaf::Getter(i) => self.slot(recv, i as usize),
                    Leaf::Setter(i) => {
                        let arg = self.stack[n - 1];
                        self.set_slot(recv, i as usize, arg);
                        recv
                    }
                    Leaf::SelfLeaf => recv,
                    Leaf::SelfArith(aop, k) => {
                        match recv.as_int().and_then(|x| arith_small(aop, x, k as i64)) {
                            Some(v) => v,
                            None => return TierSend::Fallback,
                        }
                    }
                    Leaf::Global(b) => self.assoc_value(b),
                    Leaf::Straight => {
                        match self.eval_straight(&callee, recv, &self.stack[n - argc..]) {
                            Some(v) => v,
                            None => return TierSend::Fallback,
                        }
                    }
                    Leaf::ArrayAt | Leaf::ArrayAtPut => {
                        // guard: an Array (no named slots) and an index in bounds
                        let i = match self.stack[n - argc].as_int() {
                            Some(i) if i >= 1 && class == self.known.array => i as usize - 1,
                            _ => return TierSend::Fallback,
                        };
                        let val = self.stack[n - 1];
                        let Some(cell) = self.heap.slots_mut(recv).and_then(|s| s.get_mut(i))
                        else {
                            return TierSend::Fallback;
                        };
                        if matches!(leaf, Leaf::ArrayAt) {
                            *cell
                        } else {
                            *cell = val;
                            val
                        }
                    }
                };
                self.stack.truncate(n - argc - 1);
                self.stack.push(v);
                *fuel -= cost - 1;
                // the send happened, as far as a program can tell
                // (`Time primSendCount` counts it with the tier off)
                self.send_count += 1;
                if let Some(f) = self.frames.last_mut() {
                    f.pc = pc as u32 + 1;
                }
                TierSend::Done
            }
            Op::SendMega { .. } => {
                if inlined {
                    return TierSend::Fallback;
                }
                self.send(sel, argc, None);
                TierSend::Sent
            }
            _ => {
                // SendAdaptive or SendCached: consult the inline cache; a hit
                // only reads the site
                let epoch = self.cache_epoch;
                let hit = {
                    let r = s.borrow();
                    if r.epoch == epoch {
                        r.entry_for(class).map(|e| (e.method, e.code.clone()))
                    } else {
                        None
                    }
                };
                if hit.is_none() {
                    let mut w = s.borrow_mut();
                    if w.epoch != epoch {
                        w.entries.clear();
                        w.epoch = epoch;
                    }
                }
                if let Some((m, code)) = hit {
                    self.send_count += 1;
                    self.invoke(m, code, recv, argc);
                    return TierSend::Sent;
                }
                let found = self
                    .lookup_uncached(class, sel)
                    .and_then(|m| self.method_code(m).map(|c| (m, c)));
                let (m, code) = match found {
                    Some(x) => x,
                    None => {
                        // doesNotUnderstand: goes the canonical way
                        o.ops[pc].set(Op::SendMega { site: site as u16 });
                        return TierSend::Fallback;
                    }
                };
                if matches!(op, Op::SendAdaptive { .. }) {
                    // an inline-cached send, unless the callee is inlined
                    // below or answered in place as a leaf
                    o.ops[pc].set(Op::SendCached { site: site as u16 });
                    let leaf = leaf_of(&code).filter(|_| code.num_args as usize == argc);
                    let target = CacheEntry::new(class, m, code.clone());
                    // a callee that sends is inlined as a scope when it can
                    // be, and so is straight-line arithmetic: its code then
                    // runs fused, where the leaf would evaluate its bytecode
                    // at each call (3 times the instructions: `^ last - first`)
                    let inlined = matches!(leaf, None | Some((Leaf::Straight, _)))
                        && o.nesting_at(pc) < NEST_MAX
                        && self.inline_scope(o, site, pc, &target, None);
                    match leaf {
                        Some((leaf, cost)) if !inlined => {
                            {
                                let mut s = s.borrow_mut();
                                s.entries = vec![target];
                                s.leaf = Some((leaf, cost));
                            }
                            o.ops[pc].set(Op::InlineLeaf { site: site as u16 });
                            // a setter, getter or constant is quickened in
                            // place (any receiver: the site's first class);
                            // a getter or constant sent to self or a temp,
                            // also into the push before it
                            let site16 = site as u16;
                            let quick = match (leaf, cost, argc) {
                                (Leaf::Setter(i), 5, _) => {
                                    u8::try_from(i).ok().map(|slot| Op::SetterLeaf {
                                        site: site16,
                                        slot,
                                        class,
                                    })
                                }
                                (Leaf::Getter(i), 3, 0) => {
                                    u8::try_from(i).ok().map(|slot| Op::GetterLeaf {
                                        site: site16,
                                        slot,
                                        class,
                                    })
                                }
                                (Leaf::Const(v), 3, 0) => {
                                    crate::bytecode::tiny_const_of(v).map(|k| Op::ConstLeaf {
                                        site: site16,
                                        k,
                                        class,
                                    })
                                }
                                _ => None,
                            };
                            if let Some(q) = quick {
                                o.ops[pc].set(q);
                            }
                            let prev = pc.checked_sub(1).and_then(|p| o.ops.get(p));
                            if let Some(prev) = prev.filter(|_| !matches!(leaf, Leaf::Setter(_))) {
                                if let Some(q) = quicken_leaf(prev.get(), leaf, cost, argc, class) {
                                    quicken_push(o, pc, q);
                                }
                            }
                            let callee = format!("{} v{}", code.print_name(), code.info.version);
                            o.inlined.borrow_mut().push(callee.clone());
                            self.add_dep(o, class, sel);
                            let method =
                                o.code.upgrade().map(|c| c.print_name()).unwrap_or_default();
                            self.tier_event(TierEvent::Inlined { method, callee });
                            return self.tier_send(
                                o,
                                site,
                                pc,
                                Op::InlineLeaf { site: site as u16 },
                                fuel,
                            );
                        }
                        None if !inlined
                            && target.guard.is_some()
                            && code.num_args as usize == argc =>
                        {
                            // not inlined (too deep, over the budget, or not
                            // inlinable, e.g. it has a block): its
                            // guard clause is run in place (`InlinePrefix`)
                            o.ops[pc].set(Op::InlinePrefix { site: site as u16 });
                            let callee = format!(
                                "{} v{} (guard clause)",
                                code.print_name(),
                                code.info.version
                            );
                            o.inlined.borrow_mut().push(callee.clone());
                            let method =
                                o.code.upgrade().map(|c| c.print_name()).unwrap_or_default();
                            self.tier_event(TierEvent::Inlined { method, callee });
                        }
                        _ => {}
                    }
                }
                {
                    let mut s = s.borrow_mut();
                    if s.entries.len() < POLY_MAX {
                        let e = CacheEntry::new(class, m, code.clone());
                        if e.leaf.is_some() && matches!(o.ops[pc].get(), Op::SendCached { .. }) {
                            o.ops[pc].set(Op::SendLeaves { site: site as u16 });
                        }
                        s.entries.push(e);
                    } else {
                        o.ops[pc].set(Op::SendMega { site: site as u16 });
                    }
                }
                self.quicken_nil_leaves(o, site, pc);
                self.send_count += 1;
                self.invoke(m, code, recv, argc);
                TierSend::Sent
            }
        }
    }

    /// An inlined leaf's site meets receiver class `class`: if looking up
    /// its selector there finds the very method inlined (inherited by both
    /// classes) and the site has room, `class` joins its guard, with a
    /// dependency of its own (so a redefinition for `class` invalidates
    /// this code too), and the leaf runs. CPython and Self do the same for
    /// a polymorphic site whose receivers share one target.
    fn leaf_site_add_class(&mut self, o: &Rc<OptCode>, site: usize, class: ClassId) -> bool {
        let (sel, method, code) = match o.sites.get(site) {
            Some(s) => {
                let s = s.borrow();
                if s.leaf.is_none() || s.entries.len() >= POLY_MAX {
                    return false;
                }
                match s.entries.first() {
                    Some(e) => (s.sel, e.method, e.code.clone()),
                    None => return false,
                }
            }
            None => return false,
        };
        if self.lookup_uncached(class, sel) != Some(method) {
            return false;
        }
        if let Some(s) = o.sites.get(site) {
            s.borrow_mut()
                .entries
                .push(CacheEntry::new(class, method, code));
        }
        self.add_dep(o, class, sel);
        true
    }

    /// A `SendLeaves` site at `pc` whose receiver is a temp pushed just
    /// before it (`PushTemp`), with two entries, nil's and one other
    /// class's, each a leaf answering a constant (`x isNil`): the push
    /// becomes `ConstNilT`, which answers both in one dispatch, and both
    /// lookups become dependencies of `o` (a redefinition invalidates it,
    /// as for an inlined leaf; the site's own cache checks the lookup
    /// epoch instead).
    fn quicken_nil_leaves(&mut self, o: &Rc<OptCode>, site: usize, pc: usize) {
        if !matches!(o.ops[pc].get(), Op::SendLeaves { .. }) {
            return;
        }
        let Some(prev) = pc.checked_sub(1).and_then(|p| o.ops.get(p)) else {
            return;
        };
        let Op::PushTemp(t) = prev.get() else {
            return;
        };
        let (sel, quick) = {
            let s = o.sites[site].borrow();
            let nil_class = self.known.undefined_object;
            let konst = |e: &CacheEntry| match e.leaf {
                Some((Leaf::Const(v), 3)) => crate::bytecode::tiny_const_of(v),
                _ => None,
            };
            let quick = match (s.argc, &s.entries[..]) {
                (0, [a, b]) => {
                    let (n, other) = if a.class == nil_class { (a, b) } else { (b, a) };
                    match (
                        n.class == nil_class,
                        konst(n),
                        konst(other),
                        u8::try_from(t),
                    ) {
                        (true, Some(nil), Some(k), Ok(t)) if other.class != nil_class => Some((
                            Op::ConstNilT {
                                t,
                                nil,
                                k,
                                class: other.class,
                            },
                            other.class,
                        )),
                        _ => None,
                    }
                }
                _ => None,
            };
            (s.sel, quick)
        };
        let Some((q, class)) = quick else {
            return;
        };
        quicken_push(o, pc, q);
        self.add_dep(o, self.known.undefined_object, sel);
        self.add_dep(o, class, sel);
    }

    /// Records that `o` relied on what looking up `sel` in `class` finds.
    fn add_dep(&mut self, o: &Rc<OptCode>, class: ClassId, sel: Value) {
        o.deps.borrow_mut().push((class, sel));
        self.tier_deps.entry(sel).or_default().push(Dependency {
            class,
            sel,
            opt: Rc::downgrade(o),
        });
        self.tier_deps_added += 1;
        if self.tier_deps_added > self.tier_deps_prune_at {
            self.prune_dependencies();
        }
    }

    /// Drops the dependencies of optimized code that is gone or invalid:
    /// code re-optimized again and again under selectors never redefined
    /// would otherwise grow the registry without bound.
    fn prune_dependencies(&mut self) {
        self.tier_deps.retain(|_, deps| {
            deps.retain(|d| d.opt.upgrade().is_some_and(|o| o.valid.get()));
            !deps.is_empty()
        });
        let left = self.tier_dependency_count();
        self.tier_deps_added = 0;
        self.tier_deps_prune_at = left.max(1024);
    }

    /// The send at `pc` of `o` (in the running top frame) found
    /// `target`'s method for receivers of its class; if that callee can
    /// be inlined (`tier::inline_body`), the method's optimized code
    /// becomes a copy of `o` with the callee's body appended and an
    /// `InlineEnter` at `pc` (or, for another class at a send that has
    /// one, the scope `link` trying it next). The running frame switches
    /// to the copy too (same pc space), so a loop that never returns gets
    /// the inlined callee from its next iteration on (the seed's
    /// `methA:`). Frames already running `o` keep it. Answers true if it
    /// inlined.
    fn inline_scope(
        &mut self,
        o: &Rc<OptCode>,
        site: usize,
        pc: usize,
        target: &CacheEntry,
        link: Option<usize>,
    ) -> bool {
        let (class, method, callee) = (target.class, target.method, &target.code);
        if o.scopes.len() >= SCOPES_MAX || !o.valid.get() {
            return false;
        }
        let frame = match self.frames.last() {
            Some(f) if f.opt.as_ref().is_some_and(|x| Rc::ptr_eq(x, o)) => f,
            _ => return false,
        };
        let argc = callee.num_args as usize;
        // (a method whose arguments are not its selector's, which only a
        // damaged snapshot holds, is sent, not inlined: its body would not
        // fit the send)
        if o.sites
            .get(site)
            .is_none_or(|s| s.borrow().argc as usize != argc)
        {
            return false;
        }
        // the callee's receiver and arguments are the top operands: its
        // temps start where they are, `off` temps into this frame; a frame
        // whose stack is not as the code's shape says (a damaged method's
        // temps) is not inlined into: the scope would not fit its send
        let depth = self.stack.len().saturating_sub(frame.bp as usize);
        if o.shape.at(pc) != Some(depth) {
            return false;
        }
        let off = match depth.checked_sub(argc).and_then(|d| u16::try_from(d).ok()) {
            Some(d) => d,
            None => return false,
        };
        let ret = match u16::try_from(pc + 1) {
            Ok(r) => r,
            Err(_) => return false,
        };
        // a block's `value:` (primitives 201-205) whose receiver, under
        // the arguments, is a closure: the block's body. Its `self` and
        // instance variables are its maker's: in the frame that made it,
        // the frame's own (guarded: only for closures this frame made);
        // elsewhere, read through the closure (any closure of the block)
        let serial = frame.serial;
        let mut maker_frame = false;
        let mut block_method = method;
        let block_code = if (201..=205).contains(&callee.info.primitive) {
            match self
                .stack
                .len()
                .checked_sub(argc + 1)
                .and_then(|i| self.stack.get(i))
                .and_then(|&r| self.heap.try_get(r))
                .map(|x| &x.body)
            {
                Some(Body::Closure(c)) if c.code.num_args as usize == argc => {
                    maker_frame = c.outer == serial
                        && c.code.ops.iter().any(|op| {
                            matches!(op, Op::PushSelf | Op::PushInstVar(_) | Op::StoreInstVar(_))
                        });
                    block_method = c.method;
                    Some(c.code.clone())
                }
                _ => return false,
            }
        } else {
            None
        };
        let body = match &block_code {
            Some(b) => inline_block_body(b, off, maker_frame),
            None => inline_body(callee, off),
        };
        let body = match body {
            Some(b) => b,
            None => return false,
        };
        let (scope_code, scope_method) = match &block_code {
            Some(b) => (b.clone(), block_method),
            None => (callee.clone(), method),
        };
        // (jumps between the caller and the body are i16)
        if o.ops.len() + body.len() + 1 > i16::MAX as usize {
            return false;
        }
        let code = match o.code.upgrade() {
            Some(c) => c,
            None => return false,
        };
        let nils = scope_code.num_temps.saturating_sub(scope_code.num_args);
        let scope = InlineScope {
            class,
            method: scope_method,
            code: scope_code.clone(),
            site: site as u16,
            start: 0,
            end: 0,
            off,
            argc: argc as u8,
            ret,
            parent: o.scope_at(pc).map(|(i, _)| i as u16),
            next: None,
            block: block_code.is_some(),
            plain: block_code.is_none() && nils <= PLAIN_NILS,
            nils: nils.min(PLAIN_NILS) as u8,
            maker_frame,
            tag_guard: class == self.known.small_integer,
            guard: match block_code {
                None => guard_of(callee),
                Some(_) => None,
            },
        };
        let new = Rc::new(with_scope(o, pc, scope, body, &scope_code, link));
        if let Some(s) = new.sites.get(site) {
            let mut s = s.borrow_mut();
            s.epoch = self.cache_epoch;
            s.entries = vec![CacheEntry::new(class, method, callee.clone())];
        }
        let label = match &block_code {
            Some(b) => format!("{} (block)", b.print_name()),
            // (straight-line arithmetic sends nothing)
            None if matches!(leaf_of(callee), Some((Leaf::Straight, _))) => {
                format!("{} v{}", callee.print_name(), callee.info.version)
            }
            None => format!("{} v{} (sends)", callee.print_name(), callee.info.version),
        };
        new.inlined.borrow_mut().push(label.clone());
        // the copy relies on all `o` relied on, and on the callee
        for &(c, sel) in o.deps.borrow().iter() {
            self.add_dep(&new, c, sel);
        }
        if let Some(sel) = o.sites.get(site).map(|s| s.borrow().sel) {
            self.add_dep(&new, class, sel);
        }
        {
            let mut t = code.tier.borrow_mut();
            if t.opt.as_ref().is_some_and(|x| Rc::ptr_eq(x, o)) {
                t.opt = Some(new.clone());
            }
        }
        if let Some(f) = self.frames.last_mut() {
            f.opt = Some(new);
        }
        self.tier_event(TierEvent::Inlined {
            method: code.print_name(),
            callee: label,
        });
        true
    }

    /// A receiver of `class` at an inlined send (`InlineEnter`) whose
    /// scopes are for other classes: inlines what it finds for `class`
    /// too, tried after scope `last`. Answers true if it did.
    fn inline_for_class(
        &mut self,
        o: &Rc<OptCode>,
        site: usize,
        pc: usize,
        class: ClassId,
        last: Option<usize>,
    ) -> bool {
        let sel = match o.sites.get(site) {
            Some(s) => s.borrow().sel,
            None => return false,
        };
        let found = self
            .lookup_uncached(class, sel)
            .and_then(|m| self.method_code(m).map(|c| (m, c)));
        match found {
            Some((method, code)) => {
                let target = CacheEntry::new(class, method, code);
                self.inline_scope(o, site, pc, &target, last)
            }
            None => false,
        }
    }

    /// Frame `fi` leaves an inlined callee's body for its own frame
    /// (something there needs the general loop): counted as a guard
    /// failure of the scope's `InlineEnter`, so a callee that keeps
    /// leaving (a primitive that fails, a `thisContext`) goes back to an
    /// inline-cached send.
    pub(crate) fn inline_bailed(&mut self, fi: usize) {
        let (o, pc) = match self.frames.get(fi) {
            Some(f) => match &f.opt {
                Some(o) => (o.clone(), f.pc as usize),
                None => return,
            },
            None => return,
        };
        let scope = o.scope_at(pc).map(|x| x.1);
        if let Some((site, at)) = scope.map(|s| (s.site as usize, s.ret as usize - 1)) {
            self.site_guard_failed(&o, site, at);
        }
    }

    /// A guard of an inlined leaf or callee at `pc` missed: count, and
    /// despecialize the site into an inline-cached send when it keeps
    /// missing.
    fn site_guard_failed(&mut self, o: &Rc<OptCode>, site: usize, pc: usize) {
        let despecialize = {
            let mut s = match o.sites.get(site) {
                Some(s) => s.borrow_mut(),
                None => return,
            };
            s.failures = s.failures.saturating_add(1);
            s.failures == MAX_GUARD_FAILURES
        };
        if despecialize {
            let leaves = o.sites[site]
                .borrow()
                .entries
                .iter()
                .any(|e| e.leaf.is_some());
            o.ops[pc].set(match leaves {
                true => Op::SendLeaves { site: site as u16 },
                false => Op::SendCached { site: site as u16 },
            });
            let method = o.code.upgrade().map(|c| c.print_name()).unwrap_or_default();
            self.tier_event(TierEvent::GuardFailed {
                method,
                pc,
                despecialized: true,
            });
        }
    }
}

/// The push before the send at `pc` becomes `q`, its quickened form
/// with the send; a pair of pushes fused over that push would jump past
/// it (`x - x foo`): it becomes its first push.
fn quicken_push(o: &OptCode, pc: usize, q: Op) {
    let Some(prev) = pc.checked_sub(1).and_then(|p| o.ops.get(p)) else {
        return;
    };
    prev.set(q);
    if let Some(pp) = pc.checked_sub(2).and_then(|p| o.ops.get(p)) {
        if let Op::PushTT { a, .. } = pp.get() {
            pp.set(Op::PushTemp(a));
        }
    }
}

/// The one-dispatch form of `prev; InlineLeaf` (a getter or a constant
/// sent to self or a temp, or a constant sent to a global: `GetterS`, `GetterT`,
/// `ConstS`, `ConstT`, `ConstG`) for receivers of
/// `class`, if there is one. Those charge the leaf's fixed cost (3: the
/// send, the push and the return), so other costs are not quickened.
fn quicken_leaf(prev: Op, leaf: Leaf, cost: u64, argc: usize, class: ClassId) -> Option<Op> {
    if argc != 0 || cost != 3 {
        return None;
    }
    match (prev, leaf) {
        (Op::PushSelf, Leaf::Getter(i)) => Some(Op::GetterS {
            slot: u8::try_from(i).ok()?,
            class,
        }),
        (Op::PushTemp(t), Leaf::Getter(i)) => Some(Op::GetterT {
            t: u8::try_from(t).ok()?,
            slot: u8::try_from(i).ok()?,
            class,
        }),
        (Op::PushSelf, Leaf::Const(v)) => {
            let (kind, imm) = crate::bytecode::small_const_for(v)?;
            Some(Op::ConstS { kind, imm, class })
        }
        (Op::PushGlobal(lit), Leaf::Const(v)) => Some(Op::ConstG {
            lit,
            k: crate::bytecode::tiny_const_of(v)?,
            class,
        }),
        (Op::PushTemp(t), Leaf::Const(v)) => match crate::bytecode::small_const_for(v)? {
            (crate::bytecode::ConstKind::Int, imm) => Some(Op::ConstT {
                t: u8::try_from(t).ok()?,
                imm,
                class,
            }),
            _ => None,
        },
        _ => None,
    }
}
