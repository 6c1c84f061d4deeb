//! Golden Smalltalk scripts with inline expectations, run under every
//! configuration: tier off/on/eager, fuel 1, and a deopt storm (eager tier,
//! every frame deoptimized after every 13 instructions).
//!
//! A golden file (`tests/golden/**/*.st`) is a chunk-format fileIn. Each
//! do-it chunk may carry expectations in comments:
//!
//! - `"expect: TEXT"` — the printString of the chunk's last value;
//! - `"expect error: ClassName"` — evaluation ends in an unhandled error
//!   of that class (the message may follow after `: `);
//! - `"expect transcript: TEXT"` — Transcript output of the chunk, with
//!   `\n` and `\t` escapes;
//! - `"expect compile error: LINE:COL"` — the chunk does not compile and
//!   the first error is at that position (relative to the chunk).
//!
//! Files under `tests/golden/wishlist/` are features not built yet: they
//! are run and reported, but do not fail the suite.

use livetalk::fileformat::{read_chunks, FileInItem};
use livetalk::host::EvalError;
use livetalk::interp::TierMode;
use livetalk::Vm;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub name: &'static str,
    pub tier: TierMode,
    pub slice: u64,
    /// Deoptimize every frame after each slice (a deopt storm).
    pub storm: bool,
    /// Run the interpreter's fast loop (off: the general loop runs
    /// every instruction, so both loops are checked against the same
    /// expectations).
    pub fast: bool,
}

pub const CONFIGS: &[Config] = &[
    Config {
        name: "tier-off",
        tier: TierMode::Off,
        slice: 1_000_000,
        storm: false,
        fast: true,
    },
    Config {
        name: "tier-on",
        tier: TierMode::On,
        slice: 1_000_000,
        storm: false,
        fast: true,
    },
    Config {
        name: "tier-eager",
        tier: TierMode::Eager,
        slice: 1_000_000,
        storm: false,
        fast: true,
    },
    Config {
        name: "fuel-1",
        tier: TierMode::On,
        slice: 1,
        storm: false,
        fast: true,
    },
    // slices of 13 instructions (a prime, so the deopt points move around)
    Config {
        name: "deopt-storm",
        tier: TierMode::Eager,
        slice: 13,
        storm: true,
        fast: true,
    },
    // everything in the general loop (general.rs), tier on, small slices
    Config {
        name: "general-loop",
        tier: TierMode::On,
        slice: 7,
        storm: false,
        fast: false,
    },
];

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t")
}

/// Expectations found in a chunk's comments.
fn expectations(src: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut rest = src;
    while let Some(i) = rest.find("\"expect") {
        let after = &rest[i + 1..];
        let end = match after.find('"') {
            Some(e) => e,
            None => break,
        };
        let body = &after[..end];
        if let Some((kind, text)) = body.split_once(": ") {
            out.push((kind.trim().to_string(), text.to_string()));
        } else if let Some(kind) = body.strip_suffix(':') {
            out.push((kind.trim().to_string(), String::new()));
        }
        rest = &after[end + 1..];
    }
    out
}

