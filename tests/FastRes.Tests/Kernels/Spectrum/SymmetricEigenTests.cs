using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>
/// Eigenvalues against MathNet's managed EVD and against closed forms. The tolerance is the backward-error bound
/// of a stable method, c·n·ε·‖A‖ (ε = 2⁻⁵², ‖A‖ the Frobenius norm), with c = 4.
/// </summary>
public class SymmetricEigenTests
{
    private const double Eps = 2.220446049250313e-16;
    private const double C = 4;

    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100, 129, 200];

    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static double[] Compute(double[] a, int n, SimdWidth width = SimdWidth.Auto, int blockSize = 32, int crossover = 128, int threads = 0)
    {
        var ev = new double[n];
        using var ws = new SymmetricEigenWorkspace(n);
        SymmetricEigen.Eigenvalues(a, n, ev, ws, threads, width, blockSize, crossover);
        return ev;
    }

    [Test]
    public void Random_matrices_match_MathNet_at_every_size_and_width()
    {
        foreach (int n in Sizes)
        {
            double[] a = RandomSymmetric(n, seed: n);
            double[] expected = Oracle(a, n);
            foreach (SimdWidth width in Widths)
            {
                AssertEigenvaluesClose(Compute(a, n, width), expected, Frobenius(a), n, $"n = {n}, {width}, unblocked");
                // Blocked with narrow panels so that small matrices take the DLATRD + rank-2nb path.
                AssertEigenvaluesClose(Compute(a, n, width, blockSize: 5, crossover: 8), expected, Frobenius(a), n, $"n = {n}, {width}, blocked nb = 5");
            }
        }
    }

    [Test]
    public void Default_entry_point_uses_the_blocked_path_above_the_crossover()
    {
        const int n = 200;
        double[] a = RandomSymmetric(n, seed: 11);
        var ev = new double[n];
        SymmetricEigen.Eigenvalues(a, n, ev);
        AssertEigenvaluesClose(ev, Oracle(a, n), Frobenius(a), n, "default");
        // Blocked with the default nb = 32 but crossover forced low: two full panels, then DSYTD2.
        AssertEigenvaluesClose(Compute(a, n, crossover: 40), Oracle(a, n), Frobenius(a), n, "nb = 32, crossover 40");
    }

    [Test]
    public void Graded_spectrum_from_1e_minus_10_to_1_is_recovered()
    {
        foreach (int n in new[] { 10, 60, 150 })
        {
            double[] lambda = [.. Enumerable.Range(0, n).Select(j => (j % 2 == 0 ? 1 : -1) * Math.Pow(10, -10.0 * j / (n - 1)))];
            double[] a = WithSpectrum(lambda, seed: n);
            double[] expected = [.. lambda.Order()];
            // Absolute accuracy relative to ‖A‖₂ = 1; the construction itself adds rounding of the same order.
            AssertEigenvaluesClose(Compute(a, n, blockSize: 8, crossover: 16), expected, 1, n, $"graded n = {n}");
            AssertEigenvaluesClose(Compute(a, n), Oracle(a, n), 1, n, $"graded n = {n} vs MathNet");
        }
    }

    [Test]
    public void Clustered_and_repeated_eigenvalues()
    {
        const int n = 120;
        // 100 eigenvalues within 1e-12 of 1, and 20 spread ones.
        double[] clustered = [.. Enumerable.Range(0, n).Select(j => j < 100 ? 1 + 1e-14 * j : -3 + 0.1 * j)];
        double[] a = WithSpectrum(clustered, seed: 3);
        AssertEigenvaluesClose(Compute(a, n, blockSize: 16, crossover: 20), [.. clustered.Order()], Frobenius(a), n, "clustered");

        // Three distinct values, each 40 times.
        double[] repeated = [.. Enumerable.Range(0, n).Select(j => (j % 3) - 1.0)];
        double[] b = WithSpectrum(repeated, seed: 4);
        AssertEigenvaluesClose(Compute(b, n, blockSize: 16, crossover: 20), [.. repeated.Order()], Frobenius(b), n, "repeated");
    }

    [Test]
    public void Rank_deficient_and_zero_matrices()
    {
        const int n = 90, rank = 7;
        var rng = new Random(5);
        double[] g = [.. Enumerable.Range(0, n * rank).Select(_ => Gaussian(rng))];
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < rank; k++) a[i * n + j] += g[i * rank + k] * g[j * rank + k];
        double[] ev = Compute(a, n, blockSize: 8, crossover: 10);
        AssertEigenvaluesClose(ev, Oracle(a, n), Frobenius(a), n, "rank 7");
        double zeroTol = C * n * Eps * Frobenius(a);
        Assert.That(ev.Count(x => Math.Abs(x) <= zeroTol), Is.EqualTo(n - rank), "numerically zero eigenvalues");

        double[] zero = Compute(new double[n * n], n, blockSize: 8, crossover: 10);
        Assert.That(zero, Is.All.EqualTo(0.0));
    }

    [Test]
    public void Diagonal_matrices_give_their_sorted_diagonal_exactly()
    {
        foreach (int n in new[] { 1, 6, 77, 160 })
        {
            var rng = new Random(n);
            double[] diag = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng) * 1e3)];
            var a = new double[n * n];
            for (int i = 0; i < n; i++) a[i * n + i] = diag[i];
            Assert.That(Compute(a, n, blockSize: 8, crossover: 10), Is.EqualTo(diag.Order().ToArray()), $"n = {n}");
        }
    }

    [Test]
    public void Tridiagonal_matrices_match_MathNet()
    {
        foreach (int n in new[] { 2, 13, 100 })
        {
            var rng = new Random(n + 100);
            double[] d = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng))];
            double[] e = [.. Enumerable.Range(0, n - 1).Select(_ => Gaussian(rng))];
            double[] a = Tridiagonal(d, e);
            AssertEigenvaluesClose(Compute(a, n, blockSize: 8, crossover: 10), Oracle(a, n), Frobenius(a), n, $"tridiagonal n = {n}");
        }
    }

    [Test]
    public void Trace_and_Frobenius_identities_hold()
    {
        foreach (int n in new[] { 50, 180 })
        {
            double[] a = RandomSymmetric(n, seed: 1000 + n);
            double[] ev = Compute(a, n, blockSize: 16, crossover: 32);
            double trace = Enumerable.Range(0, n).Sum(i => a[i * n + i]);
            double frob2 = a.Sum(x => x * x);
            double norm = Frobenius(a);
            Assert.That(ev.Sum(), Is.EqualTo(trace).Within(C * n * Eps * norm * Math.Sqrt(n)), "Σλ = tr A");
            Assert.That(ev.Sum(x => x * x), Is.EqualTo(frob2).Within(C * n * Eps * frob2), "Σλ² = ‖A‖_F²");
        }
    }

    [Test]
    public void Clement_matrix_has_eigenvalues_n_minus_1_minus_2k()
    {
        // Clement (1959): zero diagonal, off-diagonal √(k(n−k)); eigenvalues ±(n−1), ±(n−3), …
        foreach (int n in new[] { 2, 9, 50, 121 })
        {
            double[] off = [.. Enumerable.Range(1, n - 1).Select(k => Math.Sqrt((double)k * (n - k)))];
            double[] a = Tridiagonal(new double[n], off);
            double[] expected = [.. Enumerable.Range(0, n).Select(k => (double)(2 * k - (n - 1)))];
            AssertEigenvaluesClose(Compute(a, n), expected, Frobenius(a), n, $"Clement n = {n}");
            // The same spectrum hidden by an orthogonal similarity: exercises the reduction, not just QL.
            double[] hidden = WithSpectrum(expected, seed: n);
            AssertEigenvaluesClose(Compute(hidden, n, blockSize: 8, crossover: 16), expected, Frobenius(hidden), n, $"Clement spectrum, dense n = {n}");
        }
    }

    [Test]
    public void Second_difference_matrix_has_closed_form_eigenvalues()
    {
        // tridiag(−1, 2, −1): λ_k = 4 sin²(kπ / (2(n+1))), k = 1..n.
        foreach (int n in new[] { 3, 40, 199 })
        {
            double[] a = Tridiagonal([.. Enumerable.Repeat(2.0, n)], [.. Enumerable.Repeat(-1.0, n - 1)]);
            double[] expected = [.. Enumerable.Range(1, n).Select(k => 4 * Math.Pow(Math.Sin(k * Math.PI / (2 * (n + 1))), 2))];
            AssertEigenvaluesClose(Compute(a, n), expected, Frobenius(a), n, $"second difference n = {n}");
        }
    }

    [Test]
    public void Wilkinson_matrices()
    {
        // W21+: diagonal |10 − i|, unit off-diagonal; its two largest eigenvalues agree to 7e-14 (Wilkinson 1965).
        double[] plus = Tridiagonal([.. Enumerable.Range(0, 21).Select(i => (double)Math.Abs(10 - i))], [.. Enumerable.Repeat(1.0, 20)]);
        double[] ev = Compute(plus, 21);
        Assert.That(ev[20], Is.EqualTo(10.746194182903393).Within(1e-12));
        Assert.That(ev[19], Is.EqualTo(10.746194182903322).Within(1e-12));
        AssertEigenvaluesClose(ev, Oracle(plus, 21), Frobenius(plus), 21, "W21+");

        // W21−: diagonal 10 − i; the spectrum is symmetric about 0 (J W J = −W for the alternating-sign J) and contains 0.
        double[] minus = Tridiagonal([.. Enumerable.Range(0, 21).Select(i => (double)(10 - i))], [.. Enumerable.Repeat(1.0, 20)]);
        double[] evm = Compute(minus, 21);
        for (int i = 0; i < 21; i++) Assert.That(evm[i], Is.EqualTo(-evm[20 - i]).Within(1e-13));
        Assert.That(evm[10], Is.EqualTo(0).Within(1e-13));
    }

    [Test]
    public void Blocked_and_unblocked_tridiagonalizations_agree()
    {
        const int n = 150;
        double[] a = RandomSymmetric(n, seed: 77);
        using var ws = new SymmetricEigenWorkspace(n);
        SymmetricEigen.Tridiagonalize(a, n, ws, 1, SimdWidth.Auto, blockSize: 32, crossover: n);
        double[] d0 = ws.Diagonal[..n], e0 = ws.OffDiagonal[..(n - 1)];
        foreach (int nb in new[] { 1, 4, 13, 32 })
        {
            SymmetricEigen.Tridiagonalize(a, n, ws, 1, SimdWidth.Auto, blockSize: nb, crossover: 2);
            double tol = C * n * Eps * Frobenius(a);
            Assert.That(MaxDifference(ws.Diagonal.AsSpan(0, n), d0), Is.LessThanOrEqualTo(tol), $"d, nb = {nb}");
            Assert.That(MaxDifference(ws.OffDiagonal.AsSpan(0, n - 1), e0), Is.LessThanOrEqualTo(tol), $"e, nb = {nb}");
        }
    }

    [Test]
    public void Results_do_not_depend_on_the_thread_count()
    {
        // 300 rows: above the 256-row threshold for the worker team, with products split into chunks.
        const int n = 300;
        double[] a = RandomSymmetric(n, seed: 9);
        double[] one = Compute(a, n, threads: 1, blockSize: 16, crossover: 64);
        foreach (int threads in new[] { 2, 3, 4 })
            Assert.That(Compute(a, n, threads: threads, blockSize: 16, crossover: 64), Is.EqualTo(one), $"threads = {threads}");
        AssertEigenvaluesClose(one, Oracle(a, n), Frobenius(a), n, "n = 300");
    }

    [Test]
    public void Extreme_scales_are_handled_by_prescaling()
    {
        const int n = 40;
        double[] a = RandomSymmetric(n, seed: 21);
        double[] expected = Oracle(a, n);
        foreach (double s in new[] { 1e-200, 1e200 })
        {
            double[] scaled = [.. a.Select(x => x * s)];
            double[] ev = Compute(scaled, n, blockSize: 8, crossover: 10);
            AssertEigenvaluesClose([.. ev.Select(x => x / s)], expected, Frobenius(a), n, $"scale {s:E0}");
        }
    }

    [Test]
    public void Workspace_is_reusable_for_smaller_orders()
    {
        using var ws = new SymmetricEigenWorkspace(64);
        foreach (int n in new[] { 64, 10, 33 })
        {
            double[] a = RandomSymmetric(n, seed: n + 7);
            var ev = new double[n];
            SymmetricEigen.Eigenvalues(a, n, ev, ws);
            AssertEigenvaluesClose(ev, Oracle(a, n), Frobenius(a), n, $"n = {n}");
        }
    }

    [Test]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues(new double[8], 3, new double[3]));
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues(new double[9], 3, new double[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SymmetricEigen.Eigenvalues(new double[0], -1, new double[0]));
        using var small = new SymmetricEigenWorkspace(2);
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues(new double[9], 3, new double[3], small));
        double[] nan = RandomSymmetric(4, 1);
        nan[9] = double.NaN;
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues(nan, 4, new double[4]));
        Assert.DoesNotThrow(() => SymmetricEigen.Eigenvalues(ReadOnlySpan<double>.Empty, 0, Span<double>.Empty));
    }

    [Test]
    public void A_token_cancelled_mid_reduction_stops_an_order_2000_decomposition_and_leaves_the_workspace_reusable()
    {
        // n = 2000 is ~10¹⁰ flops, a few tenths of a second on the fastest path here and seconds without SIMD: the
        // cancel after 50 ms lands inside the reduction, which must stop at its next panel.
        const int n = 2000;
        double[] a = RandomSymmetric(n, seed: 2000);
        var ev = new double[n];
        Array.Fill(ev, double.NaN);
        using var ws = new SymmetricEigenWorkspace(n);
        // Cancelled from a thread of its own, as the host's SIGINT/SIGTERM handlers run (a CancelAfter timer fires on
        // the thread pool, which a busy parallel kernel can starve for half a second).
        using var cts = new CancellationTokenSource();
        new Thread(() => { Thread.Sleep(50); cts.Cancel(); }).Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var thrown = Assert.Throws<OperationCanceledException>(() => SymmetricEigen.Eigenvalues(a, n, ev, ws, threads: 2, cts.Token));
        TestContext.Out.WriteLine($"threw {clock.Elapsed.TotalMilliseconds:F0} ms after the start (cancel at 50 ms)");
        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));
        Assert.That(ev, Is.All.NaN, "a cancelled call writes no eigenvalues");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "hang guard, not a speed test");

        // The cancelled call left no state behind: the same workspace now gives a fresh workspace's result exactly.
        const int m = 300;
        double[] b = RandomSymmetric(m, seed: 3);
        var reused = new double[m];
        SymmetricEigen.Eigenvalues(b, m, reused, ws, threads: 2);
        Assert.That(reused, Is.EqualTo(Compute(b, m, threads: 2)));
    }

    [Test]
    public void A_cancelled_token_stops_the_QL_iteration_but_an_uncancelled_one_changes_nothing()
    {
        // The tridiagonal phase alone: n = 2000 needs ~2n sweeps, so it passes many polls.
        const int n = 2000;
        var rng = new Random(12);
        double[] d = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng))];
        double[] e = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng))];
        double[] d1 = d[..], e1 = e[..], d2 = d[..], e2 = e[..];
        Assert.That(TridiagonalEigenvalues.Compute(d1, e1), Is.True);
        using var live = new CancellationTokenSource();
        Assert.That(TridiagonalEigenvalues.Compute(d2, e2, live.Token), Is.True);
        Assert.That(d2, Is.EqualTo(d1), "polling does not touch the arithmetic");

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => TridiagonalEigenvalues.Compute(d[..], e[..], cancelled.Token));
        // Above the crossover every entry point polls before the first panel.
        Assert.Throws<OperationCanceledException>(() => SymmetricEigen.Eigenvalues(RandomSymmetric(200, 1), 200, new double[200],
            cancellationToken: cancelled.Token));
    }

    [Test]
    public void Only_the_lower_triangle_is_read()
    {
        const int n = 37;
        double[] a = RandomSymmetric(n, seed: 5);
        double[] expected = Compute(a, n);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) a[i * n + j] = 1e300;
        Assert.That(Compute(a, n), Is.EqualTo(expected));
    }
}
