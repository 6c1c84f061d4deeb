//! The Canvas drawing protocol (crate/kernel/Canvas.st, interp/prims/draw.rs):
//! commands land in the VM's bounded buffer, bad arguments are Smalltalk
//! errors (never panics), and a runaway drawing loop cannot grow memory.

use livetalk::host::EvalError;
use livetalk::interp::prims::draw::{DrawCmd, MAX_DRAW_COMMANDS, MAX_DRAW_TEXT};
use livetalk::Vm;

fn vm() -> Vm {
    Vm::new().expect("kernel")
}

#[test]
fn each_message_appends_one_command() {
    let mut vm = vm();
    vm.eval(
        "Canvas clear; color: 'Red'; fillRectX: 1 y: 2 width: 30 height: 4.
         Canvas fillCircleX: 5 y: 6.5 radius: 7; lineFromX: 0 y: 0 toX: 10 y: 20.
         Canvas text: 'hi' x: 3 y: 4",
    )
    .expect("draws");
    assert_eq!(
        vm.drawing.take(),
        vec![
            DrawCmd::Clear,
            DrawCmd::Color {
                color: "red".into()
            },
            DrawCmd::FillRect {
                x: 1.0,
                y: 2.0,
                w: 30.0,
                h: 4.0
            },
            DrawCmd::FillCircle {
                x: 5.0,
                y: 6.5,
                r: 7.0
            },
            DrawCmd::Line {
                x1: 0.0,
                y1: 0.0,
                x2: 10.0,
                y2: 20.0
            },
            DrawCmd::Text {
                text: "hi".into(),
                x: 3.0,
                y: 4.0
            },
        ]
    );
    assert!(vm.drawing.take().is_empty(), "taken once");
    assert_eq!(
        vm.eval_print("Canvas width @ Canvas height").unwrap(),
        "400@240"
    );
}

#[test]
fn bad_arguments_are_smalltalk_errors() {
    for (src, what) in [
        ("Canvas color: 'nosuchcolour'", "CSS colour"),
        ("Canvas color: 42", "CSS colour"),
        ("Canvas color: 'red; background: url(x)'", "CSS colour"),
        (
            "Canvas fillRectX: 'a' y: 0 width: 1 height: 1",
            "expects numbers",
        ),
        (
            "Canvas fillRectX: 0 y: 0 width: -1 height: 1",
            "expects numbers",
        ),
        (
            "Canvas fillCircleX: 0 y: 0 radius: 1.0e300",
            "expects numbers",
        ),
        ("Canvas fillCircleX: 0 y: 0 radius: nil", "expects numbers"),
        (
            "Canvas lineFromX: 0 y: 0 toX: (1.0e308 * 10.0) y: 0",
            "expects numbers",
        ),
        ("Canvas text: 3 x: 0 y: 0", "expects a String"),
    ] {
        let mut vm = vm();
        match vm.eval(src) {
            Err(EvalError::Runtime {
                class_name,
                message,
                ..
            }) => {
                assert!(
                    message.contains(what),
                    "{}: {} {}",
                    src,
                    class_name,
                    message
                )
            }
            other => panic!("{}: expected an error, got {:?}", src, other.map(|_| ())),
        }
        assert!(vm.drawing.take().is_empty(), "{}: nothing drawn", src);
    }
}

#[test]
fn a_runaway_drawing_loop_stays_bounded() {
    let mut vm = vm();
    vm.eval("1 to: 50000 do: [:i | Canvas fillCircleX: i y: 1 radius: 1]")
        .expect("draws");
    assert_eq!(vm.drawing.len(), MAX_DRAW_COMMANDS);
    assert_eq!(vm.drawing.total, 50_000);
    let cmds = vm.drawing.take();
    // the newest are kept
    assert_eq!(
        cmds.last(),
        Some(&DrawCmd::FillCircle {
            x: 50000.0,
            y: 1.0,
            r: 1.0
        })
    );
    // a clear drops what the clear before it wiped out: the last whole
    // picture and the one being drawn stay
    vm.eval("1 to: 500 do: [:i | Canvas clear; fillCircleX: i y: 1 radius: 1]. Canvas clear; fillRectX: 0 y: 0 width: 1 height: 1")
        .expect("draws");
    assert_eq!(vm.drawing.len(), 4);
    // long text is cut
    vm.eval("Canvas text: (String new: 100000 withAll: $x) x: 0 y: 0")
        .expect("draws");
    match vm.drawing.take().pop() {
        Some(DrawCmd::Text { text, .. }) => assert_eq!(text.chars().count(), MAX_DRAW_TEXT),
        other => panic!("{:?}", other),
    }
}
