#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite of instantchat:
# unit, integration, desktop, load smoke (ctest), browser (Chromium), packages, gateway (nginx),
# monitoring (Prometheus), then the sanitizer build's unit and integration tests and the fuzzers.
#   scripts/test.sh [--quick]    --quick skips the sanitizer build and the fuzzers
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
fuzz_seconds=${INSTANTCHAT_FUZZ_SECONDS:-30}
# Fuzz targets running at once, one core each: the same fuzzing time per target in less wall time.
fuzz_jobs=${INSTANTCHAT_FUZZ_JOBS:-$(nproc)}
logs=$root/build/test-logs

passed=0
failed=0
failed_names=()
started=$(date +%s)

# How many tests a runner's log says it executed: ctest's "out of N", node's "# tests N", and the
# plain "N passed, N failed" that our shell suites, the fuzz runner and checkers print.
tests_run() {
    local log=$1 n
    n=$(grep -oE "tests failed out of [0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+$")
    [[ -z "$n" ]] && n=$(grep -E "^# tests [0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+")
    if [[ -z "$n" ]]; then
        n=$(grep -E "^[^ ]*:? *[0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1 |
            sed -E 's/^([^ ]*: *)?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/' | awk '{print $1 + $2}')
    fi
    echo "${n:-0}"
}

# Runs one stage, prints its output to a log and a one-line verdict.
stage() {
    local name=$1
    shift
    local begin=$(date +%s)
    echo "=== $name"
    local ok=0
    "$@" >"$logs/$name.log" 2>&1 && ok=1
    # A stage whose runner executed no test has shown nothing: it fails, whatever its exit code.
    if ((ok)) && (($(tests_run "$logs/$name.log") == 0)); then
        ok=0
        echo "    $name ran no test"
    fi
    if ((ok)); then
        passed=$((passed + 1))
        echo "--- $name: ok ($(($(date +%s) - begin)) s)"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "--- $name: FAILED ($(($(date +%s) - begin)) s); last lines of $logs/$name.log:"
        tail -n 60 "$logs/$name.log" | sed 's/^/    /'
    fi
    grep -E "tests passed|[0-9]+ passed, [0-9]+ failed|^# (pass|fail) " "$logs/$name.log" | tail -n 3 | sed 's/^/    /' || true
}

"$root/scripts/setup.sh" --test || exit 1
mkdir -p "$logs"

# Every component is named explicitly: scripts/run-local.sh configures the same folder without the
# tests, and a cache left by it must not decide what this script builds.
if ! "$root/scripts/build.sh" "$root/build" -DINSTANTCHAT_WERROR=ON -DINSTANTCHAT_BUILD_TESTS=ON \
    -DINSTANTCHAT_BUILD_SERVER=ON -DINSTANTCHAT_BUILD_BALANCER=ON -DINSTANTCHAT_BUILD_DESKTOP=ON \
    -DINSTANTCHAT_BUILD_LOADTEST=ON -DINSTANTCHAT_BUILD_FUZZERS=OFF -DINSTANTCHAT_SANITIZE=OFF \
    >"$logs/build.log" 2>&1; then
    tail -n 80 "$logs/build.log"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "--- build: ok ($(($(date +%s) - started)) s)"

# The sanitizer build compiles while the browser and packaging suites (mostly waiting on
# processes) run, so the two cores stay busy.
asan_pid=
if ((quick == 0)); then
    (nice -n 10 "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
        -DINSTANTCHAT_SANITIZE=ON -DINSTANTCHAT_WERROR=ON -DINSTANTCHAT_BUILD_TESTS=ON -DINSTANTCHAT_BUILD_DESKTOP=OFF \
        -DINSTANTCHAT_BUILD_LOADTEST=OFF >"$logs/build-asan.log" 2>&1) &
    asan_pid=$!
fi

stage ctest ctest --test-dir "$root/build" --output-on-failure --no-tests=error -j2 --timeout 300

if [[ -f tests/web/package.json ]]; then
    stage web bash -c "cd tests/web && npm ci --no-audit --no-fund && INSTANTCHAT_BUILD_DIR='$root/build' node --test"
fi
for script in tests/packaging/test_*.sh tests/monitoring/test_*.sh; do
    [[ -f "$script" ]] || continue
    stage "$(basename "$script" .sh)" bash "$script" "$root/build"
done

if ((quick == 0)); then
    if wait "$asan_pid"; then
        echo "--- build-asan: ok"
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        # The soak runs here too, for sanitizer reports; its RSS check (which ASan's quarantine of
        # freed memory would defeat) applies in the normal build above only.
        stage asan-ctest ctest --test-dir "$root/build-asan" --output-on-failure --no-tests=error -j2 --timeout 600 -L "unit|integration|soak"
        unset ASAN_OPTIONS UBSAN_OPTIONS
    else
        failed=$((failed + 1))
        failed_names+=("build-asan")
        tail -n 60 "$logs/build-asan.log"
    fi
    if [[ -f tests/fuzz/run_fuzzers.sh ]]; then
        # Through ccache like the other builds (scripts/build.sh): an unchanged fuzz build is not
        # compiled again.
        fuzz_launcher=
        if command -v ccache >/dev/null 2>&1 && [[ "${INSTANTCHAT_CCACHE:-1}" != 0 ]]; then
            fuzz_launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
        fi
        stage fuzz bash -c "export CCACHE_BASEDIR=\${CCACHE_BASEDIR:-'$root'} CCACHE_NOHASHDIR=\${CCACHE_NOHASHDIR:-true}; \
            CC=clang-14 CXX=clang++-14 cmake -S '$root' -B '$root/build-fuzz' -G Ninja $fuzz_launcher \
            -DCMAKE_BUILD_TYPE=Release -DINSTANTCHAT_BUILD_FUZZERS=ON -DINSTANTCHAT_BUILD_SERVER=OFF \
            -DINSTANTCHAT_BUILD_BALANCER=OFF -DINSTANTCHAT_BUILD_DESKTOP=OFF -DINSTANTCHAT_BUILD_LOADTEST=OFF >/dev/null \
            && cmake --build '$root/build-fuzz' -j2 --target fuzzers \
            && bash tests/fuzz/run_fuzzers.sh '$root/build-fuzz' $fuzz_seconds $fuzz_jobs"
    fi
fi

echo
echo "total time: $(($(date +%s) - started)) s"
((failed > 0)) && echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
((failed == 0))
