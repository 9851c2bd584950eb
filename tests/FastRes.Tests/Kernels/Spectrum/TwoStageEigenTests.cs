using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>
/// The two-stage path of <see cref="SymmetricEigen"/> end to end (dense → band → tridiagonal → QL) against the MathNet
/// oracle, LAPACK and closed forms, within the backward-error bound c·n·ε·‖A‖_F, at every SIMD width.
/// </summary>
public class TwoStageEigenTests
{

    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static double[] TwoStage(double[] a, int n, int band, SimdWidth width = SimdWidth.Auto, int threads = 1,
        SymmetricEigenWorkspace? workspace = null)
    {
        var ev = new double[n];
        using var own = workspace is null ? new SymmetricEigenWorkspace(n) : null;
        SymmetricEigen.EigenvaluesTwoStage(a, n, ev, workspace ?? own!, threads, width, band);
        return ev;
    }

    [Test]
    public void Random_matrices_match_the_oracle_at_every_width_band_and_size([Values(1, 2, 3, 8, 16, 32, 64)] int band)
    {
        // n smaller than the band, equal to it ± 1, and not a multiple of it or of the 96-row diagonal block.
        foreach (int n in new[] { 0, 1, 2, 3, 7, 33, 63, 64, 65, 97, 150, 211 })
        {
            double[] a = RandomSymmetric(n, seed: 2000 + n);
            double[] expected = n == 0 ? [] : Oracle(a, n);
            foreach (SimdWidth width in Widths)
                AssertEigenvaluesClose(TwoStage(a, n, band, width), expected, Frobenius(a), n, $"n = {n}, b = {band}, {width}");
        }
    }

