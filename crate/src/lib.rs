pub mod syntax;
pub mod bytecode;
pub mod compiler;
pub mod object;
pub mod fileformat;
pub mod interp;
pub mod kernel;
pub mod live_script;

pub use interp::{Outcome, Vm};
