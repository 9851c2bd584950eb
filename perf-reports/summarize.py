#!/usr/bin/env python3
"""Builds perf-reports/summary.md (the README's performance tables) from the JSON reports run-all.sh writes."""
import json
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(d, name)
    return json.load(open(path)) if os.path.exists(path) else None


def fmt(x, digits=3):
    return f"{x:.{digits}g}" if x is not None else "–"


mc, mc1, peer = load("mc.json"), load("mc-1t.json"), load("numpy-peer.json")
peaks = {}
for rep in (mc, mc1):
    for r in (rep or {}).get("results", []):
        if r["kernel"] == "peak":
            peaks[r["variant"].split("/", 1)[1]] = r["rate"] * 1e9  # precision/threads -> flop/s
machine = (mc or {}).get("machine", {})
print(f"Machine: {machine.get('Cpu', machine.get('cpu', '?'))}, {machine.get('Cores', machine.get('cores', '?'))} cores, "
      f"{machine.get('Isa', machine.get('isa', '?'))}, {machine.get('Runtime', machine.get('runtime', '?'))}.\n")

flops_per_it = 15 * 8 + 9 * 16 + 17  # KernelProfiler.FlopsPerTrialIteration(resnet, 8, 16)
print("### Monte Carlo kernel (p = 8, k = 16, method resnet; `fastres bench mc`)\n")
print("| path | precision | threads | trial-iterations/s | × scalar | fraction of FMA peak |")
print("|---|---|---:|---:|---:|---:|")
for rep in (mc1, mc):
    rows = [r for r in (rep or {}).get("results", []) if r["kernel"] == "mc" and r["size"] == "p=8,k=16"]
    scalar = {r["variant"].split("/")[1]: r["rate"] for r in rows if r["variant"].startswith("scalar/")}
    for r in rows:
        path, prec, t = r["variant"].split("/")
        peak = peaks.get(f"{prec}/{t}")
        frac = r["rate"] * flops_per_it / peak if peak else None
        print(f"| {path} | {prec} | {t[:-1]} | {r['rate'] / 1e6:.1f} M | {r['rate'] / scalar[prec]:.1f} | {100 * frac:.1f} % |"
              if frac is not None else f"| {path} | {prec} | {t[:-1]} | {r['rate'] / 1e6:.1f} M | {r['rate'] / scalar[prec]:.1f} | – |")
print(f"\nFLOPs per trial-iteration counted as {flops_per_it} (15p + 9k + 17; sqrt, division and acos count 1 each), so the "
      "fraction of peak is conservative.\n")

print("### Whole runs, time to result (`fastres run shortcut-cnn`, all cores; early retirement included)\n")
print("| run | trials × methods | trial-iterations | seconds | trial-iterations/s |")
print("|---|---:|---:|---:|---:|")
for name, label in [("defaults", "defaults (7 k values)"), ("double", "k = 16, double"), ("float", "k = 16, float"),
                    ("million", "k = 16, 10⁶ trials, double"), ("resnet", "k = 16, resnet only, 20,000 trials")]:
    run = load(f"run-{name}.json")
    if not run:
        continue
    its = sum(r["trial_iterations"] for r in run["rows"])
    trials = sum(r["trials"] for r in run["rows"])
    print(f"| {label} | {trials:,} | {its:,} | {run['seconds']:.1f} | {its / run['seconds'] / 1e6:.0f} M |")

if peer:
    p = peer["results"][0]
    ours = load("run-resnet.json")
    print("\n### FastRes vs the NumPy peer (same config: p = 8, k = 16, resnet, T = 3000, 20,000 trials)\n")
    print("| | seconds | trial-iterations/s |")
    print("|---|---:|---:|")
    print(f"| NumPy (batched over trials, 1 thread, no early retirement) | {p['seconds']:.1f} | {p['rate'] / 1e6:.2f} M |")
    if ours:
        its = sum(r["trial_iterations"] for r in ours["rows"])
        print(f"| FastRes (all cores, early retirement) | {ours['seconds']:.2f} | {its / ours['seconds'] / 1e6:.0f} M |")
        print(f"\nTime-to-result ratio: **{p['seconds'] / ours['seconds']:.0f}×**; throughput ratio (trial-iterations/s): "
              f"**{(its / ours['seconds']) / p['rate']:.0f}×**.")

