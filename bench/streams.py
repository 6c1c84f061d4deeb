"""ReadStream/WriteStream parsing, as bench/streams.st: the writing side
is a list joined (Python's string stream), the reading side a small
ReadStream class like Smalltalk's (next, peek, atEnd, upTo:)."""


class ReadStream:
    def __init__(self, s):
        self._s = s
        self._pos = 0

    def at_end(self):
        return self._pos >= len(self._s)

    def next(self):
        if self._pos >= len(self._s):
            return None
        c = self._s[self._pos]
        self._pos += 1
        return c

    def peek(self):
        if self._pos >= len(self._s):
            return None
        return self._s[self._pos]

    def up_to(self, ch):
        # scans as the kernel's ReadStream>>upTo: does, then copies
        s = self._s
        start = end = self._pos
        while end < len(s) and s[end] != ch:
            end += 1
        self._pos = min(end + 1, len(s))
        return s[start:end]


class Streams:
    def benchmark(self):
        ws = []
        for i in range(1, 301):
            ws.append("item")
            ws.append(str(i))
            ws.append("=")
            if i % 2 == 1:
                ws.append("-")
            ws.append(str(i * 37 % 1001))
            ws.append(";")
        rs = ReadStream("".join(ws))
        total = 0
        while not rs.at_end():
            name = rs.up_to("=")
            total = total + len(name)
            neg = rs.peek() == "-"
            if neg:
                rs.next()
            n = 0
            c = rs.next()
            while c != ";":
                n = n * 10 + (ord(c) - 48)
                c = rs.next()
            total = total - n if neg else total + n
        return total

    def verify_result(self, total):
        return total == 1536

    def inner_benchmark_loop(self, n):
        for _ in range(n):
            if not self.verify_result(self.benchmark()):
                return False
        return True
