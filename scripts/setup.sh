#!/usr/bin/env bash
# Installs the Debian packages instantchat needs, only those missing, and says which.
#   scripts/setup.sh          build and run
#   scripts/setup.sh --test   also everything the test suites use (browser, nginx, Prometheus, …)
set -euo pipefail

build_packages=(
    cmake ninja-build g++ pkg-config ccache
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-httpserver-dev qt6-svg-dev
    libqt6svg6 qt6-qpa-plugins
    # The desktop app's emoji (its package depends on it too): without it they draw as boxes.
    fonts-noto-color-emoji
    prometheus-cpp-dev libjs-jquery zlib1g-dev
)
test_packages=(
    clang-14 libclang-rt-14-dev
    chromium nodejs npm
    nginx prometheus
    xvfb xauth
    python3 python3-yaml openssl curl procps util-linux dpkg-dev fakeroot file binutils systemd
    lintian iproute2
    desktop-file-utils
)

wanted=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
    wanted+=("${test_packages[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
    # A command that is already there (e.g. node from another source) counts as installed.
    case "$package" in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "setup: all ${#wanted[@]} packages present"
    exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    echo "setup: run as root (or install the packages above yourself)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