    [Test]
    public void Diagonal_and_tridiagonal_input_at_every_width()
    {
        const int n = 130;
        var rng = new Random(5);
        double[] diagonal = [.. Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1)];
        double[] off = [.. Enumerable.Range(0, n - 1).Select(_ => 2 * rng.NextDouble() - 1)];
        double[] d = Tridiagonal(diagonal, new double[n - 1]);
        double[] t = Tridiagonal(diagonal, off);
        double[] sorted = [.. diagonal.Order()];
        foreach (SimdWidth width in Widths)
            foreach (int band in new[] { 1, 16, 64 })
            {
                // A diagonal matrix is its own reduction: every reflector is the identity, the eigenvalues are exact.
                Assert.That(TwoStage(d, n, band, width), Is.EqualTo(sorted), $"diagonal, b = {band}, {width}");
                AssertEigenvaluesClose(TwoStage(t, n, band, width), Oracle(t, n), Frobenius(t), n, $"tridiagonal, b = {band}, {width}");
            }
    }

    [Test]
    public void Wilkinson_and_glued_Wilkinson_matrices_hidden_by_a_random_similarity()
    {
        // W21+ glued 12 times with 1e-12 couplings: clusters of eigenvalues that agree to 13+ digits. A random
        // orthogonal similarity makes it dense, so the whole two-stage path has to find them again.
        const int copies = 12, n = 21 * copies;
        var (diagonal, off) = GluedWilkinson(copies, 1e-12);
        double[] t = Tridiagonal(diagonal, off);
        double[] expected = Oracle(t, n);
        double[] lambda = expected;
        double[] a = WithSpectrum(lambda, seed: 12);
        foreach (SimdWidth width in Widths)
            foreach (int band in new[] { 8, 32, 64 })
                AssertEigenvaluesClose(TwoStage(a, n, band, width), expected, Frobenius(a), n, $"glued W21+, b = {band}, {width}");
        // W21+ itself: its two largest eigenvalues agree to 7e-14 (Wilkinson 1965), and must both be found.
        double[] w21 = Tridiagonal([.. diagonal.Take(21)], [.. off.Take(20)]);
        double[] ev = TwoStage(WithSpectrum(Oracle(w21, 21), seed: 21), 21, 4);
        Assert.That(ev[20], Is.EqualTo(10.746194182903393).Within(1e-12));
        Assert.That(ev[19], Is.EqualTo(10.746194182903322).Within(1e-12));
    }

    [Test]
    public void Results_do_not_depend_on_the_thread_count()
    {
        // Above the 256-row team threshold and the two-stage crossover: several row blocks and column strips per product,
        // and the bulge chase pipelined over the team.
        int n = Math.Max(600, SymmetricEigen.TwoStageCrossover);
        double[] a = RandomSymmetric(n, seed: 31);
        var one = new double[n];
        SymmetricEigen.Eigenvalues(a, n, one, threads: 1);
        foreach (int threads in new[] { 2, 3 })
        {
            var ev = new double[n];
            SymmetricEigen.Eigenvalues(a, n, ev, threads: threads);
            Assert.That(ev, Is.EqualTo(one), $"threads = {threads}");
        }
        AssertEigenvaluesClose(one, Oracle(a, n), Frobenius(a), n, $"n = {n}, default path");
    }

    [Test]
    public void A_reused_workspace_gives_the_same_result_as_a_fresh_one()
    {
        // The reduction leaves stale numbers outside the band and right of the diagonal; the next matrix must not see them.
        using var ws = new SymmetricEigenWorkspace(300);
        foreach (int n in new[] { 300, 211, 300, 97 })
        {
            double[] a = RandomSymmetric(n, seed: 40 + n);
            Assert.That(TwoStage(a, n, 32, workspace: ws), Is.EqualTo(TwoStage(a, n, 32)), $"n = {n}");
        }
    }

    [Test]
    public void Only_the_lower_triangle_is_read()
    {
        const int n = 120;
        double[] a = RandomSymmetric(n, seed: 8);
        double[] expected = TwoStage(a, n, 16);
        var rng = new Random(1);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) a[i * n + j] = rng.NextDouble() * 1e3;
        Assert.That(TwoStage(a, n, 16), Is.EqualTo(expected));
    }

    [Test]
    public void Agrees_with_LAPACK_dsyevd_and_dsyevd_2stage_within_1e_minus_12_of_the_norm()
    {
        if (!LapackEigen.IsAvailable)
            Assert.Ignore("LAPACKE (liblapacke.so.3) is not installed; run bench/install-peers.sh to enable this test.");
        // Random, clustered (a glued spectrum) and graded matrices, at orders that take the two-stage path by default.
        int n = SymmetricEigen.TwoStageCrossover + 37;
        var rng = new Random(2);
        double[] clustered = [.. Enumerable.Range(0, n).Select(i => Math.Floor(i / 50.0) + 1e-13 * rng.NextDouble())];
        double[] graded = [.. Enumerable.Range(0, n).Select(i => (i % 2 == 0 ? 1 : -1) * Math.Pow(10, -12.0 * i / (n - 1)))];
        foreach (var (name, a) in new[] { ("random", RandomSymmetric(n, seed: 3)), ("clustered", WithSpectrum(clustered, 4)), ("graded", WithSpectrum(graded, 5)) })
        {
            var ours = new double[n];
            SymmetricEigen.Eigenvalues(a, n, ours);
            var lapack = new double[n];
            LapackEigen.Eigenvalues(a, n, lapack);
            double norm = Math.Sqrt(a.Sum(x => x * x));
            double diff = MaxDifference(ours, lapack);
            TestContext.Out.WriteLine($"{name}: max |Δλ| vs dsyevd = {diff:E2} = {diff / norm:E2}·‖A‖_F");
            Assert.That(diff, Is.LessThanOrEqualTo(1e-12 * norm), $"{name} vs dsyevd");
            if (LapackEigen.IsTwoStageAvailable)
            {
                LapackEigen.Eigenvalues(a, n, lapack, new double[n * n], twoStage: true);
                Assert.That(MaxDifference(ours, lapack), Is.LessThanOrEqualTo(1e-12 * norm), $"{name} vs dsyevd_2stage");
            }
        }
    }

    [Test]
    public void Agrees_with_LAPACK_on_our_Hessians_and_glued_Wilkinson_within_1e_minus_12_of_the_norm()
    {
        if (!LapackEigen.IsAvailable)
            Assert.Ignore("LAPACKE (liblapacke.so.3) is not installed; run bench/install-peers.sh to enable this test.");
        // Exact Hessians of initial-condition's linear networks (d = 10, depth 8 with 2-shortcut units: N = 800, and
        // 1-shortcut and plain xavier nets of the same size) on random data, and 40 glued copies of W21+ (N = 840)
        // hidden by a random orthogonal similarity: all on the two-stage path.
        const int d = 10, m = 200;
        var rng = new Random(6);
        double[] x = [.. Enumerable.Range(0, m * d).Select(_ => Gaussian(rng))];
        double[] y = [.. Enumerable.Range(0, m * d).Select(_ => Gaussian(rng))];
        var sxx = new double[d * d];
        var sxy = new double[d * d];
        ExactHessian.Moments(x, y, m, d, sxx, sxy);
        var cases = new List<(string Name, double[] A, int N)>();
        foreach (var (name, n, shortcut, init) in new[] { ("shortcut2", 2, true, NetworkInit.Small), ("shortcut1", 1, true, NetworkInit.Small), ("xavier", 1, false, NetworkInit.Xavier) })
        {
            var net = new NShortcutNetwork(d, 8 / n, n, shortcut);
            int size = net.ParameterCount;
            var theta = new double[size];
            NetworkInitializer.Fill(net, init, 1, 0, theta);
            var h = new double[size * size];
            ExactHessian.Linear(net, theta, sxx, sxy, h);
            cases.Add(($"{name} Hessian", h, size));
        }
        var (wd, we) = GluedWilkinson(40, 1e-10);
        double[] w = Tridiagonal(wd, we);
        cases.Add(("glued W21+", WithSpectrum(Oracle(w, 840), seed: 40), 840));
        foreach (var (name, a, n) in cases)
        {
            Assert.That(n, Is.GreaterThanOrEqualTo(SymmetricEigen.TwoStageCrossover), $"{name} takes the two-stage path");
            var ours = new double[n];
            SymmetricEigen.Eigenvalues(a, n, ours);
            var lapack = new double[n];
            LapackEigen.Eigenvalues(a, n, lapack);
            double norm = Frobenius(a), diff = MaxDifference(ours, lapack);
            TestContext.Out.WriteLine($"{name} (N = {n}): max |Δλ| vs dsyevd = {diff:E2} = {diff / norm:E2}·‖A‖_F");
            Assert.That(diff, Is.LessThanOrEqualTo(1e-12 * norm), name);
        }
    }
}
