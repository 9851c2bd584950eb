using System.Numerics;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;
using NUnit.Framework;

// Maths, not Math: see AcosKernel.cs (a Math namespace would shadow System.Math for sibling namespaces).
namespace FastRes.Tests.Kernels.Maths;

public class AcosKernelTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    // Vector512 runs in software where it is not accelerated (and everything does under
    // DOTNET_EnableHWIntrinsic=0): keep the grid small there so the class still takes seconds.
    private static int GridPoints => Vector512.IsHardwareAccelerated ? 1 << 20 : 1 << 16;

    [Test]
    public void Double_is_within_2_ulp_of_Math_Acos_at_every_width([ValueSource(nameof(Widths))] SimdWidth width)
    {
        double[] x = DoubleGrid(GridPoints);
        double[] y = Evaluate(width, x);

        long maxUlp = 0, differing = 0;
        double worstX = double.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            long ulp = UlpDistance(y[i], Math.Acos(x[i]));
            if (ulp != 0) differing++;
            if (ulp > maxUlp) { maxUlp = ulp; worstX = x[i]; }
        }
        TestContext.Out.WriteLine($"double acos, {SimdWidths.Describe(width)}: max error {maxUlp} ulp vs Math.Acos " +
                                  $"over {x.Length} points (worst x = {worstX:R}); {differing} results ({100.0 * differing / x.Length:F3}%) differ from it");
        Assert.That(maxUlp, Is.LessThanOrEqualTo(2), $"worst at x = {worstX:R}");
    }

    [Test]
    public void Float_is_within_2_ulp_of_the_rounded_double_acos_at_every_width([ValueSource(nameof(Widths))] SimdWidth width)
    {
        float[] x = FloatGrid(GridPoints);
        float[] y = Evaluate(width, x);

        long maxUlp = 0, differing = 0;
        float worstX = float.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            long ulp = UlpDistance(y[i], (float)Math.Acos(x[i]));
            if (ulp != 0) differing++;
            if (ulp > maxUlp) { maxUlp = ulp; worstX = x[i]; }
        }
        TestContext.Out.WriteLine($"float acos, {SimdWidths.Describe(width)}: max error {maxUlp} ulp vs (float)Math.Acos " +
                                  $"over {x.Length} points (worst x = {worstX:R}); {differing} results ({100.0 * differing / x.Length:F3}%) differ from it");
        Assert.That(maxUlp, Is.LessThanOrEqualTo(2), $"worst at x = {worstX:R}");
    }

    /// <summary>
    /// A finer measure than whole ulps for double: a sample of the grid (every one of its parts) against a
    /// 256-bit fixed-point oracle. The bound 1 ulp is what fdlibm's algorithm achieves (0.75 measured); dropping
    /// π/2's low part breaks it. (Without the FMA square-root correction the double sample still reads 0.94 ulp;
    /// the float test below is the one that catches that.)
    /// </summary>
    [Test]
    public void Double_error_in_fractional_ulps_is_below_one()
    {
        double[] grid = DoubleGrid(1 << 14);
        double[] x = [.. grid.Where((_, i) => i % 4 == 0 || i >= grid.Length - 600)];
        var exact = x.Select(ExactAcos.Of).ToArray();

        foreach (SimdWidth width in Widths)
        {
            double[] y = Evaluate(width, x);
            double maxUlp = 0;
            double worstX = double.NaN;
            for (int i = 0; i < x.Length; i++)
            {
                double ulp = Math.Abs(ExactAcos.UlpError(y[i], exact[i]));
                if (ulp > maxUlp) { maxUlp = ulp; worstX = x[i]; }
            }
            TestContext.Out.WriteLine($"double acos, {SimdWidths.Describe(width)}: max error {maxUlp:F3} ulp vs exact acos " +
                                      $"over {x.Length} points, worst x = {worstX:R}");
            Assert.That(maxUlp, Is.LessThan(1.0), $"{width}: worst at x = {worstX:R}");
        }
    }

    [Test]
    public void Exact_oracle_agrees_with_Math_Acos_to_half_an_ulp_plus_libm_slack()
    {
        // The oracle itself must be right: Math.Acos is within ~1 ulp everywhere, so disagreement beyond that
        // means a bug in ExactAcos, not in the kernel.
        foreach (double x in new[] { -1.0, -0.75, -0.5, -0.1, 0.0, 1e-300, 0.3, 0.5, 0.9, 1 - 1e-15, 1.0 })
            Assert.That(Math.Abs(ExactAcos.UlpError(Math.Acos(x), ExactAcos.Of(x))), Is.LessThanOrEqualTo(1.0), $"x = {x:R}");
        Assert.That(ExactAcos.ToDouble(ExactAcos.Of(-1.0)), Is.EqualTo(Math.PI));
    }

    /// <summary>
    /// A finer measure than whole ulps for float: Math.Acos in double is the true value to ~2^-29 float ulp, so
    /// |y − acos x| / ulp(acos x) is the float kernel's real error (rounding included). fdlibm's float algorithm
    /// with the FMA square-root correction stays below one ulp; losing π/2's low part or the correction
    /// pushes it past that.
    /// </summary>
    [Test]
    public void Float_error_in_fractional_ulps_is_below_one([ValueSource(nameof(Widths))] SimdWidth width)
    {
        float[] x = FloatGrid(GridPoints);
        float[] y = Evaluate(width, x);

        double maxUlp = 0;
        float worstX = float.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Acos(x[i]);
            double ulp = Math.Abs(y[i] - exact) / FloatUlp(exact);
            if (ulp > maxUlp) { maxUlp = ulp; worstX = x[i]; }
        }
        TestContext.Out.WriteLine($"float acos, {SimdWidths.Describe(width)}: max error {maxUlp:F3} ulp vs exact (double) acos, worst x = {worstX:R}");
        Assert.That(maxUlp, Is.LessThan(1.0), $"worst at x = {worstX:R}");
    }

    /// <summary>The spacing of floats at |v|: 2^(e − 23) for v in [2^e, 2^(e+1)).</summary>
    private static double FloatUlp(double v) => Math.ScaleB(1.0, Math.ILogB(Math.Max(Math.Abs(v), 1.17549435e-38)) - 23);

    [Test]
    public void Every_width_is_bit_identical_to_the_scalar_path([ValueSource(nameof(Widths))] SimdWidth width)
    {
        double[] xd = [.. DoubleGrid(1 << 14), .. DoubleSpecials()];
        float[] xf = [.. FloatGrid(1 << 14), .. FloatSpecials()];
        AssertSameBits(Evaluate(width, xd), Evaluate(SimdWidth.Scalar, xd), xd);
        AssertSameBits(Evaluate(width, xf), Evaluate(SimdWidth.Scalar, xf), xf);
    }

    [Test]
    public void Special_values_at_every_width([ValueSource(nameof(Widths))] SimdWidth width)
    {
        double[] xd = [1.0, -1.0, 0.0, -0.0, 2.0, -2.0, Math.BitIncrement(1.0), Math.BitDecrement(-1.0),
                       double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1e-300, -double.Epsilon];
        double[] yd = Evaluate(width, xd);
        Assert.That(BitConverter.DoubleToInt64Bits(yd[0]), Is.Zero, "acos(1) must be +0");
        Assert.That(yd[1], Is.EqualTo(Math.PI), "acos(-1) must be π exactly");
        Assert.That(yd[2], Is.EqualTo(Math.PI / 2), "acos(+0) must be π/2 correctly rounded");
        Assert.That(yd[3], Is.EqualTo(Math.PI / 2), "acos(-0) must be π/2 correctly rounded");
        for (int i = 4; i <= 10; i++)
            Assert.That(double.IsNaN(yd[i]), $"acos({xd[i]:R}) must be NaN, got {yd[i]:R}");
        Assert.That(yd[11], Is.EqualTo(Math.PI / 2));
        Assert.That(yd[12], Is.EqualTo(Math.PI / 2));

        float[] xf = [1f, -1f, 0f, -0f, 2f, -2f, MathF.BitIncrement(1f), MathF.BitDecrement(-1f),
                      float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-30f, -float.Epsilon];
        float[] yf = Evaluate(width, xf);
        Assert.That(BitConverter.SingleToInt32Bits(yf[0]), Is.Zero, "acosf(1) must be +0");
        Assert.That(yf[1], Is.EqualTo(MathF.PI), "acosf(-1) must be (float)π");
        Assert.That(yf[2], Is.EqualTo(MathF.PI / 2), "acosf(+0) must be π/2 correctly rounded");
        Assert.That(yf[3], Is.EqualTo(MathF.PI / 2), "acosf(-0) must be π/2 correctly rounded");
        for (int i = 4; i <= 10; i++)
            Assert.That(float.IsNaN(yf[i]), $"acosf({xf[i]:R}) must be NaN, got {yf[i]:R}");
        Assert.That(yf[11], Is.EqualTo(MathF.PI / 2));
        Assert.That(yf[12], Is.EqualTo(MathF.PI / 2));
    }

    // ---- grids -------------------------------------------------------------------------------------------

    /// <summary>
    /// A uniform grid of [−1, 1], plus log-uniform distances from ±1 (where acos' relative sensitivity is
    /// largest and the √ reduction works hardest), log-uniform magnitudes down to subnormals, points around
    /// the ±½ branch switch, and the specials.
    /// </summary>
    internal static double[] DoubleGrid(int n)
    {
        var rng = new Random(20260501);
        var xs = new List<double>(2 * n);
        for (int i = 0; i <= n; i++) xs.Add(-1.0 + 2.0 * i / n);
        for (int i = 0; i < n / 4; i++)
        {
            double sign = (i & 1) == 0 ? 1 : -1;
            xs.Add(sign * (1.0 - Math.Pow(2, -1 - 52 * rng.NextDouble())));
            xs.Add(sign * Math.Pow(2, -1 - 1073 * rng.NextDouble()));
        }
        foreach (double h in new[] { 0.5, -0.5 })
        {
            double lo = h, hi = h;
            for (int k = 0; k < 64; k++) { lo = Math.BitDecrement(lo); hi = Math.BitIncrement(hi); xs.Add(lo); xs.Add(hi); }
        }
        double a = 1.0, b = -1.0;
        for (int k = 0; k < 64; k++) { a = Math.BitDecrement(a); b = Math.BitIncrement(b); xs.Add(a); xs.Add(b); }
        xs.AddRange([1.0, -1.0, 0.0, -0.0, 0.5, -0.5, double.Epsilon, -double.Epsilon, 2.2250738585072014e-308,
                     -2.2250738585072014e-308, Math.Pow(2, -57), Math.Pow(2, -26), -Math.Pow(2, -26)]);
        return [.. xs];
    }

    internal static float[] FloatGrid(int n)
    {
        var rng = new Random(20260502);
        var xs = new List<float>(2 * n);
        for (int i = 0; i <= n; i++) xs.Add((float)(-1.0 + 2.0 * i / n));
        for (int i = 0; i < n / 4; i++)
        {
            float sign = (i & 1) == 0 ? 1 : -1;
            xs.Add(sign * (float)(1.0 - Math.Pow(2, -1 - 23 * rng.NextDouble())));
            xs.Add(sign * (float)Math.Pow(2, -1 - 148 * rng.NextDouble()));
            xs.Add((float)(2 * rng.NextDouble() - 1)); // off-grid points: the uniform grid alone hits few float mantissas
        }
        foreach (float h in new[] { 0.5f, -0.5f })
        {
            float lo = h, hi = h;
            for (int k = 0; k < 64; k++) { lo = MathF.BitDecrement(lo); hi = MathF.BitIncrement(hi); xs.Add(lo); xs.Add(hi); }
        }
        float a = 1f, b = -1f;
        for (int k = 0; k < 64; k++) { a = MathF.BitDecrement(a); b = MathF.BitIncrement(b); xs.Add(a); xs.Add(b); }
        xs.AddRange([1f, -1f, 0f, -0f, 0.5f, -0.5f, float.Epsilon, -float.Epsilon, 1.17549435e-38f, -1.17549435e-38f,
                     MathF.Pow(2, -26), -MathF.Pow(2, -26)]);
        return [.. xs];
    }

    internal static double[] DoubleSpecials() =>
        [double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 2.0, -2.0, 1e300, -1e300,
         Math.BitIncrement(1.0), Math.BitDecrement(-1.0), double.MaxValue, double.MinValue];

    internal static float[] FloatSpecials() =>
        [float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, 2f, -2f, 1e30f, -1e30f,
         MathF.BitIncrement(1f), MathF.BitDecrement(-1f), float.MaxValue, float.MinValue];

    // ---- helpers -----------------------------------------------------------------------------------------

    /// <summary>Distance in units in the last place between two non-negative finite results (bit patterns are
    /// ordered like the values there); NaN against anything non-NaN counts as infinitely far.</summary>
    internal static long UlpDistance(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b)) return double.IsNaN(a) && double.IsNaN(b) ? 0 : long.MaxValue;
        return Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));
    }

    internal static long UlpDistance(float a, float b)
    {
        if (float.IsNaN(a) || float.IsNaN(b)) return float.IsNaN(a) && float.IsNaN(b) ? 0 : long.MaxValue;
        return Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));
    }

    private static void AssertSameBits<T>(T[] actual, T[] expected, T[] x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            bool same = T.IsNaN(actual[i]) ? T.IsNaN(expected[i]) : BitsOf(actual[i]) == BitsOf(expected[i]);
            Assert.That(same, $"x = {x[i]}: {actual[i]} differs from the scalar path's {expected[i]}");
        }
    }

    private static long BitsOf<T>(T v) where T : unmanaged
        => typeof(T) == typeof(double) ? BitConverter.DoubleToInt64Bits((double)(object)v) : BitConverter.SingleToInt32Bits((float)(object)v);

    /// <summary>AcosKernel.Acos at one lane width over x (padded to a whole number of the widest vectors).</summary>
    internal static T[] Evaluate<T>(SimdWidth width, T[] x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int padded = (x.Length + 15) / 16 * 16;
        var xp = new T[padded];
        x.CopyTo(xp, 0);
        var yp = new T[padded];
        switch (width)
        {
            case SimdWidth.Scalar: Run<Lanes1<T>, T, T>(xp, yp); break;
            case SimdWidth.V128: Run<Lanes128<T>, Vector128<T>, T>(xp, yp); break;
            case SimdWidth.V256: Run<Lanes256<T>, Vector256<T>, T>(xp, yp); break;
            case SimdWidth.V512: Run<Lanes512<T>, Vector512<T>, T>(xp, yp); break;
            default: throw new ArgumentOutOfRangeException(nameof(width));
        }
        return yp[..x.Length];
    }

    private static void Run<TL, TVec, T>(T[] x, T[] y)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i += TL.Count)
            TL.Store(AcosKernel.Acos<TL, TVec, T>(TL.Load(in x[i])), ref y[i]);
    }
}
