// The page benchmark: Livetalk's wasm build in headless Chromium, run
// three ways in the same page, with the tier off and on:
//
//   - one call: `vm.run(fuel)` until the program finishes;
//   - sliced: `vm.runFor(8, fuel)` once per animation frame, as the
//     playground runs a program (the figure is the VM time, the sum of
//     the time spent inside runFor);
//   - back to back: the same 8 ms runFor slices, one right after the
//     other. What this loses against one call is the cost of slicing in
//     the VM; what "sliced" loses beyond it, the browser's own work
//     between frames competing for the CPU (on a 2-core machine without
//     a GPU, compositing runs on the cores too);
//   - the JavaScript reference: the same algorithm written in JavaScript.
//
// Each figure is the median of RUNS warm runs (a first run warms up and,
// with the tier on, optimizes); the ways take turns run by run (and the
// JavaScript reference with the tier-on runs), so that the machine's load
// changing meanwhile does not fall on one of them. Prints a table (ms, sends/s, bytecodes/s,
// ratios) and writes JSON.
//
//   BASE_URL=http://127.0.0.1:8000/ node bench-page.mjs [OUT.json]
//   (scripts/bench.sh --page builds, serves and runs this)
//
// BENCH_FIB and BENCH_SIEVE set the sizes (29, 200); BENCH_PAGE_KERNEL_JIT=off
// interprets loop kernels instead of compiling them. Extra programs:
// BENCH_PAGE_PROGRAMS='[{"name":..,"load":"file.st","expr":..}]'
// (the files are read here and filed in before the expression runs).

import { chromium } from 'playwright-core';
import { LAUNCH } from './chromium.mjs';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const BASE = process.env.BASE_URL || 'http://127.0.0.1:8000/';
const RUNS = Number(process.env.BENCH_RUNS || 5);
// loop kernels compiled to WebAssembly (the default), or interpreted
const JIT = process.env.BENCH_PAGE_KERNEL_JIT !== 'off';
const OUT = process.argv[2] || '../target/bench/page.json';

// the JavaScript references: the same algorithms as Benchmark.st
const JS_REFERENCES = {
  benchFib: `(n) => { const f = (k) => (k < 2 ? 1 : f(k - 1) + f(k - 2) + 1); return f(n); }`,
  benchmark: `(n) => {
    const size = 8190; let count = 0;
    for (let iter = 1; iter <= n; iter++) {
      count = 0;
      const flags = new Array(size + 1).fill(true);
      for (let i = 1; i <= size; i++) {
        if (flags[i]) {
          const prime = i + 1;
          let k = i + prime;
          while (k <= size) { flags[k] = false; k += prime; }
          count++;
        }
      }
    }
    return count;
  }`,
};

const FIB = Number(process.env.BENCH_FIB || 29);
const SIEVE = Number(process.env.BENCH_SIEVE || 200);
const programs = [
  { name: 'benchFib', expr: `${FIB} benchFib`, js: JS_REFERENCES.benchFib, arg: FIB },
  { name: 'sieve', expr: `${SIEVE} benchmark`, js: JS_REFERENCES.benchmark, arg: SIEVE },
];
for (const p of JSON.parse(process.env.BENCH_PAGE_PROGRAMS || '[]')) {
  programs.push({ ...p, source: p.load ? readFileSync(p.load, 'utf8') : '' });
}

