using FastRes.Kernels.Operators;

namespace FastRes.Kernels.Maths;

/// <summary>
/// Span-level vector math: each member is one driver call with its operator, so the hot loops live in
/// <see cref="UnaryDriver"/> and <see cref="AggregationDriver"/> only. Widest accelerated width, chosen at run time.
/// </summary>
public static class VectorMath
{
    /// <summary>y[i] = acos x[i] (≤ 1 ulp measured, NaN outside [−1, 1]); y may be x itself.</summary>
    /// <exception cref="ArgumentException">y is shorter than x, or x and y partly overlap.</exception>
    public static void Acos(ReadOnlySpan<double> x, Span<double> y) => UnaryDriver.Invoke<AcosOperator<double>, double>(x, y);

    /// <inheritdoc cref="Acos(ReadOnlySpan{double}, Span{double})"/>
    public static void Acos(ReadOnlySpan<float> x, Span<float> y) => UnaryDriver.Invoke<AcosOperator<float>, float>(x, y);

    /// <summary>Σ x[i]·y[i], summed in vector lanes (may differ from the sequential sum in the last bits).</summary>
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
        => AggregationDriver.Aggregate<MultiplyOperator<double>, AddOperator<double>, double>(x, y);

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        => AggregationDriver.Aggregate<MultiplyOperator<float>, AddOperator<float>, float>(x, y);
}
