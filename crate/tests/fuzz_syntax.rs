//! Replays a deterministic slice of fuzzing in the test suite: random and
//! mutated Smalltalk sources go through the lexer, parser, compiler and
//! the chunk/SOM readers. The only assertion is the important one: no
//! input panics (a panic in wasm kills the page). Longer runs: the
//! cargo-fuzz targets in `crate/fuzz/`.

use livetalk::Vm;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

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
    let n = rng.below(40);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(PIECES[rng.below(PIECES.len())]);
        if rng.below(3) == 0 {
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
    for _ in 0..1 + rng.below(4) {
        let i = rng.below(out.len().max(1));
        match rng.below(3) {
            0 if !out.is_empty() => {
                out.remove(i.min(out.len() - 1));
            }
            1 => {
                let piece = PIECES[rng.below(PIECES.len())];
                for (k, c) in piece.chars().enumerate() {
                    out.insert((i + k).min(out.len()), c);
                }
            }
            _ => {
                let j = rng.below(out.len().max(1));
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
            let seed = &seeds[rng.below(seeds.len())];
            // a window of a kernel file, mutated
            let chars: Vec<char> = seed.chars().collect();
            let a = rng.below(chars.len());
            let b = (a + rng.below(400)).min(chars.len());
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
