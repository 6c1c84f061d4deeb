#!/usr/bin/env bash
# Builds the VM for the browser and serves the playground on localhost.
#
#   bash scripts/serve.sh               # build, then serve on http://127.0.0.1:8000/
#                                       # (or the next free port up to 8009)
#   PORT=9000 bash scripts/serve.sh     # start from another port
#   bash scripts/serve.sh --build-only  # build www/pkg and stop (the tests use it)
#
# Installs what it needs first, skipping what is there (scripts/setup.sh
# serve: the pinned Rust with its wasm target, wasm-bindgen-cli, wasm-pack).
# The first run compiles the tools and the VM: 5 to 12 minutes on 2 cores,
# depending on what else runs; later ones take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

bash scripts/setup.sh serve

echo "[serve] building the wasm package (release) into www/pkg"
# wasm-pack uses the wasm-bindgen on PATH (setup.sh put the pinned one
# there); wasm-opt is off in crate/Cargo.toml
wasm-pack --log-level warn build crate --target web --release --no-typescript --out-dir ../www/pkg
raw=$(stat -c %s www/pkg/livetalk_bg.wasm)
gz=$(gzip -9 -c www/pkg/livetalk_bg.wasm | wc -c)
echo "[serve] www/pkg/livetalk_bg.wasm: $raw bytes raw, $gz bytes gzipped"

$build_only && exit 0

echo
# serve.py prints the URL once it listens, trying the next ports if one is taken
exec python3 scripts/serve.py www --port "${PORT:-8000}"
