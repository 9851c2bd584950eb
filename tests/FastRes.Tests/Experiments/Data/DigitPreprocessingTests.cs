using FastRes.Experiments;
using FastRes.Experiments.Data;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class DigitPreprocessingTests
{
    [Test]
    public void Fixture_digits_are_whitened_centred_and_one_hot() => AssertPrepared(DigitsCsv.Read(TestData.DigitsFixture), 10);

    [Test]
    public void All_1797_digits_keep_the_top_principal_components([Values(1, 10, 30)] int d)
        => AssertPrepared(DigitsCsv.Read(TestData.Shared("digits-8x8/digits.csv.gz")), d);

    [Test]
    public void Mnist_10k_is_whitened_onto_its_top_ten_principal_components()
    {
        string folder = TestData.MnistFolder;
        AssertPrepared(IdxReader.Read(Path.Combine(folder, "images-idx3-ubyte.gz"), Path.Combine(folder, "labels-idx1-ubyte.gz")), 10);
    }

    [Test]
    public void Pixels_scale_by_the_format_maximum()
    {
        var mnistLike = new LabelledImages([0, 51, 255, 128], [0, 1], 2, 1, 2, MaxPixel: 255, "t");
        Assert.That(DigitPreprocessing.ScalePixels(mnistLike), Is.EqualTo(new[] { 0, 0.2, 1, 128 / 255.0 }));
        var digitsLike = new LabelledImages([0, 4, 16, 8], [0, 1], 2, 1, 2, MaxPixel: 16, "t");
        Assert.That(DigitPreprocessing.ScalePixels(digitsLike), Is.EqualTo(new[] { 0, 0.25, 1, 0.5 }));
    }

    [Test]
    public void Fewer_samples_than_the_pca_dimension_is_a_data_format_error()
    {
        LabelledImages all = DigitsCsv.Read(TestData.DigitsFixture);
        var ten = new LabelledImages(all.Pixels[..(10 * 64)], all.Labels[..10], 10, 8, 8, 16, all.Source);
        var ex = Assert.Throws<DataFormatException>(() => DigitPreprocessing.Prepare(ten, 10))!;
        Assert.That(ex.Message, Is.EqualTo(TestData.DigitsFixture + ": 10 samples, fewer than PCA to d = 10 needs (11)"));
        Assert.That(DigitPreprocessing.Prepare(ten, 9).Samples, Is.EqualTo(10));
    }

    [Test]
    public void A_dimension_beyond_the_covariance_rank_is_refused_not_amplified()
    {
        // Pixel 0 of every 8×8 digit is blank, so the 64×64 covariance is singular: 64 components cannot be whitened.
        LabelledImages digits = DigitsCsv.Read(TestData.DigitsFixture);
        var ex = Assert.Throws<DataFormatException>(() => DigitPreprocessing.Prepare(digits, 64))!;
        Assert.That(ex.Problem, Does.Contain("rank").And.Contain("below the PCA dimension d = 64"));
        Assert.Throws<DataFormatException>(() => DigitPreprocessing.Prepare(digits, 65));
    }

    [Test]
    public void Preparation_is_deterministic_and_orients_each_component()
    {
        LabelledImages digits = DigitsCsv.Read(TestData.DigitsFixture);
        Dataset a = DigitPreprocessing.Prepare(digits, 10, 10, out PrincipalComponents pcs);
        Dataset b = DigitPreprocessing.Prepare(digits, 10);
        Assert.That(b.X, Is.EqualTo(a.X));
        for (int k = 0; k < pcs.Components; k++)
        {
            ReadOnlySpan<double> axis = pcs.Axes.AsSpan(k * 64, 64);
            double largest = 0;
            foreach (double v in axis) if (Math.Abs(v) > Math.Abs(largest)) largest = v;
            Assert.That(largest, Is.GreaterThan(0), $"axis {k}: largest entry positive");
        }
    }

    /// <summary>
    /// Checks SPEC §2.2 on one data set: Σ^{XX} = I to 1e-10, mean 0 to 1e-12, one-hot rows, and the kept axes
    /// are the covariance's top-d eigenvectors (variances and captured variance against MathNet's Evd).
    /// </summary>
    private static void AssertPrepared(LabelledImages images, int d)
    {
        Dataset data = DigitPreprocessing.Prepare(images, d, 10, out PrincipalComponents pcs);
        int m = images.Count, n = images.PixelCount;
        Assert.That((data.Samples, data.InputDim, data.OutputDim, data.Source), Is.EqualTo((m, d, 10, images.Source)));

        // Whitened: (1/m) Σ x xᵀ = I and Σ x = 0.
        double[] sxx = Covariance.Cross(data).XX;
        double worst = 0;
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) worst = Math.Max(worst, Math.Abs(sxx[i * d + j] - (i == j ? 1 : 0)));
        Assert.That(worst, Is.LessThan(1e-10), "Σ^XX = I");
        for (int k = 0; k < d; k++)
            Assert.That(Enumerable.Range(0, m).Sum(mu => data.X[mu * d + k]) / m, Is.EqualTo(0).Within(1e-12), $"mean of input {k}");

        // One-hot targets: a single 1 per row, at the label.
        for (int mu = 0; mu < m; mu++)
        {
            ReadOnlySpan<double> y = data.Target(mu);
            Assert.That(y[images.Labels[mu]], Is.EqualTo(1.0));
            double sum = 0;
            foreach (double v in y) sum += v;
            Assert.That(sum, Is.EqualTo(1.0));
        }

        // Oracle: the 1/m covariance built here independently, decomposed by MathNet's Evd.
        double[] x = DigitPreprocessing.ScalePixels(images);
        var mean = new double[n];
        for (int mu = 0; mu < m; mu++) for (int i = 0; i < n; i++) mean[i] += x[mu * n + i];
        for (int i = 0; i < n; i++) mean[i] /= m;
        Matrix<double> covariance = OracleCovariance(x, m, n, mean);
        double[] eigenvalues = covariance.Evd(Symmetricity.Symmetric).EigenValues
            .Select(z => z.Real).OrderByDescending(v => v).ToArray();

        Assert.That(pcs.Mean, Is.EqualTo(mean).Within(1e-14));
        Assert.That(pcs.TotalVariance, Is.EqualTo(covariance.Trace()).Within(1e-12 * covariance.Trace()));
        double top = eigenvalues[0];
        Assert.That(pcs.Variances, Is.EqualTo(eigenvalues[..d]).Within(1e-10 * top), "kept eigenvalues are the top d");

        // Variance captured by the kept axes, measured on the data: Σ_k (1/m) Σ_μ (a_kᵀ(x^μ − x̄))² = Σ top-d eigenvalues,
        // the maximum over all d-dimensional projections (Ky Fan), so a wrong or non-orthogonal axis would fall short.
        var axes = Matrix<double>.Build.Dense(n, d, (i, k) => pcs.Axes[k * n + i]);
        Assert.That((axes.TransposeThisAndMultiply(axes) - Matrix<double>.Build.DenseIdentity(d)).InfinityNorm(), Is.LessThan(1e-12));
        double captured = 0, worstAxisDrift = 0;
        var centred = new double[n];
        for (int mu = 0; mu < m; mu++)
        {
            for (int i = 0; i < n; i++) centred[i] = x[mu * n + i] - mean[i];
            for (int k = 0; k < d; k++)
            {
                double score = 0;
                for (int i = 0; i < n; i++) score += pcs.Axes[k * n + i] * centred[i];
                captured += score * score / m;
                // Input k is the k-th principal score in units of its standard deviation: the final whitening step
                // only removes rounding, it must not rotate the principal axes (which equal variances would allow).
                worstAxisDrift = Math.Max(worstAxisDrift, Math.Abs(data.X[mu * d + k] - score / Math.Sqrt(pcs.Variances[k])));
            }
        }
        Assert.That(captured, Is.EqualTo(eigenvalues[..d].Sum()).Within(1e-10 * top * d));
        Assert.That(worstAxisDrift, Is.LessThan(1e-8), "whitened inputs are the standardized principal scores");
        TestContext.Out.WriteLine($"{images.Source}: d = {d} keeps {captured / pcs.TotalVariance:P1} of the variance; Σ^XX − I ≤ {worst:G2}");
    }

    /// <summary>
    /// The centred 1/m covariance. Small sets: two-pass, dense, with MathNet's product. MNIST: MathNet's managed
    /// 10,000×784 product takes over ten seconds, so there the oracle sums (1/m) Σ x xᵀ over each image's non-zero
    /// pixel pairs and subtracts x̄ x̄ᵀ — the pair enumeration shares no code with the row updates of the library.
    /// </summary>
    private static Matrix<double> OracleCovariance(double[] x, int m, int n, double[] mean)
    {
        if ((long)m * n <= 1_000_000)
        {
            var centred = Matrix<double>.Build.Dense(m, n, (mu, i) => x[mu * n + i] - mean[i]);
            return centred.TransposeThisAndMultiply(centred) / m;
        }
        var sum = new double[n, n];
        var nonzero = new List<int>(n);
        for (int mu = 0; mu < m; mu++)
        {
            nonzero.Clear();
            for (int i = 0; i < n; i++) if (x[mu * n + i] != 0) nonzero.Add(i);
            foreach (int i in nonzero)
                foreach (int j in nonzero)
                    if (j >= i) sum[i, j] += x[mu * n + i] * x[mu * n + j];
        }
        return Matrix<double>.Build.Dense(n, n, (i, j) =>
            (i <= j ? sum[i, j] : sum[j, i]) / m - mean[i] * mean[j]);
    }
}
