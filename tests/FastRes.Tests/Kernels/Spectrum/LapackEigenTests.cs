using FastRes.Kernels.Spectrum;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>The LAPACKE DSYEVD peer: FastRes agrees with it, and it agrees with MathNet (so the binding is right).</summary>
public class LapackEigenTests
{
    private const double Eps = 2.220446049250313e-16;

    [SetUp]
    public void RequireLapack()
    {
        if (!LapackEigen.IsAvailable)
            Assert.Ignore("LAPACKE (liblapacke.so.3) is not installed; run bench/install-peers.sh to enable these tests.");
    }

    [Test]
    public void Dsyevd_agrees_with_MathNet_and_with_FastRes()
    {
        foreach (int n in new[] { 1, 2, 10, 65, 200 })
        {
            double[] a = RandomSymmetric(n, seed: 500 + n);
            var lapack = new double[n];
            LapackEigen.Eigenvalues(a, n, lapack);
            var ours = new double[n];
            SymmetricEigen.Eigenvalues(a, n, ours);
            double tol = 4 * n * Eps * Frobenius(a);
            Assert.That(MaxDifference(lapack, Oracle(a, n)), Is.LessThanOrEqualTo(tol), $"LAPACK vs MathNet, n = {n}");
            Assert.That(MaxDifference(ours, lapack), Is.LessThanOrEqualTo(tol), $"FastRes vs LAPACK, n = {n}");
        }
    }

    [Test]
    public void Only_the_lower_triangle_is_read_by_the_peer_too()
    {
        const int n = 20;
        double[] a = RandomSymmetric(n, seed: 3);
        var expected = new double[n];
        LapackEigen.Eigenvalues(a, n, expected);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) a[i * n + j] = 1e300;
        var actual = new double[n];
        LapackEigen.Eigenvalues(a, n, actual);
        Assert.That(actual, Is.EqualTo(expected));
    }
}
