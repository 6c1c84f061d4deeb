"""Runs one of the team's programs (bench/<name>.py) the way the
Are-We-Fast-Yet Python harness runs a benchmark, and prints the same
lines: `python3 bench/harness.py Strings ITERATIONS INNER`."""
import importlib
import os
import sys
from time import perf_counter_ns

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    name = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    inner = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    bench = getattr(importlib.import_module(name.lower()), name)()
    print(f"Starting {name} benchmark ...")
    for _ in range(iterations):
        t0 = perf_counter_ns()
        if not bench.inner_benchmark_loop(inner):
            raise Exception("Benchmark failed with incorrect result")
        print(f"{name}: iterations=1 runtime: {(perf_counter_ns() - t0) // 1000}us")


if __name__ == "__main__":
    main()
