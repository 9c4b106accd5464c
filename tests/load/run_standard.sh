#!/usr/bin/env bash
# The standard benchmark set (see README.md): a fresh local stack per scenario, the server
# pinned to CPU 0 with one worker, the generator pinned to CPU 1, so "one server core" is what
# is measured. Prints every scenario's summary, then one table (medians when RUNS > 1).
#
# Usage: tests/load/run_standard.sh <build-dir>
#   RUNS=3          repeat every scenario and report medians
#   KEEP_LOGS=1     keep the log folder (its path is printed)
#   BOOST=1         (root) lower the nice value of this session's scheduler autogroup to -10, so
#                   on a shared, oversubscribed machine the stack gets a fair share of the CPUs
#                   instead of 1/N of them (Linux autogroups make plain `nice` useless across
#                   sessions); it takes CPU from everything else while it runs
set -u
BUILD=$(cd "${1:?usage: run_standard.sh <build-dir>}" && pwd)
BIN=$BUILD/bin
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-1}
. "$HERE/stack.sh"
LOGS=$(mktemp -d /tmp/instantchat-load-standard.XXXXXX)
trap 'stop_stack; [ -n "${KEEP_LOGS:-}" ] && echo "logs: $LOGS" || rm -rf "$LOGS"' EXIT

# 10,000 idle connections need 10,000 descriptors in the server and as many in the generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 12000 ]; then
    echo "warning: ulimit -n is $(ulimit -n); the idle scenario needs > 10,000 descriptors" >&2
fi
if [ "$(nproc)" -lt 2 ]; then
    echo "warning: fewer than 2 CPUs: server and generator share a core, figures are pessimistic" >&2
fi

if [ -n "${BOOST:-}" ]; then
    if echo -10 > /proc/self/autogroup 2>/dev/null; then
        echo "boost: $(cat /proc/self/autogroup)" >&2
    else
        echo "warning: BOOST needs root (writing /proc/self/autogroup); running without it" >&2
    fi
fi

RESULTS=$LOGS/results.jsonl
: > "$RESULTS"

# run NAME WORKERS SERVER_CPUS LOADTEST-ARGS...
run() {
    local name=$1 workers=$2 cpus=$3; shift 3
    local i
    for i in $(seq 1 "$RUNS"); do
        echo "=== $name (run $i/$RUNS) — host load: $(cut -d' ' -f1-3 /proc/loadavg) ===" >&2
        if ! start_stack "$BIN" "$LOGS" "$workers" "$cpus"; then
            echo "stack did not start for $name" >&2
            stop_stack
            continue
        fi
        taskset -c 1 "$BIN/instantchat-loadtest" --balancer "$BALANCER_URL" --origin "$ORIGIN" \
            --server-pid "$SERVER_PID" "$@" > "$LOGS/$name.$i.out" 2> "$LOGS/$name.$i.err"
        grep -v '^RESULT ' "$LOGS/$name.$i.out"
        grep '^WARNING' "$LOGS/$name.$i.err" >&2
        grep -m1 '^RESULT ' "$LOGS/$name.$i.out" | sed "s/^RESULT /{\"name\":\"$name\",\"result\":/; s/\$/}/" >> "$RESULTS"
        stop_stack
        sleep 2 # let TIME_WAIT sockets and the closed connections settle between runs
    done
}

run "fanout 10x100 @1s, 1 worker" 1 0 --scenario fanout --rooms 10 --users 100 --interval 1 --duration 20
run "idle 10000 in rooms of 50, 1 worker" 1 0 --scenario idle --connections 10000 --users 50 --duration 10
# Two views of a join storm. "As fast as possible" keeps 256 users in setup at once, so its
# latency is mostly that queue (Little's law: 256 / joins per second). "Offered 2000/s" starts
# users at a steady 2,000 per second, as independent visitors arrive, so its latency is what one
# visitor waits at that rate.
run "joinstorm 5000 as fast as possible, 1 worker" 1 0 --scenario joinstorm --joins 5000 --users 50
run "joinstorm 5000 offered 2000 per s, 1 worker" 1 0 --scenario joinstorm --joins 5000 --users 50 \
    --connect-rate 2000 --concurrency 2000
