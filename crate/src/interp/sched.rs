//! Processes and the scheduler, as in Squeak: priorities 1..80, the
//! highest ready priority runs, `yield` rotates within a priority, a
//! higher-priority process that becomes ready preempts.

use super::frame::{OnReturn, ProcState, Process, Rewait, UnwindAction};
use super::proctable::NO_SLOT;
use super::run::NO_PROC;
use super::{Outcome, Vm};
use crate::object::{Body, Value};

/// Squeak's `Processor userSchedulingPriority`.
pub const USER_PRIORITY: u8 = 40;

impl Vm {
    /// The frames of process `pid` (the VM's own while it is active).
    pub(crate) fn frames_of(&self, pid: usize) -> &[super::frame::Frame] {
        if pid == self.active {
            &self.frames
        } else {
            &self.procs[pid].frames
        }
    }

    /// The operand stack of process `pid` (the VM's own for the active one).
    pub(crate) fn stack_of(&self, pid: usize) -> &[Value] {
        if pid == self.active {
            &self.stack
        } else {
            &self.procs[pid].stack
        }
    }

    /// Creates a process (not yet scheduled) with an empty stack. With
    /// every slot of the table taken, answers an id that names no process
    /// (it reads as terminated).
    pub(crate) fn new_process(&mut self, priority: u8, name: &str) -> usize {
        let pid = self.procs.next_pid();
        if pid == NO_SLOT {
            return NO_SLOT;
        }
        let obj = self
            .heap
            .alloc(self.known.process, Body::Process(pid as u32));
        self.procs.insert(Process {
            obj,
            priority: priority.clamp(1, 80),
            state: ProcState::Suspended,
            frames: vec![],
            stack: vec![],
            result: None,
            error: None,
            name: name.to_string(),
            queued: None,
            event_pending: false,
            waiting_on: None,
            rewait: None,
            origin: pid,
        })
    }

    /// Puts `pid` in its priority's ready queue, at the back (or the
    /// front), unless it is in it already.
    pub(crate) fn enqueue(&mut self, pid: usize, front: bool) {
        if self.procs[pid].queued.is_some() {
            return;
        }
        let pr = self.procs[pid].priority;
        self.procs[pid].queued = Some(pr);
        let q = &mut self.ready[pr as usize];
        if front {
            q.push_front(pid);
        } else {
            q.push_back(pid);
        }
    }

    /// Takes `pid` out of the ready queues (a scan of its queue only when
    /// it is in one).
    pub(crate) fn dequeue(&mut self, pid: usize) {
        if let Some(pr) = self.procs[pid].queued.take() {
            let q = &mut self.ready[pr as usize];
            if let Some(i) = q.iter().position(|p| *p == pid) {
                q.remove(i);
            }
        }
    }

    /// Makes every process's `queued` agree with the ready queues (after
    /// they were replaced wholesale).
    pub(crate) fn sync_queued(&mut self) {
        for p in self.procs.iter_mut() {
            p.queued = None;
        }
        for (pr, q) in self.ready.iter().enumerate() {
            for &p in q {
                self.procs[p].queued = Some(pr as u8);
            }
        }
    }

    /// Makes `pid` ready; preempts the active process if `pid` has a
    /// higher priority.
    pub(crate) fn make_ready(&mut self, pid: usize) {
        self.procs[pid].state = ProcState::Ready;
        if pid != self.active {
            self.enqueue(pid, false);
        }
        if self.active != NO_PROC
            && self.active != pid
            && self.procs[self.active].state == ProcState::Ready
            && self.procs[pid].priority > self.procs[self.active].priority
        {
            // preempt: the active process goes to the front of its queue
            let a = self.active;
            self.save_active();
            self.enqueue(a, true);
        }
    }

    /// Takes the active process off the CPU (its state is kept).
    pub(crate) fn save_active(&mut self) {
        if self.active == NO_PROC {
            return;
        }
        let a = self.active;
        // its frames that may run inlined callees are still to split
        let from = std::mem::replace(&mut self.inlined_from, super::NOT_INLINED);
        if from != super::NOT_INLINED {
            self.note_inlined_elsewhere(a, from);
        }
        self.procs[a].frames = std::mem::take(&mut self.frames);
        self.procs[a].stack = std::mem::take(&mut self.stack);
        self.active = NO_PROC;
    }

