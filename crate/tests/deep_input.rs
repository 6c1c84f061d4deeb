//! Deep and long input never overflows the Rust stack.
//!
//! Every pass over the syntax tree (parse, clone, drop, scope analysis,
//! codegen) is recursive, so the parser bounds the height of the tree it
//! builds: past `MAX_HEIGHT` the source is a compile error with its
//! line:column, reached without building the tall tree. These tests run on
//! a thread with a small Rust stack (as the page's wasm stack is small), so
//! a pass that recursed on user-controlled depth would abort the test
//! binary instead of failing politely.

use livetalk::syntax::parser::MAX_HEIGHT;
use livetalk::Vm;

/// Runs `f` on a thread whose Rust stack is `kib` KiB.
fn on_small_stack(kib: usize, f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// `first op first op first ...`, `n` terms.
fn chain(n: usize, term: &str, op: &str) -> String {
    vec![term; n].join(op)
}

fn compile_error(vm: &mut Vm, src: &str) -> String {
    match vm.eval_print(src) {
        Err(livetalk::host::EvalError::Compile(msg)) => msg,
        other => panic!("expected a compile error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn tallest_allowed_trees_compile_and_run() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        let n = MAX_HEIGHT as usize;
        // a binary chain of n terms is n tall
        let src = chain(n, "1", "+");
        assert_eq!(vm.eval_print(&src).unwrap(), n.to_string());
        // unary chain: n - 1 sends on a literal
        let src = format!("3{}", " yourself".repeat(n - 1));
        assert_eq!(vm.eval_print(&src).unwrap(), "3");
        // keyword sends nested through parentheses to the parser's limit
        let src = format!("{}0{}", "1 max: (".repeat(200), ")".repeat(200));
        assert_eq!(vm.eval_print(&src).unwrap(), "1");
    });
}

#[test]
fn long_chains_are_compile_errors_with_a_position() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        for (name, src) in [
            ("binary", chain(40_000, "1", "+")),
            (
                "binary on line 2",
                format!("| a |\n{}", chain(40_000, "a", " , ")),
            ),
            ("unary", format!("3{}", " yourself".repeat(40_000))),
            (
                "keyword argument",
                format!("1 max: {}", chain(40_000, "2", "-")),
            ),
            ("assign", format!("| a | {}3", "a := ".repeat(40_000))),
            (
                "cascade args",
                format!("3 foo; bar: {}", chain(40_000, "1", "-")),
            ),
            ("brace", format!("{{{}}}", chain(40_000, "1", "+"))),
            ("just over", chain(MAX_HEIGHT as usize + 1, "1", "+")),
        ] {
            let msg = compile_error(&mut vm, &src);
            assert!(msg.contains("nested too deeply"), "{name}: {msg}");
            let expect_line = if name.ends_with("line 2") { "2:" } else { "1:" };
            assert!(msg.starts_with(expect_line), "{name}: {msg}");
        }
        // and the VM is still fine
        assert_eq!(vm.eval_print("3 + 4").unwrap(), "7");
    });
}

#[test]
fn deep_blocks_and_parentheses_stay_errors() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        for src in [
            format!("{}1{}", "(".repeat(5000), ")".repeat(5000)),
            format!("{}1{}", "[".repeat(5000), "]".repeat(5000)),
            format!("#{}", "(".repeat(5000)),
            format!("{}{}", "{".repeat(5000), "}".repeat(5000)),
        ] {
            let msg = compile_error(&mut vm, &src);
            assert!(msg.contains("too deeply"), "{msg}");
        }
    });
}

#[test]
fn smalltalk_compile_of_a_built_string_is_a_smalltalk_error() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        let src = "| s | s := WriteStream on: String new.
            s nextPutAll: 'deep ^ 1'.
            40000 timesRepeat: [s nextPutAll: ' + 1'].
            [Object compile: s contents. #compiled]
                on: Error do: [:e | #refused]";
        assert_eq!(vm.eval_print(src).unwrap(), "#refused");
        assert_eq!(
            vm.eval_print("Object new respondsTo: #deep").unwrap(),
            "false"
        );
    });
}

#[test]
fn file_in_of_a_long_chain_is_an_error() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        let src = format!(
            "Object subclass: #Deep\n  instanceVariableNames: ''\n  classVariableNames: ''\n  package: 'x'!\n!Deep methodsFor: 'x'!\nf\n  ^ {}! !\n",
            chain(40_000, "1", "+")
        );
        assert!(vm.file_in("deep.st", &src).is_err());
        assert_eq!(vm.eval_print("3 + 4").unwrap(), "7");
    });
}

#[test]
fn reshaping_the_root_of_a_deep_hierarchy() {
    on_small_stack(1024, || {
        let mut vm = Vm::new().unwrap();
        let src = "| c | c := Object subclass: #D0 instanceVariableNames: 'a' classVariableNames: '' package: 'x'.
            1 to: 5000 do: [:i |
                c := c subclass: ('D', i printString) asSymbol
                    instanceVariableNames: '' classVariableNames: '' package: 'x'].
            c compile: 'a ^ a'.
            c new a";
        assert_eq!(vm.eval_print(src).unwrap(), "nil");
        // a new variable at the root reaches the deepest subclass
        let src =
            "Object subclass: #D0 instanceVariableNames: 'z a' classVariableNames: '' package: 'x'.
            (Smalltalk at: #D5000) compile: 'z ^ z ifNil: [#reshaped]'.
            (Smalltalk at: #D5000) new z";
        assert_eq!(vm.eval_print(src).unwrap(), "#reshaped");
        assert_eq!(
            vm.eval_print("(Smalltalk at: #D5000) new a").unwrap(),
            "nil"
        );
    });
}
