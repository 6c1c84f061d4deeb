//! Tier events, as the playground's event log and `--trace-tier` show
//! them.

/// A tier event, as shown in the playground's event log and by
/// `--trace-tier`.
#[derive(Clone, Debug, PartialEq)]
pub enum TierEvent {
    Optimized {
        method: String,
        osr: bool,
    },
    Inlined {
        method: String,
        callee: String,
    },
    GuardFailed {
        method: String,
        pc: usize,
        despecialized: bool,
    },
    Deoptimized {
        method: String,
        activations: usize,
        reason: String,
    },
}

impl std::fmt::Display for TierEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TierEvent::Optimized { method, osr: false } => write!(f, "optimized {}", method),
            TierEvent::Optimized { method, osr: true } => {
                write!(f, "optimized {} at loop head (OSR)", method)
            }
            TierEvent::Inlined { method, callee } => {
                write!(f, "inlined {} into {}", callee, method)
            }
            TierEvent::GuardFailed {
                method,
                pc,
                despecialized,
            } => {
                write!(f, "guard failed in {} at pc {}", method, pc)?;
                if *despecialized {
                    write!(f, " (site despecialized)")?;
                }
                Ok(())
            }
            TierEvent::Deoptimized {
                method,
                activations,
                reason,
            } => write!(
                f,
                "deoptimized {} activation{} of {}: {}",
                activations,
                if *activations == 1 { "" } else { "s" },
                method,
                reason
            ),
        }
    }
}
