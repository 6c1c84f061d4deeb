// The Livetalk playground: loads the VM (wasm), preloads the seed demo,
// and wires the panes together. Each pane is its own module in js/; this
// file only composes them and owns the run control.

import init, { LiveVm } from './pkg/livetalk.js';
import { vmModule } from './js/wasm-start.js';
import { byId } from './js/dom.js';
import { Announcer } from './js/announce.js';
import { SliceRunner, BUDGET_MS } from './js/scheduler.js';
import { TranscriptPane } from './js/transcript.js';
import { CodeBrowser } from './js/browser.js';
import { DebuggerPane } from './js/debugger.js';
import { Workspace } from './js/workspace.js';
import { TierPane } from './js/tier.js';
import { DEMO_SOURCE, DEMO_BROWSERS } from './js/demo.js';
import { Guide } from './js/guide.js';
import { SharePane, hashLink, openLink, previewLink, confirmLink } from './js/share.js';
import { CanvasPane } from './js/canvas.js';
import { toggleHistory, showHistory } from './js/history.js';
import { Autosaver, readAutosave, restoreInto, setAside } from './js/autosave.js';
import { FilesPane } from './js/files.js';
import { Recovery, takeCrashNote, crashNotice, isTrap } from './js/recover.js';

const BADGE_REFRESH_MS = 250;
const STATS_REFRESH_MS = 250;

// A trap in the VM starts the page again (js/recover.js); what the user
// typed is read from the page for it, once the panes exist.
let typed = () => ({ browsers: [], run: '', tier: 'on', workspace: '' });
const crash = takeCrashNote();
const recovery = new Recovery({
  previous: crash,
  snapshot: () => typed(),
  onTrap: (message, restarting) => {
    const s = document.getElementById('run-state');
    const text = restarting
      ? `The VM stopped with an internal error (${message}); starting it again with your saved work...`
      : `failed to start: the VM stopped with an internal error (${message}) again while starting`;
    if (s) s.textContent = text;
    for (const b of document.querySelectorAll('#run-form button')) b.disabled = true;
    document.documentElement.dataset.program = 'crashed';
    if (!restarting) document.documentElement.dataset.ready = 'failed';
  },
});
// a trap thrown on through a pane's event handler is handled already
window.addEventListener('error', (ev) => {
  if (recovery.handled(ev.error)) ev.preventDefault();
});
window.addEventListener('unhandledrejection', (ev) => {
  if (recovery.handled(ev.reason)) ev.preventDefault();
});

