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

eig, eig_hw = load("eig.json"), load("eig-haswell.json")
if eig:
    rows = [r for r in eig["results"] if r["kernel"] == "eig"]
    hw_rows = [r for r in (eig_hw or {}).get("results", []) if r["kernel"] == "eig"]
    gemm = next((r for r in eig["results"] if r["kernel"] == "gemm"), None)
    epeak = next((r["rate"] for r in eig["results"] if r["kernel"] == "peak" and "/double/" in r["variant"]
                  and r["variant"].endswith(rows[0]["variant"].rsplit("/", 1)[1])), None) if rows else None
    threads = rows[0]["variant"].rsplit("/", 1)[1][:-1] if rows else "?"
    print(f"\n### Symmetric eigenvalues (`fastres bench eig`, {threads} threads)\n")
    print("LAPACK is OpenBLAS through LAPACKE, timed in the same process on the same matrix, at both of its core types "
          "here — its own choice (AVX-512 kernels, OPENBLAS_CORETYPE unset: `eig.json`) and the environment's Haswell "
          "(AVX2: `eig-haswell.json`) — and the faster of the two quoted (DEVELOPERS.md). FastRes does not use OpenBLAS. "
          "GFLOP/s at the conventional 4n³/3.\n")
    print("| n | FastRes s | FastRes one-stage s | LAPACK dsyevd s | LAPACK dsyevd_2stage s | FastRes / dsyevd time "
          "| FastRes / dsyevd_2stage time | FastRes GFLOP/s | of FMA peak | of FastRes GEMM |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

    def best(size, prefix):
        cands = [r for r in rows + hw_rows if r["size"] == size and r["variant"].startswith(prefix + "/")]
        return min(cands, key=lambda r: r["seconds"]) if cands else None

    for size in dict.fromkeys(r["size"] for r in rows):
        ours = next(r for r in rows if r["size"] == size and not r["variant"].startswith("LAPACK") and "-1stage" not in r["variant"])
        one = next((r for r in rows if r["size"] == size and "-1stage" in r["variant"]), None)
        lap, lap2 = best(size, "LAPACK-dsyevd"), best(size, "LAPACK-dsyevd_2stage")
        mark = lambda r: "–" if r is None else (f"{r['seconds']:.3f}" + (" (AVX2)" if r in hw_rows else ""))
        pct = lambda x: "–" if x is None else f"{x:.0f} %"
        print(f"| {size[2:]} | {ours['seconds']:.3f} | {fmt(one and one['seconds'])} | {mark(lap)} | {mark(lap2)} | "
              f"{fmt(lap and ours['seconds'] / lap['seconds'], 2)} | {fmt(lap2 and ours['seconds'] / lap2['seconds'], 2)} | "
              f"{ours['rate']:.1f} | {pct(epeak and 100 * ours['rate'] / epeak)} | {pct(gemm and 100 * ours['rate'] / gemm['rate'])} |")
    if gemm:
        print(f"\nFastRes's product kernel (C += A·B, n = 2,000, the kernel stage 1 runs on): {gemm['rate']:.1f} GFLOP/s"
              + (f", {100 * gemm['rate'] / epeak:.0f} % of the FMA peak ({epeak:.1f} GFLOP/s on {threads} threads)." if epeak else "."))

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

# The sampled shortcut CNN (issue 13): FastRes per SIMD path beside the PyTorch peer, both core types of its OpenBLAS,
# the faster torch figure per variant quoted.
sampled = [d for d in (load("sampled.json"), load("sampled-haswell-peer.json")) if d]
if sampled:
    rows = sampled[0]["results"]
    peaks = {r["variant"]: r["rate"] for r in rows if r["kernel"] == "peak"}
    torch = [r for d in sampled for r in d["results"] if r["kernel"] == "sampled" and r["variant"].startswith("torch")]
    print("\n### Sampled shortcut CNN vs PyTorch (`fastres bench sampled --peer`)\n")
    print("Sample-trial-iterations/s; GFLOP/s at 6kp flops per sample-trial-iteration (normals not counted); torch's best "
          "figure per variant over its thread counts and both OpenBLAS core types.\n")
    print("| size | scalar | Vector128 | Vector256 | Vector512 | of peak | torch autograd | torch hand-written | ÷ autograd | ÷ hand-written |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in dict.fromkeys(r["size"] for r in rows if r["kernel"] == "sampled"):
        ours = {r["variant"].split("/")[0]: r for r in rows if r["kernel"] == "sampled" and r["size"] == size and not r["variant"].startswith("torch")}
        def best(kind):
            c = [r["rate"] for r in torch if r["size"] == size and f"-{kind}/" in r["variant"]]
            return max(c) if c else None
        top = ours.get("Vector512") or ours[max(ours)]
        threads = top["variant"].rsplit("/", 1)[1]
        p, k = (int(x.split("=")[1]) for x in size.split(",")[:2])
        peak = peaks.get(f"Vector512/double/{threads}")
        frac = f"{100 * top['rate'] * 6 * k * p / 1e9 / peak:.1f} %" if peak else "–"
        a, m = best("autograd"), best("manual")
        cells = [f"{ours[v]['rate'] / 1e6:.2f} M" if v in ours else "–" for v in ("scalar", "Vector128", "Vector256", "Vector512")]
        print(f"| {size} | " + " | ".join(cells) + f" | {frac} | {fmt(a and a / 1e6)} M | {fmt(m and m / 1e6)} M | "
              f"{fmt(a and top['rate'] / a)}× | {fmt(m and top['rate'] / m)}× |")
