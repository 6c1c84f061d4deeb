#!/usr/bin/env bash
# Refreshes the pictures the README and docs/ show, from the end-to-end
# run (tests/e2e.mjs saves them to tests/artifacts/):
#   docs/playground.png  the seed demo stopped on ZeroDivide after methB
#                        was redefined, with the tier's story of methA:
#   docs/tier-pane.png   the Tier pane with methA:'s optimized code
#
#   bash scripts/screenshot.sh          # run the web tests, then copy
#   bash scripts/screenshot.sh --copy   # copy what the last e2e run saved
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--copy" ]; then
  bash scripts/setup.sh test
  bash scripts/serve.sh --build-only
  mkdir -p target
  source scripts/static-server.sh
  start_static_server
  (cd tests && BASE_URL="http://127.0.0.1:$port/" node e2e.mjs)
fi
for pic in playground tier-pane; do
  src=tests/artifacts/$pic.png
  [ -s "$src" ] || { echo "screenshot.sh: $src is missing: run the e2e tests (scripts/test-web.sh)" >&2; exit 1; }
  cp "$src" "docs/$pic.png"
  echo "docs/$pic.png <- $src"
done
