#!/bin/sh
# Runs every fuzz target built in a fuzz build directory for a bounded time each.
#   tests/fuzz/run_fuzzers.sh <fuzz-build-dir> <seconds-per-target>
# Configures and builds nothing: build first with
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DINSTANTCHAT_BUILD_FUZZERS=ON ...
#   cmake --build build-fuzz --target fuzzers
# Each target runs on a scratch copy of its committed seed corpus (tests/fuzz/corpus/<target>), so
# the repository is never written to. A crash, sanitizer report, leak, timeout or out-of-memory
# counts as failed; the reproducer stays in the work directory that is printed. The last line is
# exactly "N passed, N failed"; the exit status is 0 only when nothing failed.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 <fuzz-build-dir> <seconds-per-target>" >&2
    exit 2
fi
build_dir=$1
seconds=$2
case $seconds in
    ''|*[!0-9]*) echo "seconds must be a positive integer" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
fuzz_bin=$build_dir/tests/fuzz
work=$(mktemp -d "${TMPDIR:-/tmp}/instantchat-fuzz.XXXXXX")
echo "work directory: $work"

passed=0
failed=0
found=0
for target in fuzz_client_frame fuzz_names fuzz_cookie fuzz_ws_parser fuzz_drawing fuzz_registry fuzz_room fuzz_snapshot fuzz_replication; do
    binary=$fuzz_bin/$target
    if [ ! -x "$binary" ]; then
        echo "$target: not built, skipped"
        continue
    fi
    found=$((found + 1))
    corpus=$work/$target/corpus
    artifacts=$work/$target/artifacts
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$here/corpus/$target" ]; then
        cp "$here/corpus/$target"/* "$corpus"/ 2>/dev/null
    fi
    log=$work/$target/log.txt
    echo "$target: running for ${seconds}s"
    # -timeout: one input taking 10 s is a hang, reported like a crash.
    "$binary" "$corpus" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $status -eq 0 ]; then
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
