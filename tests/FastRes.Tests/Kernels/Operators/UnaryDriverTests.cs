using System.Numerics;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Operators;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Operators;

public class UnaryDriverTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512, SimdWidth.Auto];

    private static int Lanes<T>(SimdWidth width) => width switch
    {
        SimdWidth.V128 => Vector128<T>.Count,
        SimdWidth.V256 => Vector256<T>.Count,
        SimdWidth.V512 => Vector512<T>.Count,
        _ => Vector512<T>.Count, // scalar / auto: sweep as far as the widest vector would need
    };

    [Test]
    public void Acos_matches_scalar_Invoke_for_every_length_double([ValueSource(nameof(Widths))] SimdWidth width)
        => SweepLengths<double>(width);

    [Test]
    public void Acos_matches_scalar_Invoke_for_every_length_float([ValueSource(nameof(Widths))] SimdWidth width)
        => SweepLengths<float>(width);

    /// <summary>
    /// Every length 0..8w+3 (the 4-vector loop, the 1-vector loop, the overlapping tail and the scalar short
    /// path), inputs including NaN, ±∞ and out-of-range values: each y[i] must be bit-for-bit the scalar
    /// Invoke(x[i]) (all widths compute identical lanes), and nothing past x.Length may be written.
    /// </summary>
    private static void SweepLengths<T>(SimdWidth width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int maxLength = 8 * Lanes<T>(width) + 3;
        T[] source = Inputs<T>(maxLength, seed: 7 + (int)width);
        T sentinel = T.CreateTruncating(42.0); // acos never returns it
        for (int n = 0; n <= maxLength; n++)
        {
            T[] y = Enumerable.Repeat(sentinel, n + 5).ToArray();
            UnaryDriver.Invoke<AcosOperator<T>, T>(source.AsSpan(0, n), y, width);
            for (int i = 0; i < n; i++)
                Assert.That(SameValue(y[i], AcosOperator<T>.Invoke(source[i])),
                    $"{width}, n = {n}, i = {i}: acos({source[i]}) = {y[i]}, scalar {AcosOperator<T>.Invoke(source[i])}");
            for (int i = n; i < y.Length; i++)
                Assert.That(y[i], Is.EqualTo(sentinel), $"{width}, n = {n}: wrote past the end at {i}");
        }
    }

    [Test]
    public void In_place_acos_equals_out_of_place([ValueSource(nameof(Widths))] SimdWidth width)
    {
        // The overlapping tail re-reads inputs the main loop has already overwritten unless it is computed first.
        int w = Lanes<double>(width);
        foreach (int n in new[] { w + 1, 4 * w + 3, 5 * w - 1 })
        {
            double[] x = Inputs<double>(n, seed: n);
            double[] expected = new double[n];
            UnaryDriver.Invoke<AcosOperator<double>, double>(x, expected, width);
            UnaryDriver.Invoke<AcosOperator<double>, double>(x, x, width);
            Assert.That(x, Is.EqualTo(expected).AsCollection, $"{width}, n = {n}");
        }
    }

    [Test]
    public void Rejects_a_short_destination_and_a_partly_overlapping_one()
    {
        double[] buffer = new double[40];
        Assert.Throws<ArgumentException>(() => UnaryDriver.Invoke<AcosOperator<double>, double>(new double[10], new double[9]));
        Assert.Throws<ArgumentException>(() => UnaryDriver.Invoke<AcosOperator<double>, double>(buffer.AsSpan(0, 20), buffer.AsSpan(1, 20)));
        Assert.DoesNotThrow(() => UnaryDriver.Invoke<AcosOperator<double>, double>(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20)));
        Assert.DoesNotThrow(() => UnaryDriver.Invoke<AcosOperator<double>, double>(new double[10], new double[11]));
    }

    /// <summary>Mostly [−1, 1], with special values sprinkled at positions that land in every loop part.</summary>
    internal static T[] Inputs<T>(int n, int seed) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        T[] specials = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.CreateTruncating(2.0), T.CreateTruncating(-1.5),
                        T.One, T.NegativeOne, T.Zero, T.NegativeZero, T.CreateTruncating(0.5), T.CreateTruncating(-0.5)];
        var x = new T[n];
        for (int i = 0; i < n; i++)
            x[i] = i % 5 == 3 ? specials[rng.Next(specials.Length)] : T.CreateTruncating(2 * rng.NextDouble() - 1);
        return x;
    }

    private static bool SameValue<T>(T a, T b) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => T.IsNaN(a) ? T.IsNaN(b) : a == b && T.IsNegative(a) == T.IsNegative(b);
}