run "fanout 10x100 @1s, 2 workers unpinned" 2 "" --scenario fanout --rooms 10 --users 100 --interval 1 --duration 20
# The contention check compares one and two workers under the same write policy. With the
# default, one worker at 100k/s is busy enough to hold writes (--write-hold-ms) and two are not,
# which changes CPU per delivery for reasons that have nothing to do with threads.
SERVER_ARGS="--write-hold-ms 0" run "fanout 10x100 @1s, 1 worker, no write hold" 1 0 \
    --scenario fanout --rooms 10 --users 100 --interval 1 --duration 20
SERVER_ARGS="--write-hold-ms 0" run "fanout 10x100 @1s, 2 workers, no write hold" 2 "" \
    --scenario fanout --rooms 10 --users 100 --interval 1 --duration 20

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    entry = json.loads(line)
    runs.setdefault(entry["name"], []).append(entry["result"])
def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
def get(r, *path):
    for key in path:
        if not isinstance(r, dict) or key not in r:
            return None
        r = r[key]
    return r
columns = [
    ("ok/req conns", lambda r: "%d/%d" % (r["connections"]["ok"], r["connections"]["requested"]), False),
    ("deliv/s", lambda r: get(r, "deliveries", "per_second"), True),
    ("lost", lambda r: get(r, "deliveries", "lost"), True),
    ("p50 ms", lambda r: get(r, "deliveries", "latency_ms", "p50"), True),
    ("p99 ms", lambda r: get(r, "deliveries", "latency_ms", "p99"), True),
    ("srv us/deliv", lambda r: get(r, "server", "cpu_us_per_delivery"), True),
    ("srv CPU %", lambda r: get(r, "server", "cpu_percent"), True),
    ("KiB/conn", lambda r: (get(r, "server", "rss_per_connection_bytes") or 0) / 1024 or None, True),
    ("joins/s", lambda r: get(r, "joins_per_s"), True),
    ("join p99 ms", lambda r: get(r, "connections", "join_latency_ms", "p99"), True),
    ("errors", lambda r: sum(r["errors"].values()), True),
    ("gen CPU %", lambda r: get(r, "generator", "cpu_percent"), True),
]
print()
print("%-52s" % "scenario" + "".join("%14s" % c[0] for c in columns))
for name, results in runs.items():
    cells = []
    for title, pick, numeric in columns:
        values = [pick(r) for r in results]
        value = median(values) if numeric else values[-1]
        if value is None:
            cells.append("%14s" % "-")
        elif isinstance(value, float):
            cells.append("%14.1f" % value)
        else:
            cells.append("%14s" % value)
    print("%-52s" % (name + (" (median of %d)" % len(results) if len(results) > 1 else "")) + "".join(cells))
    if any(r["generator"]["saturated"] for r in results):
        print("   ^ generator saturated in at least one run: figures describe the generator, not the server")
def ratio(two_name, one_name):
    one = [get(r, "server", "cpu_us_per_delivery") for r in runs.get(one_name, [])]
    two = [get(r, "server", "cpu_us_per_delivery") for r in runs.get(two_name, [])]
    return median(two) / median(one) if median(one) and median(two) else None
same_policy = ratio("fanout 10x100 @1s, 2 workers, no write hold", "fanout 10x100 @1s, 1 worker, no write hold")
defaults = ratio("fanout 10x100 @1s, 2 workers unpinned", "fanout 10x100 @1s, 1 worker")
if same_policy:
    print("2 workers / 1 worker CPU per delivery, same write policy (no hold): %.2f" % same_policy)
if defaults:
    print("2 workers / 1 worker CPU per delivery, defaults (1 worker holds writes, 2 do not): %.2f" % defaults)
print()
print("targets: fan-out 100k deliveries/s, nothing lost, p99 < 50 ms, <= 4 us server CPU per delivery;")
print("         idle <= 16 KiB per connection, idle CPU < 2 %; joinstorm >= 2000 joins/s, join p99 < 100 ms")
print("         2 workers: CPU per delivery within 1.15x of 1 worker (same write policy)")
PY
