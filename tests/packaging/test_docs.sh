#!/usr/bin/env bash
# The documentation as a newcomer follows it, against the real programs:
#   - every --flag named in README.md, packaging/README.md (the deployment guide), the programs'
#     READMEs and docs/*.md is a flag of a program's --help; every INSTANTCHAT_* variable there
#     names a flag;
#   - the man pages as the packages get them (packaging/man/manpage.cmake) show every flag of
#     --help;
#   - scripts/run-local.sh --help names every option the script accepts, and bad values are
#     refused before it installs or builds anything;
#   - a balancer and a server registered with it through the cluster token: every metric name in
#     the docs, packaging/prometheus/alerts.yml and the Grafana dashboards is in their /metrics,
#     every label value docs/interfaces.md lists has a sample, and every family they export is
#     named in docs/interfaces.md "Metrics";
#   - the curl examples of README.md ("curl, scripts, small devices") run as written against that
#     balancer and do what the README says.
#
# Usage: tests/packaging/test_docs.sh BUILD_DIR     (BUILD_DIR/bin holds the programs)
# Needs: cmake, curl, python3. Any user; loopback ports picked by the kernel.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/tests/monitoring/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
SERVER_BIN=$BUILD/bin/instantchat-server
BALANCER_BIN=$BUILD/bin/instantchat-balancer
[ -x "$SERVER_BIN" ] || die "missing $SERVER_BIN (build first)"
[ -x "$BALANCER_BIN" ] || die "missing $BALANCER_BIN (build first)"

WORK=$(mktemp -d /tmp/instantchat-docs.XXXXXX)
IC_CLEANUP+=("rm -rf '$WORK'")

# run_checks MODE ARGS... : doc_checks.py, its PASS/FAIL lines counted here.
run_checks() {
    local out=$WORK/checks-$1.txt
    python3 "$HERE/doc_checks.py" "$@" >"$out" 2>&1
    grep -v '^PASS: ' "$out" || true
    IC_PASSED=$((IC_PASSED + $(grep -c '^PASS: ' "$out")))
    IC_FAILED=$((IC_FAILED + $(grep -c '^FAIL: ' "$out")))
    grep -q '^PASS: ' "$out" || fail "doc_checks.py $1 ran"
}

# ---------------------------------------------------------------- flags, man pages
MANDIR=$WORK/man
for program in instantchat-server instantchat-balancer instantchat-desktop; do
    [ -x "$BUILD/bin/$program" ] || continue
    if cmake -DPROGRAM="$BUILD/bin/$program" -DNAME="$program" -DVERSION=test -DSUMMARY="test" \
        "-DFILES=/etc/instantchat/x.conf" -DOUT="$MANDIR" -P "$REPO/packaging/man/manpage.cmake" \
        >"$WORK/man-$program.log" 2>&1; then
        pass "man page of $program generated (packaging/man/manpage.cmake)"
    else
        show_log "$WORK/man-$program.log"; fail "man page of $program generated"
    fi
done
run_checks flags "$REPO" "$BUILD" "$MANDIR"

help=$(bash "$REPO/scripts/run-local.sh" --help)
accepted=$(sed -n '/^while/,/^done/p' "$REPO/scripts/run-local.sh" | grep -oE '^ +--[a-z-]+\)' | tr -d ' )')
[ -n "$accepted" ] || fail "scripts/run-local.sh: its options found"
for option in $accepted; do
    check "scripts/run-local.sh --help names $option" grep -q -- "$option" <<<"$help"
done

# Bad values are refused before anything is installed or built (exit 2, one sentence).
for args in "--servers" "--servers x" "--port abc" "--no-such-option"; do
    # shellcheck disable=SC2086
    out=$(timeout 20 bash "$REPO/scripts/run-local.sh" $args 2>&1 </dev/null)
    rc=$?
    check "scripts/run-local.sh $args: exit 2 with a sentence, nothing built" \
        test "$rc" = 2 -a "$(wc -l <<<"$out")" = 1
done

