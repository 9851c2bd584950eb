using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>Picks the <see cref="ShortcutCnnLaneEngine{TL,TVec,T}"/> instantiation for a width and precision.</summary>
public static class ShortcutCnnLaneEngines
{
    /// <summary>
    /// Runs every trial of <paramref name="feed"/> at <paramref name="width"/> (Auto = widest accelerated) in double or
    /// single precision; returns the trial-iterations done.
    /// </summary>
    public static long Run(SimdWidth width, bool singlePrecision, ShortcutCnnGdSettings settings, IShortcutCnnTrialFeed feed,
                           int vectorsInFlight = 4)
    {
        // Vectors are run in interleaved pairs (LanePair): vectorsInFlight counts single vectors, so 4 means two pairs.
        // Not the scalar path: a pair of scalars is a two-field struct the JIT keeps partly in memory, and measured
        // here it ran at a third of the unpaired speed — the out-of-order core overlaps short scalar steps by itself.
        var resolved = SimdWidths.Resolve(width);
        if (vectorsInFlight % 2 == 0 && resolved != SimdWidth.Scalar)
        {
            int pairs = vectorsInFlight / 2;
            return (resolved, singlePrecision) switch
            {
                (SimdWidth.V512, false) => new ShortcutCnnLaneEngine<LanePair<Lanes512<double>, Vector512<double>, double>, VectorPair<Vector512<double>>, double>(settings, pairs).Run(feed),
                (SimdWidth.V256, false) => new ShortcutCnnLaneEngine<LanePair<Lanes256<double>, Vector256<double>, double>, VectorPair<Vector256<double>>, double>(settings, pairs).Run(feed),
                (SimdWidth.V128, false) => new ShortcutCnnLaneEngine<LanePair<Lanes128<double>, Vector128<double>, double>, VectorPair<Vector128<double>>, double>(settings, pairs).Run(feed),
                (SimdWidth.V512, true) => new ShortcutCnnLaneEngine<LanePair<Lanes512<float>, Vector512<float>, float>, VectorPair<Vector512<float>>, float>(settings, pairs).Run(feed),
                (SimdWidth.V256, true) => new ShortcutCnnLaneEngine<LanePair<Lanes256<float>, Vector256<float>, float>, VectorPair<Vector256<float>>, float>(settings, pairs).Run(feed),
                (SimdWidth.V128, true) => new ShortcutCnnLaneEngine<LanePair<Lanes128<float>, Vector128<float>, float>, VectorPair<Vector128<float>>, float>(settings, pairs).Run(feed),
                _ => throw new ArgumentOutOfRangeException(nameof(width)),
            };
        }
        return (SimdWidths.Resolve(width), singlePrecision) switch
        {
            (SimdWidth.V512, false) => new ShortcutCnnLaneEngine<Lanes512<double>, Vector512<double>, double>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.V256, false) => new ShortcutCnnLaneEngine<Lanes256<double>, Vector256<double>, double>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.V128, false) => new ShortcutCnnLaneEngine<Lanes128<double>, Vector128<double>, double>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.Scalar, false) => new ShortcutCnnLaneEngine<Lanes1<double>, double, double>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.V512, true) => new ShortcutCnnLaneEngine<Lanes512<float>, Vector512<float>, float>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.V256, true) => new ShortcutCnnLaneEngine<Lanes256<float>, Vector256<float>, float>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.V128, true) => new ShortcutCnnLaneEngine<Lanes128<float>, Vector128<float>, float>(settings, vectorsInFlight).Run(feed),
            (SimdWidth.Scalar, true) => new ShortcutCnnLaneEngine<Lanes1<float>, float, float>(settings, vectorsInFlight).Run(feed),
            _ => throw new ArgumentOutOfRangeException(nameof(width)),
        };
    }
}
