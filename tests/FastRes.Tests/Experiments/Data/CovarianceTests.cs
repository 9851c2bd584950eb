using FastRes.Experiments;
using FastRes.Experiments.Data;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class CovarianceTests
{
    [Test]
    public void Product_is_one_over_m_a_transpose_b()
    {
        // Hand-checkable: a = [[1, 2], [3, 0], [0, −1]], b = [[1], [2], [4]] → Σ^{AB} = [[1 + 6], [2 − 4]]/3.
        double[] a = [1, 2, 3, 0, 0, -1];
        double[] b = [1, 2, 4];
        var sab = new double[2];
        Covariance.Product(a, 2, b, 1, 3, sab);
        Assert.That(sab, Is.EqualTo(new[] { 7 / 3.0, -2 / 3.0 }).Within(1e-15));
    }

    [Test]
    public void Cross_moments_of_digits_match_mathnet_and_the_one_hot_identity()
    {
        Dataset data = DigitPreprocessing.Prepare(DigitsCsv.Read(TestData.DigitsFixture), 10);
        CrossCovariance moments = Covariance.Cross(data);
        int m = data.Samples, d = data.InputDim, c = data.OutputDim;

        var x = Matrix<double>.Build.Dense(m, d, (mu, i) => data.X[mu * d + i]);
        var y = Matrix<double>.Build.Dense(m, c, (mu, k) => data.Y[mu * c + k]);
        Matrix<double> xy = x.TransposeThisAndMultiply(y) / m;
        for (int i = 0; i < d; i++)
            for (int k = 0; k < c; k++)
                Assert.That(moments.XY[i * c + k], Is.EqualTo(xy[i, k]).Within(1e-14));

        // Rows of Y sum to 1, so Σ_k Σ^{XY}_{ik} = mean of x_i = 0 for centred inputs.
        for (int i = 0; i < d; i++)
            Assert.That(Enumerable.Range(0, c).Sum(k => moments.XY[i * c + k]), Is.EqualTo(0).Within(1e-12));
        // Σ^{XY}_{ik} = p_k · E[x_i | class k]: digits differ by class, so the inputs carry label information.
        Assert.That(moments.XY.Max(Math.Abs), Is.GreaterThan(0.05));

        var xxSpan = new double[d * d];
        var xySpan = new double[d * c];
        Covariance.Cross(data, xxSpan, xySpan);
        Assert.That(xxSpan, Is.EqualTo(moments.XX));
        Assert.That(xySpan, Is.EqualTo(moments.XY));
    }

    [Test]
    public void Mismatched_shapes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Covariance.Product(new double[6], 2, new double[3], 1, 3, new double[3]));
        Assert.Throws<ArgumentException>(() => Covariance.Product(new double[6], 2, new double[4], 1, 3, new double[2]));
    }
}
