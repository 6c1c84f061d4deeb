//! The scheduler's table of processes, whose entries are reclaimed.
//!
//! A process id is a slot of the table and that slot's generation
//! (`slot | generation << SLOT_BITS`, so that it fits the page's `u32`).
//! A finished or terminated process's slot is freed by the collection that
//! finds its Process object unreachable (`Vm::collect_garbage`), and reused
//! by the next process with the next generation: an id the host kept for a
//! process that ended then names no process, and reads as a terminated one
//! ([`ProcTable::index`] never panics), until the slot has been reused
//! [`GENERATIONS`] times. A Process object Smalltalk still refers to keeps its
//! slot: it goes on answering `isTerminated`.

use super::frame::{ProcState, Process};
use crate::object::Value;

/// Bits of a process id that name its slot: at most 4,194,304 processes
/// at once (each also has a Process object that the heap limit counts).
pub const SLOT_BITS: u32 = 22;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;
/// Generations a slot goes through before its ids repeat.
pub const GENERATIONS: usize = (1 << (32 - SLOT_BITS)) - 1;
/// The id `new_process` answers when every slot is taken: it names no
/// process (its generation is never used).
pub const NO_SLOT: usize = u32::MAX as usize;

struct Slot {
    /// The id of the process in this slot (or of the last one, if free).
    pid: usize,
    proc: Option<Process>,
}

pub struct ProcTable {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    /// What a process id that names no process reads as: terminated,
    /// without frames.
    gone: Process,
    /// What writes through such an id go to (reset before each).
    scratch: Process,
    /// Slots freed so far.
    pub reclaimed: u64,
}

fn gone() -> Process {
    Process {
        obj: Value::NIL,
        priority: 1,
        state: ProcState::Terminated,
        frames: vec![],
        stack: vec![],
        result: None,
        error: None,
        name: String::new(),
        queued: None,
        event_pending: false,
        waiting_on: None,
        rewait: None,
        origin: usize::MAX,
    }
}

impl Default for ProcTable {
    fn default() -> Self {
        ProcTable {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            gone: gone(),
            scratch: gone(),
            reclaimed: 0,
        }
    }
}

impl ProcTable {
    /// The id the next [`ProcTable::insert`] will answer ([`NO_SLOT`] when
    /// the table is full).
    pub fn next_pid(&self) -> usize {
        match self.free.last() {
            Some(&s) => {
                let old = self.slots[s as usize].pid;
                let generation = ((old >> SLOT_BITS) + 1) % GENERATIONS;
                s as usize | generation << SLOT_BITS
            }
            None if self.slots.len() <= SLOT_MASK => self.slots.len(),
            None => NO_SLOT,
        }
    }

    /// Adds a process under [`ProcTable::next_pid`] and answers its id
    /// ([`NO_SLOT`], dropping it, when the table is full).
    pub fn insert(&mut self, p: Process) -> usize {
        let pid = self.next_pid();
        if pid == NO_SLOT {
            return NO_SLOT;
        }
        let slot = pid & SLOT_MASK;
        if slot == self.slots.len() {
            self.slots.push(Slot { pid, proc: Some(p) });
        } else {
            self.free.pop();
            self.slots[slot] = Slot { pid, proc: Some(p) };
        }
        self.live += 1;
        pid
    }

    /// Frees the slot of process `pid` (its id then names no process).
    pub fn remove(&mut self, pid: usize) {
        if self.get(pid).is_some() {
            let slot = pid & SLOT_MASK;
            self.slots[slot].proc = None;
            self.free.push(slot as u32);
            self.live -= 1;
            self.reclaimed += 1;
        }
    }

    pub fn get(&self, pid: usize) -> Option<&Process> {
        match self.slots.get(pid & SLOT_MASK) {
            Some(s) if s.pid == pid => s.proc.as_ref(),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, pid: usize) -> Option<&mut Process> {
        match self.slots.get_mut(pid & SLOT_MASK) {
            Some(s) if s.pid == pid => s.proc.as_mut(),
            _ => None,
        }
    }

    /// Whether `pid` names a process.
    pub fn contains(&self, pid: usize) -> bool {
        self.get(pid).is_some()
    }

    /// Whether `pid` was ever answered by [`ProcTable::insert`] (the
    /// process may have ended and been reclaimed since).
    pub fn issued(&self, pid: usize) -> bool {
        match self.slots.get(pid & SLOT_MASK) {
            Some(s) => pid >> SLOT_BITS <= s.pid >> SLOT_BITS,
            None => false,
        }
    }

    /// Whether process `pid` is waiting on the semaphore with object
    /// index `sem`.
    pub fn waits_on(&self, pid: usize, sem: usize) -> bool {
        self.get(pid)
            .is_some_and(|p| p.state == ProcState::Waiting && p.waiting_on == Some(sem))
    }

    /// Processes in the table.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Slots the table has (live processes plus free slots): what its
    /// memory is proportional to.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The processes with their ids. (`procs.iter().enumerate()` also
    /// answers ids, not positions: see [`Procs::enumerate`].)
    pub fn iter(&self) -> Procs<'_> {
        Procs(self.slots.iter())
    }

