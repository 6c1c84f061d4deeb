// ReadStream/WriteStream parsing, as bench/streams.st: the writing side
// is an array joined, the reading side a small ReadStream class like
// Smalltalk's (next, peek, atEnd, upTo:).
'use strict';

class ReadStream {
  constructor(s) {
    this.s = s;
    this.pos = 0;
  }

  atEnd() {
    return this.pos >= this.s.length;
  }

  next() {
    if (this.pos >= this.s.length) {
      return null;
    }
    const c = this.s[this.pos];
    this.pos += 1;
    return c;
  }

  peek() {
    return this.pos >= this.s.length ? null : this.s[this.pos];
  }

  upTo(ch) {
    // scans as the kernel's ReadStream>>upTo: does, then copies
    const { s } = this;
    const start = this.pos;
    let end = start;
    while (end < s.length && s[end] !== ch) {
      end += 1;
    }
    this.pos = Math.min(end + 1, s.length);
    return s.slice(start, end);
  }
}

class Streams {
  benchmark() {
    const ws = [];
    for (let i = 1; i <= 300; i += 1) {
      ws.push('item');
      ws.push(String(i));
      ws.push('=');
      if (i % 2 === 1) {
        ws.push('-');
      }
      ws.push(String((i * 37) % 1001));
      ws.push(';');
    }
    const rs = new ReadStream(ws.join(''));
    let total = 0;
    while (!rs.atEnd()) {
      const name = rs.upTo('=');
      total += name.length;
      const neg = rs.peek() === '-';
      if (neg) {
        rs.next();
      }
      let n = 0;
      let c = rs.next();
      while (c !== ';') {
        n = n * 10 + (c.charCodeAt(0) - 48);
        c = rs.next();
      }
      total = neg ? total - n : total + n;
    }
    return total;
  }

  verifyResult(total) {
    return total === 1536;
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

exports.Streams = Streams;
