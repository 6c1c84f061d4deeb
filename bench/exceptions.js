// Exceptions, as bench/exceptions.st: throw three calls deep, caught two
// frames up, with try/finally (ensure:) run on the way out and on normal
// returns.
'use strict';

class BenchError extends Error {
  constructor(message, code) {
    super(message);
    this.messageText = message;
    this.code = code;
  }
}

class Exceptions {
  constructor() {
    this.ensures = 0;
  }

  level1(i) {
    try {
      return this.level2(i) + 1;
    } finally {
      this.ensures += 1;
    }
  }

  level2(i) {
    return this.level3(i) * 2;
  }

  level3(i) {
    if (i % 3 === 0) {
      throw new BenchError('bad', i);
    }
    return i;
  }

  benchmark() {
    this.ensures = 0;
    let total = 0;
    for (let i = 1; i <= 1000; i += 1) {
      let r;
      try {
        r = this.level1(i);
      } catch (e) {
        if (!(e instanceof BenchError)) {
          throw e;
        }
        r = e.messageText.length - e.code;
      }
      total += r;
    }
    return total + this.ensures;
  }

  verifyResult(total) {
    return total === 503167;
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

exports.Exceptions = Exceptions;
