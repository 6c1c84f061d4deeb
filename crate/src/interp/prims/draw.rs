//! The drawing protocol of `Canvas` (crate/kernel/Canvas.st): named
//! primitives that append a [`DrawCmd`] to the VM's bounded
//! [`Drawing`] buffer. The host takes the buffer like the Transcript
//! (the page with `LiveVm::take_drawing` once per slice and paints the
//! commands onto a `<canvas>`; the CLI never takes it, so its commands are
//! simply dropped once the buffer is full).
//!
//! What this module must never do: panic on any argument, or let a
//! runaway drawing loop grow memory without bound. A bad argument (not a
//! number, not finite, a negative size, an invalid colour, not a String)
//! makes the primitive fail, so the Smalltalk fallback signals an error.

use super::{Args, PrimResult, Vm};
use crate::object::Value;

/// Commands kept until the host takes them; beyond this the oldest are
/// dropped (a `clear` drops everything before it anyway).
pub const MAX_DRAW_COMMANDS: usize = 10_000;
/// Longest text drawn by `text:x:y:` (characters); longer text is cut.
pub const MAX_DRAW_TEXT: usize = 200;
/// Largest coordinate or size accepted (absolute value).
pub const MAX_COORD: f64 = 1.0e6;
/// Longest colour string accepted.
const MAX_COLOR_LEN: usize = 64;

/// One drawing command, in canvas pixels.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum DrawCmd {
    /// Clears the whole canvas.
    Clear,
    /// Sets the colour of later fills, lines and text (a CSS colour).
    Color {
        color: String,
    },
    FillRect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    FillCircle {
        x: f64,
        y: f64,
        r: f64,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
    },
    Text {
        text: String,
        x: f64,
        y: f64,
    },
}

/// The bounded buffer of commands not yet taken by the host.
///
/// A `clear` drops everything before the *previous* `clear`: that is
/// wiped out twice over, while the picture between the two clears is
/// complete, so a host that shows whole pictures (the page holds back the
/// commands after the last clear) always has one to show.
#[derive(Default, Debug)]
pub struct Drawing {
    cmds: std::collections::VecDeque<DrawCmd>,
    /// Index in `cmds` of the last `Clear`.
    last_clear: Option<usize>,
    /// The colour in effect after the last command (re-emitted after each
    /// `clear`, so that dropping what came before it keeps the colour).
    color: Option<String>,
    /// Commands dropped because the buffer was full, since the last take.
    pub dropped: u64,
    /// Commands ever drawn (the CLI reports nothing; tests count).
    pub total: u64,
}

impl Drawing {
    pub fn push(&mut self, cmd: DrawCmd) {
        self.total += 1;
        match &cmd {
            DrawCmd::Clear => {
                if let Some(i) = self.last_clear {
                    self.cmds.drain(..i);
                }
                self.last_clear = Some(self.cmds.len());
                self.cmds.push_back(DrawCmd::Clear);
                if let Some(c) = &self.color {
                    self.cmds.push_back(DrawCmd::Color { color: c.clone() });
                }
                self.bound();
                return;
            }
            DrawCmd::Color { color } => {
                if self.color.as_deref() == Some(color.as_str()) {
                    return;
                }
                self.color = Some(color.clone());
            }
            _ => {}
        }
        self.cmds.push_back(cmd);
        self.bound();
    }

    /// Drops the oldest commands beyond [`MAX_DRAW_COMMANDS`].
    fn bound(&mut self) {
        while self.cmds.len() > MAX_DRAW_COMMANDS {
            self.cmds.pop_front();
            self.dropped += 1;
            self.last_clear = match self.last_clear {
                Some(0) | None => None,
                Some(i) => Some(i - 1),
            };
        }
    }

    /// Takes the commands of whole pictures, oldest first: those before
    /// the last `clear` (what follows it may be a picture half drawn: it
    /// stays for a later take), or with `whole` every one.
    pub fn take_pictures(&mut self, whole: bool) -> Vec<DrawCmd> {
        let upto = match self.last_clear {
            Some(i) if !whole => i,
            _ if whole => self.cmds.len(),
            _ => 0,
        };
        self.dropped = 0;
        self.last_clear = self.last_clear.filter(|_| !whole).map(|_| 0);
        self.cmds.drain(..upto).collect()
    }

    /// Takes the commands drawn since the last take, oldest first.
    pub fn take(&mut self) -> Vec<DrawCmd> {
        self.dropped = 0;
        self.last_clear = None;
        self.cmds.drain(..).collect()
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }
}

