#!/usr/bin/env bash
# A fuzzing campaign measured in CPU time rather than wall time: runs one
# already-built target (optimized, `cargo +nightly fuzz build`) at the
# lowest priority from its corpus until the fuzzer process has used
# CPU_SECONDS of user + system time, then stops it with SIGINT (libFuzzer
# prints its final statistics) and reports the CPU time, wall time and
# executions for docs/fuzzing.md. On a shared machine the wall time is
# whatever the other load leaves; the CPU time is what the campaign
# actually spent. Stopping the fuzzer (SIGSTOP/SIGCONT, say while
# benchmarks run) pauses the count too.
#
#   fuzz/campaign.sh TARGET CPU_SECONDS [extra libFuzzer flags]
set -euo pipefail
cd "$(dirname "$0")"
target=$1
budget=$2
shift 2
bin=${FUZZ_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/$target
[ -x "$bin" ] || { echo "campaign: $bin is not built (cargo +nightly fuzz build)" >&2; exit 2; }
mkdir -p "corpus/$target" "artifacts/$target"
log=${CAMPAIGN_LOG:-campaign-$target-$(date +%Y%m%dT%H%M%S).log}
ticks=$(getconf CLK_TCK)
start=$(date +%s)
# Inputs of up to 4 KiB from the start (`-len_control=0`): with
# libFuzzer's default length control they stay near 40 bytes for many
# CPU minutes, too short to reach the generators' last configuration
# draws (the newest proposals; docs/fuzzing.md, fifth round). Flags given
# after CPU_SECONDS come later and win.
nice -n 19 "$bin" "corpus/$target" -artifact_prefix="artifacts/$target/" \
    -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -len_control=0 -max_len=4096 "$@" >"$log" 2>&1 &
pid=$!
cpu=0
while kill -0 "$pid" 2>/dev/null; do
    # utime and stime, fields 14 and 15 of /proc/PID/stat (the command
    # name, field 2, has no spaces here).
    if read -r -a stat <"/proc/$pid/stat" 2>/dev/null; then
        cpu=$(( (stat[13] + stat[14]) / ticks ))
    fi
    if [ "$cpu" -ge "$budget" ]; then
        kill -INT "$pid" 2>/dev/null || true
        break
    fi
    sleep 5
done
status=0
wait "$pid" || status=$?
wall=$(( $(date +%s) - start ))
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
crashes=$(find "artifacts/$target" -type f -newer "$log" 2>/dev/null | wc -l)
echo "campaign: $target cpu=${cpu}s wall=${wall}s execs=${execs:-?} exit=$status new-artifacts=$crashes log=$log"
