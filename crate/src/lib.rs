pub mod bytecode;
pub mod compiler;
pub mod fileformat;
pub mod host;
pub mod interp;
pub mod kernel;
pub mod object;
#[cfg(target_arch = "wasm32")]
pub mod paint;
pub mod snapshot;
pub mod syntax;
pub mod tier;
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use interp::{Outcome, Vm};
