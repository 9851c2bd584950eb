#!/usr/bin/env python3
"""NumPy peer of FastRes's shortcut-CNN Monte Carlo (SPEC §1.1-1.2, §5): the throughput yardstick.

Population gradient descent on the teacher-student shortcut CNN (Liu et al. 2019, building on Du et al. 2017),
batched over trials the way a NumPy user would write it: the state is arrays (trials, k) and (trials, p), every
step is a handful of vectorized ufunc calls (np.arccos, einsum row dots, ...), one batch of trials at a time.

It is a throughput peer, not a bit-for-bit twin: it draws teachers and starts with its own NumPy generator
(default_rng(seed)), so its success counts agree with FastRes's only statistically. It has no early retirement:
every trial runs all T iterations, so trial_iterations = trials x T exactly. Only the gradient-descent loop is
timed (not teacher sampling), which flatters the peer slightly.

Model (SPEC §1.1), with phi = angle(v, v*), g(phi) = sin phi + (pi - phi) cos phi, e = 1/sqrt(p) * ones:
  grad_a L = (1/pi) [((pi-1) I + 1 1^T) a - ((g-1) I + 1 1^T) a*]
  grad_w L = -(a.a*) (pi - phi) / (pi |u|) (I - v v^T) v*,   v = u/|u|, u = e + w (u = w for cnn)
Methods (SPEC §1.2): cnn (w <- normalized w~, w0 uniform on the sphere), resnet (w <- (e+w~)/|e+w~| - e,
w0 = 0), resnet-ssw (resnet with Stage I eta_a = eta1, eta_w = C |a*|^2 eta1^2 for t < T1).
Defaults (SPEC §1.4): p = 8, k = 16, T = 3000, eta = 0.25 * 5 pi^2 / (4 (k + pi - 1)^2),
eta1 = pi / (20 (k + pi - 1)^2), C = 1, T1 = T/2, cap 60 degrees, tol 1e-3.

Prints one JSON object: {"peer", "numpy", "config", "results": [{"kernel", "variant", "size", "seconds", "rate",
"unit", "method", "trials", "trial_iterations", "success", "spurious", "undecided", "diverged"}]} - the rows carry
the SPEC §5 bench fields, so they sit next to `fastres bench mc` rows.
"""
import argparse
import json
import math
import sys
import time

import numpy as np


def sample_teachers(rng, n, p, k, cap_deg, dtype):
    """a* ~ N(0, I_k); v* uniform on the cap of half-angle cap_deg around e, sampled directly: cos-angle by
    inverse CDF of the density (1 - t^2)^((p-3)/2) on [cos cap, 1] (tabulated), then a uniform direction
    orthogonal to e."""
    e = np.full(p, 1.0 / math.sqrt(p))
    a_star = rng.standard_normal((n, k))
    lo = math.cos(math.radians(cap_deg))
    grid = np.linspace(lo, 1.0, 4097)
    density = np.clip(1.0 - grid * grid, 0.0, None) ** ((p - 3) / 2.0)
    cdf = np.concatenate(([0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(grid))))
    t = np.interp(rng.random(n) * cdf[-1], cdf, grid)
    o = rng.standard_normal((n, p))
    o -= np.outer(o @ e, e)
    o /= np.linalg.norm(o, axis=1, keepdims=True)
    v_star = t[:, None] * e + np.sqrt(np.clip(1.0 - t * t, 0.0, None))[:, None] * o
    return a_star.astype(dtype), v_star.astype(dtype), e.astype(dtype)


def initial_a(rng, a_star):
    """a0 uniform in the ball of radius |1^T a*| / sqrt(k) around 0."""
    n, k = a_star.shape
    d = rng.standard_normal((n, k))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    radius = np.abs(a_star.sum(axis=1)) / math.sqrt(k) * rng.random(n) ** (1.0 / k)
    return (d * radius[:, None]).astype(a_star.dtype)


def descend(method, a_star, v_star, e, a, w, iterations, eta, eta1, t1, c_warm):
    """Population GD for one batch; returns (a, w) after `iterations` steps."""
    dt = a_star.dtype.type
    pi = dt(math.pi)
    sum_star = a_star.sum(axis=1, keepdims=True)
    norm_star2 = np.einsum("ij,ij->i", a_star, a_star)[:, None]
    shortcut = method != "cnn"
    for t in range(iterations):
        if method == "resnet-ssw" and t < t1:
            eta_a, eta_w = dt(eta1), (c_warm * eta1 * eta1) * norm_star2
        else:
            eta_a, eta_w = dt(eta), dt(eta)
        u = e + w if shortcut else w
        nu = np.sqrt(np.einsum("ij,ij->i", u, u))[:, None]
        v = u / nu
        cos = np.clip(np.einsum("ij,ij->i", v, v_star), -1, 1)[:, None]
        phi = np.arccos(cos)
        g = np.sqrt(1 - cos * cos) + (pi - phi) * cos
        aa = np.einsum("ij,ij->i", a, a_star)[:, None]
        grad_a = ((pi - 1) * a + a.sum(axis=1, keepdims=True) - (g - 1) * a_star - sum_star) / pi
        grad_w = -(aa * (pi - phi) / (pi * nu)) * (v_star - cos * v)
        w_new = w - eta_w * grad_w
        if shortcut:
            u_new = e + w_new
            w = u_new / np.linalg.norm(u_new, axis=1, keepdims=True) - e
        else:
            w = w_new / np.linalg.norm(w_new, axis=1, keepdims=True)
        a = a - eta_a * grad_a
    return a, w


