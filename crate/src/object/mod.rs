//! The object model: values, the heap and its collector, compiled code,
//! the text of strings, LargeIntegers in bounded steps.
//!
//! This layer knows nothing about sends or frames. It must never panic on
//! a well-formed `Value` (one that refers to a live object).

pub mod heap;
pub mod large;
pub mod method;
pub mod text;
pub mod value;

pub use heap::{Body, Bytes, ClassId, Closure, Heap, Obj, Span};
pub use method::{Code, Marker, MethodInfo, Spans};
pub use text::Text;
pub use value::Value;
