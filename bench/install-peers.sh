#!/usr/bin/env bash
# Installs the native peers the eigenvalue benchmarks and tests compare against: LAPACKE (DSYEVD) backed by
# OpenBLAS (pthreads build); and Fashion-MNIST (Debian dataset-fashion-mnist, IDX under
# /usr/share/datasets/fashion-mnist), the real data set of the shortcut-depth experiment and its tests; and Debian's
# chromium, the headless browser the reproduction report's tests open index.html in.
# Idempotent: does nothing when every package is already installed.
# Debian/Ubuntu only; needs root (or sudo).
set -euo pipefail

packages=(liblapacke libopenblas0-pthread dataset-fashion-mnist chromium)
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
