// The Are-We-Fast-Yet suite in headless Chromium: Livetalk's wasm build,
// tier off and on, beside the native figures of `bash scripts/bench.sh
// --awfy` (target/bench/awfy.json: Livetalk's CLI, CPython and Node).
//
// Each benchmark runs as the native run runs it (scripts/awfy.py --plan
// gives the sizes, the files and the do-it): in a fresh page and a fresh
// `LiveVm`, the suite's files are filed in with `fileIn` in the order the
// CLI's `--load` takes them, then the do-it runs as the program process
// in one `vm.run` call at a time (no time slices), timing 1 + runs
// iterations of `innerBenchmarkLoop:` inside the VM (the VM clock is
// `performance.now()`) and printing them to the Transcript. The first
// iteration warms up (and, tier on, optimizes) and is dropped; the figure
// is the median of the others, as natively.
//
//   node bench-awfy-page.mjs PLAN.json NATIVE.json OUT.json
//   (scripts/bench.sh --awfy PATH --page makes the plan, builds, serves
//   and runs this; BASE_URL is the served www/)

import { chromium } from 'playwright-core';
import { LAUNCH } from './chromium.mjs';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8000/';
const [planPath, nativePath, outPath] = process.argv.slice(2);
if (!planPath || !outPath) {
  console.error('usage: node bench-awfy-page.mjs PLAN.json NATIVE.json OUT.json');
  process.exit(64);
}
const plan = JSON.parse(readFileSync(planPath, 'utf8'));
const TIERS = (process.env.AWFY_PAGE_TIERS || 'off,on').split(',');
const RUNTIME = /^\S+: iterations=1 runtime: (\d+)us$/gm;

