#!/usr/bin/env bash
# The Debian packages, end to end: cpack -G DEB in the build directory; contents, Depends and
# conffiles of each .deb; every shared library the programs link comes from a declared
# dependency; apt-get install of the packages (dependencies resolved from Debian); the system
# user, the generated cluster token, the systemd units (systemd-analyze verify and security);
# the services started -- by systemd when it is PID 1, otherwise by running each unit's ExecStart
# as the unit's user with the unit's credentials and environment -- answer /healthz, the server
# registers with the balancer through the shared token, the admin password credential works;
# finally purge, leaving nothing behind.
#
# Usage (as root, Debian 12): tests/packaging/test_debs.sh BUILD_DIR
# Needs: cmake, ninja (the build), dpkg-dev (cpack's DEB generator uses dpkg tools), apt, curl,
# python3, binutils (objdump), systemd (for systemd-analyze; not necessarily running).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/tests/monitoring/lib.sh"

BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
[ "$(id -u)" = 0 ] || die "must run as root (installs packages)"

# Both programs read /etc/instantchat/<program>.conf by default. Unless systemd (PID 1) has to see
# the files, the test runs in a private mount namespace with its own empty /etc/instantchat, so
# the conf files it installs and edits never reach other instantchat processes on this machine.
if [ "$(ps -p 1 -o comm= 2>/dev/null)" != systemd ] && [ -z "${IC_DEBS_PRIVATE_ETC:-}" ] \
    && command -v unshare >/dev/null && unshare --mount --propagation private true 2>/dev/null; then
    created=no
    [ -e /etc/instantchat ] || { mkdir /etc/instantchat; created=yes; }
    trap - EXIT
    IC_DEBS_PRIVATE_ETC=1 unshare --mount --propagation private bash "$0" "$@"
    rc=$?
    [ $created = yes ] && rmdir /etc/instantchat 2>/dev/null
    exit $rc
fi
if [ -n "${IC_DEBS_PRIVATE_ETC:-}" ]; then
    mount -t tmpfs -o mode=0755 instantchat-etc /etc/instantchat || die "private /etc/instantchat"
    note "running with a private /etc/instantchat (mount namespace)"
fi
[ -f "$BUILD/CMakeCache.txt" ] || die "$BUILD is not a configured build directory"
[ -f "$BUILD/instantchat-packages.txt" ] || die "$BUILD has no instantchat-packages.txt (packaging/ not configured)"

APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive

mapfile -t COMPONENTS < <(grep -v '^$' "$BUILD/instantchat-packages.txt")
note "components in this build: ${COMPONENTS[*]}"
for required in server balancer; do
    printf '%s\n' "${COMPONENTS[@]}" | grep -qx "$required" || fail "build has the $required program target"
done
if grep -q '^INSTANTCHAT_BUILD_DESKTOP:BOOL=ON' "$BUILD/CMakeCache.txt" \
    && [ -f "$REPO/desktop-client/CMakeLists.txt" ]; then
    printf '%s\n' "${COMPONENTS[@]}" | grep -qx desktop || fail "build has the desktop program target"
fi

# ---------------------------------------------------------------- build the packages
targets=()
for c in "${COMPONENTS[@]}"; do targets+=(--target "instantchat-$c"); done
if cmake --build "$BUILD" "${targets[@]}" -j "${INSTANTCHAT_JOBS:-2}" >"$BUILD/test-debs-build.log" 2>&1; then
    pass "programs built"
else
    tail -30 "$BUILD/test-debs-build.log"; die "programs built"
fi
rm -f "$BUILD"/instantchat-*.deb
if (cd "$BUILD" && cpack -G DEB) >"$BUILD/test-debs-cpack.log" 2>&1; then
    pass "cpack -G DEB"
else
    tail -30 "$BUILD/test-debs-cpack.log"; die "cpack -G DEB"
fi

