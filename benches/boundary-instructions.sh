#!/usr/bin/env bash
# The Wasm/host boundary in instructions per call (callgrind), for
# Petrel's two tiers beside wasmtime 48 and wasmi 2.0 in-process: each
# engine runs N and N + 1,000,000 calls, and the difference of the two
# instruction counts divided by 1,000,000 is the cost of one call, set-up
# and compilation cancelled out. Exact and load-independent, unlike times
# on a shared machine; read it beside criterion's `boundary` times, which
# also weigh caches and branch prediction. Needs valgrind.
#
#   benches/boundary-instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -p petrel-benches --features peers --bin boundary_count >&2
bin=${CARGO_TARGET_DIR:-target}/release/boundary_count
base=100000
extra=1000000

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p; s/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d , | tail -1
}

echo "| instructions per call | Petrel interp | Petrel JIT | wasmtime | wasmi |"
echo "| --- | ---: | ---: | ---: | ---: |"
for path in wasm-to-host host-to-wasm; do
  row="| $path |"
  for engine in interp jit wasmtime wasmi; do
    a=$(count "$engine" "$path" "$base")
    b=$(count "$engine" "$path" $((base + extra)))
    row="$row $(( (b - a) / extra )) |"
  done
  echo "$row"
done
