#!/usr/bin/env bash
# Builds every fuzz target and runs each for a short, bounded slice, then
# replays the committed reproducers in fuzz/regressions/. Installs the
# nightly toolchain and the pinned cargo-fuzz if they are missing.
#
#   fuzz/run-ci.sh            # 60 s per target
#   FUZZ_SECONDS=600 fuzz/run-ci.sh
#
# Exits non-zero if a build fails, a target finds a crash (the input is
# saved under fuzz/artifacts/TARGET/), or a reproducer regresses.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")"

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    cargo install cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --locked
fi

start=$(date +%s)
cargo +nightly fuzz build
echo "fuzz: built every target in $(( $(date +%s) - start )) s"

status=0
for target in $(cargo +nightly fuzz list); do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "fuzz: running $target for $FUZZ_SECONDS s"
    set +e
    cargo +nightly fuzz run "$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=20 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" 2>&1 | grep -v -e '^#' -e 'NEW_FUNC'
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "fuzz: $target FAILED; reproduce with: cargo +nightly fuzz run $target fuzz/artifacts/$target/<file>"
        status=1
    fi
done

cargo test --quiet
echo "fuzz: finished in $(( $(date +%s) - start )) s"
exit $status
