//! Random page sessions: what a user (or a hostile share link) can make
//! the playground do, as a sequence of [`Session`] calls with random and
//! mutated arguments. Nothing may panic, and a failed accept must change
//! nothing. Used by `tests/session_random.rs` and the `session` fuzz
//! target (`crate/fuzz/`), which includes this file alone.

use super::rng::Rng;
use livetalk::host::session::Session;

/// Whole sources the mutations start from.
const SOURCES: &[&str] = &[
    "methB\n\t^ 1",
    "methB\n\t^ 1 / 0",
    "methA: x\n\t[true] whileTrue: [Transcript show: self methB printString; cr]",
    "methB\n\t^ self methB",
    "methB\n\t| a | a := OrderedCollection new. 1 to: 10 do: [:i | a add: i]. ^ a size",
    "methB\n\t^ [:x | x + 1] value: 41",
    "methB\n\t^ [^ 3] value",
    "methB\n\t^ thisContext sender",
    "methB\n\t[^ 2] ensure: [Transcript show: 'e']. ^ 3",
    "methB\n\t^ (Delay forMilliseconds: 1) wait",
    "methB\n\t^ [:k | k signal] on: Error do: [:e | e return: 5]",
    "methB\n\t^ Nowhere",
    "methB <primitive: 60> ^ 0",
];

const EXPRS: &[&str] = &[
    "Demo new methA: 0",
    "Demo new methB",
    "3 + 4",
    "[:x | x] value: 3",
    "(1 to: 100) inject: 0 into: [:a :b | a + b]",
    "[1/0] fork",
    "Processor yield",
    "Semaphore new wait",
    "Transcript show: 'hi'; cr",
    "Object subclass: #Fz instanceVariableNames: 'a' classVariableNames: '' package: 'F'",
    "Demo compile: 'methB ^ 7'",
    "thisContext",
];

const FILES: &[&str] = &[
    "Object subclass: #Demo\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpoolDictionaries: ''\n\tcategory: 'D'!\n\n!Demo methodsFor: 'demo'!\nmethA: x\n\t[true] whileTrue: [Transcript show: self methB printString; cr]\n!\nmethB\n\t^ 1\n! !\n",
    "Transcript show: 'x'!\n",
    "Fz = Object (\n  | a |\n  foo = ( ^ a )\n)\n",
    "!Demo class methodsFor: 'x'!\nmake\n\t^ self new\n! !\n",
    "[true] whileTrue!\n",
];

const CLASSES: &[&str] = &[
    "Demo",
    "Object",
    "Integer",
    "Fz",
    "NoSuch",
    "",
    "Demo class",
];

/// `s` with a few random edits: cut, byte flips, inserted pieces.
fn mutate(r: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    for _ in 0..r.below(4) {
        match r.below(4) {
            0 if !b.is_empty() => {
                let n = r.index(b.len() + 1);
                b.truncate(n);
            }
            1 if !b.is_empty() => {
                let i = r.index(b.len());
                let set = b"[]()^:=.!'\"$#|x1 \n\t\xff";
                b[i] = set[r.index(set.len())];
            }
            2 => {
                let i = r.index(b.len() + 1);
                let piece = r.pick(&[
                    "[",
                    "]",
                    "^",
                    "!",
                    "'",
                    "\"",
                    "#(",
                    " ifTrue: [",
                    "é",
                    "\u{1F600}",
                ]);
                b.splice(i..i, piece.bytes());
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn text(r: &mut Rng, from: &[&str]) -> String {
    let s = r.pick(from);
    if r.below(3) == 0 {
        s.to_string()
    } else {
        mutate(r, s)
    }
}

/// Runs `steps` random calls on `s`; answers a description of the first
/// broken promise (a panic fails the caller outright).
pub fn random_session(r: &mut Rng, s: &mut Session, steps: usize) -> Result<(), String> {
    let mut pids: Vec<u32> = vec![0, 1, 999, u32::MAX];
    let mut links: Vec<String> = vec!["#v1/".into(), "#v2/abc".into(), "junk".into()];
    for _ in 0..steps {
        let class = r.pick(CLASSES);
        let meta = r.below(5) == 0;
        let pid = pids[r.index(pids.len())];
        match r.below(22) {
            0 => {
                s.file_in("f.st", &text(r, FILES));
            }
            1..=3 => {
                let src = text(r, SOURCES);
                let before = s.method_source(class, meta, "methB").map(|m| m.version);
                let reply = s.accept(class, meta, &src);
                let after = s.method_source(class, meta, "methB").map(|m| m.version);
                if !reply.ok && before != after {
                    return Err(format!(
                        "a failed accept changed {}>>methB: {:?}",
                        class, src
                    ));
                }
            }
            4 => {
                s.define_class(&text(r, EXPRS));
            }
            5 | 6 => {
                let reply = s.evaluate(&text(r, EXPRS), r.below(2) == 0);
                pids.extend(reply.pid.map(|p| p as u32));
            }
            7 => {
                let reply = s.start(&text(r, EXPRS));
                pids.extend(reply.pid.map(|p| p as u32));
            }
            8..=10 => {
                s.run(r.below(20_000) as f64);
            }
            11 => {
                s.run_for(0.5, 50_000.0);
            }
            12 => {
                s.pause(pid);
            }
            13 => {
                s.resume(pid);
            }
            14 => {
                s.terminate(pid);
            }
            15 => {
                s.restart(pid, r.below(5) as u32);
            }
            16 => {
                s.step(pid, r.below(2) == 0);
            }
            17 => {
                s.stack(pid);
                s.live_position(pid);
                s.processes();
                s.active_versions(class, meta, "methB");
            }
            18 => {
                let classes = s.workspace_classes();
                let reply = s.share_link(
                    classes,
                    &text(r, EXPRS),
                    r.pick(&["on", "off", "eager", "x"]),
                );
                links.extend(reply.link);
            }
            19 => {
                let link = links[r.index(links.len())].clone();
                let link = if r.below(2) == 0 {
                    mutate(r, &link)
                } else {
                    link
                };
                let mut fresh = Session::new().map_err(|e| e.to_string())?;
                fresh.open_link(&link);
                fresh.run(1000.0);
            }
            20 => {
                let file = s.export_workspace().text.unwrap_or_default();
                let file = if r.below(2) == 0 {
                    mutate(r, &file)
                } else {
                    file
                };
                s.import_file("w.st", &file);
            }
            _ => {
                s.set_tier(r.pick(&["on", "off", "eager", ""]));
                s.remove(class, meta, "methB");
                s.method_history(class, meta, "methB");
                s.take_drawing();
                s.tier_report();
            }
        }
    }
    Ok(())
}
