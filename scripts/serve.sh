#!/usr/bin/env bash
# Builds the VM for the browser and serves the playground on localhost.
#
#   bash scripts/serve.sh               # build, then serve on http://127.0.0.1:8000/
#                                       # (or the next free port up to 8009)
#   PORT=9000 bash scripts/serve.sh     # start from another port
#   bash scripts/serve.sh --build-only  # build www/pkg and stop (the tests use it)
#
# Installs what it needs first, skipping what is there (scripts/setup.sh
# serve: the pinned Rust with its wasm target, wasm-bindgen-cli, wasm-pack,
# and, where Node is there, wasm-opt from npm). Prints the wasm's size raw
# and gzipped; the page gets it gzipped (Content-Encoding: gzip).
# WASM_OPT_OFF=1 builds without wasm-opt.
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
# there); its own wasm-opt step is off in crate/Cargo.toml: the pinned
# wasm-opt runs below instead
wasm-pack --log-level warn build crate --target web --release --no-typescript --out-dir ../www/pkg
wasm=www/pkg/livetalk_bg.wasm
size() { stat -c %s "$1"; }
gzsize() { gzip -9 -n -c "$1" | wc -c; }
echo "[serve] $wasm from wasm-bindgen: $(size $wasm) bytes raw, $(gzsize $wasm) bytes gzipped"

# wasm-opt from npm's binaryen 132 (scripts/binaryen, installed by setup.sh
# where Node is there; Debian's binaryen 108 breaks wasm-bindgen's externref
# table). By default it only strips the name section (--strip-debug): that
# takes the gzipped size down by 7%, as much as -O2 does, while -O2 and -O3
# made the interpreter up to 2x slower in V8 (docs/performance.md,
# "Loading"). WASM_OPT_FLAGS="-O2" to try passes again. Its output is kept
# in target/wasm-opt/ by the hash of its input and flags, and reused.
WASM_OPT=scripts/binaryen/node_modules/.bin/wasm-opt
WASM_OPT_FLAGS=${WASM_OPT_FLAGS:---strip-debug}
if [ "${WASM_OPT_OFF:-}" != 1 ] && [ -x "$WASM_OPT" ] && command -v node >/dev/null; then
  mkdir -p target/wasm-opt
  key=$( (cat "$wasm"; echo "$WASM_OPT_FLAGS") | sha256sum | cut -c1-32)
  cached=target/wasm-opt/$key.wasm
  if [ ! -s "$cached" ]; then
    echo "[serve] wasm-opt $WASM_OPT_FLAGS (binaryen $("$WASM_OPT" --version | awk '{print $3}'))"
    # shellcheck disable=SC2086 # the flags are words
    "$WASM_OPT" $WASM_OPT_FLAGS "$wasm" -o "$cached.tmp"
    mv "$cached.tmp" "$cached"
    # keep the last few
    ls -t target/wasm-opt/*.wasm | tail -n +5 | xargs -r rm -f
  fi
  cp "$cached" "$wasm"
elif [ "${WASM_OPT_OFF:-}" = 1 ]; then
  echo "[serve] wasm-opt skipped (WASM_OPT_OFF=1): the wasm is served as wasm-bindgen made it"
else
  echo "[serve] wasm-opt skipped (no Node, or scripts/binaryen not installed: bash scripts/setup.sh serve with Node 20): the wasm is served as wasm-bindgen made it"
fi

# compressed once here; serve.py sends it with Content-Encoding: gzip to
# browsers that accept it (all do)
gzip -9 -n -k -f "$wasm"
echo "[serve] $wasm: $(size $wasm) bytes raw, $(size $wasm.gz) bytes gzipped (served compressed)"

$build_only && exit 0

echo
# serve.py prints the URL once it listens, trying the next ports if one is taken
exec python3 scripts/serve.py www --port "${PORT:-8000}"
