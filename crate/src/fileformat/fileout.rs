//! FileOut: writing classes and do-its in Squeak's chunk format.
//!
//! The output follows Squeak's `ClassDescription>>fileOutOn:`: for each
//! class, its definition chunk, its comment (`!Foo commentStamp: ...!`
//! followed by the comment chunk), its class-side instance variables
//! (`Foo class instanceVariableNames: '...'`), then one
//! `!Foo methodsFor: 'cat'!` section per category (instance side first,
//! then `!Foo class methodsFor: 'cat'!`), each ended by `! !`. The do-its
//! follow, one chunk each. `!` is escaped as `!!` everywhere.
//!
//! [`read_chunks`](super::read_chunks) reads the output back to the same
//! methods and do-its, with the chunk format's limits: leading separators
//! of a source are dropped (Squeak's `nextChunk` skips them, so they are
//! not written), and blank method sources or do-its (which would end a
//! section or vanish) are not written at all.
//!
//! Like the rest of the module this is pure text processing and never
//! panics.

use super::chunk::string_literal;

/// A class to file out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassOut {
    /// The class name.
    pub name: String,
    /// The superclass name, `"nil"` for a root class.
    pub superclass: String,
    /// Instance variable names, in order.
    pub inst_vars: Vec<String>,
    /// Class variable names.
    pub class_vars: Vec<String>,
    /// Class-side instance variable names, in order.
    pub class_inst_vars: Vec<String>,
    /// The class category.
    pub category: String,
    /// The class comment, if any.
    pub comment: Option<String>,
    /// The methods, both sides; written grouped by category, categories in
    /// order of first appearance, methods in their given order.
    pub methods: Vec<MethodOut>,
}

/// A method to file out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MethodOut {
    /// True for a class-side method.
    pub meta: bool,
    /// The method category.
    pub category: String,
    /// The full method source.
    pub source: String,
}

/// Chunk text with Squeak's separators at the start removed.
fn trim_separators(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\r', '\n', '\u{c}'])
}

/// Appends `text` as a chunk: `!` doubled, then the terminating `!`.
fn put_chunk(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '!' {
            out.push('!');
        }
        out.push(c);
    }
    out.push('!');
}

/// Squeak's `Class>>definition`.
fn definition(c: &ClassOut) -> String {
    let superclass = if c.superclass.is_empty() {
        "nil"
    } else {
        c.superclass.as_str()
    };
    format!(
        "{} subclass: #{}\n\tinstanceVariableNames: {}\n\tclassVariableNames: {}\n\tpoolDictionaries: ''\n\tcategory: {}",
        superclass,
        c.name,
        string_literal(&c.inst_vars.join(" ")),
        string_literal(&c.class_vars.join(" ")),
        string_literal(&c.category),
    )
}

/// Writes the `methodsFor:` sections of one side of `c`.
fn put_methods(out: &mut String, c: &ClassOut, meta: bool) {
    let methods: Vec<(&MethodOut, &str)> = c
        .methods
        .iter()
        .filter(|m| m.meta == meta)
        .map(|m| (m, trim_separators(&m.source)))
        .filter(|(_, src)| !src.is_empty())
        .collect();
    let mut categories: Vec<&str> = Vec::new();
    for (m, _) in &methods {
        if !categories.contains(&m.category.as_str()) {
            categories.push(&m.category);
        }
    }
    let side = if meta { " class" } else { "" };
    for cat in categories {
        out.push('!');
        put_chunk(
            out,
            &format!("{}{} methodsFor: {}", c.name, side, string_literal(cat)),
        );
        for (_, src) in methods.iter().filter(|(m, _)| m.category == cat) {
            out.push('\n');
            put_chunk(out, src);
            out.push('\n');
        }
        out.push_str(" !\n\n");
    }
}

