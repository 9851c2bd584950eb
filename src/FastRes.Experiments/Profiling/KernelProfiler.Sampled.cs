using System.Globalization;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>`fastres bench sampled`: GD on finite samples of the shortcut CNN (issue 13 §1), sample-trial-iterations/s.</summary>
public static partial class KernelProfiler
{
    public const string SampledKernel = "sampled";
    public const string SampledUnit = "sample-trial-iterations/s";

    /// <summary>
    /// Flops of one sample-trial-iteration (one sample of one trial in one GD step): the forward products Z_j·v and
    /// Z_j·v* and the backward sum Σ_j c_j Z_j of ∇_u are kp FMAs each, 3kp FMAs = 6kp flops. The ReLUs, the residual,
    /// ∇_a's k products and the per-step update are O(k) or O(p) and not counted, nor are the k·p normals a sample
    /// draws (they are the larger cost, but not flops of the model), so the fraction of peak is a conservative figure.
    /// </summary>
    public static double SampledFlopsPerSampleTrial(int p, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return 6.0 * k * p;
    }

    /// <summary>A sampled row's size: "p=8,k=16,n=1024,trials=64".</summary>
    public static string SampledSize(int p, int k, int samples, int trials)
        => $"p={p},k={k},n={samples},trials={trials}";

    /// <summary>The inverse of <see cref="SampledSize"/>; false for any other text.</summary>
    public static bool TryParseSampledSize(string size, out int p, out int k, out int samples, out int trials)
    {
        p = k = samples = trials = 0;
        var parts = size.Split(',');
        return parts.Length == 4
            && Field(parts[0], "p=", out p) && Field(parts[1], "k=", out k)
            && Field(parts[2], "n=", out samples) && Field(parts[3], "trials=", out trials);

        static bool Field(string part, string key, out int value)
        {
            value = 0;
            return part.StartsWith(key, StringComparison.Ordinal)
                && int.TryParse(part.AsSpan(key.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
        }
    }

    /// <summary>The SIMD paths the sampled profile covers: scalar, then every vector width this machine accelerates.</summary>
    public static IReadOnlyList<SimdWidth> SampledWidths()
    {
        var widths = new List<SimdWidth> { SimdWidth.Scalar };
        if (Vector128.IsHardwareAccelerated) widths.Add(SimdWidth.V128);
        if (Vector256.IsHardwareAccelerated) widths.Add(SimdWidth.V256);
        if (Vector512.IsHardwareAccelerated) widths.Add(SimdWidth.V512);
        return widths;
    }

    /// <summary>
    /// The fraction of the double FMA peak a sampled row reaches: rate × <see cref="SampledFlopsPerSampleTrial"/> over
    /// the best measured double peak on the row's thread count (the widest width's, as `bench mc` quotes it: what the
    /// machine could do, not what the path could). Torch rows count the same flops. Null without a matching peak.
    /// </summary>
    public static double? SampledFractionOfPeak(BenchResult result, IReadOnlyList<BenchResult> peaks)
    {
        if (result.Kernel != SampledKernel || !TryParseSampledSize(result.Size, out int p, out int k, out _, out _)) return null;
        int slash = result.Variant.LastIndexOf('/');
        if (!int.TryParse(result.Variant.AsSpan(slash + 1).TrimEnd('t'), NumberStyles.None, CultureInfo.InvariantCulture, out int threads)) return null;
        double? peak = peaks.Where(r => r.Kernel == PeakKernel && BenchVariant.TryParse(r.Variant, out var v)
                                     && v.Precision == Precision.Double && v.Threads == threads)
            .Select(r => (double?)r.Rate * 1e9).Max();
        return peak is > 0 ? result.Rate * SampledFlopsPerSampleTrial(p, k) / peak.Value : null;
    }
}