    pub(crate) fn switch_to(&mut self, pid: usize) {
        if self.active == pid {
            return;
        }
        self.save_active();
        self.dequeue(pid);
        self.frames = std::mem::take(&mut self.procs[pid].frames);
        self.stack = std::mem::take(&mut self.procs[pid].stack);
        self.active = pid;
    }

    pub(crate) fn pick_next(&mut self) -> Option<usize> {
        for pr in (1..self.ready.len()).rev() {
            while let Some(p) = self.ready[pr].pop_front() {
                self.procs[p].queued = None;
                if self.procs[p].state == ProcState::Ready {
                    return Some(p);
                }
            }
        }
        None
    }

    /// `Processor yield`: the active process goes to the back of its
    /// priority's queue.
    pub(crate) fn yield_active(&mut self) {
        let a = self.active;
        if a == NO_PROC {
            return;
        }
        let pr = self.procs[a].priority as usize;
        if self.ready[pr].is_empty() {
            return;
        }
        self.save_active();
        self.enqueue(a, false);
    }

    /// Blocks the active process in `state` (waiting, sleeping, suspended).
    pub(crate) fn block_active(&mut self, state: ProcState) {
        let a = self.active;
        if a == NO_PROC {
            return;
        }
        if matches!(state, ProcState::Sleeping(_)) && !self.sleepers.contains(&a) {
            self.sleepers.push(a);
        }
        self.procs[a].state = state;
        self.save_active();
    }

    pub(crate) fn wake_sleepers(&mut self) {
        // only processes blocked on a Delay are in `sleepers`
        if self.sleepers.is_empty() {
            return;
        }
        let now = (self.clock)();
        let mut due = Vec::new();
        self.sleepers.retain(|&p| {
            let procs = &self.procs;
            match procs[p].state {
                ProcState::Sleeping(t) if t <= now => {
                    due.push((t, p));
                    false
                }
                ProcState::Sleeping(_) => true,
                _ => false,
            }
        });
        // in the order they are due, as Squeak's timer signals expired
        // Delays (earliest resumption time first; ties as they began)
        due.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (_, p) in due {
            self.make_ready(p);
        }
    }

    /// Takes a blocked process `pid` (not the active one) off what it
    /// waits on, suspended, remembering the wait for `resume_suspended`.
    pub(crate) fn suspend_blocked(&mut self, pid: usize) {
        let rewait = match self.procs[pid].state {
            ProcState::Waiting => self.procs[pid].waiting_on.take().map(Rewait::Semaphore),
            // (`wake_sleepers` drops it from `sleepers`: no longer sleeping)
            ProcState::Sleeping(t) => Some(Rewait::Sleep(t)),
            _ => return,
        };
        // it leaves the semaphore's queue (a resume queues it at the back)
        if let Some(Rewait::Semaphore(at)) = rewait {
            if let Some(q) = self.sem_waiters.get_mut(&at) {
                q.retain(|&p| p != pid);
            }
        }
        self.procs[pid].state = ProcState::Suspended;
        self.procs[pid].rewait = rewait;
    }

    /// Resumes a suspended process: back to the wait it was suspended in
    /// (a signal that came meanwhile, or a Delay that ended, lets it go on
    /// at once), or ready.
    pub(crate) fn resume_suspended(&mut self, pid: usize) {
        match self.procs[pid].rewait.take() {
            Some(Rewait::Semaphore(at)) => {
                let sem = Value::obj(at as u32);
                let n = self.slot(sem, 0).as_int().unwrap_or(0);
                if n > 0 {
                    self.set_slot(sem, 0, Value::small(n - 1));
                    self.make_ready(pid);
                } else {
                    self.procs[pid].waiting_on = Some(at);
                    self.sem_waiters.entry(at).or_default().push_back(pid);
                    self.procs[pid].state = ProcState::Waiting;
                }
            }
            Some(Rewait::Sleep(t)) if t > (self.clock)() => {
                self.procs[pid].state = ProcState::Sleeping(t);
                if !self.sleepers.contains(&pid) {
                    self.sleepers.push(pid);
                }
            }
            _ => self.make_ready(pid),
        }
    }