/// Writes `classes` (superclasses should come first) then `doits` in chunk
/// format, as Squeak's fileOut does; [`read_chunks`](super::read_chunks)
/// reads the result back to the same methods and do-its (see the
/// [module documentation](self) for the few sources that cannot be
/// represented). Class definitions are written as `subclass:` do-its
/// (`nil subclass: ...` for a root class), comments as
/// `commentStamp:` readers.
pub fn file_out(classes: &[ClassOut], doits: &[String]) -> String {
    let mut out = String::new();
    for c in classes {
        put_chunk(&mut out, &definition(c));
        out.push_str("\n\n");
        if let Some(comment) = &c.comment {
            out.push('!');
            put_chunk(
                &mut out,
                &format!("{} commentStamp: '<historical>' prior: 0", c.name),
            );
            out.push('\n');
            put_chunk(&mut out, comment);
            out.push_str("\n\n");
        }
        if !c.class_inst_vars.is_empty() {
            put_chunk(
                &mut out,
                &format!(
                    "{} class\n\tinstanceVariableNames: {}",
                    c.name,
                    string_literal(&c.class_inst_vars.join(" "))
                ),
            );
            out.push_str("\n\n");
        }
        put_methods(&mut out, c, false);
        put_methods(&mut out, c, true);
    }
    for d in doits {
        let d = trim_separators(d);
        if d.trim().is_empty() {
            continue;
        }
        put_chunk(&mut out, d);
        out.push_str("\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{read_chunks, FileInItem};
    use super::*;

    fn m(meta: bool, category: &str, source: &str) -> MethodOut {
        MethodOut {
            meta,
            category: category.into(),
            source: source.into(),
        }
    }

    fn sample() -> Vec<ClassOut> {
        vec![
            ClassOut {
                name: "Foo".into(),
                superclass: "Object".into(),
                inst_vars: vec!["a".into(), "b".into()],
                class_vars: vec!["Default".into()],
                class_inst_vars: vec!["count".into()],
                category: "Test-It's".into(),
                comment: Some("I'm Foo!\nReally!".into()),
                methods: vec![
                    m(false, "accessing", "a\n\t^a"),
                    m(false, "printing", "shout\n\t^'Hi!!' , '!'"),
                    m(true, "instance creation", "new\n\t^super new"),
                    m(false, "accessing", "a: x\n\ta := x!"),
                    m(true, "instance creation", "count\n\t^count"),
                ],
            },
            ClassOut {
                name: "Root".into(),
                superclass: "nil".into(),
                category: "Test".into(),
                ..Default::default()
            },
        ]
    }

    #[test]
    fn writes_squeak_layout() {
        let text = file_out(&sample(), &["Foo new a!".to_string()]);
        let expected_start = "Object subclass: #Foo\n\
            \tinstanceVariableNames: 'a b'\n\
            \tclassVariableNames: 'Default'\n\
            \tpoolDictionaries: ''\n\
            \tcategory: 'Test-It''s'!\n\n\
            !Foo commentStamp: '<historical>' prior: 0!\n\
            I'm Foo!!\nReally!!!\n\n\
            Foo class\n\tinstanceVariableNames: 'count'!\n\n\
            !Foo methodsFor: 'accessing'!\n\
            a\n\t^a!\n\n\
            a: x\n\ta := x!!!\n \
            !\n\n\
            !Foo methodsFor: 'printing'!\n\
            shout\n\t^'Hi!!!!' , '!!'!\n \
            !\n\n\
            !Foo class methodsFor: 'instance creation'!\n";
        assert!(text.starts_with(expected_start), "{}", text);
        assert!(text.contains("nil subclass: #Root\n"));
        assert!(text.ends_with("Foo new a!!!\n\n"));
    }

    #[test]
    fn round_trip() {
        let classes = sample();
        let doits = vec![
            "Foo new a!".to_string(),
            "Transcript show: 'done'; cr".to_string(),
        ];
        let text = file_out(&classes, &doits);
        let items = read_chunks(&text).unwrap();
        let methods: Vec<(String, bool, String, String)> = items
            .iter()
            .filter_map(|i| match i {
                FileInItem::Method {
                    class,
                    meta,
                    category,
                    source,
                    ..
                } => Some((class.clone(), *meta, category.clone(), source.clone())),
                _ => None,
            })
            .collect();
        let mut expected: Vec<(String, bool, String, String)> = Vec::new();
        // Grouped by side, then category in order of first appearance.
        for meta in [false, true] {
            let mut cats: Vec<&str> = Vec::new();
            for mm in classes[0].methods.iter().filter(|x| x.meta == meta) {
                if !cats.contains(&mm.category.as_str()) {
                    cats.push(&mm.category);
                }
            }
            for cat in cats {
                for mm in classes[0]
                    .methods
                    .iter()
                    .filter(|x| x.meta == meta && x.category == cat)
                {
                    expected.push(("Foo".into(), meta, cat.into(), mm.source.clone()));
                }
            }
        }
        assert_eq!(methods, expected);
        let doit_sources: Vec<&str> = items
            .iter()
            .filter_map(|i| match i {
                FileInItem::DoIt { source, .. } => Some(source.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            doit_sources,
            vec![
                "Object subclass: #Foo\n\tinstanceVariableNames: 'a b'\n\tclassVariableNames: 'Default'\n\tpoolDictionaries: ''\n\tcategory: 'Test-It''s'",
                "Foo comment: 'I''m Foo!\nReally!'",
                "Foo class\n\tinstanceVariableNames: 'count'",
                "nil subclass: #Root\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpoolDictionaries: ''\n\tcategory: 'Test'",
                "Foo new a!",
                "Transcript show: 'done'; cr",
            ]
        );
        // Offsets point at the sources in the written text.
        for it in &items {
            if let FileInItem::Method { source, offset, .. } = it {
                let escaped = source.replace('!', "!!");
                assert!(text[*offset..].starts_with(&escaped));
            }
        }
    }

    #[test]
    fn unrepresentable_sources_are_normalised() {
        let c = ClassOut {
            name: "A".into(),
            superclass: "Object".into(),
            methods: vec![m(false, "x", "  \n"), m(false, "x", "\n\tfoo ^1")],
            ..Default::default()
        };
        let text = file_out(&[c], &["   ".into(), "\n 3".into()]);
        let items = read_chunks(&text).unwrap();
        let sources: Vec<&str> = items
            .iter()
            .map(|i| match i {
                FileInItem::Method { source, .. } | FileInItem::DoIt { source, .. } => {
                    source.as_str()
                }
                FileInItem::ClassDef { name, .. } => name.as_str(),
            })
            .collect();
        assert_eq!(sources.len(), 3);
        assert_eq!(&sources[1..], &["foo ^1", "3"]);
    }

    #[test]
    fn round_trip_of_prefixes_never_panics() {
        let text = file_out(&sample(), &["1 + 2".into()]);
        for (i, _) in text.char_indices() {
            let _ = read_chunks(&text[..i]);
        }
    }
}
