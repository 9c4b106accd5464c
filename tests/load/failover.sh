#!/usr/bin/env bash
# A server crash under chat load: a balancer and N self-registering servers on loopback (room
# replicas on: every room has a live copy on a second server), the load tester's `failover`
# scenario (R rooms x U users, some password rooms, some v1 and some pv 2 sessions, a TM a second
# each), and, once messages flow, the server holding the most rooms is killed with SIGKILL (the
# load tester sends the signal, so the kill and every client's rejoin share one clock). Nothing
# is restarted: the balancer promotes the copies and the clients rejoin where their room lives now.
# Prints the scenario's report: acknowledged messages lost (checked by every client against the
# history of its rejoin, and at the end against each room's final history), duplicates,
# name/creator/password changes, ER 202, and the time from the kill until each affected client
# was back in its room (p50/p99/max). Exit status: the load tester's (0 = nothing acknowledged
# lost or duplicated, nobody changed, a server was killed and every affected client is back),
# 1 when the stack did not come up.
#
# Usage: tests/load/failover.sh <build-dir>
#   SMOKE=1       CI size: 60 users in 12 rooms (about 40 s)
#   SERVERS=3     servers in the stack (at least 2: a copy needs a second server)
#   ROOMS=30 USERS=10  scenario size (default 300 users)
#   PAUSE=5       seconds of load before the kill, and after it before the sending stops
#   KEEP_LOGS=1   keep the log folder (its path is printed)
#   SERVER_ARGS   extra server arguments (e.g. "--replication off": the kill then loses rooms)
#   LOADTEST_ARGS extra load tester arguments (e.g. "--v1-share 1")
set -u
BUILD=$(cd "${1:?usage: failover.sh <build-dir>}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stack.sh" # ORIGIN, cluster_setup, start_cluster_*, start_sending, finish_sending
SERVERS=${SERVERS:-3}
if [ -n "${SMOKE:-}" ]; then
    ROOMS=${ROOMS:-12} USERS=${USERS:-5} PAUSE=${PAUSE:-3}
else
    ROOMS=${ROOMS:-30} USERS=${USERS:-10} PAUSE=${PAUSE:-5}
fi
cluster_setup failover "$BUILD/bin"
[ "$SERVERS" -ge 2 ] || { echo "SERVERS must be at least 2 (a room's copy lives on another server)"; exit 1; }

# The balancer's default heartbeat interval, so the time to notice the crash is the production one.
start_cluster_balancer "$LOGS/balancer.log" || exit 1
for i in $(seq 1 "$SERVERS"); do
    # --max-messages: a room must keep every message of the run, or the final history could
    # not tell a message lost in the crash from one the cap dropped.
    # shellcheck disable=SC2086
    start_cluster_server "$i" "lt-s$i" 0 "$LOGS/server$i.log" --max-messages 20000 \
        ${SERVER_ARGS:-} || exit 1
done
for i in $(seq 1 "$SERVERS"); do
    wait_registered "$i" || exit 1
done
wait_placing failover-probe || exit 1

KILL_FILE=$LOGS/kill
# --duration is only an upper bound: the script ends the sending with the stop file. Password
# joins cost a slow hash each (PBKDF2), so setup may take long on a busy machine.
# shellcheck disable=SC2086
start_sending --scenario failover --rooms "$ROOMS" --users "$USERS" --kill-file "$KILL_FILE" \
    --setup-timeout 180 ${LOADTEST_ARGS:-} || exit 1
echo "load running: $ROOMS rooms x $USERS users on $SERVERS servers"
sleep "$PAUSE"

# rooms_of I: the server's room gauge (copies are not rooms).
rooms_of() {
    curl -fsS "http://127.0.0.1:${PORTS[$1]}/metrics" 2>/dev/null |
        awk '$1 == "instantchat_rooms" { print int($2); found = 1 } END { if (!found) print 0 }'
}
victim= most=0
for i in $(seq 1 "$SERVERS"); do
    n=$(rooms_of "$i")
    echo "server lt-s$i (pid ${PIDS[$i]}, port ${PORTS[$i]}): $n rooms"
    if [ "$n" -gt "$most" ]; then victim=$i most=$n; fi
done
[ -n "$victim" ] || { echo "no server holds a room" >&2; exit 1; }
echo "killing lt-s$victim (SIGKILL, $most rooms)"
echo "${PIDS[$victim]}" > "$KILL_FILE.tmp" && mv "$KILL_FILE.tmp" "$KILL_FILE"
for _ in $(seq 1 100); do kill -0 "${PIDS[$victim]}" 2>/dev/null || break; sleep 0.1; done
{ wait "${PIDS[$victim]}"; } 2>/dev/null # (no "Killed" job notice)
PIDS[$victim]=
# Load goes on after the crash: the affected clients rejoin while the others keep chatting.
for _ in $(seq 1 "$PAUSE"); do
    sleep 1
    echo "  $(last_progress)"
done
finish_sending
echo "balancer:"
curl -fsS "$BALANCER_URL/metrics" 2>/dev/null |
    grep -E '^instantchat_balancer_(failovers_total|rooms_failed_over_total|rooms_lost_total|last_failover_seconds) ' |
    sed 's/^/  /'
grep '^RESULT ' "$LOGS/loadtest.out"
exit "$SENDING_STATUS"
