using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels;

public class StreamTriadTests
{
    // Every width, including the ones the machine only emulates: the arithmetic must be the same everywhere.
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512, SimdWidth.Auto];

    private static (double[] B, double[] C) Inputs(int n, int seed)
    {
        var rng = new System.Random(seed);
        // Values of mixed magnitude and sign, so that a fused multiply-add (one rounding) would differ from b + s·c in some element.
        double[] b = [.. Enumerable.Range(0, n).Select(_ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4)))];
        double[] c = [.. Enumerable.Range(0, n).Select(_ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-3, 4)))];
        return (b, c);
    }

    [TestCaseSource(nameof(Widths))]
    public void Every_length_equals_the_scalar_formula_bit_for_bit(SimdWidth width)
    {
        const double s = 3.0000000001; // not a power of two: s·c rounds
        // Lengths 0 to 4 vectors of 8 plus 5 cover the 4-vector loop, the 1-vector loop and every tail.
        for (int n = 0; n <= 4 * 8 * 2 + 5; n++)
        {
            var (b, c) = Inputs(n, n);
            var a = new double[n + 1];
            a[n] = 42; // past the end: must stay untouched
            StreamTriad.Run(a.AsSpan(0, n), b, c, s, width);
            for (int i = 0; i < n; i++)
                Assert.That(BitConverter.DoubleToInt64Bits(a[i]), Is.EqualTo(BitConverter.DoubleToInt64Bits(b[i] + s * c[i])), $"n = {n}, i = {i}");
            Assert.That(a[n], Is.EqualTo(42), $"n = {n}: wrote past the end");
        }
    }

    [Test]
    public void Is_not_a_fused_multiply_add()
    {
        // b + s·c with two roundings differs from fma(s, c, b) here: the claim that every width gives the formula's bits is a real one.
        var (b, c) = Inputs(4096, 7);
        var a = new double[4096];
        StreamTriad.Run(a, b, c, 3.0000000001, SimdWidth.Auto);
        Assert.That(Enumerable.Range(0, 4096).Count(i => a[i] != Math.FusedMultiplyAdd(3.0000000001, c[i], b[i])), Is.GreaterThan(0));
    }

    [TestCaseSource(nameof(Widths))]
    public void In_place_on_b_or_c_uses_each_input_before_it_is_overwritten(SimdWidth width)
    {
        const int n = 77;
        var (b, c) = Inputs(n, 3);
        double[] expected = [.. b.Zip(c, (x, y) => x + 2.5 * y)];
        var onB = (double[])b.Clone();
        StreamTriad.Run(onB, onB, c, 2.5, width);
        Assert.That(onB, Is.EqualTo(expected));
        var onC = (double[])c.Clone();
        StreamTriad.Run(onC, b, onC, 2.5, width);
        Assert.That(onC, Is.EqualTo(expected));
    }

    [Test]
    public void Shorter_inputs_are_refused()
    {
        Assert.Throws<ArgumentException>(() => StreamTriad.Run(new double[10], new double[9], new double[10], 1));
        Assert.Throws<ArgumentException>(() => StreamTriad.Run(new double[10], new double[10], new double[9], 1));
    }
}
