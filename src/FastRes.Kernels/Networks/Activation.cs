using System.Numerics;
using System.Runtime.CompilerServices;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Networks;

/// <summary>The element-wise activations of Li et al., Def. 2 (σ_pre, σ_mid, σ_post each take one of these).</summary>
public enum Activation
{
    Identity = 0,
    Relu = 1,
    Tanh = 2,
}

/// <summary>
/// σ, σ′ and σ″ of an <see cref="Activation"/>, scalar and over a bundle of lanes. The exact Hessian needs σ″
/// (Bishop 1992, the second-order term of the backward pass); ReLU's σ″ is 0 away from its kink at 0, where
/// σ′ is taken as 0 (the right derivative is not used: tests evaluate ReLU networks away from kinks).
/// </summary>
public static class Activations
{
    /// <summary>σ(x).</summary>
    public static double Value(Activation a, double x) => a switch
    {
        Activation.Identity => x,
        Activation.Relu => x > 0 ? x : 0.0,
        _ => Math.Tanh(x),
    };

    /// <summary>σ′(x).</summary>
    public static double Derivative(Activation a, double x)
    {
        switch (a)
        {
            case Activation.Identity: return 1.0;
            case Activation.Relu: return x > 0 ? 1.0 : 0.0;
            default:
                double t = Math.Tanh(x);
                return 1.0 - t * t;
        }
    }

    /// <summary>σ″(x).</summary>
    public static double SecondDerivative(Activation a, double x)
    {
        if (a != Activation.Tanh) return 0.0;
        double t = Math.Tanh(x);
        return -2.0 * t * (1.0 - t * t);
    }

    /// <summary>σ(0) = 0 for all three; σ′(0) is 1 for identity and tanh, 0 for ReLU (see the type remarks).</summary>
    public static double DerivativeAtZero(Activation a) => a == Activation.Relu ? 0.0 : 1.0;

    /// <summary>
    /// σ, σ′, σ″ of every lane at once. Tanh is <see cref="TanhKernel"/> (within 2 ulp of <see cref="Math.Tanh"/>, the
    /// scalar members' reference), so vector passes differ from the scalar formulas in the last bits — as SIMD widths
    /// may (SPEC §5) — but not from each other: every width computes the same lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Evaluate<TL, TVec>(Activation a, TVec x, out TVec value, out TVec first, out TVec second)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        switch (a)
        {
            case Activation.Identity:
                value = x; first = TL.Create(1.0); second = TL.Create(0.0);
                return;
            case Activation.Relu:
                TVec positive = TL.GreaterThan(x, TL.Create(0.0));
                value = TL.Select(positive, x, TL.Create(0.0));
                first = TL.Select(positive, TL.Create(1.0), TL.Create(0.0));
                second = TL.Create(0.0);
                return;
            default:
                Tanh<TL, TVec>(x, out value, out first, out second);
                return;
        }
    }

    // Kept out of Evaluate, so that its identity and ReLU cases stay small enough to inline into the passes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tanh<TL, TVec>(TVec x, out TVec value, out TVec first, out TVec second)
        where TL : struct, ILanes<TVec, double>
        where TVec : struct
    {
        value = TanhKernel.Tanh<TL, TVec>(x);
        TVec one = TL.Create(1.0);
        first = TL.Subtract(one, TL.Multiply(value, value));                 // 1 − t²
        second = TL.Multiply(TL.Multiply(TL.Create(-2.0), value), first);    // −2t(1 − t²)
    }
}
