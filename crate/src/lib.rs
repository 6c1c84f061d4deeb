pub mod bytecode;
pub mod compiler;
pub mod fileformat;
pub mod interp;
pub mod kernel;
pub mod live_script;
pub mod object;
pub mod share;
pub mod syntax;
pub mod tier;
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use interp::{Outcome, Vm};
