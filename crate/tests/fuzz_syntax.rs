//! Replays a deterministic slice of fuzzing in the test suite: random and
//! mutated Smalltalk sources go through the lexer, parser, compiler and
//! the chunk/SOM readers. The only assertion is the important one: no
//! input panics (a panic in wasm kills the page). Longer runs: the
//! cargo-fuzz targets in `crate/fuzz/`.

use livetalk::Vm;

mod common;
use common::Rng;

const PIECES: &[&str] = &[
    "foo",
    "bar:",
    "x",
    ":=",
    "^",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "#(",
    "#[",
    "'str'",
    "''",
    "$a",
    "$",
    "#sym",
    "#at:put:",
    "16r1F",
    "1.5e2",
    "-3",
    "2r",
    "1e",
    "3.14s2",
    ".",
    ";",
    "|",
    ":x",
    "self",
    "super",
    "thisContext",
    "nil",
    "true",
    "<primitive: 60>",
    "<",
    ">",
    "+",
    "-",
    "\"c\"",
    "\"",
    "!",
    "!!",
    "ifTrue:",
    "whileTrue:",
    "to:",
    "do:",
    "[:i | i]",
    "\n",
    " ",
    "\t",
    "é",
    "ü",
    "🙂",
    "1000000000000000000000000",
    "#(1 #(2) $a)",
    "thisContext sender",
    "Object subclass: #Z",
];

fn random_source(rng: &mut Rng) -> String {
    let n = rng.index(40);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(PIECES[rng.index(PIECES.len())]);
        if rng.index(3) == 0 {
            s.push(' ');
        }
    }
    s
}

fn mutate(src: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = src.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut out = chars.clone();
    for _ in 0..1 + rng.index(4) {
        let i = rng.index(out.len().max(1));
        match rng.index(3) {
            0 if !out.is_empty() => {
                out.remove(i.min(out.len() - 1));
            }
            1 => {
                let piece = PIECES[rng.index(PIECES.len())];
                for (k, c) in piece.chars().enumerate() {
                    out.insert((i + k).min(out.len()), c);
                }
            }
            _ => {
                let j = rng.index(out.len().max(1));
                out.truncate(i.max(j).min(out.len()));
            }
        }
    }
    out.into_iter().collect()
}

#[test]
fn no_input_panics() {
    let mut vm = Vm::new().expect("kernel");
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let seeds: Vec<String> = livetalk::kernel::SOURCES
        .iter()
        .map(|(_, s)| s.to_string())
        .collect();
    let obj = vm.class_named("Object").expect("Object");
    for round in 0..3000 {
        let src = if round % 2 == 0 {
            random_source(&mut rng)
        } else {
            let seed = &seeds[rng.index(seeds.len())];
            // a window of a kernel file, mutated
            let chars: Vec<char> = seed.chars().collect();
            let a = rng.index(chars.len());
            let b = (a + rng.index(400)).min(chars.len());
            mutate(&chars[a..b].iter().collect::<String>(), &mut rng)
        };
        let _ = livetalk::syntax::parse_method(&src);
        let _ = livetalk::syntax::parse_doit(&src);
        let _ = vm.compile_doit(&src);
        // compile into a class, then remove again so the kernel stays intact
        if let Ok(m) = vm.compile_and_install(obj, &src, "fuzz", true) {
            if let Some(code) = vm.method_code(m) {
                let sel = code.info.selector.clone();
                vm.remove_method(obj, &sel);
            }
        }
        let _ = livetalk::fileformat::read_chunks(&src);
        let _ = livetalk::fileformat::read_som(&src);
    }
}

/// The `compile` target's finding: an argument assigned inside an inner
/// block was taken for a variable that lives in a temp vector, so the
/// compiler also reported "internal: temp vector not reachable" and built
/// code the verifier rejected (a panic where debug assertions are on).
/// Storing into an argument is a compile error, and only that.
#[test]
fn an_argument_stored_into_from_an_inner_block_is_one_compile_error() {
    let mut vm = Vm::new().unwrap();
    for src in [
        "[:i|[i:=5].n]",
        "[:i|[i:=5]. 3]",
        "[:i | [:j | i := j]] value: 1",
    ] {
        match vm.eval_print(src) {
            Err(livetalk::host::EvalError::Compile(msg)) => {
                assert!(
                    msg.contains("cannot store into argument 'i'"),
                    "{src}: {msg}"
                );
                assert!(!msg.contains("internal"), "{src}: {msg}");
            }
            other => panic!(
                "{src}: expected a compile error, got {:?}",
                other.map(|_| ())
            ),
        }
    }
}
