using System.Numerics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>Picks the <see cref="ShortcutCnnLaneEngine{TL,TVec,T,TAblation}"/> instantiation for a width and precision.</summary>
public static class ShortcutCnnLaneEngines
{
    /// <summary>
    /// Runs every trial of <paramref name="feed"/> at <paramref name="width"/> (Auto = widest accelerated) in double or
    /// single precision; returns the trial-iterations done.
    /// </summary>
    public static long Run(SimdWidth width, bool singlePrecision, ShortcutCnnGdSettings settings, IShortcutCnnTrialFeed feed,
                           int vectorsInFlight = 4)
        => Run<ShortcutCnnFullStep>(width, singlePrecision, settings, feed, vectorsInFlight);

    /// <summary>As <see cref="Run(SimdWidth, bool, ShortcutCnnGdSettings, IShortcutCnnTrialFeed, int)"/> with the step
    /// of <typeparamref name="TAblation"/> (the ablation benchmark's variants).</summary>
    public static long Run<TAblation>(SimdWidth width, bool singlePrecision, ShortcutCnnGdSettings settings, IShortcutCnnTrialFeed feed,
                                      int vectorsInFlight)
        where TAblation : struct, IShortcutCnnStepAblation
        => singlePrecision
            ? Run<float, TAblation>(width, settings, feed, vectorsInFlight)
            : Run<double, TAblation>(width, settings, feed, vectorsInFlight);

    private static long Run<T, TAblation>(SimdWidth width, ShortcutCnnGdSettings settings, IShortcutCnnTrialFeed feed, int vectorsInFlight)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAblation : struct, IShortcutCnnStepAblation
    {
        // Vectors are run in interleaved pairs (LanePair): vectorsInFlight counts single vectors, so 4 means two pairs.
        // Not the scalar path: a pair of scalars is a two-field struct the JIT keeps partly in memory, and measured
        // here it ran at a third of the unpaired speed — the out-of-order core overlaps short scalar steps by itself.
        if (vectorsInFlight % 2 == 0 && SimdWidths.Resolve(width) != SimdWidth.Scalar)
        {
            var paired = new EngineJob<T, TAblation>(settings, feed, vectorsInFlight / 2);
            return SimdDispatch.RunPaired<EngineJob<T, TAblation>, T, long>(width, ref paired);
        }
        var job = new EngineJob<T, TAblation>(settings, feed, vectorsInFlight);
        return SimdDispatch.Run<EngineJob<T, TAblation>, T, long>(width, ref job);
    }

    /// <param name="bundles">Lane bundles in flight: single vectors, or pairs when dispatched paired.</param>
    private readonly struct EngineJob<T, TAblation>(ShortcutCnnGdSettings settings, IShortcutCnnTrialFeed feed, int bundles) : ISimdJob<T, long>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAblation : struct, IShortcutCnnStepAblation
    {
        public long Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct
            => new ShortcutCnnLaneEngine<TLanes, TVec, T, TAblation>(settings, bundles).Run(feed);
    }
}
