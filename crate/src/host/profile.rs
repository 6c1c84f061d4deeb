//! A sampling profiler of Smalltalk methods, as Squeak's MessageTally, at
//! no cost to the running code: the process runs in slices of a fixed
//! number of instructions (the VM can stop after any one), and after each
//! slice the running process's stack is read, each inlined callee as its
//! own frame (`Vm::virtual_frames`, which changes nothing). A method's
//! *self* share is the samples it was the innermost frame in, its *total*
//! share those it was anywhere on the stack in (once per sample).

use crate::interp::{Vm, NO_PROC};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Samples taken so far.
#[derive(Debug, Default)]
pub struct Profile {
    /// Instructions between two samples.
    pub every: u64,
    pub samples: u64,
    own: HashMap<String, u64>,
    total: HashMap<String, u64>,
}

impl Profile {
    pub fn new(every: u64) -> Profile {
        Profile {
            every,
            ..Profile::default()
        }
    }

    /// Records the running process's stack (nothing when none runs).
    pub fn sample(&mut self, vm: &Vm) {
        if vm.active == NO_PROC {
            return;
        }
        let frames = vm.virtual_frames(vm.active);
        let Some(top) = frames.last() else {
            return;
        };
        self.samples += 1;
        *self.own.entry(top.code.print_name()).or_default() += 1;
        let mut seen = HashSet::new();
        for f in frames.iter() {
            let name = f.code.print_name();
            if seen.insert(name.clone()) {
                *self.total.entry(name).or_default() += 1;
            }
        }
    }

    /// Self and total samples of `method` (`Class>>selector`, or
    /// `[] in Class>>selector` for its blocks).
    pub fn of(&self, method: &str) -> (u64, u64) {
        (
            self.own.get(method).copied().unwrap_or(0),
            self.total.get(method).copied().unwrap_or(0),
        )
    }

    /// The `top` methods by self share, as a table.
    pub fn report(&self, top: usize) -> String {
        let mut rows: Vec<(&String, u64)> = self.own.iter().map(|(k, v)| (k, *v)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let pct = |n: u64| 100.0 * n as f64 / self.samples.max(1) as f64;
        let mut out = format!(
            "profile: {} samples, one every {} instructions\n  self%  total%  method\n",
            self.samples, self.every
        );
        for (name, n) in rows.into_iter().take(top) {
            let total = self.total.get(name).copied().unwrap_or(n);
            let _ = writeln!(out, "{:7.1} {:7.1}  {}", pct(n), pct(total), name);
        }
        out
    }
}
