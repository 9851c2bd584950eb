using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRes.Experiments.Statistics;

namespace FastRes.Experiments.Profiling;

/// <summary>How <see cref="BenchComparison"/> decides (issue 14 item 2); the defaults are the CI gate's.</summary>
/// <param name="Threshold">The practical threshold: a change is reported only when the ratio of medians is beyond 1 ± this.</param>
/// <param name="Alpha">Significance level of the Mann–Whitney test (asv uses 0.002).</param>
/// <param name="MinSamples">Fewer samples on either side than this: no test (too few samples), never a verdict of change.</param>
/// <param name="Confidence">Level of the bootstrap interval of the ratio.</param>
/// <param name="Resamples">Bootstrap resamples per kernel.</param>
public sealed record BenchCompareOptions(double Threshold = 0.05, double Alpha = 0.002, int MinSamples = 5,
    double Confidence = 0.95, int Resamples = 2000)
{
    /// <summary>The problems with these options, one line each ("threshold must be …"); empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (!(Threshold >= 0 && Threshold < 1)) yield return $"threshold must be a number in [0, 1) (got {Threshold})";
        if (!(Alpha > 0 && Alpha < 1)) yield return $"alpha must be a number in (0, 1) (got {Alpha})";
        if (MinSamples < 2) yield return $"min-samples must be at least 2 (got {MinSamples})";
        if (!(Confidence > 0 && Confidence < 1)) yield return $"confidence must be a number in (0, 1) (got {Confidence})";
        if (Resamples < 100) yield return $"resamples must be at least 100 (got {Resamples})";
    }
}

/// <summary>What a comparison concludes about one kernel, B relative to A.</summary>
public enum CompareVerdict
{
    /// <summary>No significant change, or one within the threshold.</summary>
    Same,
    /// <summary>B is significantly slower than A, by more than the threshold: a regression.</summary>
    Slower,
    /// <summary>B is significantly faster than A, by more than the threshold.</summary>
    Faster,
    /// <summary>Too few samples on a side to test anything.</summary>
    TooFewSamples,
}

/// <summary>One kernel of a comparison: B's rate over A's, with the evidence for it.</summary>
/// <param name="Ratio">median(B) / median(A) of the rates: below 1 B is slower.</param>
/// <param name="CiLow">Lower end of the bootstrap interval of <paramref name="Ratio"/> (percentile method).</param>
/// <param name="P">Two-sided Mann–Whitney p-value of the two sets of samples (NaN with too few samples).</param>
/// <param name="Paired">The samples were taken in adjacent pairs (`compare --builds`): the ratio is the median of the pairs'
/// ratios and the test Wilcoxon's signed-rank test of their logarithms; otherwise the ratio of the medians and Mann–Whitney.</param>
/// <param name="Noisy">The interval's half-width exceeds the threshold: the samples cannot resolve a change of the threshold's size.</param>
public sealed record KernelComparison(string Kernel, string Variant, string Size, string Unit, int SamplesA, int SamplesB,
    double MedianA, double MedianB, double Ratio, double CiLow, double CiHigh, double P, bool Exact, bool Paired, CompareVerdict Verdict,
    bool Noisy, string Reason);

