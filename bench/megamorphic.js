// A megamorphic send site, as bench/megamorphic.st: one call,
// shape.step(x), whose receiver cycles through five classes.
'use strict';

class Shape {
  constructor(k) {
    this.k = k;
  }
}

class ShapeA extends Shape {
  step(x) {
    return x + this.k;
  }
}

class ShapeB extends Shape {
  step(x) {
    return x * 2 - this.k;
  }
}

class ShapeC extends Shape {
  step(x) {
    return Math.floor(x / 3) + this.k;
  }
}

class ShapeD extends Shape {
  step(x) {
    return (x ^ this.k) + 1;
  }
}

class ShapeE extends Shape {
  step(x) {
    return (x % 1000) + this.k;
  }
}

class Megamorphic {
  constructor() {
    this.shapes = [new ShapeA(1), new ShapeB(2), new ShapeC(3), new ShapeD(4), new ShapeE(5)];
  }

  benchmark() {
    const { shapes } = this;
    let x = 1;
    let total = 0;
    for (let i = 1; i <= 20000; i += 1) {
      x = shapes[i % 5].step(x) % 100000; // x stays >= 0: % agrees with \\
      total += x;
    }
    return total;
  }

  verifyResult(total) {
    return total === 571838;
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

exports.Megamorphic = Megamorphic;