/// CSS named colours (CSS Color Module Level 4), lower case.
const NAMED_COLORS: &[&str] = &[
    "aliceblue",
    "antiquewhite",
    "aqua",
    "aquamarine",
    "azure",
    "beige",
    "bisque",
    "black",
    "blanchedalmond",
    "blue",
    "blueviolet",
    "brown",
    "burlywood",
    "cadetblue",
    "chartreuse",
    "chocolate",
    "coral",
    "cornflowerblue",
    "cornsilk",
    "crimson",
    "cyan",
    "darkblue",
    "darkcyan",
    "darkgoldenrod",
    "darkgray",
    "darkgreen",
    "darkgrey",
    "darkkhaki",
    "darkmagenta",
    "darkolivegreen",
    "darkorange",
    "darkorchid",
    "darkred",
    "darksalmon",
    "darkseagreen",
    "darkslateblue",
    "darkslategray",
    "darkslategrey",
    "darkturquoise",
    "darkviolet",
    "deeppink",
    "deepskyblue",
    "dimgray",
    "dimgrey",
    "dodgerblue",
    "firebrick",
    "floralwhite",
    "forestgreen",
    "fuchsia",
    "gainsboro",
    "ghostwhite",
    "gold",
    "goldenrod",
    "gray",
    "green",
    "greenyellow",
    "grey",
    "honeydew",
    "hotpink",
    "indianred",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lavenderblush",
    "lawngreen",
    "lemonchiffon",
    "lightblue",
    "lightcoral",
    "lightcyan",
    "lightgoldenrodyellow",
    "lightgray",
    "lightgreen",
    "lightgrey",
    "lightpink",
    "lightsalmon",
    "lightseagreen",
    "lightskyblue",
    "lightslategray",
    "lightslategrey",
    "lightsteelblue",
    "lightyellow",
    "lime",
    "limegreen",
    "linen",
    "magenta",
    "maroon",
    "mediumaquamarine",
    "mediumblue",
    "mediumorchid",
    "mediumpurple",
    "mediumseagreen",
    "mediumslateblue",
    "mediumspringgreen",
    "mediumturquoise",
    "mediumvioletred",
    "midnightblue",
    "mintcream",
    "mistyrose",
    "moccasin",
    "navajowhite",
    "navy",
    "oldlace",
    "olive",
    "olivedrab",
    "orange",
    "orangered",
    "orchid",
    "palegoldenrod",
    "palegreen",
    "paleturquoise",
    "palevioletred",
    "papayawhip",
    "peachpuff",
    "peru",
    "pink",
    "plum",
    "powderblue",
    "purple",
    "rebeccapurple",
    "red",
    "rosybrown",
    "royalblue",
    "saddlebrown",
    "salmon",
    "sandybrown",
    "seagreen",
    "seashell",
    "sienna",
    "silver",
    "skyblue",
    "slateblue",
    "slategray",
    "slategrey",
    "snow",
    "springgreen",
    "steelblue",
    "tan",
    "teal",
    "thistle",
    "tomato",
    "transparent",
    "turquoise",
    "violet",
    "wheat",
    "white",
    "whitesmoke",
    "yellow",
    "yellowgreen",
];

