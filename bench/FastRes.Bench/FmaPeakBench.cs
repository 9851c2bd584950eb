using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastRes.Experiments;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Simd;

namespace FastRes.Bench;

/// <summary>
/// One core's FMA peak per width and precision (the denominator of every "fraction of peak"). A width the
/// machine does not accelerate runs the software fallback and says so by its rate.
/// </summary>
[Config(typeof(Config))]
public class FmaPeakBench
{
    /// <summary>Loop iterations per invocation: a few ms at full speed.</summary>
    public const long Iterations = 1 << 20;

    [Params(SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512)]
    public SimdWidth Simd { get; set; }

    [Params(Precision.Double, Precision.Float)]
    public Precision Precision { get; set; }

    private double[] _double = [];
    private float[] _float = [];

    [GlobalSetup]
    public void Setup()
    {
        _double = new double[FmaPeak.StateLength<double>(Simd)];
        _float = new float[FmaPeak.StateLength<float>(Simd)];
    }

    [Benchmark]
    public long Run() => Precision == Precision.Double
        ? FmaPeak.Run(Simd, Iterations, _double.AsSpan())
        : FmaPeak.Run(Simd, Iterations, _float.AsSpan());

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("flop/s", "Floating-point operations per second (an FMA counts 2)", c =>
        {
            var simd = (SimdWidth)c.Parameters["Simd"]!;
            var precision = (Precision)c.Parameters["Precision"]!;
            long perIteration = precision == Precision.Double
                ? FmaPeak.FlopsPerIteration<double>(simd)
                : FmaPeak.FlopsPerIteration<float>(simd);
            return (double)perIteration * Iterations;
        }));
    }
}
