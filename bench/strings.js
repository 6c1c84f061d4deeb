// String building, as bench/strings.st: a stream of numbers and
// separators (an array joined) and repeated concatenation with +.
'use strict';

class Strings {
  benchmark() {
    let total = 0;
    let s;
    for (let i = 1; i <= 100; i += 1) {
      const ws = [];
      for (let j = 1; j <= 20; j += 1) {
        ws.push(String(i * j));
        ws.push(',');
      }
      s = ws.join('');
      total = total + s.length + s.charCodeAt(Math.floor(s.length / 2) - 1); // 1-based at:
    }
    s = '';
    for (let i = 1; i <= 200; i += 1) {
      s = s + String(i) + ' ';
    }
    total = total + s.length + s.charCodeAt(299);
    return total;
  }

  verifyResult(total) {
    return total === 13678;
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

exports.Strings = Strings;
