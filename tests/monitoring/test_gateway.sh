#!/usr/bin/env bash
# The shipped nginx gateway (packaging/nginx/instantchat-gateway.conf) in front of a real balancer
# and server: TLS, the /b/<server-id>/ws_entry WebSocket route guarded by the balancer's
# route-check, blocked internal routes, the http->https redirect, limit_req.
#
# Usage: tests/monitoring/test_gateway.sh BUILD_DIR     (BUILD_DIR/bin holds the programs)
# Needs: nginx, openssl, curl, python3 (Debian packages). Runs as any user; ports on loopback.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
SERVER_BIN=$BUILD/bin/instantchat-server
BALANCER_BIN=$BUILD/bin/instantchat-balancer
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
CONF_SRC=$REPO/packaging/nginx

[ -x "$SERVER_BIN" ] || die "missing $SERVER_BIN (build first)"
[ -x "$BALANCER_BIN" ] || die "missing $BALANCER_BIN (build first)"
[ -x "$NGINX" ] || die "nginx not installed (apt-get install nginx)"
command -v openssl >/dev/null || die "openssl not installed"

WORK=$(mktemp -d /tmp/instantchat-gateway.XXXXXX)
IC_CLEANUP+=("rm -rf '$WORK'")
chmod 755 "$WORK"

BAL_PORT=$(free_port)
SRV_PORT=$(free_port)
TLS_PORT=$(free_port)
HTTP_PORT=$(free_port)
PUBLIC=https://localhost:$TLS_PORT
note "balancer :$BAL_PORT  server :$SRV_PORT  nginx https :$TLS_PORT http :$HTTP_PORT"

# ---------------------------------------------------------------- the stack behind the gateway
TOKEN_FILE=$WORK/cluster-token
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TOKEN_FILE"
chmod 600 "$TOKEN_FILE"
: >"$WORK/empty.conf"   # never pick up /etc/instantchat/*.conf of this machine

start_bg "$WORK/balancer.log" "$BALANCER_BIN" --config "$WORK/empty.conf" --bind 127.0.0.1 \
    --port "$BAL_PORT" --servers "" --gateway-routes on --public-url "$PUBLIC" \
    --cluster-token-file "$TOKEN_FILE" --heartbeat-interval 1
start_bg "$WORK/server.log" "$SERVER_BIN" --config "$WORK/empty.conf" --bind 127.0.0.1 \
    --port "$SRV_PORT" --balancer "http://127.0.0.1:$BAL_PORT" --allowed-origins "$PUBLIC" \
    --cluster-token-file "$TOKEN_FILE"
if wait_http "http://127.0.0.1:$BAL_PORT/healthz" 20 && wait_http "http://127.0.0.1:$SRV_PORT/healthz" 20; then
    pass "balancer and server are up"
else
    show_log "$WORK/balancer.log"; show_log "$WORK/server.log"
    die "balancer and server are up"
fi
SERVER_ID=127.0.0.1-$SRV_PORT
registered=no
for _ in $(seq 1 50); do
    if curl -s --max-time 2 "http://127.0.0.1:$BAL_PORT/sd" | grep -q "127.0.0.1:$SRV_PORT"; then
        registered=yes; break
    fi
    sleep 0.2
done
check "server registered with the balancer (listed in /sd)" [ $registered = yes ]

# route-check straight at the balancer: the contract nginx relies on.
TOKEN=$(cat "$TOKEN_FILE")
code=$(http_status "http://127.0.0.1:$BAL_PORT/internal/route-check?id=$SERVER_ID" -H "X-Instantchat-Token: $TOKEN")
check "balancer route-check: known id -> 204 (got $code)" [ "$code" = 204 ]
code=$(http_status "http://127.0.0.1:$BAL_PORT/internal/route-check?id=127.0.0.1-1" -H "X-Instantchat-Token: $TOKEN")
check "balancer route-check: unknown id -> 404 (got $code)" [ "$code" = 404 ]

# ---------------------------------------------------------------- render the shipped config
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1 || die "openssl req failed"
printf 'map "" $instantchat_cluster_token { default "%s"; }\n' "$TOKEN" >"$WORK/instantchat-cluster-token.conf"
cp "$CONF_SRC/instantchat-proxy-params.conf" "$WORK/"
mkdir -p "$WORK/temp" "$WORK/logs"
chmod 777 "$WORK/temp" "$WORK/logs"

