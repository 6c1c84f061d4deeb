//! Share links: a whole workspace (the classes and methods the user
//! added or changed, the run expression, settings) in a URL fragment.
//!
//! A link is `#v1/<data>` where `<data>` is the payload below, compressed
//! with raw deflate (RFC 1951) and encoded as base64url without padding
//! (RFC 4648 §5). The `v1/` prefix names the format; old links must keep
//! decoding forever (see the golden links in `crate/tests/share.rs`).
//!
//! # The v1 payload
//!
//! UTF-8 text, one record per line. A record is a tag followed by its
//! fields; every field is written as ` <byte length>:<bytes>` (a space,
//! the length in decimal, a colon, then exactly that many bytes), so
//! fields may contain any text, newlines included. A record ends with
//! `\n`. Records:
//!
//! ```text
//! v <version>                                   first record; "1"
//! s <key> <value>                               a setting; "tier" = off | on | eager
//! r <expression>                                the run expression
//! c <name> <superclass> <category> <instVars> <classVars> <classInstVars>
//!                                               a class definition; variable lists
//!                                               are space-separated names
//! m <class> <side> <category> <source>          a method; side is "i" or "c" (class side)
//! ```
//!
//! Classes come before methods, each in the order they are restored. A
//! reader ignores records with an unknown tag and settings with an
//! unknown key, so optional additions do not need a new version.
//!
//! Decoding never panics: every failure is a [`ShareError`]. The
//! decompressed payload is limited to [`MAX_PAYLOAD`] bytes.

use crate::fileformat::{file_out, ClassOut};
use crate::Vm;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The format version written by [`encode`].
pub const VERSION: u32 = 1;
/// Largest decompressed payload accepted (decompression bomb guard).
pub const MAX_PAYLOAD: usize = 4 << 20;
/// Largest link accepted (before base64 decoding).
pub const MAX_LINK: usize = 8 << 20;

/// A class definition in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassDef {
    pub name: String,
    /// The superclass name, `"nil"` for a root class.
    pub superclass: String,
    pub inst_vars: Vec<String>,
    pub class_vars: Vec<String>,
    pub class_inst_vars: Vec<String>,
    pub category: String,
}

/// A method in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MethodDef {
    /// The instance-side class name.
    pub class: String,
    /// True for a class-side method.
    pub meta: bool,
    pub category: String,
    /// The full method source, pattern first.
    pub source: String,
}

/// Settings carried by a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The optimizing tier: `off`, `on` or `eager`.
    pub tier: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { tier: "on".into() }
    }
}

/// Everything a share link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub version: u32,
    pub classes: Vec<ClassDef>,
    pub methods: Vec<MethodDef>,
    /// The expression the Run button starts.
    pub run: String,
    pub settings: Settings,
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            version: VERSION,
            classes: vec![],
            methods: vec![],
            run: String::new(),
            settings: Settings::default(),
        }
    }
}

/// Why a link could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The link does not start with a known `vN/` prefix.
    UnknownVersion(String),
    /// The data is not base64url.
    BadBase64(String),
    /// The data is not a deflate stream.
    BadCompression(String),
    /// The decompressed payload is not a v1 workspace.
    Malformed(String),
    /// The link or its decompressed payload is over the limit.
    TooLarge(usize),
}

impl std::fmt::Display for ShareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShareError::UnknownVersion(p) if is_version(p) => write!(
                f,
                "this link was made by a newer Livetalk (format {}); this one reads v1 links",
                p
            ),
            ShareError::UnknownVersion(p) => write!(
                f,
                "not a Livetalk share link (it should start with v1/, not {:?})",
                p
            ),
            ShareError::BadBase64(_) => write!(
                f,
                "this share link is damaged: it holds characters a link never has (was it changed after it was copied?)"
            ),
            ShareError::BadCompression(_) => write!(
                f,
                "this share link is damaged: its data is cut short or changed (was all of it copied?)"
            ),
            ShareError::Malformed(m) => write!(f, "share link is damaged: {}", m),
            ShareError::TooLarge(n) => write!(
                f,
                "share link is too large (over {} bytes; the limit is {})",
                n, MAX_PAYLOAD
            ),
        }
    }
}

