"""The same block-heavy collection benchmark as bench/blocks.st, in Python
(loops where Smalltalk passes blocks, as each language is written)."""
import sys
import time


class BenchBlocks:
    def set_up(self):
        self.items = list(range(1, 51))

    def step(self, k):
        s = k
        for x in self.items:
            s = s + (x * x % 7)
        for i, x in enumerate(self.items, 1):
            s = s + (i & (x + k))
        found = 0
        for x in self.items:
            if x * 3 > s % 100:  # as the detect: block computes it
                found = x
                break
        return s + found

    def run(self, n):
        self.set_up()
        r = 0
        for i in range(1, n + 1):
            r = (r + self.step(i)) % 100000
        return r


if __name__ == "__main__":
    n = int(sys.argv[1])
    BenchBlocks().run(n)  # a warm-up run, as for Livetalk (crate/examples/bench.rs)
    t0 = time.perf_counter()
    r = BenchBlocks().run(n)
    print(r, f"{(time.perf_counter() - t0) * 1000:.1f}")