// Runs in the page: one program, every way, RUNS times.
async function measure({ program, runs, moduleUrl, jit }) {
  const m = await import(moduleUrl);
  await m.default();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const fresh = (tier) => {
    const vm = new m.LiveVm();
    vm.setTier(tier);
    vm.setKernelJit(jit);
    if (program.source) {
      const r = vm.fileIn(program.name + '.st', program.source);
      if (r && r.ok === false) throw new Error('fileIn: ' + JSON.stringify(r));
    }
    return vm;
  };
  const finished = (rep, pid) => {
    for (const ev of rep.events) {
      if (ev.pid !== pid) continue;
      if (ev.kind === 'finished') return ev.value;
      throw new Error(`${program.expr}: ${ev.errorClass}: ${ev.message}`);
    }
    return null;
  };
  // one run of the program in `vm`: one call ('call'), or runFor slices
  // once per frame ('sliced') or back to back ('b2b')
  const once = async (vm, way) => {
    const sliced = way !== 'call';
    const pid = vm.start(program.expr).pid;
    const [i0, s0] = [vm.instructionCount(), vm.sendCount()];
    let ms = 0;
    let slices = 0;
    let value = null;
    let c0 = null;
    let collections = 0;
    while (value === null) {
      if (way === 'sliced') await frame();
      const t0 = performance.now();
      const rep = sliced ? vm.runFor(8, 1e15) : vm.run(1e15);
      ms += performance.now() - t0;
      slices += 1;
      if (c0 === null) c0 = rep.collections - (rep.collections > 0 ? 1 : 0);
      collections = rep.collections - c0;
      value = finished(rep, pid);
      if (value === null && rep.status === 'idle') throw new Error(`${program.expr} stopped`);
    }
    return {
      ms,
      slices,
      value,
      collections,
      insns: vm.instructionCount() - i0,
      sends: vm.sendCount() - s0,
    };
  };
  const out = { name: program.name, expr: program.expr };
  const ways = ['call', 'sliced', 'b2b'];
  for (const tier of ['off', 'on']) {
    // one VM per way, warmed up (and optimized) first; then the ways take
    // turns, run by run, so that a change in the machine's load while
    // they run falls on all of them alike
    const vms = {};
    const rss = {};
    for (const way of ways) {
      vms[way] = fresh(tier);
      await once(vms[way], way);
      rss[way] = [];
    }
    // (the JavaScript reference takes its turns with the tier-on runs)
    const js = tier === 'on' && program.js ? eval(program.js) : null;
    if (js) js(program.arg);
    const jsTimes = [];
    for (let i = 0; i < runs; i++) {
      for (const way of ways) rss[way].push(await once(vms[way], way));
      if (js) {
        const t0 = performance.now();
        js(program.arg);
        jsTimes.push(performance.now() - t0);
      }
    }
    if (js) out.js = { ms: median(jsTimes) };
    for (const way of ways) {
      vms[way].free();
      const rs = rss[way];
      const ms = median(rs.map((r) => r.ms));
      out[`${tier}_${way}`] = {
        ms,
        slices: median(rs.map((r) => r.slices)),
        collections: median(rs.map((r) => r.collections)),
        value: rs[0].value,
        sends_per_s: (rs[0].sends / ms) * 1000,
        bytecodes_per_s: (rs[0].insns / ms) * 1000,
      };
    }
  }
  return out;
}

const browser = await chromium.launch(LAUNCH);
const page = await browser.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
// a page of the same origin that runs nothing (the playground would run its demo)
const moduleUrl = new URL('pkg/livetalk.js', BASE).href;
await page.goto(moduleUrl);
const results = [];
for (const program of programs) {
  results.push(await page.evaluate(measure, { program, runs: RUNS, moduleUrl, jit: JIT }));
}
const version = browser.version();
await browser.close();
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}

const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const rate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${Math.round(x / 1e3)}K`);
console.log(`Chromium ${version}, medians of ${RUNS} warm runs\n`);
console.log(
  'program    tier  one call ms  sliced ms  slices  GCs call/sliced  efficiency  back-to-back ms  efficiency  sends/s (sliced)  bytecodes/s (sliced)',
);
for (const r of results) {
  for (const tier of ['off', 'on']) {
    const c = r[`${tier}_call`];
    const s = r[`${tier}_sliced`];
    const b = r[`${tier}_b2b`];
    console.log(
      `${r.name.padEnd(10)} ${tier.padEnd(4)} ${f1(c.ms).padStart(12)} ${f1(s.ms).padStart(10)} ` +
        `${String(s.slices).padStart(7)} ${`${c.collections}/${s.collections}`.padStart(16)} ` +
        `${(((100 * c.ms) / s.ms).toFixed(0) + '%').padStart(11)} ` +
        `${f1(b.ms).padStart(16)} ${(((100 * c.ms) / b.ms).toFixed(0) + '%').padStart(11)} ` +
        `${rate(s.sends_per_s).padStart(17)} ${rate(s.bytecodes_per_s).padStart(21)}`,
    );
  }
}
console.log('\nratios');
for (const r of results) {
  const line = [
    `tier on/off sliced ${f2(r.off_sliced.ms / r.on_sliced.ms)}x`,
    `tier on/off one call ${f2(r.off_call.ms / r.on_call.ms)}x`,
  ];
  if (r.js) {
    line.push(`JS/wasm (tier on, one call) ${f2(r.js.ms / r.on_call.ms)}`);
    line.push(`JS ${f1(r.js.ms)} ms`);
  }
  console.log(`${r.name.padEnd(10)} ${line.join(', ')}`);
}
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(
  OUT,
  JSON.stringify({ date: new Date().toISOString(), chromium: version, runs: RUNS, results }, null, 2),
);
console.log(`\nwrote ${OUT}`);
