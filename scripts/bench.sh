#!/usr/bin/env bash
# Benchmarks, as programs that print figures (medians; the machine's noise
# is yours to judge: compare ratios from one run, not absolute times).
#
#   bash scripts/bench.sh          # native: tiny benchmarks, objects and
#                                  # blocks beside CPython, sliced efficiency
#   bash scripts/bench.sh --page   # the wasm build in headless Chromium: one
#                                  # call, the playground's time slices and
#                                  # the same programs in JavaScript, tier
#                                  # off and on; JSON in target/bench/page.json
#
# BENCH_RUNS sets the number of measured runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${1:-}" = "--page" ]; then
  bash scripts/serve.sh --build-only
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory www "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true' EXIT
  python3 - "http://127.0.0.1:$port/" <<'PY'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1]).close()
        break
    except OSError:
        time.sleep(0.1)
PY
  mkdir -p target/bench
  (cd tests && BASE_URL="http://127.0.0.1:$port/" node bench-page.mjs ../target/bench/page.json)
  exit 0
fi

cargo run -q --release --example bench
echo
cargo run -q --release --example slices
