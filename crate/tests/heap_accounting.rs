//! The heap limit counts what the VM holds outside objects too: class
//! metadata, method code and source, symbols. A source that defines
//! classes and methods past the limit ends in a clear error, and what the
//! VM accounts stays under the limit plus a fixed overhead. Before, only
//! objects' bodies counted, and every class copied its superclass's
//! instance variable names: a 27 KB share link defining a deep hierarchy
//! reached 875 MB.

use livetalk::host::share::{self, ClassDef, MethodDef, Workspace};
use livetalk::Vm;

const LIMIT: usize = 16 << 20;

fn small_vm() -> Vm {
    let mut vm = Vm::new().unwrap();
    vm.heap.limit = LIMIT;
    vm
}

/// `n` class definitions, each a subclass of the one before, each with
/// `ivars` instance variables of its own.
fn chain(n: usize, ivars: usize) -> String {
    let mut src = String::new();
    let mut sup = "Object".to_string();
    for i in 0..n {
        let names: Vec<String> = (0..ivars).map(|k| format!("a{i}v{k}")).collect();
        src.push_str(&format!(
            "{sup} subclass: #Gen{i} instanceVariableNames: '{}' classVariableNames: '' package: 'Gen'!\n",
            names.join(" ")
        ));
        sup = format!("Gen{i}");
    }
    src
}

/// `n` classes of `ivars` instance variables, with a method each.
fn flat(n: usize, ivars: usize) -> String {
    let mut src = String::new();
    for i in 0..n {
        let names: Vec<String> = (0..ivars).map(|k| format!("v{k}")).collect();
        src.push_str(&format!(
            "Object subclass: #Flat{i} instanceVariableNames: '{}' classVariableNames: '' package: 'Gen'!\n!Flat{i} methodsFor: 'x'!\nm{i} ^v0! !\n",
            names.join(" ")
        ));
    }
    src
}

#[test]
fn a_deep_hierarchy_shares_its_names() {
    // 1,500 classes of 2 names each, every one a subclass of the last:
    // copied, 2.25 million names; shared, 3,000
    let mut vm = small_vm();
    vm.file_in("chain.st", &chain(1_500, 2)).unwrap();
    vm.collect_garbage();
    assert!(vm.heap.used() < 8 << 20, "{} bytes", vm.heap.used());
    let names = vm.eval_print("Gen1499 allInstVarNames size").unwrap();
    assert_eq!(names, "3000");
    assert_eq!(
        vm.eval_print("Gen1499 new instVarNamed: 'a0v1' put: 5; instVarNamed: 'a0v1'")
            .unwrap(),
        "5"
    );
    assert_eq!(vm.eval_print("Gen1499 instVarNames size").unwrap(), "2");
}

#[test]
fn defining_classes_past_the_limit_fails_cleanly() {
    let mut vm = small_vm();
    // under the up-front check, over the limit once defined
    let src = flat(9_000, 30);
    assert!(vm.source_fits(src.len()).is_ok(), "{} bytes", src.len());
    let err = vm.file_in("flat.st", &src).unwrap_err().to_string();
    assert!(
        err.contains("out of memory") || err.contains("OutOfMemory"),
        "{err}"
    );
    // what is accounted stays under the limit, with the reserve an
    // OutOfMemory may lend and the metadata of the last definition
    assert!(
        vm.heap.used() <= LIMIT + LIMIT / 16 + (64 << 10),
        "{} bytes",
        vm.heap.used()
    );
    vm.collect_garbage();
    assert!(vm.heap.used() <= LIMIT, "{} bytes", vm.heap.used());
    assert!(vm.heap.metadata > 4 << 20, "class metadata counts");
    // the heap is full of classes: even a do-it does not fit, and says so
    // (one whose source, 16 KB, is more than a class definition left
    // room for: how much room the last one left depends on the kernel)
    let doit = format!("\"{}\" 3 + 4", "x".repeat(16 << 10));
    let err = vm.eval_print(&doit).unwrap_err().to_string();
    assert!(err.contains("out of memory"), "{err}");
    // with room, the VM goes on
    vm.heap.limit = 2 * LIMIT;
    assert_eq!(vm.eval_print("3 + 4").unwrap(), "7");
}

