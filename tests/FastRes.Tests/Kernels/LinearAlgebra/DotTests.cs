using System.Numerics;
using FastRes.Kernels.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.LinearAlgebra;

public class DotTests
{
    // Every length up to several Vector<double> widths (8 lanes at most), then lengths past the eigen solver's
    // switch to Dot.Lanewise (128) and a long one.
    private static IEnumerable<int> Lengths() => Enumerable.Range(0, 40).Concat([127, 128, 129, 131, 200, 1000]);

    private static (double[] X, double[] Y) Data(int n, int seed)
    {
        var rng = new Random(seed);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Mixed signs and four decades of magnitude, so the orders round differently.
            x[i] = (rng.Next(2) == 0 ? -1 : 1) * Math.Pow(10, 4 * rng.NextDouble() - 2);
            y[i] = rng.NextDouble() - 0.5;
        }
        return (x, y);
    }

    [Test]
    public void Sequential_is_the_left_to_right_sum_to_the_bit([ValueSource(nameof(Lengths))] int n)
    {
        var (x, y) = Data(n, n);
        double expected = 0;
        for (int i = 0; i < n; i++) expected += x[i] * y[i];
        Assert.That(BitConverter.DoubleToInt64Bits(Dot.Sequential(x, y)), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
    }

    [Test]
    public void FourPartial_is_four_residue_class_sums_with_the_tail_in_the_first_to_the_bit([ValueSource(nameof(Lengths))] int n)
    {
        var (x, y) = Data(n, 100 + n);
        int whole = n - n % 4;
        var s = new double[4];
        for (int r = 0; r < 4; r++)
            for (int i = r; i < whole; i += 4) s[r] += x[i] * y[i];
        for (int i = whole; i < n; i++) s[0] += x[i] * y[i];
        double expected = (s[0] + s[1]) + (s[2] + s[3]);
        Assert.That(BitConverter.DoubleToInt64Bits(Dot.FourPartial(x, y)), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
    }

    [Test]
    public void Lanewise_is_per_lane_sums_folded_by_Vector_Sum_then_the_tail_to_the_bit([ValueSource(nameof(Lengths))] int n)
    {
        var (x, y) = Data(n, 200 + n);
        double expected;
        if (!Vector.IsHardwareAccelerated)
        {
            expected = Dot.Sequential(x, y);
        }
        else
        {
            int w = Vector<double>.Count, whole = n - n % w;
            var lanes = new double[w];
            for (int j = 0; j < w; j++)
                for (int i = j; i < whole; i += w) lanes[j] += x[i] * y[i];
            expected = Vector.Sum(new Vector<double>(lanes));
            for (int i = whole; i < n; i++) expected += x[i] * y[i];
        }
        Assert.That(BitConverter.DoubleToInt64Bits(Dot.Lanewise(x, y)), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)));
    }

    [Test]
    public void Every_contract_is_within_gamma_n_of_the_exact_dot_product([ValueSource(nameof(Lengths))] int n)
    {
        var (x, y) = Data(n, 300 + n);
        double exact = ExactDot.Of(x, y), bound = ExactDot.Gamma(n) * ExactDot.Magnitude(x, y);
        Assert.Multiple(() =>
        {
            Assert.That(Dot.Sequential(x, y), Is.EqualTo(exact).Within(bound), "Sequential");
            Assert.That(Dot.FourPartial(x, y), Is.EqualTo(exact).Within(bound), "FourPartial");
            Assert.That(Dot.Lanewise(x, y), Is.EqualTo(exact).Within(bound), "Lanewise");
        });
    }

    [Test]
    public void Exact_integer_sums_come_out_exact_under_every_order()
    {
        // Small integers: every partial sum is exact whatever the order, so all contracts must agree with Σ i² exactly.
        var x = Enumerable.Range(1, 300).Select(i => (double)i).ToArray();
        const double expected = 300.0 * 301 * 601 / 6;
        Assert.That(ExactDot.Of(x, x), Is.EqualTo(expected));
        Assert.That(Dot.Sequential(x, x), Is.EqualTo(expected));
        Assert.That(Dot.FourPartial(x, x), Is.EqualTo(expected));
        Assert.That(Dot.Lanewise(x, x), Is.EqualTo(expected));
    }

    [Test]
    public void The_orders_are_really_different()
    {
        // 1e16 + 1 rounds back to 1e16 (a tie, to even), so the left-to-right sum loses all three ones, while the
        // partial sums cancel 1e16 within one partial sum (lane 0) and keep them: the exact value is 3.
        double[] x = [1e16, 1, 1, 1, -1e16, 0, 0, 0];
        double[] ones = [1, 1, 1, 1, 1, 1, 1, 1];
        Assert.That(ExactDot.Of(x, ones), Is.EqualTo(3));
        Assert.That(Dot.Sequential(x, ones), Is.EqualTo(0));
        Assert.That(Dot.FourPartial(x, ones), Is.EqualTo(3));
        if (Vector.IsHardwareAccelerated && Vector<double>.Count == 4)
            Assert.That(Dot.Lanewise(x, ones), Is.EqualTo(3));
    }

    [Test]
    public void Empty_spans_give_zero_and_mismatched_lengths_throw()
    {
        Assert.That(Dot.Sequential([], []), Is.Zero);
        Assert.That(Dot.FourPartial([], []), Is.Zero);
        Assert.That(Dot.Lanewise([], []), Is.Zero);
        Assert.Throws<ArgumentException>(() => Dot.Sequential(new double[3], new double[4]));
        Assert.Throws<ArgumentException>(() => Dot.FourPartial(new double[5], new double[4]));
        Assert.Throws<ArgumentException>(() => Dot.Lanewise(new double[9], new double[8]));
    }
}
