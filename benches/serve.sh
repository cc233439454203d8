#!/usr/bin/env bash
# `petrel serve` under load: wrk on loopback against a hello function, on
# both tiers, in C and in Rust, beside the same function served natively
# (in-process, and as a process per request, classic CGI; both by
# benches/src/bin/serve_native.rs on the same HTTP stack) and, where it
# builds, `wasmtime serve` running the hello as a `wasi:http` component
# (benches/workloads/http-hello). Prints a Markdown table.
#
# Each server is pinned to SERVER_CPUS (default: CPU 0, so throughput is
# per core) and wrk to CLIENT_CPUS (default: CPU 1). For each server:
#   1. alone: one connection, one request at a time: median and p99
#      latency of a request on an idle server;
#   2. saturation: wrk with CONNS connections (default 32) for DURATION
#      (default 10s): requests per second, median and p99 latency;
#   3. half load: wrk with connections that each wait PACE_MS (default
#      5) between a response and their next request, as many as make
#      about half the saturated rate: median and p99 latency there.
#      (Debian's wrk has no fixed-rate mode; the rate actually reached is
#      printed.)
# For petrel, the median time in the guest (instantiation and `_start`)
# from its request log.
#
#   benches/serve.sh
#   DURATION=30s CONNS=64 benches/serve.sh
#   SERVER_CPUS=0-3 CLIENT_CPUS=4-5 benches/serve.sh   # a larger machine
#
# Needs wrk (apt-get install wrk), clang with wasi-libc and lld, the
# wasm32-wasip1 target, a C compiler for the host; for the wasmtime row,
# the wasm32-wasip2 target (rustup target add wasm32-wasip2) and
# scripts/install-wasmtime's wasmtime.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
PACE_MS=${PACE_MS:-5}
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPUS=${CLIENT_CPUS:-1}
PORT=${PORT:-18180}
URL="http://127.0.0.1:$PORT/hello"

if ! command -v wrk >/dev/null; then
  echo "==> installing wrk" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
  $sudo apt-get update >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
fi

out=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT

echo "==> building petrel, serve_native and the functions" >&2
petrel=$(scripts/build-release)
scripts/build-release --bin serve_native -p petrel-benches >/dev/null
native_server="$(dirname "$petrel")/serve_native"
# The target directory, absolute (the functions are built from their own
# folders).
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
${CLANG:-clang} --target=wasm32-wasi -O2 -o "$out/hello-c.wasm" cli/tests/serve-guests/c/hello.c
${CC:-cc} -O2 -o "$out/hello-native" cli/tests/serve-guests/c/hello.c
(cd cli/tests/serve-guests/rust &&
  CARGO_TARGET_DIR="$target/serve-guests" \
    cargo build --release --quiet --target wasm32-wasip1 --bin hello >&2)
rust_hello="$target/serve-guests/wasm32-wasip1/release/hello.wasm"
component=""
wasmtime=""
if rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  if (cd benches/workloads/http-hello &&
    CARGO_TARGET_DIR="$target/http-hello" \
      cargo build --release --quiet --target wasm32-wasip2 >&2); then
    component="$target/http-hello/wasm32-wasip2/release/http_hello.wasm"
    wasmtime=$(scripts/install-wasmtime 2>/dev/null || true)
  fi
else
  echo "==> no wasm32-wasip2 target: the wasmtime serve row is left out" >&2
fi

# A wrk latency ("87.00us", "1.23ms", "2.00s") in microseconds.
to_us() {
  awk -v t="$1" 'BEGIN {
    n = t + 0
    if (t ~ /us$/) print n; else if (t ~ /ms$/) print n * 1000;
    else if (t ~ /s$/) print n * 1000000; else print n }'
}
field() { awk -v p="$2" '$1 == p { print $2 }' "$1"; }
rate() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

cat >"$out/pace.lua" <<EOF
function delay() return $PACE_MS end
EOF

# The median of the `guest_us=` fields of a petrel serve log ("-" for
# other servers).
guest_median() {
  grep -o 'guest_us=[0-9]*' "$1" | cut -d= -f2 | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'
}

row() {
  local name=$1
  shift
  taskset -c "$SERVER_CPUS" "$@" >/dev/null 2>"$out/server.log" &
  server_pid=$!
  for _ in $(seq 600); do
    if curl -sf -o /dev/null "$URL"; then break; fi
    sleep 0.1
  done
  if ! curl -sf -o /dev/null "$URL"; then
    echo "==> $name did not start:" >&2
    cat "$out/server.log" >&2
    exit 1
  fi
  echo "==> $name" >&2
  local w="taskset -c $CLIENT_CPUS wrk -t1"
  $w -c"$CONNS" -d2s "$URL" >/dev/null
  # One connection, one request at a time: the latency of a request alone.
  $w -c1 -d"$DURATION" --latency "$URL" >"$out/one.txt"
  $w -c"$CONNS" -d"$DURATION" --latency "$URL" >"$out/full.txt"
  local full_rate
  full_rate=$(rate "$out/full.txt")
  # Paced connections, each waiting PACE_MS after a response: a short
  # run finds how many make half the saturated rate, then the real one.
  local paced
  paced=$(awk -v r="$full_rate" -v p="$PACE_MS" 'BEGIN {
    c = int(r / 2 * p / 1000 + 0.5); if (c < 1) c = 1; print c }')
  $w -c"$paced" -d3s -s "$out/pace.lua" "$URL" >"$out/half.txt"
  paced=$(awk -v r="$full_rate" -v c="$paced" -v got="$(rate "$out/half.txt")" 'BEGIN {
    n = int(c * r / 2 / got + 0.5); if (n < 1) n = 1; print n }')
  $w -c"$paced" -d"$DURATION" --latency -s "$out/pace.lua" "$URL" >"$out/half.txt"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  printf '| %s | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f (%d conns) | %.0f | %.0f |\n' "$name" \
    "$(guest_median "$out/server.log")" \
    "$(to_us "$(field "$out/one.txt" 50%)")" "$(to_us "$(field "$out/one.txt" 99%)")" \
    "$full_rate" "$(to_us "$(field "$out/full.txt" 50%)")" "$(to_us "$(field "$out/full.txt" 99%)")" \
    "$(rate "$out/half.txt")" "$paced" \
    "$(to_us "$(field "$out/half.txt" 50%)")" "$(to_us "$(field "$out/half.txt" 99%)")"
}

addr="127.0.0.1:$PORT"
echo "| server | guest us, median | alone: median us | p99 us | saturated: req/s | median us | p99 us | half load: req/s | median us | p99 us |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for tier in interp jit; do
  row "petrel serve --tier $tier, C hello" "$petrel" serve --tier "$tier" --addr "$addr" --route "/hello=$out/hello-c.wasm"
done
for tier in interp jit; do
  row "petrel serve --tier $tier, Rust hello" "$petrel" serve --tier "$tier" --addr "$addr" --route "/hello=$rust_hello"
done
if [ -n "$component" ] && [ -n "$wasmtime" ]; then
  row "wasmtime serve, Rust wasi:http hello" "$wasmtime" serve -S cli=y --addr "$addr" "$component"
fi
row "native, in-process (no isolation)" "$native_server" --addr "$addr" inproc
row "native, a process per request (CGI)" "$native_server" --addr "$addr" process "$out/hello-native"
echo
echo "Server on CPUs $SERVER_CPUS, wrk on CPUs $CLIENT_CPUS; $DURATION per run; alone: one connection; saturated: $CONNS connections; half load: each connection waits $PACE_MS ms between requests. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
