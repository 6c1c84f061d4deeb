//! Which sends the compiler inlines, as Squeak's compiler does: control
//! selectors whose block arguments are literal blocks of the right arity.
//! Shared by scope analysis and code generation so both agree.

use crate::syntax::ast::*;

pub struct InlineUse {
    /// The receiver is a literal block that is inlined too (`whileTrue:`,
    /// `repeat`).
    pub receiver_block: bool,
}

fn block_arity(e: &Expr) -> Option<usize> {
    match e {
        Expr::Block(b) => Some(b.params.len()),
        _ => None,
    }
}

/// `Some` if the send is inlined.
pub fn inlined_blocks(s: &Send) -> Option<InlineUse> {
    let m = &s.message;
    let a = |i: usize| m.args.get(i).and_then(block_arity);
    let recv0 = block_arity(&s.receiver) == Some(0);
    let ok = match m.selector.as_str() {
        "ifTrue:" | "ifFalse:" | "and:" | "or:" => a(0) == Some(0),
        "ifTrue:ifFalse:" | "ifFalse:ifTrue:" => a(0) == Some(0) && a(1) == Some(0),
        "ifNil:" => a(0) == Some(0),
        "ifNotNil:" => matches!(a(0), Some(0) | Some(1)),
        "ifNil:ifNotNil:" => a(0) == Some(0) && matches!(a(1), Some(0) | Some(1)),
        "ifNotNil:ifNil:" => matches!(a(0), Some(0) | Some(1)) && a(1) == Some(0),
        "whileTrue:" | "whileFalse:" => {
            return if recv0 && a(0) == Some(0) {
                Some(InlineUse {
                    receiver_block: true,
                })
            } else {
                None
            }
        }
        "whileTrue" | "whileFalse" | "repeat" => {
            return if recv0 {
                Some(InlineUse {
                    receiver_block: true,
                })
            } else {
                None
            }
        }
        "timesRepeat:" => a(0) == Some(0),
        "to:do:" => a(1) == Some(1),
        "to:by:do:" => {
            a(2) == Some(1)
                && matches!(
                    m.args.get(1),
                    Some(Expr::Literal(Literal::Integer(n), _)) if n != &num_bigint::BigInt::from(0)
                )
        }
        _ => false,
    };
    if ok {
        Some(InlineUse {
            receiver_block: false,
        })
    } else {
        None
    }
}