# ---------------------------------------------------------------- a balancer and a server
BAL_PORT=$(free_port)
SRV_PORT=$(free_port)
BAL=http://127.0.0.1:$BAL_PORT
note "balancer :$BAL_PORT  server :$SRV_PORT"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cluster-token"
chmod 600 "$WORK/cluster-token"
: >"$WORK/empty.conf"
start_bg "$WORK/balancer.log" "$BALANCER_BIN" --config "$WORK/empty.conf" --port "$BAL_PORT" \
    --servers "" --public-url "$BAL" --heartbeat-interval 1 --cluster-token-file "$WORK/cluster-token"
wait_http "$BAL/healthz" 20 || { show_log "$WORK/balancer.log"; die "balancer is up"; }
# Added as the guide says: --balancer and the token, nothing edited on the balancer.
start_bg "$WORK/server.log" "$SERVER_BIN" --config "$WORK/empty.conf" --port "$SRV_PORT" \
    --balancer "$BAL" --allowed-origins "$BAL" --replication off --cluster-token-file "$WORK/cluster-token"
if wait_http "http://127.0.0.1:$SRV_PORT/healthz" 20; then
    pass "a server started with --balancer and the cluster token registers (/healthz ok)"
else
    show_log "$WORK/server.log"; die "server registers with the balancer"
fi
# The first placement waits for the balancer's warm-up (2.5 heartbeats).
wait_http "$BAL/r/docs-warm-up" 20 || { show_log "$WORK/balancer.log"; die "balancer places rooms"; }

# ---------------------------------------------------------------- README curl examples
# The block under "curl, scripts, small devices", each line as written but for the address.
mapfile -t EXAMPLES < <(sed -n '/^\*\*curl, scripts, small devices\.\*\*/,/^```$/p' "$REPO/README.md" \
    | sed -n '/^```sh$/,/^```$/p' | grep '^curl ' | sed 's/ *#.*$//')
[ "${#EXAMPLES[@]}" -ge 4 ] || fail "README.md has its curl examples (${#EXAMPLES[@]} found)"
i=0
for example in "${EXAMPLES[@]}"; do
    i=$((i + 1))
    cmd=${example//http:\/\/localhost:8080/$BAL}
    # The README's own command, plus -w to see the status it got.
    if eval "$cmd -s -o '$WORK/example-$i.out' -w '%{http_code}'" >"$WORK/example-$i.status" 2>&1 \
        && [ "$(cat "$WORK/example-$i.status")" = 200 ]; then
        pass "README example answers 200: $example"
    else
        fail "README example answers 200: $example (status $(cat "$WORK/example-$i.status"))"
    fi
done
# What they say they do: the send shows in the read, JSON is JSON, the password room is locked.
check "README: a message sent with /s/ reads back as external-user (text)" \
    grep -q 'external-user: hello there' <(curl -s "$BAL/r/my-room")
check "README: ?format=json&l=20 answers JSON with the messages" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d["messages"], list) and "totalRoomMessagesCount" in d' "$WORK/example-2.out"
check "README: the room created with X-Room-Password refuses a reader without it (403)" \
    test "$(http_status "$BAL/r/locked-room")" = 403
check "README: and admits it with the header (200)" \
    test "$(http_status "$BAL/r/locked-room" -H 'X-Room-Password: secret')" = 200

# ---------------------------------------------------------------- metric names
# Some traffic first, so that labelled families have samples too.
curl -s "$BAL/pick_backend?roomName=docs-room" >/dev/null
curl -s "$BAL/not-a-route/x" >/dev/null
# A header block over 16 KiB: refused by the balancer's guard (431, route="rejected").
check "balancer refuses a 17 KiB header block (431)" \
    test "$(http_status "$BAL/" -H "X-Big: $(head -c 17408 /dev/zero | tr '\0' a)")" = 431
curl -s -o "$WORK/balancer.metrics" "$BAL/metrics" || fail "balancer /metrics answers"
curl -s -o "$WORK/server.metrics" "http://127.0.0.1:$SRV_PORT/metrics" || fail "server /metrics answers"
run_checks metrics "$REPO" "$WORK/balancer.metrics" "$WORK/server.metrics"

finish
