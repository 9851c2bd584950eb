using System.Numerics;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Operators;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Operators;

public class AggregationDriverTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512, SimdWidth.Auto];

    [Test]
    public void Dot_matches_the_sequential_sum_for_every_length_double([ValueSource(nameof(Widths))] SimdWidth width)
        => SweepLengths<double>(width, Math.ScaleB(1.0, -52));

    [Test]
    public void Dot_matches_the_sequential_sum_for_every_length_float([ValueSource(nameof(Widths))] SimdWidth width)
        => SweepLengths<float>(width, Math.ScaleB(1.0, -23));

    /// <summary>
    /// Every length 0..8w+3 against a sequential sum in double. A reordered sum of n products is off by at most
    /// about n·eps·Σ|x_i y_i|; every |x_i y_i| here is at least 1/16, so an element dropped or counted twice in
    /// the tail (or a mask off by one lane) misses the tolerance by orders of magnitude.
    /// </summary>
    private static void SweepLengths<T>(SimdWidth width, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = width switch { SimdWidth.V128 => Vector128<T>.Count, SimdWidth.V256 => Vector256<T>.Count, _ => Vector512<T>.Count };
        int maxLength = 8 * w + 3;
        var rng = new Random(11 + (int)width);
        T[] x = new T[maxLength], y = new T[maxLength];
        for (int i = 0; i < maxLength; i++)
        {
            x[i] = T.CreateTruncating((rng.Next(2) == 0 ? -1 : 1) * (0.25 + 0.75 * rng.NextDouble()));
            y[i] = T.CreateTruncating(0.25 + 0.75 * rng.NextDouble());
        }

        for (int n = 0; n <= maxLength; n++)
        {
            double reference = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                double p = double.CreateTruncating(x[i]) * double.CreateTruncating(y[i]);
                reference += p;
                magnitude += Math.Abs(p);
            }
            double dot = double.CreateTruncating(
                AggregationDriver.Aggregate<MultiplyOperator<T>, AddOperator<T>, T>(x.AsSpan(0, n), y.AsSpan(0, n), width));
            Assert.That(dot, Is.EqualTo(reference).Within(magnitude * Math.Max(n, 1) * eps), $"{width}, n = {n}");
        }
    }

    [Test]
    public void Dot_of_empty_spans_is_zero_and_mismatched_lengths_throw()
    {
        Assert.That(AggregationDriver.Aggregate<MultiplyOperator<double>, AddOperator<double>, double>([], []), Is.Zero);
        Assert.Throws<ArgumentException>(() =>
            AggregationDriver.Aggregate<MultiplyOperator<double>, AddOperator<double>, double>(new double[3], new double[4]));
    }

    [Test]
    public void Dot_propagates_NaN_from_any_position_and_sums_small_integers_exactly([ValueSource(nameof(Widths))] SimdWidth width)
    {
        // A NaN anywhere (main loop, single-vector loop, tail lane) must reach the result; sums of small integers
        // are exact in any order, so the driver must return them exactly.
        const int n = 37;
        for (int at = 0; at < n; at++)
        {
            double[] x = Enumerable.Repeat(1.0, n).ToArray(), y = Enumerable.Repeat(2.0, n).ToArray();
            x[at] = double.NaN;
            Assert.That(double.IsNaN(AggregationDriver.Aggregate<MultiplyOperator<double>, AddOperator<double>, double>(x, y, width)),
                $"{width}: NaN at {at} lost");
            Assert.That(AggregationDriver.Aggregate<MultiplyOperator<double>, AddOperator<double>, double>(x.AsSpan(at + 1), y.AsSpan(at + 1), width),
                Is.EqualTo(2.0 * (n - at - 1)), $"{width}: sum after the NaN");
        }
    }
}