    pub fn iter_mut(&mut self) -> ProcsMut<'_> {
        ProcsMut(self.slots.iter_mut())
    }

    /// The ids of every process.
    pub fn pids(&self) -> Vec<usize> {
        self.iter().enumerate().map(|(pid, _)| pid).collect()
    }

    /// What a table with no process in it is (a kernel snapshot keeps
    /// it): the id each slot gave out last, the free slots in the order
    /// they are reused last first, and [`ProcTable::reclaimed`]; `None`
    /// while a process is in it.
    pub fn idle_parts(&self) -> Option<(Vec<usize>, Vec<u32>, u64)> {
        if self.live != 0 {
            return None;
        }
        let pids = self.slots.iter().map(|s| s.pid).collect();
        Some((pids, self.free.clone(), self.reclaimed))
    }

    /// The table [`ProcTable::idle_parts`] describes; `None` if the parts
    /// do not make one: a slot's id names another slot or a generation
    /// past [`GENERATIONS`], or the free slots are not each slot once.
    pub fn from_idle_parts(pids: Vec<usize>, free: Vec<u32>, reclaimed: u64) -> Option<ProcTable> {
        if pids.len() > SLOT_MASK + 1 || free.len() != pids.len() {
            return None;
        }
        for (i, &pid) in pids.iter().enumerate() {
            if pid & SLOT_MASK != i || pid >> SLOT_BITS >= GENERATIONS {
                return None;
            }
        }
        let mut seen = vec![false; pids.len()];
        for &s in &free {
            match seen.get_mut(s as usize) {
                Some(b) if !*b => *b = true,
                _ => return None,
            }
        }
        Some(ProcTable {
            slots: pids
                .into_iter()
                .map(|pid| Slot { pid, proc: None })
                .collect(),
            free,
            reclaimed,
            ..ProcTable::default()
        })
    }
}

/// The processes of a [`ProcTable`].
pub struct Procs<'a>(std::slice::Iter<'a, Slot>);

impl<'a> Procs<'a> {
    /// (id, process) pairs: as `Iterator::enumerate` on a vector indexed
    /// by id, which the table was.
    pub fn enumerate(self) -> impl Iterator<Item = (usize, &'a Process)> {
        self.0.filter_map(|s| s.proc.as_ref().map(|p| (s.pid, p)))
    }
}

impl<'a> Iterator for Procs<'a> {
    type Item = &'a Process;
    fn next(&mut self) -> Option<&'a Process> {
        self.0.by_ref().find_map(|s| s.proc.as_ref())
    }
}

/// The processes of a [`ProcTable`], mutably.
pub struct ProcsMut<'a>(std::slice::IterMut<'a, Slot>);

impl<'a> ProcsMut<'a> {
    /// (id, process) pairs: see [`Procs::enumerate`].
    pub fn enumerate(self) -> impl Iterator<Item = (usize, &'a mut Process)> {
        self.0.filter_map(|s| {
            let pid = s.pid;
            s.proc.as_mut().map(|p| (pid, p))
        })
    }
}

impl<'a> Iterator for ProcsMut<'a> {
    type Item = &'a mut Process;
    fn next(&mut self) -> Option<&'a mut Process> {
        self.0.by_ref().find_map(|s| s.proc.as_mut())
    }
}

impl std::ops::Index<usize> for ProcTable {
    type Output = Process;
    /// The process `pid` names; one that names none reads as terminated.
    #[inline]
    fn index(&self, pid: usize) -> &Process {
        match self.get(pid) {
            Some(p) => p,
            None => &self.gone,
        }
    }
}

impl std::ops::IndexMut<usize> for ProcTable {
    /// The process `pid` names; writes through an id that names none are
    /// lost.
    #[inline]
    fn index_mut(&mut self, pid: usize) -> &mut Process {
        match self.slots.get_mut(pid & SLOT_MASK) {
            Some(Slot {
                pid: p,
                proc: Some(proc),
            }) if *p == pid => proc,
            _ => {
                self.scratch = gone();
                &mut self.scratch
            }
        }
    }
}
