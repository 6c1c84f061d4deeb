#!/usr/bin/env python3
"""Serves a folder (the playground, www/) on localhost.

    python3 scripts/serve.py DIR [--port N] [--tries K] [--port-file F]

Binds the first free port of N, N+1, ... (K of them; --port 0 lets the
system choose), and only then prints the URL: a URL printed is being
served. --port-file writes the port there once it is bound (the test
scripts read it). .wasm goes out as application/wasm, which browsers need
to compile it while it downloads, and gzipped (Content-Encoding: gzip)
when a FILE.gz newer than FILE is beside it (scripts/serve.sh makes
www/pkg/livetalk_bg.wasm.gz) and the browser accepts gzip.
"""

import argparse
import errno
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
    }

    # files sent compressed when a .gz of them is there
    COMPRESSED = (".wasm",)

    def send_head(self):
        path = self.translate_path(self.path)
        gz = path + ".gz"
        if (
            path.endswith(self.COMPRESSED)
            and accepts_gzip(self.headers.get("Accept-Encoding", ""))
            and os.path.isfile(path)
            and os.path.isfile(gz)
            and os.path.getmtime(gz) >= os.path.getmtime(path)
        ):
            try:
                f = open(gz, "rb")
            except OSError:
                return super().send_head()
            st = os.fstat(f.fileno())
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(st.st_size))
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Last-Modified", self.date_time_string(int(st.st_mtime)))
            self.end_headers()
            return f
        return super().send_head()

    def log_message(self, format, *args):
        if os.environ.get("SERVE_LOG"):
            super().log_message(format, *args)


def accepts_gzip(header):
    """Whether an Accept-Encoding header allows gzip (not with q=0)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            try:
                return not (q.startswith("q=") and float(q[2:] or 0) == 0)
            except ValueError:
                return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--tries", type=int, default=10)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        sys.exit(f"serve: no folder {a.dir}")
    handler = functools.partial(Handler, directory=a.dir)
    ports = [0] if a.port == 0 else range(a.port, a.port + max(a.tries, 1))
    server = None
    for port in ports:
        try:
            server = http.server.ThreadingHTTPServer((a.host, port), handler)
            break
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                print(f"[serve] port {port} is in use", file=sys.stderr)
                continue
            sys.exit(f"serve: cannot listen on {a.host}:{port}: {e.strerror}")
    if server is None:
        sys.exit(
            f"serve: ports {ports[0]}-{ports[-1]} are all in use; "
            f"choose another with PORT=9000 bash scripts/serve.sh"
        )
    port = server.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.replace(a.port_file + ".tmp", a.port_file)
    print(f"Livetalk playground: http://{a.host}:{port}/", flush=True)
    print("(Ctrl+C stops the server)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