declare -A DEB
for c in "${COMPONENTS[@]}"; do
    f=$(ls "$BUILD"/instantchat-"$c"_*.deb 2>/dev/null | head -1)
    if [ -n "$f" ]; then pass "package instantchat-$c built ($(basename "$f"))"; DEB[$c]=$f
    else fail "package instantchat-$c built"; fi
done

# ---------------------------------------------------------------- package contents
has_file() { dpkg-deb -c "$1" | awk '{print $NF}' | sed 's|^\./|/|' | grep -qx "$2"; }
has_dep() { dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$2"; }
expect_files() { # expect_files component path...
    local c=$1 p
    shift
    for p in "$@"; do check "instantchat-$c contains $p" has_file "${DEB[$c]}" "$p"; done
}
expect_deps() {
    local c=$1 d
    shift
    for d in "$@"; do check "instantchat-$c Depends on $d" has_dep "${DEB[$c]}" "$d"; done
}
QT_CORE_DEPS=(libqt6core6 libqt6network6)

if [ -n "${DEB[server]:-}" ]; then
    expect_files server /usr/bin/instantchat-server /etc/instantchat/server.conf \
        /lib/systemd/system/instantchat-server@.service
    expect_deps server "${QT_CORE_DEPS[@]}" libprometheus-cpp-core1.0 adduser
    check "instantchat-server marks /etc/instantchat/server.conf as conffile" \
        bash -c "dpkg-deb -I '${DEB[server]}' conffiles | grep -qx /etc/instantchat/server.conf"
fi
if [ -n "${DEB[balancer]:-}" ]; then
    expect_files balancer /usr/bin/instantchat-balancer /etc/instantchat/balancer.conf \
        /lib/systemd/system/instantchat-balancer.service
    expect_deps balancer "${QT_CORE_DEPS[@]}" libqt6httpserver6 libprometheus-cpp-core1.0 libjs-jquery adduser
    check "instantchat-balancer marks /etc/instantchat/balancer.conf as conffile" \
        bash -c "dpkg-deb -I '${DEB[balancer]}' conffiles | grep -qx /etc/instantchat/balancer.conf"
    # The web UI: every file of web/ under /usr/share/instantchat/web.
    missing=0
    while IFS= read -r f; do
        has_file "${DEB[balancer]}" "/usr/share/instantchat/web/${f#"$REPO/web/"}" || { missing=1; echo "    missing web file $f"; }
    done < <(find "$REPO/web" -type f ! -name '.*')
    check "instantchat-balancer ships every web/ file under /usr/share/instantchat/web" [ $missing = 0 ]
fi
if [ -n "${DEB[desktop]:-}" ]; then
    expect_files desktop /usr/bin/instantchat-desktop /usr/share/applications/instantchat-desktop.desktop \
        /usr/share/icons/hicolor/scalable/apps/instantchat.svg
    expect_deps desktop "${QT_CORE_DEPS[@]}" libqt6websockets6 libqt6gui6 libqt6widgets6 qt6-qpa-plugins fonts-noto-color-emoji
fi
for c in server balancer; do
    [ -n "${DEB[$c]:-}" ] || continue
    for s in postinst prerm postrm; do
        check "instantchat-$c has a $s script" bash -c "dpkg-deb -I '${DEB[$c]}' $s | head -1 | grep -q '^#!/bin/sh'"
    done
done

# Debian policy files of every package: copyright, changelog, a man page per program.
for c in "${!DEB[@]}"; do
    expect_files "$c" "/usr/share/doc/instantchat-$c/copyright" "/usr/share/doc/instantchat-$c/changelog.gz" \
        "/usr/share/man/man1/instantchat-$c.1.gz"
done

# Every file a man page names under /usr/share/doc (SEE ALSO) is in its package.
for c in "${!DEB[@]}"; do
    page=$(dpkg-deb --fsys-tarfile "${DEB[$c]}" | tar -xOf - "./usr/share/man/man1/instantchat-$c.1.gz" 2>/dev/null | zcat 2>/dev/null)
    for doc in $(grep -oE '/usr/share/doc/[^ ]+' <<<"$page" | sort -u); do
        check "man instantchat-$c names $doc, which instantchat-$c ships" has_file "${DEB[$c]}" "$doc"
    done
done

# lintian: no errors in any package (warnings are printed, not fatal).
if command -v lintian >/dev/null; then
    for c in "${!DEB[@]}"; do
        out=$(lintian --no-tag-display-limit "${DEB[$c]}" 2>&1)
        errors=$(grep -c '^E: ' <<<"$out")
        warnings=$(grep -c '^W: ' <<<"$out")
        grep -E '^(E|W): ' <<<"$out" | sed 's/^/    /'
        check "lintian instantchat-$c: no errors ($errors errors, $warnings warnings)" [ "$errors" = 0 ]
    done
else
    fail "lintian not installed (apt-get install lintian; scripts/setup.sh --test)"
fi

# Every library a program links (NEEDED) belongs to a package its .deb depends on.
X=$(mktemp -d /tmp/instantchat-debs.XXXXXX)
IC_CLEANUP+=("rm -rf '$X'")
for c in "${!DEB[@]}"; do
    mkdir -p "$X/$c"
    dpkg-deb -x "${DEB[$c]}" "$X/$c"
    bad=""
    for lib in $(objdump -p "$X/$c/usr/bin/instantchat-$c" | awk '/NEEDED/ {print $2}'); do
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')
        owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
        [ -z "$owner" ] && owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
        has_dep "${DEB[$c]}" "$owner" || bad="$bad $lib($owner)"
    done
    check "instantchat-$c: every linked library comes from a Depends package${bad:+ -- not covered:$bad}" [ -z "$bad" ]
    # The converse for Qt: a Qt library package in Depends that the program does not link only
    # makes admins install it for nothing.
    needed=$(objdump -p "$X/$c/usr/bin/instantchat-$c" | awk '/NEEDED/ {print $2}')
    extra=""
    for dep in $(dpkg-deb -f "${DEB[$c]}" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep '^libqt6'); do
        module=$(sed 's/^libqt6//; s/6$//' <<<"$dep")
        grep -qix "libQt6${module}.so.6" <<<"$needed" || extra="$extra $dep"
    done
    check "instantchat-$c: Depends names only Qt libraries it links${extra:+ -- not linked:$extra}" [ -z "$extra" ]
done

# ---------------------------------------------------------------- install
user_existed=no
getent passwd instantchat >/dev/null && user_existed=yes
IC_CLEANUP+=("'${APT[0]}' ${APT[*]:1} purge instantchat-server instantchat-balancer instantchat-desktop >/dev/null 2>&1")
[ $user_existed = no ] && IC_CLEANUP+=("userdel instantchat >/dev/null 2>&1; groupdel instantchat >/dev/null 2>&1")

if "${APT[@]}" install "${DEB[@]}" >"$X/install.log" 2>&1; then
    pass "apt-get install of the packages (dependencies from Debian)"
else
    tail -30 "$X/install.log"; die "apt-get install of the packages"
fi
check "system user instantchat exists with no login shell" \
    bash -c 'getent passwd instantchat | grep -q ":/usr/sbin/nologin$"'
check "postinst created /etc/instantchat/cluster-token, root-only (0600)" \
    bash -c '[ -s /etc/instantchat/cluster-token ] && [ "$(stat -c %a:%U /etc/instantchat/cluster-token)" = 600:root ]'
for c in "${!DEB[@]}"; do
    check "dpkg reports instantchat-$c installed" \
        bash -c "dpkg-query -W -f='\${Status}' instantchat-$c | grep -q 'install ok installed'"
done
# Without --config each program reads the conf file its package ships.
for c in server balancer; do
    [ -n "${DEB[$c]:-}" ] || continue
    default=$("/usr/bin/instantchat-$c" --help | tr -s ' \n' ' ' | grep -o 'default: /etc/instantchat/[a-z-]*\.conf' | head -1)
    check "instantchat-$c reads /etc/instantchat/$c.conf by default, the shipped conffile (--help: ${default:-none})" \
        bash -c "[ '$default' = 'default: /etc/instantchat/$c.conf' ] && [ -f /etc/instantchat/$c.conf ]"
done
if [ -n "${DEB[balancer]:-}" ]; then
    # Behaviour, not just the help text: a port set only in balancer.conf is used without --config.
    probe_port=$(free_port)
    sed -i "s|^port=.*|port=$probe_port|" /etc/instantchat/balancer.conf
    runuser -u instantchat -- /usr/bin/instantchat-balancer --servers "" >"$X/default-conf.log" 2>&1 &
    probe_pid=$!
    wait_http "http://127.0.0.1:$probe_port/healthz" 10 && ok=yes || ok=no
    kill "$probe_pid" 2>/dev/null; wait "$probe_pid" 2>/dev/null
    check "the balancer started without --config listens on the port from /etc/instantchat/balancer.conf" [ $ok = yes ]
fi
if [ -n "${DEB[desktop]:-}" ]; then
    check "instantchat-desktop registered for x-scheme-handler/instantchat" \
        grep -q 'MimeType=x-scheme-handler/instantchat;' /usr/share/applications/instantchat-desktop.desktop
fi

UNIT_DIR=/lib/systemd/system
if command -v systemd-analyze >/dev/null; then
    # verify prints nothing for a clean unit (the template is checked as an instance).
    cp "$UNIT_DIR/instantchat-server@.service" "$X/"
    for u in "$UNIT_DIR/instantchat-balancer.service" "$X/instantchat-server@8081.service"; do
        out=$(cd "$X" && systemd-analyze verify --man=no "$u" 2>&1)
        [ -n "$out" ] && echo "$out" | sed 's/^/    /'
        check "systemd-analyze verify $(basename "$u")" [ -z "$out" ]
    done
    for u in instantchat-balancer.service instantchat-server@.service; do
        score=$(systemd-analyze security --offline=true --no-pager "$UNIT_DIR/$u" 2>/dev/null \
            | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
        check "$u sandbox exposure (systemd-analyze security) is low: ${score:-?} <= 2.0" \
            python3 -c "import sys; sys.exit(0 if '$score' and float('$score') <= 2.0 else 1)"
    done
else
    fail "systemd-analyze not installed (apt-get install systemd)"
fi

# ---------------------------------------------------------------- run the services
BAL_PORT=$(free_port)
SRV_PORT=$(free_port)
BAL=http://127.0.0.1:$BAL_PORT
# Configure as an administrator would: ports and the balancer address in the conf files.
sed -i "s|^port=.*|port=$BAL_PORT|" /etc/instantchat/balancer.conf
sed -i "s|^balancer=.*|balancer=$BAL|; s|^allowed-origins=.*|allowed-origins=$BAL|" /etc/instantchat/server.conf
ADMIN_PASSWORD=test-admin-$RANDOM$RANDOM
printf '%s\n' "$ADMIN_PASSWORD" >/etc/instantchat/admin-password
chmod 600 /etc/instantchat/admin-password

systemd_running=no
[ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] && systemd_running=yes
if [ $systemd_running = yes ]; then
    note "systemd is PID 1: starting the units"
    systemctl daemon-reload
    systemctl start instantchat-balancer.service "instantchat-server@$SRV_PORT.service"
    IC_CLEANUP+=("systemctl stop instantchat-balancer.service 'instantchat-server@$SRV_PORT.service'")
else
    note "systemd is not PID 1: running each unit's ExecStart as its user with its credentials"
    start_bg "$X/balancer.log" python3 "$HERE/unit_exec.py" "$UNIT_DIR/instantchat-balancer.service"
    BAL_PID=$IC_LAST_PID
    start_bg "$X/server.log" python3 "$HERE/unit_exec.py" "$UNIT_DIR/instantchat-server@.service" "$SRV_PORT"
    SRV_PID=$IC_LAST_PID
    IC_CLEANUP+=("rm -rf /tmp/instantchat-credentials.*")
fi

if wait_http "$BAL/healthz" 20; then pass "balancer started from its unit answers /healthz"
else fail "balancer started from its unit answers /healthz"; show_log "$X/balancer.log"; fi
if wait_http "http://127.0.0.1:$SRV_PORT/healthz" 20; then pass "server@$SRV_PORT started from its unit answers /healthz"
else fail "server@$SRV_PORT started from its unit answers /healthz"; show_log "$X/server.log"; fi

registered=no
for _ in $(seq 1 50); do
    curl -s --max-time 2 "$BAL/sd" | grep -q "127.0.0.1:$SRV_PORT" && { registered=yes; break; }
    sleep 0.2
done
check "server registered with the balancer using the packaged cluster token (listed in /sd)" [ $registered = yes ]

TOKEN=$(cat /etc/instantchat/cluster-token)
for pid in $(pgrep -u instantchat -f '/usr/bin/instantchat-' || true); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    case "$exe" in /usr/bin/instantchat-*) ;; *) continue ;; esac
    check "$(basename "$exe") (pid $pid) runs as user instantchat" [ "$(stat -c %U "/proc/$pid")" = instantchat ]
    check "$(basename "$exe") (pid $pid) has no secret on its command line" \
        bash -c "! tr '\0' ' ' </proc/$pid/cmdline | grep -qF -e '$TOKEN' -e '$ADMIN_PASSWORD'"