impl std::error::Error for ShareError {}

/// `v2`, `v10`: a version prefix, of a format this build does not know.
fn is_version(p: &str) -> bool {
    p.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn field(out: &mut String, s: &str) {
    out.push(' ');
    out.push_str(&s.len().to_string());
    out.push(':');
    out.push_str(s);
}

fn record(out: &mut String, tag: &str, fields: &[&str]) {
    out.push_str(tag);
    for f in fields {
        field(out, f);
    }
    out.push('\n');
}

/// The uncompressed v1 payload of a workspace (see the module docs).
pub fn payload(ws: &Workspace) -> String {
    let mut out = String::new();
    record(&mut out, "v", &["1"]);
    record(&mut out, "s", &["tier", &ws.settings.tier]);
    record(&mut out, "r", &[&ws.run]);
    for c in &ws.classes {
        record(
            &mut out,
            "c",
            &[
                &c.name,
                &c.superclass,
                &c.category,
                &c.inst_vars.join(" "),
                &c.class_vars.join(" "),
                &c.class_inst_vars.join(" "),
            ],
        );
    }
    for m in &ws.methods {
        record(
            &mut out,
            "m",
            &[
                &m.class,
                if m.meta { "c" } else { "i" },
                &m.category,
                &m.source,
            ],
        );
    }
    out
}

/// Encodes a workspace as a link fragment, `#v1/...`.
pub fn encode(ws: &Workspace) -> String {
    let deflated = miniz_oxide::deflate::compress_to_vec(payload(ws).as_bytes(), 9);
    format!("#v1/{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// Decodes a link fragment (with or without the leading `#`; a whole URL
/// is accepted too: everything up to the last `#` is ignored).
pub fn decode(link: &str) -> Result<Workspace, ShareError> {
    let link = link.trim();
    let link = match link.rfind('#') {
        Some(i) => &link[i + 1..],
        None => link,
    };
    if link.len() > MAX_LINK {
        return Err(ShareError::TooLarge(MAX_LINK));
    }
    let Some(data) = link.strip_prefix("v1/") else {
        let prefix: String = link.chars().take_while(|c| *c != '/').take(16).collect();
        return Err(ShareError::UnknownVersion(prefix));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| ShareError::BadBase64(e.to_string()))?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_PAYLOAD).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge(MAX_PAYLOAD),
            s => ShareError::BadCompression(format!("{:?}", s)),
        },
    )?;
    let text = String::from_utf8(text)
        .map_err(|_| ShareError::Malformed("the payload is not UTF-8".into()))?;
    parse_payload(&text)
}

