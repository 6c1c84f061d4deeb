// Runs one of the team's programs (bench/<name>.js) the way the
// Are-We-Fast-Yet JavaScript harness runs a benchmark, and prints the
// same lines: `node bench/harness.js Strings ITERATIONS INNER`.
'use strict';

const name = process.argv[2];
const iterations = parseInt(process.argv[3] || '1', 10);
const inner = parseInt(process.argv[4] || '1', 10);
const Bench = require(`./${name.toLowerCase()}.js`)[name];
const bench = new Bench();
process.stdout.write(`Starting ${name} benchmark ...\n`);
for (let i = 0; i < iterations; i += 1) {
  const t0 = process.hrtime.bigint();
  if (!bench.innerBenchmarkLoop(inner)) {
    throw Error('Benchmark failed with incorrect result');
  }
  const us = (process.hrtime.bigint() - t0) / 1000n;
  process.stdout.write(`${name}: iterations=1 runtime: ${us}us\n`);
}