// Runs in the page: one benchmark with one tier, in a fresh VM.
async function runOne({ bench, files, tier, moduleUrl }) {
  const m = await import(moduleUrl);
  await m.default();
  const vm = new m.LiveVm();
  try {
    vm.setTier(tier);
    for (const f of files) {
      const r = vm.fileIn(f.name, f.text);
      if (r && r.ok === false) return { error: `fileIn ${f.name}: ${JSON.stringify(r.error || r)}` };
    }
    const pid = vm.start(bench.expr).pid;
    let output = '';
    const t0 = performance.now();
    for (;;) {
      const rep = vm.run(1e15);
      output += rep.output;
      for (const ev of rep.events) {
        if (ev.pid !== pid) continue;
        const ms = performance.now() - t0;
        if (ev.kind === 'finished') return { output, ms, collections: rep.collections };
        return { error: `${ev.kind}: ${ev.errorClass || ''} ${ev.message || ''}`.trim(), output };
      }
      if (rep.status === 'idle') return { error: 'the program stopped without finishing', output };
    }
  } finally {
    vm.free();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const geomean = (xs) => {
  const v = xs.filter((x) => x);
  return v.length ? Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length) : null;
};
const div = (a, b) => (a && b ? a / b : null);

// the native figures, where the native run had the same benchmark at the same size
const native = {};
if (nativePath && existsSync(nativePath)) {
  const doc = JSON.parse(readFileSync(nativePath, 'utf8'));
  for (const r of doc.results) {
    const ms = (vm) => (r.vms[vm] && !r.vms[vm].error ? r.vms[vm].median_ms : null);
    native[`${r.name}/${r.size}`] = {
      off: ms('off'),
      on: ms('on'),
      cpython: ms('cpython'),
      node: ms('node'),
    };
  }
  native.date = doc.date;
}

const browser = await chromium.launch(LAUNCH);
const version = browser.version();
const moduleUrl = new URL('pkg/livetalk.js', BASE).href;
const consoleErrors = [];
const results = [];
const started = Date.now();
console.log(
  `Chromium ${version}: ${plan.benchmarks.length} benchmarks, tier ${TIERS.join(' and ')}, ` +
    `${plan.runs + 1} iterations each (the first dropped)`,
);
for (const bench of plan.benchmarks) {
  const files = bench.files.map((p) => ({ name: basename(p), text: readFileSync(p, 'utf8') }));
  const r = { name: bench.name, group: bench.group, size: bench.size, wasm: {} };
  for (const tier of TIERS) {
    // a fresh page per run: the wasm memory of one never grows the next's
    const page = await browser.newPage();
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('console', (msg) => {
      // the browser asks for /favicon.ico beside the module it shows
      if (msg.type() === 'error' && !/favicon\.ico$/.test(msg.location().url || '')) {
        consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      }
    });
    await page.goto(moduleUrl);
    let got;
    try {
      got = await page.evaluate(runOne, { bench, files, tier, moduleUrl });
    } catch (e) {
      got = { error: String(e).split('\n')[0] };
    }
    await page.close();
    const times = [...(got.output || '').matchAll(RUNTIME)].map((m) => Number(m[1]) / 1000);
    let error = got.error || null;
    if (!error && times.length < plan.runs + 1) error = `${times.length} timings printed`;
    r.wasm[tier] = {
      median_ms: error ? null : median(times.slice(1)),
      runs_ms: times.slice(1),
      warmup_ms: times[0] ?? null,
      total_ms: got.ms ?? null,
      error,
    };
  }
  r.native = native[`${bench.name}/${bench.size}`] || null;
  const w = (t) => r.wasm[t] && r.wasm[t].median_ms;
  r.ratios = {
    cpython_over_wasm_on: div(r.native && r.native.cpython, w('on')),
    cpython_over_wasm_off: div(r.native && r.native.cpython, w('off')),
    wasm_off_over_on: div(w('off'), w('on')),
    wasm_on_over_native_on: div(w('on'), r.native && r.native.on),
  };
  results.push(r);
  const cell = (t) => (r.wasm[t] ? (r.wasm[t].error ? 'FAILED' : fmtMs(r.wasm[t].median_ms)) : '-');
  console.log(
    `  ${bench.name.padEnd(12)} ${String(bench.size).padStart(7)}  ` +
      TIERS.map((t) => `wasm ${t} ${cell(t)}`).join('  ') +
      `  (${Math.round((Date.now() - started) / 1000)} s)`,
  );
}
await browser.close();

function fmtMs(v) {
  if (v === null || v === undefined) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}
function fmtX(v) {
  return v === null || v === undefined ? '-' : v < 10 ? `${v.toFixed(2)}x` : `${v.toFixed(1)}x`;
}

const keys = ['cpython_over_wasm_on', 'cpython_over_wasm_off', 'wasm_off_over_on', 'wasm_on_over_native_on'];
const geo = {};
for (const g of ['awfy', 'team']) {
  geo[g] = {};
  for (const k of keys) geo[g][k] = geomean(results.filter((r) => r.group === g).map((r) => r.ratios[k]));
  // the native run's own geometric mean over the same benchmarks, for comparison
  geo[g].cpython_over_native_on = geomean(
    results.filter((r) => r.group === g).map((r) => div(r.native && r.native.cpython, r.native && r.native.on)),
  );
}

const rows = [
  '| benchmark | size | wasm off ms | wasm on ms | native off ms | native on ms | CPython ms ' +
    '| CPython / wasm on | CPython / native on | wasm on / native on | wasm off / on |',
  '|' + '---|'.repeat(11),
];
for (const [g, title] of [['awfy', 'AWFY'], ['team', 'team']]) {
  const rs = results.filter((r) => r.group === g);
  if (!rs.length) continue;
  for (const r of rs) {
    const n = r.native || {};
    const wcell = (t) => (!r.wasm[t] ? 'n/a' : r.wasm[t].error ? 'FAILED' : fmtMs(r.wasm[t].median_ms));
    rows.push(
      '| ' +
        [
          r.name,
          r.size,
          wcell('off'),
          wcell('on'),
          fmtMs(n.off),
          fmtMs(n.on),
          fmtMs(n.cpython),
          fmtX(r.ratios.cpython_over_wasm_on),
          fmtX(div(n.cpython, n.on)),
          fmtX(r.ratios.wasm_on_over_native_on),
          fmtX(r.ratios.wasm_off_over_on),
        ].join(' | ') +
        ' |',
    );
  }
  const G = geo[g];
  rows.push(
    `| **geomean ${title}** | | | | | | | **${fmtX(G.cpython_over_wasm_on)}** | ` +
      `**${fmtX(G.cpython_over_native_on)}** | **${fmtX(G.wasm_on_over_native_on)}** | ` +
      `**${fmtX(G.wasm_off_over_on)}** |`,
  );
}
const md = rows.join('\n');
const failures = results.flatMap((r) =>
  Object.entries(r.wasm)
    .filter(([, v]) => v.error)
    .map(([t, v]) => `- ${r.name} (wasm ${t}): ${v.error}`),
);

mkdirSync(dirname(outPath), { recursive: true });
const doc = {
  date: new Date().toISOString(),
  chromium: version,
  runs: plan.runs,
  size_divisor: plan.size_divisor,
  suite: plan.suite,
  native_date: native.date || null,
  seconds: Math.round((Date.now() - started) / 1000),
  ratios:
    'cpython_over_wasm_on: native CPython time over Livetalk wasm (tier on) time in Chromium ' +
    '(above 1 = Livetalk in the page faster); wasm_on_over_native_on: how many times its native ' +
    "time Livetalk takes in the page; wasm_off_over_on: the tier's speed-up in the page",
  results,
  geomean: geo,
  console_errors: consoleErrors,
};
writeFileSync(outPath, JSON.stringify(doc, null, 1));
writeFileSync(outPath.replace(/\.json$/, '.md'), md + '\n');
console.log('\n' + md + '\n');
console.log(`${doc.seconds} s; medians of ${plan.runs}; JSON in ${outPath.replace(/^\.\.\//, '')}`);
if (!Object.keys(native).length) {
  console.log('(no native figures: run bash scripts/bench.sh --awfy PATH first, at the same sizes)');
}
if (failures.length) console.log('\nFailed:\n' + failures.join('\n'));
if (consoleErrors.length) {
  console.error('console errors:\n' + consoleErrors.join('\n'));
  process.exit(1);
}
