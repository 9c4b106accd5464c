#!/usr/bin/env bash
# What room replicas cost: the fan-out scenario on a balancer and two self-registering servers,
# once with `--replication on` (every room's changes are shipped to a copy on the other server and
# every frame waits for the copy's ack) and once with `--replication off`, alternating, RUNS pairs.
# The figure is server CPU per delivery with BOTH servers' CPU summed (/proc/PID/stat, the sending
# window only: the load tester measures it with --server-pid PID1,PID2), the median per mode, and
# the ratio on/off. Also printed: the deliveries/s each run reached (the load tester cannot reach
# the target on a small or busy host; the per-delivery figure stays comparable).
# A benchmark, not a test: it fails only when a run did not deliver messages or a stack did not
# come up.
#
# Usage: tests/load/replication_cost.sh <build-dir>
#   RUNS=3        pairs of runs (off/on, then on/off, ...: alternating cancels slow drifts)
#   ROOMS=10 USERS=100 INTERVAL=1 DURATION=10   fan-out size: 10 x 100 users at 1 msg/s each is
#                 100,000 deliveries/s offered
#   SMOKE=1       one tiny pair (2 rooms x 5 users, 3 s): checks the script and that both modes
#                 deliver, nothing else
#   KEEP_LOGS=1   keep the log folder (its path is printed)
set -u
BUILD=$(cd "${1:?usage: replication_cost.sh <build-dir>}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stack.sh" # ORIGIN, cluster_setup, start_cluster_*, cluster_stop
if [ -n "${SMOKE:-}" ]; then
    RUNS=${RUNS:-1} ROOMS=${ROOMS:-2} USERS=${USERS:-5} DURATION=${DURATION:-3}
else
    RUNS=${RUNS:-3} ROOMS=${ROOMS:-10} USERS=${USERS:-100} DURATION=${DURATION:-10}
fi
INTERVAL=${INTERVAL:-1}
cluster_setup replcost "$BUILD/bin"

# start_cluster MODE TAG: a balancer and two servers with --replication MODE.
start_cluster() {
    local mode=$1 tag=$2 i
    start_cluster_balancer "$LOGS/$tag.balancer.log" || return 1
    for i in 1 2; do
        start_cluster_server "$i" "rc-s$i" 0 "$LOGS/$tag.server$i.log" --replication "$mode" ||
            return 1
        wait_registered "$i" || return 1
    done
    wait_placing cost-probe
}

# run_once MODE TAG → prints "cpu_us_per_delivery deliveries_per_s received lost" for the run.
# (Run in a command substitution: it stops its own stack, the EXIT trap does not reach it.)
run_once() {
    local mode=$1 tag=$2
    start_cluster "$mode" "$tag" || { tail -5 "$LOGS/$tag".*.log >&2; cluster_stop; return 1; }
    "$BIN/instantchat-loadtest" --balancer "$BALANCER_URL" --origin "$ORIGIN" --scenario fanout \
        --rooms "$ROOMS" --users "$USERS" --interval "$INTERVAL" --duration "$DURATION" \
        --server-pid "${PIDS[1]},${PIDS[2]}" --json-only > "$LOGS/$tag.out" 2> "$LOGS/$tag.err"
    cluster_stop
    python3 - "$LOGS/$tag.out" <<'EOF'
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith('RESULT ')]
if not line:
    sys.exit(1)
r = json.loads(line[-1][len('RESULT '):])
d, s = r['deliveries'], r.get('server', {})
print(s.get('cpu_us_per_delivery', 0), round(d['per_second']), d['received'], d['lost'])
EOF
}

echo "replication cost: $ROOMS rooms x $USERS users, a message every $INTERVAL s each, $DURATION s" \
     "per run, $RUNS pair(s), 2 servers (one worker each), CPU of both servers summed"
declare -a OFF ON
status=0
for k in $(seq 1 "$RUNS"); do
    if [ $((k % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
    for mode in $order; do
        if ! figures=$(run_once "$mode" "run$k-$mode"); then
            echo "run $k ($mode): no result" >&2
            tail -5 "$LOGS/run$k-$mode.err" >&2
            status=1
            continue
        fi
        read -r cpu rate received lost <<< "$figures"
        echo "run $k replication $mode: $cpu us CPU per delivery, $rate deliveries/s, received $received, lost $lost"
        [ "$received" -gt 0 ] || { echo "run $k ($mode) delivered nothing" >&2; status=1; }
        if [ "$mode" = on ]; then ON+=("$cpu"); else OFF+=("$cpu"); fi
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [ "${#ON[@]}" -gt 0 ] && [ "${#OFF[@]}" -gt 0 ]; then
    m_on=$(median "${ON[@]}") m_off=$(median "${OFF[@]}")
    ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "median CPU per delivery (both servers): off $m_off us, on $m_on us; ratio on/off $ratio"
    echo "RESULT {\"off_us\":$m_off,\"on_us\":$m_on,\"ratio\":\"$ratio\",\"runs\":$RUNS}"
fi
exit "$status"