def classify(method, a, w, a_star, v_star, e, tol):
    """SPEC §1.5: success (phi < tol and |a - a*| < tol), spurious (phi > pi/2), diverged (non-finite), undecided."""
    u = e + w if method != "cnn" else w
    with np.errstate(invalid="ignore", divide="ignore"):
        v = u / np.linalg.norm(u, axis=1, keepdims=True)
        phi = np.arccos(np.clip(np.einsum("ij,ij->i", v, v_star), -1, 1))
        err = np.linalg.norm(a - a_star, axis=1)
    diverged = ~(np.isfinite(a).all(axis=1) & np.isfinite(w).all(axis=1))
    success = ~diverged & (phi < tol) & (err < tol)
    spurious = ~diverged & ~success & (phi > math.pi / 2)
    undecided = ~(diverged | success | spurious)
    return int(success.sum()), int(spurious.sum()), int(undecided.sum()), int(diverged.sum())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=8)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--methods", default="resnet", help="comma list of cnn, resnet, resnet-ssw")
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--iterations", type=int, default=3000)
    ap.add_argument("--eta", type=float, default=None)
    ap.add_argument("--eta-scale", type=float, default=0.25)
    ap.add_argument("--eta1", type=float, default=None)
    ap.add_argument("--warmup-iterations", type=int, default=None)
    ap.add_argument("--warmup-c", type=float, default=1.0)
    ap.add_argument("--cap-deg", type=float, default=60.0)
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("--precision", choices=["double", "float"], default="double")
    ap.add_argument("--batch", type=int, default=65536, help="trials per vectorized batch (bounds memory)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in ("cnn", "resnet", "resnet-ssw")]
    if bad or not methods:
        ap.error(f"--methods: unknown method(s) {bad}; allowed: cnn, resnet, resnet-ssw")
    if args.p < 2 or args.k < 1 or args.trials < 1 or args.iterations < 1 or args.batch < 1:
        ap.error("--p >= 2, --k >= 1, --trials, --iterations and --batch >= 1 are required")

    kk = args.k + math.pi - 1
    eta = args.eta if args.eta is not None else args.eta_scale * 5 * math.pi ** 2 / (4 * kk * kk)
    eta1 = args.eta1 if args.eta1 is not None else math.pi / (20 * kk * kk)
    t1 = args.warmup_iterations if args.warmup_iterations is not None else args.iterations // 2
    dtype = np.float64 if args.precision == "double" else np.float32
    rng = np.random.default_rng(args.seed)

    results = []
    for method in methods:
        counts = np.zeros(4, dtype=np.int64)
        seconds = 0.0
        done = 0
        while done < args.trials:
            n = min(args.batch, args.trials - done)
            # Paired comparison as in SPEC §1.3 would reuse teachers across methods; a throughput peer need not.
            a_star, v_star, e = sample_teachers(rng, n, args.p, args.k, args.cap_deg, dtype)
            a0 = initial_a(rng, a_star)
            if method == "cnn":
                w0 = rng.standard_normal((n, args.p))
                w0 /= np.linalg.norm(w0, axis=1, keepdims=True)
                w0 = w0.astype(dtype)
            else:
                w0 = np.zeros((n, args.p), dtype=dtype)
            start = time.perf_counter()
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                a, w = descend(method, a_star, v_star, e, a0, w0, args.iterations, eta, eta1, t1, args.warmup_c)
            seconds += time.perf_counter() - start
            counts += classify(method, a, w, a_star, v_star, e, args.tol)
            done += n
        trial_iterations = args.trials * args.iterations
        results.append({
            "kernel": "mc-numpy", "variant": f"numpy/{args.precision}/1t", "size": f"p={args.p},k={args.k}",
            "seconds": seconds, "rate": trial_iterations / seconds, "unit": "trial-iterations/s",
            "method": method, "trials": args.trials, "trial_iterations": trial_iterations,
            "success": int(counts[0]), "spurious": int(counts[1]), "undecided": int(counts[2]), "diverged": int(counts[3]),
        })

    json.dump({
        "peer": "numpy", "numpy": np.__version__, "python": sys.version.split()[0],
        "config": {"p": args.p, "k": args.k, "methods": methods, "trials": args.trials, "iterations": args.iterations,
                   "eta": eta, "eta1": eta1, "warmup_iterations": t1, "warmup_c": args.warmup_c,
                   "cap_deg": args.cap_deg, "tol": args.tol, "precision": args.precision, "seed": args.seed,
                   "batch": args.batch, "early_retirement": False, "timed": "gradient-descent loop only"},
        "results": results,
    }, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
