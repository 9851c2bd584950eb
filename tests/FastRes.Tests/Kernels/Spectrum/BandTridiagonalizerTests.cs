using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>
/// Band → tridiagonal bulge chasing: the eigenvalues of the (d, e) it returns against the dense
/// <see cref="SymmetricEigen"/> of the same band matrix and against MathNet, within the backward-error bound
/// c·n·ε·‖A‖_F (c = 4, as in <see cref="SymmetricEigenTests"/>: the reduction is a product of orthogonal
/// similarities, so it adds an error of that order); results bit-identical across thread counts and sweep groups.
/// </summary>
public class BandTridiagonalizerTests
{

    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static readonly int[] Bandwidths = [1, 2, 3, 8, 16, 31, 32, 64];

    /// <summary>A random symmetric matrix with half-bandwidth b (dense, row-major), entries uniform in [−1, 1].</summary>
    private static double[] RandomBand(int n, int b, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = Math.Max(0, i - b); j <= i; j++)
                a[i * n + j] = a[j * n + i] = 2 * rng.NextDouble() - 1;
        return a;
    }

    /// <summary>(d, e) of the band reduction, with the upper triangle of <paramref name="a"/> poisoned: it must not be read.</summary>
    private static (double[] D, double[] E) Reduce(double[] a, int n, int b, SimdWidth width = SimdWidth.Auto, int threads = 1,
        int group = BandTridiagonalizer.DefaultGroup, int lda = 0)
    {
        if (lda == 0) lda = n;
        var copy = new double[Math.Max(n * lda, 1)];
        copy.AsSpan().Fill(double.NaN);
        for (int i = 0; i < n; i++)
            for (int j = Math.Max(0, i - b); j <= i; j++) copy[i * lda + j] = a[i * n + j];
        var d = new double[n];
        var e = new double[Math.Max(n - 1, 0)];
        using var ws = new BandWorkspace(n, Math.Max(b, 1));
        using var team = new WorkerTeam(threads);
        BandTridiagonalizer.Reduce(copy.AsSpan(0, n * lda), lda, n, b, d, e, ws, team, width, group);
        return (d, e);
    }

    private static double[] Eigenvalues((double[] D, double[] E) t)
    {
        double[] d = [.. t.D], e = [.. t.E, 0];
        Assert.That(TridiagonalEigenvalues.Compute(d, e), Is.True, "QL converged");
        return d;
    }

    private static double[] Dense(double[] a, int n)
    {
        var ev = new double[n];
        SymmetricEigen.Eigenvalues(a, n, ev, threads: 1);
        return ev;
    }

    [Test]
    public void Random_bands_match_the_dense_solver_at_every_width_and_bandwidth()
    {
        foreach (int n in new[] { 0, 1, 2, 3, 5, 20, 71, 150 })
            foreach (int b in Bandwidths)
            {
                double[] a = RandomBand(n, b, seed: 1000 * n + b);
                double[] dense = Dense(a, n), norm = [Frobenius(a)];
                double[]? oracle = n is >= 1 and <= 80 ? Oracle(a, n) : null; // MathNet rejects n = 0
                foreach (SimdWidth width in Widths)
                {
                    double[] ev = Eigenvalues(Reduce(a, n, b, width));
                    AssertEigenvaluesClose(ev, dense, norm[0], n, $"n = {n}, b = {b}, {width} vs dense");
                    if (oracle is not null) AssertEigenvaluesClose(ev, oracle, norm[0], n, $"n = {n}, b = {b}, {width} vs MathNet");
                }
            }
    }

    [Test]
    public void Two_threads_and_every_group_size_are_bit_identical_to_one_thread()
    {
        foreach ((int n, int b) in new[] { (300, 3), (301, 16), (333, 64), (130, 31), (70, 8) })
        {
            double[] a = RandomBand(n, b, seed: n + b);
            foreach (SimdWidth width in Widths)
            {
                var (d1, e1) = Reduce(a, n, b, width, threads: 1, group: 1);
                // Three threads: more than this machine's cores, so also a team larger than the workspace planned for.
                foreach ((int threads, int group) in new[] { (1, 4), (2, 1), (2, 2), (2, 4), (2, 16), (3, 4) })
                {
                    var (d2, e2) = Reduce(a, n, b, width, threads, group);
                    Assert.That(d2, Is.EqualTo(d1), $"n = {n}, b = {b}, {width}, {threads} threads, group {group}: d");
                    Assert.That(e2, Is.EqualTo(e1), $"n = {n}, b = {b}, {width}, {threads} threads, group {group}: e");
                }
                AssertEigenvaluesClose(Eigenvalues((d1, e1)), Dense(a, n), Frobenius(a), n, $"n = {n}, b = {b}, {width}");
            }
        }
    }

    [Test]
    public void Public_entry_point_with_two_threads_matches_one_thread()
    {
        const int n = 400, b = 32;
        double[] a = RandomBand(n, b, seed: 9);
        using var ws = new BandWorkspace(n, b);
        var d1 = new double[n];
        var e1 = new double[n - 1];
        var d2 = new double[n];
        var e2 = new double[n - 1];
        BandTridiagonalizer.Reduce(a, n, n, b, d1, e1, ws, threads: 1, SimdWidth.Auto);
        BandTridiagonalizer.Reduce(a, n, n, b, d2, e2, ws, threads: 2, SimdWidth.Auto);
        Assert.That(d2, Is.EqualTo(d1));
        Assert.That(e2, Is.EqualTo(e1));
        AssertEigenvaluesClose(Eigenvalues((d1, e1)), Dense(a, n), Frobenius(a), n, "n = 400, b = 32");
    }

    [Test]
    public void Bandwidth_at_least_n_and_a_row_stride_wider_than_n()
    {
        foreach ((int n, int b) in new[] { (5, 8), (16, 64), (31, 31), (40, 39) })
        {
            double[] a = RandomBand(n, b, seed: n);
            AssertEigenvaluesClose(Eigenvalues(Reduce(a, n, b, lda: n + 13)), Oracle(a, n), Frobenius(a), n, $"n = {n}, b = {b}, lda = n + 13");
        }
    }

    [Test]
    public void Diagonal_input_comes_back_exactly()
    {
        const int n = 77;
        var rng = new Random(2);
        double[] diag = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng))];
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = diag[i];
        foreach (int b in new[] { 0, 1, 8, 64 })
            foreach (SimdWidth width in Widths)
            {
                var (d, e) = Reduce(a, n, b, width);
                Assert.That(d, Is.EqualTo(diag), $"b = {b}, {width}");
                Assert.That(e, Is.All.EqualTo(0.0), $"b = {b}, {width}");
            }
    }

    [Test]
    public void Tridiagonal_input_in_a_wider_band_comes_back_exactly()
    {
        const int n = 90;
        var rng = new Random(3);
        double[] diag = [.. Enumerable.Range(0, n).Select(_ => Gaussian(rng))];
        double[] off = [.. Enumerable.Range(0, n - 1).Select(_ => Gaussian(rng))];
        double[] a = Tridiagonal(diag, off);
        foreach (int b in new[] { 1, 2, 16, 64 })
        {
            // Every column is already reduced: every reflector is the identity (τ = 0), so nothing may change.
            var (d, e) = Reduce(a, n, b);
            Assert.That(d, Is.EqualTo(diag), $"b = {b}");
            Assert.That(e, Is.EqualTo(off), $"b = {b}");
        }
    }

    /// <summary>
    /// Wilkinson's W21+ (d = |10 − i|, e = 1: pairs of eigenvalues agreeing to 15 digits) and a glued chain of them,
    /// turned into a full band by a block-diagonal orthogonal similarity (blocks of 4: bandwidth 7): the eigenvalues
    /// must be those of the original tridiagonal, computed directly.
    /// </summary>
    [Test]
    public void Wilkinson_and_glued_Wilkinson_matrices_in_a_band()
    {
        foreach ((int copies, double glue) in new[] { (1, 0.0), (6, 1e-10), (12, 1e-14) })
        {
            var (d0, e0) = GluedWilkinson(copies, glue);
            int n = d0.Length;
            double[] t = Tridiagonal(d0, e0);
            double[] a = BlockSimilarity(t, n, block: 4, seed: copies);
            double[] expected = Eigenvalues((d0, e0));
            foreach (SimdWidth width in Widths)
                foreach (int threads in new[] { 1, 2 })
                    AssertEigenvaluesClose(Eigenvalues(Reduce(a, n, 8, width, threads)), expected, Frobenius(a), n,
                        $"W21+ × {copies}, glue {glue}, {width}, {threads} threads");
        }
    }

    /// <summary>Q T Qᵀ for Q block-diagonal with random orthogonal blocks: bandwidth 2·block − 1, same spectrum.</summary>
    private static double[] BlockSimilarity(double[] t, int n, int block, int seed)
    {
        var q = new double[n * n];
        for (int start = 0; start < n; start += block)
        {
            int size = Math.Min(block, n - start);
            double[] lambda = [.. Enumerable.Range(0, size).Select(i => (double)i)];
            // The eigenvectors of a random symmetric block are a random orthogonal block.
            var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfRowMajor(size, size, RandomSymmetric(size, seed + start));
            var v = m.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenVectors;
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++) q[(start + i) * n + start + j] = v[i, j];
        }
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int k = Math.Max(0, i - block); k < Math.Min(n, i + block); k++)
                    for (int l = Math.Max(0, j - block); l < Math.Min(n, j + block); l++)
                        s += q[i * n + k] * t[k * n + l] * q[j * n + l];
                a[i * n + j] = a[j * n + i] = s;
            }
        return a;
    }

    [Test]
    public void Graded_band_is_reduced_to_absolute_accuracy()
    {
        // a_ij = u_ij · 10^(−(i + j)/(n/6)): twelve orders of magnitude from the top-left to the bottom-right corner.
        const int n = 120, b = 16;
        double[] a = RandomBand(n, b, seed: 4);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i * n + j] *= Math.Pow(10, -(i + j) / (n / 6.0));
        double[] expected = Oracle(a, n);
        foreach (SimdWidth width in Widths)
            AssertEigenvaluesClose(Eigenvalues(Reduce(a, n, b, width)), expected, Frobenius(a), n, $"graded, {width}");
        AssertEigenvaluesClose(Eigenvalues(Reduce(a, n, b, threads: 2, group: 2)), expected, Frobenius(a), n, "graded, 2 threads");
    }

    [Test]
    public void Cancelled_token_throws_and_the_workspace_stays_usable()
    {
        const int n = 300, b = 16;
        double[] a = RandomBand(n, b, seed: 5);
        using var ws = new BandWorkspace(n, b);
        var d = new double[n];
        var e = new double[n - 1];
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => BandTridiagonalizer.Reduce(a, n, n, b, d, e, ws, 2, SimdWidth.Auto, cts.Token));
        BandTridiagonalizer.Reduce(a, n, n, b, d, e, ws, 2, SimdWidth.Auto);
        AssertEigenvaluesClose(Eigenvalues((d, e)), Dense(a, n), Frobenius(a), n, "after a cancelled call");
    }

    [Test]
    public void Arguments_are_checked()
    {
        using var ws = new BandWorkspace(10, 4);
        var a = new double[100];
        var d = new double[10];
        var e = new double[9];
        Assert.Throws<ArgumentException>(() => BandTridiagonalizer.Reduce(a, 10, 11, 2, d, e, ws, 1, SimdWidth.Auto), "n > capacity");
        Assert.Throws<ArgumentException>(() => BandTridiagonalizer.Reduce(a, 10, 10, 5, d, e, ws, 1, SimdWidth.Auto), "b > max");
        Assert.Throws<ArgumentException>(() => BandTridiagonalizer.Reduce(a.AsSpan(0, 90), 10, 10, 2, d, e, ws, 1, SimdWidth.Auto), "short a");
        Assert.Throws<ArgumentException>(() => BandTridiagonalizer.Reduce(a, 10, 10, 2, d, e.AsSpan(0, 8), ws, 1, SimdWidth.Auto), "short e");
    }
}
