//! The tier's send sites as the interpreter's loops run them: what the
//! tier's `Vm::tier_send` did for a site they hand it (`TierSend`).

/// What a tier send did.
pub(crate) enum TierSend {
    /// Run the canonical instruction at this pc instead (inside an
    /// inlined callee's body: after the callee gets its frame back).
    Fallback,
    /// Done in place (inlined leaf); continue with the next instruction.
    Done,
    /// A send was performed (a frame may have been pushed).
    Sent,
}
