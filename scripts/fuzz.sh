#!/usr/bin/env bash
# Coverage-guided fuzzing on stable Rust (libFuzzer through libfuzzer-sys,
# instrumented with sanitizer-coverage passes; no nightly needed).
#
#   bash scripts/fuzz.sh TARGET [SECONDS]   # fuzz one target (default 60 s),
#                                           # growing crate/fuzz/corpus/TARGET
#   bash scripts/fuzz.sh all [SECONDS]      # every target in turn
#   bash scripts/fuzz.sh --replay           # run every kept corpus input once
#                                           # (the test suite does this)
#
# Targets: compile, file_in, run, link, session, differential, verify, snapshot.
# A finding is written to crate/fuzz/artifacts/TARGET/ and stops the run;
# replay it with: target/fuzz/.../release/TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
targets="compile file_in run link session differential verify snapshot"
triple=$(rustc -vV | sed -n 's/^host: //p')
corpus=crate/fuzz/corpus

if [ "${1:-}" = "--replay" ]; then
  # the plain build (no coverage): each input runs once, and must not crash
  cargo build -q --release --manifest-path crate/fuzz/Cargo.toml --target-dir target/fuzz-replay
  for t in $targets; do
    [ -d "$corpus/$t" ] || continue
    n=$(find "$corpus/$t" -type f | wc -l)
    printf '%-13s %5d inputs ... ' "$t" "$n"
    "target/fuzz-replay/release/$t" -runs=0 "$corpus/$t" >"target/fuzz-replay/$t.log" 2>&1 \
      || { echo "FAILED"; tail -30 "target/fuzz-replay/$t.log" >&2; exit 1; }
    echo ok
  done
  exit 0
fi

target=${1:?usage: scripts/fuzz.sh TARGET|all|--replay [SECONDS]}
secs=${2:-60}
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation out of build scripts
cargo build -q --release --manifest-path crate/fuzz/Cargo.toml \
  --target-dir target/fuzz --target "$triple"
bin="target/fuzz/$triple/release"
# libFuzzer's -timeout is wall-clock time. At low priority on a machine
# busy with other work, an input that takes 0.2 s alone took 15 s
# (measured: `nice -n 19` beside two busy cores), so a niced run allows
# 120 s; a real hang still stops it. FUZZ_TIMEOUT=N overrides.
timeout=${FUZZ_TIMEOUT:-$([ "$(nice)" -gt 0 ] && echo 120 || echo 10)}
[ "$target" = all ] && list=$targets || list=$target
for t in $list; do
  mkdir -p "$corpus/$t" "crate/fuzz/artifacts/$t"
  echo "== $t, $secs s (timeout $timeout s)"
  "$bin/$t" -max_total_time="$secs" -max_len=4096 -timeout="$timeout" -rss_limit_mb=1024 \
    -artifact_prefix="crate/fuzz/artifacts/$t/" "$corpus/$t" 2>&1 |
    # (the whole log, with a crash's stack, stays in target/fuzz/TARGET.log)
    tee "target/fuzz/$t.log" | grep -E '^Done|^==|ERROR|panicked' || true
  # keep the corpus small: only inputs that add coverage
  mkdir -p "target/fuzz/min-$t" && rm -rf "target/fuzz/min-$t"/*
  "$bin/$t" -merge=1 "target/fuzz/min-$t" "$corpus/$t" >/dev/null 2>&1 \
    && rm -rf "$corpus/$t" && mv "target/fuzz/min-$t" "$corpus/$t"
  echo "   corpus: $(find "$corpus/$t" -type f | wc -l) inputs"
done
