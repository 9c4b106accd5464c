#!/usr/bin/env bash
# The multi-node deployment of packaging/README.md (sections 1, 2 "nginx in front", 3, 4), step by
# step, with the project's own packages:
#   - `cpack -G DEB` in the build directory, `apt-get install` of the server and balancer packages;
#   - the gateway node is a network namespace of its own (veth pair, its own address): nginx with
#     the shipped config and a certificate generated as the guide says, and the balancer started
#     from its unit, configured as the guide says (bind=0.0.0.0, public-url, gateway-routes;
#     trusted-proxies stays loopback because nginx is local to it);
#   - the server node is the host: a server started from its unit with the guide's five settings
#     (bind, balancer, allowed-origins, trusted-proxies = the gateway node, advertise);
#   - 100 users connect from 100 distinct addresses of the host to the gateway.
# It asserts: per-address limits apply per real client (all 100 join one room through the
# gateway's /b/<id>/ws_entry and send over /s/, while one client over its limit gets 429);
# a server with a wrong token is visible as such (warning in its log, /healthz 503 "not
# registered: ...", instantchat_server_registered 0, the balancer logs the refusal); a killed
# server stays in /sd until an admin forgets it; the gateway's logs hold no room name, password
# or message text; the Docker HEALTHCHECK commands answer; the Prometheus step of the guide keeps
# Debian's own prometheus.yml.
#
# Usage (as root, Debian 12): tests/packaging/test_multinode.sh BUILD_DIR
# Needs: iproute2 (ip netns), nginx, openssl, curl, python3, dpkg-dev, apt; promtool (prometheus)
# for the Prometheus step. Cleans up everything: processes, namespace, addresses, packages.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/tests/monitoring/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
[ "$(id -u)" = 0 ] || die "must run as root (installs packages, creates a network namespace)"
command -v ip >/dev/null || die "ip not installed (apt-get install iproute2)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "nginx not installed (apt-get install nginx)"
command -v openssl >/dev/null || die "openssl not installed"

# Like test_debs.sh: unless systemd (PID 1) has to see the files, run in a private mount
# namespace with an empty /etc/instantchat, so nothing reaches other instantchat processes.
if [ -z "${IC_MULTINODE_PRIVATE:-}" ] && unshare --mount --propagation private true 2>/dev/null; then
    created=no
    [ -e /etc/instantchat ] || { mkdir /etc/instantchat; created=yes; }
    trap - EXIT
    IC_MULTINODE_PRIVATE=1 unshare --mount --propagation private bash "$0" "$@"
    rc=$?
    [ $created = yes ] && rmdir /etc/instantchat 2>/dev/null
    exit $rc
fi
if [ -n "${IC_MULTINODE_PRIVATE:-}" ]; then
    mount -t tmpfs -o mode=0755 instantchat-etc /etc/instantchat || die "private /etc/instantchat"
fi
[ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] && note "systemd is PID 1, but the units run through unit_exec.py here (the gateway node is a network namespace)"

APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive
WORK=$(mktemp -d /tmp/instantchat-multinode.XXXXXX)
chmod 755 "$WORK"
IC_CLEANUP+=("rm -rf '$WORK'")
SECRET=s$RANDOM$RANDOM

# ---------------------------------------------------------------- 1. build the packages
# cpack packages every component of the build, so every program is built (as test_debs.sh does).
targets=()
for c in $(grep -v '^$' "$BUILD/instantchat-packages.txt"); do targets+=(--target "instantchat-$c"); done
if cmake --build "$BUILD" "${targets[@]}" -j "${INSTANTCHAT_JOBS:-2}" >"$WORK/build.log" 2>&1; then
    pass "programs built"
else
    tail -20 "$WORK/build.log"; die "programs built"
fi
rm -f "$BUILD"/instantchat-*.deb
(cd "$BUILD" && cpack -G DEB) >"$WORK/cpack.log" 2>&1 || { tail -20 "$WORK/cpack.log"; die "cpack -G DEB"; }
pass "cpack -G DEB in the build directory"

