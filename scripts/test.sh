#!/usr/bin/env bash
# Runs every test Livetalk has: format, clippy, the native suites, the CLI,
# the wasm API in headless Chromium and the playground end to end.
# Installs what it needs first (scripts/setup.sh, which skips what is
# there), so it works on a fresh Debian 12 machine with rustup, Node >= 20,
# python3 and root or sudo. The first run takes about 25 minutes on 2
# cores (installing and building), later ones about 11.
#
#   bash scripts/test.sh             # everything
#   SKIP_WEB=1 bash scripts/test.sh  # the native part only (no Node, no Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

# everything the run needs is checked (and installed) before anything runs
step "toolchain"
if [ "${SKIP_WEB:-}" = 1 ]; then
  bash scripts/setup.sh native
else
  bash scripts/setup.sh test
fi

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets -q -- -D warnings

step "native tests (golden suite under tier off/on/eager and fuel 1, live scripts, CLI, unit tests)"
# The golden suite runs on a thread with a 512 KiB Rust stack (see
# crate/tests/golden.rs): 100,000-deep Smalltalk recursion passes there only
# because the VM never recurses in Rust for Smalltalk calls.
mkdir -p target
cargo test -q --workspace 2>&1 | tee target/test-output.txt
grep -q "test result: ok" target/test-output.txt

step "fuzz corpus replay (crate/fuzz: every kept input of every target, once)"
# a separate workspace with its own lock file; building and replaying it
# keeps the targets from rotting and every past finding fixed (fuzzing
# itself: scripts/fuzz.sh, see docs/testing.md)
bash scripts/fuzz.sh --replay

step "CLI smoke (release build)"
cargo build -q --release
out=$(./target/release/livetalk eval '3 + 4')
[ "$out" = "7" ] || { echo "CLI eval printed '$out'" >&2; exit 1; }
out=$(./target/release/livetalk run examples/hello.st)
[ "$out" = "Hello, world" ] || { echo "examples/hello.st printed '$out'" >&2; exit 1; }
out=$(printf 'Demo new methB + 1\n' | ./target/release/livetalk repl --load crate/tests/live/seed.st)
[ "$out" = "$(printf 'loaded crate/tests/live/seed.st\n2')" ] || { echo "repl printed '$out'" >&2; exit 1; }
./target/release/livetalk live crate/tests/live/seed.live >/dev/null

if [ "${SKIP_WEB:-}" = 1 ]; then
  step "web tests skipped (SKIP_WEB=1)"
else
  step "web tests (scripts/test-web.sh)"
  bash scripts/test-web.sh
fi

echo
echo "all tests passed"
