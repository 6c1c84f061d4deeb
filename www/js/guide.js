// The first minute of the seed demo: one line above the browsers that
// says what to do next. Press Run; then change methB and accept it while
// the loop runs; then look at the tier's story, or try an error. It
// follows what the user does, is shown only when the page opened on the
// demo (not a share link or an autosave), and goes for good when closed
// or when the debugger opens. It never acts on the VM.

import { el } from './dom.js';

const c = (text) => el('code', { text });

/** Step → the line's parts (text, or code). */
const STEPS = [
  () => ['Press ', el('strong', { text: 'Run' }), ': ', c('Demo new methA: 0'), ' loops forever, printing what methB answers.'],
  () => ['Now change methB to ', c('^ 2'), ' and Accept (Ctrl+S): the loop prints 2 at its next call.'],
  () => [
    'The Tier pane tells how: methB was inlined, your accept deoptimized it, and it was inlined again. Try ',
    c('^ 1 / 0'),
    ' for the debugger.',
  ],
];

export class Guide {
  /** `root`: the guide's element; `show`: whether the page opened on the demo. */
  constructor(root, { show }) {
    this.root = root;
    this.text = root.querySelector('.guide-text');
    this.step = -1;
    this.done = !show;
    root.querySelector('.guide-close').addEventListener('click', () => this.close());
    if (show) this.show(0);
    else root.hidden = true;
  }

  show(step) {
    if (this.done || step <= this.step || step >= STEPS.length) return;
    this.step = step;
    this.root.dataset.step = String(step + 1);
    this.text.replaceChildren(...STEPS[step]());
    this.root.hidden = false;
  }

  /** The program started. */
  ran() {
    this.show(1);
  }

  /** A method was accepted; `running` says whether the program runs. */
  accepted(running) {
    if (running && this.step >= 1) this.show(2);
  }

  /** Done with the guide (closed, or the debugger took over). */
  close() {
    this.done = true;
    this.root.hidden = true;
  }
}