/// A CSS colour the page can hand to the canvas as it is, normalized to
/// lower case: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(...)`,
/// `rgba(...)`, `hsl(...)`, `hsla(...)` with numbers, or a named colour.
/// Anything else is `None`.
pub fn css_color(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    if s.is_empty() || s.len() > MAX_COLOR_LEN {
        return None;
    }
    if let Some(hex) = s.strip_prefix('#') {
        return (matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then_some(s);
    }
    for f in ["rgba(", "rgb(", "hsla(", "hsl("] {
        if let Some(rest) = s.strip_prefix(f) {
            let inner = rest.strip_suffix(')')?;
            let parts: Vec<&str> = inner
                .split([',', ' ', '/'])
                .filter(|p| !p.is_empty())
                .collect();
            let ok = (3..=4).contains(&parts.len())
                && parts.iter().all(|p| {
                    let p = p.strip_suffix("deg").unwrap_or(p);
                    let p = p.strip_suffix('%').unwrap_or(p);
                    !p.is_empty() && p.parse::<f64>().is_ok_and(|v| v.is_finite())
                });
            return ok.then_some(s);
        }
    }
    NAMED_COLORS.contains(&s.as_str()).then_some(s)
}

fn coord(vm: &Vm, v: Value) -> Option<f64> {
    vm.to_float(v)
        .filter(|f| f.is_finite() && f.abs() <= MAX_COORD)
}

fn size(vm: &Vm, v: Value) -> Option<f64> {
    coord(vm, v).filter(|f| *f >= 0.0)
}

/// Appends `cmd` to the drawing and answers the receiver; fails when
/// there is no command (a bad argument).
fn draw(vm: &mut Vm, c: Args, cmd: Option<DrawCmd>) -> PrimResult {
    match cmd {
        Some(cmd) => {
            vm.drawing.push(cmd);
            PrimResult::Value(c.r)
        }
        None => PrimResult::Fail,
    }
}

pub(super) fn clear(vm: &mut Vm, c: Args) -> PrimResult {
    draw(vm, c, Some(DrawCmd::Clear))
}

pub(super) fn color(vm: &mut Vm, c: Args) -> PrimResult {
    let cmd = vm
        .str_of(c.a0)
        .and_then(|s| css_color(&s))
        .map(|color| DrawCmd::Color { color });
    draw(vm, c, cmd)
}

pub(super) fn fill_rect(vm: &mut Vm, c: Args) -> PrimResult {
    let cmd = (|| {
        Some(DrawCmd::FillRect {
            x: coord(vm, c.a0)?,
            y: coord(vm, c.a1)?,
            w: size(vm, c.a2)?,
            h: size(vm, c.a3)?,
        })
    })();
    draw(vm, c, cmd)
}

pub(super) fn fill_circle(vm: &mut Vm, c: Args) -> PrimResult {
    let cmd = (|| {
        Some(DrawCmd::FillCircle {
            x: coord(vm, c.a0)?,
            y: coord(vm, c.a1)?,
            r: size(vm, c.a2)?,
        })
    })();
    draw(vm, c, cmd)
}

pub(super) fn line(vm: &mut Vm, c: Args) -> PrimResult {
    let cmd = (|| {
        Some(DrawCmd::Line {
            x1: coord(vm, c.a0)?,
            y1: coord(vm, c.a1)?,
            x2: coord(vm, c.a2)?,
            y2: coord(vm, c.a3)?,
        })
    })();
    draw(vm, c, cmd)
}

pub(super) fn text(vm: &mut Vm, c: Args) -> PrimResult {
    let cmd = (|| {
        let text: String = vm.str_of(c.a0)?.chars().take(MAX_DRAW_TEXT).collect();
        Some(DrawCmd::Text {
            text,
            x: coord(vm, c.a1)?,
            y: coord(vm, c.a2)?,
        })
    })();
    draw(vm, c, cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_validated() {
        for ok in [
            "red",
            " Red ",
            "#fff",
            "#0a0B0c",
            "#11223344",
            "rgb(1, 2, 3)",
            "hsl(120deg 50% 40%)",
            "rgba(0,0,0,0.5)",
        ] {
            assert!(css_color(ok).is_some(), "{}", ok);
        }
        for bad in [
            "",
            "#ffff0",
            "reddish",
            "url(x)",
            "rgb(1,2)",
            "rgb(a,b,c)",
            "red;background:url(x)",
            "expression(alert(1))",
        ] {
            assert!(css_color(bad).is_none(), "{}", bad);
        }
    }

    #[test]
    fn the_buffer_is_bounded_and_clear_keeps_the_colour() {
        let mut d = Drawing::default();
        d.push(DrawCmd::Color {
            color: "red".into(),
        });
        for i in 0..(MAX_DRAW_COMMANDS + 50) {
            d.push(DrawCmd::FillCircle {
                x: i as f64,
                y: 0.0,
                r: 1.0,
            });
        }
        assert_eq!(d.len(), MAX_DRAW_COMMANDS);
        assert_eq!(d.dropped, 51);
        // the first clear keeps what came before (the host may be
        // showing it); the second drops everything before the first
        d.push(DrawCmd::Clear);
        assert_eq!(d.len(), MAX_DRAW_COMMANDS);
        d.push(DrawCmd::Line {
            x1: 0.0,
            y1: 0.0,
            x2: 1.0,
            y2: 1.0,
        });
        d.push(DrawCmd::Color {
            color: "blue".into(),
        });
        d.push(DrawCmd::Clear);
        let line = DrawCmd::Line {
            x1: 0.0,
            y1: 0.0,
            x2: 1.0,
            y2: 1.0,
        };
        let cmds = d.take();
        assert_eq!(
            cmds,
            vec![
                DrawCmd::Clear,
                DrawCmd::Color {
                    color: "red".into()
                },
                line,
                DrawCmd::Color {
                    color: "blue".into()
                },
                DrawCmd::Clear,
                DrawCmd::Color {
                    color: "blue".into()
                },
            ]
        );
        assert!(d.is_empty());
    }
}
