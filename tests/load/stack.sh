# Sourced, not run. start_stack (smoke_test.sh, run_standard.sh) starts a real instantchat server
# and balancer on ephemeral loopback ports and stop_stack stops them; further below, a cluster of
# registering servers (rolling_restart.sh, failover.sh, replication_cost.sh).
#
# After start_stack: SERVER_PID, SERVER_PORT, BALANCER_PID, BALANCER_PORT, BALANCER_URL, ORIGIN.
# The server allows exactly $ORIGIN; the load tester sends it with --origin. It is fixed rather
# than the balancer's URL because the server starts first (the balancer's static server list
# needs the server's port) and cannot know the balancer's ephemeral port yet.

ORIGIN=${ORIGIN:-http://loadtest.localhost}

# wait_listening LOGFILE PID → prints the port from the "listening on <addr>:<port>" line.
wait_listening() {
    local log=$1 pid=$2 i
    for i in $(seq 1 200); do
        if grep -q 'listening on' "$log" 2>/dev/null; then
            grep -m1 'listening on' "$log" | sed -E 's/.*listening on [^ ]*:([0-9]+).*/\1/'
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "no 'listening on' line in $log:" >&2
    tail -20 "$log" >&2
    return 1
}

# start_stack BIN_DIR LOG_DIR WORKERS [SERVER_CPU_LIST]; $SERVER_ARGS adds server flags.
start_stack() {
    local bin=$1 logs=$2 workers=$3 cpus=${4:-} pin=()
    [ -n "$cpus" ] && pin=(taskset -c "$cpus")
    # Every generated client comes from 127.0.0.1, so the per-address connection cap (an abuse
    # limit, default 64, on both programs) is raised above the largest scenario; --rate-limits
    # off lifts the rest.
    # taskset execs the server, so $! is the server's own pid (needed for /proc figures).
    "${pin[@]}" "$bin/instantchat-server" --port 0 --bind 127.0.0.1 --workers "$workers" \
        --rate-limits off --max-connections 20000 --max-connections-per-address 30000 \
        --allowed-origins "$ORIGIN" ${SERVER_ARGS:-} \
        2> "$logs/server.log" &
    SERVER_PID=$!
    SERVER_PORT=$(wait_listening "$logs/server.log" "$SERVER_PID") || return 1
    # --load-ceiling 1: placement skips a server whose host CPU is above the ceiling, and a
    # benchmark keeps the host busy by design (so does any shared CI machine).
    "$bin/instantchat-balancer" --port 0 --bind 127.0.0.1 --servers "127.0.0.1:$SERVER_PORT" \
        --rate-limits off --load-ceiling 1 --max-connections-per-address 30000 \
        2> "$logs/balancer.log" &
    BALANCER_PID=$!
    BALANCER_PORT=$(wait_listening "$logs/balancer.log" "$BALANCER_PID") || return 1
    BALANCER_URL=http://127.0.0.1:$BALANCER_PORT
    # The balancer may health-check a static server before placing rooms on it: wait until a
    # pick succeeds (the probe room is placed but never created, so it costs the server nothing).
    local i
    for i in $(seq 1 100); do
        if curl -fsS "$BALANCER_URL/pick_backend?roomName=stack-probe" 2>/dev/null | grep -q '"bA":"[^"]'; then
            return 0
        fi
        sleep 0.2
    done
    echo "balancer never placed a room on the server" >&2
    return 1
}

stop_stack() {
    local pid
    for pid in ${BALANCER_PID:-} ${SERVER_PID:-}; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in ${BALANCER_PID:-} ${SERVER_PID:-}; do
        # Graceful stop is bounded (--shutdown-timeout 5); do not hang the script if it is not.
        for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    BALANCER_PID= SERVER_PID=
}

# ---------------------------------------------------------------- a registering cluster
# Shared by rolling_restart.sh, failover.sh and replication_cost.sh: a balancer that knows no
# server up front and servers that register with heartbeats, as in production.
#
# cluster_setup NAME BIN_DIR: LOGS (a fresh folder /tmp/instantchat-NAME.*), BIN, empty PIDS and
# PORTS (by server number), and an EXIT trap that stops whatever still runs (the load tester in
# LOADTEST_PID too) and removes LOGS unless KEEP_LOGS is set. Exits 1 when a program is missing.
cluster_setup() {
    LOGS=$(mktemp -d "/tmp/instantchat-$1.XXXXXX")
    BIN=$2
    BALANCER_PID='' LOADTEST_PID=''
    PIDS=() PORTS=()
    trap cluster_cleanup EXIT
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    local program
    for program in instantchat-server instantchat-balancer instantchat-loadtest; do
        [ -x "$BIN/$program" ] || { echo "missing $BIN/$program"; exit 1; }
    done
}

# cluster_stop: SIGTERM to the load tester, every server and the balancer; SIGKILL to whatever
# still runs 8 s later.
cluster_stop() {
    local pid
    for pid in ${LOADTEST_PID:-} "${PIDS[@]}" ${BALANCER_PID:-}; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    done
    for pid in ${LOADTEST_PID:-} "${PIDS[@]}" ${BALANCER_PID:-}; do
        [ -n "$pid" ] || continue
        for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    PIDS=() BALANCER_PID='' LOADTEST_PID=''
}

cluster_cleanup() {
    cluster_stop
    if [ -n "${KEEP_LOGS:-}" ]; then echo "logs: $LOGS"; else rm -rf "$LOGS"; fi
}

# start_cluster_balancer LOGFILE [FLAG...]: BALANCER_PID, BALANCER_PORT, BALANCER_URL.
start_cluster_balancer() {
    local log=$1
    shift
    "$BIN/instantchat-balancer" --port 0 --bind 127.0.0.1 --servers "" --rate-limits off \
        --load-ceiling 1 --max-connections-per-address 30000 "$@" 2> "$log" &
    BALANCER_PID=$!
    BALANCER_PORT=$(wait_listening "$log" "$BALANCER_PID") || return 1
    BALANCER_URL=http://127.0.0.1:$BALANCER_PORT
}

# start_cluster_server I ID PORT LOGFILE [FLAG...]: server I (one worker, limits lifted as in
# start_stack) registering with the balancer as ID, on PORT (0: any); PIDS[I], PORTS[I].
start_cluster_server() {
    local i=$1 id=$2 port=$3 log=$4
    shift 4
    "$BIN/instantchat-server" --port "$port" --bind 127.0.0.1 --workers 1 --rate-limits off \
        --max-connections 20000 --max-connections-per-address 30000 \
        --allowed-origins "$ORIGIN" --balancer "$BALANCER_URL" --server-id "$id" "$@" \
        2> "$log" &
    PIDS[i]=$!
    PORTS[i]=$(wait_listening "$log" "${PIDS[i]}") || return 1
}

# wait_registered I: a server's /healthz is 200 only while its heartbeats are accepted.
wait_registered() {
    for _ in $(seq 1 150); do
        curl -fsS "http://127.0.0.1:${PORTS[$1]}/healthz" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "server $1 (port ${PORTS[$1]}) never registered" >&2
    return 1
}

# wait_placing PROBE: after its start the balancer holds placements of unknown rooms for a warm-up
# (servers may still re-register with rooms they hold): wait until it places the room PROBE (placed,
# never created).
wait_placing() {
    for _ in $(seq 1 150); do
        curl -fsS "$BALANCER_URL/pick_backend?roomName=$1" 2>/dev/null | grep -q '"bA":"[^"]' && return 0
        sleep 0.2
    done
    echo "the balancer never placed a room" >&2
    return 1
}

# start_sending [LOADTEST FLAG...]: the load tester against the balancer in the background
# (LOADTEST_PID; output in $LOGS/loadtest.out, progress in $LOGS/loadtest.err), ended by
# finish_sending through the stop file $LOGS/stop; returns once every client sends.
start_sending() {
    STOP=$LOGS/stop
    "$BIN/instantchat-loadtest" --balancer "$BALANCER_URL" --origin "$ORIGIN" --duration 900 \
        --stop-file "$STOP" "$@" > "$LOGS/loadtest.out" 2> "$LOGS/loadtest.err" &
    LOADTEST_PID=$!
    for _ in $(seq 1 1800); do
        grep -q '^SENDING' "$LOGS/loadtest.err" && return 0
        kill -0 "$LOADTEST_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "the load tester never started sending:" >&2
    tail -5 "$LOGS/loadtest.err" >&2
    return 1
}

# last_progress: the load tester's latest "acked …" progress line.
last_progress() {
    grep '^    acked' "$LOGS/loadtest.err" | tail -1 | sed 's/^ *//'
}

# finish_sending: stops the sending, waits for the report and prints it without its RESULT line;
# SENDING_STATUS is the load tester's exit status.
finish_sending() {
    touch "$STOP"
    wait "$LOADTEST_PID"
    # shellcheck disable=SC2034 # read by the scripts that source this file
    SENDING_STATUS=$?
    LOADTEST_PID=
    grep -v '^RESULT ' "$LOGS/loadtest.out"
    grep '^WARNING' "$LOGS/loadtest.err" >&2
}
