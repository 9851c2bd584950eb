#!/usr/bin/env python3
"""PyTorch peer of FastRes's sampled shortcut-CNN engine (issue 13): GD steps on n fresh samples per step, float64, CPU.

Model (SPEC §1.1-1.2; Liu et al. 2019, method resnet): per trial a teacher a* in R^k, unit v* in R^p, and the student
state u (unit, u = e + w) and a. One step on n fresh samples Z_s in R^{k x p} (iid N(0, 1) entries), v = u/|u|:
    f_s = sum_j a*_j relu(Z_sj . v*),   h_s = sum_j a_j relu(Z_sj . v),   r_s = h_s - f_s,   L = (1/n) sum_s r_s^2
    grad_a L = (2/n) sum_s r_s relu(Z_s v)
    grad_u L = (2/n) (I - v v^T) sum_s r_s sum_j a_j 1[Z_sj . v > 0] Z_sj / |u|
    u <- (u - eta grad_u L)/|.|,   a <- a - eta grad_a L.
B trials are batched: each step draws torch.randn(B, n, k, p) into one buffer (the peer's own RNG: it cannot match FastRes's Philox
normals bit for bit, so the two sides agree in distribution, not in value) and runs the forward/backward over all
trials and samples at once. Two variants:
    autograd  u, a leaf tensors, loss.backward() (the natural PyTorch way)
    manual    hand-written gradients with bmm (Z.[v v*] in one product, the backward sum_j c_j Z_sj in another)
Work per sample and trial: 3kp FMAs (Z.v, Z.v*, the backward) = 6kp flops; the normals are not counted as flops.
Prints one JSON object: per variant and thread count the best seconds per step over --repeat steps (after warm-up),
the rate in sample-trial-iterations/s = B * n / seconds, and randn_seconds, the best of 5 draws of the step's normals
alone (how much of the step is the RNG).

--check: at fixed random states (every trial its own), the batch gradient of both variants on --check-samples samples
(in chunks, whose means are iid, so their spread gives the standard error) against the population closed form
(SPEC §1.1): grad_a L = (1/pi)[((pi-1)I + 11^T)a - ((g(phi)-1)I + 11^T)a*],
grad_w L = -(a^T a*)(pi - phi)/(pi |u|) (I - v v^T) v*, g(phi) = sin phi + (pi - phi) cos phi. Prints the states,
the empirical gradients, their standard errors, the closed forms and the largest |z|; exit 1 when it exceeds --z-max.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

DT = torch.float64


def teacher_student(B, p, k, gen, u_spread=1.0):
    """Fixed-teacher trials: a* ~ N(0, I), v* a random unit vector, a ~ N(0, I), u = e + spread * N(0, I/p), unit."""
    a_star = torch.randn(B, k, generator=gen, dtype=DT)
    v_star = torch.randn(B, p, generator=gen, dtype=DT)
    v_star /= v_star.norm(dim=1, keepdim=True)
    e = torch.full((B, p), 1 / math.sqrt(p), dtype=DT)
    u = e + u_spread * torch.randn(B, p, generator=gen, dtype=DT) / math.sqrt(p)
    u /= u.norm(dim=1, keepdim=True)
    a = torch.randn(B, k, generator=gen, dtype=DT)
    return u, a, v_star, a_star


def check_state(B, p, k, gen):
    """The --check points: a random u at a moderate angle to v*, a = a* + N(0, I/4). Near a* the residual is mostly the
    angle's, so the sample gradient in u is well resolved (at a random a its standard error is ~10 % of the gradient)."""
    u, a, v_star, a_star = teacher_student(B, p, k, gen, u_spread=3.0)
    return u, a_star + 0.5 * a, v_star, a_star


def grads_autograd(Z, u, a, v_star, a_star):
    """Loss per trial and (grad_u, grad_a) by loss.backward(); Z is (B, n, k, p)."""
    u = u.detach().requires_grad_()
    a = a.detach().requires_grad_()
    n = Z.shape[1]
    v = u / u.norm(dim=1, keepdim=True)
    h = (torch.relu(torch.einsum("bnkp,bp->bnk", Z, v)) * a[:, None, :]).sum(-1)
    with torch.no_grad():
        f = (torch.relu(torch.einsum("bnkp,bp->bnk", Z, v_star)) * a_star[:, None, :]).sum(-1)
    loss = ((h - f) ** 2).sum(1) / n          # per trial
    loss.sum().backward()                     # trials are independent: the sum's gradient is each trial's
    return loss.detach(), u.grad, a.grad


