using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using FastRes.Kernels.Maths;

namespace FastRes.Bench;

/// <summary>
/// Our span kernels beside System.Numerics.Tensors' TensorPrimitives (11.0.0), one pair per function, at the sizes
/// they are called with (a layer's lanes, d·w = 80, and a long vector). Where TensorPrimitives wins and its results
/// are good enough it replaces ours; the figures are quoted at the spot that keeps ours.
/// </summary>
/// <remarks>
/// Exp has no pair: Kernels has no span Exp of its own (TanhKernel's e^y is private and range-limited). Sum's "ours"
/// is the sequential order every result-feeding sum in Kernels keeps (lane sums, thread partials): it is there to
/// say what the fixed order costs, not to be replaced.
/// </remarks>
[ShortRunJob]
public class TensorPrimitivesBench
{
    [Params(80, 4096)]
    public int Length { get; set; }

    private double[] _x = [], _y = [], _out = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _x = Enumerable.Range(0, Length).Select(_ => 4 * rng.NextDouble() - 2).ToArray();
        _y = Enumerable.Range(0, Length).Select(_ => rng.NextDouble()).ToArray();
        _out = new double[Length];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")]
    public void TanhMathPerElement()
    {
        for (int i = 0; i < _x.Length; i++) _out[i] = Math.Tanh(_x[i]);
    }

    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhOurs() => VectorMath.Tanh(_x, _out);

    [Benchmark, BenchmarkCategory("Tanh")]
    public void TanhTensorPrimitives() => TensorPrimitives.Tanh(_x, _out);

    [Benchmark, BenchmarkCategory("Dot")]
    public double DotOurs() => VectorMath.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Dot")]
    public double DotTensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    [Benchmark, BenchmarkCategory("Sum")]
    public double SumSequential()
    {
        double s = 0;
        foreach (double v in _x) s += v;
        return s;
    }

    [Benchmark, BenchmarkCategory("Sum")]
    public double SumTensorPrimitives() => TensorPrimitives.Sum(_x);
}
