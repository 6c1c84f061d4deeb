// Dictionary and Set with String keys, as bench/dicts.st (Map and Set).
'use strict';

class Dicts {
  benchmark() {
    const keys = [];
    for (let i = 1; i <= 500; i += 1) {
      keys.push('key' + String(i));
    }
    const d = new Map();
    for (let i = 1; i <= 500; i += 1) {
      d.set(keys[i - 1], i);
    }
    let total = 0;
    for (let i = 1; i <= 500; i += 1) {
      total += d.get(keys[i - 1]);
    }
    for (let i = 1; i <= 500; i += 1) {
      const k = 'key' + String((i * 7) % 500 + 1);
      total += d.has(k) ? d.get(k) : 0;
      const m = 'nokey' + String(i);
      total += d.has(m) ? d.get(m) : 1;
    }
    for (let i = 1; i <= 500; i += 2) {
      total += d.get(keys[i - 1]);
      d.delete(keys[i - 1]);
    }
    const s = new Set();
    for (let i = 1; i <= 500; i += 1) {
      const k = keys[i - 1];
      s.add(k.slice(0, Math.min(k.length, 5)));
    }
    for (let i = 1; i <= 500; i += 1) {
      if (s.has(keys[i - 1])) {
        total += 1;
      }
    }
    return total + d.size * 1000 + s.size;
  }

  verifyResult(total) {
    return total === 563698;
  }

  innerBenchmarkLoop(n) {
    for (let i = 0; i < n; i += 1) {
      if (!this.verifyResult(this.benchmark())) {
        return false;
      }
    }
    return true;
  }
}

exports.Dicts = Dicts;
