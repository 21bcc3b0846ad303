#!/usr/bin/env bash
# System packages the project needs beyond Python (Debian/Ubuntu, as root): install the missing ones.
#   bubblewrap  the `bwrap` sandbox that runs generated code (programs/special/sandbox.py)
# Idempotent: does nothing when every package is installed; runs `apt-get update` at most once.
set -euo pipefail

PACKAGES=(bubblewrap)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "system-deps: all installed (${PACKAGES[*]})"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing ${missing[*]}; run this script as root (or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
