#!/usr/bin/env bash
# A rolling restart under chat load: a balancer and N self-registering servers on loopback, the
# load tester's `handoff` scenario (R rooms x U users, some password rooms, some v1 and some pv 2
# sessions, a TM a second each), and meanwhile every server in turn is stopped with SIGTERM
# (it hands its rooms to the others, then exits), started again on the same port, and waited
# for until it is registered again. Prints the scenario's report (acknowledged messages lost,
# duplicates, name/creator/password changes, ER 202, the gap each client saw) and the timing of
# every restart. Exit status: the load tester's (0 = nothing acknowledged lost or duplicated,
# nobody changed), 1 when the stack did not come up.
#
# Usage: tests/load/rolling_restart.sh <build-dir>
#   SMOKE=1       CI size: 60 users in 12 rooms, short pauses (about 40 s)
#   SERVERS=3     servers in the stack (1 = a plain restart of the only server: rooms are lost)
#   SIGNAL=TERM   how a server is stopped (KILL: a crash, no handoff)
#   ROOMS=30 USERS=10  scenario size (default 300 users)
#   PAUSE=5       seconds of load before the first restart and between restarts
#   KEEP_LOGS=1   keep the log folder (its path is printed)
#   LOADTEST_ARGS extra load tester arguments (e.g. "--v1-share 1")
set -u
BUILD=$(cd "${1:?usage: rolling_restart.sh <build-dir>}" && pwd)
BIN=$BUILD/bin
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stack.sh" # ORIGIN, wait_listening
SERVERS=${SERVERS:-3}
SIGNAL=${SIGNAL:-TERM}
if [ -n "${SMOKE:-}" ]; then
    ROOMS=${ROOMS:-12} USERS=${USERS:-5} PAUSE=${PAUSE:-3}
else
    ROOMS=${ROOMS:-30} USERS=${USERS:-10} PAUSE=${PAUSE:-5}
fi
LOGS=$(mktemp -d /tmp/instantchat-rolling.XXXXXX)
BALANCER_PID= LOADTEST_PID=
declare -a PIDS PORTS

cleanup() {
    local pid
    for pid in ${LOADTEST_PID:-} "${PIDS[@]}" ${BALANCER_PID:-}; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    done
    for pid in ${LOADTEST_PID:-} "${PIDS[@]}" ${BALANCER_PID:-}; do
        [ -n "$pid" ] || continue
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [ -n "${KEEP_LOGS:-}" ]; then echo "logs: $LOGS"; else rm -rf "$LOGS"; fi
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for program in instantchat-server instantchat-balancer instantchat-loadtest; do
    [ -x "$BIN/$program" ] || { echo "missing $BIN/$program"; exit 1; }
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# The balancer knows no server up front: servers register with heartbeats, as in production.
"$BIN/instantchat-balancer" --port 0 --bind 127.0.0.1 --servers "" --rate-limits off \
    --load-ceiling 1 --max-connections-per-address 30000 --heartbeat-interval 1 \
    2> "$LOGS/balancer.log" &
BALANCER_PID=$!
BALANCER_PORT=$(wait_listening "$LOGS/balancer.log" "$BALANCER_PID") || exit 1
BALANCER_URL=http://127.0.0.1:$BALANCER_PORT

# start_server I PORT: server I on PORT (0: any), logging to a fresh file per start.
START_COUNT=0
start_server() {
    local i=$1 port=$2 log
    START_COUNT=$((START_COUNT + 1))
    log=$LOGS/server$i.$START_COUNT.log
    # --max-messages: a room must keep every message of the run, or the final history could
    # not tell a message lost in a move from one the cap dropped.
    "$BIN/instantchat-server" --port "$port" --bind 127.0.0.1 --workers 1 --rate-limits off \
        --max-connections 20000 --max-connections-per-address 30000 --max-messages 20000 \
        --allowed-origins "$ORIGIN" --balancer "$BALANCER_URL" --server-id "lt-s$i" \
        2> "$log" &
    PIDS[$i]=$!
    PORTS[$i]=$(wait_listening "$log" "${PIDS[$i]}") || return 1
}

# wait_registered I: the server's /healthz is 200 only while its heartbeats are accepted.
wait_registered() {
    local i
    for i in $(seq 1 150); do
        curl -fsS "http://127.0.0.1:${PORTS[$1]}/healthz" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server lt-s$1 never registered" >&2
    return 1
}

for i in $(seq 1 "$SERVERS"); do
    start_server "$i" 0 || exit 1
done
for i in $(seq 1 "$SERVERS"); do
    wait_registered "$i" || exit 1
done

STOP=$LOGS/stop
# --duration is only an upper bound: the script ends the sending with --stop-file. Password
# joins cost a slow hash each (PBKDF2), so setup may take long on a busy machine.
# shellcheck disable=SC2086
"$BIN/instantchat-loadtest" --balancer "$BALANCER_URL" --origin "$ORIGIN" --scenario handoff \
    --rooms "$ROOMS" --users "$USERS" --duration 900 --stop-file "$STOP" --setup-timeout 180 \
    ${LOADTEST_ARGS:-} \
    > "$LOGS/loadtest.out" 2> "$LOGS/loadtest.err" &
LOADTEST_PID=$!
for _ in $(seq 1 1800); do
    grep -q '^SENDING' "$LOGS/loadtest.err" && break
    kill -0 "$LOADTEST_PID" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q '^SENDING' "$LOGS/loadtest.err"; then
    echo "the load tester never started sending:" >&2
    tail -5 "$LOGS/loadtest.err" >&2
    exit 1
fi
echo "load running: $ROOMS rooms x $USERS users on $SERVERS servers; restarting each with SIG$SIGNAL"
sleep "$PAUSE"

TIMINGS=$LOGS/timings
: > "$TIMINGS"
for i in $(seq 1 "$SERVERS"); do
    start=$(now)
    kill "-$SIGNAL" "${PIDS[$i]}"
    # The handoff is bounded by the server's --handoff-timeout (20 s) plus its shutdown.
    for _ in $(seq 1 400); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
        echo "server lt-s$i still running after 40 s: killed" | tee -a "$TIMINGS"
        kill -KILL "${PIDS[$i]}"
    fi
    wait "${PIDS[$i]}" 2>/dev/null
    exited=$(since "$start")
    start_server "$i" "${PORTS[$i]}" || exit 1
    wait_registered "$i" || exit 1
    registered=$(since "$start")
    sleep "$PAUSE"
    # The clients' side so far, from the load tester's last progress line.
    clients=$(grep '^    acked' "$LOGS/loadtest.err" | tail -1 | sed 's/^ *//')
    echo "restart lt-s$i (port ${PORTS[$i]}): exited ${exited} s after SIG$SIGNAL, registered" \
         "again ${registered} s after it; ${PAUSE} s later: ${clients}" | tee -a "$TIMINGS"
done
touch "$STOP"
wait "$LOADTEST_PID"
status=$?
LOADTEST_PID=
grep -v '^RESULT ' "$LOGS/loadtest.out"
grep '^WARNING' "$LOGS/loadtest.err" >&2
echo "restarts:"
sed 's/^/  /' "$TIMINGS"
grep '^RESULT ' "$LOGS/loadtest.out"
exit "$status"