/// Parses a v1 payload (see the module docs).
pub fn parse_payload(text: &str) -> Result<Workspace, ShareError> {
    let bad = |m: String| ShareError::Malformed(m);
    let b = text.as_bytes();
    let mut pos = 0;
    let mut ws = Workspace::default();
    let mut saw_version = false;
    let mut line = 0;
    while pos < b.len() {
        line += 1;
        let tag_end = b[pos..]
            .iter()
            .position(|c| *c == b' ' || *c == b'\n')
            .map(|i| pos + i)
            .ok_or_else(|| bad(format!("record {} does not end", line)))?;
        let tag = &text[pos..tag_end];
        pos = tag_end;
        let mut fields: Vec<&str> = vec![];
        while b.get(pos) == Some(&b' ') {
            pos += 1;
            let colon = b[pos..]
                .iter()
                .take(12)
                .position(|c| *c == b':')
                .map(|i| pos + i)
                .ok_or_else(|| bad(format!("record {}: bad field length", line)))?;
            let n: usize = text[pos..colon]
                .parse()
                .map_err(|_| bad(format!("record {}: bad field length", line)))?;
            let start = colon + 1;
            let end = start
                .checked_add(n)
                .filter(|e| *e <= b.len())
                .ok_or_else(|| bad(format!("record {}: field runs past the end", line)))?;
            let f = text
                .get(start..end)
                .ok_or_else(|| bad(format!("record {}: field splits a character", line)))?;
            fields.push(f);
            pos = end;
        }
        if b.get(pos) != Some(&b'\n') {
            return Err(bad(format!("record {} does not end with a newline", line)));
        }
        pos += 1;
        let want = |n: usize| -> Result<(), ShareError> {
            if fields.len() == n {
                Ok(())
            } else {
                Err(bad(format!(
                    "record {} ({}) has {} fields, expected {}",
                    line,
                    tag,
                    fields.len(),
                    n
                )))
            }
        };
        if !saw_version {
            if tag != "v" {
                return Err(bad("the payload does not start with a version".into()));
            }
            want(1)?;
            if fields[0] != "1" {
                return Err(ShareError::UnknownVersion(format!("v{}", fields[0])));
            }
            saw_version = true;
            continue;
        }
        match tag {
            "s" => {
                want(2)?;
                if fields[0] == "tier" {
                    ws.settings.tier = fields[1].to_string();
                }
            }
            "r" => {
                want(1)?;
                ws.run = fields[0].to_string();
            }
            "c" => {
                want(6)?;
                let vars = |s: &str| -> Vec<String> {
                    s.split_whitespace().map(|v| v.to_string()).collect()
                };
                ws.classes.push(ClassDef {
                    name: fields[0].to_string(),
                    superclass: fields[1].to_string(),
                    category: fields[2].to_string(),
                    inst_vars: vars(fields[3]),
                    class_vars: vars(fields[4]),
                    class_inst_vars: vars(fields[5]),
                });
            }
            "m" => {
                want(4)?;
                let meta = match fields[1] {
                    "i" => false,
                    "c" => true,
                    s => return Err(bad(format!("record {}: bad method side {:?}", line, s))),
                };
                ws.methods.push(MethodDef {
                    class: fields[0].to_string(),
                    meta,
                    category: fields[2].to_string(),
                    source: fields[3].to_string(),
                });
            }
            _ => {} // a later, optional record
        }
    }
    if !saw_version {
        return Err(bad("the payload is empty".into()));
    }
    validate(&ws).map_err(ShareError::Malformed)?;
    Ok(ws)
}

/// An identifier as the lexer reads one (Unicode letters and digits, so
/// `Ωmega` or `λ`), at most 256 bytes; `upper`: a class name, which
/// starts with an upper-case letter.
fn is_identifier(s: &str, upper: bool) -> bool {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {
            if upper && !c.is_uppercase() {
                return false;
            }
        }
        _ => return false,
    }
    s.len() <= 256 && cs.all(|c| c.is_alphanumeric() || c == '_')
}

/// Checks that names are plain identifiers, so that a crafted workspace
/// cannot smuggle code into the class definitions [`restore`] evaluates.
pub fn validate(ws: &Workspace) -> Result<(), String> {
    if !matches!(ws.settings.tier.as_str(), "off" | "on" | "eager") {
        return Err(format!("unknown tier setting {:?}", ws.settings.tier));
    }
    for c in &ws.classes {
        if !is_identifier(&c.name, true) {
            return Err(format!("bad class name {:?}", c.name));
        }
        if c.superclass != "nil" && !is_identifier(&c.superclass, true) {
            return Err(format!("bad superclass name {:?}", c.superclass));
        }
        for v in c.inst_vars.iter().chain(&c.class_inst_vars) {
            if !is_identifier(v, false) {
                return Err(format!("bad variable name {:?} in {}", v, c.name));
            }
        }
        for v in &c.class_vars {
            if !is_identifier(v, true) {
                return Err(format!("bad class variable name {:?} in {}", v, c.name));
            }
        }
    }
    for m in &ws.methods {
        if !is_identifier(&m.class, true) {
            return Err(format!("bad class name {:?}", m.class));
        }
    }
    Ok(())
}

