using System.Numerics;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels;

public class FmaPeakTests
{
    // Every width, including the ones the machine only emulates: the arithmetic must be the same everywhere.
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    [TestCaseSource(nameof(Widths))]
    public void Double_does_the_work_it_claims(SimdWidth width) => CheckAgainstScalarRecomputation<double>(width, 1000);

    [TestCaseSource(nameof(Widths))]
    public void Float_does_the_work_it_claims(SimdWidth width) => CheckAgainstScalarRecomputation<float>(width, 1000);

    [Test]
    public void Zero_iterations_leave_the_start_values_and_count_no_flops()
    {
        var state = new double[FmaPeak.StateLength<double>(SimdWidth.Scalar)];
        Assert.That(FmaPeak.Run(SimdWidth.Scalar, 0, state), Is.Zero);
        Assert.That(state, Is.EqualTo(Enumerable.Range(0, state.Length).Select(FmaPeak.InitialValue<double>)));
    }

    [Test]
    public void Too_short_a_state_is_refused()
    {
        var state = new double[FmaPeak.StateLength<double>(SimdWidth.V256) - 1];
        Assert.Throws<ArgumentException>(() => FmaPeak.Run<Lanes256<double>, System.Runtime.Intrinsics.Vector256<double>, double>(1, state));
    }

    private static void CheckAgainstScalarRecomputation<T>(SimdWidth width, long iterations)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = width == SimdWidth.Scalar ? 1 : (int)width / 8 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        Assert.That(FmaPeak.StateLength<T>(width), Is.EqualTo(FmaPeak.Chains * lanes));

        var state = new T[FmaPeak.StateLength<T>(width)];
        long flops = FmaPeak.Run(width, iterations, state);

        // The loop: iterations × chains × lanes FMAs, 2 flops each.
        Assert.That(flops, Is.EqualTo(iterations * FmaPeak.Chains * lanes * 2));
        Assert.That(flops, Is.EqualTo(iterations * FmaPeak.FlopsPerIteration<T>(width)));

        // Each element is its own chain x ← fma(x, m, c) from its start value; FMA is fused at every width, so the
        // recomputation must agree bit for bit. The start values differ, so a kernel that skipped or merged chains
        // (or ran fewer iterations: the values still move at 1000 iterations) would not match.
        T m = T.CreateChecked(FmaPeak.Multiplier), c = T.CreateChecked(FmaPeak.Addend);
        for (int i = 0; i < state.Length; i++)
        {
            T x = FmaPeak.InitialValue<T>(i);
            for (long it = 0; it < iterations; it++) x = T.FusedMultiplyAdd(x, m, c);
            Assert.That(state[i], Is.EqualTo(x), $"element {i}");
            Assert.That(state[i], Is.Not.EqualTo(FmaPeak.InitialValue<T>(i)), $"element {i} never changed");
        }
    }
}
