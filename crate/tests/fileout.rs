//! FileOut round trip: a workspace filed out and filed into a fresh VM
//! gives the same classes and methods, and files out identically again.

use livetalk::Vm;

const WORKSPACE: &str = "Object subclass: #Shape
	instanceVariableNames: 'origin'
	classVariableNames: 'Registry'
	poolDictionaries: ''
	category: 'Shapes'!

Shape subclass: #Circle
	instanceVariableNames: 'radius'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Shapes'!

Shape class instanceVariableNames: 'count'!

!Shape methodsFor: 'accessing'!
origin
	^ origin
!
shout
	\"bangs are escaped in chunks!!\"
	^ 'hey!!'
! !

!Shape class methodsFor: 'counting'!
count
	^ count ifNil: [0]
! !

!Circle methodsFor: 'geometry'!
area
	^ radius * radius * 355 / 113
!
radius: r
	radius := r
! !
";

#[test]
fn file_out_round_trips() {
    let mut a = Vm::new().expect("kernel");
    a.file_in("ws.st", WORKSPACE).expect("file in");
    let first = a.file_out(&["Shape", "Circle"]).expect("file out");
    let mut b = Vm::new().expect("kernel");
    b.file_in("out.st", &first).expect("file in the fileOut");
    let second = b.file_out(&["Shape", "Circle"]).expect("file out again");
    assert_eq!(first, second);
    assert!(first.contains("Shape subclass: #Circle"), "{}", first);
    assert!(
        first.contains("!Shape class methodsFor: 'counting'!"),
        "{}",
        first
    );
    assert!(first.contains("'hey!!'"), "bangs stay escaped: {}", first);
    let v = b.eval_print("(Circle new radius: 2; area) printString , ' ' , Shape new shout , ' ' , Shape count printString").expect("eval");
    assert_eq!(v, "'(1420/113) hey! 0'");
}

/// Text beyond Latin-1 in class names, categories, comments, selectors,
/// literals and comments inside methods.
const UNICODE: &str = "Object subclass: #Ωmega
	instanceVariableNames: 'λ'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Grüße-日本'!

Ωmega comment: 'Ωmega says 日本語 😀'!

!Ωmega methodsFor: 'テキスト'!
greet
	\"こんにちは, with a bang!!\"
	^ '日本語 😀 ' , $λ asString , #Δέλτα
!
λ: x
	λ := x.
	^ λ
! !
";

#[test]
fn file_out_round_trips_text_beyond_latin1() {
    let mut a = Vm::new().expect("kernel");
    a.file_in("unicode.st", UNICODE).expect("file in");
    let first = a.file_out(&["Ωmega"]).expect("file out");
    for text in [
        "Object subclass: #Ωmega",
        "category: 'Grüße-日本'",
        "Ωmega says 日本語 😀",
        "!Ωmega methodsFor: 'テキスト'!",
        "\"こんにちは, with a bang!!\"",
        "^ '日本語 😀 ' , $λ asString , #Δέλτα",
    ] {
        assert!(first.contains(text), "{text:?} in {first}");
    }
    let mut b = Vm::new().expect("kernel");
    b.file_in("out.st", &first).expect("file in the fileOut");
    assert_eq!(b.file_out(&["Ωmega"]).expect("file out again"), first);
    assert_eq!(
        b.eval_print("Ωmega new greet").expect("eval"),
        "'日本語 😀 λΔέλτα'"
    );
    assert_eq!(
        b.eval_print("(Ωmega new λ: 'ж') , Ωmega comment , Ωmega category")
            .expect("eval"),
        "'жΩmega says 日本語 😀Grüße-日本'"
    );
}