/// Runs one golden file; answers failures (empty = pass).
pub fn run_file(path: &Path, cfg: Config) -> Vec<String> {
    let src = std::fs::read_to_string(path).expect("read golden file");
    let mut fails = vec![];
    let mut vm = Vm::new().expect("kernel loads");
    vm.tier = cfg.tier;
    vm.slice = cfg.slice;
    vm.deopt_storm = cfg.storm;
    vm.fast_loop = cfg.fast;
    let items = match read_chunks(&src) {
        Ok(i) => i,
        Err(e) => return vec![format!("{}: fileIn error {}", path.display(), e.message)],
    };
    for item in items {
        match item {
            FileInItem::DoIt { source, offset } => {
                let (line, _) = livetalk::syntax::line_col(&src, offset);
                let exps = expectations(&source);
                vm.take_transcript();
                let result = vm.eval(&source);
                let transcript = vm.take_transcript();
                let here = format!("{}:{} [{}]", path.display(), line, cfg.name);
                for (kind, text) in &exps {
                    match (kind.as_str(), &result) {
                        ("expect", Ok(v)) => {
                            let got = vm.print_string(*v);
                            if got != *text {
                                fails.push(format!("{}: expected {:?}, got {:?}", here, text, got));
                            }
                        }
                        ("expect", Err(e)) => {
                            fails.push(format!("{}: expected {:?}, got error {}", here, text, e))
                        }
                        ("expect error", r) => match r {
                            Err(EvalError::Runtime {
                                class_name,
                                message,
                                ..
                            }) => {
                                let (want_class, want_msg) = match text.split_once(": ") {
                                    Some((c, m)) => (c, Some(m)),
                                    None => (text.as_str(), None),
                                };
                                if class_name != want_class
                                    || want_msg.is_some_and(|m| m != message)
                                {
                                    fails.push(format!(
                                        "{}: expected error {:?}, got {}: {}",
                                        here, text, class_name, message
                                    ));
                                }
                            }
                            Err(e) => fails
                                .push(format!("{}: expected error {:?}, got {}", here, text, e)),
                            Ok(v) => {
                                let got = vm.print_string(*v);
                                fails.push(format!(
                                    "{}: expected error {:?}, got value {}",
                                    here, text, got
                                ))
                            }
                        },
                        ("expect transcript", _) => {
                            if transcript != unescape(text) {
                                fails.push(format!(
                                    "{}: expected transcript {:?}, got {:?}",
                                    here,
                                    unescape(text),
                                    transcript
                                ));
                            }
                        }
                        ("expect compile error", r) => match r {
                            Err(EvalError::Compile(msg)) => {
                                if !msg.starts_with(&format!("{}:", text)) {
                                    fails.push(format!(
                                        "{}: expected compile error at {}, got {}",
                                        here, text, msg
                                    ));
                                }
                            }
                            other => fails.push(format!(
                                "{}: expected compile error, got {:?}",
                                here,
                                other.as_ref().map(|_| "a value")
                            )),
                        },
                        (k, _) => fails.push(format!("{}: unknown expectation kind {:?}", here, k)),
                    }
                }
                if exps.is_empty() {
                    if let Err(e) = &result {
                        fails.push(format!("{}: unexpected error {}", here, e));
                    }
                }
                if let Err(EvalError::Runtime { pid, .. }) = result {
                    vm.terminate(pid);
                }
            }
            FileInItem::Method {
                class,
                meta,
                category,
                source,
                offset,
            } => {
                let (line, _) = livetalk::syntax::line_col(&src, offset);
                if let Err(e) = vm.accept(&class, meta, &source, Some(&category)) {
                    fails.push(format!(
                        "{}:{} [{}]: method does not compile: {}",
                        path.display(),
                        line,
                        cfg.name,
                        e
                    ));
                }
            }
            FileInItem::ClassDef { .. } => fails.push("golden files use chunk format".into()),
        }
    }
    // every frame the fast loop took was as its code's shape says (so it
    // ran without checks, and the verifier's heights are the real ones)
    if vm.unshaped != 0 {
        fails.push(format!(
            "{} [{}]: the fast loop found {} frames unlike their code's shape",
            path.display(),
            cfg.name,
            vm.unshaped
        ));
    }
    fails
}

fn golden_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => return,
    };
    entries.sort();
    for p in entries {
        if p.is_dir() {
            golden_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "st") {
            out.push(p);
        }
    }
}

/// Rust stack for the suite: small, to prove that Smalltalk recursion
/// (100,000 nested sends in `vm/limits.st`) never recurses in Rust.
const SMALL_STACK: usize = 512 * 1024;

#[test]
fn golden_suite() {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(golden_suite_on_small_stack)
        .expect("spawn")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn golden_suite_on_small_stack() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files = vec![];
    golden_files(&root, &mut files);
    assert!(!files.is_empty(), "no golden files found");
    let filter = std::env::var("GOLDEN").unwrap_or_default();
    let mut failures = vec![];
    let mut wish = vec![];
    let mut count = 0;
    for f in &files {
        if !filter.is_empty() && !f.to_string_lossy().contains(&filter) {
            continue;
        }
        let is_wish = f.components().any(|c| c.as_os_str() == "wishlist");
        for cfg in CONFIGS {
            let fl = run_file(f, *cfg);
            count += 1;
            if is_wish {
                wish.extend(fl);
            } else {
                failures.extend(fl);
            }
        }
    }
    if !wish.is_empty() {
        eprintln!("wishlist (not failing): {} expectations unmet", wish.len());
    }
    assert!(
        failures.is_empty(),
        "{} golden failures in {} runs:\n{}",
        failures.len(),
        count,
        failures.join("\n")
    );
}
