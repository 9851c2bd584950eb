#!/usr/bin/env bash
# Issue 14's detection targets, measured: a build with a deliberate 10% Monte Carlo slowdown (slowdown-10pct.patch:
# the pass spins for 1/9 of its CPU time) compared with the unpatched build N times, and the unpatched build compared
# with a copy of itself N times, the two kinds of run alternating so that both meet the same machine. Each run is the
# CI gate's `bench compare --builds` on the four Monte Carlo probe kernels (double/float at 512 and 256 bits); a run
# "flags" when it exits 1. Writes perf-reports/detection/detection.json (every run's verdicts, ratios and samples) and
# prints the counts. Needs git and the .NET SDK.
#
# Usage: perf-reports/detection/run.sh [N (default 20)] [extra `bench compare` options…]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
shift || true
kernels=mc-double-512,mc-float-512,mc-double-256,mc-float-256
work=$(mktemp -d /tmp/fastres-detect.XXXXXX)
cleanup() { git worktree remove --force "$work/slow-src" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== build the current tree (A) and a copy of it (self)"
dotnet build src/FastRes.Cli/FastRes.Cli.csproj -c Release -nologo -v q >/dev/null
cp -r src/FastRes.Cli/bin/Release/net10.0 "$work/base"
cp -r src/FastRes.Cli/bin/Release/net10.0 "$work/self"
echo "== build the same tree with the deliberate slowdown (B)"
git worktree add --detach "$work/slow-src" HEAD >/dev/null 2>&1
git diff HEAD | (cd "$work/slow-src" && git apply --allow-empty) # uncommitted changes of this tree, if any
(cd "$work/slow-src" && git apply "$OLDPWD/perf-reports/detection/slowdown-10pct.patch")
dotnet build "$work/slow-src/src/FastRes.Cli/FastRes.Cli.csproj" -c Release -nologo -v q >/dev/null
slow="$work/slow-src/src/FastRes.Cli/bin/Release/net10.0/fastres.dll"

codes=()
start=$SECONDS
for i in $(seq 1 "$runs"); do
  for kind in slow self; do
    b=$([ $kind = slow ] && echo "$slow" || echo "$work/self/fastres.dll")
    t0=$SECONDS
    set +e
    dotnet "$work/base/fastres.dll" bench compare --builds "$work/base/fastres.dll" "$b" --kernels $kernels \
      --save "$work/runs/$kind-$i" --json "$work/runs/$kind-$i/compare.json" "$@" > "$work/runs-$kind-$i.log" 2>&1
    code=$?
    set -e
    [ $code -le 1 ] || { cat "$work/runs-$kind-$i.log"; echo "run $kind $i failed (exit $code)"; exit 1; }
    echo "$kind $i: exit $code in $((SECONDS - t0)) s: $(grep -E '^mc ' "$work/runs-$kind-$i.log" | awk '{printf "%s/%s %s %s; ", $2, $3, $6, $NF}')"
  done
done
echo "== $((2 * runs)) compare runs in $((SECONDS - start)) s"
/usr/bin/python3 perf-reports/detection/summarize.py "$work/runs" "$runs" perf-reports/detection/detection.json "$*"
