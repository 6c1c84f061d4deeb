// The Canvas pane: has the VM paint the drawing commands Smalltalk code
// sent to `Canvas` (crate/kernel/Canvas.st) onto a <canvas>, once per
// animation frame (vm.paintDrawing(), web-sys: no command crosses to
// JavaScript, which is twice as fast as taking them here and painting them
// in JS). The VM validated every command (numbers are finite, colours are
// CSS colours, text is capped); text is drawn with fillText, never parsed
// as HTML.
//
// No flicker: a program that redraws its picture in a loop (`Canvas
// clear`, then draw) is usually cut by a time slice half-way through a
// picture. So the VM holds back the commands from the last `clear` on
// until the next `clear` arrives (the picture is complete), the program
// stops, or HOLD_MS passed (a program that clears once and then draws
// forever still shows).

export const CANVAS_WIDTH = 400; // Canvas class>>width
export const CANVAS_HEIGHT = 240; // Canvas class>>height
const FONT = '14px ui-monospace, "DejaVu Sans Mono", monospace';
const DEFAULT_COLOR = '#000000';
const HOLD_MS = 150;

export class CanvasPane {
  constructor(canvas, statusEl) {
    this.canvas = canvas;
    this.statusEl = statusEl;
    this.ctx = canvas.getContext('2d');
    this.commands = 0; // painted since load (tests, the status line)
    this.dropped = 0;
    this.last = []; // the last few commands painted, for tests
    this.heldSince = 0; // when the VM began to hold a picture back (0: none)
    this.reset();
  }

  reset() {
    const c = this.ctx;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.canvas.width, this.canvas.height);
    c.fillStyle = DEFAULT_COLOR;
    c.strokeStyle = DEFAULT_COLOR;
    c.lineWidth = 2;
    c.font = FONT;
    c.textBaseline = 'alphabetic';
  }

  /**
   * Has the VM paint what is complete (`running` false: everything it
   * holds back).
   */
  paint(vm, running = true) {
    const now = performance.now();
    const whole = !running || (this.heldSince > 0 && now - this.heldSince >= HOLD_MS);
    const r = vm.paintDrawing(this.ctx, this.canvas.width, this.canvas.height, whole);
    this.dropped += r.dropped;
    if (r.held === 0) this.heldSince = 0;
    else if (r.painted > 0 || this.heldSince === 0) this.heldSince = now;
    if (r.painted === 0) return;
    this.commands += r.painted;
    this.last = r.last;
    this.statusEl.textContent = `${this.commands} drawing command${this.commands === 1 ? '' : 's'}`;
  }

  /** Clear button: wipes the picture and what is held back (the program may draw again). */
  clear(vm) {
    vm.takeDrawing();
    this.heldSince = 0;
    this.reset();
  }
}
