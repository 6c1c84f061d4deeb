#!/usr/bin/env bash
# Runs every test Livetalk has. Installs what it needs first (idempotent),
# so it works on a fresh machine: see ../shared/TOOLCHAIN.md.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain"
command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt

step "format"
cargo fmt --all -- --check

step "clippy"
cargo clippy --all-targets -q -- -D warnings

step "native tests (golden suite under tier off/on/eager and fuel 1, live scripts, unit tests)"
# The golden suite runs on a thread with a 512 KiB Rust stack (see
# crate/tests/golden.rs): 100,000-deep Smalltalk recursion passes there only
# because the VM never recurses in Rust for Smalltalk calls.
cargo test -q --workspace 2>&1 | tee target/test-output.txt
grep -q "test result: ok" target/test-output.txt

step "fuzz targets build (crate/fuzz: compile, file_in, differential, verify)"
# a separate workspace with its own lock file; building it keeps the
# targets from rotting (running them needs nightly: see the README)
cargo build -q --manifest-path crate/fuzz/Cargo.toml

step "CLI smoke"
cargo build -q --release
out=$(./target/release/livetalk eval '3 + 4')
[ "$out" = "7" ] || { echo "CLI eval printed '$out'" >&2; exit 1; }
./target/release/livetalk live crate/tests/live/seed.live >/dev/null

# ----- web (issue 4): the wasm API in headless Chromium, the playground build,
# and the browser end-to-end tests. Installs its own toolchain (setup-web.sh).
if [ "${SKIP_WEB:-}" = 1 ]; then
  step "web tests skipped (SKIP_WEB=1)"
else
  step "web tests (scripts/test-web.sh)"
  bash scripts/test-web.sh
fi

echo
echo "all tests passed"
