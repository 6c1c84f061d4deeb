#!/usr/bin/env bash
# Installs what Livetalk's scripts need, skipping whatever is already there
# (run it as often as you like). Debian 12; run as root or with sudo.
#
#   bash scripts/setup.sh native   # the pinned Rust (rust-toolchain.toml)
#   bash scripts/setup.sh serve    # + the wasm target, wasm-bindgen-cli, wasm-pack
#                                  #   (serve.sh); needs python3 to serve; and,
#                                  #   where Node >= 20 is there, wasm-opt
#                                  #   (npm's binaryen, in scripts/binaryen)
#   bash scripts/setup.sh test     # + Chromium, chromedriver and playwright-core
#                                  #   for the browser tests; needs Node >= 20
#
# Every version is pinned: Rust in rust-toolchain.toml, wasm-bindgen-cli to
# the wasm-bindgen of Cargo.lock, wasm-pack below, playwright-core in
# tests/package.json (and its lock file), binaryen (wasm-opt) in
# scripts/binaryen/package.json (and its lock file). What cannot be installed here
# (rustup, Node, root) is checked first, with what to do about it.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
NODE_MAJOR_MIN=20

say() { printf '[setup] %s\n' "$*"; }
fail() {
  printf 'setup: %s\n' "$1" >&2
  shift
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}

what="${1:-serve}"
case "$what" in
  native | serve | test) ;;
  *) fail "unknown target '$what': use native, serve or test" ;;
esac

export PATH="$HOME/.cargo/bin:$PATH"

# ---- checks first: nothing is installed until all of them pass ----------

command -v rustup >/dev/null ||
  fail "rustup is not installed (Livetalk pins its Rust with rust-toolchain.toml)." \
    "Install it:  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal" \
    "then open a new shell (or: source \"\$HOME/.cargo/env\") and run this again."

if [ "$what" != native ]; then
  command -v python3 >/dev/null ||
    fail "python3 is needed to serve the playground." "Install it:  apt-get install -y python3"
fi

apt_missing=()
if [ "$what" = test ]; then
  if ! command -v node >/dev/null; then
    fail "Node.js ${NODE_MAJOR_MIN} or newer is needed for the browser tests, and there is none." \
      "Debian 12's own nodejs is 18, too old: install Node ${NODE_MAJOR_MIN} (NodeSource's nodejs package, or nvm)." \
      "SKIP_WEB=1 bash scripts/test.sh runs the native tests without it."
  fi
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$node_major" -lt "$NODE_MAJOR_MIN" ]; then
    fail "Node.js $(node --version) is too old: the browser tests need ${NODE_MAJOR_MIN} or newer." \
      "Install Node ${NODE_MAJOR_MIN} (NodeSource's nodejs package, or nvm) and run this again."
  fi
  command -v npm >/dev/null ||
    fail "npm is missing (it comes with Node.js ${NODE_MAJOR_MIN}: NodeSource's nodejs package includes it)."
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || apt_missing+=(chromium-driver)
fi

SUDO=""
if [ ${#apt_missing[@]} -gt 0 ] && [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  elif command -v sudo >/dev/null && [ -t 0 ]; then
    SUDO="sudo" # it asks for the password
  else
    fail "installing ${apt_missing[*]} with apt-get needs root." \
      "Run this as root, or install sudo and give this user the right to use it."
  fi
fi

# ---- 1. Rust, as rust-toolchain.toml pins it ------------------------------

channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
targets=()
[ "$what" != native ] && targets=(--target wasm32-unknown-unknown)
if rustup toolchain list | grep -q "^$channel-"; then
  have_components=$(rustup +"$channel" component list --installed)
  for c in clippy rustfmt; do
    grep -q "^$c" <<<"$have_components" || rustup +"$channel" component add "$c"
  done
  if [ "$what" != native ]; then
    rustup +"$channel" target list --installed | grep -qx wasm32-unknown-unknown ||
      rustup +"$channel" target add wasm32-unknown-unknown
  fi
  say "Rust $channel: present"
else
  say "installing Rust $channel (about a minute)"
  rustup toolchain install "$channel" --profile minimal --component clippy,rustfmt "${targets[@]}"
fi

[ "$what" = native ] && { say "done"; exit 0; }

# ---- 2. wasm-bindgen-cli, exactly the wasm-bindgen of Cargo.lock ----------

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || fail "no wasm-bindgen in Cargo.lock"
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$want" ]; then
  say "wasm-bindgen-cli $want: present"
else
  say "installing wasm-bindgen-cli $want (was: ${have:-none}); 2 to 6 minutes on 2 cores"
  # no --locked: the registry copy here cannot resolve the CLI's own lock file
  cargo install -q wasm-bindgen-cli --version "$want" --force
fi

# ---- 3. wasm-pack (uses wasm-bindgen from PATH; wasm-opt is off) ----------

have=$(wasm-pack --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" = "$WASM_PACK_VERSION" ]; then
  say "wasm-pack $WASM_PACK_VERSION: present"
else
  say "installing wasm-pack $WASM_PACK_VERSION (was: ${have:-none}); 2 to 6 minutes on 2 cores"
  cargo install -q wasm-pack --version "$WASM_PACK_VERSION" --force
fi

# ---- 4. wasm-opt: npm's binaryen, as scripts/binaryen/package-lock.json pins
# it (Debian's binaryen 108 breaks wasm-bindgen's externref table). Needs
# Node; without it serve.sh serves the wasm unoptimized.

node_ok=false
if command -v node >/dev/null && command -v npm >/dev/null &&
  [ "$(node -p 'process.versions.node.split(".")[0]')" -ge "$NODE_MAJOR_MIN" ]; then
  node_ok=true
fi
if $node_ok; then
  want=$(node -p 'require("./scripts/binaryen/package.json").dependencies.binaryen')
  have=$(node -p 'try { require("./scripts/binaryen/node_modules/binaryen/package.json").version } catch { "" }')
  if [ "$have" = "$want" ]; then
    say "binaryen (wasm-opt) $want: present"
  else
    say "npm ci in scripts/binaryen (binaryen $want, for wasm-opt)"
    (cd scripts/binaryen && npm ci --no-audit --no-fund --silent)
  fi
else
  say "no Node ${NODE_MAJOR_MIN} or newer: wasm-opt is not installed, serve.sh serves the wasm unoptimized"
fi

[ "$what" = serve ] && { say "done"; exit 0; }

# ---- 5. Chromium and chromedriver from Debian ------------------------------

if [ ${#apt_missing[@]} -eq 0 ]; then
  say "chromium, chromium-driver: present"
else
  say "apt-get install ${apt_missing[*]} (a minute or two)"
  log=$(mktemp)
  if ! { $SUDO apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${apt_missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
fi

# ---- 6. playwright-core, as tests/package-lock.json pins it ----------------
# (never `npx playwright install`: it downloads browsers; the tests use the
# system Chromium)

want=$(node -p 'require("./tests/package.json").dependencies["playwright-core"]')
have=$(node -p 'try { require("./tests/node_modules/playwright-core/package.json").version } catch { "" }')
if [ "$have" = "$want" ]; then
  say "playwright-core $want: present"
else
  say "npm ci in tests/ (playwright-core $want)"
  (cd tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi

say "done"
