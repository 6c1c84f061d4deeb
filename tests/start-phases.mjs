// Where the VM's start goes in the page: in fresh browser contexts, the
// first `new LiveVm()` (the kernel snapshot read by code V8 has not
// compiled yet) against the next ones in the same page (the same work,
// its code compiled), and CPU profiles of first calls, summed: self time
// per function, and with WHO=name the callers of the functions so named.
// A measuring tool, not a test (docs/performance.md, "Start"). Build with
// `WASM_OPT_OFF=1 bash scripts/serve.sh --build-only` for functions' names.
//
//   BASE_URL=http://127.0.0.1:8000/ node start-phases.mjs [ROUNDS]   (default 5)
//   PROFILES=8 WHO=malloc BASE_URL=... node start-phases.mjs
import { chromium } from 'playwright-core';
import { LAUNCH } from './chromium.mjs';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8000/';
const ROUNDS = Number(process.argv[2] || 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const browser = await chromium.launch(LAUNCH);
const rows = [];
let profile = null;
for (let i = 0; i < ROUNDS; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const moduleUrl = new URL('pkg/livetalk.js', BASE).href;
  await page.goto(moduleUrl);
  const r = await page.evaluate(async (moduleUrl) => {
    const m = await import(moduleUrl);
    const t0 = performance.now();
    const bytes = await (await fetch(new URL('livetalk_bg.wasm', moduleUrl))).arrayBuffer();
    const t1 = performance.now();
    const mod = await WebAssembly.compile(bytes);
    const t2 = performance.now();
    await m.default({ module_or_path: mod });
    const t3 = performance.now();
    const news = [];
    for (let k = 0; k < 4; k++) {
      const a = performance.now();
      const vm = new m.LiveVm();
      news.push(performance.now() - a);
      vm.free();
    }
    return { fetch: t1 - t0, compile: t2 - t1, init: t3 - t2, news };
  }, moduleUrl);
  rows.push(r);
  await context.close();
}
// CPU profiles of a first `new LiveVm()`, each in a fresh context, summed
const PROFILES = Number(process.env.PROFILES || 5);
const self = new Map();
const callers = new Map();
let total = 0;
for (let i = 0; i < PROFILES; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const moduleUrl = new URL('pkg/livetalk.js', BASE).href;
  await page.goto(moduleUrl);
  await page.evaluate(async (moduleUrl) => {
    const m = await import(moduleUrl);
    await m.default();
    window.__m = m;
  }, moduleUrl);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  await page.evaluate(() => {
    window.__vm = new window.__m.LiveVm();
  });
  const { profile } = await cdp.send('Profiler.stop');
  await context.close();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n);
  profile.samples.forEach((id, k) => {
    const n = byId.get(id);
    const ms = (profile.timeDeltas[k] || 0) / 1000;
    const name = (n.callFrame.functionName || `(${n.callFrame.url.split('/').pop() || 'program'})`).replace(/::h[0-9a-f]{16}$/, '');
    if (name === '(idle)') return;
    total += ms;
    self.set(name, (self.get(name) || 0) + ms);
    if (process.env.WHO && name.includes(process.env.WHO)) {
      const chain = [];
      for (let p = parent.get(n.id); p && chain.length < 4; p = parent.get(p.id)) chain.push(p.callFrame.functionName.replace(/::h[0-9a-f]{16}$/, '').slice(-60));
      const key = chain.join(' < ');
      callers.set(key, (callers.get(key) || 0) + ms);
    }
  });
}
await browser.close();
const f = (x) => x.toFixed(1).padStart(7);
console.log('fetch   compile   init   new#1   new#2   new#3   new#4   (ms, each row a fresh context)');
for (const r of rows) console.log([r.fetch, r.compile, r.init, ...r.news].map(f).join(' '));
console.log(
  'median ' +
    [(r) => r.fetch, (r) => r.compile, (r) => r.init, (r) => r.news[0], (r) => r.news[1], (r) => r.news[2], (r) => r.news[3]]
      .map((g) => f(median(rows.map(g))))
      .join(' '),
);
console.log(`\nCPU profiles of ${PROFILES} first new LiveVm() calls: ${(total / PROFILES).toFixed(1)} ms each on average (idle left out); self time per call, top 30:`);
for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${(ms / PROFILES).toFixed(2).padStart(7)} ms  ${name.slice(0, 110)}`);
}
if (process.env.WHO) {
  console.log(`\ncallers of ${process.env.WHO}:`);
  for (const [k, ms] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`${(ms / PROFILES).toFixed(2).padStart(7)} ms  ${k}`);
}