user_existed=no
getent passwd instantchat >/dev/null && user_existed=yes
IC_CLEANUP+=("'${APT[0]}' ${APT[*]:1} purge instantchat-server instantchat-balancer >/dev/null 2>&1")
[ $user_existed = no ] && IC_CLEANUP+=("userdel instantchat >/dev/null 2>&1; groupdel instantchat >/dev/null 2>&1")
IC_CLEANUP+=("rm -rf /tmp/instantchat-credentials.*")
if (cd "$BUILD" && "${APT[@]}" install ./instantchat-balancer_*.deb ./instantchat-server_*.deb) >"$WORK/install.log" 2>&1; then
    pass "apt-get install ./instantchat-balancer_*.deb ./instantchat-server_*.deb"
else
    tail -20 "$WORK/install.log"; die "apt-get install of the packages"
fi

# ---------------------------------------------------------------- the two nodes
# A /24 of 10.213.x.0 that this host does not use: .1 is the server node (host), .2 the gateway
# node (namespace), .100-.199 the users.
for _ in $(seq 1 20); do
    octet=$((RANDOM % 200 + 20))
    ip -4 addr | grep -q "10\.213\.$octet\." || ip -4 route | grep -q "10\.213\.$octet\." || break
done
NET=10.213.$octet
SERVER_IP=$NET.1
GATEWAY_IP=$NET.2
NS=icgw$$
VETH=icv$$
IC_CLEANUP+=("ip link del '${VETH}h' 2>/dev/null; ip netns del '$NS' 2>/dev/null")
ip netns add "$NS" || die "ip netns add"
ip link add "${VETH}h" type veth peer name "${VETH}g" || die "ip link add veth"
ip link set "${VETH}g" netns "$NS"
ip addr add "$SERVER_IP/24" dev "${VETH}h"
ip link set "${VETH}h" up
ip netns exec "$NS" ip addr add "$GATEWAY_IP/24" dev "${VETH}g"
ip netns exec "$NS" ip link set "${VETH}g" up
ip netns exec "$NS" ip link set lo up
USERS=100
for i in $(seq 100 $((100 + USERS - 1))); do echo "addr add $NET.$i/32 dev ${VETH}h"; done | ip -batch - \
    || die "client addresses"
GW() { ip netns exec "$NS" "$@"; }
note "server node $SERVER_IP (host), gateway node $GATEWAY_IP (namespace $NS), users $NET.100-$((100 + USERS - 1))"

PUBLIC_HOST=$GATEWAY_IP   # the guide's chat.your-domain.org; an address here (no DNS)
PUBLIC=https://$PUBLIC_HOST

# ---------------------------------------------------------------- gateway node: balancer
ADMIN_PASSWORD=admin-$SECRET
install -m 600 /dev/null /etc/instantchat/admin-password
printf '%s\n' "$ADMIN_PASSWORD" >/etc/instantchat/admin-password
sed -i -e 's|^bind=.*|bind=0.0.0.0|' \
       -e "s|^public-url=.*|public-url=$PUBLIC|" \
       -e 's|^gateway-routes=.*|gateway-routes=on|' /etc/instantchat/balancer.conf
check "balancer.conf keeps trusted-proxies=127.0.0.1,::1 (nginx is on the gateway node)" \
    grep -qx 'trusted-proxies=127.0.0.1,::1' /etc/instantchat/balancer.conf
start_bg "$WORK/balancer.log" ip netns exec "$NS" python3 "$HERE/unit_exec.py" /lib/systemd/system/instantchat-balancer.service
BAL=http://$GATEWAY_IP:8080
wait_http "$BAL/healthz" 20 || { show_log "$WORK/balancer.log"; die "balancer on the gateway node answers /healthz"; }
pass "balancer started from its unit on the gateway node"

# ---------------------------------------------------------------- gateway node: nginx
# The guide's commands with /etc/nginx, /etc/ssl and /var/log/nginx inside $WORK.
N=$WORK/nginx
mkdir -p "$N/conf.d" "$N/ssl/certs" "$N/ssl/private" "$N/logs" "$N/temp"
chmod 777 "$N/logs" "$N/temp"
cp "$REPO/packaging/nginx/instantchat-gateway.conf" "$N/conf.d/"
cp "$REPO/packaging/nginx/instantchat-proxy-params.conf" "$N/"
printf 'map "" $instantchat_cluster_token { default "%s"; }\n' \
    "$(cat /etc/instantchat/cluster-token)" >"$N/instantchat-cluster-token.conf"
