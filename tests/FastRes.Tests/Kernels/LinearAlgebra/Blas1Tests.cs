using FastRes.Kernels.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.LinearAlgebra;

/// <summary>
/// The element-wise updates against their scalar formulas, to the bit: that equality at every length (vector body,
/// scalar tail, spans shorter than a vector) is the property MNIST's PCA relies on.
/// </summary>
public class Blas1Tests
{
    private static IEnumerable<int> Lengths() => Enumerable.Range(0, 35).Concat([128, 200, 785]);

    private static double[] Random(int n, int seed, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();
    }

    private static long[] Bits(double[] v) => v.Select(BitConverter.DoubleToInt64Bits).ToArray();

    [Test]
    public void Axpy_is_y_plus_a_x_to_the_bit_and_leaves_the_rest_of_y([ValueSource(nameof(Lengths))] int n)
    {
        double a = -0.7315;
        double[] x = Random(n, n), y = Random(n + 3, 1000 + n, 10);
        var expected = (double[])y.Clone();
        for (int i = 0; i < n; i++) expected[i] = y[i] + a * x[i];
        Blas1.Axpy(a, x, y);
        Assert.That(Bits(y), Is.EqualTo(Bits(expected)));
    }

    [Test]
    public void SubtractTwoAxpy_is_y_minus_f_p_plus_g_q_to_the_bit([ValueSource(nameof(Lengths))] int n)
    {
        double f = 1.25e-3, g = -3.5;
        double[] y = Random(n, n, 5), p = Random(n, 2000 + n), q = Random(n, 3000 + n);
        var expected = new double[n];
        for (int i = 0; i < n; i++) expected[i] = y[i] - (f * p[i] + g * q[i]);
        Blas1.SubtractTwoAxpy(y, f, p, g, q);
        Assert.That(Bits(y), Is.EqualTo(Bits(expected)));
    }

    [Test]
    public void Rotate_is_the_Givens_rotation_to_the_bit_and_preserves_norms([ValueSource(nameof(Lengths))] int n)
    {
        double theta = 0.3, c = Math.Cos(theta), s = Math.Sin(theta);
        double[] a = Random(n, n), b = Random(n, 4000 + n);
        var ea = new double[n];
        var eb = new double[n];
        for (int i = 0; i < n; i++) { ea[i] = c * a[i] - s * b[i]; eb[i] = s * a[i] + c * b[i]; }
        double before = Dot.Sequential(a, a) + Dot.Sequential(b, b);
        Blas1.Rotate(a, b, c, s);
        Assert.That(Bits(a), Is.EqualTo(Bits(ea)));
        Assert.That(Bits(b), Is.EqualTo(Bits(eb)));
        Assert.That(Dot.Sequential(a, a) + Dot.Sequential(b, b), Is.EqualTo(before).Within(1e-14 * (1 + before)));
    }

    [Test]
    public void Short_destinations_throw()
    {
        Assert.Throws<ArgumentException>(() => Blas1.Axpy(1, new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => Blas1.SubtractTwoAxpy(new double[5], 1, new double[4], 1, new double[5]));
        Assert.Throws<ArgumentException>(() => Blas1.Rotate(new double[5], new double[4], 1, 0));
    }
}
