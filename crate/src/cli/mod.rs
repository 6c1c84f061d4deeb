//! The command line's modules. `main.rs` reads the arguments and runs the
//! one-shot commands (`eval`, `run`, `live`, `disasm`, `share`, `open`);
//! the interactive ones live here: [`repl`] and [`watch`], both driving a
//! process in time slices ([`drive`]) and stopped by Ctrl-C
//! ([`interrupt`]). [`term`] is what every command prints through.

pub mod term;

#[cfg(not(target_arch = "wasm32"))]
pub mod drive;
#[cfg(not(target_arch = "wasm32"))]
pub mod interrupt;
#[cfg(not(target_arch = "wasm32"))]
pub mod repl;
#[cfg(not(target_arch = "wasm32"))]
pub mod watch;
