#!/usr/bin/env python3
"""PyTorch peer of FastRes's training epoch (issue 11): one full-batch forward + loss.backward() of the same
n-shortcut network and squared loss, float64, CPU. Prints one JSON object with the best seconds per epoch per variant.

Network (SPEC §2.1; Li et al. Section 5): width d, R = depth/n residual units of n weight matrices; unit r maps
    h -> h + W_n mid( ... mid(W_1 h))
with "linear" (identity), "relu-mid" or "tanh-mid" at the mid positions. Loss L = 1/(2m) sum_mu |y_mu - yhat(x_mu)|^2
over all m samples at once (full batch, as FastRes's gradient descent). Each weight matrix is its own leaf tensor
(requires_grad), the natural way to write it in PyTorch; one epoch = forward, loss.backward(), and the step
W -= eta * W.grad (no_grad), as an optimizer would do. Point: small init (xavier x 0.01), the paper's shortcut2.
Data: hessian_torch.make_data (whitened Gaussian inputs, one-hot labels of a random linear teacher).
"""
import argparse
import json
import os
import time

import torch

from hessian_torch import make_data  # the same whitened data as the Hessian peer


def epoch(x, y, weights, units, n, mid, eta):
    m = x.shape[0]
    h = x
    for r in range(units):
        z = h
        for layer in range(n):
            z = z @ weights[r * n + layer].T
            if layer < n - 1:
                z = mid(z)
        h = h + z
    loss = 0.5 * ((y - h) ** 2).sum() / m
    loss.backward()
    with torch.no_grad():
        for w in weights:
            w -= eta * w.grad
            w.grad = None
    return loss.item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--width", type=int, default=10)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--variants", default="linear,relu-mid,tanh-mid")
    ap.add_argument("--threads", default=None,
                    help="comma-separated thread counts to time (default: all cores, then 1; the faster is the fair figure)")
    ap.add_argument("--repeat", type=int, default=30, help="epochs timed per variant (the best is reported)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({os.cpu_count(), 1}, reverse=True)
    d, n = args.width, args.n
    units = args.depth // n
    x, y = make_data(args.samples, d, args.seed)
    results = []
    for t in threads:
        torch.set_num_threads(t)
        for variant in args.variants.split(","):
            mid = {"linear": lambda z: z, "relu-mid": torch.relu, "tanh-mid": torch.tanh}[variant]
            g = torch.Generator().manual_seed(args.seed + 1)
            weights = [(0.01 * torch.randn(d, d, generator=g, dtype=torch.float64) / d ** 0.5).requires_grad_()
                       for _ in range(units * n)]
            for _ in range(3):  # warm-up
                epoch(x, y, weights, units, n, mid, 1e-3)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                epoch(x, y, weights, units, n, mid, 1e-3)
                times.append(time.perf_counter() - start)
            times.sort()
            results.append({"variant": variant, "threads": torch.get_num_threads(), "seconds": times[0],
                            "median_seconds": times[len(times) // 2], "params": units * n * d * d})
    print(json.dumps({"peer": "torch forward + loss.backward() + step", "torch": torch.__version__,
                      "depth": args.depth, "n": n, "width": d,
                      "samples": args.samples, "results": results}))


if __name__ == "__main__":
    main()
