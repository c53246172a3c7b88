# Sourced by scripts/test.sh and scripts/serve_class.sh: install Debian packages whose programs are missing.
#
#   source scripts/debian_package.sh
#   need_debian_packages /usr/bin/chromium chromium /usr/sbin/haproxy haproxy
#
# One apt-get run for all that is missing; with sudo when not root (CI machines run as root).

need_debian_packages() {  # need_debian_packages PROGRAM PACKAGE [PROGRAM PACKAGE ...]
    local missing=() sudo=""
    while [ "$#" -ge 2 ]; do
        [ -x "$1" ] || missing+=("$2")
        shift 2
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}
