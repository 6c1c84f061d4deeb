//! The disassembler's listing, with the expectation inline: what the
//! compiler emits for the seed scenario's loop (inlined whileTrue:,
//! cascade, global read through its binding).

use livetalk::Vm;

#[test]
fn seed_loop_listing() {
    let mut vm = Vm::new().expect("kernel");
    vm.eval("Object subclass: #Demo instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'X'")
        .expect("define Demo");
    vm.accept(
        "Demo",
        false,
        "methA: x\n\t[true] whileTrue: [Transcript show: self methB printString; cr]",
        Some("demo"),
    )
    .expect("accept");
    let listing = vm.disassemble("Demo>>methA:").expect("disassemble");
    let expected = "\
Demo>>methA: (v1) args 1 temps 1
   0  PushTrue
   1  JumpIfFalse(10)  -> 12
   2  PushGlobal Transcript
   3  Dup
   4  PushSelf
   5  Send #methB (0 args)
   6  Send #printString (0 args)
   7  Send #show: (1 args)
   8  Pop
   9  Send #cr (0 args)
  10  Pop
  11  Jump(-12)  -> 0
  12  ReturnSelf
";
    assert_eq!(listing, expected);
}

#[test]
fn blocks_and_primitives_are_listed() {
    let mut vm = Vm::new().expect("kernel");
    vm.accept(
        "Object",
        false,
        "myHash\n\t<primitive: 75>\n\t^ 0",
        Some("t"),
    )
    .expect("accept");
    let listing = vm.disassemble("Object>>myHash").expect("disassemble");
    assert!(
        listing.starts_with("Object>>myHash (v1) args 0 temps 0 primitive 75\n"),
        "{}",
        listing
    );
    vm.accept(
        "Object",
        false,
        "twice: aBlock\n\t^ [:x | aBlock value: (aBlock value: x)]",
        Some("t"),
    )
    .expect("accept");
    let listing = vm.disassemble("Object>>twice:").expect("disassemble");
    assert!(
        listing.contains("MakeClosure { block: 0, copied: 1 }"),
        "{}",
        listing
    );
    assert!(
        listing.contains("[] in Object>>twice: (v1) args 1 temps 2"),
        "{}",
        listing
    );
}

/// The tier's fused instructions for a typical loop (tier eager: optimized
/// at the first call), listed after the bytecode.
#[test]
fn optimized_loop_listing() {
    let (listing, optimized) = optimized_listing(
        "fill: a step: s\n\t| i |\n\ti := 1.\n\t[i <= a size] whileTrue: [a at: i put: i. i := i + s].\n\t^ a",
        "nil fill: (Array new: 5) step: 2",
        "Object>>fill:step:",
    );
    let expected = "\
optimized (deopts 0):
   0  PushInt(1)
   1  PopTemp(2)
   2  PushTT t2 t0
   3  PushTemp(0)
   4  SendCached { site: 0 }
   5  Arith <=
   6  JumpIfFalse(10)  -> 17
   7  PushTT t0 t2
   8  PushTT t2 t2
   9  PushTemp(2)
  10  AtPutPop
  11  Pop
  12  SetTT t2 := t2 + t1
  13  PushTemp(1)
  14  Arith +
  15  PopTemp(2)
  16  Jump(-15)  -> 2
  17  PushTemp(0)
  18  ReturnTop
";
    assert_eq!(optimized, expected, "{}", listing);
}

