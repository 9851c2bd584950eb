#!/usr/bin/env python3
"""PyTorch peer of FastRes's exact Hessian (SPEC §2.3, §5): torch.autograd.functional.hessian of the same n-shortcut
network and squared loss, float64, CPU, all cores. Prints one JSON object with the seconds per variant.

Network (SPEC §2.1): width d, R residual units of n weight matrices; unit r maps
    h -> h + post(W_n mid( ... mid(W_1 pre(h))))
with the activations of the variant: "linear" (identity everywhere) or "tanh-mid" (tanh at the mid position).
Loss L = 1/(2m) sum_mu |y_mu - yhat(x_mu)|^2. The Hessian is taken with respect to all weights at once (one flat
parameter vector), at a small random point (xavier x 0.01, the paper's perturbed zero). Data: whitened Gaussian
inputs and one-hot labels of a random linear teacher, m samples (a throughput peer: the numbers need not equal
FastRes's, the work does).
"""
import argparse
import json
import os
import time

import torch


def make_data(m, d, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(m, d, generator=g, dtype=torch.float64)
    x = x - x.mean(0)
    cov = x.T @ x / m
    evals, evecs = torch.linalg.eigh(cov)
    x = x @ evecs @ torch.diag(evals.rsqrt()) @ evecs.T  # whitened: (1/m) X^T X = I
    teacher = torch.randn(d, d, generator=g, dtype=torch.float64)
    y = torch.nn.functional.one_hot((x @ teacher.T).argmax(1), d).to(torch.float64)
    return x, y


def make_loss(x, y, d, units, n, mid):
    m = x.shape[0]

    def loss(theta):
        w = theta.view(units, n, d, d)
        h = x
        for r in range(units):
            z = h
            for layer in range(n):
                z = z @ w[r, layer].T
                if layer < n - 1:
                    z = mid(z)
            h = h + z
        return 0.5 * ((y - h) ** 2).sum() / m

    return loss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--width", type=int, default=10)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--variants", default="linear,tanh-mid")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    d, n = args.width, args.n
    units = args.depth // n
    x, y = make_data(args.samples, d, args.seed)
    g = torch.Generator().manual_seed(args.seed + 1)
    theta = 0.01 * torch.randn(units * n * d * d, generator=g, dtype=torch.float64) / d ** 0.5
    results = []
    for variant in args.variants.split(","):
        mid = {"linear": lambda z: z, "tanh-mid": torch.tanh}[variant]
        f = make_loss(x, y, d, units, n, mid)
        start = time.perf_counter()
        hess = torch.autograd.functional.hessian(f, theta)
        seconds = time.perf_counter() - start
        asym = (hess - hess.T).abs().max().item()
        results.append({"variant": variant, "seconds": seconds, "params": theta.numel(), "asymmetry": asym})
    print(json.dumps({"peer": "torch.autograd.functional.hessian", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "depth": args.depth, "n": n, "width": d, "samples": args.samples, "results": results}))


if __name__ == "__main__":
    main()
