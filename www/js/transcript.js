// The Transcript pane: output text, capped so an endless loop printing
// lines cannot grow the DOM without bound. Rendered once per frame as a
// single text node.

const MAX_LINES = 500;

export class TranscriptPane {
  constructor(pre) {
    this.pre = pre;
    this.lines = ['']; // the last one is the line being written
    this.dirty = false;
    this.dropped = 0;
  }

  append(text) {
    if (!text) return;
    const parts = text.split('\n');
    this.lines[this.lines.length - 1] += parts[0];
    for (let i = 1; i < parts.length; i++) this.lines.push(parts[i]);
    const extra = this.lines.length - MAX_LINES;
    if (extra > 0) {
      this.lines.splice(0, extra);
      this.dropped += extra;
    }
    this.dirty = true;
  }

  clear() {
    this.lines = [''];
    this.dropped = 0;
    this.dirty = true;
    this.render();
  }

  /** The complete lines shown (for tests and the share/export later). */
  text() {
    return this.lines.join('\n');
  }

  render() {
    if (!this.dirty) return;
    this.dirty = false;
    const pre = this.pre;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
    pre.textContent = this.lines.join('\n');
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }
}
