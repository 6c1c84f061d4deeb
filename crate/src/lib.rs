pub mod syntax;
pub mod tier;
pub mod bytecode;
pub mod compiler;
pub mod object;
pub mod fileformat;
pub mod interp;
pub mod kernel;
pub mod live_script;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use interp::{Outcome, Vm};