/// The definition of class `name` of `vm` as a link's class record holds
/// it, or `None` if there is no such class.
pub fn class_def(vm: &Vm, name: &str) -> Option<ClassDef> {
    let cid = vm.class_named(name)?;
    let info = &vm.classes[cid as usize];
    let meta = &vm.classes[info.partner as usize];
    let meta_inherited = meta
        .superclass
        .map(|s| vm.classes[s as usize].inst_vars.len())
        .unwrap_or(0);
    Some(ClassDef {
        name: info.name.clone(),
        superclass: info
            .superclass
            .map(|s| vm.classes[s as usize].name.clone())
            .unwrap_or_else(|| "nil".into()),
        inst_vars: info.own_inst_vars(vm).to_vec(),
        class_vars: info.class_vars.iter().map(|(n, _)| n.clone()).collect(),
        class_inst_vars: meta.inst_vars.skip(meta_inherited),
        category: info.category.clone(),
    })
}

/// How a link's class record would change the existing class `old`, in
/// words ("its superclass from Integer to Object"), or `None` when it
/// defines the class as it is (the category aside).
pub fn redefinition(old: &ClassDef, new: &ClassDef) -> Option<String> {
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(" ")
        }
    };
    let mut what = vec![];
    if old.superclass != new.superclass {
        what.push(format!(
            "its superclass from {} to {}",
            old.superclass, new.superclass
        ));
    }
    for (kind, a, b) in [
        ("instance variables", &old.inst_vars, &new.inst_vars),
        ("class variables", &old.class_vars, &new.class_vars),
        (
            "class-side instance variables",
            &old.class_inst_vars,
            &new.class_inst_vars,
        ),
    ] {
        if a != b {
            what.push(format!("its {} from ({}) to ({})", kind, list(a), list(b)));
        }
    }
    (!what.is_empty()).then(|| what.join(", "))
}

/// Refuses, before anything is changed, a link that would break the
/// system: one that redefines a class of the kernel (`is_kernel`: the
/// classes the system had before the user's; a record that defines one
/// exactly as it is changes nothing and is let through), one that defines
/// a class without a superclass (`nil subclass:`; such a class does not
/// even understand `doesNotUnderstand:`), and one with methods for a class
/// that is neither in the link nor in the system. The messages are for
/// the person who opened the link.
pub fn check_safe(vm: &Vm, ws: &Workspace, is_kernel: &dyn Fn(&str) -> bool) -> Result<(), String> {
    for c in &ws.classes {
        if is_kernel(&c.name) {
            if let Some(change) = class_def(vm, &c.name).and_then(|old| redefinition(&old, c)) {
                return Err(format!(
                    "this link would redefine {}, one of the system's own classes (changing {}); that could break everything that uses it, so the link was not applied. A link may add classes and change methods, but not redefine the system's classes",
                    c.name, change
                ));
            }
        } else if vm.globals.contains_key(&c.name) && vm.class_named(&c.name).is_none() {
            return Err(format!(
                "this link defines a class named {}, which would replace the system's {} object, so the link was not applied",
                c.name, c.name
            ));
        } else if c.superclass == "nil" {
            return Err(format!(
                "this link defines {} with no superclass (nil subclass:), a class whose objects would not understand even the messages the system sends them, so the link was not applied",
                c.name
            ));
        }
    }
    let defined: std::collections::HashSet<&str> =
        ws.classes.iter().map(|c| c.name.as_str()).collect();
    for m in &ws.methods {
        if !defined.contains(m.class.as_str()) && vm.class_named(&m.class).is_none() {
            return Err(format!(
                "this link has methods for {}, a class that is neither in the link nor in the system, so the link was not applied",
                m.class
            ));
        }
    }
    Ok(())
}

/// `ws` without the class records that define a class `vm` has exactly as
/// it is (defining it again would change nothing but could reshape it).
pub fn without_unchanged_classes(vm: &Vm, ws: &Workspace) -> Workspace {
    let mut out = ws.clone();
    out.classes.retain(|c| {
        class_def(vm, &c.name)
            .map(|old| redefinition(&old, c).is_some())
            .unwrap_or(true)
    });
    out
}

