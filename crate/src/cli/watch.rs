//! `livetalk watch FILE... -- EXPR`: the seed scenario from a terminal.
//!
//! Files in each FILE, then runs EXPR as a process in time slices,
//! printing its Transcript output as it comes, while it polls the files
//! (every [`POLL`]). When a file's text changes and then holds still for
//! one more poll (an editor that writes in place is done writing), the
//! chunks that changed are filed in with the playground's Accept:
//!
//! - a changed or new method becomes a new version: running activations
//!   keep theirs, the next send takes it (`accepted Demo>>methB (v2)` on
//!   stderr); a compile error is `FILE:LINE:COL: message` and installs
//!   nothing, and the method keeps the version it had;
//! - a method that is gone from every watched file is removed (the next
//!   send is a doesNotUnderstand:);
//! - a changed or new do-it (a class definition, say) runs, above the
//!   expression's priority, until it ends;
//! - a file that does not parse reports where and changes nothing.
//!
//! Files are read by name at each poll, so an editor that saves by
//! writing a new file and renaming it over the old one is seen too (a
//! file missing for a moment is waited for). It ends when EXPR's process
//! ends: its value is printed as `eval` prints it (exit 0), or its error
//! with its stack (exit 1). Ctrl-C ends it with the stack of where the
//! expression was (exit 130).

use super::drive::{drive, End};
use super::interrupt;
use super::term::{decode_source, die, flush, print_line, read_source, say, try_file_in, warn};
use livetalk::fileformat::{read_file_in, FileInItem};
use livetalk::host::HostError;
use livetalk::interp::USER_PRIORITY;
use livetalk::Vm;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

/// How often the files are looked at.
const POLL: Duration = Duration::from_millis(150);
/// A file's text is read again at least this often, even when its
/// modification time and size say nothing changed (coarse clocks).
const REREAD: Duration = Duration::from_secs(1);
/// Do-its filed in while the expression runs run above it.
const DOIT_PRIORITY: u8 = USER_PRIORITY + 10;

/// A method as a watched file holds it: class, class side, selector.
type MethodKey = (String, bool, String);

/// What `watch` knows of one file.
struct Watched {
    path: String,
    /// The text last filed in (or found not to parse).
    text: String,
    /// The methods the file defines, with the source installed from it.
    methods: HashMap<MethodKey, String>,
    /// The do-its that ran from it (or failed).
    doits: HashSet<String>,
    /// A changed text seen at the last poll, filed in when the next poll
    /// finds it unchanged.
    candidate: Option<String>,
    /// Modification time, size (and inode) at the last read.
    stamp: Option<Stamp>,
    read_at: Instant,
    /// Since when the file has been missing.
    missing_since: Option<Instant>,
    missing_said: bool,
}

#[derive(PartialEq, Clone, Copy)]
struct Stamp(Option<SystemTime>, u64, u64);

fn stamp(m: &std::fs::Metadata) -> Stamp {
    #[cfg(unix)]
    let ino = std::os::unix::fs::MetadataExt::ino(m);
    #[cfg(not(unix))]
    let ino = 0;
    Stamp(m.modified().ok(), m.len(), ino)
}

/// Runs `watch`; answers the exit code.
pub fn main(mut vm: Vm, files: &[String], expr: &str) -> i32 {
    let mut watched = Vec::new();
    for f in files {
        let text = read_source(f).unwrap_or_else(|e| die(2, &e));
        // the text read is the text filed in and compared with later
        if let Err((code, msg)) = try_file_in(&mut vm, f, &text) {
            die(code, &msg)
        }
        let mut w = Watched {
            path: f.clone(),
            text: String::new(),
            methods: HashMap::new(),
            doits: HashSet::new(),
            candidate: None,
            stamp: std::fs::metadata(f).ok().map(|m| stamp(&m)),
            read_at: Instant::now(),
            missing_since: None,
            missing_said: false,
        };
        if let Ok(items) = read_file_in(f, &text) {
            for item in items {
                match item {
                    FileInItem::Method {
                        class,
                        meta,
                        source,
                        ..
                    } => {
                        w.methods
                            .insert((class, meta, selector_of(&source)), source);
                    }
                    FileInItem::DoIt { source, .. } => {
                        w.doits.insert(source.trim().to_string());
                    }
                    FileInItem::ClassDef { .. } => {}
                }
            }
        }
        w.text = text;
        watched.push(w);
    }
    let pid = match vm.start(expr, USER_PRIORITY) {
        Ok(pid) => pid,
        Err(HostError::Compile(e, s)) => {
            let msg: Vec<String> = e
                .render(&s)
                .lines()
                .map(|l| format!("<expr>:{}", l))
                .collect();
            die(2, &msg.join("\n"))
        }
        Err(e) => die(2, &e.to_string()),
    };
    vm.note_warnings("<expr>", expr, 0);
    warn(&mut vm);
    interrupt::install();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    say(&format!(
        "watching {} (saving a file accepts what changed; Ctrl-C stops)",
        names.join(", ")
    ));
    let mut polled = Instant::now();
    let end = drive(&mut vm, pid, &mut |vm| {
        if polled.elapsed() >= POLL {
            polled = Instant::now();
            for i in 0..watched.len() {
                if let Some(text) = poll(&mut watched[i]) {
                    file_in_changes(vm, &mut watched, i, text);
                }
            }
        }
    });
    match end {
        End::Finished(v) => match vm.try_print_string(v) {
            Ok(s) => {
                print_line(&mut vm, &s);
                0
            }
            Err(e) => {
                say(&format!("error printing the result: {}", e));
                1
            }
        },
        End::Errored => {
            if let Err(e) = vm.run_until_done(pid) {
                say(&e.to_string());
            }
            1
        }
        End::Interrupted => {
            flush(&mut vm);
            let stack = vm.stack_names(pid);
            say(&format!("interrupted in:\n{}", stack.join("\n")));
            130
        }
        End::Stuck => {
            say("the expression waits and nothing can wake it");
            1
        }
        End::Terminated => {
            say("the expression's process was terminated");
            1
        }
    }
}