def grads_manual(Z, u, a, v_star, a_star):
    """The same loss and gradients written out with bmm (no autograd)."""
    B, n, k, p = Z.shape
    norm_u = u.norm(dim=1, keepdim=True)
    v = u / norm_u
    Zf = Z.reshape(B, n * k, p)
    both = torch.bmm(Zf, torch.stack((v, v_star), dim=2)).reshape(B, n, k, 2)   # Z.v and Z.v*: 2kp FMAs
    zv = both[..., 0]
    relu_zv = torch.relu(zv)
    h = (relu_zv * a[:, None, :]).sum(-1)
    f = (torch.relu(both[..., 1]) * a_star[:, None, :]).sum(-1)
    r = h - f                                                                       # (B, n)
    loss = (r * r).sum(1) / n
    grad_a = (2.0 / n) * torch.bmm(r[:, None, :], relu_zv).squeeze(1)              # (B, k)
    c = r[:, :, None] * a[:, None, :] * (zv > 0)                                     # (B, n, k)
    g = torch.bmm(c.reshape(B, 1, n * k), Zf).squeeze(1)                            # sum c_sj Z_sj: kp FMAs
    g = (2.0 / n) * (g - v * (v * g).sum(1, keepdim=True)) / norm_u                 # (I - v v^T)/|u|
    return loss, g, grad_a


VARIANTS = {"autograd": grads_autograd, "manual": grads_manual}


def step(grads, Z, u, a, v_star, a_star, eta, gen):
    # Fresh normals into a buffer allocated once: a new (B, n, k, p) tensor per step costs its page faults again
    # (measured: 2.3x slower randn at B = 64, n = 1024, k = 16, p = 8), which is allocator work, not the peer's.
    torch.randn(Z.shape, generator=gen, dtype=DT, out=Z)
    _, gu, ga = grads(Z, u, a, v_star, a_star)
    with torch.no_grad():
        u_new = u - eta * gu
        u_new /= u_new.norm(dim=1, keepdim=True)
        return u_new, a - eta * ga


def closed_form(u, a, v_star, a_star):
    """Population loss and gradients (SPEC §1.1), per trial."""
    k = a.shape[1]
    norm_u = u.norm(dim=1, keepdim=True)
    v = u / norm_u
    cos = (v * v_star).sum(1).clamp(-1, 1)
    phi = torch.acos(cos)
    g = torch.sin(phi) + (math.pi - phi) * cos
    d = a - a_star
    loss = ((math.pi - 1) * (d * d).sum(1) + d.sum(1) ** 2) / (2 * math.pi) + (math.pi - g) / math.pi * (a * a_star).sum(1)
    grad_a = ((math.pi - 1) * a + a.sum(1, keepdim=True)
              - (g[:, None] - 1) * a_star - a_star.sum(1, keepdim=True)) / math.pi
    proj = v_star - v * cos[:, None]
    grad_u = -((a * a_star).sum(1) * (math.pi - phi))[:, None] / (math.pi * norm_u) * proj
    return loss, grad_u, grad_a, phi