async function boot() {
  const t0 = performance.now();
  const times = { start: t0 };
  const compiled = await vmModule;
  await init(compiled ? { module_or_path: compiled } : undefined);
  times.wasm = performance.now() - t0;
  const t1 = performance.now();
  let vm = recovery.guard(new LiveVm());
  times.kernel = performance.now() - t1;

  const fresh = () => {
    // a failed restore may have changed the VM half-way: start afresh
    try {
      vm.free();
    } catch {
      // already gone
    }
    vm = recovery.guard(new LiveVm());
  };
  const announcer = new Announcer();
  // A share link in the hash replaces the demo and the autosave: restored,
  // not run, and only once the user has seen what it changes and pressed
  // Apply. Cancel leaves the page as it would be without the link.
  const link = hashLink();
  let opened = null;
  let linkError = null;
  let linkRefused = false;
  let linkCancelled = false;
  let restored = null;
  let restoreError = null;
  if (link) {
    const preview = previewLink(vm, link);
    if (!preview.ok) {
      linkError = preview.message;
      linkRefused = preview.refused;
    } else if (await confirmLink(preview, announcer)) {
      times.confirmed = performance.now();
      const r = openLink(vm, link);
      if (r.ok) {
        opened = r;
      } else {
        linkError = r.message;
        fresh();
      }
    } else {
      linkCancelled = true;
      try {
        history.replaceState(null, '', location.pathname + location.search);
      } catch {
        // a sandboxed page: the link stays in the address, unapplied
      }
    }
  }
  if (!link || linkCancelled) {
    const saved = readAutosave();
    if (saved && saved.ok) {
      const r = restoreInto(vm, saved.data);
      if (r.ok) {
        restored = saved.data;
      } else {
        restoreError = r.message;
        setAside();
        fresh();
      }
    } else if (saved) {
      restoreError = saved.message;
    }
  }
  if (!opened && !restored) {
    const demo = vm.fileIn('Demo.st', DEMO_SOURCE);
    if (!demo.ok) throw new Error(`the demo did not file in: ${demo.error.message}`);
  }
  // what to do next, for a first look at the demo
  const guide = new Guide(byId('guide'), { show: !opened && !restored });

  // the program's process writes plain text; a workspace evaluation's (and
  // what it forked) stands out, and other processes each have a colour
  const transcript = new TranscriptPane(byId('transcript'), { styleOf: writerStyle });
  function writerStyle(who) {
    if (who.workspace) return { cls: 'tw-ws', title: who.pid > 0 ? `workspace evaluation (process ${who.pid})` : 'workspace evaluation' };
    if (who.pid <= 0) return null;
    if (program && who.pid === program.pid) return null;
    const forked = program && who.origin === program.pid ? ', forked by the program' : '';
    return { cls: `tw-p${who.pid % 6}`, title: `process ${who.pid}${forked}` };
  }
  const transcriptFilter = byId('transcript-filter');
  transcriptFilter.addEventListener('change', () => {
    const v = transcriptFilter.value;
    transcript.setFilter(/^\d+$/.test(v) ? Number(v) : v);
  });
  // the filter's list of processes, when the Transcript saw a new one
  function refreshTranscriptFilter() {
    if (!transcript.seenChanged) return;
    transcript.seenChanged = false;
    const keep = transcriptFilter.value;
    for (const o of [...transcriptFilter.options]) if (/^\d+$/.test(o.value)) o.remove();
    for (const [pid, who] of transcript.seen) {
      const what = who.workspace
        ? 'workspace'
        : program && pid === program.pid
          ? 'program'
          : program && who.origin === program.pid
            ? 'forked by the program'
            : 'other';
      transcriptFilter.add(new Option(`Process ${pid} (${what})`, String(pid)));
    }
    transcriptFilter.value = keep;
    if (transcriptFilter.value !== keep) {
      // its process fell out of the list: show everything
      transcriptFilter.value = 'all';
      transcript.setFilter('all');
    }
  }
  // what workspace evaluations write, apart: the program cannot crowd it out
  const wsOutputWrap = byId('ws-output-wrap');
  const wsOutput = new TranscriptPane(byId('ws-output'), { maxLines: 100 });
  byId('ws-output-clear').addEventListener('click', () => wsOutput.clear());
  const canvasPane = new CanvasPane(byId('canvas'), byId('canvas-status'));
  byId('canvas-clear').addEventListener('click', () => canvasPane.clear(vm));
  const runState = byId('run-state');
  // the state line may be cut short in the header: its whole text in the title
  new MutationObserver(() => {
    runState.title = runState.textContent;
  }).observe(runState, { childList: true, characterData: true, subtree: true });
  const exprInput = byId('expr');
  const buttons = {
    run: byId('run'),
    pause: byId('pause'),
    resume: byId('resume'),
    stop: byId('stop'),
    step: byId('step'),
    stepInto: byId('step-into'),
  };

  // the program started with Run: null, or { pid, state }
  let program = null;

  const runner = new SliceRunner(vm, { onReport, onFrame, onCrash });
  const wake = () => runner.wake();

  const browsersEl = byId('browsers');
  const browsers = [];
  let autosave = null;
  const saveSoon = () => autosave && autosave.soon();
  const saveNow = () => autosave && autosave.now();
  function openBrowser(spec) {
    const b = new CodeBrowser(vm, spec, {
      announcer,
      onAccepted: (br) => {
        guide.accepted(!!program && program.state === 'running');
        refreshBadges();
        if (!br.historyEl.hidden) showHistory(vm, br, announcer);
        for (const o of browsers) if (o !== br) o.refreshMethods();
        saveNow();
        // a deoptimization caused by the accept is reported by the next
        // run: make sure one comes even while nothing runs
        wake();
      },
      onDefined: () => {
        for (const o of browsers) o.refreshClasses();
        saveNow();
      },
      onChanged: saveSoon,
      onClose: closeBrowser,
      onHistory: (br) => toggleHistory(vm, br, announcer),
    });
    browsers.push(b);
    browsersEl.append(b.root);
    return b;
  }
  function closeBrowser(b) {
    const i = browsers.indexOf(b);
    if (i < 0) return;
    browsers.splice(i, 1);
    b.root.remove();
    announcer.say(`Closed the browser on ${b.title}.`);
    const next = browsers[Math.min(i, browsers.length - 1)];
    if (next) next.acceptBtn.focus();
    else byId('new-browser').focus();
    saveNow();
  }
  let specs = DEMO_BROWSERS.map(([className, meta, selector]) => ({ className, meta, selector }));
  if (restored) {
    specs = restored.browsers;
  } else if (opened && !opened.classes.includes('Demo')) {
    specs = opened.classes.slice(0, 2).map((className) => ({ className, meta: false, mode: 'class' }));
    // a link without classes: the kernel methods it changed, or a new class
    if (specs.length === 0) {
      specs = (vm.changedKernelMethods() || [])
        .slice(0, 2)
        .map((m) => ({ className: m.className, meta: m.meta, selector: m.selector, mode: 'method' }));
    }
    if (specs.length === 0) specs = [{ className: 'Object', meta: false, mode: 'newClass' }];
  }
  for (const spec of specs) openBrowser(spec);
  byId('new-browser').addEventListener('click', () => {
    const last = browsers[browsers.length - 1];
    const b = openBrowser({ className: last ? last.className : 'Demo', meta: false, mode: 'class' });
    b.classList.focus();
    announcer.say(`Opened a new browser on ${b.title}.`);
    saveNow();
  });

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
    onAccepted: (className, meta, selector) => {
      // browsers on that method show the new version (unless being edited)
      for (const b of browsers) {
        if (b.mode === 'method' && b.className === className && b.meta === meta && b.selector === selector && !b.modified) b.load();
        else b.refreshMethods();
      }
      refreshBadges();
      saveNow();
      wake();
    },
  });
  const workspace = new Workspace(vm, byId('workspace'), byId('workspace-result'), { announcer, wake });
  byId('do-it').addEventListener('click', () => workspace.evaluate(false));
  byId('print-it').addEventListener('click', () => workspace.evaluate(true));
  byId('transcript-clear').addEventListener('click', () => transcript.clear());
  const setup = opened || restored;
  if (setup) {
    exprInput.value = setup.run;
    const tierSelect = byId('tier');
    if ([...tierSelect.options].some((o) => o.value === setup.tier)) tierSelect.value = setup.tier;
  }
  if (restored) byId('workspace').value = restored.workspace;
  const tierPane = new TierPane(vm, { announcer });
  const sharePane = new SharePane(vm, {
    announcer,
    classes: () => vm.workspaceClasses(),
    run: () => exprInput.value,
    tier: () => tierPane.select.value,
  });
  if (linkRefused) {
    sharePane.showStatus(`The share link was refused: ${linkError}. Showing the demo instead.`, true);
  } else if (linkError) {
    sharePane.showStatus(`The share link could not be opened (${linkError}); showing the demo instead.`, true);
  } else if (linkCancelled) {
    sharePane.showStatus('The share link was not applied (Cancel): nothing was changed.', false);
  } else if (opened) {
    sharePane.showStatus(
      `Opened a share link: ${opened.classes.join(', ') || 'no classes'}, ${opened.methods} method${opened.methods === 1 ? '' : 's'}. Press Run to start ${opened.run}.`,
      false,
    );
  }

  const autosaveStatus = byId('autosave-status');
  function notice(text, isError) {
    autosaveStatus.textContent = text;
    autosaveStatus.hidden = !text;
    autosaveStatus.classList.toggle('is-error', !!isError);
    if (text) announcer.say(text, { urgent: !!isError });
  }
  if (crash) {
    notice(crashNotice(crash, !!restored), true);
  } else if (restoreError) {
    notice(`The autosaved workspace could not be restored (${restoreError}); showing the demo instead.`, true);
  } else if (restored) {
    notice(`Restored the autosaved workspace (saved ${restored.savedAt || 'earlier'}). Nothing runs until you press Run.`, false);
  }
  typed = () => ({
    browsers: browsers.map((b) => b.state()),
    run: exprInput.value,
    tier: tierPane.select.value,
    workspace: byId('workspace').value,
  });
  autosave = new Autosaver(vm, {
    snapshot: typed,
    onError: (text) => notice(text, true),
  });
  exprInput.addEventListener('input', saveSoon);
  byId('workspace').addEventListener('input', saveSoon);
  tierPane.select.addEventListener('change', saveNow);
  window.addEventListener('pagehide', () => autosave.flush());

  const files = new FilesPane(vm, {
    announcer,
    onImported: () => {
      for (const b of browsers) {
        b.refreshClasses();
        b.refreshMethods();
      }
      refreshBadges();
      saveNow();
    },
  });

  function setProgram(state, detail = '') {
    if (program) program.state = state;
    const alive = program && ['running', 'paused', 'error'].includes(state);
    buttons.run.disabled = !!alive;
    buttons.pause.disabled = !(alive && state === 'running');
    buttons.resume.disabled = !(alive && state === 'paused');
    buttons.stop.disabled = !alive;
    buttons.step.disabled = !(alive && state === 'paused');
    buttons.stepInto.disabled = buttons.step.disabled;
    if (!alive) showLive(null);
    runState.textContent = detail ? `${state}: ${detail}` : state;
    document.documentElement.dataset.program = state;
  }

  // Each VM call's report: filed for the next render, so that handling one
  // costs little and no DOM work (the scheduler budgets both; see
  // scheduler.js). Process events are rare (an error suspends its process).
  function onReport(report) {
    // all output, in the order it was written; and apart, the part the
    // workspace's evaluations wrote (the VM tags each write with its writer)
    transcript.append(report.output, report.outputDropped, report.outputRuns);
    if (report.workspaceOutput || report.workspaceOutputDropped > 0) {
      wsOutput.append(report.workspaceOutput, report.workspaceOutputDropped);
      transcript.appendWorkspace(report.workspaceOutput, report.workspaceOutputDropped);
    }
    tierPane.handle(report.tierEvents, report.tierEventsDropped);
    for (const ev of report.events) {
      if (program && ev.pid === program.pid) {
        if (ev.kind === 'finished') {
          setProgram('finished', ev.value);
          announcer.say(`The program finished: ${ev.value}`);
        } else if (ev.kind === 'error') {
          setProgram('error', ev.errorClass);
          guide.close();
          debuggerPane.open(ev.pid, ev.errorClass, ev.message);
          if (debuggerPane.pid === ev.pid) showStopped(ev.errorClass);
        }
      } else if (!workspace.handle(ev) && ev.kind === 'error') {
        guide.close();
        debuggerPane.open(ev.pid, ev.errorClass, ev.message);
      }
    }
  }

  function onCrash(err) {
    // a trap: the page starts again (recovery, above)
    if (isTrap(err)) return;
    console.error(err);
    for (const b of Object.values(buttons)) b.disabled = true;
    runState.textContent = `the VM stopped with an internal error (${err && err.message ? err.message : err}); reload the page`;
    document.documentElement.dataset.program = 'crashed';
    announcer.say(runState.textContent, { urgent: true });
  }

  let lastBadges = 0;
  let lastStats = 0;
  const statsEl = byId('stats');
  // Once per frame, before the VM's slices (scheduler.js). Layout is read
  // first (the live highlight measures its editor when it moves) and the
  // Transcript, the largest write, comes last, so that no write is
  // followed by a read that would make the browser lay the page out here,
  // inside the budget, instead of in its own rendering step.
  function onFrame(stats) {
    if (program && program.state === 'running') sampleLive('running');
    canvasPane.paint(vm, stats.status === 'yielded');
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
        `page and VM ${stats.lastFrameMs.toFixed(1)} ms/frame (budget ${stats.budget.toFixed(1)} of ${BUDGET_MS} ms, max ${stats.maxFrameMs.toFixed(1)})` +
        ` · ${(stats.fuelLastFrame / 1000).toFixed(0)}k instructions/frame` +
        ` · ${(stats.insnPerMs / 1000).toFixed(1)}M instructions/s · ${stats.status}`;
    }
    if (wsOutput.dirty && wsOutputWrap.hidden) wsOutputWrap.hidden = false;
    wsOutput.render();
    refreshTranscriptFilter();
    transcript.render();
  }

  // Live highlight: once per frame, where the program is (its innermost
  // frames), marked in the browsers showing those methods.
  // `state`: running, paused or error (the band and its words say which).
  function showLive(frames, label = 'running', state = 'running') {
    for (const b of browsers) {
      if (!frames || !b.isMethod) {
        b.showLive(null);
        continue;
      }
      const f = frames.find((x) => x.className === b.className && x.meta === b.meta && x.selector === b.selector);
      b.showLive(f ? { start: f.start, end: f.end, version: f.version, label, state } : null);
    }
  }
  /** Where the program stopped on an error: the debugger's frames (the
   * exception machinery left out), marked as stopped, not running. */
  function showStopped(errorClass) {
    const frames = debuggerPane.frames.map((f) => ({
        className: f.className.replace(/ class$/, ''),
        meta: / class$/.test(f.className),
        selector: f.selector,
        version: f.version,
        start: f.start,
        end: f.end,
      }));
    showLive(frames, `stopped on ${errorClass} at`, 'error');
  }
  function sampleLive(label) {
    if (!program || !['running', 'paused'].includes(program.state)) return null;
    const frames = vm.livePosition(program.pid);
    showLive(frames, label, program.state === 'paused' ? 'paused' : 'running');
    return frames;
  }

  function step(into) {
    if (!program || program.state !== 'paused') return;
    const r = vm.step(program.pid, into);
    if (!r.ok) {
      announcer.say(`Cannot step: ${r.error.message}`, { urgent: true });
      return;
    }
    wake(); // deliver output and events
    if (r.outcome === 'finished' || r.outcome === 'error') return; // reported by the next run
    if (r.outcome === 'blocked') {
      setProgram('running', 'waiting');
      announcer.say('The program waits (a Delay or a Semaphore); it goes on by itself.');
      return;
    }
    const frames = sampleLive('paused at');
    const top = frames && frames[0];
    const where = top ? `${top.className}${top.meta ? ' class' : ''}>>${top.selector}` : 'the next statement';
    const limit = r.outcome === 'limit' ? ' (the statement did not end within the step limit)' : '';
    runState.textContent = `paused at ${where}${limit}`;
    announcer.say(`Stepped to ${where}${limit}.`);
  }
  buttons.step.addEventListener('click', () => step(false));
  buttons.stepInto.addEventListener('click', () => step(true));

  function refreshBadges() {
    for (const b of browsers) {
      b.showActivations(b.isMethod ? vm.activeVersions(b.className, b.meta, b.selector) : []);
    }
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
    guide.ran();
    announcer.say(`Running ${exprInput.value}`);
    wake();
  });
  buttons.pause.addEventListener('click', () => {
    if (!program) return;
    vm.pause(program.pid);
    setProgram('paused');
    sampleLive('paused at');
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
  recovery.starting = false;
  times.interactive = performance.now();
  runState.textContent = `ready in ${Math.round(times.interactive)} ms`;
  document.documentElement.dataset.ready = 'true';
  // read-only hooks for the browser tests and the curious
  window.livetalk = {
    times,
    stats: runner.stats,
    resetStats: () => runner.resetStats(),
    transcript: () => transcript.text(),
    // the Transcript's runs as shown: [{ pid, workspace, text }]
    transcriptRuns: () => transcript.shown().map((r) => ({ pid: r.who.pid, workspace: r.who.workspace, text: r.text })),
    workspaceOutput: () => wsOutput.text(),
    written: () => transcript.written,
    program: () => (program ? { ...program } : null),
    tierLog: () => tierPane.texts(),
    canvas: () => ({ commands: canvasPane.commands, last: canvasPane.last.map((c) => ({ ...c })) }),
    saves: () => autosave.saves,
    savePending: () => autosave.timer !== null,
    exportText: () => files.exportFile(),
    // a test of the recovery from a trap: the next slice panics
    crashNextSlice: () => vm.crashNextSlice(),
  };
}

boot().catch((err) => {
  if (isTrap(err)) recovery.trap(err);
  if (recovery.trapped) return; // starting again, or said why not
  const s = document.getElementById('run-state');
  if (s) s.textContent = `failed to start: ${err && err.message ? err.message : err}`;
  document.documentElement.dataset.ready = 'failed';
  console.error(err);
});
