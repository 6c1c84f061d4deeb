//! Share links (crate/src/share.rs): round trips, golden links that must
//! keep decoding forever, hostile input, and the CLI's `share` / `open`.

use livetalk::host::share::{self, ClassDef, MethodDef, Settings, ShareError, Workspace};
use livetalk::Vm;
mod common;
use common::livetalk;

const SEED: &str = include_str!("live/seed.st");

fn seed_vm() -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.file_in("seed.st", SEED).expect("seed loads");
    vm
}

fn golden_workspace() -> Workspace {
    Workspace {
        version: 1,
        classes: vec![ClassDef {
            name: "Counter".into(),
            superclass: "Object".into(),
            inst_vars: vec!["count".into(), "step".into()],
            class_vars: vec!["Default".into()],
            class_inst_vars: vec!["instances".into()],
            category: "Share-Golden 'quoted' !bang!".into(),
        }],
        methods: vec![
            MethodDef {
                class: "Counter".into(),
                meta: false,
                category: "access".into(),
                source: "bump\n\t\"says 'hi' and ! \u{e9}\u{1F600}\"\n\tcount := (count ifNil: [0]) + 1.\n\t^ count".into(),
            },
            MethodDef {
                class: "Counter".into(),
                meta: true,
                category: "instance creation".into(),
                source: "start\n\t^ self new bump; yourself".into(),
            },
        ],
        run: "Counter start bump printString".into(),
        settings: Settings {
            tier: "eager".into(),
        },
    }
}

/// Encoded by the first v1 encoder. Never change these strings: a
/// failure here means old links stopped working.
const GOLDEN_COUNTER: &str = "#v1/XZCxTsMwEIbn-in-dAkIgeIGCBxiAokNho4IJMe5pEapE2wH1I3HYGPmOXghHgEnlSrU5XT67-67_-4NkqTwOKVg2OGMWDXshEOe0U032BBFH5QLKId1j94ZG5YhxkZoFLuWc3ooX1gHLC5ouVKOj--6tmKL9HXoAlcpklLZJoHMSI8zEcp9BNxyrYY24JKMjXusZi_W_8CSTIQrHXWPIqfRhZjNvdp4pCuTQtkKCX6-f78-P-ZitoXTNQ62manvTUt4zJ4OcQR5ImbPmCp7WzRksbMA7VgF01nkC5quH8c8tzUsv0-fuMKmG9woiT8";
/// `livetalk share --load crate/tests/live/seed.st --run 'Demo new methA: 0' Demo`
const GOLDEN_SEED: &str = "#v1/bY3BCsIwDIbP5inyAsKqw0E8OTwKHtxtTJg1uurWjTZuPr616k0I4SP5-b8RFSnwmJIYdrig3oJDldGWux4tT9ixNBvCBHQIxeuK9qcba0G1pJ0ZWer2Po-fhD4D3S-ryAQ8vzFL6dv1hFkp7sEVTo1puQhIWBautl47Mwj6pp8IPbeXqM9xcMbKQcK-rlG7Cv4alIqGHGZHVAAv";

fn seed_workspace() -> Workspace {
    Workspace {
        version: 1,
        classes: vec![ClassDef {
            name: "Demo".into(),
            superclass: "Object".into(),
            inst_vars: vec![],
            class_vars: vec![],
            class_inst_vars: vec![],
            category: "Livetalk-Demo".into(),
        }],
        methods: vec![
            MethodDef {
                class: "Demo".into(),
                meta: false,
                category: "demo".into(),
                source:
                    "methA: x\n\t[true] whileTrue: [Transcript show: self methB printString; cr]\n"
                        .into(),
            },
            MethodDef {
                class: "Demo".into(),
                meta: false,
                category: "demo".into(),
                source: "methB\n\t^ 1\n".into(),
            },
        ],
        run: "Demo new methA: 0".into(),
        settings: Settings { tier: "on".into() },
    }
}

#[test]
fn golden_links_decode_forever() {
    assert_eq!(share::decode(GOLDEN_COUNTER), Ok(golden_workspace()));
    // without '#', and inside a whole URL
    assert_eq!(share::decode(&GOLDEN_COUNTER[1..]), Ok(golden_workspace()));
    let url = format!("http://localhost:8000/{}", GOLDEN_COUNTER);
    assert_eq!(share::decode(&url), Ok(golden_workspace()));
    let seed = share::decode(GOLDEN_SEED).expect("seed link");
    assert_eq!(seed, seed_workspace());
}

