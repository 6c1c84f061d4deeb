"""The same send-heavy object benchmark as bench/objects.st, in Python."""
import sys
import time


class Task:
    def __init__(self):
        self.count = 0
        self.next = None

    def increment(self):
        return 1


class Adder(Task):
    def step(self, x):
        self.count = self.count + self.increment()
        return (x + self.count) % 1000


class Doubler(Task):
    def step(self, x):
        self.count = self.count + self.increment()
        return (x * 2 + 1) % 1000


def run(n):
    tasks = [Adder() if (i % 2 == 1) else Doubler() for i in range(1, 11)]
    for i in range(9):
        tasks[i].next = tasks[i + 1]
    tasks[9].next = tasks[0]
    task, x = tasks[0], 0
    for _ in range(n):
        x = task.step(x)
        task = task.next
    return x


if __name__ == "__main__":
    n = int(sys.argv[1])
    run(n)  # a warm-up run, as for Livetalk (crate/examples/bench.rs)
    t0 = time.perf_counter()
    r = run(n)
    print(r, f"{(time.perf_counter() - t0) * 1000:.1f}")
