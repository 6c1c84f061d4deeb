//! Running some processes without the others. The debugger's step runs
//! one alone: every other process is set aside with its place in the
//! queues, its sleep and its undelivered events, and put back afterwards
//! with whatever became ready meanwhile. The host's fair share sets aside
//! one priority's ready processes for part of a time slice.

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

impl Vm {
    /// Whether a process of priority `pr` is ready (or running).
    pub fn ready_at(&self, pr: u8) -> bool {
        let a = self.active;
        (a != NO_PROC && self.procs[a].priority == pr && self.procs[a].state == ProcState::Ready)
            || self.ready.get(pr as usize).is_some_and(|q| !q.is_empty())
    }

    /// Whether a process below priority `pr` is ready (or running).
    pub fn ready_below(&self, pr: u8) -> bool {
        let a = self.active;
        (a != NO_PROC && self.procs[a].priority < pr && self.procs[a].state == ProcState::Ready)
            || self.ready.iter().take(pr as usize).any(|q| !q.is_empty())
    }

    /// Sets aside the ready processes of priority `pr` (the running one
    /// too, in front), so that a `run` runs the others; they keep their
    /// frames as they are. [`Vm::put_back_priority`] puts them back.
    pub fn set_aside_priority(&mut self, pr: u8) -> VecDeque<usize> {
        let a = self.active;
        if a != NO_PROC && self.procs[a].priority == pr && self.procs[a].state == ProcState::Ready {
            self.save_active();
            self.enqueue(a, true);
        }
        let aside = self
            .ready
            .get_mut(pr as usize)
            .map(std::mem::take)
            .unwrap_or_default();
        for &p in &aside {
            self.procs[p].queued = None;
        }
        aside
    }

    /// Puts back what [`Vm::set_aside_priority`] set aside that is still
    /// ready, ahead of those of that priority made ready meanwhile; they
    /// preempt a lower-priority process, as a process made ready does.
    pub fn put_back_priority(&mut self, pr: u8, aside: VecDeque<usize>) {
        let Some(q) = self.ready.get_mut(pr as usize) else {
            return;
        };
        let during = std::mem::take(q);
        for &p in &during {
            self.procs[p].queued = None;
        }
        let mut back = false;
        for p in aside.into_iter().chain(during) {
            if self.procs[p].state == ProcState::Ready && p != self.active {
                self.enqueue(p, false);
                back = true;
            }
        }
        let a = self.active;
        if back
            && a != NO_PROC
            && self.procs[a].state == ProcState::Ready
            && self.procs[a].priority < pr
        {
            self.save_active();
            self.enqueue(a, true);
        }
    }
}