#[test]
fn golden_counter_restores_and_runs() {
    let mut vm = Vm::new().expect("kernel");
    let ws = share::decode(GOLDEN_COUNTER).unwrap();
    share::restore(&mut vm, &ws).expect("restore");
    assert_eq!(vm.eval_print(&ws.run).unwrap(), "'2'");
    assert_eq!(
        vm.method_source("Counter", false, "bump").unwrap(),
        ws.methods[0].source
    );
    // and capturing it again gives the same workspace
    let again = share::capture(&vm, &["Counter"], &ws.run, "eager").unwrap();
    assert_eq!(again, ws);
}

#[test]
fn round_trip_seed_demo() {
    let mut vm = seed_vm();
    let ws = share::capture(&vm, &["Demo"], "Demo new methA: 0", "on").unwrap();
    assert_eq!(ws, seed_workspace());
    let link = share::encode(&ws);
    assert!(link.starts_with("#v1/"), "{}", link);
    assert!(link[4..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let back = share::decode(&link).unwrap();
    assert_eq!(back, ws);

    let mut fresh = Vm::new().expect("kernel");
    share::restore(&mut fresh, &back).unwrap();
    assert_eq!(fresh.take_transcript(), "", "restoring runs nothing");
    for sel in ["methA:", "methB"] {
        assert_eq!(
            fresh.method_source("Demo", false, sel).unwrap(),
            vm.method_source("Demo", false, sel).unwrap()
        );
    }
    let pid = fresh.start(&back.run, 40).unwrap();
    let _ = pid;
    fresh.run(20_000);
    let out = fresh.take_transcript();
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.len() > 10, "{:?}", out);
    assert!(
        lines[..lines.len() - 1].iter().all(|l| *l == "1"),
        "{:?}",
        out
    );
}

#[test]
fn empty_and_unicode_workspaces_round_trip() {
    let ws = Workspace::default();
    assert_eq!(share::decode(&share::encode(&ws)), Ok(ws));
    let mut ws = golden_workspace();
    ws.run = "Transcript show: '\u{1F600} #v1/ \n 5:abc\n'".into();
    assert_eq!(share::decode(&share::encode(&ws)), Ok(ws));
}

fn is_err(link: &str) -> ShareError {
    match share::decode(link) {
        Ok(ws) => panic!("{:?} decoded to {:?}", link, ws),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            e
        }
    }
}

fn link_of(payload: &[u8]) -> String {
    use base64::Engine as _;
    let deflated = miniz_oxide::deflate::compress_to_vec(payload, 6);
    format!(
        "#v1/{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(deflated)
    )
}

#[test]
fn bad_links_are_errors() {
    assert!(matches!(is_err("#v9/abcd"), ShareError::UnknownVersion(_)));
    assert!(matches!(is_err(""), ShareError::UnknownVersion(_)));
    assert!(matches!(is_err("#hello"), ShareError::UnknownVersion(_)));
    assert!(matches!(is_err("#v1/a*b!c"), ShareError::BadBase64(_)));
    assert!(matches!(is_err("#v1/A"), ShareError::BadBase64(_)));
    assert!(matches!(is_err("#v1/"), ShareError::BadCompression(_)));
    assert!(matches!(
        is_err("#v1/AAAAAAAAAAAA"),
        ShareError::BadCompression(_)
    ));
    // truncated at every length
    for n in 4..GOLDEN_COUNTER.len() {
        let _ = share::decode(&GOLDEN_COUNTER[..n]);
    }
    assert!(share::decode(&GOLDEN_COUNTER[..GOLDEN_COUNTER.len() - 10]).is_err());
    // malformed payloads
    for p in [
        &b""[..],
        b"v 1:1",
        b"v 1:2\n",
        b"x 1:1\n",
        b"v 1:1\nr 99:abc\n",
        b"v 1:1\nr 3:abc",
        b"v 1:1\nr x:abc\n",
        b"v 1:1\nr 99999999999999999999999:abc\n",
        b"v 1:1\nm 4:Demo 1:x 0: 0:\n",
        b"v 1:1\nc 4:Demo\n",
        b"v 1:1\nr 2:\xff\xfe\n",
        b"v 1:1\nr 1:\xc3\n",
        b"v 1:1\ns 4:tier 4:fast\n",
    ] {
        assert!(share::decode(&link_of(p)).is_err(), "{:?}", p);
    }
    // code smuggled into a class definition is refused
    for (name, sup) in [
        ("Foo instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'x'. Transcript show: 'pwned'. Object subclass: #Bar", "Object"),
        ("Foo", "Object. Transcript show: 'pwned'"),
        ("foo", "Object"),
    ] {
        let mut ws = seed_workspace();
        ws.classes[0].name = name.into();
        ws.classes[0].superclass = sup.into();
        let link = share::encode(&ws);
        assert!(matches!(is_err(&link), ShareError::Malformed(_)));
        let mut vm = Vm::new().unwrap();
        assert!(share::restore(&mut vm, &ws).is_err());
        assert_eq!(vm.take_transcript(), "");
    }
    // unknown records are skipped (optional later additions)
    let ws = share::decode(&link_of(b"v 1:1\nz 3:abc\nr 3:1+2\n")).unwrap();
    assert_eq!(ws.run, "1+2");
}

