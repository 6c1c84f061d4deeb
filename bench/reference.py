"""CPython versions of Squeak's benchFib and benchmark (the sieve), written
to match the Smalltalk algorithms step for step. Prints the result and the
elapsed milliseconds of a second run (the first warms up): `python3
bench/reference.py fib 27`."""
import sys
import time


def bench_fib(n):
    return 1 if n < 2 else bench_fib(n - 1) + bench_fib(n - 2) + 1


def benchmark(n):
    size = 8190
    count = 0
    for _ in range(n):
        count = 0
        flags = [True] * (size + 1)  # 1-based like the Smalltalk Array
        for i in range(1, size + 1):
            if flags[i]:
                prime = i + 1  # as in Squeak's Integer>>benchmark
                k = i + prime
                while k <= size:
                    flags[k] = False
                    k += prime
                count += 1
    return count


def main():
    which, n = sys.argv[1], int(sys.argv[2])
    f = bench_fib if which == "fib" else benchmark
    f(n)  # a warm-up run, as for Livetalk (crate/examples/bench.rs)
    t0 = time.perf_counter()
    r = f(n)
    ms = (time.perf_counter() - t0) * 1000
    print(r, f"{ms:.1f}")


if __name__ == "__main__":
    sys.setrecursionlimit(100000)
    main()
