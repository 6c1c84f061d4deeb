#!/usr/bin/env bash
# The web tests: the wasm API in headless Chromium (wasm-pack test,
# crate/tests/web.rs), then the playground end to end (tests/e2e.mjs,
# playwright-core driving the system Chromium against a local static
# server). Installs what it needs first (scripts/setup.sh test, which
# skips what is there). Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "web toolchain"
bash scripts/setup.sh test

step "wasm API tests (wasm-pack test --headless --chrome, crate/tests/web.rs)"
wasm-pack --log-level warn test --headless --chrome crate --test web

step "build the playground"
bash scripts/serve.sh --build-only

step "end-to-end tests (tests/e2e.mjs in Chromium)"
mkdir -p target
source scripts/static-server.sh
start_static_server
(cd tests && BASE_URL="http://127.0.0.1:$port/" node e2e.mjs)
