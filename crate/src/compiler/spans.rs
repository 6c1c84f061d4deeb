//! Source spans of code read from a snapshot, which leaves them out: the
//! method's source compiled again, without a VM, when a span is first
//! asked for (the debugger, stepping, the live highlight).
//!
//! Which instructions a method compiles to, and where each came from, do
//! not depend on what the VM answers for its literals and variables: a
//! name that is not a temp compiles to one instruction whatever it is
//! bound to, and code that compiled had a binding for every such name. So
//! an environment that answers nil for everything gives the same spans.

use super::{ClassContext, Env};
use crate::object::{Code, Value};
use crate::syntax::ast::{Literal, Pragma, Span};

impl Code {
    /// The source span of the instruction at `pc` (clamped).
    pub fn span_at(&self, pc: usize) -> Span {
        let spans = self.spans.get_or_init(|| from_source(self));
        match spans.len() {
            0 => Span::default(),
            n => spans[pc.min(n - 1)],
        }
    }
}

/// An environment with no VM: every value is nil.
struct NoVm;

impl Env for NoVm {
    fn literal(&mut self, _: &Literal) -> Value {
        Value::NIL
    }
    fn symbol(&mut self, _: &str) -> Value {
        Value::NIL
    }
    fn binding(&mut self, _: &ClassContext, _: &str) -> Option<Value> {
        Some(Value::NIL)
    }
    fn primitive_index(&self, _: &Pragma) -> Option<u16> {
        None
    }
}

/// The spans of `code`, unit `code.spans.unit` of its method compiled
/// again from the method's source; none if that does not give the same
/// instructions (it always does for code the compiler made).
fn from_source(code: &Code) -> Vec<Span> {
    let info = &code.info;
    let ctx = ClassContext {
        class_id: info.class,
        class_name: info.class_name.clone(),
        inst_vars: Vec::new(),
    };
    let Ok(again) = super::compile_method(&info.source, &ctx, &mut NoVm, "", 0) else {
        return Vec::new();
    };
    let units = again.code.units();
    match units
        .get(code.spans.unit as usize)
        .and_then(|u| u.spans.get())
    {
        Some(spans) if spans.len() == code.ops.len() => spans.to_vec(),
        _ => Vec::new(),
    }
}
