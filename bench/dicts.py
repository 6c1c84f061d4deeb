"""Dictionary and Set with String keys, as bench/dicts.st (dict and set)."""


class Dicts:
    def benchmark(self):
        keys = ["key" + str(i) for i in range(1, 501)]
        d = {}
        for i in range(1, 501):
            d[keys[i - 1]] = i
        total = 0
        for i in range(1, 501):
            total = total + d[keys[i - 1]]
        for i in range(1, 501):
            total = total + d.get("key" + str(i * 7 % 500 + 1), 0)
            total = total + d.get("nokey" + str(i), 1)
        for i in range(1, 501, 2):
            total = total + d.pop(keys[i - 1])
        s = set()
        for i in range(1, 501):
            k = keys[i - 1]
            s.add(k[: min(len(k), 5)])
        for i in range(1, 501):
            if keys[i - 1] in s:
                total = total + 1
        return total + len(d) * 1000 + len(s)

    def verify_result(self, total):
        return total == 563698

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
