// End-to-end tests of the playground in the system Chromium, driven by
// playwright-core. The steps follow the seed scenario of LIVE.md on one
// page, in order (each step starts from the state the previous one left):
// run the demo, accept methB, accept methA:, a syntax error, a runtime
// error fixed and proceeded, a frame restarted, print-it in the
// workspace, inert HTML, responsiveness, stop. The tier panel test then
// runs the seed scenario again on a fresh page of its own, and the share
// link test shares from a fresh page and opens the links in a new context.
// Then the class browser (lists, class side, New method, New class,
// several browsers), method history with diff and revert, export and
// import of a .st file, autosave and reload (and bad entries), editing in
// the debugger, and Step / Step into with the live highlight, each in a
// fresh context (autosave shares localStorage within one), and a trap in the
// VM that the page recovers from by starting again. Last, the first
// screen at 1280 x 720 in the light and the dark theme. Along the way:
// the first-minute guide, no page or console error in any context but
// the trap test's expected one, syntax colouring in the editors, the
// debugger coming into view focused
// on the page's own frame, and the Tier pane's per-method story and
// optimized code.
//
//   BASE_URL=http://127.0.0.1:8000/ node e2e.mjs     (scripts/test-web.sh does this)
//
// Prints one line per test and `N passed, N failed`; exits 1 on failure.
// Saves screenshots to tests/artifacts/: playground.png and tier-pane.png
// are the README's and the docs' pictures (scripts/screenshot.sh copies
// them to docs/).

import { chromium } from 'playwright-core';
import { LAUNCH } from './chromium.mjs';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8000/';
const HERE = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(HERE, 'artifacts');
const BUDGET_MS = 8; // www/js/scheduler.js
const FRAME_SLACK_MS = 1; // ...the threshold of its overBudget count
const LONG_TASK_MS = 50;

let passed = 0;
let failed = 0;
const measured = {};

/** E2E_ONLY=text runs only the tests whose names contain it (those that
 * need the state earlier tests leave may then fail). */
const ONLY = process.env.E2E_ONLY;

async function test(name, fn) {
  if (ONLY && !name.includes(ONLY)) return;
  const t0 = performance.now();
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name} (${Math.round(performance.now() - t0)} ms)`);
  } catch (err) {
    failed += 1;
    console.log(`not ok - ${name}`);
    console.log(String(err && err.stack ? err.stack : err).replace(/^/gm, '    '));
  }
}

// ----- page helpers -----

function browser(page, title) {
  return page.locator('section.browser').filter({ has: page.locator('h2', { hasText: title }) });
}

async function accept(page, title, source) {
  const ta = browser(page, title).locator('textarea');
  await ta.fill(source);
  await ta.press('Control+s');
}

/** The last `n` complete, non-empty Transcript lines. */
async function lastLines(page, n) {
  return page.evaluate((n) => {
    const lines = window.livetalk.transcript().split('\n');
    lines.pop(); // the line being written
    return lines.filter((l) => l !== '').slice(-n);
  }, n);
}

/** Waits (checking every animation frame) until the last `n` lines are all `text`. */
async function waitForLines(page, text, n = 3, timeout = 5000) {
  await page.waitForFunction(
    ({ text, n }) => {
      const lines = window.livetalk.transcript().split('\n');
      lines.pop();
      const last = lines.filter((l) => l !== '').slice(-n);
      return last.length === n && last.every((l) => l === text);
    },
    { text, n },
    { polling: 'raf', timeout },
  );
}

const frames = (page) => page.evaluate(() => window.livetalk.stats.frames);

/** Waits for the share link dialog and presses Apply. */
async function applyLink(page) {
  await page.locator('#link-dialog[open]').waitFor({ timeout: 15000 });
  await page.click('#link-apply');
}

/** A `#v1/` share link made here, by the format of docs/share-links.md: records [tag, ...fields]. */
function makeLink(records) {
  const field = (f) => ` ${Buffer.byteLength(f)}:${f}`;
  const payload = [['v', '1'], ...records].map(([tag, ...fs]) => `${tag}${fs.map(field).join('')}\n`).join('');
  return `#v1/${deflateRawSync(Buffer.from(payload)).toString('base64url')}`;
}

/** The workspace's selected text. */
const wsSelection = (page) =>
  page.evaluate(() => {
    const t = document.getElementById('workspace');
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });

/** The [r, g, b, a] of one pixel of the Canvas pane. */
const pixel = (page, x, y) =>
  page.evaluate(([x, y]) => [...document.getElementById('canvas').getContext('2d').getImageData(x, y, 1, 1).data], [x, y]);

/** Waits until pixel (x, y) of the Canvas is painted (alpha > 0) or not. */
async function waitForPixel(page, x, y, painted, timeout = 3000) {
  await page.waitForFunction(
    ([x, y, painted]) => {
      const a = document.getElementById('canvas').getContext('2d').getImageData(x, y, 1, 1).data[3];
      return painted ? a > 0 : a === 0;
    },
    [x, y, painted],
    { polling: 'raf', timeout },
  );
}

