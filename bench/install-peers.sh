#!/usr/bin/env bash
# Installs the native peers the eigenvalue benchmarks and tests compare against: LAPACKE (DSYEVD) backed by
# OpenBLAS (pthreads build); and Fashion-MNIST (Debian dataset-fashion-mnist, IDX under
# /usr/share/datasets/fashion-mnist), the real data set of the shortcut-depth experiment and its tests; and Debian's
# chromium, the headless browser the reproduction report's tests open index.html in; and, apart, python3-torch for the PyTorch peers.
# Idempotent: does nothing when every package is already installed.
# Debian/Ubuntu only; needs root (or sudo).
set -euo pipefail

packages=(liblapacke libopenblas0-pthread dataset-fashion-mnist chromium)
# The PyTorch peers (bench/peers/*_torch.py, and the tests that run them) need Debian's torch; a separate apt call, so
# that a failure there (it is the largest download) costs only those tests, which then report themselves skipped.
torch_packages=(python3-torch python3-numpy)

missing_of() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}
mapfile -t missing < <(missing_of "${packages[@]}")
mapfile -t missing_torch < <(missing_of "${torch_packages[@]}")

if [ ${#missing[@]} -eq 0 ] && [ ${#missing_torch[@]} -eq 0 ]; then
    echo "install-peers: ${packages[*]} ${torch_packages[*]} already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-peers: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if [ ${#missing_torch[@]} -gt 0 ]; then
    echo "install-peers: installing ${missing_torch[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing_torch[@]}" ||
        echo "install-peers: ${missing_torch[*]} could not be installed: the PyTorch peer tests will be skipped"
fi