/// The sieve's shape: `(flags at: i) ifTrue: [flags at: i put: false …]`
/// inside `to:do:`. The test and the store are one instruction each
/// (`BranchAtTT`, `AtPutTTK`), and the whole loop is a kernel (`Loop`),
/// whose `ifTrue:` skips to the counter's increment; its back-edge goes
/// back to the kernel.
#[test]
fn optimized_sieve_listing() {
    let (listing, optimized) = optimized_listing(
        "mark: flags upTo: n\n\t| count |\n\tcount := 0.\n\t1 to: n do: [:i | (flags at: i) ifTrue: [flags at: i put: false. count := count + 1]].\n\t^ count",
        "nil mark: (Array new: 3 withAll: true) upTo: 3",
        "Object>>mark:upTo:",
    );
    let expected = "\
optimized (deopts 0):
   0  PushInt(0)
   1  PopTemp(2)
   2  PushInt(1)
   3  PopTemp(3)
   4  PushTemp(1)
   5  PopTemp(4)
   6  Loop (kernel 0)
   7  PushTemp(4)
   8  Arith <=
   9  JumpIfFalse(18)  -> 28
  10  BranchUnless t0 at: t3  -> 23
  11  PushTemp(3)
  12  At
  13  JumpIfFalse(9)  -> 23
  14  AtPutTTK t0 at: t3 put: false
  15  PushTemp(3)
  16  PushFalse
  17  AtPutPop
  18  Pop
  19  IncTemp t2 by 1
  20  PushInt(1)
  21  Arith +
  22  PopTemp(2)
  23  IncTemp t3 by 1
  24  PushInt(1)
  25  Arith +
  26  PopTemp(3)
  27  Jump(-22)  -> 6
  28  PushTemp(2)
  29  ReturnTop
loop kernel 0: while t3 <= t4: unless t0 at: t3 to +17. t0 at: t3 put: false. t2 := t2 + 1. t3 := t3 + 1 (22 per iteration, exit +22)
";
    assert_eq!(optimized, expected, "{}", listing);
}

/// The sieve's inner loop, `[k <= n] whileTrue: [flags at: k put: false.
/// k := k + step]`: its test becomes a loop kernel (`Loop`) that runs
/// whole iterations, test, store, update and back-edge, in one dispatch,
/// listed after the code; the instructions it stands for stay, for the
/// iterations it leaves to them, and its back-edge is a plain jump back
/// to the kernel.
#[test]
fn optimized_loop_kernel_listing() {
    let (listing, optimized) = optimized_listing(
        "strike: flags from: k0 by: step upTo: n\n\t| k |\n\tk := k0.\n\t[k <= n] whileTrue: [flags at: k put: false. k := k + step].\n\t^ flags",
        "nil strike: (Array new: 9 withAll: true) from: 2 by: 3 upTo: 9",
        "Object>>strike:from:by:upTo:",
    );
    let expected = "\
optimized (deopts 0):
   0  PushTemp(1)
   1  PopTemp(4)
   2  Loop (kernel 0)
   3  PushTemp(3)
   4  Arith <=
   5  JumpIfFalse(10)  -> 16
   6  AtPutTTK t0 at: t4 put: false
   7  PushTemp(4)
   8  PushFalse
   9  AtPutPop
  10  Pop
  11  SetTT t4 := t4 + t2
  12  PushTemp(2)
  13  Arith +
  14  PopTemp(4)
  15  Jump(-14)  -> 2
  16  PushTemp(0)
  17  ReturnTop
loop kernel 0: while t4 <= t3: t0 at: t4 put: false. t4 := t4 + t2 (14 per iteration, exit +14)
";
    assert_eq!(optimized, expected, "{}", listing);
}

/// Accepts `source` in Object with the tier eager (optimized at the first
/// call), runs `run`, and answers the listing of `method` and its
/// optimized part.
fn optimized_listing(source: &str, run: &str, method: &str) -> (String, String) {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = livetalk::interp::TierMode::Eager;
    vm.accept("Object", false, source, Some("t"))
        .expect("accept");
    vm.eval(run).expect("run");
    let listing = vm.disassemble(method).expect("disassemble");
    let at = listing.find("optimized").expect("optimized code listed");
    let optimized = listing[at..].to_string();
    (listing, optimized)
}

/// A VM in tier mode `tier` with class Span: `setUp` (first 3, last 10)
/// and `size` (`^ last - first`, a straight-line callee).
fn span_vm(tier: livetalk::interp::TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm.eval("Object subclass: #Span instanceVariableNames: 'first last' classVariableNames: '' poolDictionaries: '' category: 'T'")
        .expect("class");
    vm.accept("Span", false, "setUp\n\tfirst := 3. last := 10", Some("t"))
        .expect("setUp");
    vm.accept("Span", false, "size\n\t^ last - first", Some("t"))
        .expect("size");
    vm
}

