using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>
/// Stage 1 of the two-stage path (dense → band): the band it leaves must be orthogonally similar to the input, so its
/// eigenvalues (here from the MathNet oracle on the band written out densely) equal the input's within the
/// backward-error bound c·n·ε·‖A‖_F, at every SIMD width, band width and thread count.
/// </summary>
public class BandReducerTests
{
    private const double Eps = 2.220446049250313e-16;
    private const double C = 4;

    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    /// <summary>The band left in the workspace, written out as a dense symmetric matrix (zeros outside the band), unscaled.</summary>
    internal static double[] Band(double[] a, int n, int band, SimdWidth width = SimdWidth.Auto, int threads = 1)
    {
        using var ws = new SymmetricEigenWorkspace(n);
        double scale = SymmetricEigen.ReduceToBand(a, n, band, ws, threads, width);
        int lda = SymmetricEigenWorkspace.Stride(n);
        var dense = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = Math.Max(0, i - band); j <= i; j++)
                dense[i * n + j] = dense[j * n + i] = ws.Matrix[i * lda + j] / scale;
        return dense;
    }

    private static void AssertSameSpectrum(double[] band, double[] a, int n, string what)
    {
        double tol = C * Math.Max(n, 1) * Eps * Math.Max(Frobenius(a), double.Epsilon);
        double diff = MaxDifference(Oracle(band, n), Oracle(a, n));
        TestContext.Out.WriteLine($"{what}: max |Δλ| = {diff:E2}, {diff / tol:P1} of the tolerance");
        Assert.That(diff, Is.LessThanOrEqualTo(tol), $"{what}: max |Δλ| = {diff:E3} > {tol:E3}");
    }

    [Test]
    public void Band_has_the_spectrum_of_the_matrix_at_every_width_and_band([Values(1, 2, 3, 8, 16, 31, 32, 64)] int band)
    {
        foreach (int n in new[] { 1, 2, 5, 17, 33, 64, 65, 100, 131 })
        {
            double[] a = RandomSymmetric(n, seed: 1000 + n);
            foreach (SimdWidth width in Widths)
                AssertSameSpectrum(Band(a, n, band, width), a, n, $"n = {n}, b = {band}, {width}");
        }
    }

    [Test]
    public void Band_is_bit_identical_for_every_thread_count()
    {
        // Large enough for the products to split into several row blocks (and the team to be used: n ≥ 256).
        const int n = 400, band = 32;
        double[] a = RandomSymmetric(n, seed: 7);
        double[] one = Band(a, n, band, threads: 1);
        foreach (int threads in new[] { 2, 3 })
            Assert.That(Band(a, n, band, threads: threads), Is.EqualTo(one), $"threads = {threads}");
        AssertSameSpectrum(one, a, n, "n = 400, b = 32");
    }

    [Test]
    public void Diagonal_and_tridiagonal_input_keep_their_spectrum()
    {
        const int n = 90;
        var rng = new Random(3);
        double[] diagonal = [.. Enumerable.Range(0, n).Select(_ => 2 * rng.NextDouble() - 1)];
        double[] off = [.. Enumerable.Range(0, n - 1).Select(_ => 2 * rng.NextDouble() - 1)];
        double[] d = Tridiagonal(diagonal, new double[n - 1]);
        double[] t = Tridiagonal(diagonal, off);
        foreach (int band in new[] { 1, 8, 32 })
        {
            AssertSameSpectrum(Band(d, n, band), d, n, $"diagonal, b = {band}");
            AssertSameSpectrum(Band(t, n, band), t, n, $"tridiagonal, b = {band}");
        }
    }
}
