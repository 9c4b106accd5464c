#!/usr/bin/env bash
# Debian's Prometheus against the real programs, with the shipped configuration:
#   - promtool accepts packaging/prometheus/prometheus.yml and alerts.yml; the promtool unit
#     tests of every alert (tests/monitoring/alerts_test.yml) pass;
#   - a balancer and two servers that register with --balancer: every server is discovered
#     through the balancer's /sd and is up;
#   - after some traffic, every PromQL expression of the shipped Grafana dashboards returns data;
#   - a killed server makes InstantchatServerDown fire (its `for` shortened in the test copy).
#
# Usage: tests/monitoring/test_prometheus.sh BUILD_DIR     (BUILD_DIR/bin holds the programs)
# Needs: prometheus (provides promtool), curl, python3, python3-yaml. Runs as any user; all
# ports on loopback; Prometheus runs from a temporary directory, never as the system service.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
SERVER_BIN=$BUILD/bin/instantchat-server
BALANCER_BIN=$BUILD/bin/instantchat-balancer
PROM_DIR=$REPO/packaging/prometheus
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}
PROMTOOL=${PROMTOOL:-$(command -v promtool || echo /usr/bin/promtool)}
PY=python3

[ -x "$PROMETHEUS" ] && [ -x "$PROMTOOL" ] || die "prometheus not installed (apt-get install prometheus)"
$PY -c 'import yaml' 2>/dev/null || die "python3 yaml module missing (apt-get install python3-yaml)"

# ---------------------------------------------------------------- static checks
check "promtool check config packaging/prometheus/prometheus.yml" \
    "$PROMTOOL" check config "$PROM_DIR/prometheus.yml"
check "promtool check rules packaging/prometheus/alerts.yml" \
    "$PROMTOOL" check rules "$PROM_DIR/alerts.yml"
check "promtool test rules tests/monitoring/alerts_test.yml (every alert fires and stays quiet)" \
    "$PROMTOOL" test rules "$HERE/alerts_test.yml"
# PromQL syntax of every dashboard expression, offline: as recording rules for promtool.
DASH_RULES=$(mktemp /tmp/instantchat-dashboard-rules.XXXXXX.yml)
IC_CLEANUP+=("rm -f '$DASH_RULES'")
$PY - "$DASH_RULES" "$REPO"/packaging/grafana/dashboards/*.json <<'PYEOF'
import json, sys, yaml
rules = []
for path in sys.argv[2:]:
    for panel in json.load(open(path))["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$__rate_interval", "1m").replace("$server_id", ".*")
            rules.append({"record": "dashboard:check:%d" % len(rules), "expr": expr})
yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, open(sys.argv[1], "w"))
PYEOF
check "every Grafana dashboard expression is valid PromQL (promtool check rules)" \
    "$PROMTOOL" check rules "$DASH_RULES"

[ -x "$SERVER_BIN" ] || die "missing $SERVER_BIN (build first)"
[ -x "$BALANCER_BIN" ] || die "missing $BALANCER_BIN (build first)"

WORK=$(mktemp -d /tmp/instantchat-prometheus.XXXXXX)
IC_CLEANUP+=("rm -rf '$WORK'")
BAL_PORT=$(free_port)
SRV1_PORT=$(free_port)
SRV2_PORT=$(free_port)
PROM_PORT=$(free_port)
BAL=http://127.0.0.1:$BAL_PORT
PROM=http://127.0.0.1:$PROM_PORT
note "balancer :$BAL_PORT  servers :$SRV1_PORT :$SRV2_PORT  prometheus :$PROM_PORT"

# ---------------------------------------------------------------- the stack
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cluster-token"
chmod 600 "$WORK/cluster-token"
: >"$WORK/empty.conf"
start_bg "$WORK/balancer.log" "$BALANCER_BIN" --config "$WORK/empty.conf" --bind 127.0.0.1 \
    --port "$BAL_PORT" --servers "" --public-url "$BAL" --heartbeat-interval 1 \
    --cluster-token-file "$WORK/cluster-token"
wait_http "$BAL/healthz" 20 || { show_log "$WORK/balancer.log"; die "balancer is up"; }
for port in "$SRV1_PORT" "$SRV2_PORT"; do
    start_bg "$WORK/server-$port.log" "$SERVER_BIN" --config "$WORK/empty.conf" --bind 127.0.0.1 \
        --port "$port" --balancer "$BAL" --allowed-origins "$BAL" \
        --cluster-token-file "$WORK/cluster-token"
    eval "SRV_PID_$port=$IC_LAST_PID"
done
if wait_http "http://127.0.0.1:$SRV1_PORT/healthz" 20 && wait_http "http://127.0.0.1:$SRV2_PORT/healthz" 20; then
    pass "balancer and two servers are up"
else
    show_log "$WORK/server-$SRV1_PORT.log"; show_log "$WORK/server-$SRV2_PORT.log"
    die "balancer and two servers are up"
fi

# ---------------------------------------------------------------- prometheus
mkdir -p "$WORK/prom" "$WORK/data"
$PY "$HERE/prom_checks.py" render "$PROM_DIR" "$WORK/prom" "127.0.0.1:$BAL_PORT" >"$WORK/render.log" 2>&1
cat "$WORK/render.log"
IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$WORK/render.log")))
IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$WORK/render.log")))
check "promtool check config on the rendered test copy" "$PROMTOOL" check config "$WORK/prom/prometheus.yml"

start_bg "$WORK/prometheus.log" "$PROMETHEUS" --config.file="$WORK/prom/prometheus.yml" \
    --storage.tsdb.path="$WORK/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
    --storage.tsdb.retention.time=1h --log.level=warn
if wait_http "$PROM/-/ready" 30; then
    pass "prometheus is ready"
else
    show_log "$WORK/prometheus.log"; die "prometheus is ready"
fi

run_checks() { # run_checks NAME args... : prom_checks.py, folding its PASS/FAIL lines into ours
    local name=$1
    shift
    $PY "$HERE/prom_checks.py" "$@" >"$WORK/$name.log" 2>&1
    cat "$WORK/$name.log"
    IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$WORK/$name.log")))
    IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$WORK/$name.log")))
    grep -q '^\(PASS\|FAIL\): ' "$WORK/$name.log" || fail "prom_checks.py $1 printed no result"
}

run_checks targets targets "$PROM" "$BAL" 30
# Rooms on both servers (placement spreads new rooms by load; several rooms make that likely).
run_checks traffic traffic "$BAL" prom-room-a prom-room-b prom-room-c prom-room-d
sleep 3
run_checks dashboards dashboards "$PROM" 40 "$REPO"/packaging/grafana/dashboards/*.json

# ---------------------------------------------------------------- server down alert
SERVER_ID=127.0.0.1-$SRV2_PORT
eval "victim=\$SRV_PID_$SRV2_PORT"
{ kill -KILL "$victim"; wait "$victim"; } 2>/dev/null
note "killed server $SERVER_ID (pid $victim)"
run_checks alert alert "$PROM" InstantchatServerDown "server_id=$SERVER_ID" 60

if [ "$IC_FAILED" -ne 0 ]; then
    show_log "$WORK/prometheus.log" 20
    show_log "$WORK/balancer.log" 20
fi
finish