chmod 600 "$N/instantchat-cluster-token.conf"
sed -i "s/server_name chat.example.org;/server_name $PUBLIC_HOST;/" "$N/conf.d/instantchat-gateway.conf"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$PUBLIC_HOST" \
    -addext "subjectAltName=IP:$PUBLIC_HOST" \
    -keyout "$N/ssl/private/instantchat-gateway.key" -out "$N/ssl/certs/instantchat-gateway.pem" >/dev/null 2>&1 \
    || die "openssl req (the guide's certificate)"
chmod 600 "$N/ssl/private/instantchat-gateway.key"
sed -i -e "s|/etc/nginx/|$N/|g" -e "s|/etc/ssl/|$N/ssl/|g" -e "s|/var/log/nginx/|$N/logs/|g" \
    "$N/conf.d/instantchat-gateway.conf"
cat >"$N/nginx.conf" <<EOF
worker_processes 1;
pid $N/nginx.pid;
error_log $N/logs/main-error.log;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $N/temp/body;
    proxy_temp_path $N/temp/proxy;
    fastcgi_temp_path $N/temp/fastcgi;
    uwsgi_temp_path $N/temp/uwsgi;
    scgi_temp_path $N/temp/scgi;
    include $N/conf.d/*.conf;
}
EOF
if GW "$NGINX" -t -q -p "$N" -e "$N/logs/main-error.log" -c "$N/nginx.conf" >"$WORK/nginx-t.log" 2>&1; then
    pass "nginx -t with the shipped gateway config and the guide's generated certificate"
else
    cat "$WORK/nginx-t.log"; die "nginx -t"
fi
start_bg "$WORK/nginx.out" ip netns exec "$NS" "$NGINX" -p "$N" -e "$N/logs/main-error.log" -c "$N/nginx.conf" -g "daemon off;"
wait_http "http://$GATEWAY_IP/" 10 301 || { show_log "$N/logs/main-error.log"; die "nginx is up on the gateway node"; }
pass "nginx is up on the gateway node"

# ---------------------------------------------------------------- server node
SRV_PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('$SERVER_IP',0)); print(s.getsockname()[1])")
sed -i -e "s|^bind=.*|bind=$SERVER_IP|" \
       -e "s|^balancer=.*|balancer=http://$GATEWAY_IP:8080|" \
       -e "s|^allowed-origins=.*|allowed-origins=$PUBLIC|" \
       -e "s|^trusted-proxies=.*|trusted-proxies=$GATEWAY_IP|" /etc/instantchat/server.conf
# A tighter connection limit per address than the default 64, to show it applies per client.
sed -i 's|^max-connections=.*|&\nmax-connections-per-address=8|' /etc/instantchat/server.conf
echo "INSTANTCHAT_ADVERTISE=$SERVER_IP:$SRV_PORT" >"/etc/instantchat/server-$SRV_PORT.env"
start_bg "$WORK/server.log" python3 "$HERE/unit_exec.py" "/lib/systemd/system/instantchat-server@.service" "$SRV_PORT"
SRV_PID=$IC_LAST_PID
SRV=http://$SERVER_IP:$SRV_PORT
SERVER_ID=$SERVER_IP-$SRV_PORT
if wait_http "$SRV/healthz" 20; then
    pass "server@$SRV_PORT on the server node: /healthz ok (registered with the balancer on the gateway node)"
else
    show_log "$WORK/server.log"; curl -s "$SRV/healthz"; die "server registered"
fi
check "server listed in the balancer's /sd" bash -c "ip netns exec '$NS' curl -s http://127.0.0.1:8080/sd | grep -q '$SERVER_IP:$SRV_PORT'"

# ---------------------------------------------------------------- health checks of the images
# The HEALTHCHECK commands of the Dockerfiles, run as Docker would (the balancer's in the
# gateway node, where it listens on 127.0.0.1:8080 as in its container).
healthcheck_cmd() { sed -n '/^HEALTHCHECK/,/^[^ ]/p' "$1" | python3 -c '
import json, re, sys
m = re.search(r"CMD (\[.*\])", sys.stdin.read())
print(json.loads(m.group(1))[2])'; }
BAL_HC=$(healthcheck_cmd "$REPO/packaging/docker/balancer.Dockerfile")
SRV_HC=$(healthcheck_cmd "$REPO/packaging/docker/server.Dockerfile")
check "balancer image HEALTHCHECK passes against the running balancer" \
    ip netns exec "$NS" env INSTANTCHAT_PORT=8080 bash -c "$BAL_HC"
old=$(GW bash -c "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3")
note "the previous HEALTHCHECK request (HTTP/1.0, no Host) gets: ${old%$'\r'}"
# The server listens on the node address here (0.0.0.0 in its container).
check "server image HEALTHCHECK passes against the registered server" \
    env INSTANTCHAT_PORT="$SRV_PORT" bash -c "${SRV_HC//127.0.0.1/$SERVER_IP}"

# ---------------------------------------------------------------- users through the gateway
python3 "$HERE/multinode_checks.py" "$PUBLIC" "$N/ssl/certs/instantchat-gateway.pem" "$SERVER_ID" \
    "$NET." 100 "$USERS" "$SECRET" >"$WORK/checks.log" 2>&1
cat "$WORK/checks.log"
IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$WORK/checks.log")))
IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$WORK/checks.log")))
grep -q '^PASS: ' "$WORK/checks.log" || fail "multinode_checks.py ran"

# ---------------------------------------------------------------- no secrets in the gateway's logs
GWLOGS=("$N/logs/instantchat-access.log" "$N/logs/instantchat-error.log")
check "gateway access log has entries (method, status, bytes, time)" \
    grep -qE ' GET 101 [0-9]+ ' "$N/logs/instantchat-access.log"
leaks=$(cat "${GWLOGS[@]}" 2>/dev/null | grep -cE "$SECRET|crowd-|/s/|/r/|/b/|\?|$NET\.1[0-9][0-9]" || true)
check "gateway logs hold no room name, password, message text, URI or client address ($leaks lines)" [ "$leaks" = 0 ]
note "gateway access log: $(wc -l <"$N/logs/instantchat-access.log") lines, e.g. '$(tail -n1 "$N/logs/instantchat-access.log")'"

# ---------------------------------------------------------------- a server that cannot register
BAD_PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('$SERVER_IP',0)); print(s.getsockname()[1])")
install -m 644 /dev/null /etc/instantchat/wrong-token
echo not-the-cluster-token >/etc/instantchat/wrong-token
printf 'INSTANTCHAT_ADVERTISE=%s:%s\nINSTANTCHAT_CLUSTER_TOKEN_FILE=/etc/instantchat/wrong-token\n' \
    "$SERVER_IP" "$BAD_PORT" >"/etc/instantchat/server-$BAD_PORT.env"
start_bg "$WORK/bad-server.log" python3 "$HERE/unit_exec.py" "/lib/systemd/system/instantchat-server@.service" "$BAD_PORT"
BADSRV=http://$SERVER_IP:$BAD_PORT
wait_http "$BADSRV/livez" 20 || show_log "$WORK/bad-server.log"
health=""
for _ in $(seq 1 30); do
    health=$(curl -s --max-time 2 "$BADSRV/healthz")
    case "$health" in "not registered: "*) break ;; esac
    sleep 0.2
done
code=$(http_status "$BADSRV/healthz")
note "wrong-token server /healthz: $code $health"
expected="not registered: balancer http://$GATEWAY_IP:8080 refused the cluster token"
check "wrong token: /healthz answers 503 not registered: <reason>" \
    test "$code" = 503 -a "${health:0:${#expected}}" = "$expected"
check "wrong token: /livez still ok (liveness probes do not restart it)" [ "$(http_status "$BADSRV/livez")" = 200 ]
check "wrong token: the server logs a warning with the reason" \
    grep -q "warning registration: not registered with the balancer: balancer http://$GATEWAY_IP:8080 refused the cluster token" "$WORK/bad-server.log"
# In a file, not in a quoted string: help texts may hold quotes of their own.
curl -s "$BADSRV/metrics" >"$WORK/bad-server.metrics"
check "wrong token: instantchat_server_registered 0" \
    grep -qx 'instantchat_server_registered 0' "$WORK/bad-server.metrics"
check "wrong token: instantchat_server_registration_failures_total{reason=\"token\"} counts" \
    grep -qE '^instantchat_server_registration_failures_total\{reason="token"\} [1-9]' "$WORK/bad-server.metrics"
check "wrong token: the balancer logs the refused call with the server's address" \
    grep -q "refused a call from $SERVER_IP -- /internal/heartbeat with a missing or wrong cluster token" "$WORK/balancer.log"
check "wrong token: the balancer counts the refusals (InstantchatBalancerRefusesServers' metric)" \
    bash -c "ip netns exec '$NS' curl -s http://127.0.0.1:8080/metrics \
        | grep -qE '^instantchat_balancer_requests_total\{route=\"internal\",status=\"403\"\} [1-9]'"
check "the good server's metric says registered (instantchat_server_registered 1)" \
    bash -c "curl -s '$SRV/metrics' | grep -qx 'instantchat_server_registered 1'"

# ---------------------------------------------------------------- a dead server stays in /sd
admin() { ip netns exec "$NS" curl -s -u "admin:$ADMIN_PASSWORD" "$@"; }
# unit_exec.py became runuser (same pid), whose child is the server: a crash, no deregistration.
kill -KILL $(pgrep -P "$SRV_PID") 2>/dev/null
dead=no
for _ in $(seq 1 60); do
    admin http://127.0.0.1:8080/admin/api/servers | python3 -c "
import json, sys
s = [x for x in json.load(sys.stdin)['servers'] if x['id'] == '$SERVER_ID']
sys.exit(0 if s and not s[0]['alive'] else 1)" && { dead=yes; break; }
    sleep 0.25
done
check "the balancer saw the killed server die" [ $dead = yes ]
sleep 2
check "the dead server is still a Prometheus target in /sd (its alert keeps firing)" \
    bash -c "ip netns exec '$NS' curl -s http://127.0.0.1:8080/sd | grep -q '$SERVER_IP:$SRV_PORT'"
code=$(admin -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"server\":\"$SERVER_ID\"}" http://127.0.0.1:8080/admin/api/forget-server)
check "admin forgets the dead server (got $code)" [ "$code" = 200 ]
check "after that it is gone from /sd" \
    bash -c "! ip netns exec '$NS' curl -s http://127.0.0.1:8080/sd | grep -q '$SERVER_IP:$SRV_PORT'"
check "/sd is not reachable through the gateway" [ "$(http_status "https://$GATEWAY_IP/sd" -k)" = 404 ]

# ---------------------------------------------------------------- monitoring node: the guide's Prometheus step
if [ -f /etc/prometheus/prometheus.yml ] && command -v promtool >/dev/null; then
    P=$WORK/prometheus
    mkdir -p "$P"
    cp /etc/prometheus/prometheus.yml "$P/prometheus.yml"   # Debian's own file, untouched
    cp "$REPO/packaging/prometheus/alerts.yml" "$P/instantchat-alerts.yml"
    sed -i 's|^rule_files:.*|rule_files:\n  - instantchat-alerts.yml|' "$P/prometheus.yml"
    sed -n '/^  - job_name: instantchat-balancer/,$p' "$REPO/packaging/prometheus/prometheus.yml" \
        | sed "s|127.0.0.1:8080|$GATEWAY_IP:8080|" >>"$P/prometheus.yml"
    check "guide's Prometheus step: promtool check config passes" promtool check config "$P/prometheus.yml"
    jobs=$(python3 -c "import yaml,sys; print(' '.join(j['job_name'] for j in yaml.safe_load(open('$P/prometheus.yml'))['scrape_configs']))")
    orig=$(python3 -c "import yaml,sys; print(' '.join(j['job_name'] for j in yaml.safe_load(open('/etc/prometheus/prometheus.yml'))['scrape_configs']))")
    check "guide's Prometheus step keeps Debian's jobs ($orig) and adds instantchat's ($jobs)" \
        bash -c "[ '$jobs' = '$orig instantchat-balancer instantchat-server' ]"
else
    note "Debian's prometheus not installed: the guide's Prometheus step is not checked"
fi

if [ "$IC_FAILED" -ne 0 ]; then
    show_log "$WORK/balancer.log" 20
    show_log "$WORK/server.log" 20
    show_log "$N/logs/main-error.log" 10
fi
finish
