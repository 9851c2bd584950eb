#!/usr/bin/env bash
# Regenerates every committed report in perf-reports/ and its summary table (perf-reports/summary.md, which the
# README's performance section quotes). Run on a QUIET machine from the repository root: ~10 minutes.
#   bash perf-reports/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=perf-reports
dotnet build FastRes.sln -c Release -nologo -v q
F=(dotnet src/FastRes.Cli/bin/Release/net10.0/fastres.dll)
bash bench/install-peers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine peak and Monte Carlo paths"
"${F[@]}" bench mc --sizes 8,16 --json "$out/mc.json"
"${F[@]}" bench mc --sizes 16 --threads 1 --json "$out/mc-1t.json"

echo "== time to result of whole runs (p = 8, k = 16, the three methods, 200,000 trials; and 10^6 trials)"
"${F[@]}" run shortcut-cnn --k 16 --trials 200000 --out "$tmp/double" > /dev/null
"${F[@]}" run shortcut-cnn --k 16 --trials 200000 --precision float --out "$tmp/float" > /dev/null
"${F[@]}" run shortcut-cnn --k 16 --trials 1000000 --out "$tmp/million" > /dev/null
"${F[@]}" run shortcut-cnn --k 16 --trials 20000 --methods resnet --out "$tmp/resnet" > /dev/null
"${F[@]}" run shortcut-cnn --out "$tmp/defaults" > /dev/null
for r in double float million resnet defaults; do cp "$tmp/$r/results.json" "$out/run-$r.json"; done

echo "== NumPy peer (same p, k, T, steps; method resnet; 20,000 trials)"
bench/peers/run_peers.sh --k 16 --trials 20000 --methods resnet > "$out/numpy-peer.json"

echo "== eigenvalues: FastRes (two-stage default, one-stage) beside LAPACK dsyevd and dsyevd_2stage"
# LAPACK (OpenBLAS) at its own core type (AVX-512 kernels: both variables unset for this command alone) and at the
# environment's Haswell setting; summarize.py quotes the faster (DEVELOPERS.md). FastRes does not use OpenBLAS.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${F[@]}" bench eig --sizes 500,1000,2000,4000,6400 --json "$out/eig.json"
"${F[@]}" bench eig --sizes 500,1000,2000,4000,6400 --json "$out/eig-haswell.json"

echo "== exact Hessian: FastRes and torch.autograd.functional.hessian (depth 16, 2-shortcut, d = 10, m = 10,000)"
"${F[@]}" bench hessian --json "$out/hessian.json"
/usr/bin/python3 bench/peers/hessian_torch.py > "$out/torch-hessian.json"

echo "== training epoch: FastRes (per-sample and Σ paths) beside PyTorch (depth 16, 2-shortcut, d = 10, m = 10,000)"
# The peer's OpenBLAS runs at its own (AVX-512) core type here, the fair figure; the environment's
# Haswell setting is kept for a second, recorded run. FastRes's epoch does not use OpenBLAS.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${F[@]}" bench train --peer --spectrum --json "$out/train.json"
"${F[@]}" bench train --peer --json "$out/train-haswell-peer.json"

echo "== sampled shortcut CNN: FastRes per SIMD path beside PyTorch (p = 8, k = 16, n = 64 and 1024, 64 trials)"
# Like the training epoch: the peer at OpenBLAS's own core type, and once more at the environment's Haswell setting.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${F[@]}" bench sampled --peer --json "$out/sampled.json"
"${F[@]}" bench sampled --peer --json "$out/sampled-haswell-peer.json"

echo "== CI perf-smoke baseline"
"${F[@]}" bench smoke --write-baseline "$out/baseline.json"

python3 "$out/summarize.py" "$out" > "$out/summary.md"
cat "$out/summary.md"
