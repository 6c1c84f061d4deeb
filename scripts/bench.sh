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
  mkdir -p target
  source scripts/static-server.sh
  start_static_server
  mkdir -p target/bench
  (cd tests && BASE_URL="http://127.0.0.1:$port/" node bench-page.mjs ../target/bench/page.json)
  exit 0
fi

cargo run -q --release --example bench
echo
cargo run -q --release --example slices
