//! Running one process alone (the debugger's step): every other process
//! is set aside with its place in the queues, its sleep and its undelivered
//! events, and put back afterwards with whatever became ready meanwhile.

use super::frame::ProcState;
use super::run::NO_PROC;
use super::{Outcome, Vm};
use std::collections::VecDeque;

/// What [`Vm::set_aside_others`] took away, for [`Vm::put_back_others`].
pub struct SetAside {
    ready: Vec<VecDeque<usize>>,
    sleepers: Vec<usize>,
    events: VecDeque<Outcome>,
}

impl Vm {
    /// Sets every process aside (the active one back in front of its
    /// queue) and makes `pid` ready: a `run` now runs `pid` only, and
    /// what it makes ready.
    pub fn set_aside_others(&mut self, pid: usize) -> SetAside {
        let a = self.active;
        if a != NO_PROC {
            self.save_active();
            if self.procs[a].state == ProcState::Ready {
                self.enqueue(a, true);
            }
        }
        let ready = std::mem::replace(&mut self.ready, vec![Default::default(); 81]);
        self.sync_queued();
        let aside = SetAside {
            ready,
            sleepers: std::mem::take(&mut self.sleepers),
            events: std::mem::take(&mut self.events),
        };
        self.make_ready(pid);
        aside
    }

    /// Puts back what [`Vm::set_aside_others`] set aside, with the
    /// processes that became ready or asleep meanwhile (`pid` itself
    /// excepted), then `forwarded`: events the host is still to see.
    pub fn put_back_others(&mut self, aside: SetAside, pid: usize, forwarded: Vec<Outcome>) {
        let during = std::mem::replace(&mut self.ready, aside.ready);
        self.sync_queued();
        for p in during.into_iter().flatten() {
            if p != pid {
                self.enqueue(p, false);
            }
        }
        let slept = std::mem::replace(&mut self.sleepers, aside.sleepers);
        for p in slept {
            if !self.sleepers.contains(&p) {
                self.sleepers.push(p);
            }
        }
        let queued = std::mem::replace(&mut self.events, aside.events);
        self.events.extend(queued);
        self.events.extend(forwarded);
    }
}
