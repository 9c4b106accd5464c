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
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stack.sh" # ORIGIN, cluster_setup, start_cluster_*, start_sending, finish_sending
SERVERS=${SERVERS:-3}
SIGNAL=${SIGNAL:-TERM}
if [ -n "${SMOKE:-}" ]; then
    ROOMS=${ROOMS:-12} USERS=${USERS:-5} PAUSE=${PAUSE:-3}
else
    ROOMS=${ROOMS:-30} USERS=${USERS:-10} PAUSE=${PAUSE:-5}
fi
cluster_setup rolling "$BUILD/bin"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

start_cluster_balancer "$LOGS/balancer.log" --heartbeat-interval 1 || exit 1

# start_server I PORT: server I on PORT (0: any), logging to a fresh file per start.
START_COUNT=0
start_server() {
    START_COUNT=$((START_COUNT + 1))
    # --max-messages: a room must keep every message of the run, or the final history could
    # not tell a message lost in a move from one the cap dropped.
    start_cluster_server "$1" "lt-s$1" "$2" "$LOGS/server$1.$START_COUNT.log" --max-messages 20000
}

for i in $(seq 1 "$SERVERS"); do
    start_server "$i" 0 || exit 1
done
for i in $(seq 1 "$SERVERS"); do
    wait_registered "$i" || exit 1
done

# --duration is only an upper bound: the script ends the sending with the stop file. Password
# joins cost a slow hash each (PBKDF2), so setup may take long on a busy machine.
# shellcheck disable=SC2086
start_sending --scenario handoff --rooms "$ROOMS" --users "$USERS" --setup-timeout 180 \
    ${LOADTEST_ARGS:-} || exit 1
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
    clients=$(last_progress)
    echo "restart lt-s$i (port ${PORTS[$i]}): exited ${exited} s after SIG$SIGNAL, registered" \
         "again ${registered} s after it; ${PAUSE} s later: ${clients}" | tee -a "$TIMINGS"
done
finish_sending
echo "restarts:"
sed 's/^/  /' "$TIMINGS"
grep '^RESULT ' "$LOGS/loadtest.out"
exit "$SENDING_STATUS"
