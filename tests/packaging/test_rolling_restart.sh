#!/usr/bin/env bash
# The server package's upgrade restart (packaging/debian/postinst.in, rolling_restart): with two
# running instances, each is restarted only after the previous one is back and registered with
# the balancer (GET /healthz 200). Real balancer and servers on loopback; systemctl is a stub
# that lists the two instances and restarts them (SIGTERM, start again), recording what the other
# instance answered at that moment.
#
# Usage: tests/packaging/test_rolling_restart.sh BUILD_DIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/tests/monitoring/lib.sh"
BUILD=${1:-}
[ -n "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)
[ -x "$BUILD/bin/instantchat-server" ] && [ -x "$BUILD/bin/instantchat-balancer" ] ||
    die "usage: $0 BUILD_DIR (with bin/instantchat-server and bin/instantchat-balancer)"
trap ic_cleanup EXIT

W=$(mktemp -d /tmp/instantchat-rolling.XXXXXX)
IC_CLEANUP+=("for f in '$W'/pid.*; do kill \$(cat \"\$f\") 2>/dev/null; done; sleep 0.5; rm -rf '$W'")
BP=$(free_port)
start_bg "$W/balancer.log" env INSTANTCHAT_CLUSTER_TOKEN= INSTANTCHAT_ADMIN_PASSWORD= \
    "$BUILD/bin/instantchat-balancer" --port "$BP" --bind 127.0.0.1 --servers "" --warm-up 0
wait_http "http://127.0.0.1:$BP/healthz" 10 || die "balancer did not start"

export IC_SERVER_BIN="$BUILD/bin/instantchat-server" IC_BALANCER="http://127.0.0.1:$BP" IC_W="$W"
start_instance() { # port
    INSTANTCHAT_CLUSTER_TOKEN= nohup "$IC_SERVER_BIN" --port "$1" --bind 127.0.0.1 \
        --balancer "$IC_BALANCER" --rate-limits off >>"$IC_W/server-$1.log" 2>&1 &
    echo $! >"$IC_W/pid.$1"
}
P1=$(free_port)
P2=$(free_port)
start_instance "$P1"
start_instance "$P2"
for p in $P1 $P2; do
    wait_http "http://127.0.0.1:$p/healthz" 15 || die "server on $p did not register"
done
OLD1=$(cat "$W/pid.$P1")
OLD2=$(cat "$W/pid.$P2")

mkdir "$W/bin"
cat >"$W/bin/systemctl" <<STUB
#!/usr/bin/env bash
$(declare -f start_instance)
case "\$1" in
list-units)
    printf 'instantchat-server@%s.service loaded active running x\n' $P1 $P2 ;;
restart)
    port=\${2#instantchat-server@}; port=\${port%.service}
    other=$P1; [ "\$port" = $P1 ] && other=$P2
    code=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:\$other/healthz")
    echo "restart \$port other=\$code" >>"\$IC_W/restarts"
    old=\$(cat "\$IC_W/pid.\$port"); kill -TERM "\$old"
    while kill -0 "\$old" 2>/dev/null; do sleep 0.1; done
    start_instance "\$port" ;;
*) exit 1 ;;
esac
STUB
chmod +x "$W/bin/systemctl"

# The functions of the postinst, as CMake configures them for instantchat-server.
sed -e 's/@IC_PACKAGE@/instantchat-server/g' -e 's/@IC_UNIT_GLOB@/instantchat-server@*.service/g' \
    -e 's/@IC_RESTART_ON_UPGRADE@/rolling/g' "$REPO/packaging/debian/postinst.in" |
    sed -n '/^# ---- rolling restart/,/^case "\$1" in/p' | sed '$d' >"$W/functions.sh"
grep -q '^rolling_restart()' "$W/functions.sh" || die "rolling_restart not found in postinst.in"

start=$(date +%s.%N)
PATH="$W/bin:$PATH" sh -c ". '$W/functions.sh'; rolling_restart" 2>"$W/postinst.err"
end=$(date +%s.%N)
echo "---- rolling restart of 2 instances took $(awk "BEGIN { printf \"%.1f\", $end - $start }") s; restarts:"
cat "$W/restarts" 2>/dev/null
cat "$W/postinst.err"

check "both instances restarted, in order" \
    [ "$(cut -d' ' -f2 "$W/restarts" 2>/dev/null | tr '\n' ' ')" = "$P1 $P2 " ]
check "the second restart began only after the first instance was back and registered (200)" \
    grep -qx "restart $P2 other=200" "$W/restarts"
check "the first restart began while the other instance served (200)" \
    grep -qx "restart $P1 other=200" "$W/restarts"
for p in $P1 $P2; do
    check "instance $p runs a new process and is registered afterwards" \
        wait_http "http://127.0.0.1:$p/healthz" 5
done
new_processes() { [ "$(cat "$W/pid.$P1")" != "$OLD1" ] && [ "$(cat "$W/pid.$P2")" != "$OLD2" ]; }
check "both instances run new processes" new_processes
check "the postinst names each restart" \
    [ "$(grep -c 'restarting instantchat-server@' "$W/postinst.err")" = 2 ]
finish
