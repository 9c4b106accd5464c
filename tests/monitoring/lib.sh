# Shared helpers for the packaging and monitoring test scripts (sourced, not run).
# Every script ends with `finish`, which prints exactly "N passed, N failed" and exits non-zero
# on any failure.

IC_PASSED=0
IC_FAILED=0
IC_PIDS=()
IC_CLEANUP=()

pass() { IC_PASSED=$((IC_PASSED + 1)); echo "PASS: $*"; }
fail() { IC_FAILED=$((IC_FAILED + 1)); echo "FAIL: $*"; }
note() { echo "---- $*"; }

# check "description" command...  -> pass/fail by exit status
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

finish() {
    # Clean up first, so that the summary really is the last line.
    ic_cleanup >/dev/null 2>&1
    trap - EXIT
    echo "$IC_PASSED passed, $IC_FAILED failed"
    if [ "$IC_FAILED" -ne 0 ]; then exit 1; fi
    exit 0
}

# Abort the whole script (counts as a failure) when a precondition is missing.
die() {
    fail "$*"
    finish
}

# A free TCP port on loopback (the kernel picks it; a tiny race is acceptable in tests).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [seconds] [expected status] -> 0 once URL answers that status (default 200)
wait_http() {
    local url=$1 seconds=${2:-20} want=${3:-200} i code
    for ((i = 0; i < seconds * 5; i++)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
        [ "$code" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}

# http_status URL [curl args...] -> prints the status code (000 when unreachable)
http_status() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# start_bg LOGFILE command... : start a background process, remember its pid for cleanup.
start_bg() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    IC_LAST_PID=$!
    IC_PIDS+=("$IC_LAST_PID")
}

# Stops only the processes this script started, by pid.
stop_started() {
    local pid
    for pid in "${IC_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${IC_PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    IC_PIDS=()
}

ic_cleanup() {
    stop_started
    local cmd
    for cmd in "${IC_CLEANUP[@]}"; do
        eval "$cmd" || true
    done
}

trap ic_cleanup EXIT

# Repository root from a script inside tests/<folder>/.
ic_repo_root() {
    cd "$(dirname "${BASH_SOURCE[1]}")/../.." && pwd
}

# Dump the tail of a log when something failed, so CI output says why.
show_log() {
    local log=$1
    [ -f "$log" ] || return 0
    echo "---- last lines of $log"
    tail -n "${2:-30}" "$log" | sed 's/^/    /'
}
