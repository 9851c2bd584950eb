using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Maths;

public class TanhKernelTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    [Test]
    public void Is_within_2_ulp_of_Math_Tanh_at_every_width([ValueSource(nameof(Widths))] SimdWidth width)
    {
        double[] x = Grid(1 << 16);
        double[] y = Evaluate(width, x);
        long maxUlp = 0;
        double worstX = double.NaN;
        for (int i = 0; i < x.Length; i++)
        {
            long ulp = AcosKernelTests.UlpDistance(y[i], Math.Tanh(x[i]));
            if (ulp > maxUlp) { maxUlp = ulp; worstX = x[i]; }
        }
        TestContext.Out.WriteLine($"tanh, {SimdWidths.Describe(width)}: max error {maxUlp} ulp vs Math.Tanh over {x.Length} points (worst x = {worstX:R})");
        Assert.That(maxUlp, Is.LessThanOrEqualTo(2), $"worst at x = {worstX:R}");
    }

    [Test]
    public void Every_width_gives_the_same_bits()
    {
        double[] x = Grid(1 << 14);
        double[] scalar = Evaluate(SimdWidth.Scalar, x);
        foreach (var width in Widths)
            Assert.That(Evaluate(width, x), Is.EqualTo(scalar), SimdWidths.Describe(width));
    }

    [TestCase(0.0, 0.0)]
    [TestCase(-0.0, -0.0)]
    [TestCase(double.PositiveInfinity, 1.0)]
    [TestCase(double.NegativeInfinity, -1.0)]
    [TestCase(30.0, 1.0)]
    [TestCase(-1e300, -1.0)]
    [TestCase(5e-324, 5e-324)]
    [TestCase(-1e-200, -1e-200)]
    public void Special_values(double x, double expected)
    {
        double y = Evaluate(SimdWidth.Scalar, [x])[0];
        Assert.That(BitConverter.DoubleToInt64Bits(y), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected)), $"tanh({x:R}) = {y:R}");
    }

    [Test]
    public void NaN_stays_NaN() => Assert.That(Evaluate(SimdWidth.V256, [double.NaN, 1, 2, 3])[0], Is.NaN);

    /// <summary>Log-spaced magnitudes from subnormal to beyond saturation, both signs, plus the branch edges.</summary>
    private static double[] Grid(int n)
    {
        var x = new List<double>(n + 16);
        var rng = new System.Random(7);
        for (int i = 0; i < n; i++)
        {
            double magnitude = Math.Exp(Math.Log(1e-300) + rng.NextDouble() * (Math.Log(40.0) - Math.Log(1e-300)));
            if (i % 2 == 0) magnitude = rng.NextDouble() * 3.0; // the range a network's pre-activations live in
            x.Add(i % 4 < 2 ? magnitude : -magnitude);
        }
        foreach (double edge in new[] { 0.625, 22.0, 19.06, 1e-8 })
            x.AddRange([edge, Math.BitDecrement(edge), Math.BitIncrement(edge), -edge]);
        return [.. x];
    }

    private static double[] Evaluate(SimdWidth width, double[] x)
    {
        var y = new double[x.Length];
        var job = new Job(x, y);
        SimdDispatch.Run<Job, double>(width, ref job);
        return y;
    }

    private readonly struct Job(double[] x, double[] y) : ISimdJob<double>
    {
        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
        {
            int w = TLanes.Count;
            var lane = new double[w];
            for (int i = 0; i < x.Length; i += w)
            {
                int count = Math.Min(w, x.Length - i);
                Array.Fill(lane, 0.5);
                Array.Copy(x, i, lane, 0, count);
                TLanes.Store(TanhKernel.Tanh<TLanes, TVec>(TLanes.Load(in lane[0])), ref lane[0]);
                Array.Copy(lane, 0, y, i, count);
            }
        }
    }
}
