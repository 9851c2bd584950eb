#!/usr/bin/env bash
# Installs the native peers the eigenvalue benchmarks and tests compare against: LAPACKE (DSYEVD) backed by
# OpenBLAS (pthreads build). Idempotent: does nothing when both packages are already installed.
# Debian/Ubuntu only; needs root (or sudo).
set -euo pipefail

packages=(liblapacke libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-peers: ${packages[*]} already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-peers: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
