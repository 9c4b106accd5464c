#!/usr/bin/env bash
# CI smoke test of the load tester (ctest label `load`): a real server and balancer on
# ephemeral ports, a SHORT run of every scenario, and assertions on the COUNTS of each RESULT
# line (every connection joined, every delivery received, no ER, no disconnect) — never on
# timings, which a busy CI machine cannot promise.
#
# Usage: tests/load/smoke_test.sh <build-dir>
set -u
BUILD=$(cd "${1:?usage: smoke_test.sh <build-dir>}" && pwd)
BIN=$BUILD/bin
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stack.sh"
LOGS=$(mktemp -d /tmp/instantchat-load-smoke.XXXXXX)
trap 'stop_stack; rm -rf "$LOGS"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

for program in instantchat-server instantchat-balancer instantchat-loadtest; do
    [ -x "$BIN/$program" ] || { echo "missing $BIN/$program"; echo "0 passed, 1 failed"; exit 1; }
done
start_stack "$BIN" "$LOGS" 2 || { echo "0 passed, 1 failed"; exit 1; }

PASSED=0 FAILED=0

# check NAME PYTHON-EXPRESSION LOADTEST-ARGS...: runs the load tester and evaluates the
# expression with `r` bound to the RESULT JSON; prints why when it does not hold.
check() {
    local name=$1 expression=$2; shift 2
    local out=$LOGS/$name.out
    "$BIN/instantchat-loadtest" --balancer "$BALANCER_URL" --origin "$ORIGIN" --server-pid "$SERVER_PID" \
        --json-only "$@" > "$out" 2> "$LOGS/$name.err"
    if python3 - "$out" "$expression" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("RESULT ")]
if not lines:
    print("  no RESULT line"); sys.exit(1)
r = json.loads(lines[-1][len("RESULT "):])
c = r["connections"]
def clean_connections():
    return c["ok"] == c["requested"] and c["failed"] == 0 and c["disconnects"] == 0 and not r["errors"]
def all_delivered(d):
    return d["expected"] > 0 and d["received"] == d["expected"] and d["lost"] == 0 and d["id_gaps"] == 0
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("  evaluation failed:", repr(e)); ok = False
if not ok:
    print("  RESULT", json.dumps(r))
sys.exit(0 if ok else 1)
PY
    then
        echo "PASS $name"; PASSED=$((PASSED + 1))
    else
        echo "FAIL $name (args: $*)"; tail -5 "$LOGS/$name.err" | sed 's/^/  /'; FAILED=$((FAILED + 1))
    fi
}

check fanout \
    'clean_connections() and c["requested"] == 10 and all_delivered(r["deliveries"]) and r["server"]["peak_rss_bytes"] > 0' \
    --scenario fanout --rooms 2 --users 5 --interval 0.5 --duration 3
# The same run with every frame decoded by the shared codec: both readers must count alike.
check fanout_full_parse \
    'clean_connections() and all_delivered(r["deliveries"])' \
    --scenario fanout --rooms 2 --users 5 --interval 0.5 --duration 2 --parse full
# More connections than the server's default per-address cap (64): the stack must lift it, or
# the standard set measures a handful of sockets and thousands of HTTP 429s.
check idle \
    'clean_connections() and c["requested"] == 150 and r["server"]["rss_per_connection_bytes"] is not None' \
    --scenario idle --connections 150 --users 10 --duration 2
check joinstorm \
    'clean_connections() and c["requested"] == 50 and r["joins_per_s"] > 0' \
    --scenario joinstorm --joins 50 --users 10
# A latency bound no machine can miss, so only counts decide whether a step is good.
check ramp \
    'clean_connections() and len(r["steps"]) == 2 and all(all_delivered(s["deliveries"]) for s in r["steps"]) and r["last_good"]["rate_per_user"] == 2' \
    --scenario ramp --rooms 2 --users 5 --ramp-start 1 --ramp-step 1 --ramp-max 2 --duration 2 --p99-bound-ms 600000
# A big room with churn, both protocol versions: every join and leave accounted for, the chat
# unharmed, and member-list traffic in the form of the session's version (v1: full lists only;
# pv 2: a delta per change, full lists only for the joiners).
check bigroom_v1 \
    'clean_connections() and all_delivered(r["deliveries"]) and r["churn"]["joins"] >= 5 and r["churn"]["leaves"] >= 1 and r["churn"]["join_failures"] == 0 and r["member_list"]["deltas"] == 0 and r["member_list"]["full_lists"] > r["churn"]["joins"] * 10' \
    --scenario bigroom --users 20 --interval 0.5 --churn-per-s 10 --churn-stay 0.5 --duration 2 --protocol-version 1
check bigroom_pv2 \
    'clean_connections() and all_delivered(r["deliveries"]) and r["churn"]["joins"] >= 5 and r["churn"]["leaves"] >= 1 and r["churn"]["join_failures"] == 0 and r["member_list"]["deltas"] >= r["churn"]["joins"] * 20 and r["member_list"]["full_lists"] == r["churn"]["joins"]' \
    --scenario bigroom --users 20 --interval 0.5 --churn-per-s 10 --churn-stay 0.5 --duration 2 --protocol-version 2
# The handoff scenario's reconnect path without a restart: connections dropped as a network
# failure would; every user must rejoin as itself (same uId, name, creator; the password room
# still refuses a stranger) and nothing acknowledged may be lost or duplicated.
check handoff_drops \
    'r["ok"] and r["handoff"]["rejoins"] > 0 and r["handoff"]["acknowledged"] > 0 and r["handoff"]["password_rooms_refusing_strangers"] == 1' \
    --scenario handoff --rooms 3 --users 4 --interval 0.5 --duration 4 --password-rooms 0.34 \
    --drop-every 0.3 --setup-timeout 120

# The stack must have survived all of it.
if kill -0 "$SERVER_PID" 2>/dev/null && kill -0 "$BALANCER_PID" 2>/dev/null; then
    echo "PASS stack_alive"; PASSED=$((PASSED + 1))
else
    echo "FAIL stack_alive"; tail -20 "$LOGS/server.log"; FAILED=$((FAILED + 1))
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
