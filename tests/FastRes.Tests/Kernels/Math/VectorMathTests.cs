using FastRes.Kernels.Maths;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Maths;

/// <summary>The public one-liners: right operator, right validation. The drivers' loops are covered in Operators/.</summary>
public class VectorMathTests
{
    [Test]
    public void Acos_is_within_one_ulp_of_Math_Acos_and_handles_specials()
    {
        double[] x = [.. Enumerable.Range(0, 1001).Select(i => -1 + i / 500.0), double.NaN, 1.5, -0.0];
        double[] y = new double[x.Length];
        VectorMath.Acos(x, y);
        for (int i = 0; i < 1001; i++)
            Assert.That(AcosKernelTests.UlpDistance(y[i], Math.Acos(x[i])), Is.LessThanOrEqualTo(1), $"x = {x[i]:R}");
        Assert.That(double.IsNaN(y[1001]) && double.IsNaN(y[1002]));
        Assert.That(y[1003], Is.EqualTo(Math.PI / 2));

        float[] xf = [.. x.Select(v => (float)v)];
        float[] yf = new float[xf.Length];
        VectorMath.Acos(xf, yf);
        for (int i = 0; i < 1001; i++)
            Assert.That(AcosKernelTests.UlpDistance(yf[i], (float)Math.Acos(xf[i])), Is.LessThanOrEqualTo(1), $"x = {xf[i]:R}");
        Assert.That(float.IsNaN(yf[1001]) && float.IsNaN(yf[1002]));
    }

    [Test]
    public void Acos_throws_when_the_destination_is_shorter()
    {
        Assert.Throws<ArgumentException>(() => VectorMath.Acos(new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => VectorMath.Acos(new float[5], new float[4]));
    }

    [Test]
    public void Tanh_matches_Math_Tanh_to_2_ulp_at_every_length_including_ragged_tails()
    {
        for (int n = 0; n <= 40; n++)
        {
            double[] x = [.. Enumerable.Range(0, n).Select(i => (i - 20) * 0.37)];
            double[] y = new double[n];
            VectorMath.Tanh(x, y);
            for (int i = 0; i < n; i++)
                Assert.That(AcosKernelTests.UlpDistance(y[i], Math.Tanh(x[i])), Is.LessThanOrEqualTo(2), $"n = {n}, x = {x[i]:R}");
        }
        Assert.Throws<ArgumentException>(() => VectorMath.Tanh(new double[5], new double[4]));
    }

    [Test]
    public void Dot_equals_a_hand_computed_value()
    {
        // 1·1 + 2·2 + … + 100·100 = 338350, exact in double and in float (every partial sum < 2^24).
        double[] a = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        float[] af = [.. a.Select(v => (float)v)];
        Assert.That(VectorMath.Dot(a, a), Is.EqualTo(338350.0));
        Assert.That(VectorMath.Dot(af, af), Is.EqualTo(338350f));
        Assert.Throws<ArgumentException>(() => VectorMath.Dot(new double[2], new double[3]));
    }
}