    pub(crate) fn next_wakeup(&self) -> Option<f64> {
        self.sleepers
            .iter()
            .filter_map(|&p| match self.procs[p].state {
                ProcState::Sleeping(t) => Some(t),
                _ => None,
            })
            .reduce(f64::min)
    }

    /// Semaphore>>signal on the semaphore object `sem` (slot 0 holds the
    /// excess signal count).
    pub(crate) fn semaphore_signal(&mut self, sem: Value) {
        // a terminated process leaves its place in the queue (`terminate`
        // does not look for it): skipped here, pruned by collections
        let mut waiter = None;
        let at = sem.obj_index();
        if let Some(q) = self.sem_waiters.get_mut(&at) {
            while let Some(p) = q.pop_front() {
                if self.procs.waits_on(p, at) {
                    self.procs[p].waiting_on = None;
                    waiter = Some(p);
                    break;
                }
            }
            if waiter.is_none() {
                self.sem_waiters.remove(&sem.obj_index());
            }
        }
        match waiter {
            Some(p) => {
                if self
                    .sem_waiters
                    .get(&sem.obj_index())
                    .is_some_and(|q| q.is_empty())
                {
                    self.sem_waiters.remove(&sem.obj_index());
                }
                self.make_ready(p);
            }
            None => {
                let n = self.slot(sem, 0).as_int().unwrap_or(0);
                self.set_slot(sem, 0, Value::small(n + 1));
            }
        }
    }

    /// Places in semaphores' queues (a terminated waiter's stays until a
    /// signal skips it or a collection prunes it).
    pub fn semaphore_places(&self) -> usize {
        self.sem_waiters.values().map(|q| q.len()).sum()
    }

    /// Semaphore>>wait: consume a signal or block.
    pub(crate) fn semaphore_wait(&mut self, sem: Value) {
        let n = self.slot(sem, 0).as_int().unwrap_or(0);
        if n > 0 {
            self.set_slot(sem, 0, Value::small(n - 1));
            return;
        }
        let a = self.active;
        self.procs[a].waiting_on = Some(sem.obj_index());
        self.sem_waiters
            .entry(sem.obj_index())
            .or_default()
            .push_back(a);
        self.block_active(ProcState::Waiting);
    }

    /// Starts a process that sends `sel` with `args` to `recv`.
    pub fn start_send(
        &mut self,
        recv: Value,
        sel: &str,
        args: &[Value],
        priority: u8,
    ) -> Option<usize> {
        let selv = self.intern(sel);
        let class = self.class_of(recv);
        let m = self.lookup_uncached(class, selv)?;
        let code = self.method_code(m)?;
        let pid = self.new_process(priority, sel);
        if pid == NO_SLOT {
            return Some(pid);
        }
        let saved = self.active;
        // the running process is put aside as for a switch (its frames, and
        // its mark of frames still to split, where materializing looks),
        // and the bottom frame is built directly in the new process
        self.save_active();
        let prev_frames = std::mem::take(&mut self.frames);
        let prev_stack = std::mem::take(&mut self.stack);
        self.active = pid;
        self.stack.push(recv);
        self.stack.extend_from_slice(args);
        self.invoke(m, code, recv, args.len());
        // a primitive may have taken the process off the CPU (a Semaphore
        // wait): it keeps its answer on its stack and the state it was
        // given, and finishes with that answer once it runs again
        // (`Vm::run`)
        let blocked = self.active != pid;
        // a primitive may have answered at once
        if !blocked && self.frames.is_empty() {
            let v = self.stack.pop().unwrap_or(Value::NIL);
            self.procs[pid].state = ProcState::Finished;
            self.procs[pid].result = Some(v);
            self.procs[pid].event_pending = true;
            self.events.push_back(Outcome::Finished { pid, value: v });
        }
        // (its frames, stack and mark to the new process)
        self.save_active();
        if saved == NO_PROC {
            self.frames = prev_frames;
            self.stack = prev_stack;
        } else {
            self.switch_to(saved);
        }
        if !blocked
            && self.procs[pid].state != ProcState::Finished
            && self.procs[pid].state != ProcState::Errored
        {
            self.make_ready(pid);
        }
        Some(pid)
    }