#[test]
fn decompression_bomb_is_refused() {
    let big = vec![b'a'; share::MAX_PAYLOAD + 1];
    let mut payload = b"v 1:1\nr ".to_vec();
    payload.extend_from_slice(format!("{}:", big.len()).as_bytes());
    payload.extend_from_slice(&big);
    payload.push(b'\n');
    let link = link_of(&payload);
    assert!(link.len() < 20_000, "{}", link.len());
    assert_eq!(is_err(&link), ShareError::TooLarge(share::MAX_PAYLOAD));
    // a deflate stream of zeros far larger still
    let zeros = link_of(&vec![0u8; 64 << 20]);
    assert_eq!(is_err(&zeros), ShareError::TooLarge(share::MAX_PAYLOAD));
}

#[test]
fn random_input_never_panics() {
    // xorshift: deterministic, no dependency
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    const ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_#/=v1 ";
    let golden = GOLDEN_COUNTER.as_bytes();
    for i in 0..3000 {
        let len = (next() % 200) as usize;
        let link: String = match i % 3 {
            // random base64url after the prefix
            0 => {
                let body: String = (0..len)
                    .map(|_| ALPHABET[(next() % 64) as usize] as char)
                    .collect();
                format!("#v1/{}", body)
            }
            // random bytes deflated: reaches the payload parser
            1 => {
                let bytes: Vec<u8> = (0..len).map(|_| (next() % 256) as u8).collect();
                let _ = share::parse_payload(&String::from_utf8_lossy(&bytes));
                link_of(&bytes)
            }
            // the golden link with a few characters changed
            _ => {
                let mut g = golden.to_vec();
                for _ in 0..1 + next() % 3 {
                    let at = 4 + (next() as usize) % (g.len() - 4);
                    g[at] = ALPHABET[(next() % 64) as usize];
                }
                String::from_utf8(g).unwrap()
            }
        };
        let _ = share::decode(&link);
    }
}

