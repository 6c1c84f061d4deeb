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
#   bash scripts/bench.sh --awfy [PATH]
#                                  # real programs: the Are-We-Fast-Yet suite
#                                  # (PATH, or AWFY_DIR: a clone of
#                                  # github.com/smarr/are-we-fast-yet or its
#                                  # benchmarks/Smalltalk) and bench/'s own
#                                  # programs, Livetalk tier off and on beside
#                                  # CPython and Node; JSON in
#                                  # target/bench/awfy.json, chart docs/awfy.svg
#   bash scripts/bench.sh --awfy [PATH] --page
#                                  # the same, then the same benchmarks at the
#                                  # same sizes in headless Chromium (the wasm
#                                  # build, tier off and on) beside the native
#                                  # figures; JSON in target/bench/awfy-page.json
#                                  # (AWFY_PAGE_ONLY=1: the page part only,
#                                  # beside an earlier native run's figures)
#
# BENCH_RUNS sets the number of measured runs (default 5; 3 with --awfy).
# --awfy also reads AWFY_SIZE_DIV (the suite's sizes divided by it,
# default 10), AWFY_ONLY (a comma-separated list of benchmarks) and
# AWFY_ROUNDS (processes per VM and benchmark, taking turns; default 2).
set -euo pipefail
caller_dir="$PWD"
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# `--page --awfy PATH` is `--awfy PATH --page`
if [ "${1:-}" = "--page" ] && [ "${2:-}" = "--awfy" ]; then
  set -- --awfy "${@:3}" --page
fi
if [ "${1:-}" = "--awfy" ]; then
  # `--awfy PATH --page` (or `--awfy --page` with AWFY_DIR): also in Chromium
  page=false
  args=()
  for a in "${@:2}"; do
    if [ "$a" = "--page" ]; then page=true; else args+=("$a"); fi
  done
  set -- "$1" "${args[@]}"
  suite="${2:-${AWFY_DIR:-}}"
  if [ -z "$suite" ]; then
    echo "bench.sh --awfy: give the suite's path (or set AWFY_DIR): a clone of" >&2
    echo "https://github.com/smarr/are-we-fast-yet or its benchmarks/Smalltalk" >&2
    exit 64
  fi
  suite="$(cd "$caller_dir" && cd "$suite" 2>/dev/null && pwd)" || {
    echo "bench.sh --awfy: no such folder: ${2:-${AWFY_DIR:-}}" >&2
    exit 64
  }
  for tool in python3 node /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench.sh --awfy: $tool is needed" >&2; exit 1; }
  done
  if [ "$page" = false ] || [ "${AWFY_PAGE_ONLY:-}" != 1 ]; then
    cargo build -q --release --bin livetalk
    python3 scripts/awfy.py "$suite"
    # a partial run (AWFY_ONLY) draws its chart beside its JSON
    chart=docs/awfy.svg
    [ -z "${AWFY_ONLY:-}" ] || chart=target/bench/awfy.svg
    python3 scripts/awfy_svg.py target/bench/awfy.json "$chart"
    echo "chart: $chart"
  fi
  if [ "$page" = true ]; then
    # the same benchmarks, sizes, files and do-it in headless Chromium
    # (tests/bench-awfy-page.mjs), beside the native figures just made
    # (or, with AWFY_PAGE_ONLY=1, those of an earlier native run)
    echo
    echo "== in Chromium (the wasm build)"
    mkdir -p target/bench
    python3 scripts/awfy.py --plan "$suite" >target/bench/awfy-page-plan.json
    bash scripts/setup.sh test # Chromium and playwright-core
    bash scripts/serve.sh --build-only
    source scripts/static-server.sh
    start_static_server
    (cd tests && BASE_URL="http://127.0.0.1:$port/" node bench-awfy-page.mjs \
      ../target/bench/awfy-page-plan.json ../target/bench/awfy.json ../target/bench/awfy-page.json)
  fi
  exit 0
fi

if [ "${1:-}" = "--page" ]; then
  bash scripts/setup.sh test # Chromium and playwright-core
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