/// Looks at a file: answers its new text once it has changed and held
/// still since the poll before.
fn poll(w: &mut Watched) -> Option<String> {
    let meta = match std::fs::metadata(&w.path) {
        Ok(m) => m,
        Err(_) => {
            // an editor between deleting and writing, or renaming over it
            let since = *w.missing_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_secs(2) && !w.missing_said {
                say(&format!("{}: missing; waiting for it to come back", w.path));
                w.missing_said = true;
            }
            return None;
        }
    };
    w.missing_since = None;
    w.missing_said = false;
    let s = stamp(&meta);
    if Some(s) == w.stamp && w.candidate.is_none() && w.read_at.elapsed() < REREAD {
        return None;
    }
    let bytes = std::fs::read(&w.path).ok()?;
    let text = match decode_source(&w.path, bytes) {
        Ok(text) => text,
        Err(e) => {
            // said once per version of the file
            if w.stamp != Some(s) {
                say(&e);
                w.stamp = Some(s);
                w.read_at = Instant::now();
            }
            return None;
        }
    };
    w.stamp = Some(s);
    w.read_at = Instant::now();
    if text == w.text {
        w.candidate = None;
        return None;
    }
    if w.candidate.as_deref() == Some(text.as_str()) {
        w.candidate = None;
        Some(text)
    } else {
        w.candidate = Some(text);
        None
    }
}

/// Files in what changed in `watched[i]`, whose text is now `text`.
fn file_in_changes(vm: &mut Vm, watched: &mut [Watched], i: usize, text: String) {
    let path = watched[i].path.clone();
    let at = |offset: usize| {
        let (l, c) = livetalk::syntax::line_col(&text, offset);
        format!("{}:{}:{}", path, l, c)
    };
    let items = match read_file_in(&path, &text) {
        Ok(items) => items,
        Err(e) => {
            say(&format!("{}: {}", at(e.offset), e.message));
            watched[i].text = text;
            return;
        }
    };
    let mut methods = HashMap::new();
    let mut doits = HashSet::new();
    for item in items {
        match item {
            FileInItem::DoIt { source, offset } => {
                // each text of a do-it runs once, whether it fails or not
                let key = source.trim().to_string();
                if !watched[i].doits.contains(&key) {
                    run_doit(vm, (&path, &text), &source, offset);
                }
                doits.insert(key);
            }
            FileInItem::Method {
                class,
                meta,
                category,
                source,
                offset,
            } => {
                let key = (class.clone(), meta, selector_of(&source));
                let old = watched[i].methods.get(&key);
                if old == Some(&source) {
                    methods.insert(key, source);
                    continue;
                }
                let side = if meta { " class" } else { "" };
                match vm.accept(&class, meta, &source, Some(&category)) {
                    Ok(a) => {
                        flush(vm);
                        say(&format!(
                            "accepted {}{}>>{} (v{})",
                            class, side, a.selector, a.version
                        ));
                        methods.insert(key, source);
                    }
                    Err(HostError::Compile(e, src)) => {
                        flush(vm);
                        for err in &e.errors {
                            let at = in_file((&path, &text), offset, &src, err.span.start);
                            say(&format!("{}: {}", at, err.message));
                        }
                        // it keeps the version it had
                        if let Some(old) = old {
                            methods.insert(key, old.clone());
                        }
                    }
                    Err(e) => {
                        flush(vm);
                        say(&format!("{}: {}", at(offset), e));
                        if let Some(old) = old {
                            methods.insert(key, old.clone());
                        }
                    }
                }
                warn(vm);
            }
            // a SOM class definition is read at start only
            FileInItem::ClassDef { .. } => {}
        }
    }
    // methods gone from this file and defined by no other watched file
    let gone: Vec<MethodKey> = watched[i]
        .methods
        .keys()
        .filter(|k| !methods.contains_key(*k))
        .filter(|k| {
            !watched
                .iter()
                .enumerate()
                .any(|(j, w)| j != i && w.methods.contains_key(*k))
        })
        .cloned()
        .collect();
    for (class, meta, selector) in gone {
        let side = if meta { " class" } else { "" };
        match vm.remove(&class, meta, &selector) {
            Ok(()) => say(&format!("removed {}{}>>{}", class, side, selector)),
            Err(e) => say(&format!("{}: {}", path, e)),
        }
    }
    let w = &mut watched[i];
    w.methods = methods;
    w.doits = doits;
    w.text = text;
}

