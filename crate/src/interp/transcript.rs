//! The Transcript's output not yet taken by the host, each part tagged
//! with the process that wrote it and that process's origin (the process
//! the host started whose work it is: see `Process::origin`), so that a
//! host can tell whose it is (the playground shows what its workspace's
//! evaluations wrote apart from the program's output).

/// Text, and the process that wrote each run of it.
#[derive(Debug, Default)]
pub struct Transcript {
    text: String,
    /// The runs in order: consecutive writes of one process make one.
    runs: Vec<Run>,
}

/// A run of the text and who wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// The process that wrote it.
    pub pid: usize,
    /// That process's origin.
    pub origin: usize,
    /// Its byte range in the text.
    pub start: usize,
    pub end: usize,
}

impl Transcript {
    /// Appends `s`, written by process `pid` of origin `origin`.
    pub fn write(&mut self, pid: usize, origin: usize, s: &str) {
        if s.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(s);
        let end = self.text.len();
        match self.runs.last_mut() {
            Some(r) if r.pid == pid && r.origin == origin => r.end = end,
            _ => self.runs.push(Run {
                pid,
                origin,
                start,
                end,
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Takes the text.
    pub fn take(&mut self) -> String {
        self.runs.clear();
        std::mem::take(&mut self.text)
    }

    /// Takes the text, and with it who wrote each run of it.
    pub fn take_runs(&mut self) -> (String, Vec<Run>) {
        (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.runs),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_is_tagged_with_its_writer() {
        let mut t = Transcript::default();
        t.write(1, 1, "a");
        t.write(1, 1, "b");
        t.write(2, 1, "");
        t.write(2, 1, "cd");
        t.write(1, 1, "e");
        let (text, runs) = t.take_runs();
        assert_eq!(text, "abcde");
        let run = |pid, start, end| Run {
            pid,
            origin: 1,
            start,
            end,
        };
        assert_eq!(runs, vec![run(1, 0, 2), run(2, 2, 4), run(1, 4, 5)]);
        assert!(t.is_empty());
        t.write(3, 3, "x");
        assert_eq!(t.take(), "x");
        t.write(4, 4, "y");
        assert_eq!(t.take_runs().1.len(), 1);
    }
}
