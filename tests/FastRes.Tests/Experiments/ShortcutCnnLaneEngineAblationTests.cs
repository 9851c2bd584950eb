using System.Runtime.CompilerServices;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Experiments;

/// <summary>
/// The Zen 5 changes to the lane engine (phase-by-phase step order, aligned state, next check points kept per lane)
/// reorder work but not arithmetic: the pre-Zen 5 engine, still reachable as an ablation knob, gives every trial the
/// same outcome and iteration count. Also the alignment the change relies on.
/// </summary>
public class ShortcutCnnLaneEngineAblationTests
{
    // T = 400 puts T₁ = 200 off the R = 16 grid, so lanes leave phase with each other and chunks get short.
    private static ShortcutCnnConfig Small(Precision precision, SimdWidth width) => new()
    {
        K = [8], Trials = 80, Iterations = 400, CapDeg = 90, Precision = precision, Seed = 11, Threads = 1, Simd = width,
        EtaScale = 1.0,
    };

    private static (TrialOutcome[] Outcomes, long[] Iterations) Run<TAblation>(ShortcutCnnConfig config, int vectorsInFlight)
        where TAblation : struct, IShortcutCnnStepAblation
    {
        int k = config.K[0];
        var steps = config.ResolveSteps(k);
        var settings = new ShortcutCnnGdSettings(config.P, k, steps.Eta, config.IterationsFor(k), config.Tol, config.RetireLoss);
        var cap = new SphericalCap(config.P, config.CapDeg * Math.PI / 180);
        var outcomes = new TrialOutcome[config.Trials * config.Methods.Length];
        var feed = new ShortcutCnnTrialFeed(config, k, cap, new BlockCursor(0, config.Trials, 16), null, CancellationToken.None, outcomes);
        long work = ShortcutCnnLaneEngines.Run<TAblation>(config.Simd, config.Precision == Precision.Float, settings, feed, vectorsInFlight);
        Assert.That(work, Is.EqualTo(feed.Iterations.Sum()), "work returned = iterations completed");
        return (outcomes, feed.Iterations);
    }

    [TestCase(Precision.Double, SimdWidth.V512, 4)]
    [TestCase(Precision.Double, SimdWidth.V256, 8)]
    [TestCase(Precision.Double, SimdWidth.Scalar, 3)]
    [TestCase(Precision.Float, SimdWidth.V512, 4)]
    [TestCase(Precision.Float, SimdWidth.V128, 2)]
    public void The_pre_Zen_5_engine_gives_every_trial_the_same_outcome_and_iterations(Precision precision, SimdWidth width, int vectors)
    {
        var config = Small(precision, width);
        var now = Run<ShortcutCnnFullStep>(config, vectors);
        var before = Run<ShortcutCnnAblations.PreZen5>(config, vectors);
        Assert.Multiple(() =>
        {
            Assert.That(now.Outcomes, Is.EqualTo(before.Outcomes), "per-trial outcomes");
            Assert.That(now.Iterations, Is.EqualTo(before.Iterations), "trial-iterations per method");
            Assert.That(now.Outcomes.Distinct().Count(), Is.GreaterThanOrEqualTo(2), "the test needs more than one outcome kind");
        });
    }

    [TestCase(0)]
    [TestCase(16)]
    public unsafe void Aligned_arrays_start_where_asked_and_hold_their_elements(int phase)
    {
        for (int length = 0; length < 40; length += 13)
        {
            var a = new AlignedArray<double>(length, phase);
            Assert.That((nuint)Unsafe.AsPointer(ref a[0]) % 64, Is.EqualTo((nuint)phase), $"length {length}");
            for (int i = 0; i < length; i++) a[i] = i + 0.5;
            for (int i = 0; i < length; i++) Assert.That(a[i], Is.EqualTo(i + 0.5));
        }
        var f = new AlignedArray<float>(17, phase);
        Assert.That((nuint)Unsafe.AsPointer(ref f[0]) % 64, Is.EqualTo((nuint)phase), "float");
    }
}
