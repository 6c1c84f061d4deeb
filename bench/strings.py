"""String building, as bench/strings.st: a stream of numbers and
separators (a list joined, Python's string stream) and repeated
concatenation with +."""


class Strings:
    def benchmark(self):
        total = 0
        for i in range(1, 101):
            ws = []
            for j in range(1, 21):
                ws.append(str(i * j))
                ws.append(",")
            s = "".join(ws)
            total = total + len(s) + ord(s[len(s) // 2 - 1])  # 1-based at:
        s = ""
        for i in range(1, 201):
            s = s + str(i) + " "
        total = total + len(s) + ord(s[299])
        return total

    def verify_result(self, total):
        return total == 13678

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
