#!/usr/bin/env bash
# Remakes docs/playground.png (the README's screenshot) in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/serve.sh --build-only
mkdir -p target
source scripts/static-server.sh
start_static_server
BASE_URL="http://127.0.0.1:$port/" node scripts/screenshot.mjs "$@"
