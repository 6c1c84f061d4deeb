//! The special instructions' own cases of two in-place primitives
//! (`Vm::special_in_place`): `=` on two short byte strings of one class
//! (`prims::eq_short`) and `at:` on a byte string (`prims::byte_char_at`)
//! answer without the primitive call. Their answers and errors are the
//! real send's (`perform:`, which is no special instruction), for every
//! pairing of receiver and argument kinds, in every tier mode; a
//! redefined `=` or `at:` takes effect at its next use, and removing it
//! brings the primitive back.

use livetalk::interp::TierMode;
use livetalk::Vm;

/// Receivers and arguments: byte strings of each length class (empty,
/// short, at the short limit and past it), a Symbol, a WideString, a
/// ByteArray with the same bytes, and objects that are no text.
const VALUES: &str = "{ ''. 'abc'. 'abd'. 'ab'. 'abc' copy. #abc. 'ABC'.
	(String new: 510 withAll: $x). (String new: 510 withAll: $x).
	(String new: 511 withAll: $x). (String new: 511 withAll: $x).
	(String new: 2) at: 1 put: (Character value: 300); at: 2 put: $b; yourself.
	#[97 98 99]. 3. nil. $a }";

fn vm(tier: TierMode) -> Vm {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = tier;
    vm
}

fn eval(vm: &mut Vm, src: &str) -> String {
    vm.eval_print(src).unwrap_or_else(|e| format!("error: {e}"))
}

/// Each pair's `=` through the special instruction and through
/// `perform:`, in a loop hot enough for the tier, with the errors as text.
fn eq_table() -> String {
    format!(
        "| vs out | vs := {VALUES}. out := WriteStream on: String new.
		1 to: 30 do: [:round |
			vs do: [:a | vs do: [:b | | x y |
				x := [a = b] on: Error do: [:e | e messageText].
				y := [a perform: #= with: b] on: Error do: [:e | e messageText].
				round = 30 ifTrue: [out print: x; nextPut: $/; print: y; space]]]].
		out contents"
    )
}

/// Each receiver's `at:` for indices in and out of range, and for an
/// index that is no SmallInteger, both ways, as `eq_table`.
fn at_table() -> String {
    format!(
        "| vs out | vs := {VALUES}. out := WriteStream on: String new.
		1 to: 30 do: [:round |
			vs do: [:a | #(0 1 2 3 4 511 512 1.5 nil) do: [:i | | x y |
				x := [a at: i] on: Error do: [:e | e class name].
				y := [a perform: #at: with: i] on: Error do: [:e | e class name].
				round = 30 ifTrue: [out print: x; nextPut: $/; print: y; space]]]].
		out contents"
    )
}

/// Splits `a/b a/b ...` into pairs and checks each pair agrees.
fn assert_pairs_agree(table: &str, what: &str) {
    let mut n = 0;
    for cell in table
        .trim_matches('\'')
        .split(' ')
        .filter(|c| !c.is_empty())
    {
        let (x, y) = cell.split_once('/').unwrap_or((cell, ""));
        assert_eq!(
            x, y,
            "{what}: the special instruction and the send differ in {cell}"
        );
        n += 1;
    }
    assert!(n > 50, "{what}: {n} cells in {table}");
}

#[test]
fn special_eq_and_at_answer_as_the_send() {
    let mut first = None;
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        let eq = eval(&mut vm, &eq_table());
        let at = eval(&mut vm, &at_table());
        assert_pairs_agree(&eq, "=");
        assert_pairs_agree(&at, "at:");
        // (the cases the fast paths decide, and a few they hand on, as
        // Squeak answers them: a String equals a Symbol or WideString of
        // its characters, a Symbol only itself, a ByteArray no String)
        let fixed = "| r | 1 to: 30 do: [:i | r := {'abc' = 'abc' copy. 'abc' = 'abd'.
			'abc' = #[97 98 99]. 'abc' = #abc. #abc = 'abc'. 'abc' = 'ab'.
			(String new: 511 withAll: $x) = (String new: 511 withAll: $x).
			'ab' asWideString = 'ab'. 'ab' = 'ab' asWideString.
			'abc' at: 2. #abc at: 1. #[97 98 99] at: 1. 'ab' asWideString at: 2}]. r";
        assert_eq!(
            eval(&mut vm, fixed),
            "#(true false false true false false true true true $b $a 97 $b)",
            "{tier:?}"
        );
        // and the same in every mode
        match &first {
            None => first = Some((eq, at)),
            Some(f) => assert_eq!(f, &(eq, at), "{tier:?}"),
        }
    }
}

/// A program's own `ByteString>>=` and `ByteString>>at:` take effect at
/// once, accepted by the host between runs or compiled by the running
/// loop itself, and removing them brings the primitives' answers back, in
/// every tier mode.
#[test]
fn a_redefined_eq_or_at_takes_effect_at_once() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        let probe = "| s n | s := 'abc' copy. n := 0.
			1 to: 200 do: [:i | (s = 'abc') == true ifTrue: [n := n + 1].
				(s at: 2) == $b ifTrue: [n := n + 1000]].
			{n. s = 'abc'. s at: 2}";
        assert_eq!(eval(&mut vm, probe), "#(200200 true $b)", "{tier:?}");
        vm.accept("ByteString", false, "= other\n\t^ #mine", Some("t"))
            .expect("=");
        vm.accept("ByteString", false, "at: i\n\t^ #also", Some("t"))
            .expect("at:");
        assert_eq!(eval(&mut vm, probe), "#(0 #mine #also)", "{tier:?}");
        vm.remove("ByteString", false, "=").expect("remove =");
        vm.remove("ByteString", false, "at:").expect("remove at:");
        assert_eq!(eval(&mut vm, probe), "#(200200 true $b)", "{tier:?}");
        // in the loop: from its 200th turn on (the tier has the loop by then)
        let inside = "| s n | s := 'abc' copy. n := 0.
			1 to: 400 do: [:i |
				i = 200 ifTrue: [ByteString compile: '= other ^ #mine'.
					ByteString compile: 'at: i ^ #also'].
				((s = 'abc') == #mine and: [(s at: 1) == #also]) ifTrue: [n := n + 1]].
			ByteString removeSelector: #=. ByteString removeSelector: #at:.
			{n. s = 'abc'. s at: 1}";
        assert_eq!(eval(&mut vm, inside), "#(201 true $a)", "{tier:?}");
    }
}
