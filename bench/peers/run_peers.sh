#!/usr/bin/env bash
# Runs the NumPy peer of the shortcut-CNN Monte Carlo with Debian's python3 (pyenv's python may lack numpy),
# installing python3-numpy through apt-get when it is missing. Extra arguments go to the peer, e.g.
#   bench/peers/run_peers.sh --trials 2000 --methods cnn,resnet,resnet-ssw
# Output: the peer's JSON on stdout (see shortcut_cnn_numpy.py).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "run_peers: installing python3-numpy (apt-get)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >&2
fi

exec "$PY" "$here/shortcut_cnn_numpy.py" "$@"