#[test]
fn cli_share_then_open_run() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/live/seed.st");
    let (code, out, err) = livetalk(&[
        "share",
        "--load",
        seed,
        "--run",
        "Demo new methA: 0",
        "Demo",
    ]);
    assert_eq!(code, 0, "{}", err);
    let link = out.trim();
    // the encoder's bytes may change (compressor versions); the content not
    assert_eq!(share::decode(link), Ok(seed_workspace()));

    let (code, out, err) = livetalk(&["open", link]);
    assert_eq!(code, 0, "{}", err);
    assert!(out.contains("classes: 1 (Demo)"), "{}", out);
    assert!(out.contains("methods: 2"), "{}", out);
    assert!(out.contains("run: Demo new methA: 0"), "{}", out);
    assert!(
        !out.contains("\n1\n"),
        "open without --run runs nothing: {}",
        out
    );

    let (code, out, err) = livetalk(&["open", link, "--run"]);
    assert_eq!(code, 0, "{}", err);
    let ones = out.lines().filter(|l| *l == "1").count();
    assert!(ones > 100, "{}", out);
    assert!(
        out.trim_end().ends_with("(open --run is bounded)"),
        "{}",
        out
    );

    let (code, out, err) = livetalk(&["open", "#v9/xyz"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.contains("made by a newer Livetalk (format v9)"),
        "{}",
        err
    );
    let (code, _, err) = livetalk(&["open", "#x1/xyz"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a Livetalk share link"), "{}", err);
    let (code, _, err) = livetalk(&["open", "#v1/@@@"]);
    assert_eq!(code, 2);
    assert!(err.contains("holds characters a link never has"), "{}", err);
    let (code, _, err) = livetalk(&["open", "#v1/AAAA"]);
    assert_eq!(code, 2);
    assert!(err.contains("cut short or changed"), "{}", err);
    let (code, _, err) = livetalk(&["share", "NoSuchClass"]);
    assert_eq!(code, 1);
    assert!(err.contains("no class named NoSuchClass"), "{}", err);
}

#[test]
fn an_unknown_superclass_is_refused() {
    let class = |name: &str, superclass: &str| ClassDef {
        name: name.into(),
        superclass: superclass.into(),
        category: "x".into(),
        ..ClassDef::default()
    };
    let ws = Workspace {
        classes: vec![class("Orphan", "NoSuchClass")],
        ..Workspace::default()
    };
    let mut vm = Vm::new().unwrap();
    let err = share::restore(&mut vm, &ws).unwrap_err();
    assert!(err.contains("superclass NoSuchClass of Orphan"), "{err}");
    assert!(vm.class_named("Orphan").is_none(), "nothing was defined");
    // one the link defines first, or the system has, is fine
    let ws = Workspace {
        classes: vec![class("A1", "Object"), class("B1", "A1")],
        ..Workspace::default()
    };
    share::restore(&mut vm, &ws).unwrap();
    assert_eq!(vm.eval_print("B1 superclass").unwrap(), "A1");
}

fn link_with(classes: Vec<ClassDef>, methods: Vec<MethodDef>) -> String {
    share::encode(&Workspace {
        classes,
        methods,
        run: "3 + 4".into(),
        ..Workspace::default()
    })
}

fn class(name: &str, superclass: &str, inst_vars: &[&str]) -> ClassDef {
    ClassDef {
        name: name.into(),
        superclass: superclass.into(),
        inst_vars: inst_vars.iter().map(|s| s.to_string()).collect(),
        category: "Test".into(),
        ..ClassDef::default()
    }
}

fn method(class: &str, source: &str) -> MethodDef {
    MethodDef {
        class: class.into(),
        meta: false,
        category: "test".into(),
        source: source.into(),
    }
}

#[test]
fn a_preview_lists_classes_methods_and_kernel_changes_and_changes_nothing() {
    use livetalk::host::session::Session;
    let mut s = Session::new().unwrap();
    let old_max = s.method_source("Integer", false, "max:");
    let link = link_with(
        vec![class("Counter", "Object", &["count"])],
        vec![
            method("Counter", "bump\n\t^ count := (count ifNil: [0]) + 1"),
            method("Integer", "even\n\t^ 42"),
            method("Object", "isLinkTest\n\t^ true"),
        ],
    );
    let p = s.preview_link(&link);
    assert!(p.ok && !p.refused);
    assert_eq!(p.run.as_deref(), Some("3 + 4"));
    assert_eq!((p.classes.len(), p.classes[0].change), (1, "new"));
    let m: Vec<(&str, &str, &str, bool)> = p
        .methods
        .iter()
        .map(|m| {
            (
                m.class_name.as_str(),
                m.selector.as_str(),
                m.change,
                m.kernel,
            )
        })
        .collect();
    assert_eq!(
        m,
        vec![
            ("Counter", "bump", "new", false),
            ("Integer", "even", "changed", true),
            ("Object", "isLinkTest", "new", true),
        ]
    );
    assert_eq!(p.kernel_changes, 2);
    let plus = &p.methods[1];
    assert!(
        plus.old_source
            .as_deref()
            .is_some_and(|o| o.contains("bitAnd: 1")),
        "{:?}",
        plus.old_source
    );
    assert_eq!(plus.source, "even\n\t^ 42");
    // nothing changed: no class, the kernel as it was
    assert!(s.vm.class_named("Counter").is_none());
    assert_eq!(
        s.method_source("Integer", false, "max:").map(|m| m.source),
        old_max.map(|m| m.source)
    );
    let r = s.evaluate("3 + 4", true);
    assert!(r.ok);
    let out = s.run(1_000_000.0);
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e, livetalk::host::report::Event::Printed { text, .. } if text == "7")));
    // an unknown version and a damaged link are plain errors, not refusals
    let v2 = s.preview_link("#v2/AAAA");
    assert!(!v2.ok && !v2.refused);
    assert!(v2.error.unwrap().message.contains("newer Livetalk"));
    let bad = s.preview_link("#v1/AAAA");
    assert!(!bad.ok && !bad.refused);
    assert!(bad.error.unwrap().message.contains("damaged"));
}

