#!/usr/bin/env bash
# Remakes the kernel snapshot, crate/kernel/kernel.snap: the VM as the
# kernel sources leave it, which the CLI and the page load at start instead
# of compiling the sources (crate/src/snapshot/). Run it after changing
# crate/kernel/*.st or the code that reads, compiles or snapshots them;
# until then the VM compiles the sources at start (and says so), and
# `cargo test --test snapshot` fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
LIVETALK_WRITE_SNAPSHOT=1 cargo test -q --test snapshot the_built_in_snapshot_is_current -- --nocapture 2>&1 |
  grep -E '^wrote |^error|panicked' || true
cargo test -q --test snapshot