/// <summary>
/// Two sets of bench measurements compared kernel by kernel (issue 14 item 2), in the manner of airspeed velocity's
/// <c>asv compare</c> and dotnet/performance's ResultsComparer: per (kernel, variant, size) the ratio of the median rates
/// with a bootstrap confidence interval, the Mann–Whitney U test of the two sets of samples, and a verdict that needs
/// both — significant at <see cref="BenchCompareOptions.Alpha"/> <em>and</em> beyond the practical threshold. A
/// significant 1% change is "same"; a 20% change in two samples is "too few samples". Rates: higher is faster.
/// </summary>
/// <remarks>
/// Why both: on a shared machine a large, real-looking difference between two short runs is often one descheduled
/// repetition (significance guards that), and with many samples a rank test finds differences of 0.5% that no one
/// should fail a build for (the threshold guards that). Medians and ranks, not means: timing noise is one-sided and
/// heavy-tailed. The bootstrap interval is deterministic (its generator is seeded from the kernel's name), so
/// the same samples always print the same table.
/// </remarks>
public sealed record BenchComparison(BenchCompareOptions Options, IReadOnlyList<KernelComparison> Kernels,
    IReadOnlyList<string> OnlyInA, IReadOnlyList<string> OnlyInB)
{
    /// <summary>Whether any kernel is <see cref="CompareVerdict.Slower"/>: the one outcome that fails a gate.</summary>
    public bool Regressed => Kernels.Any(k => k.Verdict == CompareVerdict.Slower);

    /// <summary>Compares every figure present in both, matched by kernel, variant, size and unit.</summary>
    /// <param name="paired">Sample i of A and sample i of B were measured one right after the other (`compare --builds`):
    /// compare them pair by pair where both have the same number of samples.</param>
    public static BenchComparison Compare(IReadOnlyList<BenchResult> a, IReadOnlyList<BenchResult> b, BenchCompareOptions? options = null,
        bool paired = false)
    {
        options ??= new BenchCompareOptions();
        var errors = options.Validate().ToList();
        if (errors.Count > 0) throw new ArgumentException(errors[0], nameof(options));
        static string Key(BenchResult r) => $"{r.Kernel} {r.Variant} {r.Size} [{r.Unit}]";
        var byKeyB = new Dictionary<string, BenchResult>();
        foreach (var r in b) byKeyB.TryAdd(Key(r), r);
        var seenA = new HashSet<string>();
        var kernels = new List<KernelComparison>();
        var onlyA = new List<string>();
        foreach (var ra in a)
        {
            string key = Key(ra);
            if (!seenA.Add(key)) continue;
            if (byKeyB.TryGetValue(key, out var rb)) kernels.Add(CompareOne(ra, rb, options, paired, key));
            else onlyA.Add(key);
        }
        var onlyB = b.Select(Key).Distinct().Where(k => !seenA.Contains(k)).ToList();
        return new BenchComparison(options, kernels, onlyA, onlyB);
    }

    /// <summary>One kernel: samples of A and of B (rates).</summary>
    public static KernelComparison CompareOne(BenchResult a, BenchResult b, BenchCompareOptions options, bool paired = false, string? seedKey = null)
    {
        var sa = a.RateSamples.ToArray();
        var sb = b.RateSamples.ToArray();
        paired &= sa.Length == sb.Length;
        double ma = Robust.Median(sa), mb = Robust.Median(sb);
        // Paired: the median of the pairs' ratios, in logs (a pair hit by a slow stretch moves its own ratio, not both medians).
        var logRatios = paired ? sa.Zip(sb, (x, y) => Math.Log(y / x)).ToArray() : [];
        double ratio = paired ? Math.Exp(Robust.Median(logRatios)) : mb / ma;
        string pct = (100 * options.Threshold).ToString("0.#", CultureInfo.InvariantCulture);
        if (sa.Length < options.MinSamples || sb.Length < options.MinSamples)
        {
            return new KernelComparison(a.Kernel, a.Variant, a.Size, a.Unit, sa.Length, sb.Length, ma, mb, ratio, double.NaN, double.NaN,
                double.NaN, false, paired, CompareVerdict.TooFewSamples, false,
                $"{sa.Length} and {sb.Length} samples: a test needs at least {options.MinSamples} on each side (--repeat, --rounds)");
        }
        string seed = seedKey ?? $"{a.Kernel} {a.Variant} {a.Size}";
        double pValue;
        bool exact;
        double lo, hi;
        if (paired)
        {
            var test = WilcoxonSignedRank.Test(logRatios);
            (pValue, exact) = (test.P, test.Exact);
            (lo, hi) = BootstrapPairedRatio(logRatios, options, seed);
        }
        else
        {
            var test = MannWhitney.Test(sb, sa);
            (pValue, exact) = (test.P, test.Exact);
            (lo, hi) = BootstrapRatio(sa, sb, options, seed);
        }
        bool significant = pValue < options.Alpha;
        bool noisy = (hi - lo) / 2 > options.Threshold * ratio;
        string p = FormatP(pValue);
        (CompareVerdict verdict, string reason) = (significant, ratio) switch
        {
            (true, var r) when r < 1 - options.Threshold => (CompareVerdict.Slower, $"slower by {Percent(1 - r)} (p = {p}), beyond the {pct}% threshold"),
            (true, var r) when r > 1 + options.Threshold => (CompareVerdict.Faster, $"faster by {Percent(r - 1)} (p = {p}), beyond the {pct}% threshold"),
            (true, _) => (CompareVerdict.Same, $"a significant change (p = {p}) within the {pct}% threshold"),
            _ => (CompareVerdict.Same, $"no significant difference (p = {p} ≥ {FormatP(options.Alpha)})"),
        };
        if (noisy) reason += "; noisy: the interval is wider than the threshold can resolve (more samples, a quieter machine)";
        return new KernelComparison(a.Kernel, a.Variant, a.Size, a.Unit, sa.Length, sb.Length, ma, mb, ratio, lo, hi, pValue, exact, paired,
            verdict, noisy, reason);
    }

    /// <summary>The percentile bootstrap interval of exp(median log-ratio), the pairs resampled with replacement.</summary>
    internal static (double Low, double High) BootstrapPairedRatio(double[] logRatios, BenchCompareOptions options, string seedKey)
    {
        var random = Seeded(seedKey);
        var ratios = new double[options.Resamples];
        var r = new double[logRatios.Length];
        for (int i = 0; i < ratios.Length; i++)
        {
            for (int j = 0; j < r.Length; j++) r[j] = logRatios[random.Next(r.Length)];
            ratios[i] = Math.Exp(Robust.Median(r));
        }
        Array.Sort(ratios);
        double tail = (1 - options.Confidence) / 2;
        return (Quantile(ratios, tail), Quantile(ratios, 1 - tail));
    }

    private static Random Seeded(string seedKey)
    {
        uint hash = 2166136261;
        foreach (char c in seedKey) hash = (hash ^ c) * 16777619;
        return new Random((int)(hash & 0x7FFFFFFF));
    }

    /// <summary>
    /// The percentile bootstrap interval of median(B)/median(A): both samples resampled with replacement, independently
    /// (Efron &amp; Tibshirani ch. 13), with a generator seeded from <paramref name="seedKey"/> (FNV-1a) so that the
    /// interval is a pure function of the samples and the kernel.
    /// </summary>
    internal static (double Low, double High) BootstrapRatio(double[] a, double[] b, BenchCompareOptions options, string seedKey)
    {
        var random = Seeded(seedKey);
        var ratios = new double[options.Resamples];
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        for (int i = 0; i < ratios.Length; i++)
        {
            for (int j = 0; j < ra.Length; j++) ra[j] = a[random.Next(a.Length)];
            for (int j = 0; j < rb.Length; j++) rb[j] = b[random.Next(b.Length)];
            ratios[i] = Robust.Median(rb) / Robust.Median(ra);
        }
        Array.Sort(ratios);
        double tail = (1 - options.Confidence) / 2;
        return (Quantile(ratios, tail), Quantile(ratios, 1 - tail));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>"same", "slower", "faster", "too few samples".</summary>
    public static string Describe(CompareVerdict verdict) => verdict switch
    {
        CompareVerdict.Slower => "slower",
        CompareVerdict.Faster => "faster",
        CompareVerdict.TooFewSamples => "too few samples",
        _ => "same",
    };

    /// <summary>
    /// The console table: kernel, variant, size, A and B medians, B/A with its interval, p, samples and verdict (the
    /// README's "Reading the compare table" explains each column), then the figures present on one side only.
    /// </summary>
    public IReadOnlyList<string> Table(string nameA = "A", string nameB = "B")
    {
        var rows = new List<string[]>
        {
            new[] { "kernel", "variant", "size", $"{nameA} median", $"{nameB} median", $"{nameB}/{nameA}", $"{Percent(Options.Confidence, 0)} interval", "p", "n", "verdict" },
        };
        foreach (var k in Kernels)
        {
            rows.Add([k.Kernel, k.Variant, k.Size, Rate(k.MedianA), Rate(k.MedianB), k.Ratio.ToString("0.000", CultureInfo.InvariantCulture),
                double.IsNaN(k.CiLow) ? "–" : $"{k.CiLow.ToString("0.000", CultureInfo.InvariantCulture)}–{k.CiHigh.ToString("0.000", CultureInfo.InvariantCulture)}",
                double.IsNaN(k.P) ? "–" : FormatP(k.P), $"{k.SamplesA}/{k.SamplesB}",
                Describe(k.Verdict) + (k.Noisy ? " (noisy)" : "")]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = rows.Select(r => string.Join("  ", r.Select((cell, c) => c is >= 3 and <= 8 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd()).ToList();
        foreach (string key in OnlyInA) lines.Add($"only in {nameA}: {key}");
        foreach (string key in OnlyInB) lines.Add($"only in {nameB}: {key}");
        int slower = Kernels.Count(k => k.Verdict == CompareVerdict.Slower), faster = Kernels.Count(k => k.Verdict == CompareVerdict.Faster);
        lines.Add($"{Kernels.Count} compared: {slower} slower, {faster} faster, {Kernels.Count(k => k.Verdict == CompareVerdict.Same)} same, "
            + $"{Kernels.Count(k => k.Verdict == CompareVerdict.TooFewSamples)} with too few samples "
            + $"(a change needs p < {FormatP(Options.Alpha)} and a ratio beyond 1 ± {Options.Threshold.ToString("0.###", CultureInfo.InvariantCulture)})");
        return lines;
    }

    /// <summary>The comparison as JSON (options, one object per kernel, the one-sided figures, and <c>regressed</c>).</summary>
    public string ToJson(string nameA = "A", string nameB = "B")
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("a", nameA);
            w.WriteString("b", nameB);
            w.WriteNumber("threshold", Options.Threshold);
            w.WriteNumber("alpha", Options.Alpha);
            w.WriteNumber("confidence", Options.Confidence);
            w.WriteNumber("min_samples", Options.MinSamples);
            w.WriteBoolean("regressed", Regressed);
            w.WriteStartArray("kernels");
            foreach (var k in Kernels)
            {
                w.WriteStartObject();
                w.WriteString("kernel", k.Kernel);
                w.WriteString("variant", k.Variant);
                w.WriteString("size", k.Size);
                w.WriteString("unit", k.Unit);
                w.WriteNumber("samples_a", k.SamplesA);
                w.WriteNumber("samples_b", k.SamplesB);
                w.WriteNumber("median_a", k.MedianA);
                w.WriteNumber("median_b", k.MedianB);
                w.WriteNumber("ratio", k.Ratio);
                WriteNumberOrNull(w, "ci_low", k.CiLow);
                WriteNumberOrNull(w, "ci_high", k.CiHigh);
                WriteNumberOrNull(w, "p", k.P);
                w.WriteBoolean("exact_p", k.Exact);
                w.WriteString("test", k.Paired ? "wilcoxon-signed-rank (paired)" : "mann-whitney");
                w.WriteString("verdict", Describe(k.Verdict));
                w.WriteBoolean("noisy", k.Noisy);
                w.WriteString("reason", k.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("only_in_a");
            foreach (string key in OnlyInA) w.WriteStringValue(key);
            w.WriteEndArray();
            w.WriteStartArray("only_in_b");
            foreach (string key in OnlyInB) w.WriteStringValue(key);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    private static string FormatP(double p) => p switch
    {
        >= 0.01 => p.ToString("0.00", CultureInfo.InvariantCulture),
        >= 0.001 => p.ToString("0.000", CultureInfo.InvariantCulture),
        _ => p.ToString("0.0e0", CultureInfo.InvariantCulture),
    };

    private static string Percent(double x, int decimals = 1)
        => (100 * x).ToString(decimals == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + "%";

    private static string Rate(double rate) => rate switch
    {
        >= 1e9 => (rate / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
        >= 1e6 => (rate / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e3 => (rate / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " k",
        _ => rate.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