# Each substitution must hit exactly the lines it targets, or the shipped file has drifted from
# what this test (and packaging/README.md) describe.
render_ok=yes
subst() { # subst 'sed expression' 'grep pattern expected in source' expected-count
    local n
    n=$(grep -c -- "$2" "$CONF_SRC/instantchat-gateway.conf")
    if [ "$n" != "$3" ]; then
        echo "render: expected $3 line(s) matching '$2', found $n"; render_ok=no
    fi
    SED_ARGS+=(-e "$1")
}
SED_ARGS=()
subst "s|^\(\s*\)listen 80;|\1listen 127.0.0.1:$HTTP_PORT;|" '^\s*listen 80;' 1
subst "s|^\(\s*\)listen 443 ssl http2;|\1listen 127.0.0.1:$TLS_PORT ssl http2;|" '^\s*listen 443 ssl http2;' 1
subst '/^\s*listen \[::\]:/d' '^\s*listen \[::\]:' 2
subst "s|server 127.0.0.1:8080;|server 127.0.0.1:$BAL_PORT;|" 'server 127.0.0.1:8080;' 1
subst "s|server_name chat.example.org;|server_name localhost;|" 'server_name chat.example.org;' 2
subst "s|/etc/ssl/certs/instantchat-gateway.pem|$WORK/tls.crt|" 'ssl_certificate .*instantchat-gateway.pem' 1
subst "s|/etc/ssl/private/instantchat-gateway.key|$WORK/tls.key|" 'ssl_certificate_key .*instantchat-gateway.key' 1
subst "s|/var/log/nginx/|$WORK/logs/|" '/var/log/nginx/' 4
subst "s|/etc/nginx/instantchat-|$WORK/instantchat-|g" 'include /etc/nginx/instantchat-' 5
check "shipped gateway config has the expected substitution points" [ $render_ok = yes ]
sed "${SED_ARGS[@]}" "$CONF_SRC/instantchat-gateway.conf" >"$WORK/instantchat-gateway.conf"

cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log info;
events { worker_connections 512; }
http {
    access_log $WORK/logs/access.log;
    client_body_temp_path $WORK/temp/body;
    proxy_temp_path $WORK/temp/proxy;
    fastcgi_temp_path $WORK/temp/fastcgi;
    uwsgi_temp_path $WORK/temp/uwsgi;
    scgi_temp_path $WORK/temp/scgi;
    include $WORK/instantchat-gateway.conf;
}
EOF

if "$NGINX" -t -p "$WORK" -e "$WORK/logs/error.log" -c "$WORK/nginx.conf" >"$WORK/nginx-t.log" 2>&1; then
    pass "nginx -t accepts the rendered gateway config"
else
    cat "$WORK/nginx-t.log"
    die "nginx -t accepts the rendered gateway config"
fi
start_bg "$WORK/logs/nginx.out" "$NGINX" -p "$WORK" -e "$WORK/logs/error.log" -c "$WORK/nginx.conf" -g "daemon off;"
if wait_http "http://127.0.0.1:$HTTP_PORT/" 10 301; then
    pass "nginx is up"
else
    show_log "$WORK/logs/error.log"; die "nginx is up"
fi

# ---------------------------------------------------------------- client checks
python3 "$HERE/gateway_checks.py" "$PUBLIC" "http://localhost:$HTTP_PORT" "$WORK/tls.crt" gw-room \
    >"$WORK/checks.log" 2>&1
cat "$WORK/checks.log"
IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$WORK/checks.log")))
IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$WORK/checks.log")))
if ! grep -q '^PASS: ' "$WORK/checks.log"; then
    fail "gateway_checks.py ran"
fi

# The access log (the shipped log_format) shows the WebSocket upgrade went through nginx (101)
# and keeps no URI, query string, room name or message text.
check "nginx logged a 101 Switching Protocols for the /b/ WebSocket (method and status only)" \
    grep -qE ' GET 101 [0-9]+ ' "$WORK/logs/instantchat-access.log"
check "nginx's access log holds no room name, message text or path" \
    bash -c "! grep -qiE 'gw-room|from%20curl|/b/|/r/|/s/|roomName' '$WORK/logs/instantchat-access.log'"

if [ "$IC_FAILED" -ne 0 ]; then
    show_log "$WORK/logs/error.log" 20
    show_log "$WORK/balancer.log" 20
    show_log "$WORK/server.log" 20
fi
finish