    /// Starts a process that evaluates a compiled do-it method.
    pub fn start_method(&mut self, method: Value, recv: Value, priority: u8, name: &str) -> usize {
        let pid = self.new_process(priority, name);
        if pid == NO_SLOT {
            return pid;
        }
        if let Some(code) = self.method_code(method) {
            // build the bottom frame in the new process's own stacks
            let saved_frames = std::mem::take(&mut self.frames);
            let saved_stack = std::mem::take(&mut self.stack);
            self.stack.push(recv);
            self.push_method_frame(method, code, recv, 0, OnReturn::Push);
            self.procs[pid].frames = std::mem::replace(&mut self.frames, saved_frames);
            self.procs[pid].stack = std::mem::replace(&mut self.stack, saved_stack);
        }
        self.make_ready(pid);
        pid
    }

    /// Starts a process running a 0-argument block (fork); `None` when
    /// the table of processes is full.
    pub(crate) fn start_block(&mut self, closure: Value, priority: u8) -> Option<usize> {
        let pid = self.new_process(priority, "forked");
        if pid == NO_SLOT {
            return None;
        }
        let saved_frames = std::mem::take(&mut self.frames);
        let saved_stack = std::mem::take(&mut self.stack);
        let saved_active = self.active;
        // forked by the active process: the same work
        if let Some(origin) = self.procs.get(saved_active).map(|f| f.origin) {
            self.procs[pid].origin = origin;
        }
        self.active = pid;
        self.stack.push(closure);
        self.activate_block(closure, 0, OnReturn::Push);
        self.procs[pid].frames = std::mem::take(&mut self.frames);
        self.procs[pid].stack = std::mem::take(&mut self.stack);
        self.frames = saved_frames;
        self.stack = saved_stack;
        self.active = saved_active;
        Some(pid)
    }

    /// Terminates a process, running its `ensure:` blocks first.
    pub fn terminate(&mut self, pid: usize) {
        if !self.procs.contains(pid) {
            return;
        }
        match self.procs[pid].state {
            ProcState::Finished | ProcState::Terminated => return,
            _ => {}
        }
        self.dequeue(pid);
        // (its place in a semaphore's queue, if any, is skipped by
        // `semaphore_signal`: looking for it cost every queue's length)
        let was_active = self.active == pid;
        if !was_active {
            self.switch_to_for_unwind(pid);
        }
        self.procs[pid].state = ProcState::Ready;
        self.procs[pid].error = None;
        // unwind everything, running ensure: blocks, then stop
        let bottom = self.frames.first().map(|f| f.serial);
        match bottom {
            Some(_) => {
                self.unwind(0, UnwindAction::Terminate);
                if self.frames.is_empty() {
                    self.procs[pid].state = ProcState::Terminated;
                }
            }
            None => self.procs[pid].state = ProcState::Terminated,
        }
        if !was_active && self.procs[pid].state == ProcState::Ready {
            // ensure blocks still to run: schedule the process first
            self.save_active();
            self.enqueue(pid, true);
        } else if !was_active {
            self.save_active();
        }
    }

    /// Makes `pid` the active process right now (to unwind or restart
    /// it), putting a runnable active process back at the front of its queue.
    pub(crate) fn switch_to_for_unwind(&mut self, pid: usize) {
        let prev = self.active;
        if prev != NO_PROC && self.procs[prev].state == ProcState::Ready {
            self.save_active();
            self.enqueue(prev, true);
        } else {
            self.save_active();
        }
        self.frames = std::mem::take(&mut self.procs[pid].frames);
        self.stack = std::mem::take(&mut self.procs[pid].stack);
        self.active = pid;
    }
}
