#!/bin/sh
# Runs every fuzz target built in a fuzz build directory for a bounded time each.
#   tests/fuzz/run_fuzzers.sh <fuzz-build-dir> <seconds-per-target> [jobs]
# Configures and builds nothing: build first with
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DINSTANTCHAT_BUILD_FUZZERS=ON ...
#   cmake --build build-fuzz --target fuzzers
# Each target runs on a scratch copy of its committed seed corpus (tests/fuzz/corpus/<target>), so
# the repository is never written to. `jobs` targets (default 1) run at once, each a single
# libFuzzer process on one core for its full time: on a machine with that many free cores every
# target gets the same fuzzing as when they run one after the other, in 1/jobs of the wall time.
# A crash, sanitizer report, leak, timeout or out-of-memory counts as failed; the reproducer stays
# in the work directory that is printed. Results are printed in target order once each target is
# done. The last line is exactly "N passed, N failed"; the exit status is 0 only when nothing
# failed.
set -u

if [ $# -ne 2 ] && [ $# -ne 3 ]; then
    echo "usage: $0 <fuzz-build-dir> <seconds-per-target> [jobs]" >&2
    exit 2
fi
build_dir=$1
seconds=$2
jobs=${3:-1}
case $seconds in
    ''|*[!0-9]*) echo "seconds must be a positive integer" >&2; exit 2 ;;
esac
case $jobs in
    ''|0|*[!0-9]*) echo "jobs must be a positive integer" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
fuzz_bin=$build_dir/tests/fuzz
work=$(mktemp -d "${TMPDIR:-/tmp}/instantchat-fuzz.XXXXXX")
echo "work directory: $work"

targets="fuzz_client_frame fuzz_names fuzz_cookie fuzz_ws_parser fuzz_drawing fuzz_registry fuzz_room fuzz_snapshot fuzz_replication"

# One target: its exit status goes to $work/<target>/status.
run_target() {
    target=$1
    corpus=$work/$target/corpus
    artifacts=$work/$target/artifacts
    log=$work/$target/log.txt
    # -timeout: one input taking 10 s is a hang, reported like a crash.
    "$fuzz_bin/$target" "$corpus" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
    echo $? >"$work/$target/status"
}

found=0
built=""
running=0
started=""
for target in $targets; do
    if [ ! -x "$fuzz_bin/$target" ]; then
        echo "$target: not built, skipped"
        continue
    fi
    found=$((found + 1))
    built="$built $target"
    mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
    if [ -d "$here/corpus/$target" ]; then
        cp "$here/corpus/$target"/* "$work/$target/corpus"/ 2>/dev/null
    fi
    if [ $running -ge "$jobs" ]; then
        # A slot frees when the oldest running target ends (all run for the same time).
        oldest=${started%% *}
        started=${started#* }
        wait "$oldest"
        running=$((running - 1))
    fi
    echo "$target: running for ${seconds}s"
    run_target "$target" &
    started="$started$! "
    started=${started# }
    running=$((running + 1))
done
wait

passed=0
failed=0
for target in $built; do
    status=$(cat "$work/$target/status" 2>/dev/null || echo "none")
    log=$work/$target/log.txt
    artifacts=$work/$target/artifacts
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
        echo "$target: passed (${execs:-?} executions)"
    else
        failed=$((failed + 1))
        echo "$target: FAILED (exit status $status, ${execs:-?} executions), log: $log"
        grep -E 'ERROR: |invariant failed|SUMMARY: ' "$log" | head -n 5 | sed 's/^/    /'
        ls "$artifacts" 2>/dev/null | sed "s|^|    reproducer: $artifacts/|"
    fi
done

if [ $found -eq 0 ]; then
    echo "no fuzz targets in $fuzz_bin (configure with -DINSTANTCHAT_BUILD_FUZZERS=ON and clang)" >&2
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $found -gt 0 ]
