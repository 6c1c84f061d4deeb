//! A code unit's stack shape: per pc, how many values lie above the
//! frame's temp 0, as the verifier (`crate::verify`) computes it once and
//! the fast loop reads it when it takes a frame.

/// A pc no path reaches (code after a `^`, kept for the stack's shape).
pub const DEAD: u16 = u16::MAX;

/// The operand stack's shape of a code unit (see the module doc of
/// [`crate::verify`]).
#[derive(Clone, Debug)]
pub struct Shape {
    /// Per pc, the number of values above temp 0 before it runs, or
    /// [`DEAD`]; empty for code that did not verify.
    pub heights: Box<[u16]>,
    /// The height at pc 0 (its temps), or [`DEAD`] for code that did not
    /// verify: what a frame just called has (so a call checks this, not
    /// the table).
    pub entry: u16,
    /// The most values above temp 0 at any point.
    pub max: u16,
}

impl Default for Shape {
    /// The shape of code that did not verify: no pc is reachable.
    fn default() -> Shape {
        Shape {
            heights: Box::new([]),
            entry: DEAD,
            max: 0,
        }
    }
}

impl Shape {
    /// The height at `pc`, if the code verified and a path reaches it.
    #[inline(always)]
    pub fn at(&self, pc: usize) -> Option<usize> {
        match self.heights.get(pc) {
            Some(&h) if h != DEAD => Some(h as usize),
            _ => None,
        }
    }
}
