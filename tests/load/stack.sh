# Shared by smoke_test.sh and run_standard.sh (sourced, not run): starts a real instantchat
# server and balancer on ephemeral loopback ports and stops them again.
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
