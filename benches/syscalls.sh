#!/usr/bin/env bash
# The host-boundary benchmark: a C guest (workloads/c/syscalls.c) that
# makes N `fd_write` calls of a few bytes each, run whole-process by
# hyperfine with stdout to /dev/null, on both of Petrel's tiers beside
# wasmtime and wasmi (from benches/.peers, which compare.sh installs) and,
# if given, an older `petrel` binary: the before and after of a change to
# the boundary.
#
#   benches/syscalls.sh                      # this checkout's petrel
#   benches/syscalls.sh /path/to/old/petrel  # and an older build beside it
#   N=200000 benches/syscalls.sh
#
# Needs clang with wasi-libc (apt-get install clang lld wasi-libc) and
# hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-200000}
before=${1:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

petrel=$(scripts/build-release)
wasm="$out/syscalls.wasm"
${CLANG:-clang} --target=wasm32-wasi -O2 -o "$wasm" benches/workloads/c/syscalls.c

cmds=()
names=()
add() { names+=("$1"); cmds+=("$2"); }
# No compile cache anywhere: every JIT run compiles, as compare.sh's do.
for tier in interp jit; do
  add "petrel $tier" "$petrel run --tier $tier -C cache=n $wasm $n"
  if [ -n "$before" ]; then
    add "petrel $tier (before)" "$before run --tier $tier -C cache=n $wasm $n"
  fi
done
peers=benches/.peers/bin
if [ -x "$peers/wasmtime" ]; then add "wasmtime" "$peers/wasmtime run -C cache=n $wasm $n"; fi
if [ -x "$peers/wasmi" ]; then add "wasmi" "$peers/wasmi $wasm $n"; fi

# hyperfine runs each command's runs together: on a noisy machine, run
# the script twice and trust only what both runs agree on.
args=(-N --warmup 3 --runs "${RUNS:-20}" --export-markdown "$out/report.md")
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
env -u RUST_BACKTRACE hyperfine "${args[@]}" >&2
cat "$out/report.md"
