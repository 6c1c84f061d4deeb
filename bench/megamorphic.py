"""A megamorphic send site, as bench/megamorphic.st: one call,
shape.step(x), whose receiver cycles through five classes."""


class Shape:
    def __init__(self, k):
        self.k = k


class ShapeA(Shape):
    def step(self, x):
        return x + self.k


class ShapeB(Shape):
    def step(self, x):
        return x * 2 - self.k


class ShapeC(Shape):
    def step(self, x):
        return x // 3 + self.k


class ShapeD(Shape):
    def step(self, x):
        return (x ^ self.k) + 1


class ShapeE(Shape):
    def step(self, x):
        return x % 1000 + self.k


class Megamorphic:
    def __init__(self):
        self.shapes = [ShapeA(1), ShapeB(2), ShapeC(3), ShapeD(4), ShapeE(5)]

    def benchmark(self):
        shapes = self.shapes
        x = 1
        total = 0
        for i in range(1, 20001):
            x = shapes[i % 5].step(x) % 100000
            total = total + x
        return total

    def verify_result(self, total):
        return total == 571838

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
