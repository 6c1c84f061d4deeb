#!/usr/bin/env bash
# The web tests: the wasm API in headless Chromium (wasm-pack test,
# crate/tests/web.rs), then the playground end to end (tests/e2e.mjs,
# Playwright driving the system Chromium against a local static server).
# Installs what it needs first (idempotent). Exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "web toolchain"
bash scripts/setup-web.sh

step "wasm API tests (wasm-pack test --headless --chrome, crate/tests/web.rs)"
wasm-pack --log-level warn test --headless --chrome crate --test web

step "build the playground"
bash scripts/serve.sh --build-only

step "end-to-end tests (tests/e2e.mjs in Chromium)"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory www "$port" >target/web-server.log 2>&1 &
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
(cd tests && BASE_URL="http://127.0.0.1:$port/" node e2e.mjs)
