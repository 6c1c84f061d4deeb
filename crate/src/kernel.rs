//! The kernel sources: Smalltalk classes and methods filed in at start,
//! in this order. They live in `crate/kernel/*.st` so that they can be
//! browsed and edited like any other code.

/// (file name, chunk-format source), in load order.
pub const SOURCES: &[(&str, &str)] = &[
    ("Class.st", include_str!("../kernel/Class.st")),
    ("Object.st", include_str!("../kernel/Object.st")),
    ("Boolean.st", include_str!("../kernel/Boolean.st")),
    ("Number.st", include_str!("../kernel/Number.st")),
    ("Collection.st", include_str!("../kernel/Collection.st")),
    ("String.st", include_str!("../kernel/String.st")),
    ("Stream.st", include_str!("../kernel/Stream.st")),
    ("Exception.st", include_str!("../kernel/Exception.st")),
    ("Block.st", include_str!("../kernel/Block.st")),
    ("Process.st", include_str!("../kernel/Process.st")),
    ("System.st", include_str!("../kernel/System.st")),
    ("Chronology.st", include_str!("../kernel/Chronology.st")),
    ("Canvas.st", include_str!("../kernel/Canvas.st")),
    ("Benchmark.st", include_str!("../kernel/Benchmark.st")),
];
