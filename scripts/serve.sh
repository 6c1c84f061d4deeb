#!/usr/bin/env bash
# Builds the VM for the browser and serves the playground on localhost.
#
#   bash scripts/serve.sh               # build, then serve on http://localhost:8000/
#   PORT=9000 bash scripts/serve.sh     # another port
#   bash scripts/serve.sh --build-only  # build www/pkg and stop (used by test-web.sh)
#
# Installs what it needs first (scripts/setup-web.sh, idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

bash scripts/setup-web.sh

echo "[serve] building the wasm package (release) into www/pkg"
# wasm-pack uses wasm-bindgen and wasm-opt from PATH (setup-web.sh put them there)
wasm-pack --log-level warn build crate --target web --release --no-typescript --out-dir ../www/pkg
raw=$(stat -c %s www/pkg/livetalk_bg.wasm)
gz=$(gzip -9 -c www/pkg/livetalk_bg.wasm | wc -c)
echo "[serve] www/pkg/livetalk_bg.wasm: $raw bytes raw, $gz bytes gzipped"

$build_only && exit 0

port="${PORT:-8000}"
python3 -m http.server --bind 127.0.0.1 --directory www "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
# the Content-Type of a URL once the server answers ('' if it never does)
content_type() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
for _ in range(50):
    try:
        with urllib.request.urlopen(sys.argv[1]) as r:
            print(r.headers.get("Content-Type", ""))
            break
    except OSError:
        time.sleep(0.1)
PY
}
# browsers compile wasm in a stream only when it is served as application/wasm
type=$(content_type "http://127.0.0.1:$port/pkg/livetalk_bg.wasm")
if [ "$type" != "application/wasm" ]; then
  echo "[serve] warning: .wasm is served as '$type', not application/wasm" >&2
fi
echo
echo "Livetalk playground: http://localhost:$port/"
echo "(Ctrl+C stops the server)"
wait "$server"
