using FastRes.Kernels.ShortcutCnn;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels;

/// <summary>
/// The sampled shortcut-CNN engine: its empirical loss and gradients against a plain scalar loop over the same
/// samples (bit for bit, every width), central differences of that empirical loss, and the population closed forms
/// (within standard errors over independent sample sets); its GD runs against the same at every width.
/// </summary>
public class ShortcutCnnSampledEngineTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    /// <summary>A point: teacher (v* unit on a random direction, a* normal), student u (not unit: the gradient must
    /// carry the 1/‖u‖), a — all from a seeded System.Random, independent of the engine's generator.</summary>
    private static (double[] U, double[] VStar, double[] A, double[] AStar) Point(int p, int k, int seed, double uScale = 1.3)
    {
        var rng = new System.Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var vStar = new double[p];
        for (int i = 0; i < p; i++) vStar[i] = Normal();
        double n = ShortcutCnnClosedForm.Norm(vStar);
        for (int i = 0; i < p; i++) vStar[i] /= n;
        var u = new double[p];
        for (int i = 0; i < p; i++) u[i] = uScale * Normal() / Math.Sqrt(p) + 0.5 * vStar[i];
        var a = new double[k];
        var aStar = new double[k];
        for (int j = 0; j < k; j++) { a[j] = Normal(); aStar[j] = Normal(); }
        return (u, vStar, a, aStar);
    }

    /// <summary>
    /// The engine's arithmetic written as a plain loop, in the same operation order (FMA where it fuses), over
    /// <see cref="ShortcutCnnSamples.Fill"/>: the reference the lanes must equal bit for bit.
    /// </summary>
    private static (double Loss, double[] GradW, double[] GradA) Reference(ulong seed, ulong trial, uint draw, int n,
        double[] u, double[] vStar, double[] a, double[] aStar)
    {
        int p = u.Length, k = a.Length;
        double uu = 0;
        for (int i = 0; i < p; i++) uu = Math.FusedMultiplyAdd(u[i], u[i], uu);
        double inv = 1 / Math.Sqrt(uu);
        var v = new double[p];
        for (int i = 0; i < p; i++) v[i] = u[i] * inv;
        var z = new double[k * p];
        var dv = new double[k];
        var gu = new double[p];
        var ga = new double[k];
        double loss = 0;
        for (int s = 0; s < n; s++)
        {
            ShortcutCnnSamples.Fill(seed, trial, draw, s, p, k, z);
            double h = 0, f = 0;
            for (int j = 0; j < k; j++)
            {
                double d = 0, e = 0;
                for (int i = 0; i < p; i++)
                {
                    d = Math.FusedMultiplyAdd(z[j * p + i], v[i], d);
                    e = Math.FusedMultiplyAdd(z[j * p + i], vStar[i], e);
                }
                dv[j] = d;
                h = Math.FusedMultiplyAdd(a[j], Math.Max(d, 0), h);
                f = Math.FusedMultiplyAdd(aStar[j], Math.Max(e, 0), f);
            }
            double r = h - f;
            loss = Math.FusedMultiplyAdd(r, r, loss);
            for (int j = 0; j < k; j++)
            {
                ga[j] = Math.FusedMultiplyAdd(r, Math.Max(dv[j], 0), ga[j]);
                double c = dv[j] > 0 ? r * a[j] : 0;
                for (int i = 0; i < p; i++) gu[i] = Math.FusedMultiplyAdd(c, z[j * p + i], gu[i]);
            }
        }
        double scale = 2.0 / n, vg = 0;
        for (int i = 0; i < p; i++) vg = Math.FusedMultiplyAdd(v[i], gu[i], vg);
        double factor = scale * inv;
        var gradW = new double[p];
        for (int i = 0; i < p; i++) gradW[i] = factor * Math.FusedMultiplyAdd(-v[i], vg, gu[i]);
        var gradA = new double[k];
        for (int j = 0; j < k; j++) gradA[j] = scale * ga[j];
        return (loss / n, gradW, gradA);
    }

    private static (double[] Loss, double[] GradW, double[] GradA) Evaluate(SimdWidth width, int p, int k, ulong seed, uint draw,
        ulong[] trials, double[] u, double[] vStar, double[] a, double[] aStar, int[] counts)
    {
        int rows = trials.Length * counts.Length;
        var loss = new double[rows];
        var gw = new double[rows * p];
        var ga = new double[rows * k];
        ShortcutCnnSampledEngines.Evaluate(width, p, k, seed, draw, trials, u, vStar, a, aStar, counts, loss, gw, ga);
        return (loss, gw, ga);
    }

    [TestCaseSource(nameof(Widths))]
    public void Evaluate_EqualsTheScalarLoopOverTheSameSamples_BitForBit(SimdWidth width)
    {
        // p·k odd (7·3): the last block's second normal is unused and the next sample starts on a new block.
        foreach (var (p, k) in new[] { (8, 4), (7, 3) })
        {
            const int points = 11; // not a multiple of any width: the padding lanes must not leak into real points
            int[] counts = [1, 5, 37];
            var trials = new ulong[points];
            double[] u = new double[points * p], vs = new double[points * p], a = new double[points * k], aS = new double[points * k];
            for (int i = 0; i < points; i++)
            {
                trials[i] = (ulong)(3 * i + 1) + (i % 3 == 0 ? 1UL << 33 : 0UL); // some trials need the high counter word
                var pt = Point(p, k, 100 + i);
                pt.U.CopyTo(u, i * p); pt.VStar.CopyTo(vs, i * p); pt.A.CopyTo(a, i * k); pt.AStar.CopyTo(aS, i * k);
            }
            var got = Evaluate(width, p, k, 7, ShortcutCnnSamples.EvaluationDraw, trials, u, vs, a, aS, counts);
            for (int i = 0; i < points; i++)
                for (int c = 0; c < counts.Length; c++)
                {
                    var want = Reference(7, trials[i], ShortcutCnnSamples.EvaluationDraw, counts[c], u[(i * p)..((i + 1) * p)], vs[(i * p)..((i + 1) * p)],
                                         a[(i * k)..((i + 1) * k)], aS[(i * k)..((i + 1) * k)]);
                    int row = i * counts.Length + c;
                    Assert.That(got.Loss[row], Is.EqualTo(want.Loss), $"loss, p={p} k={k} point {i} n={counts[c]}");
                    Assert.That(got.GradW[(row * p)..((row + 1) * p)], Is.EqualTo(want.GradW), $"∇_w, p={p} k={k} point {i} n={counts[c]}");
                    Assert.That(got.GradA[(row * k)..((row + 1) * k)], Is.EqualTo(want.GradA), $"∇_a, p={p} k={k} point {i} n={counts[c]}");
                }
        }
    }

    [Test]
    public void Gradients_MatchCentralDifferencesOfTheEmpiricalLoss()
    {
        const int p = 6, k = 5, n = 40;
        var (u, vs, a, aS) = Point(p, k, 5);
        double Loss(double[] uu, double[] aa) => Evaluate(SimdWidth.Auto, p, k, 3, ShortcutCnnSamples.EvaluationDraw, [9], uu, vs, aa, aS, [n]).Loss[0];
        var at = Evaluate(SimdWidth.Auto, p, k, 3, ShortcutCnnSamples.EvaluationDraw, [9], u, vs, a, aS, [n]);
        // L̂ is piecewise quadratic in a and smooth in u between ReLU kinks; a step of 1e-6 crosses none of them
        // (probability ~n·k·1e-6), so central differences are accurate to ~h² · curvature + rounding/h ≈ 1e-9.
        const double h = 1e-6;
        for (int i = 0; i < p; i++)
        {
            double[] up = (double[])u.Clone(), um = (double[])u.Clone();
            up[i] += h; um[i] -= h;
            double fd = (Loss(up, a) - Loss(um, a)) / (2 * h);
            Assert.That(at.GradW[i], Is.EqualTo(fd).Within(1e-7 * Math.Max(1, Math.Abs(fd))), $"∂L̂/∂w_{i}");
        }
        for (int j = 0; j < k; j++)
        {
            double[] ap = (double[])a.Clone(), am = (double[])a.Clone();
            ap[j] += h; am[j] -= h;
            double fd = (Loss(u, ap) - Loss(u, am)) / (2 * h);
            Assert.That(at.GradA[j], Is.EqualTo(fd).Within(1e-7 * Math.Max(1, Math.Abs(fd))), $"∂L̂/∂a_{j}");
        }
    }

    [Test]
    public void EmpiricalLossAndGradients_AverageToTheClosedForms_WithinFourStandardErrors()
    {
        // R independent sample sets (trial words) of n samples at one state: their mean estimates E L̂ = L and E ∇L̂ = ∇L,
        // the spread between them gives the standard error; every component must agree within 4 of them.
        const int p = 8, k = 6, n = 2000, R = 24;
        foreach (int seedPoint in new[] { 11, 12, 13 })
        {
            var (u, vs, a, aS) = Point(p, k, seedPoint);
            var trials = Enumerable.Range(0, R).Select(r => (ulong)(1000 + r)).ToArray();
            var got = Evaluate(SimdWidth.Auto, p, k, 21, ShortcutCnnSamples.EvaluationDraw, trials,
                [.. Enumerable.Repeat(u, R).SelectMany(x => x)], [.. Enumerable.Repeat(vs, R).SelectMany(x => x)],
                [.. Enumerable.Repeat(a, R).SelectMany(x => x)], [.. Enumerable.Repeat(aS, R).SelectMany(x => x)], [n]);
            double phi = ShortcutCnnClosedForm.Angle(u, vs);
            double aDotAStar = a.Zip(aS, (x, y) => x * y).Sum();
            var wantW = new double[p];
            ShortcutCnnClosedForm.GradW(u, vs, aDotAStar, wantW);
            var wantA = new double[k];
            ShortcutCnnClosedForm.GradA(a, aS, phi, wantA);
            Check("L", ShortcutCnnClosedForm.Loss(a, aS, phi), r => got.Loss[r]);
            for (int i = 0; i < p; i++) Check($"∇_w[{i}]", wantW[i], r => got.GradW[r * p + i]);
            for (int j = 0; j < k; j++) Check($"∇_a[{j}]", wantA[j], r => got.GradA[r * k + j]);
        }

        static void Check(string what, double want, Func<int, double> replicate)
        {
            var x = Enumerable.Range(0, R).Select(replicate).ToArray();
            double mean = x.Average();
            double se = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (R - 1) / R);
            Assert.That(se, Is.GreaterThan(0), $"{what}: the replicates must differ (independent samples)");
            Assert.That(Math.Abs(mean - want), Is.LessThanOrEqualTo(4 * se), $"{what}: mean {mean} ± {se} vs closed form {want}");
        }
    }

    [Test]
    public void NestedSampleCounts_ArePrefixesOfOneSequence()
    {
        // n = 10 then 30 from one call equals n = 30 alone (and 10 alone): the sums run on, nothing is redrawn.
        const int p = 5, k = 4;
        var (u, vs, a, aS) = Point(p, k, 2);
        var both = Evaluate(SimdWidth.Auto, p, k, 1, 99, [4], u, vs, a, aS, [10, 30]);
        var ten = Evaluate(SimdWidth.Auto, p, k, 1, 99, [4], u, vs, a, aS, [10]);
        var thirty = Evaluate(SimdWidth.Auto, p, k, 1, 99, [4], u, vs, a, aS, [30]);
        Assert.That(both.Loss, Is.EqualTo(new[] { ten.Loss[0], thirty.Loss[0] }));
        Assert.That(both.GradA[k..], Is.EqualTo(thirty.GradA));
    }

    /// <summary>A feed of fixed trials: one teacher per trial index, each emitted once per "method" (here: u0 choices).</summary>
    private sealed class Feed(int p, int k, int trials, int methods, double eta) : IShortcutCnnSampledFeed
    {
        private int _next;
        public Dictionary<long, (TrialOutcome Outcome, int Iterations)> Done { get; } = [];

        public bool TryNext(out long tag, Span<double> u0, Span<double> vStar, Span<double> aStar, Span<double> a0,
                            out double etaW1, out double etaA1, out int warmupIterations)
        {
            etaW1 = etaA1 = eta; warmupIterations = 0; tag = _next;
            if (_next == trials * methods) return false;
            int trial = _next / methods, method = _next % methods;
            _next++;
            var (u, vs, a, aS) = Point(p, k, 500 + trial, uScale: 0);
            vs.CopyTo(vStar); aS.CopyTo(aStar);
            for (int j = 0; j < k; j++) a0[j] = 0.3 * a[j];
            // method 0: the shortcut start u = e; method 1: a unit random u (the plain CNN's).
            var start = Point(p, k, 900 + trial).U;
            double norm = ShortcutCnnClosedForm.Norm(start);
            for (int i = 0; i < p; i++) u0[i] = method == 0 ? 1 / Math.Sqrt(p) : start[i] / norm;
            return true;
        }

        public void Complete(long tag, TrialOutcome outcome, int iterations) => Done.Add(tag, (outcome, iterations));
        public ulong SampleTrial(long tag) => (ulong)(tag / methods);
    }

    [TestCase(ShortcutCnnSampleMode.Fresh)]
    [TestCase(ShortcutCnnSampleMode.Fixed)]
    public void Run_OutcomesAndIterations_AreTheSameAtEveryWidth(ShortcutCnnSampleMode mode)
    {
        const int p = 6, k = 4, trials = 13, methods = 2;
        var gd = new ShortcutCnnGdSettings(p, k, 0.05, 1500, 1e-3, 1e-12);
        Dictionary<long, (TrialOutcome, int)>? first = null;
        foreach (var width in Widths)
        {
            var feed = new Feed(p, k, trials, methods, 0.05);
            long work = ShortcutCnnSampledEngines.Run(width, new ShortcutCnnSampledSettings(gd, 16, mode, 5), feed);
            Assert.That(feed.Done, Has.Count.EqualTo(trials * methods), width.ToString());
            Assert.That(work, Is.EqualTo(feed.Done.Values.Sum(d => (long)d.Iterations)), $"{width}: work = Σ iterations");
            if (first is null) first = feed.Done;
            else Assert.That(feed.Done, Is.EquivalentTo(first), $"{width} vs scalar");
        }
        // Not a vacuous check: something must succeed early and something must run to the end or fail.
        Assert.That(first!.Values.Count(d => d.Item1 == TrialOutcome.Success), Is.GreaterThan(0));
    }
}
