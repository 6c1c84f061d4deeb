//! Painting Canvas drawing commands ([`DrawCmd`]) onto a 2D canvas
//! context from the VM, with web-sys: the page's other way to paint them,
//! besides handing them to JavaScript (`LiveVm::take_drawing`, painted by
//! `www/js/canvas.js`), measured against it in `tests/web.rs`.

use crate::interp::prims::draw::DrawCmd;
use web_sys::CanvasRenderingContext2d;

/// Paints `cmds` in order onto `ctx`, `width` × `height` pixels, as
/// `www/js/canvas.js` does.
pub fn paint(ctx: &CanvasRenderingContext2d, cmds: &[DrawCmd], width: f64, height: f64) {
    for cmd in cmds {
        match cmd {
            DrawCmd::Clear => ctx.clear_rect(0.0, 0.0, width, height),
            DrawCmd::Color { color } => {
                ctx.set_fill_style_str(color);
                ctx.set_stroke_style_str(color);
            }
            DrawCmd::FillRect { x, y, w, h } => ctx.fill_rect(*x, *y, *w, *h),
            DrawCmd::FillCircle { x, y, r } => {
                ctx.begin_path();
                // (fails only for a negative radius, which the VM refuses)
                let _ = ctx.arc(*x, *y, *r, 0.0, std::f64::consts::TAU);
                ctx.fill();
            }
            DrawCmd::Line { x1, y1, x2, y2 } => {
                ctx.begin_path();
                ctx.move_to(*x1, *y1);
                ctx.line_to(*x2, *y2);
                ctx.stroke();
            }
            DrawCmd::Text { text, x, y } => {
                let _ = ctx.fill_text(text, *x, *y);
            }
        }
    }
}