/// Captures the named classes of `vm` (definitions and every method, both
/// sides) with the run expression and tier setting.
pub fn capture(vm: &Vm, classes: &[&str], run: &str, tier: &str) -> Result<Workspace, String> {
    let mut ws = Workspace {
        run: run.to_string(),
        settings: Settings {
            tier: tier.to_string(),
        },
        ..Workspace::default()
    };
    for name in classes {
        let cid = vm
            .class_named(name)
            .ok_or_else(|| format!("no class named {}", name))?;
        let info = &vm.classes[cid as usize];
        let meta = &vm.classes[info.partner as usize];
        ws.classes
            .push(class_def(vm, name).ok_or_else(|| format!("no class named {}", name))?);
        for (is_meta, c) in [(false, info), (true, meta)] {
            let mut ms: Vec<(String, MethodDef)> = c
                .methods
                .values()
                .filter_map(|m| vm.method_code(*m))
                .map(|code| {
                    (
                        code.info.selector.clone(),
                        MethodDef {
                            class: info.name.clone(),
                            meta: is_meta,
                            category: code.info.category.clone(),
                            source: code.info.source.to_string(),
                        },
                    )
                })
                .collect();
            ms.sort_by(|a, b| a.0.cmp(&b.0));
            ws.methods.extend(ms.into_iter().map(|(_, m)| m));
        }
    }
    Ok(ws)
}

/// The class definitions of a workspace as chunk-format do-its
/// (`subclass:...`, `Foo class instanceVariableNames: ...`), no methods.
/// Fails if a name is not an identifier (see [`validate`]).
pub fn definitions(ws: &Workspace) -> Result<String, String> {
    validate(ws)?;
    let classes: Vec<ClassOut> = ws
        .classes
        .iter()
        .map(|c| ClassOut {
            name: c.name.clone(),
            superclass: c.superclass.clone(),
            inst_vars: c.inst_vars.clone(),
            class_vars: c.class_vars.clone(),
            class_inst_vars: c.class_inst_vars.clone(),
            category: c.category.clone(),
            comment: None,
            methods: vec![],
        })
        .collect();
    Ok(file_out(&classes, &[]))
}

/// Every class's superclass is `nil`, a class the link defines before
/// it, or a class `vm` has: a definition read as `Unknown subclass: #Foo`
/// would otherwise make Foo a root class (`Unknown` is nil).
pub fn check_superclasses(vm: &Vm, ws: &Workspace) -> Result<(), String> {
    let mut defined = std::collections::HashSet::new();
    for c in &ws.classes {
        let known = c.superclass == "nil"
            || defined.contains(c.superclass.as_str())
            || vm.class_named(&c.superclass).is_some();
        if !known {
            return Err(format!(
                "the superclass {} of {} is neither in the link nor in the system",
                c.superclass, c.name
            ));
        }
        defined.insert(c.name.as_str());
    }
    Ok(())
}

/// Restores a workspace into `vm`: defines the classes, then accepts the
/// methods. Nothing is run; the tier setting is applied to the VM.
pub fn restore(vm: &mut Vm, ws: &Workspace) -> Result<(), String> {
    check_superclasses(vm, ws)?;
    // a fresh VM: every class it has is the system's
    let before: std::collections::HashSet<String> =
        vm.classes.iter().map(|c| c.name.clone()).collect();
    check_safe(vm, ws, &|n| before.contains(n))?;
    let defs = definitions(&without_unchanged_classes(vm, ws))?;
    let methods: usize = ws.methods.iter().map(|m| m.source.len()).sum();
    vm.source_fits(defs.len() + methods)
        .map_err(|e| format!("the link is {}", e))?;
    vm.file_in("share link", &defs).map_err(|e| e.to_string())?;
    accept_methods(vm, ws)?;
    vm.tier = match ws.settings.tier.as_str() {
        "off" => crate::interp::TierMode::Off,
        "eager" => crate::interp::TierMode::Eager,
        _ => crate::interp::TierMode::On,
    };
    Ok(())
}

/// Accepts every method of the workspace (the classes must exist).
pub fn accept_methods(vm: &mut Vm, ws: &Workspace) -> Result<(), String> {
    for m in &ws.methods {
        vm.accept(&m.class, m.meta, &m.source, Some(&m.category))
            .map_err(|e| format!("{}{}: {}", m.class, if m.meta { " class" } else { "" }, e))?;
    }
    Ok(())
}
