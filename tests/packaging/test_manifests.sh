#!/usr/bin/env bash
# Static checks of the deployment files: compose and Kubernetes YAML parse and reference only
# images, ports, services, routes and flags that exist in the project; Grafana provisioning and
# dashboard JSON parse and every panel has the provisioned data source and a query; Prometheus
# files pass promtool; systemd units, INI files and the desktop entry match the flag contract.
#
# Usage: tests/packaging/test_manifests.sh [BUILD_DIR]
#   With BUILD_DIR (holding bin/instantchat-server and bin/instantchat-balancer) the flags are also
#   checked against the programs' --help. Needs python3 with yaml (Debian python3-yaml); uses
#   promtool (Debian prometheus), nginx and desktop-file-validate when installed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/tests/monitoring/lib.sh"
BUILD=${1:-}
[ -n "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)

python3 -c 'import yaml' 2>/dev/null || die "python3 yaml module missing (apt-get install python3-yaml)"

OUT=$(mktemp /tmp/instantchat-manifests.XXXXXX)
IC_CLEANUP+=("rm -f '$OUT'")
python3 "$HERE/manifest_checks.py" "$REPO" "$BUILD" >"$OUT" 2>&1
grep -v '^PASS: ' "$OUT" || true
IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$OUT")))
IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$OUT")))
echo "manifest_checks.py: $(grep -c '^PASS: ' "$OUT") checks passed"
grep -q '^PASS: ' "$OUT" || fail "manifest_checks.py ran"

if command -v promtool >/dev/null; then
    check "promtool check config packaging/prometheus/prometheus.yml" \
        promtool check config "$REPO/packaging/prometheus/prometheus.yml"
    check "promtool check rules packaging/prometheus/alerts.yml" \
        promtool check rules "$REPO/packaging/prometheus/alerts.yml"
    check "promtool test rules tests/monitoring/alerts_test.yml" \
        promtool test rules "$REPO/tests/monitoring/alerts_test.yml"
else
    fail "promtool not installed (apt-get install prometheus)"
fi

# The gateway config as the README installs it: into conf.d of a stock Debian nginx layout,
# with a throwaway certificate at the certificate paths the README generates.
if command -v nginx >/dev/null && command -v openssl >/dev/null; then
    W=$(mktemp -d /tmp/instantchat-nginx-t.XXXXXX)
    IC_CLEANUP+=("rm -rf '$W'")
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$W/tls.key" -out "$W/tls.crt" >/dev/null 2>&1
    cp "$REPO/packaging/nginx/instantchat-proxy-params.conf" "$W/"
    cp "$REPO/packaging/nginx/instantchat-cluster-token.conf.example" "$W/instantchat-cluster-token.conf"
    sed -e "s|/etc/ssl/certs/instantchat-gateway.pem|$W/tls.crt|" \
        -e "s|/etc/ssl/private/instantchat-gateway.key|$W/tls.key|" \
        -e "s|/var/log/nginx/|$W/|" \
        -e "s|/etc/nginx/instantchat-|$W/instantchat-|g" \
        "$REPO/packaging/nginx/instantchat-gateway.conf" >"$W/gateway.conf"
    cat >"$W/nginx.conf" <<NGX
pid $W/nginx.pid;
error_log $W/error.log;
events {}
http { include /etc/nginx/mime.types; include $W/gateway.conf; }
NGX
    check "nginx -t accepts packaging/nginx/instantchat-gateway.conf (as shipped, ports 80/443)" \
        nginx -t -q -p "$W" -e "$W/error.log" -c "$W/nginx.conf"
else
    note "nginx not installed: the gateway config is checked by tests/monitoring/test_gateway.sh"
fi

# Maintainer scripts are POSIX sh.
for s in "$REPO"/packaging/debian/{postinst,prerm,postrm}.in "$REPO"/packaging/docker/gateway-entrypoint.sh; do
    check "sh -n $(basename "$s")" sh -n "$s"
done
finish