/// A straight-line arithmetic callee (`^ last - first`, `negated`) is
/// inlined as a scope, whose code runs fused in the caller's frame, rather
/// than as a leaf that evaluates the callee's bytecode at every call;
/// the answers are the interpreter's, and after a redefinition too.
#[test]
fn straight_line_callees_are_inlined_as_scopes() {
    let run = |tier: livetalk::interp::TierMode| {
        let mut vm = span_vm(tier);
        vm.accept(
            "Span",
            false,
            "run: k\n\t| t |\n\tt := 0.\n\t1 to: k do: [:i | t := t + self size + i negated].\n\t^ t",
            Some("t"),
        )
        .expect("run:");
        let mut out = Vec::new();
        for expr in ["Span new setUp; run: 100", "Span new setUp; run: 100"] {
            let v = vm.eval(expr).expect("runs");
            out.push(vm.print_string(v));
        }
        let listing = vm.disassemble("Span>>run:").expect("listing");
        vm.accept("Span", false, "size\n\t^ last + first", Some("t"))
            .expect("size");
        let v = vm.eval("Span new setUp; run: 100").expect("runs");
        out.push(vm.print_string(v));
        (out, listing)
    };
    let (off, _) = run(livetalk::interp::TierMode::Off);
    let (eager, listing) = run(livetalk::interp::TierMode::Eager);
    let (on, _) = run(livetalk::interp::TierMode::On);
    assert_eq!(off, vec!["-4350", "-4350", "-3750"]);
    assert_eq!(eager, off);
    assert_eq!(on, off);
    for scope in [
        "Span>>size v1 for Span",
        "Integer>>negated v1 for SmallInteger",
    ] {
        assert!(listing.contains(scope), "{scope}:\n{listing}");
    }
}

/// A class-side constant sent to a global (`Kind none`, as SOM code
/// writes enumerations) is quickened into the global's push
/// (`ConstG`), guarded by the class of the global's value, read each
/// time: when the program rebinds the global to another class, or the
/// constant's method is redefined, the answers are the interpreter's.
#[test]
fn a_constant_sent_to_a_global_is_quickened() {
    let run = |tier: livetalk::interp::TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        for class in ["Kind", "Other"] {
            vm.eval(&format!("Object subclass: #{class} instanceVariableNames: '' classVariableNames: '' poolDictionaries: '' category: 'T'"))
                .expect("class");
        }
        vm.accept("Kind", true, "none\n\t^ nil", Some("t"))
            .expect("none");
        vm.accept("Kind", true, "two\n\t^ 2", Some("t"))
            .expect("two");
        vm.accept("Other", true, "none\n\t^ 5", Some("t"))
            .expect("none");
        vm.accept("Other", true, "two\n\t^ 7", Some("t"))
            .expect("two");
        vm.eval("Smalltalk at: #Current put: Kind").expect("global");
        vm.accept(
            "Kind",
            true,
            "count: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | Current none == nil ifTrue: [t := t + Current two]. i = 50 ifTrue: [Smalltalk at: #Current put: Other]].\n\t^ t",
            Some("t"),
        )
        .expect("count:");
        let mut out = Vec::new();
        let restore = "Smalltalk at: #Current put: Kind";
        for expr in ["Kind count: 40", "Kind count: 40", "Kind count: 100"] {
            vm.eval(restore).expect("global");
            let v = vm.eval(expr).expect("runs");
            out.push(vm.print_string(v));
        }
        let listing = vm.disassemble("Kind class>>count:").expect("listing");
        vm.accept("Kind", true, "two\n\t^ 3", Some("t"))
            .expect("two");
        vm.eval(restore).expect("global");
        let v = vm.eval("Kind count: 40").expect("runs");
        out.push(vm.print_string(v));
        (out, listing)
    };
    let (off, _) = run(livetalk::interp::TierMode::Off);
    let (eager, listing) = run(livetalk::interp::TierMode::Eager);
    let (on, _) = run(livetalk::interp::TierMode::On);
    assert_eq!(off, vec!["80", "80", "100", "120"]);
    assert_eq!(eager, off);
    assert_eq!(on, off);
    let at = listing.find("optimized").expect("optimized code listed");
    assert!(listing[at..].contains("ConstG nil if global"), "{listing}");
    assert!(listing[at..].contains("ConstG 2 if global"), "{listing}");
}

