// Float vector math, as bench/vectors.st: a small Vector3 class (x, y,
// z; add, scale, dot), each operation answering a new vector.
'use strict';

class Vector3 {
  constructor(x, y, z) {
    this.x = x;
    this.y = y;
    this.z = z;
  }

  add(v) {
    return new Vector3(this.x + v.x, this.y + v.y, this.z + v.z);
  }

  scale(s) {
    return new Vector3(this.x * s, this.y * s, this.z * s);
  }

  dot(v) {
    return (this.x * v.x) + (this.y * v.y) + (this.z * v.z);
  }
}

class Vectors {
  benchmark() {
    let p = new Vector3(0.0, 0.0, 0.0);
    let v = new Vector3(1.0, 0.5, 0.25);
    const w = new Vector3(-0.5, 0.75, 2.0);
    let acc = 0.0;
    for (let i = 1; i <= 5000; i += 1) {
      p = p.add(v.scale(0.001)).scale(0.9999);
      v = v.add(w.scale(0.0001));
      acc = acc + p.dot(v) - (p.dot(w) * 0.5);
    }
    return acc;
  }

  verifyResult(acc) {
    return acc === 12846.759753606852;
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

exports.Vectors = Vectors;