#[test]
fn links_that_would_break_the_system_are_refused_and_change_nothing() {
    use livetalk::host::session::Session;
    let cases: Vec<(String, &str)> = vec![
        (
            link_with(vec![class("Object", "nil", &[])], vec![]),
            "redefine Object",
        ),
        (
            link_with(vec![class("SmallInteger", "Object", &[])], vec![]),
            "redefine SmallInteger",
        ),
        (
            link_with(vec![class("Array", "Object", &["x"])], vec![]),
            "redefine Array",
        ),
        (
            link_with(vec![class("Transcript", "Object", &[])], vec![]),
            "Transcript object",
        ),
        (
            link_with(vec![class("Rootless", "nil", &[])], vec![]),
            "no superclass",
        ),
        (
            link_with(vec![], vec![method("Nowhere", "foo\n\t^ 1")]),
            "neither in the link nor in the system",
        ),
    ];
    for (link, says) in cases {
        let mut s = Session::new().unwrap();
        let p = s.preview_link(&link);
        assert!(!p.ok && p.refused, "{}", says);
        let msg = p.error.unwrap().message;
        assert!(msg.contains(says), "{}", msg);
        let r = s.open_link(&link);
        assert!(!r.ok);
        assert!(r.error.unwrap().message.contains(says));
        // the system still works
        s.evaluate("(3 + 4) printString , #(1 2) size printString", true);
        let out = s.run(1_000_000.0);
        assert!(
            out.events.iter().any(|e| matches!(e, livetalk::host::report::Event::Printed { text, .. } if text == "'72'")),
            "{:?}",
            out.events
        );
        // and the command line refuses it too
        let mut vm = Vm::new().unwrap();
        let ws = share::decode(&link).unwrap();
        assert!(share::restore(&mut vm, &ws).unwrap_err().contains(says));
    }
    // a kernel class defined exactly as it is changes nothing and is let through
    let vm = Vm::new().unwrap();
    let object = share::class_def(&vm, "Object").unwrap();
    let link = link_with(vec![object], vec![method("Object", "isLinkTest\n\t^ true")]);
    let mut s = Session::new().unwrap();
    let p = s.preview_link(&link);
    assert!(p.ok, "{:?}", p.error.map(|e| e.message));
    assert_eq!(p.classes[0].change, "same");
    assert!(s.open_link(&link).ok);
}

#[test]
fn text_beyond_latin1_round_trips_through_a_link() {
    let mut vm = Vm::new().expect("kernel");
    vm.file_in(
        "unicode.st",
        "Object subclass: #Ωmega instanceVariableNames: 'λ' classVariableNames: '' package: 'Grüße-日本'!
!Ωmega methodsFor: 'テキスト'!
greet
	\"こんにちは\"
	^ '日本語 😀 ' , $λ asString , #Δέλτα
! !
",
    )
    .expect("file in");
    let ws = share::capture(&vm, &["Ωmega"], "Transcript show: Ωmega new greet", "on").unwrap();
    assert_eq!(ws.classes[0].name, "Ωmega");
    assert_eq!(ws.classes[0].category, "Grüße-日本");
    assert_eq!(ws.classes[0].inst_vars, vec!["λ".to_string()]);
    let back = share::decode(&share::encode(&ws)).unwrap();
    assert_eq!(back, ws);
    let mut fresh = Vm::new().expect("kernel");
    share::restore(&mut fresh, &back).unwrap();
    assert_eq!(
        fresh.method_source("Ωmega", false, "greet").unwrap(),
        vm.method_source("Ωmega", false, "greet").unwrap()
    );
    fresh.eval(&back.run).expect("run");
    assert_eq!(fresh.take_transcript(), "日本語 😀 λΔέλτα");
}
