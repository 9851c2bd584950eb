using FastRes.Kernels.Random;
using FastRes.Kernels.Simd;
using MathNet.Numerics.Distributions;
using NUnit.Framework;

namespace FastRes.Tests.Kernels;

/// <summary>
/// <see cref="PhiloxVector"/> at every width against the scalar Philox stream, plus the statistics of its output.
/// </summary>
public class PhiloxVectorTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    // (seed, trial, stream, firstBlock): zeros, small, seed ≥ 2^32, trial ≥ 2^32, everything maximal with the
    // block counter wrapping past 2^32 − 1 inside one bundle.
    private static readonly (ulong Seed, ulong Trial, uint Stream, uint FirstBlock)[] Keys =
    [
        (0, 0, 0, 0),
        (1, 7, 0, 3),
        (0x1_0000_0002, 3, 1, 0),
        (42, 0x1_2345_6789, 2, 17),
        (ulong.MaxValue, ulong.MaxValue, uint.MaxValue, uint.MaxValue - 5),
    ];

    /// <summary>Blocks per bundle at a width (one Philox block per 64-bit lane).</summary>
    private static int Blocks(SimdWidth width) => width switch
    {
        SimdWidth.V512 => 8,
        SimdWidth.V256 => 4,
        SimdWidth.V128 => 2,
        _ => 1,
    };

    private static uint[] ReferenceWords(ulong seed, ulong trial, uint stream, uint firstBlock, int count)
    {
        var words = new uint[count + 3];
        for (int b = 0; 4 * b < count; b++)
        {
            Philox4x32.Block((uint)trial, (uint)(trial >> 32), stream, unchecked(firstBlock + (uint)b), (uint)seed, (uint)(seed >> 32),
                             out words[4 * b], out words[4 * b + 1], out words[4 * b + 2], out words[4 * b + 3]);
        }
        return words[..count];
    }

    private static double[] ReferenceUniforms(ulong seed, ulong trial, uint stream, uint firstBlock, int count)
    {
        uint[] w = ReferenceWords(seed, trial, stream, firstBlock, 2 * count);
        return Enumerable.Range(0, count).Select(i => Philox4x32.ToUniformDouble(w[2 * i], w[2 * i + 1])).ToArray();
    }

    /// <summary>The scalar stream's normals (Math.Log, Math.SinCos) from block firstBlock on.</summary>
    private static double[] ReferenceNormals(ulong seed, ulong trial, uint stream, uint firstBlock, int count)
    {
        double[] u = ReferenceUniforms(seed, trial, stream, firstBlock, count + 1);
        var z = new double[count];
        for (int i = 0; i < count; i++)
        {
            int pair = i & ~1;
            double r = Math.Sqrt(-2.0 * Math.Log(u[pair]));
            double angle = 2.0 * Math.PI * u[pair + 1];
            z[i] = r * ((i & 1) == 0 ? Math.Cos(angle) : Math.Sin(angle));
        }
        return z;
    }

    /// <summary>The documented float sequence, evaluated with libm in double and rounded once.</summary>
    private static float[] ReferenceFloatNormals(ulong seed, ulong trial, uint stream, uint firstBlock, int count)
    {
        uint[] w = ReferenceWords(seed, trial, stream, firstBlock, count + 1);
        var z = new float[count];
        for (int i = 0; i < count; i++)
        {
            int pair = i & ~1;
            double u1 = (w[pair] + 0.5) * Math.ScaleB(1.0, -32), u2 = (w[pair + 1] + 0.5) * Math.ScaleB(1.0, -32);
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            z[i] = (float)(r * ((i & 1) == 0 ? Math.Cos(2.0 * Math.PI * u2) : Math.Sin(2.0 * Math.PI * u2)));
        }
        return z;
    }

    private static long UlpDistance(double a, double b) =>
        Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    [Test]
    public void ScalarStreamAgreesWithTheBlockReference()
    {
        // Ties the block-level references below to PhiloxStream itself (firstBlock = 0, no skipping needed).
        var s = new PhiloxStream(0x1_0000_0002, 0x1_2345_6789, 3);
        uint[] words = ReferenceWords(0x1_0000_0002, 0x1_2345_6789, 3, 0, 64);
        Assert.That(Enumerable.Range(0, 64).Select(_ => s.NextUInt32()).ToArray(), Is.EqualTo(words));

        var n = new PhiloxStream(9, 1UL << 40, 1);
        double[] normals = ReferenceNormals(9, 1UL << 40, 1, 0, 64);
        Assert.That(Enumerable.Range(0, 64).Select(_ => n.NextNormal()).ToArray(), Is.EqualTo(normals));
    }

    [Test]
    public void FillUInt32_IsTheScalarWordSequenceAtEveryWidthAndLength([ValueSource(nameof(Widths))] SimdWidth width)
    {
        int maxLength = 8 * 4 * Blocks(width) + 3;
        foreach (var (seed, trial, stream, firstBlock) in Keys)
        {
            uint[] expected = ReferenceWords(seed, trial, stream, firstBlock, maxLength);
            for (int length = 0; length <= maxLength; length++)
            {
                var actual = new uint[length + 1];
                actual[length] = 0xDEADBEEF; // a guard: nothing past the span may be written
                PhiloxVector.FillUInt32(seed, trial, stream, firstBlock, actual.AsSpan(0, length), width);
                Assert.That(actual[..length], Is.EqualTo(expected[..length]), $"key ({seed}, {trial}, {stream}, {firstBlock}), length {length}");
                Assert.That(actual[length], Is.EqualTo(0xDEADBEEF));
            }
        }
    }

    [Test]
    public void FillUInt32_LongRunsMatch([ValueSource(nameof(Widths))] SimdWidth width)
    {
        // Long enough that some word pairs look like NaN doubles while they pass through the interleave.
        const int length = 1 << 14;
        var actual = new uint[length];
        PhiloxVector.FillUInt32(11, 12, 13, 14, actual, width);
        Assert.That(actual, Is.EqualTo(ReferenceWords(11, 12, 13, 14, length)));
    }

    [Test]
    public void FillUniform_IsTheScalarUniformSequenceAtEveryWidthAndLength([ValueSource(nameof(Widths))] SimdWidth width)
    {
        int maxLength = 8 * 2 * Blocks(width) + 3;
        foreach (var (seed, trial, stream, firstBlock) in Keys)
        {
            double[] expected = ReferenceUniforms(seed, trial, stream, firstBlock, maxLength);
            for (int length = 0; length <= maxLength; length++)
            {
                var actual = new double[length + 1];
                actual[length] = -1;
                PhiloxVector.FillUniform(seed, trial, stream, firstBlock, actual.AsSpan(0, length), width);
                Assert.That(actual[..length], Is.EqualTo(expected[..length]), $"key ({seed}, {trial}, {stream}, {firstBlock}), length {length}");
                Assert.That(actual[length], Is.EqualTo(-1));
            }
        }
    }

    [Test]
    public void FillUniform_EqualsPhiloxStreamNextUniform([ValueSource(nameof(Widths))] SimdWidth width)
    {
        var stream = new PhiloxStream(3, 1UL << 33, 4);
        double[] expected = Enumerable.Range(0, 1001).Select(_ => stream.NextUniform()).ToArray();
        var actual = new double[1001];
        PhiloxVector.FillUniform(3, 1UL << 33, 4, 0, actual, width);
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void FillNormal_IsBitIdenticalAtEveryWidthAndLength([ValueSource(nameof(Widths))] SimdWidth width)
    {
        // The scalar width runs the same lane code; SPEC §1.3 needs results independent of SIMD width.
        int maxLength = 8 * 2 * Blocks(width) + 3;
        foreach (var (seed, trial, stream, firstBlock) in Keys)
        {
            var expected = new double[maxLength];
            PhiloxVector.FillNormal(seed, trial, stream, firstBlock, expected, SimdWidth.Scalar);
            var expectedFloat = new float[maxLength];
            PhiloxVector.FillNormal(seed, trial, stream, firstBlock, expectedFloat, SimdWidth.Scalar);
            for (int length = 0; length <= maxLength; length++)
            {
                var actual = new double[length + 1];
                actual[length] = -99;
                PhiloxVector.FillNormal(seed, trial, stream, firstBlock, actual.AsSpan(0, length), width);
                Assert.That(actual[..length], Is.EqualTo(expected[..length]), $"double, length {length}");
                Assert.That(actual[length], Is.EqualTo(-99));

                var actualFloat = new float[length + 1];
                actualFloat[length] = -99;
                PhiloxVector.FillNormal(seed, trial, stream, firstBlock, actualFloat.AsSpan(0, length), width);
                Assert.That(actualFloat[..length], Is.EqualTo(expectedFloat[..length]), $"float, length {length}");
                Assert.That(actualFloat[length], Is.EqualTo(-99));
            }
        }
    }

    [Test]
    public void FillNormal_IsTheScalarStreamToAFewUlp()
    {
        const int length = 1 << 18;
        var actual = new double[length];
        long worstUlp = 0;
        double worstAbs = 0, worstAbsLarge = 0;
        foreach (var (seed, trial, stream, firstBlock) in Keys)
        {
            double[] expected = ReferenceNormals(seed, trial, stream, firstBlock, length);
            PhiloxVector.FillNormal(seed, trial, stream, firstBlock, actual);
            for (int i = 0; i < length; i++)
            {
                double abs = Math.Abs(actual[i] - expected[i]);
                worstAbs = Math.Max(worstAbs, abs);
                if (Math.Abs(expected[i]) > 1e-3)
                {
                    worstUlp = Math.Max(worstUlp, UlpDistance(actual[i], expected[i]));
                    worstAbsLarge = Math.Max(worstAbsLarge, abs / Math.Abs(expected[i]));
                }
            }
        }
        TestContext.Out.WriteLine($"vector vs scalar normals over {Keys.Length} × 2^18: max {worstUlp} ulp where |z| > 1e-3, " +
                                  $"max relative {worstAbsLarge:E2} there, max absolute {worstAbs:E2} overall");
        Assert.That(worstUlp, Is.LessThanOrEqualTo(4));
        Assert.That(worstAbs, Is.LessThanOrEqualTo(4e-15)); // measured 8.9e-16 (1 ulp at |z| ∈ [4, 8)); 4× margin for other libms
    }

    [Test]
    public void FillNormal_Float_IsTheDocumentedSequenceToOneFloatUlp()
    {
        const int length = 1 << 16;
        var actual = new float[length];
        int worstUlp = 0;
        foreach (var (seed, trial, stream, firstBlock) in Keys)
        {
            float[] expected = ReferenceFloatNormals(seed, trial, stream, firstBlock, length);
            PhiloxVector.FillNormal(seed, trial, stream, firstBlock, actual);
            for (int i = 0; i < length; i++)
            {
                if (Math.Abs(expected[i]) < 1e-6f)
                {
                    // Next to a zero of cos/sin both are exact functions of slightly different reduced angles.
                    Assert.That(Math.Abs(actual[i] - expected[i]), Is.LessThanOrEqualTo(1e-14), $"index {i}");
                    continue;
                }
                int ulp = Math.Abs(BitConverter.SingleToInt32Bits(actual[i]) - BitConverter.SingleToInt32Bits(expected[i]));
                worstUlp = Math.Max(worstUlp, ulp);
            }
        }
        TestContext.Out.WriteLine($"float normals vs libm-in-double rounded to float: max {worstUlp} float ulp");
        Assert.That(worstUlp, Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void BoxMullerLog_IsWithinOneUlpOfMathLog()
    {
        var rng = new PhiloxStream(1, 2, 3);
        long worst = 0;
        double[] special = [Math.ScaleB(1.0, -54), Math.ScaleB(1.0, -33), Philox4x32.LargestUniform, 1.0, 0.5,
                            Math.Sqrt(0.5), Math.BitDecrement(Math.Sqrt(0.5)), Math.BitIncrement(Math.Sqrt(0.5)),
                            Math.Sqrt(2.0), 0.999, 1e-300, 2.0, 1e300];
        foreach (double x in special.Concat(Enumerable.Range(0, 1 << 16).Select(_ => rng.NextUniform()))
                                    // the whole normal range (subnormals are outside the documented domain)
                                    .Concat(Enumerable.Range(0, 1 << 12).Select(_ => Math.Exp(-708 * rng.NextUniform()))))
        {
            long ulp = UlpDistance(BoxMullerMath.Log(x), Math.Log(x));
            Assert.That(ulp, Is.LessThanOrEqualTo(1), $"log({x:R})");
            worst = Math.Max(worst, ulp);
        }
        Assert.That(BoxMullerMath.Log(1.0), Is.EqualTo(0.0));
        TestContext.Out.WriteLine($"log: max {worst} ulp");
    }

    [Test]
    public void BoxMullerSinCos_IsWithinTwoUlpOfMathSinCos()
    {
        var rng = new PhiloxStream(4, 5, 6);
        var arguments = new List<double> { 0, Math.ScaleB(1.0, -30), 2 * Math.PI, Math.PI / 4, Math.BitIncrement(Math.PI / 4) };
        for (int k = 1; k <= 4; k++)
        {
            double x = k * (Math.PI / 2);
            for (int step = -3; step <= 3; step++) arguments.Add(x + step * Math.ScaleB(Math.PI, -52));
            arguments.Add(Math.BitDecrement(x));
            arguments.Add(Math.BitIncrement(x));
        }
        for (int i = 0; i < 1 << 16; i++) arguments.Add(2.0 * Math.PI * rng.NextUniform());
        long worst = 0;
        foreach (double x in arguments)
        {
            (double sin, double cos) = BoxMullerMath.SinCos(x);
            (double expectedSin, double expectedCos) = Math.SinCos(x);
            foreach (var (actual, expected, name) in new[] { (sin, expectedSin, "sin"), (cos, expectedCos, "cos") })
            {
                long ulp = UlpDistance(actual, expected);
                Assert.That(ulp <= 2 || Math.Abs(actual - expected) <= Math.ScaleB(1.0, -60), $"{name}({x:R}) = {actual:R}, libm {expected:R}");
                if (Math.Abs(expected) > 1e-3) worst = Math.Max(worst, ulp);
            }
        }
        TestContext.Out.WriteLine($"sin/cos: max {worst} ulp where |value| > 1e-3");
    }

    // ---- statistics (Auto width: the widest accelerated path, or scalar with DOTNET_EnableHWIntrinsic=0) ----

    private const int StatN = 1 << 18;

    /// <summary>Asymptotic Kolmogorov critical value at α = 0.001 with Stephens' finite-n correction.</summary>
    private static double KsCritical(int n) => Math.Sqrt(-0.5 * Math.Log(0.001 / 2)) / (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n));

    private static double KsStatistic(double[] sample, Func<double, double> cdf)
    {
        double[] sorted = (double[])sample.Clone();
        Array.Sort(sorted);
        double d = 0, n = sorted.Length;
        for (int i = 0; i < sorted.Length; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max((i + 1) / n - f, f - i / n));
        }
        return d;
    }

    private static (double Mean, double Variance) Moments(IReadOnlyList<double> x)
    {
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
        return (mean, variance);
    }

    private static double Correlation(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Count; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }

    [Test]
    public void Normals_HaveStandardNormalMomentsAndDistribution()
    {
        var z = new double[StatN];
        PhiloxVector.FillNormal(2024, 1, 0, 0, z);
        var (mean, variance) = Moments(z);
        Assert.That(Math.Abs(mean), Is.LessThan(5 / Math.Sqrt(StatN)), "mean");
        Assert.That(Math.Abs(variance - 1), Is.LessThan(5 * Math.Sqrt(2.0 / StatN)), "variance");
        double d = KsStatistic(z, x => Normal.CDF(0, 1, x));
        TestContext.Out.WriteLine($"normal KS D = {d:E3}, critical {KsCritical(StatN):E3}");
        Assert.That(d, Is.LessThan(KsCritical(StatN)));
    }

    [Test]
    public void FloatNormals_HaveStandardNormalMomentsAndDistribution()
    {
        var f = new float[StatN];
        PhiloxVector.FillNormal(2024, 2, 0, 0, f);
        double[] z = Array.ConvertAll(f, v => (double)v);
        var (mean, variance) = Moments(z);
        Assert.That(Math.Abs(mean), Is.LessThan(5 / Math.Sqrt(StatN)), "mean");
        Assert.That(Math.Abs(variance - 1), Is.LessThan(5 * Math.Sqrt(2.0 / StatN)), "variance");
        Assert.That(KsStatistic(z, x => Normal.CDF(0, 1, x)), Is.LessThan(KsCritical(StatN)));
    }

    [Test]
    public void Uniforms_AreUniformOnTheOpenUnitInterval()
    {
        var u = new double[StatN];
        PhiloxVector.FillUniform(2024, 3, 0, 0, u);
        Assert.That(u.Min(), Is.GreaterThan(0.0));
        Assert.That(u.Max(), Is.LessThan(1.0));
        var (mean, variance) = Moments(u);
        Assert.That(Math.Abs(mean - 0.5), Is.LessThan(5 * Math.Sqrt(1.0 / 12 / StatN)), "mean");
        Assert.That(Math.Abs(variance - 1.0 / 12), Is.LessThan(5 * Math.Sqrt(1.0 / 180 / StatN)), "variance"); // Var(s²) = μ4 − σ⁴ over n for U(0,1)
        Assert.That(KsStatistic(u, x => x), Is.LessThan(KsCritical(StatN)));
    }

    [Test]
    public void StreamsTrialsSeedsAndPairHalvesAreUncorrelated()
    {
        const int n = 1 << 16;
        double bound = 5 / Math.Sqrt(n);
        double[] Normals(ulong seed, ulong trial, uint stream)
        {
            var z = new double[n];
            PhiloxVector.FillNormal(seed, trial, stream, 0, z);
            return z;
        }
        double[] baseline = Normals(77, 1000, 0);
        Assert.Multiple(() =>
        {
            Assert.That(Math.Abs(Correlation(baseline, Normals(77, 1000, 1))), Is.LessThan(bound), "adjacent stream");
            Assert.That(Math.Abs(Correlation(baseline, Normals(77, 1001, 0))), Is.LessThan(bound), "adjacent trial");
            Assert.That(Math.Abs(Correlation(baseline, Normals(77, 1000 + (1UL << 32), 0))), Is.LessThan(bound), "trial + 2^32");
            Assert.That(Math.Abs(Correlation(baseline, Normals(78, 1000, 0))), Is.LessThan(bound), "adjacent seed");
            Assert.That(Math.Abs(Correlation(baseline, Normals(77 + (1UL << 32), 1000, 0))), Is.LessThan(bound), "seed + 2^32");
            // The cos and sin halves of each Box–Muller pair, and consecutive pairs.
            double[] even = baseline.Where((_, i) => i % 2 == 0).ToArray(), odd = baseline.Where((_, i) => i % 2 == 1).ToArray();
            Assert.That(Math.Abs(Correlation(even, odd)), Is.LessThan(5 / Math.Sqrt(n / 2)), "cos vs sin half");
            Assert.That(Math.Abs(Correlation(baseline[..^2], baseline[2..])), Is.LessThan(bound), "lag 2 (next pair)");
            // Squares catch a shared radius that linear correlation would miss.
            Assert.That(Math.Abs(Correlation(even.Select(v => v * v).ToArray(), odd.Select(v => v * v).ToArray())),
                        Is.LessThan(5 / Math.Sqrt(n / 2)), "cos² vs sin²");
        });
    }

    [Test]
    public void FillNormal_DoesNotAllocate()
    {
        var z = new double[4096];
        var f = new float[4096];
        PhiloxVector.FillNormal(1, 2, 3, 0, z); // first calls: JIT and any one-time set-up
        PhiloxVector.FillNormal(1, 2, 3, 0, f);
        long before = GC.GetAllocatedBytesForCurrentThread();
        PhiloxVector.FillNormal(1, 2, 3, 0, z);
        PhiloxVector.FillNormal(1, 2, 3, 0, f);
        PhiloxVector.FillNormal(1, 2, 3, 5, z.AsSpan(0, 4093)); // the cut-tail path too
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(after - before, Is.EqualTo(0));
    }
}
