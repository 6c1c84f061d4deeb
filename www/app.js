// The Livetalk playground: loads the VM (wasm), preloads the seed demo,
// and wires the panes together. Each pane is its own module in js/; this
// file only composes them and owns the run control.

import init, { LiveVm } from './pkg/livetalk.js';
import { byId } from './js/dom.js';
import { Announcer } from './js/announce.js';
import { SliceRunner, BUDGET_MS } from './js/scheduler.js';
import { TranscriptPane } from './js/transcript.js';
import { CodeBrowser } from './js/browser.js';
import { DebuggerPane } from './js/debugger.js';
import { Workspace } from './js/workspace.js';
import { TierPane } from './js/tier.js';
import { DEMO_SOURCE, DEMO_BROWSERS } from './js/demo.js';
import { SharePane, hashLink, openLink } from './js/share.js';
import { CanvasPane } from './js/canvas.js';

const BADGE_REFRESH_MS = 250;
const STATS_REFRESH_MS = 250;

async function boot() {
  const t0 = performance.now();
  const times = { start: t0 };
  await init();
  times.wasm = performance.now() - t0;
  const t1 = performance.now();
  let vm = new LiveVm();
  times.kernel = performance.now() - t1;

  // a share link in the hash replaces the demo: restored, not run
  const link = hashLink();
  let opened = null;
  let linkError = null;
  if (link) {
    const r = openLink(vm, link);
    if (r.ok) {
      opened = r;
    } else {
      linkError = r.message;
      // the failed link may have changed the VM half-way: start afresh
      try {
        vm.free();
      } catch {
        // already gone
      }
      vm = new LiveVm();
    }
  }
  if (!opened) {
    const demo = vm.fileIn('Demo.st', DEMO_SOURCE);
    if (!demo.ok) throw new Error(`the demo did not file in: ${demo.error.message}`);
  }

  const announcer = new Announcer();
  const transcript = new TranscriptPane(byId('transcript'));
  const canvasPane = new CanvasPane(byId('canvas'), byId('canvas-status'));
  byId('canvas-clear').addEventListener('click', () => canvasPane.clear());
  const runState = byId('run-state');
  const exprInput = byId('expr');
  const buttons = {
    run: byId('run'),
    pause: byId('pause'),
    resume: byId('resume'),
    stop: byId('stop'),
  };

  // the program started with Run: null, or { pid, state }
  let program = null;

  const runner = new SliceRunner(vm, { onReport, onFrame, onCrash });
  const wake = () => runner.wake();

  const browsers = DEMO_BROWSERS.map(
    ([className, meta, selector]) =>
      new CodeBrowser(vm, { className, meta, selector }, {
        announcer,
        onAccepted: () => {
          refreshBadges();
          // a deoptimization caused by the accept is reported by the next
          // run: make sure one comes even while nothing runs
          wake();
        },
      }),
  );
  const browsersEl = byId('browsers');
  for (const b of browsers) browsersEl.append(b.root);

  const debuggerPane = new DebuggerPane(vm, {
    announcer,
    wake,
    onClosed: (pid, action) => {
      if (program && program.pid === pid && action) {
        setProgram(action === 'terminated' ? 'stopped' : 'running');
      }
      if (action === 'terminated') workspace.forget(pid);
      refreshBadges();
    },
  });
  const workspace = new Workspace(vm, byId('workspace'), byId('workspace-result'), { announcer, wake });
  byId('do-it').addEventListener('click', () => workspace.evaluate(false));
  byId('print-it').addEventListener('click', () => workspace.evaluate(true));
  byId('transcript-clear').addEventListener('click', () => transcript.clear());
  if (opened) {
    exprInput.value = opened.run;
    const tierSelect = byId('tier');
    if ([...tierSelect.options].some((o) => o.value === opened.tier)) tierSelect.value = opened.tier;
  }
  const tierPane = new TierPane(vm, { announcer });
  const sharePane = new SharePane(vm, {
    announcer,
    classes: () => [...new Set(browsers.map((b) => b.className))],
    run: () => exprInput.value,
    tier: () => tierPane.select.value,
  });
  if (linkError) {
    sharePane.showStatus(`The share link could not be opened (${linkError}); showing the demo instead.`, true);
  } else if (opened) {
    sharePane.showStatus(
      `Opened a share link: ${opened.classes.join(', ') || 'no classes'}, ${opened.methods} method${opened.methods === 1 ? '' : 's'}. Press Run to start ${opened.run}.`,
      false,
    );
  }

  function setProgram(state, detail = '') {
    if (program) program.state = state;
    const alive = program && ['running', 'paused', 'error'].includes(state);
    buttons.run.disabled = !!alive;
    buttons.pause.disabled = !(alive && state === 'running');
    buttons.resume.disabled = !(alive && state === 'paused');
    buttons.stop.disabled = !alive;
    runState.textContent = detail ? `${state}: ${detail}` : state;
    document.documentElement.dataset.program = state;
  }

  function onReport(report) {
    transcript.append(report.output);
    tierPane.handle(report.tierEvents);
    for (const ev of report.events) {
      if (program && ev.pid === program.pid) {
        if (ev.kind === 'finished') {
          setProgram('finished', ev.value);
          announcer.say(`The program finished: ${ev.value}`);
        } else if (ev.kind === 'error') {
          setProgram('error', ev.errorClass);
          debuggerPane.open(ev.pid, ev.errorClass, ev.message);
        }
      } else if (!workspace.handle(ev) && ev.kind === 'error') {
        debuggerPane.open(ev.pid, ev.errorClass, ev.message);
      }
    }
  }

  function onCrash(err) {
    console.error(err);
    for (const b of Object.values(buttons)) b.disabled = true;
    runState.textContent = `the VM stopped with an internal error (${err && err.message ? err.message : err}); reload the page`;
    document.documentElement.dataset.program = 'crashed';
    announcer.say(runState.textContent, { urgent: true });
  }

  let lastBadges = 0;
  let lastStats = 0;
  const statsEl = byId('stats');
  function onFrame(stats) {
    transcript.render();
    canvasPane.paint(vm.takeDrawing(), stats.status === 'yielded');
    tierPane.render(stats.status !== 'yielded');
    const now = performance.now();
    // also on the last frame before the loop sleeps (a process stopped)
    if (now - lastBadges > BADGE_REFRESH_MS || stats.status !== 'yielded') {
      lastBadges = now;
      refreshBadges();
    }
    if (now - lastStats > STATS_REFRESH_MS) {
      lastStats = now;
      statsEl.textContent =
        `VM ${stats.lastFrameMs.toFixed(1)} ms/frame (budget ${stats.budget.toFixed(1)} of ${BUDGET_MS} ms, max ${stats.maxFrameMs.toFixed(1)})` +
        ` · ${(stats.fuelLastFrame / 1000).toFixed(0)}k instructions/frame` +
        ` · ${(stats.insnPerMs / 1000).toFixed(1)}M instructions/s · ${stats.status}`;
    }
  }

  function refreshBadges() {
    for (const b of browsers) b.showActivations(vm.activeVersions(b.className, b.meta, b.selector));
  }

  byId('run-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (program && ['running', 'paused', 'error'].includes(program.state)) return;
    const r = vm.start(exprInput.value);
    if (!r.ok) {
      const e = r.error;
      const where = e.line ? `line ${e.line}, column ${e.col}: ` : '';
      exprInput.setAttribute('aria-invalid', 'true');
      if (e.start !== undefined) exprInput.setSelectionRange(e.start, Math.max(e.start, e.end ?? e.start));
      runState.textContent = `compile error: ${where}${e.message}`;
      announcer.say(`Cannot run: ${where}${e.message}`, { urgent: true });
      return;
    }
    exprInput.removeAttribute('aria-invalid');
    program = { pid: r.pid, state: 'running' };
    setProgram('running');
    announcer.say(`Running ${exprInput.value}`);
    wake();
  });
  buttons.pause.addEventListener('click', () => {
    if (!program) return;
    vm.pause(program.pid);
    setProgram('paused');
    announcer.say('Paused.');
  });
  buttons.resume.addEventListener('click', () => {
    if (!program) return;
    vm.resume(program.pid);
    setProgram('running');
    announcer.say('Resumed.');
    wake();
  });
  buttons.stop.addEventListener('click', () => {
    if (!program) return;
    vm.terminate(program.pid);
    debuggerPane.forget(program.pid);
    setProgram('stopped');
    announcer.say('Stopped.');
    wake(); // ensure: blocks run in the next slices
  });

  setProgram('ready');
  program = null;
  times.interactive = performance.now();
  runState.textContent = `ready in ${Math.round(times.interactive)} ms`;
  document.documentElement.dataset.ready = 'true';
  // read-only hooks for the browser tests and the curious
  window.livetalk = {
    times,
    stats: runner.stats,
    resetStats: () => runner.resetStats(),
    transcript: () => transcript.text(),
    program: () => (program ? { ...program } : null),
    tierLog: () => tierPane.texts(),
    canvas: () => ({ commands: canvasPane.commands, last: canvasPane.last.map((c) => ({ ...c })) }),
  };
}

boot().catch((err) => {
  const s = document.getElementById('run-state');
  if (s) s.textContent = `failed to start: ${err && err.message ? err.message : err}`;
  document.documentElement.dataset.ready = 'failed';
  console.error(err);
});
