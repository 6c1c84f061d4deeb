"""Exceptions, as bench/exceptions.st: raise three calls deep, caught two
frames up, with try/finally (ensure:) run on the way out and on normal
returns."""


class BenchError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.message_text = message
        self.code = code


class Exceptions:
    def __init__(self):
        self.ensures = 0

    def level1(self, i):
        try:
            return self.level2(i) + 1
        finally:
            self.ensures += 1

    def level2(self, i):
        return self.level3(i) * 2

    def level3(self, i):
        if i % 3 == 0:
            raise BenchError("bad", i)
        return i

    def benchmark(self):
        self.ensures = 0
        total = 0
        for i in range(1, 1001):
            try:
                r = self.level1(i)
            except BenchError as e:
                r = len(e.message_text) - e.code
            total = total + r
        return total + self.ensures

    def verify_result(self, total):
        return total == 503167

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
