// The Canvas pane: paints the drawing commands Smalltalk code sent to
// `Canvas` (crate/kernel/Canvas.st) onto a <canvas>, once per animation
// frame (vm.takeDrawing()). The VM validated every command (numbers are
// finite, colours are CSS colours, text is capped); text is drawn with
// fillText, never parsed as HTML.
//
// No flicker: a program that redraws its picture in a loop (`Canvas
// clear`, then draw) is usually cut by a time slice half-way through a
// picture. So the commands from the last `clear` on are held back until
// the next `clear` arrives (the picture is complete), the program stops,
// or HOLD_MS passed (a program that clears once and then draws forever
// still shows).

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
    this.held = []; // commands of a picture not yet complete
    this.heldSince = 0;
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
   * Takes one takeDrawing() report ({ commands, dropped }) and paints what
   * is complete; `running` false paints everything held back.
   */
  paint(report, running = true) {
    const cmds = report && report.commands ? report.commands : [];
    if (cmds.length > 0) {
      if (this.held.length === 0) this.heldSince = performance.now();
      for (const c of cmds) this.held.push(c);
      this.dropped += report.dropped || 0;
    }
    if (this.held.length === 0) return;
    let upTo = this.held.length;
    if (running && performance.now() - this.heldSince < HOLD_MS) {
      // everything before the last clear is complete
      let last = -1;
      for (let i = this.held.length - 1; i >= 0; i--) {
        if (this.held[i].op === 'clear') {
          last = i;
          break;
        }
      }
      upTo = Math.max(0, last);
    }
    if (upTo === 0) return;
    const done = this.held.splice(0, upTo);
    this.heldSince = performance.now();
    this.draw(done);
  }

  draw(commands) {
    const c = this.ctx;
    for (const cmd of commands) {
      switch (cmd.op) {
        case 'clear':
          c.clearRect(0, 0, this.canvas.width, this.canvas.height);
          break;
        case 'color':
          c.fillStyle = cmd.color;
          c.strokeStyle = cmd.color;
          break;
        case 'fillRect':
          c.fillRect(cmd.x, cmd.y, cmd.w, cmd.h);
          break;
        case 'fillCircle':
          c.beginPath();
          c.arc(cmd.x, cmd.y, cmd.r, 0, 2 * Math.PI);
          c.fill();
          break;
        case 'line':
          c.beginPath();
          c.moveTo(cmd.x1, cmd.y1);
          c.lineTo(cmd.x2, cmd.y2);
          c.stroke();
          break;
        case 'text':
          c.fillText(cmd.text, cmd.x, cmd.y);
          break;
        default:
          break; // a command of a later VM: ignore
      }
    }
    this.commands += commands.length;
    this.last = commands.slice(-8);
    this.statusEl.textContent = `${this.commands} drawing command${this.commands === 1 ? '' : 's'}`;
  }

  /** Clear button: wipes the picture (the program may draw again). */
  clear() {
    this.held = [];
    this.reset();
  }
}
