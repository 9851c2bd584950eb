using System.Numerics;
using System.Runtime.InteropServices;

namespace FastRes.Kernels.LinearAlgebra;

/// <summary>
/// Σ x[i]·y[i] under a named summation order. Floating-point addition is not associative, so "the dot product" is
/// really a family: the order decides the last bits, and the bits decide whether an experiment's results.json is
/// reproducible. Each member states its order exactly and who relies on it; a caller that changes members changes
/// its results.
/// </summary>
/// <remarks>
/// <para>The contracts in the code base, and where each one lives:</para>
/// <list type="bullet">
/// <item><see cref="Sequential"/>: left to right, the reference (bit-stable everywhere); also the scalar reference trial of the shortcut-CNN Monte Carlo.</item>
/// <item><see cref="FourPartial"/>: four interleaved partial sums (bit-stable everywhere, ~4× less latency-bound).</item>
/// <item><see cref="Lanewise"/>: one <see cref="Vector{T}"/> accumulator (width-dependent).</item>
/// <item><c>VectorMath.Dot</c> (Kernels/Maths): TensorPrimitives.Dot, whose order is the runtime package's
/// (width- and version-dependent; the fast general-purpose one, called by nothing whose results must be bit-stable).</item>
/// <item><c>LowerTriangleKernels.Dot</c> (Kernels/Spectrum, internal): two FMA vector accumulators, FMA tail, inside
/// the eigenvalue solver's Householder reduction (width-dependent).</item>
/// </list>
/// <para>None of them checks for overflow or compensates rounding: each is off from the exact value by at most
/// γ_n·Σ|x_i y_i| (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), which bounds every order.</para>
/// </remarks>
public static class Dot
{
    /// <summary>
    /// ((x₀y₀ + x₁y₁) + x₂y₂) + …, starting from +0: the textbook loop and the reference the others are tested
    /// against. The same bits at every SIMD width and without hardware intrinsics, so data preprocessing uses it
    /// (Whitening, PrincipalComponents.Project, SyntheticData's teacher): the 8×8 digits and the synthetic sets
    /// are then identical on every machine configuration.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static double Sequential(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"lengths differ ({x.Length} and {y.Length})", nameof(y));
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>
    /// Four partial sums s_r = Σ_{i ≡ r (mod 4), i &lt; 4⌊n/4⌋} x[i]·y[i], each left to right; the n mod 4 tail
    /// elements are added to s₀ after its strided terms, left to right; the result is (s₀ + s₁) + (s₂ + s₃).
    /// Scalar code, so the same bits everywhere, with four independent add chains instead of one. The Shamir and
    /// Yun experiments call it for their dot products and norms (F_lin, the residual objective, the ResNets' forward
    /// passes, the optimizers' ‖∇F‖): their results.json depend on exactly this order. (Their few loops that fuse a
    /// product with another update, such as gᵀ(x − y), sum inline, left to right.)
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static double FourPartial(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"lengths differ ({x.Length} and {y.Length})", nameof(y));
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        for (; i < x.Length; i++) s0 += x[i] * y[i];
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>
    /// With W = <see cref="Vector{T}.Count"/>: lane j accumulates x[kW + j]·y[kW + j] over the m = ⌊n/W⌋ whole
    /// vectors in order k = 0, 1, …, m − 1 (a multiply and a separate add, never an FMA); the lanes are folded by
    /// <see cref="Vector.Sum{T}(Vector{T})"/>; the n mod W tail is then added left to right. Without hardware
    /// acceleration it is <see cref="Sequential"/>. The bits depend on W, and W is <see cref="Vector{T}"/>'s width
    /// (DOTNET_MaxVectorTBitWidth, 256 bits by default even on AVX-512 hardware), not the kernels' SimdWidth
    /// dispatch: that is the width the EISPACK eigenvector port has always used, so MNIST's PCA keeps its bits.
    /// </summary>
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static double Lanewise(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"lengths differ ({x.Length} and {y.Length})", nameof(y));
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var xv = MemoryMarshal.Cast<double, Vector<double>>(x);
            var yv = MemoryMarshal.Cast<double, Vector<double>>(y);
            Vector<double> acc = Vector<double>.Zero;
            for (int k = 0; k < xv.Length; k++) acc += xv[k] * yv[k];
            sum = Vector.Sum(acc);
            i = xv.Length * Vector<double>.Count;
        }
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }
}
