#!/usr/bin/env bash
# Installs what the web build and the browser tests need (idempotent: each
# step is skipped when its tool is already there). See ../shared/TOOLCHAIN.md.
# CI runs this as root on a fresh Debian 12 machine.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup-web] %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

# run as root in CI; use sudo elsewhere if it is there
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

# 1. the wasm target
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown: present"
else
  say "adding target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen CLI, exactly the version in Cargo.lock
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then
  echo "setup-web: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$want" ]; then
  say "wasm-bindgen $want: present"
else
  say "installing wasm-bindgen-cli $want (was: ${have:-none}); takes a few minutes"
  # no --locked: the registry copy here cannot resolve the CLI's own lock file
  cargo install -q wasm-bindgen-cli --version "$want" --force
fi

# 3. wasm-pack (uses wasm-bindgen and wasm-opt from PATH, never downloads them)
if command -v wasm-pack >/dev/null; then
  say "wasm-pack: present"
else
  say "installing wasm-pack; takes a minute or two"
  cargo install -q wasm-pack
fi

# 4. wasm-opt, Chromium and chromedriver from Debian
missing=()
command -v wasm-opt >/dev/null || missing+=(binaryen)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
  say "binaryen, chromium, chromium-driver: present"
else
  say "apt-get install ${missing[*]}"
  log=$(mktemp)
  if ! { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup-web: apt-get failed (full log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
fi

# 5. the e2e driver (never `npx playwright install`: it downloads browsers)
if [ -d tests/node_modules/playwright-core ]; then
  say "playwright-core: present"
else
  say "npm install in tests/"
  (cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent)
fi

say "done"