done
[ -n "$(pgrep -u instantchat -f /usr/bin/instantchat-balancer || true)" ] || fail "balancer process runs as instantchat"
[ -n "$(pgrep -u instantchat -f /usr/bin/instantchat-server || true)" ] || fail "server process runs as instantchat"

code=$(http_status "$BAL/admin" -u "admin:$ADMIN_PASSWORD")
check "admin page accepts the password from the admin-password credential (got $code)" [ "$code" = 200 ]
code=$(http_status "$BAL/admin" -u "admin:wrong")
check "admin page refuses a wrong password (got $code)" [ "$code" = 401 ]

code=$(http_status "$BAL/")
check "the packaged web UI is served (GET / -> $code)" [ "$code" = 200 ]
code=$(http_status "$BAL/static/vendor/jquery.min.js")
check "jQuery from Debian's libjs-jquery is served (GET /static/vendor/jquery.min.js -> $code)" [ "$code" = 200 ]
# The emoji table is compiled into the packaged balancer (shared/emoji/emoji.txt), not a web/ file.
emoji_table=$(curl -fsS "$BAL/static/emoji.txt" 2>/dev/null || true)
check "the emoji picker's table is served as the repository has it (GET /static/emoji.txt)" \
    [ "$emoji_table" = "$(cat "$REPO/shared/emoji/emoji.txt")" ]

# Graceful stop: SIGTERM ends both within the unit's TimeoutStopSec.
if [ $systemd_running = yes ]; then
    check "systemctl stop" systemctl stop instantchat-balancer.service "instantchat-server@$SRV_PORT.service"
else
    stop_started
    stopped=yes
    pgrep -u instantchat -f '/usr/bin/instantchat-' >/dev/null && stopped=no
    check "services stop on SIGTERM" [ $stopped = yes ]
fi

# ---------------------------------------------------------------- purge
if "${APT[@]}" purge instantchat-server instantchat-balancer instantchat-desktop >"$X/purge.log" 2>&1; then
    pass "apt-get purge of the packages"
else
    tail -20 "$X/purge.log"; fail "apt-get purge of the packages"
fi
for f in /usr/bin/instantchat-server /usr/bin/instantchat-balancer /usr/bin/instantchat-desktop \
    /lib/systemd/system/instantchat-balancer.service /lib/systemd/system/instantchat-server@.service \
    /usr/share/instantchat; do
    check "purge removed $f" [ ! -e "$f" ]
done
check "purge removed /etc/instantchat (conf files, token, admin password)" \
    bash -c '[ ! -e /etc/instantchat ] || [ -z "$(ls -A /etc/instantchat)" ]'
finish
