//! Entering optimized code: counting calls and loop back-edges, making
//! optimized code for a hot code unit, and switching a frame into it at
//! a call or at a loop head (on-stack replacement); and what the tier
//! tells the host (its events and the tier panel's report).

use super::code::OptCode;
use super::event::TierEvent;
use super::specialize::specialize;
use crate::interp::{TierMode, Vm};
use crate::object::{Body, Code};
use std::rc::Rc;

/// The optimized code of `code`, if it has some: what a frame pushed for
/// it runs (a peek, for the call paths, which then skip `tier_enter`
/// and its counting; a unit being optimized right now has none yet).
#[inline(always)]
pub(crate) fn opt_of(code: &Code) -> Option<Rc<OptCode>> {
    code.tier.try_borrow().ok()?.opt.clone()
}

impl Vm {
    fn threshold(&self) -> u32 {
        match self.tier {
            TierMode::Off => u32::MAX,
            TierMode::Eager => 0,
            TierMode::On => self.tier_threshold,
        }
    }

    /// Called when a frame is pushed: runs optimized code if the unit has
    /// it, counts the call otherwise and optimizes when hot.
    pub(crate) fn tier_enter(&mut self) {
        if self.tier == TierMode::Off {
            return;
        }
        let threshold = self.threshold();
        let f = match self.frames.last_mut() {
            Some(f) => f,
            None => return,
        };
        // the common case (optimized code exists) borrows the frame's
        // code in place: no Rc clone per call
        let mut t = f.code.tier.borrow_mut();
        if let Some(o) = &t.opt {
            f.opt = Some(o.clone());
            return;
        }
        t.counter = t.counter.saturating_add(1);
        if t.counter > threshold {
            drop(t);
            let code = f.code.clone();
            let mut t = code.tier.borrow_mut();
            let o = Rc::new(specialize(&code));
            t.opt = Some(o.clone());
            t.optimizations += 1;
            t.counter = 0;
            f.opt = Some(o);
            drop(t);
            self.tier_event(TierEvent::Optimized {
                method: code.print_name(),
                osr: false,
            });
        }
    }

    /// At a loop back-edge of a canonical frame: count, and switch the
    /// frame into optimized code when hot (on-stack replacement). Answers
    /// true if the frame now runs optimized code.
    pub(crate) fn tier_backedge(&mut self, fi: usize) -> bool {
        let threshold = self.threshold();
        let code = self.frames[fi].code.clone();
        let mut t = code.tier.borrow_mut();
        if let Some(o) = &t.opt {
            self.frames[fi].opt = Some(o.clone());
            return true;
        }
        t.counter = t.counter.saturating_add(1);
        if t.counter <= threshold {
            return false;
        }
        let o = Rc::new(specialize(&code));
        t.opt = Some(o.clone());
        t.optimizations += 1;
        t.counter = 0;
        drop(t);
        self.frames[fi].opt = Some(o);
        self.tier_event(TierEvent::Optimized {
            method: code.print_name(),
            osr: true,
        });
        true
    }

    pub(crate) fn tier_event(&mut self, e: TierEvent) {
        if self.trace_tier {
            eprintln!("[tier] {}", e);
        }
        if self.tier_events.len() < 10_000 {
            self.tier_events.push(e);
        }
    }

    /// Takes the tier events recorded so far.
    pub fn take_tier_events(&mut self) -> Vec<TierEvent> {
        std::mem::take(&mut self.tier_events)
    }

    /// Tier state per optimized method, for the tier panel:
    /// (method, optimized now?, inlined callees, deopt count).
    pub fn tier_report(&self) -> Vec<(String, bool, Vec<String>, u32)> {
        let mut out = Vec::new();
        for c in &self.classes {
            for m in c.methods.values() {
                if let Some(Body::Method(code)) = self.heap.try_get(*m).map(|o| &o.body) {
                    let t = code.tier.borrow();
                    if t.optimizations == 0 && t.deopts == 0 {
                        continue;
                    }
                    let inlined = t
                        .opt
                        .as_ref()
                        .map(|o| o.inlined.borrow().clone())
                        .unwrap_or_default();
                    out.push((code.print_name(), t.opt.is_some(), inlined, t.deopts));
                }
            }
        }
        out.sort();
        out
    }
}
