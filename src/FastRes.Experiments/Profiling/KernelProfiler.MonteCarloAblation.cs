using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.ShortcutCnn;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>One variant of the Monte Carlo ablation: its rate on one thread, by thread CPU time.</summary>
/// <param name="Variant">What the variant drops (or "full", the production step; "fused", the pre-Zen 5 step order).</param>
/// <param name="VectorsInFlight">Vectors of trials per worker (pairs of vectors on the SIMD paths).</param>
public sealed record MonteCarloAblationRow(string Variant, Precision Precision, SimdWidth Width, int VectorsInFlight,
                                           double TrialIterations, double CpuSeconds)
{
    public double Rate => TrialIterations / CpuSeconds;
}

public static partial class KernelProfiler
{
    /// <summary>Thread CPU seconds each ablation run is sized to; the best of <see cref="AblationRepeats"/> counts.</summary>
    /// <remarks>Many short runs rather than one long one: on a shared machine the best short run is the one least
    /// disturbed (preemption, a neighbour's cache traffic), and the best of many is stable where a mean is not.</remarks>
    public const double AblationSeconds = 0.03;

    public const int AblationRepeats = 9;

    /// <summary>
    /// The Monte Carlo kernel (p = 8, method resnet, k) on one thread at the widest accelerated width, double and
    /// float, with one piece of the step dropped at a time (<see cref="IShortcutCnnStepAblation"/>), the pre-Zen 5
    /// step order ("fused") and the production step at 2, 4 and 8 vectors in flight: what bounds the step is the
    /// piece whose removal speeds it up most. Timed by thread CPU time (CLOCK_THREAD_CPUTIME_ID), which other
    /// processes on a busy machine inflate far less than wall time; each figure is the best of
    /// <see cref="AblationRepeats"/> runs, taken round-robin over the variants.
    /// </summary>
    public static IReadOnlyList<MonteCarloAblationRow> MonteCarloAblation(int k)
    {
        var width = SimdWidths.Resolve(SimdWidth.Auto);
        var variants = new List<AblationVariant>();
        foreach (var precision in new[] { Precision.Double, Precision.Float })
        {
            int v = DefaultVectorsInFlight;
            variants.Add(Variant<ShortcutCnnFullStep>("full", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.PreZen5>("pre-Zen 5 engine (main)", precision, width, k, PreZen5VectorsInFlight));
            variants.Add(Variant<ShortcutCnnAblations.FusedStep>("fused step order", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.MisalignedState>("misaligned state (+16 B)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.DividingChunkLengths>("dividing chunks (idiv)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoAcos>("no acos", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoSqrt>("no sqrt (sin, norm)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoDivision>("no division (1/norm)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoAcosSqrtDivision>("no acos, sqrt, division", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoClosedForm>("no closed form (updates only)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.NoUpdates>("no updates (closed form only)", precision, width, k, v));
            variants.Add(Variant<ShortcutCnnAblations.BookkeepingOnly>("no step (checks, feed, RNG)", precision, width, k, v));
            foreach (int vectors in new[] { 2, 4, 8 })
                if (vectors != v) variants.Add(Variant<ShortcutCnnFullStep>("full", precision, width, k, vectors));
            if (v != PreZen5VectorsInFlight) variants.Add(Variant<ShortcutCnnAblations.PreZen5>("pre-Zen 5 engine (main)", precision, width, k, v));
        }

        // Size each variant's run to AblationSeconds (the first runs also bring it to its optimized code), then run
        // all variants round-robin and keep each one's best: every variant sees the same quiet and busy moments.
        var trials = new long[variants.Count];
        for (int i = 0; i < variants.Count; i++)
        {
            // A first run that is not timed: the first call of an instantiation includes its JIT compilation, and a
            // calibration run that long sized the timed runs to a few dozen trials, most lanes idle (measured: a
            // variant up to a third slow, whichever variant came first).
            variants[i].Run(64);
            long n = 64;
            double perTrial = 0;
            for (int attempt = 0; attempt < 12; attempt++)
            {
                var (_, s) = variants[i].Run(n);
                perTrial = s / n;
                if (s >= AblationSeconds / 2) break;
                n *= 4;
            }
            trials[i] = (long)Math.Clamp(AblationSeconds / Math.Max(perTrial, 1e-12), 1, 1e9);
        }
        var best = new (double Iterations, double Seconds)[variants.Count];
        for (int r = 0; r < AblationRepeats; r++)
        {
            // Each round starts one variant later, so that no variant always follows the same neighbour.
            for (int step = 0; step < variants.Count; step++)
            {
                int i = (step + r) % variants.Count;
                var (iterations, seconds) = variants[i].Run(trials[i]);
                if (best[i].Seconds == 0 || iterations / seconds > best[i].Iterations / best[i].Seconds) best[i] = (iterations, seconds);
            }
        }
        return variants.Select((v, i) => new MonteCarloAblationRow(v.Name, v.Precision, width, v.VectorsInFlight, best[i].Iterations, best[i].Seconds)).ToList();
    }

    private sealed record AblationVariant(string Name, Precision Precision, int VectorsInFlight, Func<long, (double TrialIterations, double CpuSeconds)> Run);

    private static AblationVariant Variant<TAblation>(string name, Precision precision, SimdWidth width, int k, int vectorsInFlight)
        where TAblation : struct, IShortcutCnnStepAblation
    {
        var config = new ShortcutCnnConfig
        {
            P = MonteCarloP, K = [k], Methods = [ShortcutCnnMethod.Resnet], Iterations = ShortcutCnnConfig.BaseIterations,
            Simd = width, Precision = precision, Threads = 1, VectorsInFlight = vectorsInFlight,
        };
        return new AblationVariant(name, precision, vectorsInFlight, trials => AblateOnce<TAblation>(config with { Trials = trials }, k));
    }

    /// <summary>The vectors in flight the pre-Zen 5 engine ran with (main's default then).</summary>
    private const int PreZen5VectorsInFlight = 4;

    /// <summary>The production engine's vectors in flight (<see cref="ShortcutCnnConfig"/>'s default).</summary>
    private static int DefaultVectorsInFlight => new ShortcutCnnConfig().VectorsInFlight;

    /// <summary>
    /// The ablation as a table: rate, the FMA-peak fraction by <see cref="FlopsPerTrialIteration"/> (against the
    /// 1-thread peak of the precision in <paramref name="peaks"/>), the speed-up over the full step, and the share of
    /// the full step's time the dropped piece costs (1 − full rate / variant rate).
    /// </summary>
    public static string FormatAblation(IReadOnlyList<MonteCarloAblationRow> rows, IReadOnlyList<BenchResult> peaks, int k)
    {
        peaks = peaks.Where(p => p.Kernel == PeakKernel && BenchVariant.TryParse(p.Variant, out var v) && v.Threads == 1).ToList();
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Monte Carlo ablation, p = {MonteCarloP}, k = {k}, resnet, 1 thread, thread CPU time (best of {AblationRepeats})");
        foreach (var p in peaks) sb.AppendLine(CultureInfo.InvariantCulture, $"peak {p.Variant}: {p.Rate:F1} GFLOP/s");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"precision",-9} {"path",-9} {"vec",3}  {"variant",-31} {"rate",13}  {"of peak",7}  {"× full",6}  {"piece's share",13}");
        foreach (var row in rows)
        {
            var full = rows.FirstOrDefault(r => r.Precision == row.Precision && r.Variant == "full" && r.VectorsInFlight == DefaultVectorsInFlight);
            double? peak = peaks.Where(p => p.Kernel == PeakKernel && BenchVariant.TryParse(p.Variant, out var v) && v.Precision == row.Precision && v.Threads == 1)
                .Select(p => (double?)p.Rate * 1e9).Max();
            string ofPeak = peak is > 0 ? $"{100 * row.Rate * FlopsPerTrialIteration(ShortcutCnnMethod.Resnet, MonteCarloP, k) / peak.Value,6:F1}%" : "      –";
            string speedup = full is null ? "–" : $"{row.Rate / full.Rate:F2}";
            string share = full is null || row == full || !row.Variant.StartsWith("no ", StringComparison.Ordinal) ? "" : $"{100 * (1 - full.Rate / row.Rate),12:F0}%";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{(row.Precision == Precision.Double ? "double" : "float"),-9} {SimdWidths.Describe(row.Width),-9} {row.VectorsInFlight,3}  {row.Variant,-31} {row.Rate / 1e6,10:F1} M/s  {ofPeak,7}  {speedup,6}  {share,13}");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The 1-thread FMA peak of double and float at the widest width (<see cref="FmaPeak"/>), by thread CPU time and
    /// best of <see cref="AblationRepeats"/>, like the ablation rows: the figure their fractions of peak are quoted against.
    /// </summary>
    public static IReadOnlyList<BenchResult> AblationPeak()
    {
        var width = SimdWidths.Resolve(SimdWidth.Auto);
        return [AblationPeak<double>(width, Precision.Double), AblationPeak<float>(width, Precision.Float)];
    }

    private static BenchResult AblationPeak<T>(SimdWidth width, Precision precision) where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var state = new T[FmaPeak.StateLength<T>(width)];
        long block = 1 << 14;
        while (true)
        {
            double t0 = ThreadCpuSeconds();
            FmaPeak.Run(width, block, state);
            double s = ThreadCpuSeconds() - t0;
            if (s >= AblationSeconds / 4 || block >= 1L << 40) { block = (long)(block * AblationSeconds / Math.Max(s, 1e-9)) + 1; break; }
            block *= 4;
        }
        double best = 0, bestSeconds = 0;
        for (int r = 0; r < AblationRepeats; r++)
        {
            double t0 = ThreadCpuSeconds();
            double flops = FmaPeak.Run(width, block, state);
            double s = Math.Max(ThreadCpuSeconds() - t0, 1e-9);
            if (flops / s > best) (best, bestSeconds) = (flops / s, s);
        }
        return new BenchResult(PeakKernel, new BenchVariant(width, precision, 1).ToString(), $"chains={FmaPeak.Chains}", bestSeconds, best / 1e9, PeakUnit);
    }

    /// <summary>One single-threaded engine run over the config's trials, as <see cref="ShortcutCnnMonteCarlo.RunK"/>
    /// sets it up; returns the trial-iterations done and the thread CPU seconds spent, feed included.</summary>
    private static (double TrialIterations, double CpuSeconds) AblateOnce<TAblation>(ShortcutCnnConfig config, int k)
        where TAblation : struct, IShortcutCnnStepAblation
    {
        var steps = config.ResolveSteps(k);
        var settings = new ShortcutCnnGdSettings(config.P, k, steps.Eta, config.IterationsFor(k), config.Tol, config.RetireLoss);
        var cap = new SphericalCap(config.P, config.CapDeg * Math.PI / 180);
        var cursor = new BlockCursor(0, config.Trials, config.BlockTrials);
        var feed = new ShortcutCnnTrialFeed(config, k, cap, cursor, progress: null, CancellationToken.None);
        double start = ThreadCpuSeconds();
        long work = ShortcutCnnLaneEngines.Run<TAblation>(config.Simd, config.Precision == Precision.Float, settings, feed, config.VectorsInFlight);
        double seconds = ThreadCpuSeconds() - start;
        return (work, Math.Max(seconds, 1e-9));
    }

    /// <summary>CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID); wall time where that is unavailable.</summary>
    private static double ThreadCpuSeconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0) return ts.Seconds + ts.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
