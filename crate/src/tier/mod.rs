//! The optimizing tier: specialization, inline caches, leaf inlining
//! behind guards, dependency-based invalidation, deoptimization and OSR.
//!
//! Design: optimized code for a code unit starts with an array of
//! instructions of the *same length* as its canonical bytecode, in the
//! same pc space (CPython 3.11's quickening, with Sista's rule that the
//! canonical bytecode stays the source of truth). A fused instruction sits
//! at the pc of the first canonical instruction it replaces and leaves the
//! frame exactly as the canonical sequence would. Therefore:
//!
//! - a frame can switch from canonical to optimized code (OSR, at a loop
//!   back-edge) or back (deoptimization) at *any* instruction boundary,
//!   just by changing which array it executes — the receiver, arguments,
//!   temporaries, operand stack and pc are already the interpreter's;
//! - a failed guard runs the canonical instruction at the same pc;
//! - an inlined leaf is executed atomically (it cannot send, fail or be
//!   interrupted), so no activation is ever inside it;
//! - an inlined callee that sends ([`InlineScope`]) has its body appended
//!   after the canonical pc space, rewritten to keep its values exactly
//!   where its own frame would (above the caller's operands): a frame
//!   inside it is deoptimized by giving the callee its frame record back
//!   (`Vm::split_frame`, one interpreter frame per inlined scope), with no
//!   value moved.
//!
//! When an inlined method is redefined, every optimized code that inlined
//! it is invalidated and every activation running that code is
//! deoptimized before the next instruction runs (LIVE.md R6).
//!
//! Fuel: an optimized instruction costs as much fuel as the canonical
//! instructions it replaces (for an inlined leaf: the send plus the
//! callee's instructions), and runs only when that much fuel is left, so
//! slices end at the same instruction boundaries as without the tier.
//!
//! This module must never change what a program does (R5).
//!
//! Layout: `code.rs` holds the data of optimized code; `specialize.rs`,
//! `leaf.rs`, `guard.rs` and `inline.rs` make it from canonical code, and
//! `event.rs` names what happens to it. The runtime half is methods of
//! [`crate::Vm`] that the interpreter's loops call: `enter.rs` (counting,
//! optimizing, entering optimized code at a call or a loop head),
//! `send.rs` (send sites: inline caches, leaves, quickening, inlining
//! callees that send) and `deopt.rs` (invalidation, deoptimization,
//! materializing frames).

pub(crate) mod code;
mod deopt;
mod enter;
pub(crate) mod event;
pub(crate) mod guard;
pub(crate) mod inline;
pub(crate) mod leaf;
mod send;
pub(crate) mod specialize;
pub mod wasm_kernel;

pub use code::{
    CacheEntry, Dependency, Guard, InlineScope, Kernel, Leaf, OptCode, Site, Src, Stmt, TierInfo,
    NEST_MAX,
};
pub(crate) use enter::opt_of;
pub use event::TierEvent;
pub use guard::guard_of;
pub use inline::{inline_block_body, inline_body, INLINE_MAX, SCOPES_MAX};
pub use leaf::{leaf_of, straight_ops, STRAIGHT_DEPTH, STRAIGHT_MAX};
pub use specialize::{specialize, with_scope};

/// Calls or back-edges before a code unit is optimized (tier `on`).
pub const DEFAULT_THRESHOLD: u32 = 16;
/// Guard failures after which a site is despecialized.
pub const MAX_GUARD_FAILURES: u16 = 32;
/// Classes in a polymorphic inline cache before it goes megamorphic.
pub const POLY_MAX: usize = 4;