eig = load("eig.json")
if eig:
    print("\n### Symmetric eigenvalues (`fastres bench eig`, all cores)\n")
    print("| n | FastRes s | LAPACK dsyevd s | FastRes / LAPACK time | FastRes GFLOP/s (4n³/3) |")
    print("|---:|---:|---:|---:|---:|")
    rows = [r for r in eig["results"] if r["kernel"] == "eig"]
    for size in dict.fromkeys(r["size"] for r in rows):
        ours = next(r for r in rows if r["size"] == size and not r["variant"].startswith("LAPACK"))
        lap = next((r for r in rows if r["size"] == size and r["variant"].startswith("LAPACK")), None)
        print(f"| {size[2:]} | {ours['seconds']:.3f} | {fmt(lap and lap['seconds'])} | "
              f"{fmt(lap and ours['seconds'] / lap['seconds'])} | {ours['rate']:.1f} |")

hes, torch = load("hessian.json"), load("torch-hessian.json")
if hes:
    print("\n### Exact Hessian, depth-16 2-shortcut network, d = 10, 10,000 samples (`fastres bench hessian`)\n")
    print("| network | FastRes s | torch.autograd.functional.hessian s | speed-up |")
    print("|---|---:|---:|---:|")
    for r in hes["results"]:
        name = r["variant"].split("/")[0]
        t = next((x for x in (torch or {}).get("results", []) if x["variant"] == name), None)
        print(f"| {name} | {r['seconds']:.3f} | {fmt(t and t['seconds'])} | {fmt(t and t['seconds'] / r['seconds'])}× |")

train = load("train.json")
if train:
    rows = train["results"]
    tpeaks = {r["variant"].split("/", 1)[1]: r["rate"] * 1e9 for r in rows if r["kernel"] == "peak"}
    print("\n### Training epoch, depth-16 2-shortcut network, d = 10, 10,000 samples (`fastres bench train --peer`)\n")
    print("Forward + backward + step over all samples; torch timed on 2 threads and on 1 right after FastRes, its faster "
          "figure quoted, with OpenBLAS at its own (AVX-512) core type (OPENBLAS_CORETYPE unset for that command).\n")
    print("| network | path | threads | FastRes epochs/s | of peak | torch epochs/s (threads) | speed-up |")
    print("|---|---|---:|---:|---:|---:|---:|")
    best_torch = {}
    for r in rows:
        if r["kernel"] == "train" and r["variant"].startswith("torch"):
            net = r["size"].split(",")[0]
            if net not in best_torch or r["seconds"] < best_torch[net]["seconds"]:
                best_torch[net] = r
    for r in rows:
        if r["kernel"] != "train" or r["variant"].startswith("torch"):
            continue
        net, path = r["size"].split(",")[:2]
        threads = r["variant"].rsplit("/", 1)[1]
        m = int(r["size"].split("m=")[1]); depth = int(r["size"].split("D=")[1].split(",")[0])
        peak = tpeaks.get("double/" + threads)
        frac = f"{100 * r['rate'] * 6 * 100 * depth * m / peak:.1f} %" if path == "sample" and peak else "–"
        t = best_torch.get(net)
        tt = f"{t['rate']:.1f} ({t['variant'].rsplit('/', 1)[1]})" if t else "–"
        print(f"| {net} | {path} | {threads[:-1]} | {r['rate']:.1f} | {frac} | {tt} | {fmt(t and t['seconds'] / r['seconds'])}× |")
    spec = [r for r in rows if r["kernel"] == "train-spectrum"]
    if spec:
        print("\nA spectrum epoch of training-spectrum at depth 16 (N = 1,600 parameters): " + "; ".join(
            f"{r['variant'].split('/')[0]} {r['seconds']:.3f} s" for r in spec) + ".")

hw = load("train-haswell-peer.json")
if hw:
    def best(rows, net, ours):
        cand = [r for r in rows if r["kernel"] == "train" and r["size"].split(",")[:2] == [net, "sample"]
                and r["variant"].startswith("torch") != ours]
        return min(cand, key=lambda r: r["seconds"]) if cand else None
    parts = []
    for net in ("linear", "relu-mid", "tanh-mid"):
        o, t = best(hw["results"], net, True), best(hw["results"], net, False)
        if o and t:
            parts.append(f"{net} {t['seconds'] / o['seconds']:.1f}×")
    print("\nWith the environment's OPENBLAS_CORETYPE=Haswell (torch's OpenBLAS on AVX2 kernels), the same comparison "
          "gives: " + ", ".join(parts) + " (`train-haswell-peer.json`).")