/// A getter or constant sent to self or a temp is inlined, then quickened
/// into the push before it (`GetterS`, `GetterT`, `ConstS`, guarded by
/// the receiver's class named in the listing); a receiver of another
/// class (here a subclass that inherits the getters) runs the push and
/// the `InlineLeaf` instead, with the same answers as the interpreter.
#[test]
fn quickened_leaves_listing() {
    let run = |tier: livetalk::interp::TierMode| {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.accept("Point", false, "unit\n\t^ 1", Some("t"))
            .expect("unit");
        vm.accept(
            "Point",
            false,
            "sumWith: p times: n\n\t| t |\n\tt := 0.\n\t1 to: n do: [:i | t := t + self x + p y + self unit + p unit].\n\t^ t",
            Some("t"),
        )
        .expect("sumWith:times:");
        vm.eval("Point subclass: #Point3 instanceVariableNames: 'z' classVariableNames: '' poolDictionaries: '' category: 'T'")
            .expect("Point3");
        let mut out = Vec::new();
        for expr in [
            "(3 @ 4) sumWith: 5 @ 6 times: 10",
            "(3 @ 4) sumWith: 5 @ 6 times: 10",
            "((Point3 new) setX: 7 setY: 8; yourself) sumWith: ((Point3 new) setX: 1 setY: 20; yourself) times: 10",
        ] {
            let v = vm.eval(expr).expect("runs");
            out.push(vm.print_string(v));
        }
        let listing = vm.disassemble("Point>>sumWith:times:").expect("listing");
        (out, listing)
    };
    let (off, _) = run(livetalk::interp::TierMode::Off);
    let (eager, listing) = run(livetalk::interp::TierMode::Eager);
    assert_eq!(off, eager);
    assert_eq!(off, vec!["110", "110", "290"]);
    let at = listing.find("optimized").expect("optimized code listed");
    let optimized = &listing[at..];
    for quickened in [
        "GetterS self.0 if Point",
        "GetterT t0.1 if Point",
        "ConstS 1 if self is Point",
        "ConstT 1 if t0 is Point",
    ] {
        assert!(optimized.contains(quickened), "{quickened}:\n{listing}");
    }
}

/// The Tier pane links the listing to the source: every pc of the
/// bytecode to its span, and each inlined scope to the send in the
/// method that it stands for (its selector): `Span>>mid` at `mid`,
/// `Integer>>negated` at `negated`, `printString` at `printString`; and
/// `Span>>size`, inlined into `mid`'s scope, at `mid` too, the send in
/// this method that it came from.
#[test]
fn inlined_scopes_map_to_their_sends_in_the_source() {
    let mut vm = span_vm(livetalk::interp::TierMode::Eager);
    vm.accept(
        "Span",
        false,
        "mid\n\t^ self size printString size",
        Some("t"),
    )
    .expect("mid");
    let source = "run: k\n\t| t |\n\tt := 0.\n\t1 to: k do: [:i | t := t + self mid + i negated].\n\t^ t printString";
    vm.accept("Span", false, source, Some("t")).expect("run:");
    for _ in 0..2 {
        vm.eval("Span new setUp; run: 100").expect("runs");
    }
    let listing = vm.disassemble("Span>>run:").expect("listing");
    let map = vm.disassembly_source_map("Span>>run:").expect("source map");
    let text = |s: &livetalk::syntax::ast::Span| &source[s.start as usize..s.end as usize];
    // one span per bytecode instruction, each inside the source
    let bytecode = listing
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .count();
    assert_eq!(map.pcs.len(), bytecode, "{listing}");
    assert!(map
        .pcs
        .iter()
        .all(|s| s.start <= s.end && (s.end as usize) <= source.len()));
    assert_eq!(text(&map.pcs[bytecode - 2]), "printString", "{listing}");
    // each scope's header names its callee; its span is the send it stands for
    let mut seen = Vec::new();
    for line in listing.lines().filter(|l| l.starts_with("inlined scope ")) {
        let (head, rest) = line.split_once(": ").expect("scope header");
        let i: usize = head["inlined scope ".len()..].parse().expect("index");
        let callee = rest.split(' ').next().expect("callee");
        seen.push((callee.to_string(), text(&map.scopes[i]).to_string()));
    }
    assert_eq!(map.scopes.len(), seen.len(), "{listing}");
    for (callee, send) in [
        ("Span>>mid", "mid"),
        ("Span>>size", "mid"),
        ("Integer>>negated", "negated"),
        ("Integer>>printString", "printString"),
    ] {
        assert!(
            seen.iter().any(|(c, s)| c == callee && s == send),
            "{callee} at {send}: {seen:?}\n{listing}"
        );
    }
}