/** Measures a 5 s window of the running loop while typing into an editor. */
async function responsiveness(page, attempt) {
  await page.evaluate(() => {
    window.__longTasks = [];
    window.livetalk.resetStats();
  });
  const framesBefore = await frames(page);
  const t0 = Date.now();
  const ta = browser(page, 'Demo>>methB').locator('textarea');
  await ta.focus();
  await ta.press('End');
  const typed = ` "typed while the loop runs ${attempt}"`;
  await ta.type(typed, { delay: 100 });
  const left = 5000 - (Date.now() - t0);
  if (left > 0) await page.waitForTimeout(left);
  const elapsed = Date.now() - t0;
  const r = await page.evaluate(() => ({
    longTasks: window.__longTasks,
    stats: {
      ...window.livetalk.stats,
      recent: [...window.livetalk.stats.recent],
      recentLessStalls: [...window.livetalk.stats.recentLessStalls],
    },
  }));
  const sorted = (xs) => xs.slice().sort((a, b) => a - b);
  const quantile = (xs) => (p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const recent = sorted(r.stats.recent);
  const q = quantile(recent);
  // the same frames less the stalls inside their VM calls (the OS ran
  // something else there: not the page's doing, see below)
  const qOwn = quantile(sorted(r.stats.recentLessStalls));
  const fps = ((r.stats.frames - framesBefore) * 1000) / elapsed;
  Object.assign(measured, {
    fps: Math.round(fps),
    // the page's script time per frame: rendering, the VM, its reports
    sliceMedianMs: +q(0.5).toFixed(2),
    sliceP95Ms: +q(0.95).toFixed(2),
    sliceP95LessStallsMs: +qOwn(0.95).toFixed(2),
    sliceMaxMs: +r.stats.maxFrameMs.toFixed(2),
    // ...less the stalls inside its VM calls (the OS ran something else)
    sliceMaxLessStallsMs: +r.stats.maxFrameLessStallMs.toFixed(2),
    // the same, counting only the time inside vm.runFor
    vmSliceMaxMs: +r.stats.maxVmMs.toFixed(2),
    // ...inside the page's handling of the reports (filing output, events)
    reportMaxMs: +r.stats.maxReportMs.toFixed(2),
    // ...and in its rendering (onFrame: Transcript, Canvas, highlight, panes)
    renderMaxMs: +r.stats.maxRenderMs.toFixed(2),
    // the longest a VM call went without reading the clock
    stallMaxMs: +r.stats.maxStallMs.toFixed(2),
    // the longest a VM call spent outside the VM's work (entering, its
    // report, returning; a stall when it is STALL_MS or more)
    callOutsideMaxMs: +r.stats.maxOutsideMs.toFixed(2),
    // the most one vm.runFor call ran past the time it was given
    callOverrunMaxMs: +r.stats.maxCallOverrunMs.toFixed(2),
    // ...of which inside the VM, on its own clock
    vmLateMaxMs: +r.stats.maxLateMs.toFixed(2),
    // ...in calls in which a collection ran
    vmLateMaxWithGcMs: +r.stats.maxLateGcMs.toFixed(2),
    overrunMarginMs: +r.stats.margin.toFixed(2),
    // garbage collections in the window, and the longest (VM clock)
    gcCount: r.stats.gcCount,
    gcMaxMs: +r.stats.gcMaxMs.toFixed(2),
    gcMeanMs: +(r.stats.gcMs / Math.max(1, r.stats.gcCount)).toFixed(2),
    // calls that put a collection off to the next frame (it did not fit before their deadline)
    gcDeferred: r.stats.gcDeferred,
    framesOverBudget: r.stats.overBudget,
    // ...of which within it but for a stall
    framesOverBudgetStalled: r.stats.stalled,
    // frames the VM sat out because rendering used the budget
    framesSkipped: r.stats.skipped,
    framesMeasured: recent.length,
    instructionsPerSecondOfVmTime: Math.round((r.stats.executed / r.stats.vmMs) * 1000),
    vmShareOfWallClock: +(r.stats.vmMs / elapsed).toFixed(2),
    longTasks: r.longTasks.map((t) => Math.round(t.duration)),
    responsivenessWindow: attempt,
    loadAverage: +loadavg()[0].toFixed(2),
  });
  assert.ok((await ta.inputValue()).endsWith(typed), 'the typed text arrived');
  assert.ok(await browser(page, 'Demo>>methB').locator('.modified').isVisible());
  await waitForLines(page, 'new 6', 5);
  assert.ok(qOwn(0.5) <= BUDGET_MS, `median frame ${qOwn(0.5)} ms besides stalls (${q(0.5)} ms with them)`);
  assert.ok(
    qOwn(0.95) <= BUDGET_MS + FRAME_SLACK_MS,
    `95th percentile frame ${qOwn(0.95)} ms besides stalls (${q(0.95)} ms with them)`,
  );
  // "No slice over the budget": the page renders first and the VM gets
  // what is left, reports are bounded, so every frame stays within the
  // budget plus the last call's slack (the stretch after its last clock
  // reading, its report), except by the time the OS took the CPU away in
  // a VM call, which the VM measures (stallMs inside its work, and the
  // call's time outside it, callOutsideMaxMs) and which is reported, not
  // held (framesOverBudgetStalled, sliceMaxMs). Frames that
  // only ran late in the page's own script would fail here.
  const lessStalls = r.stats.maxFrameLessStallMs;
  assert.ok(
    lessStalls <= BUDGET_MS + FRAME_SLACK_MS,
    `a frame took ${lessStalls.toFixed(2)} ms besides stalls (VM ${r.stats.maxVmMs.toFixed(2)}, reports ${r.stats.maxReportMs.toFixed(2)}, rendering ${r.stats.maxRenderMs.toFixed(2)}, calls outside the VM's work ${r.stats.maxOutsideMs.toFixed(2)} ms at most)`,
  );
  assert.ok(fps >= 20, `only ${fps.toFixed(1)} frames/s`);
  // the loop allocates: collections run, and those that fall due too close
  // to a call's deadline wait for the next frame (the rest of the window's
  // numbers depend on the machine's load and are reported, not held)
  assert.ok(r.stats.gcCount > 0, 'no collection in 5 s of an allocating loop');
  assert.ok(r.stats.gcDeferred > 0, `none of ${r.stats.gcCount} collections was put off to the next frame`);
  const long = r.longTasks.filter((t) => t.duration > LONG_TASK_MS).map((t) => Math.round(t.duration));
  assert.deepEqual(long, [], `long tasks over ${LONG_TASK_MS} ms: ${long.join(', ')}`);
}

async function main() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const chromiumBrowser = await chromium.launch(LAUNCH);
  const context = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  // every other context's pages too: their page errors and console errors
  // are problems (the last test asserts there were none); the trap test
  // makes its own context, where one panic message is expected
  const newContext = async (options) => {
    const ctx = await chromiumBrowser.newContext(options);
    ctx.on('weberror', (e) => problems.push(`page error (${ctx.pages()[0]?.url()}): ${e.error().message}`));
    ctx.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error (${m.page()?.url()}): ${m.text()}`);
    });
    return ctx;
  };
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  let wasmType = null;
  let wasmEncoding = null;
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) {
      wasmType = r.headers()['content-type'];
      wasmEncoding = r.headers()['content-encoding'] || 'none';
    }
  });
  // collect long tasks from the start
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });

  await test('the page loads, with a CSP, and is interactive quickly', async () => {
    await page.goto(BASE);
    await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.ready), 'true', await page.textContent('#run-state'));
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
    assert.equal(wasmType, 'application/wasm');
    const times = await page.evaluate(() => window.livetalk.times);
    measured.interactiveMs = Math.round(times.interactive);
    measured.kernelMs = Math.round(times.kernel);
    measured.wasmInitMs = Math.round(times.wasm);
    measured.bootStartMs = Math.round(times.start);
    // the target is 1 s; a loaded machine may miss it, a broken page misses by far
    if (times.interactive > 1000) console.log(`    TARGET MISSED: interactive after ${Math.round(times.interactive)} ms`);
    assert.ok(times.interactive < 3000, `interactive after ${times.interactive} ms`);
    // the seed demo is preloaded as two browsers plus the Transcript
    assert.equal(await browser(page, 'Demo>>methA:').locator('.version').textContent(), 'v1');
    assert.equal(await browser(page, 'Demo>>methB').locator('.version').textContent(), 'v1');
    assert.match(await browser(page, 'Demo>>methB').locator('textarea').inputValue(), /\^ 1/);
  });

  await test('the wasm is served gzipped (Content-Encoding: gzip), smaller than raw', async () => {
    assert.equal(wasmEncoding, 'gzip');
    const sizes = await page.evaluate(async () => {
      const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
      return { transfer: e.encodedBodySize, raw: e.decodedBodySize };
    });
    measured.wasmRawBytes = sizes.raw;
    measured.wasmTransferBytes = sizes.transfer;
    assert.ok(sizes.transfer > 0 && sizes.transfer < sizes.raw * 0.6, JSON.stringify(sizes));
  });

  await test('Run is disabled until the VM is ready (a click or Enter before is not lost to a form submit)', async () => {
    const ctx = await newContext();
    const early = await ctx.newPage();
    let release;
    const gate = new Promise((r) => (release = r));
    await early.route('**/livetalk_bg.wasm', async (route) => {
      await gate;
      await route.continue();
    });
    try {
      await early.goto(BASE);
      assert.equal(await early.isDisabled('#run'), true);
      await early.focus('#expr');
      await early.keyboard.press('Enter'); // implicit submission: nothing happens
      release();
      await early.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
      assert.equal(await early.isDisabled('#run'), false);
      assert.equal(new URL(early.url()).search, '', 'the form was not submitted');
    } finally {
      release();
      await ctx.close();
    }
  });

  await test('Tab indents in the code editors; Escape then Tab leaves', async () => {
    const ws = page.locator('#workspace');
    const before = await ws.inputValue();
    await ws.focus();
    await ws.evaluate((t) => t.setSelectionRange(t.value.length, t.value.length));
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'workspace');
    assert.equal(await ws.inputValue(), before + '\t');
    assert.match(await ws.getAttribute('aria-describedby'), /\btab-hint\b/);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'workspace');
    assert.equal(await ws.inputValue(), before + '\t');
    await ws.fill(before);
  });

  await test('Run (Enter in the expression field) runs the seed demo', async () => {
    assert.equal(await page.inputValue('#expr'), 'Demo new methA: 0');
    // the one thing to do first, said above the browsers; then the next
    const guide = () => page.textContent('#guide .guide-text');
    assert.equal(await guide(), 'Press Run: Demo new methA: 0 loops forever, printing what methB answers.');
    await page.focus('#expr');
    await page.keyboard.press('Enter');
    await waitForLines(page, '1', 5);
    assert.equal(await page.textContent('#run-state'), 'running');
    assert.match(await guide(), /^Now change methB to \^ 2 and Accept \(Ctrl\+S\)/);
    // the demo draws methB as a bar: 40 px per unit from x = 20, hue 60 per unit
    await waitForPixel(page, 40, 130, true);
    await waitForPixel(page, 80, 130, false);
    const [r, g, b] = await pixel(page, 40, 130);
    assert.ok(r > 150 && g > 150 && b < 80, `methB = 1 is drawn yellow (hue 60): ${r},${g},${b}`);
    const drawn = await page.evaluate(() => window.livetalk.canvas());
    assert.ok(drawn.commands > 0);
    assert.ok(drawn.last.some((c) => c.op === 'text' && c.text === 'methB = 1'), JSON.stringify(drawn.last));
    assert.ok(await page.isDisabled('#run'));
    assert.ok(await page.isEnabled('#pause'));
  });

  await test('Smalltalk syntax colouring behind the editors: every kind of token, re-coloured on input only', async () => {
    const a = browser(page, 'Demo>>methA:');
    const hl = a.locator('pre.hl');
    // the textarea stays (its own text transparent) over a coloured copy of its text
    assert.equal(await a.locator('textarea').count(), 1);
    assert.equal(await hl.getAttribute('aria-hidden'), 'true');
    assert.equal(await hl.textContent(), (await a.locator('textarea').inputValue()) + '\n');
    const look = await a.evaluate((root) => {
      const ta = root.querySelector('textarea');
      const pre = root.querySelector('pre.hl');
      const cs = (x) => getComputedStyle(x);
      const same = ['fontFamily', 'fontSize', 'lineHeight', 'paddingTop', 'paddingLeft', 'borderTopWidth', 'borderLeftWidth', 'tabSize', 'whiteSpace'];
      return {
        fill: cs(ta).webkitTextFillColor,
        caret: cs(ta).caretColor,
        differ: same.filter((k) => cs(ta)[k] !== cs(pre)[k]).map((k) => `${k}: ${cs(ta)[k]} vs ${cs(pre)[k]}`),
        box: [ta.getBoundingClientRect().top, pre.getBoundingClientRect().top, ta.offsetWidth, pre.offsetWidth],
      };
    });
    assert.equal(look.fill, 'rgba(0, 0, 0, 0)');
    assert.notEqual(look.caret, 'rgba(0, 0, 0, 0)');
    assert.deepEqual(look.differ, []);
    assert.equal(look.box[0], look.box[1]);
    assert.equal(look.box[2], look.box[3]);
    const tokens = (loc, kind) => loc.locator(`.t-${kind}`).allTextContents();
    assert.match((await tokens(hl, 'comment'))[0], /^"Forever: show what methB answers/);
    assert.ok((await tokens(hl, 'pseudo')).includes('self'));
    assert.ok((await tokens(hl, 'pseudo')).includes('true'));
    assert.ok((await tokens(hl, 'keyword')).includes('whileTrue:'));
    assert.ok((await tokens(hl, 'unary')).includes('methB'));
    assert.ok((await tokens(hl, 'string')).includes("'#222222'"));
    assert.ok((await tokens(hl, 'number')).includes('60'));
    assert.deepEqual(await tokens(hl, 'assign'), [':=']);
    assert.deepEqual(await tokens(browser(page, 'Demo>>methB').locator('pre.hl'), 'return'), ['^']);
    // the workspace: symbols, characters, radix numbers, the other pseudo-variables, block arguments
    const ws = page.locator('#workspace');
    const wsHl = page.locator('.workspace pre.hl');
    const before = await ws.inputValue();
    await ws.fill('');
    await ws.type("#(#at:put: #+ $a 16r1F 2.5e3) do: [:e | nil foo. false. super. thisContext] \"c\" 'it''s'");
    assert.deepEqual(await tokens(wsHl, 'symbol'), ['#(', '#at:put:', '#+']);
    assert.deepEqual(await tokens(wsHl, 'char'), ['$a']);
    assert.deepEqual(await tokens(wsHl, 'number'), ['16r1F', '2.5e3']);
    assert.deepEqual(await tokens(wsHl, 'pseudo'), ['nil', 'false', 'super', 'thisContext']);
    assert.deepEqual(await tokens(wsHl, 'blockArg'), [':e']);
    assert.deepEqual(await tokens(wsHl, 'unary'), ['foo']);
    assert.deepEqual(await tokens(wsHl, 'comment'), ['"c"']);
    assert.deepEqual(await tokens(wsHl, 'string'), ["'it''s'"]);
    // scrolled together
    await ws.fill(Array.from({ length: 40 }, (_, i) => `${i} printString`).join('\n'));
    await ws.evaluate((t) => {
      t.scrollTop = 200;
      t.dispatchEvent(new Event('scroll'));
    });
    await page.waitForFunction(() => {
      const t = document.getElementById('workspace');
      const p = document.querySelector('.workspace pre.hl');
      return t.scrollTop > 0 && p.scrollTop === t.scrollTop;
    });
    await ws.fill(before);
    assert.equal(await wsHl.textContent(), before + '\n');
    // while the loop runs and nobody types, the coloured text is left alone
    assert.equal(await page.textContent('#run-state'), 'running');
    const mutations = await page.evaluate(
      () =>
        new Promise((done) => {
          let n = 0;
          const mo = new MutationObserver((list) => (n += list.length));
          for (const p of document.querySelectorAll('pre.hl')) mo.observe(p, { childList: true, subtree: true, characterData: true });
          setTimeout(() => {
            mo.disconnect();
            done(n);
          }, 500);
        }),
    );
    assert.equal(mutations, 0);
  });

  await test('accepting methB changes the output within the next slices (R4)', async () => {
    // note the frame in which Ctrl+S arrives, then watch every frame for a 2
    await page.evaluate(() => {
      window.__framesUntil2 = null;
      let acceptFrame = null;
      const watch = () => {
        const lines = window.livetalk.transcript().split('\n');
        lines.pop();
        if (lines[lines.length - 1] === '2') window.__framesUntil2 = window.livetalk.stats.frames - acceptFrame;
        else requestAnimationFrame(watch);
      };
      document.addEventListener(
        'keydown',
        (e) => {
          if (e.ctrlKey && e.key === 's' && acceptFrame === null) {
            acceptFrame = window.livetalk.stats.frames;
            requestAnimationFrame(watch);
          }
        },
        { capture: true },
      );
    });
    await accept(page, 'Demo>>methB', 'methB\n\t^ 2');
    await page.waitForFunction(() => window.__framesUntil2 !== null, null, { timeout: 2000 });
    measured.framesUntilNewOutput = await page.evaluate(() => window.__framesUntil2);
    assert.ok(measured.framesUntilNewOutput <= 2, `took ${measured.framesUntilNewOutput} frames`);
    await waitForLines(page, '2', 5);
    // ...and the picture: the bar is twice as long, and green-yellow (hue 120)
    await waitForPixel(page, 80, 130, true);
    await waitForPixel(page, 120, 130, false);
    const [r, g] = await pixel(page, 40, 130);
    assert.ok(g > r + 50, `methB = 2 is drawn green (hue 120): ${await pixel(page, 40, 130)}`);
    const b = browser(page, 'Demo>>methB');
    assert.equal(await b.locator('.version').textContent(), 'v2');
    assert.ok(await b.locator('.modified').isHidden());
    assert.match(await page.textContent('#guide .guide-text'), /^The Tier pane tells how: methB was inlined, your accept deoptimized it/);
  });

  await test('with the tier eager, accepting methB still shows at the next call (R5, R6)', async () => {
    await page.selectOption('#tier', 'eager');
    await page.waitForTimeout(300); // let it optimize methA: with methB inlined
    await accept(page, 'Demo>>methB', 'methB\n\t^ 3');
    await waitForLines(page, '3', 3, 2000);
    await accept(page, 'Demo>>methB', 'methB\n\t^ 2');
    await waitForLines(page, '2', 3, 2000);
    await page.selectOption('#tier', 'on');
    assert.equal(await browser(page, 'Demo>>methB').locator('.version').textContent(), 'v4');
  });

  await test('accepting methA: leaves the running activation alone (R3), with a badge', async () => {
    const b = browser(page, 'Demo>>methA:');
    await accept(page, 'Demo>>methA:', "methA: x\n\t[true] whileTrue: [Transcript show: 'new ', self methB printString; cr]");
    assert.equal(await b.locator('.version').textContent(), 'v2');
    await page.waitForTimeout(300);
    await waitForLines(page, '2', 20);
    await page.waitForFunction(() => {
      const badge = [...document.querySelectorAll('section.browser .badge')].find((x) => !x.hidden);
      return badge && badge.textContent === '1 activation still runs v1';
    });
  });

  await test('a syntax error is marked inline, announced, keeps the text; the program runs on (R2)', async () => {
    const b = browser(page, 'Demo>>methB');
    const bad = 'methB\n\t^ 3 + + ';
    const framesBefore = await frames(page);
    await accept(page, 'Demo>>methB', bad);
    const err = b.locator('.compile-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.textContent(), /^Line 2, column 8: /);
    assert.ok(await b.locator('.err-line').isVisible());
    assert.ok(await b.locator('.err-col').isVisible());
    // the band sits on line 2: padding (8 px) + one line (20 px)
    const top = await b.locator('.err-line').evaluate((e) => e.offsetTop);
    assert.ok(Math.abs(top - 28) <= 2, `marker at ${top}px`);
    const left = await b.locator('.err-col').evaluate((e) => e.offsetLeft);
    assert.ok(left > 40, `column marker at ${left}px`);
    assert.equal(await b.locator('textarea').getAttribute('aria-invalid'), 'true');
    assert.equal(await b.locator('textarea').inputValue(), bad);
    assert.equal(await b.locator('.version').textContent(), 'v4');
    assert.ok(await b.locator('.modified').isVisible());
    await page.waitForFunction(() => /Compile error in Demo>>methB/.test(document.getElementById('announce-alert').textContent));
    // the old code keeps running
    await page.waitForTimeout(300);
    assert.ok((await frames(page)) > framesBefore + 5);
    await waitForLines(page, '2', 10);
    // typing clears the marker
    await b.locator('textarea').press('End');
    await b.locator('textarea').type(' ');
    assert.ok(await b.locator('.err-line').isHidden());
  });

  await test('a runtime error opens the debugger; fix methB and proceed (R9)', async () => {
    // the page scrolled to its top: the debugger is below the first screen
    await page.evaluate(() => window.scrollTo(0, 0));
    // when the debugger shows, in the same task: is it in view, and focused?
    await page.evaluate(() => {
      const d = document.getElementById('debugger');
      window.__dbgShown = null;
      const mo = new MutationObserver(() => {
        if (d.hidden || window.__dbgShown) return;
        const r = d.getBoundingClientRect();
        window.__dbgShown = {
          top: r.top,
          bottom: r.bottom,
          height: innerHeight,
          focused: d.contains(document.activeElement),
          focusText: document.activeElement.textContent,
          running: document.documentElement.dataset.program,
        };
        mo.disconnect();
      });
      mo.observe(d, { attributes: true, attributeFilter: ['hidden'] });
    });
    await accept(page, 'Demo>>methB', 'methB\n\t^ 1 / 0');
    await page.locator('#debugger').waitFor({ state: 'visible' });
    const shownAt = await page.evaluate(() => window.__dbgShown);
    assert.ok(shownAt, 'the debugger was seen opening');
    assert.ok(shownAt.focused, `focus is in the debugger when it opens (${JSON.stringify(shownAt)})`);
    assert.equal(shownAt.focusText, 'Demo>>methB v5', 'the focused frame is the innermost one of the page\'s code');
    // whole, or from its top when it is taller than the window
    const whole = shownAt.top >= -1 && shownAt.bottom <= shownAt.height + 1;
    const fromTop = shownAt.bottom - shownAt.top > shownAt.height && Math.abs(shownAt.top) <= 1;
    assert.ok(whole || fromTop, `the debugger scrolled into view (${JSON.stringify(shownAt)})`);
    assert.match(await page.textContent('#debugger-error'), /^ZeroDivide/);
    assert.match(await page.textContent('#run-state'), /^error/);
    const names = await page.locator('#frames button').allTextContents();
    assert.ok(names.includes('Demo>>methB v5'), names.join(', '));
    assert.ok(names.includes('Demo>>methA: v1'), names.join(', '));
    // the exception machinery (signal, handler search) is not shown
    assert.ok(!names.some((n) => /signal|Exception|Error>>/.test(n)), names.join(', '));
    // the kernel's frames (above methB: the division, zeroDivide) are there, dimmed, not selected
    assert.ok(!names[0].startsWith('Demo>>'), `the innermost frame is the kernel's: ${names.join(', ')}`);
    const kernel = await page.locator('#frames li.is-kernel button').allTextContents();
    assert.deepEqual(kernel, names.slice(0, names.indexOf('Demo>>methB v5')));
    assert.equal(await page.getAttribute('#frames li:first-child button', 'aria-pressed'), 'false');
    assert.ok((await page.locator('#frames li.is-kernel button').first().evaluate((b) => +getComputedStyle(b).opacity)) < 1);
    assert.equal(await page.locator('#frames button', { hasText: 'Demo>>methB v5' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Demo>>methB v5');
    // the source is shown once (one editor, its coloured text behind it), the statement marked
    assert.equal(await page.locator('#debugger pre').count(), 1);
    assert.equal(await page.locator('#debugger textarea').count(), 1);
    assert.equal(await page.inputValue('#frame-edit'), 'methB\n\t^ 1 / 0');
    assert.equal(await page.textContent('#frame-source mark'), '/');
    assert.match(await page.textContent('#frame-statement'), /^ZeroDivide came from the marked send, line 2 of Demo>>methB/);
    // the editors say the program stopped on the error, not that it runs
    const liveB = browser(page, 'Demo>>methB').locator('.live');
    assert.equal(await liveB.textContent(), 'stopped on ZeroDivide at line 2');
    assert.equal(await browser(page, 'Demo>>methB').getAttribute('data-live'), 'error');
    // (the methA: browser shows v2; the stopped frame runs v1: no mark there)
    assert.ok(await browser(page, 'Demo>>methA:').locator('.live').isHidden());
    await page.waitForTimeout(100); // a few frames later it still says so
    assert.equal(await liveB.textContent(), 'stopped on ZeroDivide at line 2');
    // a kernel frame can still be chosen
    await page.locator('#frames li.is-kernel button').first().click();
    assert.match(await page.textContent('#frame-statement'), /^Stopped on ZeroDivide at line \d+ of /);
    // the do-it that started the program: shown (marked), not edited; Tab leaves it
    await page.locator('#frames button', { hasText: '>>DoIt' }).click();
    assert.equal(await page.locator('#frame-edit').evaluate((t) => t.readOnly), true);
    assert.ok(await page.locator('#dbg-accept').isHidden());
    assert.ok((await page.textContent('#frame-source mark')).length > 0);
    const doit = await page.inputValue('#frame-edit');
    await page.focus('#frame-edit');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement.id), 'frame-edit');
    assert.equal(await page.inputValue('#frame-edit'), doit);
    await page.locator('#frames button', { hasText: 'Demo>>methB v5' }).click();
    assert.equal(await page.locator('#frame-edit').evaluate((t) => t.readOnly), false);
    assert.ok(await page.locator('#dbg-accept').isVisible());
    assert.deepEqual(await page.locator('#frame-vars th').allTextContents(), ['self']);
    assert.equal(await page.textContent('#frame-vars td'), 'a Demo');
    assert.equal(await page.textContent('#frame-source mark'), '/');
    await page.waitForFunction(() => /ZeroDivide/.test(document.getElementById('announce-alert').textContent));
    // the process is suspended: no output while the debugger is open
    const still = await page.evaluate(() => window.livetalk.transcript());
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.livetalk.transcript()), still);
    await page.screenshot({ path: join(ARTIFACTS, 'debugger.png'), fullPage: true });
    // fix, then proceed: the division answers nil once, later calls see v6
    await accept(page, 'Demo>>methB', 'methB\n\t^ 5');
    assert.equal(await browser(page, 'Demo>>methB').locator('.version').textContent(), 'v6');
    await page.click('#dbg-proceed');
    assert.ok(await page.locator('#debugger').isHidden());
    await waitForLines(page, '5', 5);
    assert.equal(await page.textContent('#run-state'), 'running');
  });

  await test('restart frame runs the methA: installed now (R8)', async () => {
    await accept(page, 'Demo>>methB', 'methB\n\t^ 1 / 0');
    await page.locator('#debugger').waitFor({ state: 'visible' });
    await accept(page, 'Demo>>methB', 'methB\n\t^ 6');
    await page.locator('#frames button', { hasText: 'Demo>>methA: v1' }).click();
    assert.equal(await page.textContent('#frame-source mark').then((t) => t.length > 0), true);
    await page.click('#dbg-restart');
    await waitForLines(page, 'new 6', 5);
    // no activation runs an old methA: any more
    await page.waitForFunction(() => [...document.querySelectorAll('section.browser .badge')].every((x) => x.hidden));
  });

  await test('a runaway recursion ends in StackOverflow; the page stays responsive', async () => {
    await page.evaluate(() => {
      window.__longTasks = [];
    });
    await accept(page, 'Demo>>methB', 'methB\n\t^ self methB');
    await page.locator('#debugger').waitFor({ state: 'visible', timeout: 15000 });
    const long = await page.evaluate(() => window.__longTasks.map((t) => Math.round(t.duration)));
    measured.longTasksDuringRecursion = long;
    const error = await page.textContent('#debugger-error');
    const buttons = await page.locator('#frames button').count();
    const elided = await page.textContent('#frames .elided').catch(() => '');
    // clean up first, so that a failure here does not spill into later tests
    await accept(page, 'Demo>>methB', 'methB\n\t^ 6');
    await page.locator('#frames button', { hasText: 'Demo>>methA: v2' }).click();
    await page.click('#dbg-restart');
    assert.ok(await page.locator('#debugger').isHidden());
    await waitForLines(page, 'new 6', 5);
    assert.match(error, /StackOverflow/);
    // the snapshot is cut in the middle: 50 innermost + 10 outermost frames
    assert.equal(buttons, 60);
    assert.match(elided, /^… \d+ more frames …$/);
    // Each garbage collection scans every frame of the 200 000-frame stack
    // (~20 ms natively, more in wasm), so the 50 ms target for long tasks
    // is not always met while such a stack exists; the page stays usable.
    if (long.some((d) => d > LONG_TASK_MS)) console.log(`    NOTE: long tasks during the recursion: ${long.join(', ')} ms`);
    assert.deepEqual(long.filter((d) => d > 3 * LONG_TASK_MS), []);
  });

  await test('print it in the workspace while the loop runs', async () => {
    const ws = page.locator('#workspace');
    await ws.fill('3 + 4');
    await ws.press('Control+p');
    await page.waitForFunction(() => document.getElementById('workspace-result').textContent === '7');
    assert.equal(await ws.inputValue(), '3 + 4 7');
    await waitForLines(page, 'new 6', 5);
  });

  await test("a do-it's Transcript output shows in the workspace while the loop fills the Transcript", async () => {
    const ws = page.locator('#workspace');
    assert.ok(await page.locator('#ws-output-wrap').isHidden(), 'no output yet, no pane');
    await ws.fill("Transcript show: 'from the workspace'; cr");
    await ws.press('Control+d');
    await page.waitForFunction(() => window.livetalk.workspaceOutput() === 'from the workspace\n');
    await page.locator('#ws-output-wrap').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#ws-output'), 'from the workspace\n');
    // the loop ran on and printed over it in the Transcript meanwhile
    await waitForLines(page, 'new 6', 5);
    assert.equal(await page.textContent('#ws-output'), 'from the workspace\n');
    await page.click('#ws-output-clear');
    assert.equal(await page.textContent('#ws-output'), '');
    // each write is tagged with its process: what the do-it writes after a
    // Delay (in the middle of the loop's slice), and what it forks, is its own
    await ws.fill("Transcript show: 'one'; cr. (Delay forMilliseconds: 30) wait. Transcript show: 'two'; cr. [Transcript show: 'three'; cr] fork");
    await ws.press('Control+d');
    await page.waitForFunction(() => window.livetalk.workspaceOutput() === 'one\ntwo\nthree\n');
    await waitForLines(page, 'new 6', 5);
    // (the pane shows what arrived at its next frame)
    await page
      .waitForFunction(() => document.getElementById('ws-output').textContent === 'one\ntwo\nthree\n', null, { timeout: 5000 })
      .catch(() => {});
    assert.equal(await page.textContent('#ws-output'), 'one\ntwo\nthree\n');
    await page.click('#ws-output-clear');
  });

  await test("the Transcript's buffer keeps the newest lines, one run per writer (random writes against a reference)", async () => {
    const bad = await page.evaluate(async () => {
      const { Lines } = await import('./js/transcript.js');
      const A = { pid: 1, origin: 1, workspace: false };
      const B = { pid: 2, origin: 2, workspace: true };
      let seed = 7;
      const rnd = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
      for (let trial = 0; trial < 1000; trial++) {
        const max = 1 + rnd(6);
        const lines = new Lines(max);
        let all = '';
        for (let k = 0; k < 30; k++) {
          let t = '';
          for (let i = rnd(5); i > 0; i--) t += rnd(3) ? 'abc'[rnd(3)] : '\n';
          lines.add(t, rnd(2) ? A : B);
          all += t;
          const want = all.split('\n').slice(-max).join('\n');
          const runsOk = lines.segs.every((s, i) => s.text !== '' && (i === 0 || lines.segs[i - 1].who !== s.who));
          if (lines.text() !== want || lines.chars !== want.length || !runsOk) return { max, all, got: lines.text(), want };
        }
      }
      return null;
    });
    assert.equal(bad, null);
  });

  await test("the Transcript colours a do-it's lines and filters by process while the loop prints", async () => {
    const ws = page.locator('#workspace');
    // is the do-it's line on screen in the Transcript (inside its box, not scrolled away)?
    const onScreen = (text) =>
      page.evaluate((text) => {
        const pre = document.getElementById('transcript');
        const box = pre.getBoundingClientRect();
        return [...pre.querySelectorAll('.tw-ws')].some((el) => {
          if (!el.textContent.includes(text)) return false;
          const r = el.getBoundingClientRect();
          return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        });
      }, text);
    // paused: the do-it's line stands out among the program's
    await page.click('#pause');
    await page.waitForFunction(() => window.livetalk.program().state === 'paused');
    await ws.fill("Transcript show: 'seen by process'; cr");
    await ws.press('Control+d');
    await page.waitForFunction(() => window.livetalk.transcript().endsWith('seen by process\n'));
    await page.waitForFunction(() => document.querySelector('#transcript .tw-ws') !== null);
    assert.ok(await onScreen('seen by process'), 'the do-it line shows, coloured, while paused');
    const runs = await page.evaluate(() => window.livetalk.transcriptRuns());
    const mine = runs.filter((r) => r.workspace);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].text, 'seen by process\n');
    assert.ok(runs.some((r) => !r.workspace && /new 6/.test(r.text)), 'the program wrote the rest');
    const color = await page.$eval('#transcript .tw-ws', (el) => getComputedStyle(el).color);
    const plain = await page.$eval('#transcript', (el) => getComputedStyle(el).color);
    assert.notEqual(color, plain, 'a workspace line has its own colour');
    // running: the loop pushes it out of the whole Transcript at once...
    await page.click('#resume');
    const w0 = await page.evaluate(() => window.livetalk.written());
    await page.waitForFunction((w0) => window.livetalk.written() > w0 + 20_000, w0);
    await waitForLines(page, 'new 6', 5);
    // (the Transcript shows what arrived at its next frame)
    for (let t0 = Date.now(); (await onScreen('seen by process')) && Date.now() - t0 < 5000; ) {
      await page.waitForTimeout(50);
    }
    assert.equal(await onScreen('seen by process'), false, 'the loop printed over it');
    // ...while the workspace filter keeps it in view as the loop goes on
    await ws.fill("Transcript show: 'while it runs'; cr");
    await ws.press('Control+d');
    await page.selectOption('#transcript-filter', 'workspace');
    await page.waitForFunction(() => document.querySelector('#transcript').textContent.includes('while it runs'));
    const w1 = await page.evaluate(() => window.livetalk.written());
    await page.waitForFunction((w1) => window.livetalk.written() > w1 + 20_000, w1);
    assert.equal(await page.evaluate(() => window.livetalk.program().state), 'running');
    assert.ok(await onScreen('while it runs'), 'the do-it line stays in view while the loop prints');
    assert.ok(!(await page.textContent('#transcript')).includes('new 6'), 'the filter hides the program');
    // the program's process is offered by pid; choosing it hides the workspace
    const pid = await page.evaluate(() => window.livetalk.program().pid);
    await page.selectOption('#transcript-filter', String(pid));
    await page.waitForFunction(() => /new 6/.test(document.querySelector('#transcript').textContent));
    assert.ok(!(await page.textContent('#transcript')).includes('while it runs'));
    await page.selectOption('#transcript-filter', 'all');
    await waitForLines(page, 'new 6', 5);
  });

  await test('HTML in Transcript output, values and errors stays text', async () => {
    // paused, so the loop's lines do not push ours out of the capped pane
    await page.click('#pause');
    const ws = page.locator('#workspace');
    await ws.fill(`Transcript show: '<img src=x onerror="window.__xss=1">'; cr. '<b id="xss">bold</b>'`);
    await ws.press('Control+p');
    await page.waitForFunction(() => document.getElementById('workspace-result').textContent.includes('<b'));
    await accept(page, 'Demo>>methB', "methB\n\t^ '<script>window.__xss=2</script>' +");
    await page.waitForTimeout(300);
    const r = await page.evaluate(() => ({
      xss: window.__xss,
      // (the Transcript's own elements aside: a span per writer's run of text, in one span)
      elements: [...document.querySelectorAll('#transcript *, #workspace-result *, .compile-error *, #xss, img')].filter(
        (el) =>
          !(el.matches('#transcript > span.tw-body') ||
            (el.matches('#transcript > .tw-body > span') && /^tw-(ws|p\d)$/.test(el.className) && !el.childElementCount)),
      ).length,
      runs: document.querySelectorAll('#transcript .tw-ws').length,
      bodyScripts: document.querySelectorAll('body script').length,
      shown: window.livetalk.transcript().includes('<img src=x onerror="window.__xss=1">'),
    }));
    assert.deepEqual(r, { xss: undefined, elements: 0, bodyScripts: 0, shown: true, runs: 1 });
    await browser(page, 'Demo>>methB').locator('textarea').fill('methB\n\t^ 6');
    await page.click('#resume');
    assert.equal(await page.textContent('#run-state'), 'running');
  });

  await test('responsiveness: 5 s of the endless loop, no long task, typing works', async () => {
    // On a machine busy with other work the OS can take the renderer's
    // thread away where no clock reading shows it (while rendering or
    // filing a report), so a window that fails is followed by another, up
    // to three; each failed window is reported. A page that runs over
    // its budget on its own fails all three.
    let lastError = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await responsiveness(page, attempt);
        return;
      } catch (err) {
        lastError = err;
        console.log(`    window ${attempt}: ${err.message.split('\n')[0]} (load average ${loadavg()[0].toFixed(1)})`);
      }
    }
    throw lastError;
  });

  await test('Pause, Resume and Stop', async () => {
    await page.click('#pause');
    assert.equal(await page.textContent('#run-state'), 'paused');
    // (the count of output written: the pane's window of the newest lines
    // can look the same after new lines, which equal the old ones)
    const t = await page.evaluate(() => window.livetalk.written());
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.livetalk.written()), t);
    await page.click('#resume');
    await page.waitForFunction((t) => window.livetalk.written() > t, t);
    await page.click('#stop');
    assert.equal(await page.textContent('#run-state'), 'stopped');
    await page.waitForTimeout(100);
    const t2 = await page.evaluate(() => window.livetalk.written());
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => window.livetalk.written()), t2);
    assert.ok(await page.isEnabled('#run'));
  });

  await test('the Tier pane shows optimize, inline, deopt on accept and re-optimization (R6, R7)', async () => {
    // a fresh page in a fresh context (no autosave): the seed demo from the start, methB at v1
    const tierContext = await newContext({ viewport: { width: 1280, height: 1000 } });
    const tp = await tierContext.newPage();
    tp.on('pageerror', (e) => problems.push(`tier page error: ${e.message}`));
    tp.on('console', (m) => {
      if (m.type() === 'error') problems.push(`tier page console error: ${m.text()}`);
    });
    try {
      await tp.goto(BASE);
      await tp.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
      // the pane is labelled and holds the mode select
      assert.equal(await tp.locator('#tier-pane').getAttribute('aria-labelledby'), 'tier-title');
      assert.equal(await tp.locator('#tier-pane #tier').inputValue(), 'on');
      assert.equal(await tp.locator('#tier-status').getAttribute('aria-live'), 'polite');
      assert.equal(await tp.locator('#tier-log li').count(), 0, 'nothing logged before the program runs');
      const log = () => tp.evaluate(() => window.livetalk.tierLog());
      const shown = () => tp.locator('#tier-log .tier-text').allTextContents();
      const waitForLog = (pred, what, timeout = 5000) =>
        tp
          .waitForFunction(pred, null, { polling: 100, timeout })
          .catch(async (e) => assert.fail(`${what}: ${e.message.split('\n')[0]}; log: ${JSON.stringify(await log())}`));
      const row = (method) => tp.locator('#tier-methods tr').filter({ has: tp.locator('th', { hasText: method }) });

      await tp.focus('#expr');
      await tp.keyboard.press('Enter');
      await waitForLines(tp, '1', 3);
      await waitForLog(
        () =>
          [...document.querySelectorAll('#tier-log .tier-text')].some(
            (li) => li.textContent === 'inlined Demo>>methB v1 into Demo>>methA:',
          ),
        'methB v1 inlined into methA:',
      );
      let texts = await shown();
      assert.ok(texts.includes('optimized Demo>>methA: at loop head (OSR)'), texts.join(' | '));
      assert.ok(
        texts.indexOf('optimized Demo>>methA: at loop head (OSR)') < texts.indexOf('inlined Demo>>methB v1 into Demo>>methA:'),
        texts.join(' | '),
      );
      await row('Demo>>methA:').locator('.tier-inlined', { hasText: 'Demo>>methB v1' }).waitFor({ timeout: 2000 });
      assert.equal(await row('Demo>>methA:').locator('.tier-state').textContent(), 'optimized');
      assert.equal(await row('Demo>>methA:').locator('.tier-deopts').textContent(), '0');

      // accept a new methB: the optimized loop is deoptimized, then optimized again with it inlined
      await accept(tp, 'Demo>>methB', 'methB\n\t^ 7');
      const v = await browser(tp, 'Demo>>methB').locator('.version').textContent();
      assert.equal(v, 'v2');
      await waitForLines(tp, '7', 3);
      const deopt = 'deoptimized 1 activation of Demo>>methA:: Demo>>methB was redefined';
      const reinlined = `inlined Demo>>methB ${v} into Demo>>methA:`;
      await tp
        .waitForFunction(
          ({ deopt, reinlined }) => {
            const t = [...document.querySelectorAll('#tier-log .tier-text')].map((li) => li.textContent);
            const d = t.indexOf(deopt);
            return d >= 0 && t.indexOf(reinlined, d) > d;
          },
          { deopt, reinlined },
          { polling: 100, timeout: 5000 },
        )
        .catch(async (e) => assert.fail(`deopt then re-inline: ${e.message.split('\n')[0]}; log: ${JSON.stringify(await log())}`));
      texts = await shown();
      const d = texts.indexOf(deopt);
      assert.ok(
        texts.slice(d).includes('optimized Demo>>methA: at loop head (OSR)'),
        `re-optimized at the loop head after the deopt: ${texts.join(' | ')}`,
      );
      assert.ok(
        (await tp.locator('#tier-log li.is-deoptimized').count()) >= 1,
        'the deoptimization is marked in the log',
      );
      // announced politely
      await tp.waitForFunction((deopt) => document.getElementById('tier-status').textContent.includes(deopt), deopt, {
        timeout: 3000,
      });
      // the table: methA: optimized again with the new callee, one deopt
      await row('Demo>>methA:').locator('.tier-inlined', { hasText: `Demo>>methB ${v}` }).waitFor({ timeout: 2000 });
      assert.equal(await row('Demo>>methA:').locator('.tier-state').textContent(), 'optimized');
      // (the demo's methA: also inlines leaves of the kernel, e.g. Number>>isNumber)
      const inlinedNow = (await row('Demo>>methA:').locator('.tier-inlined').textContent()).split(', ');
      assert.ok(inlinedNow.includes(`Demo>>methB ${v}`), inlinedNow.join(', '));
      assert.ok(!inlinedNow.includes('Demo>>methB v1'), inlinedNow.join(', '));
      assert.equal(await row('Demo>>methA:').locator('.tier-deopts').textContent(), '1');
      // plain words: no references to internal documents
      assert.doesNotMatch(await tp.textContent('#tier-help'), /LIVE\.md|\bR\d\b/);

      // the page's methods first; the kernel's behind a toggle
      const methodsShown = () => tp.locator('#tier-methods tr[data-method]').evaluateAll((rs) => rs.map((r) => r.dataset.method));
      let listed = await methodsShown();
      assert.ok(listed.length >= 1 && listed.every((m) => m.startsWith('Demo>>')), listed.join(', '));
      assert.match(await tp.textContent('#tier-methods .tier-hidden-note'), /^\d+ kernel methods? hidden/);
      await tp.check('#tier-kernel');
      listed = await methodsShown();
      const firstKernel = listed.findIndex((m) => !m.startsWith('Demo>>'));
      assert.ok(firstKernel > 0, `kernel rows after the page's: ${listed.join(', ')}`);
      assert.ok(listed.slice(firstKernel).every((m) => !m.startsWith('Demo>>')), listed.join(', '));
      assert.equal(await tp.locator('#tier-methods tr.is-kernel').count(), listed.length - firstKernel);
      // columns fit: a long kernel selector ends in an ellipsis, the whole name in its title
      const fit = await tp.evaluate(() => {
        const wrap = document.querySelector('.tier-table-wrap');
        const table = wrap.querySelector('table');
        const cells = [...table.querySelectorAll('tbody th, tbody td')];
        const cut = cells.filter((c) => c.scrollWidth > c.clientWidth + 1);
        return {
          table: table.scrollWidth,
          wrap: wrap.clientWidth,
          cut: cut.map((c) => ({ text: c.textContent, title: c.title, overflow: getComputedStyle(c).textOverflow })),
          deoptsVisible: [...table.querySelectorAll('tbody td.tier-deopts')].every((c) => c.getBoundingClientRect().right <= wrap.getBoundingClientRect().right + 1),
        };
      });
      assert.ok(fit.table <= fit.wrap + 1, `the table (${fit.table} px) fits its box (${fit.wrap} px)`);
      assert.ok(fit.deoptsVisible, 'the Deopts column stays in view');
      assert.ok(fit.cut.length > 0, 'a long name is cut (Class>>subclass:instanceVariableNames:...)');
      for (const c of fit.cut) {
        assert.equal(c.overflow, 'ellipsis', JSON.stringify(c));
        assert.ok(c.title.startsWith(c.text), JSON.stringify(c));
      }
      // a method is chosen from the keyboard too (Enter on its name); focus stays on it
      const other = listed[firstKernel];
      await tp.locator(`#tier-methods tr[data-method="${other}"] th`).focus();
      await tp.keyboard.press('Enter');
      assert.equal(await tp.getAttribute(`#tier-methods tr[data-method="${other}"]`, 'aria-current'), 'true');
      assert.equal(await tp.textContent('#tier-detail-title'), `What the tier did with ${other}`);
      assert.equal(await tp.evaluate(() => document.activeElement.closest('tr')?.dataset.method), other);
      await tp.locator('#tier-methods tr[data-method="Demo>>methA:"] th').focus();
      await tp.keyboard.press('Enter');
      assert.equal(await tp.evaluate(() => document.activeElement.closest('tr')?.dataset.method), 'Demo>>methA:');
      await tp.uncheck('#tier-kernel');
      assert.ok((await methodsShown()).every((m) => m.startsWith('Demo>>')));

      // the log: identical events collapse with a count, until a deopt starts a new chapter
      texts = await shown();
      const chapters = [texts.slice(0, d), texts.slice(d)];
      for (const part of chapters) assert.equal(new Set(part).size, part.length, `repeated lines: ${part.join(' | ')}`);
      const repeats = await tp.locator('#tier-log .tier-repeat').allTextContents();
      assert.ok(repeats.some((r) => /^ ×\d+$/.test(r)), `a line with a count: ${repeats.join('|')}`);
      // the deoptimization is pinned apart from the log
      assert.ok(await tp.locator('#tier-pins-wrap').isVisible());
      assert.deepEqual(await tp.locator('#tier-pins .tier-text').allTextContents(), [deopt]);

      // methA:'s story, oldest first: optimized, inlined methB v1, deoptimized (why), re-optimized, inlined the new methB
      assert.equal(await tp.getAttribute('#tier-methods tr[data-method="Demo>>methA:"]', 'aria-current'), 'true');
      assert.equal(await tp.textContent('#tier-detail-title'), 'What the tier did with Demo>>methA:');
      const story = await tp.locator('#tier-story .tier-step-text').allTextContents();
      const at = (t) => story.indexOf(t);
      assert.ok(at('optimized at a loop head, while it ran') === 0, story.join(' → '));
      assert.ok(at('inlined Demo>>methB v1') > 0, story.join(' → '));
      const dAt = at('deoptimized (1 activation): Demo>>methB was redefined');
      assert.ok(dAt > at('inlined Demo>>methB v1'), story.join(' → '));
      assert.ok(at('re-optimized at a loop head, while it ran') > dAt, story.join(' → '));
      assert.ok(at(`inlined Demo>>methB ${v}`) > at('re-optimized at a loop head, while it ran'), story.join(' → '));
      assert.equal(await tp.locator('#tier-story li.is-deoptimized').count(), 1);

      // its optimized code beside its source, inlined scopes and guards marked
      assert.ok(await tp.locator('#tier-code').isHidden());
      const paneWidth = () => tp.evaluate(() => document.getElementById('tier-pane').getBoundingClientRect().width / innerWidth);
      assert.ok((await paneWidth()) < 0.5, 'at 1280 px the Tier pane is in a column of its own');
      await tp.click('#tier-code-toggle');
      assert.equal(await tp.getAttribute('#tier-code-toggle', 'aria-expanded'), 'true');
      assert.ok((await paneWidth()) > 0.9, 'with the code shown, the Tier pane takes the whole width');
      // the source and the code side by side
      const cols = await tp.locator('.tier-code-col').evaluateAll((cs) => cs.map((c) => Math.round(c.getBoundingClientRect().top)));
      assert.equal(cols[0], cols[1]);
      assert.match(await tp.textContent('#tier-source'), /^methA: x\n/);
      const dis = await tp.textContent('#tier-disasm');
      assert.match(dis, /optimized \(deopts 1, inlined [^)]*Demo>>methB v2/);
      assert.ok((await tp.locator('#tier-disasm .dis-scope').count()) >= 1, dis);
      assert.match(await tp.locator('#tier-disasm .dis-scope').first().textContent(), /^inlined scope \d+: /);
      const marked = await tp.evaluate(() => {
        const bg = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
        return { scope: bg('#tier-disasm .dis-scope'), plain: bg('#tier-disasm .dis-line:not(.dis-scope):not(.dis-guard)') };
      });
      assert.notEqual(marked.scope, marked.plain);
      assert.equal(await tp.evaluate(() => getComputedStyle(document.getElementById('tier-disasm')).whiteSpace), 'pre');
      // each line linked to where it came from: pointing at an instruction
      // marks its expression in the source; at an inlined scope, the send
      // in methA:'s source that it stands for
      const mark = () =>
        tp.evaluate(() => {
          const h = CSS.highlights.get('tier-source');
          return h ? [...h][0].toString() : null;
        });
      await tp.mouse.move(1, 1);
      assert.equal(await mark(), null, 'nothing marked while nothing is pointed at');
      await tp.locator('#tier-disasm .dis-line', { hasText: /^\s*\d+\s+Send #methB / }).first().hover();
      assert.equal(await mark(), 'methB');
      const scope = tp.locator('#tier-disasm .dis-scope').first();
      await scope.hover();
      const sent = await mark();
      const header = await scope.textContent();
      assert.ok(sent && header.includes(`>>${sent.split(/\s/)[0]}`), `${header} marks ${sent}`);
      // a guard to its send; a click keeps the mark and says where it is
      const guard = tp.locator('#tier-disasm .dis-guard.dis-linked').first();
      await guard.click();
      const guarded = await mark();
      assert.ok(guarded && guarded.length > 0);
      const said = await tp.textContent('#tier-code-link');
      assert.ok(said.endsWith(`of the source: ${guarded}`), said);
      assert.match(said, /— from line \d+ of the source: /);
      await tp.mouse.move(1, 1);
      assert.equal(await mark(), guarded, 'the clicked mark stays');
      // every instruction of the bytecode has its span, but the implicit
      // ^ self at the end, which has no text
      const unlinked = await tp.evaluate(() => {
        const out = [];
        for (const l of document.querySelectorAll('#tier-disasm .dis-line')) {
          if (l.classList.contains('dis-opt')) break;
          if (/^\s*\d+\s/.test(l.textContent) && !l.classList.contains('dis-linked')) out.push(l.textContent);
        }
        return out;
      });
      assert.ok(unlinked.length === 1 && /^\s*\d+\s+ReturnSelf$/.test(unlinked[0]), JSON.stringify(unlinked));
      await tp.locator('#tier-pane').screenshot({ path: join(ARTIFACTS, 'tier-pane.png') });
      await tp.click('#tier-code-toggle');
      assert.ok(await tp.locator('#tier-code').isHidden());
      assert.ok((await paneWidth()) < 0.5);

      // switching the tier off is logged
      await tp.selectOption('#tier', 'off');
      assert.equal((await shown()).at(-1), 'tier set to off: every method runs interpreted from its next call');
      await tp.selectOption('#tier', 'on');
      assert.match((await shown()).at(-1), /^tier set to on/);
      // the pinned deoptimization is still there
      assert.deepEqual(await tp.locator('#tier-pins .tier-text').allTextContents(), [deopt]);

      // the log is capped, and Clear empties it (keyboard: Tab to it, Enter)
      assert.ok((await tp.locator('#tier-log li').count()) <= 200);
      await tp.focus('#tier');
      await tp.keyboard.press('Tab');
      assert.equal(await tp.evaluate(() => document.activeElement.id), 'tier-clear');
      await tp.keyboard.press('Enter');
      assert.equal(await tp.locator('#tier-log li').count(), 0);
      assert.deepEqual(await log(), []);
      // the table shows state, not history: it stays
      assert.equal(await row('Demo>>methA:').locator('.tier-state').textContent(), 'optimized');
      // rendered as text only
      assert.equal(await tp.locator('#tier-pane td *, #tier-pane tbody th *, #tier-log .tier-text *').count(), 0);
      // in plain words: no internal document or rule number on the page
      const words = await tp.evaluate(() => document.body.innerText);
      assert.ok(!/LIVE\.md|\bR\d\b|\.md\b/.test(words), words.match(/.{0,40}(LIVE\.md|\bR\d\b|\.md\b).{0,40}/)?.[0]);
      await tp.click('#stop');
      assert.equal(await tp.textContent('#run-state'), 'stopped');
    } finally {
      await tierContext.close();
    }
  });

  await test('Share makes a link that restores the workspace without running it; bad and hostile links are safe', async () => {
    const watch = (pg, what) => {
      pg.on('pageerror', (e) => problems.push(`${what} page error: ${e.message}`));
      pg.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${what} console error: ${m.text()}`);
      });
      const dialogs = [];
      pg.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
      return dialogs;
    };
    const ready = (pg) =>
      pg.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
    const shareContext = await newContext({ viewport: { width: 1280, height: 1000 } });
    const sp = await shareContext.newPage();
    watch(sp, 'share');
    const other = await newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      await sp.goto(BASE);
      await ready(sp);
      assert.ok(await sp.locator('#share-out').isHidden());
      await accept(sp, 'Demo>>methB', 'methB\n\t^ 42');
      assert.equal(await browser(sp, 'Demo>>methB').locator('.version').textContent(), 'v2');
      await sp.fill('#expr', 'Demo new methA: 7');
      // keyboard: the Share button is reachable and works with Enter
      await sp.focus('#share');
      await sp.keyboard.press('Enter');
      await sp.locator('#share-out').waitFor({ state: 'visible' });
      const url = await sp.inputValue('#share-link');
      assert.match(url, /#v1\//);
      assert.equal(await sp.getAttribute('#share-link', 'readonly'), '');
      assert.equal(await sp.evaluate(() => location.hash), url.slice(url.indexOf('#')));
      assert.ok(await sp.locator('#share-warning').isHidden(), 'a short link has no warning');
      assert.equal(await sp.evaluate(() => window.livetalk.transcript()), '', 'sharing runs nothing');

      // open it in a fresh context: restored, nothing runs until Run
      const np = await other.newPage();
      const dialogs = watch(np, 'opened link');
      await np.goto(url);
      // first, what it changes: a new class and its methods, nothing of the system's
      await np.locator('#link-dialog[open]').waitFor();
      assert.match(await np.textContent('#link-dialog-summary'), /defines 1 class and 2 methods\. Nothing runs until you press Run \(it would run: Demo new methA: 7\)/);
      assert.deepEqual(await np.locator('.link-classes li').allTextContents(), ['Demo (new, a subclass of Object)']);
      assert.deepEqual(await np.locator('.link-methods li').allTextContents(), ['Demo>>methA:', 'Demo>>methB']);
      assert.equal(await np.locator('.link-kernel').count(), 0);
      assert.equal(await np.evaluate(() => document.activeElement.id), 'link-apply');
      await np.click('#link-apply');
      await ready(np);
      assert.match(await browser(np, 'Demo>>methB').locator('textarea').inputValue(), /\^ 42/);
      assert.match(await browser(np, 'Demo>>methA:').locator('textarea').inputValue(), /whileTrue/);
      assert.equal(await np.inputValue('#expr'), 'Demo new methA: 7');
      assert.equal(await np.inputValue('#tier'), 'on');
      await np.waitForTimeout(300);
      assert.equal(await np.evaluate(() => window.livetalk.transcript()), '', 'nothing runs before Run');
      assert.equal(await np.evaluate(() => window.livetalk.program()), null);
      await np.click('#run');
      await waitForLines(np, '42', 3);
      await np.click('#stop');

      // a garbage link: a visible, announced error and the default demo
      const gp = await other.newPage();
      watch(gp, 'garbage link');
      await gp.goto(`${BASE}#v1/%%%not-a-link!!`);
      await ready(gp);
      await gp.locator('#share-status').waitFor({ state: 'visible' });
      assert.match(await gp.textContent('#share-status'), /could not be opened/);
      await gp.waitForFunction(() => /could not be opened/.test(document.getElementById('announce-alert').textContent));
      assert.match(await browser(gp, 'Demo>>methB').locator('textarea').inputValue(), /\^ 1\s*$/);
      assert.equal(await gp.inputValue('#expr'), 'Demo new methA: 0');
      assert.match(await gp.textContent('#share-status'), /damaged/);
      await gp.click('#run');
      await waitForLines(gp, '1', 3);
      await gp.click('#stop');

      // a link of a format this page does not read is explained, not ignored
      const vp = await other.newPage();
      watch(vp, 'future link');
      await vp.goto(`${BASE}#v2/AAAA`);
      await ready(vp);
      await vp.locator('#share-status').waitFor({ state: 'visible' });
      assert.match(await vp.textContent('#share-status'), /newer Livetalk \(format v2\)/);

      // HTML and script in a method source stay text
      const payload = `methB\n\t"<img src=x onerror=alert(1)><script>alert(2)</script>"\n\t^ '<b id="xss">x</b>'`;
      await accept(sp, 'Demo>>methB', payload);
      assert.equal(await browser(sp, 'Demo>>methB').locator('.version').textContent(), 'v3');
      await sp.click('#share');
      await sp.waitForFunction((old) => document.getElementById('share-link').value !== old, url);
      const evil = await sp.inputValue('#share-link');
      const hp = await other.newPage();
      const hostileDialogs = watch(hp, 'hostile link');
      await hp.goto(evil);
      await applyLink(hp);
      await ready(hp);
      assert.equal(await browser(hp, 'Demo>>methB').locator('textarea').inputValue(), payload);
      await hp.waitForTimeout(300);
      const injected = await hp.evaluate(() => ({
        elements: document.querySelectorAll('img, b, #xss, body script').length,
      }));
      assert.deepEqual(injected, { elements: 0 });
      assert.deepEqual([...dialogs, ...hostileDialogs], []);

      // a link over ~8,000 characters is shared with a visible, announced warning
      let seed = 1;
      const noise = Array.from({ length: 12000 }, () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(seed / 65536) % 36];
      }).join('');
      await accept(sp, 'Demo>>methB', `methB\n\t"${noise}"\n\t^ 42`);
      await sp.click('#share');
      await sp.locator('#share-warning').waitFor({ state: 'visible' });
      assert.ok((await sp.inputValue('#share-link')).length > 8000);
      assert.match(await sp.textContent('#share-warning'), /characters long/);
      await sp.waitForFunction(() => /Warning: This link is/.test(document.getElementById('announce-alert').textContent));
    } finally {
      await shareContext.close();
      await other.close();
    }
  });

  // ----- issue 4: browsers, history, autosave, files, debugger editing, step, live highlight -----
  // One fresh context for the browser, history, autosave and export tests
  // (they share its localStorage, in order); others get their own.
  const featureContext = await newContext({ viewport: { width: 1280, height: 1100 }, acceptDownloads: true });
  const fp = await featureContext.newPage();
  fp.on('pageerror', (e) => problems.push(`feature page error: ${e.message}`));
  fp.on('console', (m) => {
    if (m.type() === 'error') problems.push(`feature page console error: ${m.text()}`);
  });
  const ready = (pg) => pg.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
  const nthBrowser = (pg, i) => pg.locator('section.browser').nth(i);
  const printIt = async (pg, expr) => {
    await pg.locator('#workspace').fill(expr);
    await pg.locator('#workspace').press('Control+p');
    await pg.waitForFunction(() => !/…$/.test(document.getElementById('workspace-result').textContent));
    return pg.textContent('#workspace-result');
  };

  await test('class browser: class and method lists, class side, several browsers, New method, New class', async () => {
    await fp.goto(BASE);
    await ready(fp);
    const b0 = nthBrowser(fp, 0);
    assert.equal(await b0.locator('select.class-list').inputValue(), 'Demo');
    // the user's classes first, the kernel behind its packages
    assert.equal(await b0.locator('select.package-list option').first().textContent(), 'Your classes');
    assert.equal(await b0.locator('select.package-list option:checked').textContent(), 'Your classes');
    assert.deepEqual(await b0.locator('select.class-list option').allTextContents(), ['Demo']);
    await b0.locator('select.package-list').selectOption({ label: 'Kernel-Numbers' });
    const numbers = await b0.locator('select.class-list option').allTextContents();
    assert.ok(numbers.includes('Fraction') && !numbers.includes('Demo'), numbers.join(' '));
    assert.equal(await b0.locator('h2').textContent(), 'Demo>>methA:', 'choosing a package shows what it holds, nothing else');
    await b0.locator('select.class-list').selectOption('Fraction');
    assert.equal(await b0.locator('h2').textContent(), 'Fraction (class definition)');
    await b0.locator('select.package-list').selectOption({ label: 'Your classes' });
    await b0.locator('select.class-list').selectOption('Demo');
    await b0.locator('select.method-list').selectOption('methA:');
    assert.equal(await b0.locator('select.package-list option:checked').textContent(), 'Your classes');
    assert.deepEqual(await b0.locator('select.method-list option').allTextContents(), ['methA:  v1', 'methB  v1']);
    assert.equal(await b0.locator('select.method-list').getAttribute('aria-label'), 'Methods of Demo');
    // choosing a method loads its source
    await b0.locator('select.method-list').selectOption('methB');
    assert.equal(await b0.locator('h2').textContent(), 'Demo>>methB');
    assert.match(await b0.locator('textarea').inputValue(), /\^ 1/);
    await b0.locator('select.method-list').selectOption('methA:');
    assert.equal(await b0.locator('h2').textContent(), 'Demo>>methA:');
    // a third browser, below the others in the code column, on the class definition
    await fp.click('#new-browser');
    assert.equal(await fp.locator('section.browser').count(), 3);
    const b2 = nthBrowser(fp, 2);
    assert.equal(await b2.locator('h2').textContent(), 'Demo (class definition)');
    assert.match(await b2.locator('textarea').inputValue(), /^Object subclass: #Demo/);
    const boxes = await fp.locator('section.browser').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()));
    assert.ok(boxes.every((b) => b.left === boxes[0].left && b.width === boxes[0].width), 'browsers share the code column');
    assert.ok(boxes[0].bottom <= boxes[1].top && boxes[1].bottom <= boxes[2].top, 'each browser below the one before');
    // the class side: no methods yet; New method, accept
    await b2.locator('input[type=checkbox]').check();
    assert.equal(await b2.locator('select.method-list option').count(), 0);
    await b2.locator('button.new-method').click();
    assert.equal(await b2.locator('h2').textContent(), 'Demo class>>(new method)');
    assert.match(await b2.locator('textarea').inputValue(), /messageSelectorAndArgumentNames/);
    await b2.locator('textarea').fill('answer\n\t^ 42');
    await b2.locator('textarea').press('Control+s');
    assert.equal(await b2.locator('h2').textContent(), 'Demo class>>answer');
    assert.equal(await b2.locator('.version').textContent(), 'v1');
    assert.deepEqual(await b2.locator('select.method-list option').allTextContents(), ['answer  v1']);
    assert.equal(await printIt(fp, 'Demo answer'), '42');
    // New class: a compile error first, then the definition; every browser lists it
    await b2.locator('button.new-class').click();
    assert.equal(await b2.locator('h2').textContent(), 'New class');
    assert.match(await b2.locator('textarea').inputValue(), /^Object subclass: #NameOfSubclass\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: 'Demo'$/);
    await b2.locator('textarea').fill("Object subclass: #Counter\n\tinstanceVariableNames: 'n' +\n\tclassVariableNames: ''\n\tpackage: 'Demo'");
    await b2.locator('textarea').press('Control+s');
    assert.match(await b2.locator('.compile-error').textContent(), /^Line 3, column \d+: /);
    assert.equal(await b0.locator('select.class-list option', { hasText: /^Counter$/ }).count(), 0);
    await b2.locator('textarea').fill("Object subclass: #Counter\n\tinstanceVariableNames: 'n'\n\tclassVariableNames: ''\n\tpackage: 'Demo'");
    await b2.locator('textarea').press('Control+s');
    assert.equal(await b2.locator('h2').textContent(), 'Counter (class definition)');
    for (let i = 0; i < 3; i++) assert.equal(await nthBrowser(fp, i).locator('select.class-list option', { hasText: /^Counter$/ }).count(), 1);
    await b2.locator('button.new-method').click();
    await b2.locator('textarea').fill('bump\n\tn := (n ifNil: [0]) + 1.\n\t^ n');
    await b2.locator('textarea').press('Control+s');
    assert.equal(await b2.locator('h2').textContent(), 'Counter>>bump');
    await fp.waitForFunction(() => /Accepted Counter>>bump as version 1/.test(document.getElementById('announce-polite').textContent));
    assert.equal(await printIt(fp, 'Counter new bump; bump'), '2');
    // close it from the keyboard; focus moves to a neighbour, not lost
    await b2.locator('button.close').focus();
    await fp.keyboard.press('Enter');
    assert.equal(await fp.locator('section.browser').count(), 2);
    assert.notEqual(await fp.evaluate(() => document.activeElement.tagName), 'BODY');
  });

  await test('versions: history, diff against the installed version, one-click revert', async () => {
    const b1 = nthBrowser(fp, 1);
    assert.equal(await b1.locator('h2').textContent(), 'Demo>>methB');
    await b1.locator('textarea').fill('methB\n\t^ 2');
    await b1.locator('textarea').press('Control+s');
    await b1.locator('textarea').fill('methB\n\t"<img src=x onerror=window.__xss=3>"\n\t^ 3');
    await b1.locator('textarea').press('Control+s');
    assert.equal(await b1.locator('.version').textContent(), 'v3');
    await b1.locator('button.history-button').click();
    assert.equal(await b1.locator('button.history-button').getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await b1.locator('.history-version').allTextContents(), ['v3 (installed)', 'v2', 'v1']);
    // the newest older version is chosen first
    assert.equal(await b1.locator('.history-version[aria-pressed=true]').textContent(), 'v2');
    await b1.locator('.history-version', { hasText: /^v1$/ }).click();
    assert.deepEqual(await b1.locator('.diff span').allTextContents(), [
      '  methB',
      '- \t^ 1',
      '- ', // the demo's fileIn left a newline at the end
      '+ \t"<img src=x onerror=window.__xss=3>"',
      '+ \t^ 3',
    ]);
    assert.match(await b1.locator('.history-caption').textContent(), /from v1 to the installed v3: 4 lines/);
    assert.equal(await fp.locator('.diff span *, .history img').count(), 0, 'the diff is text');
    await b1.locator('button.revert').click();
    assert.equal(await b1.locator('.version').textContent(), 'v4');
    assert.equal(await b1.locator('textarea').inputValue(), 'methB\n\t^ 1\n');
    assert.ok(await b1.locator('.modified').isHidden());
    assert.equal((await b1.locator('.history-version').allTextContents())[0], 'v4 (installed)');
    assert.equal(await printIt(fp, 'Demo new methB'), '1');
    assert.equal(await fp.evaluate(() => window.__xss), undefined);
    await b1.locator('button.history-button').click();
    assert.ok(await b1.locator('.history').isHidden());
  });

  await test('export downloads a .st fileOut; import files it in; a bad file changes nothing', async () => {
    const [download] = await Promise.all([fp.waitForEvent('download'), fp.click('#export')]);
    assert.equal(download.suggestedFilename(), 'livetalk-workspace.st');
    const path = join(ARTIFACTS, 'workspace.st');
    await download.saveAs(path);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /Object subclass: #Demo/);
    assert.match(text, /Object subclass: #Counter/);
    assert.match(text, /!Demo class methodsFor: 'as yet unclassified'!\nanswer\n\t\^ 42!/);
    assert.match(text, /bump\n\tn := \(n ifNil: \[0\]\) \+ 1\./);
    const ic = await newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const ip = await ic.newPage();
      ip.on('pageerror', (e) => problems.push(`import page error: ${e.message}`));
      await ip.goto(BASE);
      await ready(ip);
      const b0 = nthBrowser(ip, 0);
      assert.equal(await b0.locator('select.class-list option', { hasText: /^Counter$/ }).count(), 0);
      // a bad file: the class definition is fine, a method is not
      const bad = "Object subclass: #Bad\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: 'X'!\n\n!Bad methodsFor: 'x'!\nfoo\n\t^ ^ 1\n! !\n";
      await ip.setInputFiles('#import-file', { name: 'bad.st', mimeType: 'text/plain', buffer: Buffer.from(bad) });
      await ip.locator('#files-status.is-error').waitFor();
      assert.match(await ip.textContent('#files-status'), /^Import of bad\.st failed at line 8, column \d+: .*Nothing was changed\.$/);
      await ip.waitForFunction(() => /Import of bad\.st failed/.test(document.getElementById('announce-alert').textContent));
      assert.equal(await b0.locator('select.class-list option', { hasText: /^Bad$/ }).count(), 0);
      assert.equal(await printIt(ip, 'Smalltalk includesKey: #Bad'), 'false');
      // the exported file
      await ip.setInputFiles('#import-file', path);
      await ip.waitForFunction(() => /^Imported workspace\.st/.test(document.getElementById('files-status').textContent));
      assert.equal(await b0.locator('select.class-list option', { hasText: /^Counter$/ }).count(), 1);
      assert.equal(await printIt(ip, 'Counter new bump; bump; bump'), '3');
      assert.equal(await printIt(ip, 'Demo answer'), '42');
    } finally {
      await ic.close();
    }
  });

  await test('autosave: a reload restores classes, editors (unaccepted text too), expression and tier, and runs nothing', async () => {
    const b0 = nthBrowser(fp, 0);
    const saves = await fp.evaluate(() => window.livetalk.saves());
    await fp.selectOption('#tier', 'off'); // saved at once
    await fp.waitForFunction((n) => window.livetalk.saves() > n, saves, { timeout: 3000 });
    await b0.locator('textarea').fill('methA: x\n\t"a draft, not accepted"\n\t^ x'); // saved soon after
    await fp.fill('#expr', 'Demo new methA: 5');
    await fp.waitForTimeout(500); // the debounce after the last keystroke
    const saved = await fp.evaluate(() => JSON.parse(localStorage.getItem('livetalk.autosave.v1')));
    assert.equal(saved.schema, 1);
    await fp.reload();
    await ready(fp);
    assert.equal(await fp.locator('section.browser').count(), 2);
    assert.equal(await nthBrowser(fp, 0).locator('h2').textContent(), 'Demo>>methA:');
    assert.equal(await nthBrowser(fp, 0).locator('textarea').inputValue(), 'methA: x\n\t"a draft, not accepted"\n\t^ x');
    assert.ok(await nthBrowser(fp, 0).locator('.modified').isVisible());
    // the sources are restored, as new versions of a fresh VM
    assert.equal(await nthBrowser(fp, 1).locator('.version').textContent(), 'v1');
    assert.equal(await nthBrowser(fp, 1).locator('textarea').inputValue(), 'methB\n\t^ 1\n');
    assert.equal(await fp.inputValue('#expr'), 'Demo new methA: 5');
    assert.equal(await fp.inputValue('#tier'), 'off');
    assert.match(await fp.textContent('#autosave-status'), /^Restored the autosaved workspace/);
    assert.ok(await fp.locator('#guide').isHidden(), "no first-minute guide over the user's own work");
    assert.equal(await nthBrowser(fp, 0).locator('select.class-list option', { hasText: /^Counter$/ }).count(), 1);
    await fp.waitForTimeout(300);
    assert.equal(await fp.evaluate(() => window.livetalk.program()), null, 'nothing runs');
    assert.equal(await fp.evaluate(() => window.livetalk.transcript()), '');
    assert.equal(await printIt(fp, 'Counter new bump'), '1');
    assert.equal(await printIt(fp, 'Demo answer'), '42');
    assert.equal(await printIt(fp, 'Demo new methB'), '1');
  });

  await test('autosave: a share link wins; a corrupt or unknown entry shows a notice and the demo', async () => {
    // a link made now, then a later autosave: opening the link shows the link
    const b1 = nthBrowser(fp, 1);
    await b1.locator('textarea').fill('methB\n\t^ 77');
    await b1.locator('textarea').press('Control+s');
    await fp.click('#share');
    const url = await fp.inputValue('#share-link');
    await b1.locator('textarea').fill('methB\n\t^ 88');
    await b1.locator('textarea').press('Control+s');
    await fp.evaluate(() => history.replaceState(null, '', location.pathname));
    await fp.goto(url);
    await fp.reload(); // a same-document hash change does not reload
    await applyLink(fp);
    await ready(fp);
    assert.match(await nthBrowser(fp, 1).locator('textarea').inputValue(), /\^ 77/);
    for (const [value, why] of [
      ['{not json', /not valid JSON/],
      ['{"schema": 99, "link": "#v1/x"}', /unknown schema version 99/],
      ['{"schema": 1, "link": "#v1/AAAA", "browsers": [], "kernelMethods": [], "run": "", "tier": "on", "workspace": ""}', /damaged/],
    ]) {
      await fp.goto(BASE);
      await ready(fp);
      // a save still pending (debounced edits) is flushed when the page goes
      await fp.waitForFunction(() => !window.livetalk.savePending());
      await fp.evaluate((v) => localStorage.setItem('livetalk.autosave.v1', v), value);
      await fp.reload();
      await ready(fp);
      await fp
        .locator('#autosave-status.is-error')
        .waitFor({ timeout: 5000 })
        .catch(async (e) => assert.fail(`${value}: ${e.message.split('\n')[0]}; status: ${await fp.textContent('#autosave-status')}`));
      assert.match(await fp.textContent('#autosave-status'), why);
      await fp.waitForFunction(() => /could not be restored/.test(document.getElementById('announce-alert').textContent));
      assert.match(await browser(fp, 'Demo>>methB').locator('textarea').inputValue(), /\^ 1\s*$/);
      assert.equal(await fp.inputValue('#expr'), 'Demo new methA: 0');
    }
    assert.equal(await fp.evaluate(() => localStorage.getItem('livetalk.autosave.v1.bad')), '{"schema": 1, "link": "#v1/AAAA", "browsers": [], "kernelMethods": [], "run": "", "tier": "on", "workspace": ""}');
  });

  await test('print it inserts the result after the current line or the selection, selected; Delete removes it; an error goes to the debugger', async () => {
    await fp.goto(BASE);
    await ready(fp);
    const ws = fp.locator('#workspace');
    // nothing selected: the current line is printed, the result after it
    await ws.fill('3 + 4\n6 * 7\n"last"');
    await ws.evaluate((t) => t.setSelectionRange(8, 8));
    await ws.press('Control+p');
    await fp.waitForFunction(() => document.getElementById('workspace').value === '3 + 4\n6 * 7 42\n"last"');
    assert.equal(await wsSelection(fp), ' 42');
    assert.equal(await fp.textContent('#workspace-result'), '42');
    await ws.press('Delete');
    assert.equal(await ws.inputValue(), '3 + 4\n6 * 7\n"last"');
    // the last line, the cursor at its end
    await ws.evaluate((t) => t.setSelectionRange(0, 0));
    await ws.press('Control+p');
    await fp.waitForFunction(() => document.getElementById('workspace').value === '3 + 4 7\n6 * 7\n"last"');
    // a selection, with the Print it button: the result after the selection, focus back in the workspace
    await ws.fill('(3 + 4) * 2');
    await ws.evaluate((t) => t.setSelectionRange(1, 6));
    await fp.click('#print-it');
    await fp.waitForFunction(() => document.getElementById('workspace').value === '(3 + 4 7) * 2');
    assert.equal(await wsSelection(fp), ' 7');
    assert.equal(await fp.evaluate(() => document.activeElement.id), 'workspace');
    await fp.keyboard.press('Delete');
    assert.equal(await ws.inputValue(), '(3 + 4) * 2');
    // an error: the debugger opens, nothing is inserted
    await ws.fill('1 / 0');
    await ws.press('Control+p');
    await fp.locator('#debugger').waitFor({ state: 'visible' });
    assert.match(await fp.textContent('#debugger-error'), /ZeroDivide/);
    assert.match(await fp.textContent('#workspace-result'), /ZeroDivide.*see the debugger/);
    assert.equal(await ws.inputValue(), '1 / 0');
    await fp.click('#dbg-terminate');
    await fp.locator('#debugger').waitFor({ state: 'hidden' });
  });

  await test('an undeclared variable in an accepted method: installed, its place marked and said as a warning, cleared by typing', async () => {
    const wc = await newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const wp = await wc.newPage();
      wp.on('pageerror', (e) => problems.push(`warning page error: ${e.message}`));
      await wp.goto(BASE);
      await ready(wp);
      const b = browser(wp, 'Demo>>methB');
      await accept(wp, 'Demo>>methB', 'methB\n\t^ Missing');
      const msg = b.locator('.compile-error');
      await msg.waitFor({ state: 'visible' });
      assert.equal(
        await msg.textContent(),
        'Line 2, column 4: undeclared variable Missing — accepted; it reads as nil until it is defined.',
      );
      assert.ok(await msg.evaluate((e) => e.classList.contains('is-warning')));
      // said to screen readers after the accept
      await wp.waitForFunction(() =>
        /Warning in Demo>>methB: Line 2, column 4: undeclared variable Missing/.test(document.getElementById('announce-polite').textContent),
      );
      // installed all the same (as Squeak does with Undeclared)
      assert.equal(await b.locator('.version').textContent(), 'v2');
      assert.equal(await printIt(wp, 'Demo new methB'), 'nil');
      // the mark on line 2, its column past the indent
      assert.ok(await b.locator('.err-line').isVisible());
      const top = await b.locator('.err-line').evaluate((e) => e.offsetTop);
      assert.ok(Math.abs(top - 28) <= 2, `marker at ${top}px`);
      assert.ok(await b.locator('.err-col').isVisible());
      // not an error: the text is valid
      assert.equal(await b.locator('textarea').getAttribute('aria-invalid'), null);
      // typing clears it
      await b.locator('textarea').press('End');
      await b.locator('textarea').type(' ');
      assert.ok(await b.locator('.err-line').isHidden());
      assert.ok(await msg.isHidden());
    } finally {
      await wc.close();
    }
  });

  await test('text beyond Latin-1: coloured, typed and printed in the workspace, in the Transcript and the Canvas, kept by autosave', async () => {
    const uc = await newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const up = await uc.newPage();
      up.on('pageerror', (e) => problems.push(`unicode page error: ${e.message}`));
      await up.goto(BASE);
      await ready(up);
      const ws = up.locator('#workspace');
      // coloured as the compiler reads it: names in any script, a character beyond the BMP
      await ws.fill('Ωmega new 日本 λ: $😀. #λ:μ:');
      const hl = up.locator('.workspace pre.hl');
      assert.equal(await hl.textContent(), 'Ωmega new 日本 λ: $😀. #λ:μ:\n');
      assert.deepEqual(await hl.locator('.t-class').allTextContents(), ['Ωmega']);
      assert.deepEqual(await hl.locator('.t-unary').allTextContents(), ['new', '日本']);
      assert.deepEqual(await hl.locator('.t-keyword').allTextContents(), ['λ:']);
      assert.deepEqual(await hl.locator('.t-char').allTextContents(), ['$😀']);
      assert.deepEqual(await hl.locator('.t-symbol').allTextContents(), ['#λ:μ:']);
      // typed key by key, then printed: the result after the line, selected
      await ws.fill('');
      await ws.focus();
      await up.keyboard.type("'日本' , '語 😀'");
      await ws.press('Control+p');
      await up.waitForFunction(() => document.getElementById('workspace').value === "'日本' , '語 😀' '日本語 😀'");
      assert.equal(await up.textContent('#workspace-result'), "'日本語 😀'");
      assert.equal(await wsSelection(up), " '日本語 😀'");
      // a do-it: its Transcript output, Canvas text, and a class and a method beyond Latin-1
      await ws.fill("Transcript show: 'Ελληνικά'. Canvas text: 'Ωmega 日本' x: 10 y: 20. Object subclass: #Ωmega. Ωmega compile: '日本 ^ ''日本語 😀'''");
      await ws.evaluate((t) => t.setSelectionRange(0, t.value.length));
      await ws.press('Control+d');
      await up.waitForFunction(() => window.livetalk.workspaceOutput() === 'Ελληνικά');
      assert.equal(await up.textContent('#ws-output'), 'Ελληνικά');
      await up.waitForFunction(() => window.livetalk.canvas().last.some((c) => c.op === 'text' && c.text === 'Ωmega 日本'));
      assert.equal(await printIt(up, 'Ωmega new 日本'), "'日本語 😀'");
      // autosaved, restored by a reload
      const saves = await up.evaluate(() => window.livetalk.saves());
      await ws.fill("Ωmega new 日本 , '!'");
      await up.waitForFunction((n) => window.livetalk.saves() > n, saves, { timeout: 5000 });
      await up.reload();
      await ready(up);
      assert.match(await up.textContent('#autosave-status'), /^Restored the autosaved workspace/);
      assert.equal(await ws.inputValue(), "Ωmega new 日本 , '!'");
      await ws.press('Control+p');
      await up.waitForFunction(() => !/…$/.test(document.getElementById('workspace-result').textContent));
      assert.equal(await up.textContent('#workspace-result'), "'日本語 😀!'");
    } finally {
      await uc.close();
    }
  });

  await test('share links: a preview with kernel changes diffed; Cancel changes nothing; Apply applies; links that would break the system are refused', async () => {
    const lc = await newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const watchPage = (pg, what) => {
        pg.on('pageerror', (e) => problems.push(`${what} page error: ${e.message}`));
        pg.on('console', (m) => {
          if (m.type() === 'error') problems.push(`${what} console error: ${m.text()}`);
        });
        return pg;
      };
      const link = makeLink([
        ['s', 'tier', 'on'],
        ['r', 'Greeter new greet'],
        ['c', 'Greeter', 'Object', 'Demo', '', '', ''],
        ['m', 'Greeter', 'i', 'greeting', "greet\n\t^ 'hi'"],
        ['m', 'Integer', 'i', 'testing', 'even\n\t^ 42'],
        ['m', 'Object', 'i', 'extras', 'linkTest\n\t^ #fromLink'],
      ]);
      const lp = watchPage(await lc.newPage(), 'kernel link');
      await lp.goto(`${BASE}${link}`);
      await lp.locator('#link-dialog[open]').waitFor({ timeout: 15000 });
      assert.match(await lp.textContent('#link-dialog-summary'), /defines 1 class and 3 methods, 2 of them in the system's own classes/);
      assert.equal(await lp.textContent('#link-kernel-title'), "Changes to the system's own classes (2)");
      assert.deepEqual(await lp.locator('.link-kernel .link-method').allTextContents(), ['Integer>>even (changed)', 'Object>>linkTest (new method)']);
      const diff = await lp.locator('.link-kernel pre.diff').first().locator('span').allTextContents();
      assert.ok(diff.includes('- \t^ (self bitAnd: 1) = 0'), diff.join('|'));
      assert.ok(diff.includes('+ \t^ 42'), diff.join('|'));
      assert.deepEqual(await lp.locator('.link-classes li').allTextContents(), ['Greeter (new, a subclass of Object)']);
      // with changes to the system, Cancel has the focus: Enter does not apply them
      assert.equal(await lp.evaluate(() => document.activeElement.id), 'link-cancel');
      await lp.keyboard.press('Enter');
      await ready(lp);
      assert.match(await lp.textContent('#share-status'), /not applied/);
      assert.equal(await lp.evaluate(() => location.hash), '');
      assert.equal(await printIt(lp, '4 even'), 'true');
      assert.equal(await printIt(lp, 'Smalltalk includesKey: #Greeter'), 'false');
      assert.match(await browser(lp, 'Demo>>methB').locator('textarea').inputValue(), /\^ 1\s*$/);

      // again, and Apply
      const ap = watchPage(await lc.newPage(), 'kernel link applied');
      await ap.goto(`${BASE}${link}`);
      await applyLink(ap);
      await ready(ap);
      assert.equal(await printIt(ap, '4 even'), '42');
      assert.equal(await printIt(ap, 'Greeter new greet'), "'hi'");
      assert.equal(await ap.inputValue('#expr'), 'Greeter new greet');

      // a link without classes still opens browsers: on the kernel methods it
      // changes, or, with none, on a new class
      const kp = watchPage(await lc.newPage(), 'kernel-only link');
      await kp.goto(`${BASE}${makeLink([['r', '4 even'], ['m', 'Integer', 'i', 'testing', 'even\n\t^ 42']])}`);
      await applyLink(kp);
      await ready(kp);
      assert.deepEqual(await kp.locator('section.browser h2').allTextContents(), ['Integer>>even']);
      assert.match(await kp.locator('section.browser textarea').inputValue(), /\^ 42/);
      const ep = watchPage(await lc.newPage(), 'empty link');
      await ep.goto(`${BASE}${makeLink([['r', '3 + 4']])}`);
      await applyLink(ep);
      await ready(ep);
      assert.deepEqual(await ep.locator('section.browser h2').allTextContents(), ['New class']);
      await kp.close();
      await ep.close();

      // links that would break the system: refused in plain words, no dialog, the demo
      for (const [records, why] of [
        [[['c', 'Object', 'nil', 'Kernel', '', '', '']], /redefine Object, one of the system's own classes \(changing its superclass from ProtoObject to nil\)/],
        [[['c', 'SmallInteger', 'Object', 'Kernel', 'x', '', '']], /redefine SmallInteger/],
        [[['c', 'Transcript', 'Object', 'Kernel', '', '', '']], /replace the system's Transcript object/],
      ]) {
        const rp = watchPage(await lc.newPage(), 'refused link');
        await rp.goto(`${BASE}${makeLink(records)}`);
        await ready(rp);
        assert.ok(await rp.locator('#link-dialog').evaluate((d) => !d.open));
        assert.match(await rp.textContent('#share-status'), /^The share link was refused: /);
        assert.match(await rp.textContent('#share-status'), why);
        assert.equal(await printIt(rp, '3 + 4'), '7');
        assert.match(await browser(rp, 'Demo>>methB').locator('textarea').inputValue(), /\^ 1\s*$/);
        await rp.close();
      }
    } finally {
      await lc.close();
    }
  });

  await test('edit a method in the debugger, accept, restart the frame: fixed output (R3, R8)', async () => {
    const dc = await newContext({ viewport: { width: 1280, height: 1100 } });
    try {
      const dp = await dc.newPage();
      dp.on('pageerror', (e) => problems.push(`debugger page error: ${e.message}`));
      await dp.goto(BASE);
      await ready(dp);
      await dp.click('#run');
      await waitForLines(dp, '1', 3);
      await accept(dp, 'Demo>>methB', 'methB\n\t^ 1 / 0');
      await dp.locator('#debugger').waitFor({ state: 'visible' });
      await dp.locator('#frames button', { hasText: 'Demo>>methB v2' }).click();
      const edit = dp.locator('#frame-edit');
      assert.equal(await edit.inputValue(), 'methB\n\t^ 1 / 0');
      // a compile error installs nothing
      await edit.fill('methB\n\t^ 7 +');
      await edit.press('Control+s');
      assert.match(await dp.textContent('#frame-edit-status'), /^Line 2, column \d+: .*nothing was installed/);
      assert.equal(await edit.getAttribute('aria-invalid'), 'true');
      assert.equal(await browser(dp, 'Demo>>methB').locator('.version').textContent(), 'v2');
      await edit.fill('methB\n\t^ 7');
      await edit.press('Control+s');
      assert.match(await dp.textContent('#frame-edit-status'), /^Accepted Demo>>methB as v3\. This frame still runs v2/);
      // the browser shows the new version; the frame list still the old one
      assert.equal(await browser(dp, 'Demo>>methB').locator('.version').textContent(), 'v3');
      assert.equal(await browser(dp, 'Demo>>methB').locator('textarea').inputValue(), 'methB\n\t^ 7');
      assert.ok(await dp.locator('#frames button', { hasText: 'Demo>>methB v2' }).isVisible());
      await dp.click('#dbg-restart');
      assert.ok(await dp.locator('#debugger').isHidden());
      await waitForLines(dp, '7', 5);
      await waitForPixel(dp, 290, 130, true); // 7 * 40 px long from x = 20
      await dp.click('#stop');
    } finally {
      await dc.close();
    }
  });

  await test('Step and Step into a paused program; the running statement is highlighted live', async () => {
    const sc = await newContext({ viewport: { width: 1280, height: 1100 } });
    try {
      const st = await sc.newPage();
      st.on('pageerror', (e) => problems.push(`step page error: ${e.message}`));
      await st.goto(BASE);
      await ready(st);
      assert.ok(await st.isDisabled('#step'));
      await st.click('#run');
      await waitForLines(st, '1', 3);
      // live: the browser on methA: marks the statement running now
      const a = browser(st, 'Demo>>methA:');
      await a.locator('.live').waitFor({ state: 'visible', timeout: 3000 });
      assert.match(await a.locator('.live').textContent(), /^running lines? \d/);
      assert.equal(await a.getAttribute('data-live'), 'running');
      assert.ok(await a.locator('.live-line').isVisible());
      assert.equal(await a.locator('.live *').count(), 0);
      await st.click('#pause');
      assert.ok(await st.isEnabled('#step'));
      // step (over) until the program stands in methA: itself
      for (let i = 0; i < 40 && !/^paused at Demo>>methA:/.test(await st.textContent('#run-state')); i++) await st.click('#step');
      assert.match(await st.textContent('#run-state'), /^paused at Demo>>methA:/);
      // step to `b := self methB`, then into methB
      for (let i = 0; i < 10 && !/line 5$/.test(await a.locator('.live').textContent()); i++) await st.click('#step');
      assert.equal(await a.locator('.live').textContent(), 'paused at line 5');
      assert.equal(await a.getAttribute('data-live'), 'paused');
      await st.click('#step-into');
      assert.match(await st.textContent('#run-state'), /^paused at Demo>>methB/);
      const b = browser(st, 'Demo>>methB');
      assert.equal(await b.locator('.live').textContent(), 'paused at line 2');
      // over the Transcript line: exactly one more line of output
      await st.click('#step'); // back in methA:, after the send
      await st.click('#step');
      assert.match(await a.locator('.live').textContent(), /^paused at line 6/);
      await st.click('#transcript-clear');
      await st.click('#step');
      await st.waitForTimeout(100);
      assert.equal(await st.evaluate(() => window.livetalk.transcript()), '1\n', 'exactly one line printed');
      await st.waitForFunction(() => /^Stepped to Demo>>methA:/.test(document.getElementById('announce-polite').textContent));
      await st.click('#resume');
      await waitForLines(st, '1', 5);
      await st.click('#stop');
      await a.locator('.live').waitFor({ state: 'hidden' });
    } finally {
      await sc.close();
    }
  });

  await test('a trap in the VM: the page says so, starts a fresh VM with the saved methods and the typed text, and runs again', async () => {
    const cc = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const cp = await cc.newPage();
      // the panic's own message (console_error_panic_hook) is the one error expected
      const seen = [];
      cp.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
      cp.on('console', (m) => {
        if (m.type() === 'error') seen.push(`console error: ${m.text()}`);
      });
      const ready = (pg) => pg.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 15000 });
      await cp.goto(BASE);
      await ready(cp);
      await accept(cp, 'Demo>>methB', 'methB\n\t^ 3');
      await cp.waitForFunction(() => window.livetalk.saves() > 0);
      await cp.locator('#workspace').fill('Demo new methB + 1');
      await cp.click('#run');
      await waitForLines(cp, '3', 3);
      // typed after the last save: read from the page when the VM traps
      await cp.locator('#workspace').fill('"typed just before" 6 * 7');
      const reloaded = cp.waitForEvent('load', { timeout: 15000 });
      await cp.evaluate(() => window.livetalk.crashNextSlice());
      await reloaded;
      await ready(cp);
      const status = await cp.textContent('#autosave-status');
      assert.match(status, /^The VM stopped with an internal error \(.*unreachable.*\) and was started again: your classes and methods were restored from the autosave/, status);
      assert.ok(await cp.locator('#autosave-status.is-error').isVisible());
      assert.equal(await cp.inputValue('#workspace'), '"typed just before" 6 * 7');
      assert.match(await browser(cp, 'Demo>>methB').locator('textarea').inputValue(), /\^ 3\s*$/);
      assert.equal(await cp.evaluate(() => window.livetalk.program()), null, 'nothing runs');
      // a fresh instance: the VM works, with the method the user accepted
      await cp.click('#run');
      await waitForLines(cp, '3', 3);
      await cp.click('#stop');
      await cp.locator('#workspace').fill('Demo new methB + 4');
      await cp.locator('#workspace').press('Control+p');
      await cp.waitForFunction(() => document.getElementById('workspace').value === 'Demo new methB + 4 7');
      const unexpected = seen.filter((t) => !/panicked at .*crashNextSlice/s.test(t));
      assert.deepEqual(unexpected, []);
      assert.equal(seen.length, 1, seen.join('\n'));
    } finally {
      await cc.close();
    }
  });

  await test('the first screen at 1280 x 720: a one-line header, Run primary, both seed methods whole, Transcript and Canvas, tier summary, the debugger in view; light and dark themes', async () => {
    for (const scheme of ['light', 'dark']) {
      const lc = await newContext({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
      try {
        const lp = await lc.newPage();
        lp.on('pageerror', (e) => problems.push(`layout page error: ${e.message}`));
        lp.on('console', (m) => {
          if (m.type() === 'error') problems.push(`layout page console error: ${m.text()}`);
        });
        await lp.goto(BASE);
        await ready(lp);
        const look = await lp.evaluate(() => {
          const box = (x) => x.getBoundingClientRect();
          const header = document.querySelector('header.top');
          const parts = [...header.children].filter((c) => getComputedStyle(c).position !== 'absolute');
          const inView = (sel) => {
            const r = box(document.querySelector(sel));
            return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
          };
          const bg = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
          const buttonsTops = [...header.querySelectorAll('button')].filter((b) => b.offsetParent).map((b) => Math.round(box(b).top));
          return {
            headerHeight: box(header).height,
            // on one line: every part starts above the end of every other
            oneLine: Math.max(...parts.map((p) => box(p).top)) < Math.min(...parts.map((p) => box(p).bottom)),
            buttonTops: [...new Set(buttonsTops)],
            buttonHeights: [...header.querySelectorAll('button')].filter((b) => b.offsetParent).map((b) => Math.round(box(b).height)),
            run: inView('#run'),
            // each seed method whole: its editor in view and nothing to scroll inside it
            editors: [...document.querySelectorAll('section.browser')].slice(0, 2).map((b) => {
              const t = b.querySelector('textarea');
              const r = box(t);
              return {
                title: b.querySelector('h2').textContent,
                inView: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
                scroll: [t.scrollWidth, t.scrollHeight],
                client: [t.clientWidth, t.clientHeight],
              };
            }),
            transcript: inView('#transcript'),
            canvas: inView('#canvas'),
            tierTable: inView('.tier-methods caption') && inView('.tier-methods thead'),
            guide: inView('#guide'),
            runBg: bg('#run'),
            pauseBg: bg('#pause'),
            pageBg: getComputedStyle(document.body).backgroundColor,
            ink: getComputedStyle(document.body).color,
            width: document.documentElement.scrollWidth,
          };
        });
        const ctx = `${scheme}: ${JSON.stringify(look)}`;
        assert.ok(look.oneLine, `the header is one line (${ctx})`);
        assert.equal(look.buttonTops.length, 1, `the header's buttons are on one line (${ctx})`);
        assert.ok(look.buttonHeights.every((h) => h < 40), `no button wraps its label (${ctx})`);
        assert.ok(look.headerHeight < 56, ctx);
        assert.ok(look.width <= 1280, `no sideways scrolling (${ctx})`);
        assert.ok(look.run, ctx);
        assert.deepEqual(look.editors.map((e) => e.title), ['Demo>>methA:', 'Demo>>methB']);
        for (const e of look.editors) {
          assert.ok(e.inView, `${e.title} in view (${ctx})`);
          assert.ok(e.scroll[0] <= e.client[0] && e.scroll[1] <= e.client[1], `${e.title} whole, without scrolling in its editor (${ctx})`);
        }
        assert.ok(look.transcript || look.canvas, `the Transcript or the Canvas in view (${ctx})`);
        assert.ok(look.tierTable, `the tier summary in view (${ctx})`);
        assert.ok(look.guide, `what to do first in view (${ctx})`);
        // Run is the primary action: filled, unlike the others
        assert.notEqual(look.runBg, look.pauseBg, ctx);
        const lum = (c) => {
          const [r, g, b] = c.match(/\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        };
        if (scheme === 'dark') {
          assert.ok(lum(look.pageBg) < 0.2 && lum(look.ink) > 0.7, `dark theme (${ctx})`);
        } else {
          assert.ok(lum(look.pageBg) > 0.85 && lum(look.ink) < 0.3, `light theme (${ctx})`);
        }
        // the Run button's label is readable on its fill
        const runInk = await lp.evaluate(() => getComputedStyle(document.getElementById('run')).color);
        assert.ok(Math.abs(lum(runInk) - lum(look.runBg)) > 0.45, `Run's label on its fill: ${runInk} on ${look.runBg}`);
        await lp.click('#run');
        await waitForLines(lp, '1', 3);
        // the guide's next step keeps both methods in view
        const methB = await lp.evaluate(() => document.querySelectorAll('section.browser textarea')[1].getBoundingClientRect().bottom);
        assert.ok(methB <= 720, `methB's editor in view while it runs (bottom ${methB})`);
        await lp.screenshot({ path: join(ARTIFACTS, `first-screen-${scheme}.png`) });
        // an error: the debugger is whole in view and focused on the page's
        // own frame in the task that shows it (before the next frame)
        await lp.evaluate(() => {
          const d = document.getElementById('debugger');
          const mo = new MutationObserver(() => {
            if (d.hidden) return;
            const r = d.getBoundingClientRect();
            window.__dbgShown = { top: r.top, bottom: r.bottom, focus: d.contains(document.activeElement) && document.activeElement.textContent };
            mo.disconnect();
          });
          mo.observe(d, { attributes: true, attributeFilter: ['hidden'] });
        });
        await accept(lp, 'Demo>>methB', 'methB\n\t^ 1 / 0');
        await lp.locator('#debugger').waitFor({ state: 'visible' });
        const dbg = await lp.evaluate(() => window.__dbgShown);
        assert.ok(dbg && dbg.top >= 0 && dbg.bottom <= 721, `the debugger whole in view at 1280 x 720 (${JSON.stringify(dbg)})`);
        assert.equal(dbg.focus, 'Demo>>methB v2');
        assert.ok(await lp.locator('#guide').isHidden(), 'the debugger took over from the guide');
        await lp.screenshot({ path: join(ARTIFACTS, `debugger-${scheme}.png`) });
        await lp.click('#stop');
      } finally {
        await lc.close();
      }
    }
  });

  await featureContext.close();

  await test('the editors grow with their text where the window has room: methA: whole at 1440 x 900, its running line in view', async () => {
    const gc = await newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const gp = await gc.newPage();
      gp.on('pageerror', (e) => problems.push(`grow page error: ${e.message}`));
      gp.on('console', (m) => {
        if (m.type() === 'error') problems.push(`grow page console error: ${m.text()}`);
      });
      await gp.goto(BASE);
      await ready(gp);
      // the guide closes for good
      assert.ok(await gp.locator('#guide').isVisible());
      await gp.click('#guide .guide-close');
      assert.ok(await gp.locator('#guide').isHidden());
      const sizes = () =>
        gp.evaluate(() =>
          [...document.querySelectorAll('section.browser textarea')].map((t) => ({
            lines: t.value.split('\n').length,
            scroll: t.scrollHeight,
            client: t.clientHeight,
          })),
        );
      const [a, b] = await sizes();
      assert.ok(a.lines > 8, `methA: has ${a.lines} lines`);
      assert.ok(a.scroll <= a.client + 1, `methA: whole (${a.scroll} px of text in ${a.client} px)`);
      assert.ok(b.client >= 4 * 20, 'methB keeps at least 4 lines');
      // typing lines grows it too
      await accept(gp, 'Demo>>methB', 'methB\n' + '\t"a line"\n'.repeat(12) + '\t^ 1');
      const [, b2] = await sizes();
      assert.ok(b2.client > b.client && b2.scroll <= b2.client + 1, JSON.stringify({ b, b2 }));
      // running: the live band lies inside methA:'s editor
      await gp.click('#run');
      await waitForLines(gp, '1', 3);
      // (the band is placed at the page's next frame)
      const inside = await gp
        .waitForFunction(
          () => {
            const sec = [...document.querySelectorAll('section.browser')].find((s) => s.querySelector('h2').textContent === 'Demo>>methA:');
            const band = sec.querySelector('.live-line');
            const box = sec.querySelector('textarea').getBoundingClientRect();
            const r = band.getBoundingClientRect();
            return r.height > 0 && r.top >= box.top && r.bottom <= box.bottom;
          },
          null,
          { timeout: 5000 },
        )
        .then(() => true, () => false);
      assert.ok(inside, 'the running line is in view without scrolling');
      assert.ok(await gp.locator('#guide').isHidden(), 'a closed guide stays closed');
      await gp.click('#stop');
    } finally {
      await gc.close();
    }
  });

  await test("the README's pictures: the seed demo stopped on an error after a redefinition, with the tier's story", async () => {
    // docs/playground.png (scripts/screenshot.sh copies it there from tests/artifacts)
    const pc = await newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    try {
      const pp = await pc.newPage();
      pp.on('pageerror', (e) => problems.push(`pictures page error: ${e.message}`));
      pp.on('console', (m) => {
        if (m.type() === 'error') problems.push(`pictures page console error: ${m.text()}`);
      });
      await pp.goto(BASE);
      await ready(pp);
      await pp.click('#run');
      await waitForLines(pp, '1', 3);
      await accept(pp, 'Demo>>methB', 'methB\n\t^ 7');
      await waitForLines(pp, '7', 5);
      // re-optimized with the new methB inlined
      await pp.waitForFunction(() => window.livetalk.tierLog().some((t) => /inlined Demo>>methB v2/.test(t)), null, { timeout: 10000 });
      await accept(pp, 'Demo>>methB', 'methB\n\t"oops"\n\t^ 7 / 0');
      await pp.locator('#debugger').waitFor({ state: 'visible' });
      await pp.waitForFunction(() => document.activeElement && document.activeElement.closest('#debugger'));
      // methA:'s story in the Tier pane (its optimized code is tier-pane.png)
      await pp.locator('#tier-story li.is-deoptimized').first().waitFor({ state: 'visible' });
      await pp.waitForTimeout(300);
      await pp.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
      await pp.click('#stop');
    } finally {
      await pc.close();
    }
  });

  await test('no page errors', async () => {
    assert.deepEqual(problems, []);
  });

  await chromiumBrowser.close();
  console.log(`\nmeasured: ${JSON.stringify(measured)}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
