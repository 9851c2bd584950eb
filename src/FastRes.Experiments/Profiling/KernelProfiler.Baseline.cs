using FastRes.Experiments.ShortcutCnn;
using System.Globalization;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>A dimensionless figure of one run: <see cref="Numerator"/>'s rate over <see cref="Denominator"/>'s.</summary>
public sealed record BenchRatio(string Name, string Numerator, string Denominator, double Value);

public static partial class KernelProfiler
{
    /// <summary>CI's default tolerance: the shared, noisy machine can lose 40 % of a ratio without a code change.</summary>
    public const double DefaultTolerance = 0.4;

    /// <summary>
    /// The ratios a run supports, each between two variants measured side by side in it (same kernel, size and
    /// thread count): every vector path over scalar (same precision), and float over double (same path).
    /// Absolute rates never leave the run they were measured in, so a baseline from another machine state
    /// still compares meaningfully.
    /// </summary>
    public static IReadOnlyList<BenchRatio> Ratios(IReadOnlyList<BenchResult> results)
    {
        var parsed = results
            .Select(r => (Result: r, Ok: BenchVariant.TryParse(r.Variant, out var v), Variant: v))
            .Where(x => x.Ok && x.Result.Rate > 0)
            .ToList();
        var ratios = new List<BenchRatio>();
        foreach (var (num, _, nv) in parsed)
        {
            foreach (var (den, _, dv) in parsed)
            {
                if (num.Kernel != den.Kernel || num.Size != den.Size || nv.Threads != dv.Threads) continue;
                string group = $"{num.Kernel} {num.Size} {nv.Threads}t";
                if (nv.Precision == dv.Precision && dv.Width == SimdWidth.Scalar && nv.Width != SimdWidth.Scalar)
                    ratios.Add(new BenchRatio($"{group} {Name(nv.Precision)}: {SimdWidths.Describe(nv.Width)}/scalar",
                        num.Variant, den.Variant, num.Rate / den.Rate));
                else if (nv.Width == dv.Width && nv.Precision == Precision.Float && dv.Precision == Precision.Double)
                    ratios.Add(new BenchRatio($"{group} {SimdWidths.Describe(nv.Width)}: float/double",
                        num.Variant, den.Variant, num.Rate / den.Rate));
            }
        }
        // Eigenvalues: FastRes against LAPACK dsyevd on the same matrix in the same run (both rates are GFLOP/s of
        // the same nominal count, so the ratio is the inverse time ratio).
        foreach (var ours in results.Where(r => r.Kernel == EigenKernel && !r.Variant.StartsWith("LAPACK", StringComparison.Ordinal) && r.Rate > 0))
        {
            string threads = ours.Variant[(ours.Variant.LastIndexOf('/') + 1)..];
            var lapack = results.FirstOrDefault(r => r.Kernel == EigenKernel && r.Size == ours.Size && r.Rate > 0
                                                   && r.Variant == $"LAPACK-dsyevd/double/{threads}");
            if (lapack is not null)
                ratios.Add(new BenchRatio($"{EigenKernel} {ours.Size} {threads}: FastRes/LAPACK", ours.Variant, lapack.Variant, ours.Rate / lapack.Rate));
        }
        return ratios;
    }

    /// <summary>
    /// Compares this run's ratios with those of the baseline JSON at <paramref name="baselineJsonPath"/>
    /// (the bench JSON shape). A ratio regressed when it is below baseline × (1 − <paramref name="tolerance"/>).
    /// Returns one line per comparison; ratios only one side has are reported and never count as regressions.
    /// Throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> for a missing or malformed file.
    /// </summary>
    public static IReadOnlyList<string> CompareWithBaseline(IReadOnlyList<BenchResult> current, string baselineJsonPath,
        double tolerance, out bool regressed)
    {
        var baseline = BenchReport.Parse(File.ReadAllText(baselineJsonPath));
        return CompareWithBaseline(current, baseline.Results, tolerance, out regressed);
    }

    /// <inheritdoc cref="CompareWithBaseline(IReadOnlyList{BenchResult}, string, double, out bool)"/>
    public static IReadOnlyList<string> CompareWithBaseline(IReadOnlyList<BenchResult> current, IReadOnlyList<BenchResult> baseline,
        double tolerance, out bool regressed)
    {
        if (!(tolerance >= 0 && tolerance < 1)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "must be in [0, 1)");
        var now = Ratios(current).ToDictionary(r => r.Name);
        var then = Ratios(baseline).ToDictionary(r => r.Name);
        var lines = new List<string>();
        regressed = false;
        foreach (var (name, b) in then.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            double floor = b.Value * (1 - tolerance);
            if (!now.TryGetValue(name, out var c))
            {
                lines.Add($"skip       {name}: not measured in this run (baseline {F(b.Value)})");
                continue;
            }
            bool bad = c.Value < floor;
            regressed |= bad;
            lines.Add($"{(bad ? "REGRESSED" : "ok"),-10} {name}: {F(c.Value)} (baseline {F(b.Value)}, floor {F(floor)})");
        }
        foreach (var (name, c) in now.Where(x => !then.ContainsKey(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
            lines.Add($"new        {name}: {F(c.Value)} (not in the baseline)");
        if (then.Count == 0) lines.Add("skip       the baseline holds no ratios");
        return lines;
    }

    private static string Name(Precision p) => p == Precision.Double ? "double" : "float";

    private static string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
}