/// `FILE:LINE:COL` of a place in a chunk: `at` bytes into `chunk`, which
/// begins `offset` bytes into the file's `text`.
fn in_file((path, text): (&str, &str), offset: usize, chunk: &str, at: u32) -> String {
    let (l, c) = livetalk::syntax::line_col(chunk, at as usize);
    let (cl, cc) = livetalk::syntax::line_col(text, offset);
    let (l, c) = if l == 1 {
        (cl, cc + c - 1)
    } else {
        (cl + l - 1, c)
    };
    format!("{}:{}:{}", path, l, c)
}

/// Runs a do-it of a watched file (`source`, `offset` bytes into it) to
/// its end, and reports how it ended.
fn run_doit(vm: &mut Vm, (path, text): (&str, &str), source: &str, offset: usize) {
    let at = in_file((path, text), offset, "", 0);
    let pid = match vm.start(source, DOIT_PRIORITY) {
        Ok(pid) => pid,
        Err(HostError::Compile(e, src)) => {
            for err in &e.errors {
                let at = in_file((path, text), offset, &src, err.span.start);
                say(&format!("{}: {}", at, err.message));
            }
            return;
        }
        Err(e) => return say(&format!("{}: {}", at, e)),
    };
    vm.note_warnings(path, text, offset);
    warn(vm);
    let r = vm.run_until_done(pid);
    flush(vm);
    match r {
        Ok(_) => say(&format!("ran the do-it at {}", at)),
        Err(e) => say(&format!("{}: {}", at, e)),
    }
}

/// The selector of a method's pattern, read without parsing the body
/// (which may not compile): `methB`, `+`, `at:put:`.
fn selector_of(source: &str) -> String {
    let mut chars = source.chars().peekable();
    let skip_blanks = |chars: &mut std::iter::Peekable<std::str::Chars>| loop {
        match chars.peek() {
            Some(c) if c.is_whitespace() => {
                chars.next();
            }
            Some('"') => {
                chars.next();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            _ => break,
        }
    };
    let ident = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        let mut s = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_alphanumeric() || c == '_' {
                s.push(c);
                chars.next();
            } else {
                break;
            }
        }
        s
    };
    skip_blanks(&mut chars);
    match chars.peek() {
        Some(c) if c.is_alphabetic() || *c == '_' => {}
        _ => {
            // a binary selector
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c.is_alphanumeric() || c == '"' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            return s;
        }
    }
    let first = ident(&mut chars);
    if chars.peek() != Some(&':') {
        return first;
    }
    let mut selector = String::new();
    let mut part = first;
    loop {
        chars.next(); // the colon
        selector.push_str(&part);
        selector.push(':');
        skip_blanks(&mut chars);
        ident(&mut chars); // the argument
        skip_blanks(&mut chars);
        part = ident(&mut chars);
        if part.is_empty() || chars.peek() != Some(&':') {
            return selector;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::selector_of;

    #[test]
    fn selectors() {
        assert_eq!(selector_of("methB\n\t^ 1 +"), "methB");
        assert_eq!(selector_of("methA: x\n\t[true] whileTrue"), "methA:");
        assert_eq!(selector_of("  at: i put: x ^ x"), "at:put:");
        assert_eq!(selector_of("at: i\n  \"c\" put: x"), "at:put:");
        assert_eq!(selector_of("+ other ^ 3"), "+");
        assert_eq!(selector_of("<= other"), "<=");
        assert_eq!(selector_of("x: a yourself"), "x:");
        // identifiers beyond ASCII, as the lexer reads them
        assert_eq!(selector_of("λ: a μ: b ^ a"), "λ:μ:");
        assert_eq!(selector_of("日本 ^ 1"), "日本");
        assert_eq!(selector_of("größe: n ^ n"), "größe:");
    }
}
