#!/usr/bin/env bash
# Builds instantchat if needed and runs a local stack on loopback: a balancer on :8080 and
# N room servers on :8081… (default 1) that register with it. Ctrl-C stops them all; a server
# stopped on its own (SIGTERM) hands its rooms to the others, which keep running.
# Usage: scripts/run-local.sh [--servers N] [--port P]   (servers on P+1…; default P = 8080)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
servers=1
port=8080
while (($#)); do
    case "$1" in
        --servers) servers=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
        --port) port=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
        -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# Checked before anything is installed or built.
[[ "$servers" =~ ^[1-9][0-9]?$ ]] || { echo "--servers needs a number from 1 to 99, not '$servers'" >&2; exit 2; }
[[ "$port" =~ ^[1-9][0-9]*$ ]] && ((port + servers <= 65535)) ||
    { echo "--port needs a TCP port (with room for $servers server ports above it), not '$port'" >&2; exit 2; }

"$root/scripts/setup.sh"
# The programs only; scripts/test.sh names every component itself when it builds this folder, so the
# two commands work in either order without one's cache deciding what the other builds.
"$root/scripts/build.sh" "$root/build" -DINSTANTCHAT_BUILD_TESTS=OFF -DINSTANTCHAT_BUILD_SERVER=ON \
    -DINSTANTCHAT_BUILD_BALANCER=ON -DINSTANTCHAT_BUILD_DESKTOP=ON -DINSTANTCHAT_BUILD_LOADTEST=ON

bin=$root/build/bin
pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "stopping…"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

origins="http://localhost:$port,http://127.0.0.1:$port"
# Each program in its own session: Ctrl-C reaches only this script, which then stops them once,
# gracefully (a second signal would cut their graceful stop short).
setsid "$bin/instantchat-balancer" --port "$port" --servers "" --web-root "$root/web" &
pids+=($!)
# One server has no other to keep copies of its rooms: replication off, as on a single-node host.
replication=on
[ "$servers" -gt 1 ] || replication=off
for ((i = 1; i <= servers; i++)); do
    setsid "$bin/instantchat-server" --port $((port + i)) --allowed-origins "$origins" \
        --balancer "http://127.0.0.1:$port" --replication "$replication" &
    pids+=($!)
done
sleep 1
# A balancer that could not listen (the port is taken) has exited by now: say so, not "open".
if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "the balancer did not start (its log is above; port $port taken? --port P picks another)" >&2
    exit 1
fi
echo "open http://localhost:$port"
# A room server that stops (e.g. `kill -TERM <pid>` to watch it hand its rooms to the others)
# leaves the rest running; the stack stops with the balancer or with the last server.
balancer_pid=${pids[0]}
running=("${pids[@]:1}")
while ((${#running[@]})); do
    exited=
    wait -n -p exited "$balancer_pid" "${running[@]}" || true
    [[ -z "${exited:-}" ]] && break
    if [[ "$exited" == "$balancer_pid" ]]; then
        echo "the balancer (pid $exited) stopped" >&2
        exit 1
    fi
    left=()
    for pid in "${running[@]}"; do [[ "$pid" == "$exited" ]] || left+=("$pid"); done
    running=("${left[@]}")
    echo "room server (pid $exited) stopped; ${#running[@]} still running"
done
