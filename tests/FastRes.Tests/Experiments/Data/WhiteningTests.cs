using FastRes.Experiments;
using FastRes.Experiments.Data;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class WhiteningTests
{
    [Test]
    public void Correlated_sample_becomes_centred_with_identity_covariance()
    {
        // x = L g + offset with a strongly anisotropic L (condition ~1e3).
        const int m = 3000, d = 5;
        var z = new double[m * d];
        var rng = new PhiloxStream(11, 0, 0);
        for (int mu = 0; mu < m; mu++)
        {
            double acc = 0;
            for (int k = 0; k < d; k++)
            {
                acc = 0.9 * acc + Math.Pow(10, -k * 0.75) * rng.NextNormal();
                z[mu * d + k] = acc + 4 * k;
            }
        }
        Whitening.Apply(z, m, d, "test");
        var c = new double[d * d];
        Covariance.Product(z, d, z, d, m, c);
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) Assert.That(c[i * d + j], Is.EqualTo(i == j ? 1.0 : 0.0).Within(1e-12));
            Assert.That(Enumerable.Range(0, m).Sum(mu => z[mu * d + i]) / m, Is.EqualTo(0).Within(1e-13));
        }
    }

    [Test]
    public void Nearly_white_data_are_left_where_they_are()
    {
        // Whitened data, then a 1e-9 relative perturbation: C ≈ I has nearly equal eigenvalues, so an eigenvector-based
        // whitening (Λ^{-1/2}Uᵀ) could rotate the axes arbitrarily; C^{-1/2} must move every value by ~1e-9 only.
        Dataset white = SyntheticData.Create(2000, 6, 3, seed: 4);
        double[] z = (double[])white.X.Clone();
        var rng = new PhiloxStream(5, 0, 0);
        for (int i = 0; i < z.Length; i++) z[i] *= 1 + 1e-9 * rng.NextNormal();
        double[] before = (double[])z.Clone();
        Whitening.Apply(z, 2000, 6, "test");
        double drift = 0;
        for (int i = 0; i < z.Length; i++) drift = Math.Max(drift, Math.Abs(z[i] - before[i]));
        Assert.That(drift, Is.LessThan(1e-7));
        Assert.That(drift, Is.GreaterThan(0), "the perturbation is removed, not ignored");
    }

    [Test]
    public void Singular_sample_is_a_data_format_error()
    {
        // Column 2 = column 0 + column 1: rank 2 in 3 dimensions.
        var z = new double[30];
        for (int mu = 0; mu < 10; mu++)
        {
            z[mu * 3] = mu % 3;
            z[mu * 3 + 1] = mu * mu % 7;
            z[mu * 3 + 2] = z[mu * 3] + z[mu * 3 + 1];
        }
        var ex = Assert.Throws<DataFormatException>(() => Whitening.Apply(z, 10, 3, "sample.idx"))!;
        Assert.That(ex.Message, Does.StartWith("sample.idx: the 3×3 input covariance is singular"));
    }
}