#[test]
fn a_deep_hierarchy_of_many_names_is_refused() {
    let mut vm = small_vm();
    let err = vm
        .file_in("chain.st", &chain(400, 20))
        .unwrap_err()
        .to_string();
    assert!(err.contains("too many instance variables"), "{err}");
}

#[test]
fn a_superclass_cannot_push_a_subclass_past_the_limit() {
    let mut vm = small_vm();
    let names = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let define = |sup: &str, name: &str, vars: &str| {
        format!(
            "{sup} subclass: #{name} instanceVariableNames: '{vars}' classVariableNames: '' package: 'Gen'"
        )
    };
    vm.eval(&define("Object", "Top", "a")).unwrap();
    vm.eval(&define("Top", "Middle", &names("m", 2000)))
        .unwrap();
    vm.eval(&define("Middle", "Bottom", &names("b", 2000)))
        .unwrap();
    vm.eval("Bottom compile: 'b0 ^ b0'. Smalltalk at: #Kept put: (Bottom new instVarNamed: 'b0' put: 7; yourself)")
        .unwrap();
    // Top's 200 more would make Bottom's 4,201
    let err = vm
        .eval(&define("Object", "Top", &format!("a {}", names("t", 200))))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Bottom: too many instance variables (4201; at most 4096)"),
        "{err}"
    );
    // nothing changed: the classes, and the instance
    assert_eq!(vm.eval_print("Top instVarNames size").unwrap(), "1");
    assert_eq!(
        vm.eval_print("Bottom allInstVarNames size").unwrap(),
        "4001"
    );
    assert_eq!(vm.eval_print("Kept b0").unwrap(), "7");
    // within the limit it is reshaped
    vm.eval(&define("Object", "Top", &format!("a {}", names("t", 90))))
        .unwrap();
    assert_eq!(
        vm.eval_print("Bottom allInstVarNames size").unwrap(),
        "4091"
    );
    assert_eq!(vm.eval_print("Kept b0").unwrap(), "7");
}

#[test]
fn methods_past_the_limit_are_compile_errors() {
    let mut vm = small_vm();
    vm.eval(
        "Object subclass: #Big instanceVariableNames: '' classVariableNames: '' package: 'Gen'",
    )
    .unwrap();
    let body = "| a | a := 0.".to_string() + &" a := a + 1.".repeat(500) + " ^a";
    let mut failed = None;
    for i in 0..20_000 {
        if let Err(e) = vm.accept("Big", false, &format!("m{i} {body}"), None) {
            failed = Some(e.to_string());
            break;
        }
    }
    let err = failed.expect("the limit is reached");
    assert!(err.contains("out of memory"), "{err}");
    vm.collect_garbage();
    assert!(vm.heap.used() <= LIMIT, "{} bytes", vm.heap.used());
}

#[test]
fn too_large_a_file_or_link_is_refused_before_it_is_defined() {
    let mut vm = small_vm();
    let classes_before = vm.classes.len();
    let src = flat(20_000, 30);
    let err = vm.file_in("huge.st", &src).unwrap_err().to_string();
    assert!(err.contains("too large for the heap"), "{err}");
    assert_eq!(vm.classes.len(), classes_before, "nothing was defined");
    let ws = Workspace {
        classes: (0..20_000)
            .map(|i| ClassDef {
                name: format!("Linked{i}"),
                superclass: "Object".into(),
                inst_vars: (0..30).map(|k| format!("v{k}")).collect(),
                category: "Gen".into(),
                ..ClassDef::default()
            })
            .collect(),
        methods: vec![MethodDef {
            class: "Linked0".into(),
            source: "m ^1".into(),
            category: "x".into(),
            ..MethodDef::default()
        }],
        ..Workspace::default()
    };
    let err = share::restore(&mut vm, &ws).unwrap_err();
    assert!(err.contains("too large for the heap"), "{err}");
    assert_eq!(vm.classes.len(), classes_before);
}
