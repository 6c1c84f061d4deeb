"""Float vector math, as bench/vectors.st: a small Vector3 class (x, y,
z; add, scale, dot), each operation answering a new vector."""


class Vector3:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x = x
        self.y = y
        self.z = z

    def add(self, v):
        return Vector3(self.x + v.x, self.y + v.y, self.z + v.z)

    def scale(self, s):
        return Vector3(self.x * s, self.y * s, self.z * s)

    def dot(self, v):
        return (self.x * v.x) + (self.y * v.y) + (self.z * v.z)


class Vectors:
    def benchmark(self):
        p = Vector3(0.0, 0.0, 0.0)
        v = Vector3(1.0, 0.5, 0.25)
        w = Vector3(-0.5, 0.75, 2.0)
        acc = 0.0
        for _ in range(5000):
            p = p.add(v.scale(0.001)).scale(0.9999)
            v = v.add(w.scale(0.0001))
            acc = acc + p.dot(v) - (p.dot(w) * 0.5)
        return acc

    def verify_result(self, acc):
        return acc == 12846.759753606852

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