def check(args):
    gen = torch.Generator().manual_seed(args.seed)
    B, p, k = args.check_trials, args.p, args.k
    u, a, v_star, a_star = check_state(B, p, k, gen)
    chunks = max(2, args.check_samples // args.check_chunk)
    n = args.check_chunk
    out = {"peer": "torch sampled shortcut-CNN gradient check", "torch": torch.__version__, "p": p, "k": k,
           "trials": B, "samples": chunks * n, "chunks": chunks, "z_max": args.z_max,
           "state": {"u": u.tolist(), "a": a.tolist(), "v_star": v_star.tolist(), "a_star": a_star.tolist()}}
    loss_c, gu_c, ga_c, phi = closed_form(u, a, v_star, a_star)
    out["closed_form"] = {"phi": phi.tolist(), "loss": loss_c.tolist(), "grad_u": gu_c.tolist(), "grad_a": ga_c.tolist()}
    worst = 0.0
    agree = 0.0
    for name, grads in VARIANTS.items():
        rows = {"loss": [], "grad_u": [], "grad_a": []}
        sub = torch.Generator().manual_seed(args.seed + 1)   # the same samples for both variants
        for _ in range(chunks):
            Z = torch.randn(B, n, k, p, generator=sub, dtype=DT)
            loss, gu, ga = grads(Z, u, a, v_star, a_star)
            rows["loss"].append(loss)
            rows["grad_u"].append(gu)
            rows["grad_a"].append(ga)
        res = {}
        for key, closed in (("loss", loss_c), ("grad_u", gu_c), ("grad_a", ga_c)):
            x = torch.stack(rows[key])                       # (chunks, B[, dim]): iid chunk means
            mean = x.mean(0)
            se = x.std(0, unbiased=True) / math.sqrt(chunks)
            z = (mean - closed) / se
            worst = max(worst, z.abs().max().item())
            res[key] = {"mean": mean.tolist(), "se": se.tolist(), "max_abs_z": z.abs().max().item()}
            if key != "loss":  # how finely the check resolves the gradient: |SE| / |closed form|, the worst trial
                res[key]["resolution"] = (se.norm(dim=1) / closed.norm(dim=1)).max().item()
        out[name] = res
    # The two variants saw the same samples: their gradients must agree to rounding.
    for key in ("loss", "grad_u", "grad_a"):
        x = torch.tensor(out["autograd"][key]["mean"], dtype=DT)
        y = torch.tensor(out["manual"][key]["mean"], dtype=DT)
        agree = max(agree, ((x - y).abs().max() / y.abs().max().clamp(min=1e-300)).item())
    out["max_abs_z"] = worst
    out["variants_relative_difference"] = agree
    out["ok"] = worst <= args.z_max and agree <= 1e-10
    print(json.dumps(out))
    return 0 if out["ok"] else 1


def bench(args):
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({os.cpu_count(), 1}, reverse=True)
    B, p, k = args.trials, args.p, args.k
    eta = args.eta if args.eta is not None else 0.25 * 5 * math.pi ** 2 / (4 * (k + math.pi - 1) ** 2)
    results = []
    for t in threads:
        torch.set_num_threads(t)
        for n in [int(x) for x in args.samples.split(",")]:
            for name in args.variants.split(","):
                grads = VARIANTS[name]
                gen = torch.Generator().manual_seed(args.seed)
                u, a, v_star, a_star = teacher_student(B, p, k, gen)
                e = torch.full((B, p), 1 / math.sqrt(p), dtype=DT)
                u = e.clone()                                # method resnet from w0 = 0: u0 = e
                Z = torch.empty(B, n, k, p, dtype=DT)
                for _ in range(args.warmup):
                    u, a = step(grads, Z, u, a, v_star, a_star, eta, gen)
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    u, a = step(grads, Z, u, a, v_star, a_star, eta, gen)
                    times.append(time.perf_counter() - start)
                # How much of a step the normals alone take (they are part of both sides' work, never counted as flops).
                randn = min(_time(lambda: torch.randn(Z.shape, generator=gen, dtype=DT, out=Z)) for _ in range(5))
                times.sort()
                if not torch.isfinite(u).all() or not torch.isfinite(a).all():
                    raise SystemExit(f"{name}: the state went non-finite at n = {n}")
                results.append({"variant": name, "threads": torch.get_num_threads(), "samples": n, "trials": B,
                                "seconds": times[0], "median_seconds": times[len(times) // 2], "randn_seconds": randn,
                                "rate": B * n / times[0]})
    print(json.dumps({"peer": "torch sampled shortcut-CNN GD step (randn + forward + backward + step)",
                      "torch": torch.__version__, "p": p, "k": k, "trials": B, "eta": eta,
                      "flops_per_sample_trial": 6 * k * p, "unit": "sample-trial-iterations/s", "results": results}))
    return 0


def _time(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=8)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--samples", default="64,1024", help="comma-separated n (samples per step)")
    ap.add_argument("--trials", type=int, default=64, help="B, trials batched per step")
    ap.add_argument("--threads", default=None,
                    help="comma-separated thread counts to time (default: all cores, then 1; the faster is the fair figure)")
    ap.add_argument("--variants", default="autograd,manual")
    ap.add_argument("--repeat", type=int, default=10, help="steps timed per variant (the best is reported)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--eta", type=float, default=None, help="step size (default SPEC §1.4: 0.25 * 5 pi^2/(4(k+pi-1)^2))")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="check the gradients against the closed forms instead of timing")
    ap.add_argument("--check-trials", type=int, default=4)
    ap.add_argument("--check-samples", type=int, default=1 << 18)
    ap.add_argument("--check-chunk", type=int, default=1 << 12)
    ap.add_argument("--z-max", type=float, default=5.0, help="--check fails when a |z| exceeds this")
    args = ap.parse_args()
    if min(args.p, args.k, args.trials, args.repeat) < 1:
        ap.error("--p, --k, --trials and --repeat must be positive")
    sys.exit(check(args) if args.check else bench(args))


if __name__ == "__main__":
    main()
