using FastRes.Experiments.ShortcutCnn;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>What `fastres info` and the bench JSON report about the machine (SPEC §5).</summary>
/// <remarks>
/// <see cref="Host"/> and <see cref="Identity"/> name the node a report came from (a fleet report combines many);
/// they are optional in the JSON, so that reports written before they existed still parse.
/// </remarks>
public sealed record MachineInfo(string Cpu, int Cores, string Isa, string VectorWidth, string Runtime, string Os)
{
    /// <summary>The host name ("" when unknown).</summary>
    public string Host { get; init; } = "";

    /// <summary>Vendor, family/model/stepping and microarchitecture; null when the report did not carry them.</summary>
    public CpuIdentity? Identity { get; init; }

    /// <summary>The Slurm partition the measurement ran in (SLURM_JOB_PARTITION of a fleet job; "" outside one).</summary>
    public string Partition { get; init; } = "";
}

/// <summary>One measured kernel figure (SPEC §5 JSON contract: kernel, variant, size, seconds, rate, unit).</summary>
/// <remarks>
/// Variants are "{path}/{precision}/{threads}t", e.g. "Vector512/double/2t" (see <see cref="BenchVariant"/>),
/// so that ratios between variants of one run can be formed without extra fields in the JSON contract.
/// </remarks>
public sealed record BenchResult(string Kernel, string Variant, string Size, double Seconds, double Rate, string Unit)
{
    /// <summary>
    /// The rate of every repetition (`--repeat N`), in the order measured; <see cref="Rate"/> is their median. Empty
    /// means one measurement, the rate itself (<see cref="RateSamples"/>).
    /// </summary>
    public IReadOnlyList<double> Samples { get; init; } = [];

    /// <summary><see cref="Samples"/>, or the one rate when there are none.</summary>
    public IReadOnlyList<double> RateSamples => Samples.Count > 0 ? Samples : [Rate];

    /// <summary>Value equality, the samples compared by value (no samples equals the one sample that is the rate).</summary>
    public bool Equals(BenchResult? other)
        => other is not null && Kernel == other.Kernel && Variant == other.Variant && Size == other.Size
           && Seconds.Equals(other.Seconds) && Rate.Equals(other.Rate) && Unit == other.Unit
           && RateSamples.SequenceEqual(other.RateSamples);

    public override int GetHashCode() => HashCode.Combine(Kernel, Variant, Size, Seconds, Rate, Unit, RateSamples.Count);
}

/// <summary>
/// The quick profiler behind `fastres bench` (BenchmarkDotNet in bench/ is the rigorous one): machine peak
/// (FMA throughput) and kernel throughputs, each measured in this process so ratios are side by side.
/// </summary>
public static partial class KernelProfiler
{
    public const string PeakKernel = "peak";
    public const string PeakUnit = "GFLOP/s";
    public const string MonteCarloKernel = "mc";
    public const string MonteCarloUnit = "trial-iterations/s";

    /// <summary>Seconds each peak figure is measured for (after a warm-up of the same kernel).</summary>
    public const double PeakSeconds = 0.3;

    /// <summary>Seconds each Monte Carlo figure is sized to.</summary>
    public const double MonteCarloSeconds = 0.5;

    /// <summary>The Monte Carlo problem the profiler measures: p = 8 (SPEC §5 targets), method resnet.</summary>
    public const int MonteCarloP = 8;

    public static MachineInfo Machine() => new(
        Cpu: CpuModel(),
        Cores: Environment.ProcessorCount,
        Isa: Isa(),
        VectorWidth: SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto)),
        Runtime: RuntimeInformation.FrameworkDescription,
        Os: RuntimeInformation.OSDescription)
    {
        Host = Environment.MachineName,
        Identity = CpuIdentity.Current(),
    };

    /// <summary>
    /// Peak double and float FMA throughput (GFLOP/s) at the widest accelerated width, on 1 thread and on
    /// <paramref name="threads"/> (0 = all cores; the N-thread figures are skipped when N = 1).
    /// </summary>
    public static IReadOnlyList<BenchResult> Peak(int threads) => Peak(threads, PeakSeconds);

    internal static IReadOnlyList<BenchResult> Peak(int threads, double seconds)
    {
        int n = ResolveThreads(threads);
        var width = SimdWidths.Resolve(SimdWidth.Auto);
        var results = new List<BenchResult>();
        foreach (var precision in new[] { Precision.Double, Precision.Float })
        {
            foreach (int t in n == 1 ? new[] { 1 } : new[] { 1, n })
            {
                var (flops, elapsed) = precision == Precision.Double
                    ? MeasurePeak<double>(width, t, seconds)
                    : MeasurePeak<float>(width, t, seconds);
                results.Add(new BenchResult(PeakKernel, new BenchVariant(width, precision, t).ToString(),
                    $"chains={FmaPeak.Chains}", elapsed, flops / elapsed / 1e9, PeakUnit));
            }
        }
        return results;
    }

    /// <summary>
    /// Monte Carlo trial-iterations/s for p = 8, method resnet and each k in <paramref name="sizes"/>, per SIMD
    /// path (scalar, and Vector256 / Vector512 where this machine accelerates them) and precision, on
    /// <paramref name="threads"/> threads (0 = all cores). Each figure is one <see cref="ShortcutCnnMonteCarlo.Run"/>
    /// with its trial count sized to about <see cref="MonteCarloSeconds"/>; rate = Σ TrialIterations / seconds,
    /// so early-retired trials count only the iterations they ran.
    /// </summary>
    public static IReadOnlyList<BenchResult> MonteCarlo(IReadOnlyList<int> sizes, int threads)
        => MonteCarlo(sizes, threads, MonteCarloSeconds, c => ShortcutCnnMonteCarlo.Run(c));

    /// <summary>Seconds each figure of the CI smoke check is sized to: short, since only ratios are compared.</summary>
    public const double SmokeSeconds = 0.25;

    /// <summary>
    /// <see cref="MonteCarlo(IReadOnlyList{int}, int)"/> sized to <see cref="SmokeSeconds"/> per figure: the quick
    /// measurement behind `fastres bench smoke` and its baseline.
    /// </summary>
    public static IReadOnlyList<BenchResult> SmokeMonteCarlo(IReadOnlyList<int> sizes, int threads)
        => MonteCarlo(sizes, threads, SmokeSeconds, c => ShortcutCnnMonteCarlo.Run(c));

    /// <summary>The SIMD paths the Monte Carlo profile covers on this machine, scalar first.</summary>
    public static IReadOnlyList<SimdWidth> MonteCarloWidths()
    {
        var widths = new List<SimdWidth> { SimdWidth.Scalar };
        if (Vector256.IsHardwareAccelerated) widths.Add(SimdWidth.V256);
        if (Vector512.IsHardwareAccelerated) widths.Add(SimdWidth.V512);
        return widths;
    }

    /// <summary>The seam for tests: <paramref name="run"/> stands in for the Monte Carlo runner.</summary>
    internal static IReadOnlyList<BenchResult> MonteCarlo(IReadOnlyList<int> sizes, int threads, double seconds,
        Func<ShortcutCnnConfig, ShortcutCnnResult> run)
    {
        int n = ResolveThreads(threads);
        var results = new List<BenchResult>();
        foreach (int k in sizes)
        {
            foreach (var precision in new[] { Precision.Double, Precision.Float })
            {
                foreach (var width in MonteCarloWidths())
                {
                    var config = new ShortcutCnnConfig
                    {
                        // A fixed T, not the per-k default: the workload (and so the rate) must not move when defaults do.
                        P = MonteCarloP, K = [k], Methods = [ShortcutCnnMethod.Resnet], Iterations = ShortcutCnnConfig.BaseIterations,
                        Simd = width, Precision = precision, Threads = n,
                    };
                    var (trialIterations, elapsed) = MeasureMonteCarlo(config, seconds, run);
                    results.Add(new BenchResult(MonteCarloKernel, new BenchVariant(width, precision, n).ToString(),
                        MonteCarloSize(MonteCarloP, k), elapsed, trialIterations / elapsed, MonteCarloUnit));
                }
            }
        }
        return results;
    }

    public static string MonteCarloSize(int p, int k) => $"p={p},k={k}";

    private static (double TrialIterations, double Seconds) MeasureMonteCarlo(ShortcutCnnConfig config, double seconds,
        Func<ShortcutCnnConfig, ShortcutCnnResult> run)
    {
        // Calibrate on growing trial counts (the first runs also bring the kernel to its optimized tier), then
        // size one measured run to the target time.
        long trials = 16L * Math.Max(1, config.Threads);
        // Untimed warm-up: the first run of a path includes its JIT compilation, which made the first calibration
        // run look long and sized the measured run to a few hundred trials, its lanes idle for much of the tail.
        RunOnce(config with { Trials = trials }, run);
        double perTrial = 0;
        for (int attempt = 0; attempt < 12; attempt++)
        {
            var (_, s) = RunOnce(config with { Trials = trials }, run);
            perTrial = s / trials;
            if (s >= Math.Min(0.05, seconds / 4)) break;
            trials *= 4;
        }
        long sized = (long)Math.Clamp(seconds / Math.Max(perTrial, 1e-12), 1, 1e9);
        return RunOnce(config with { Trials = sized }, run);
    }

    private static (double TrialIterations, double Seconds) RunOnce(ShortcutCnnConfig config,
        Func<ShortcutCnnConfig, ShortcutCnnResult> run)
    {
        var watch = Stopwatch.StartNew();
        var result = run(config);
        double wall = watch.Elapsed.TotalSeconds;
        // The runner's own clock excludes process-level setup; fall back to ours if it reports none.
        double seconds = result.Seconds > 0 ? result.Seconds : wall;
        return (result.Rows.Sum(r => (double)r.TrialIterations), seconds);
    }

    private static (double Flops, double Seconds) MeasurePeak<T>(SimdWidth width, int threads, double seconds)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        // Size a block to ~10 ms on one thread (after a warm-up that also reaches the optimized code), then
        // give every thread the same number of blocks and time them all from one start to the last finish.
        var state = new T[FmaPeak.StateLength<T>(width)];
        long block = 1 << 14;
        while (true)
        {
            var w = Stopwatch.StartNew();
            FmaPeak.Run(width, block, state);
            if (w.Elapsed.TotalSeconds >= 0.01 || block >= 1L << 40) { block = (long)(block * 0.01 / Math.Max(w.Elapsed.TotalSeconds, 1e-9)) + 1; break; }
            block *= 4;
        }
        long blocks = Math.Max(1, (long)(seconds / 0.01));

        double flops = 0;
        var workers = new Thread[threads];
        var totals = new double[threads];
        using var start = new Barrier(threads + 1);
        for (int i = 0; i < threads; i++)
        {
            int id = i;
            workers[i] = new Thread(() =>
            {
                var s = new T[FmaPeak.StateLength<T>(width)];
                FmaPeak.Run(width, block, s); // warm-up on this core
                start.SignalAndWait();
                double done = 0;
                for (long b = 0; b < blocks; b++) done += FmaPeak.Run(width, block, s);
                totals[id] = done;
            }) { IsBackground = true, Name = $"fma-peak-{id}" };
            workers[i].Start();
        }
        start.SignalAndWait();
        var watch = Stopwatch.StartNew();
        foreach (var t in workers) t.Join();
        double elapsed = watch.Elapsed.TotalSeconds;
        foreach (double d in totals) flops += d;
        return (flops, elapsed);
    }

    private static int ResolveThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return threads == 0 ? Environment.ProcessorCount : threads;
    }

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    // x86 names the model; many ARM kernels only give "Hardware" or "CPU part".
                    if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Hardware", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        if (colon >= 0 && line[(colon + 1)..].Trim() is { Length: > 0 } name) return name;
                    }
                }
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return $"unknown {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()} CPU";
    }

    private static string Isa()
    {
        var parts = new List<string>();
        if (Avx512F.IsSupported) parts.Add("AVX-512F");
        if (Avx2.IsSupported) parts.Add("AVX2");
        if (Fma.IsSupported) parts.Add("FMA");
        if (AdvSimd.IsSupported) parts.Add("AdvSIMD");
        return parts.Count == 0 ? "none (scalar)" : string.Join(' ', parts);
    }
}

/// <summary>A bench variant: SIMD path, precision and thread count, written "Vector512/double/2t".</summary>
public readonly record struct BenchVariant(SimdWidth Width, Precision Precision, int Threads)
{
    public override string ToString()
        => $"{SimdWidths.Describe(Width)}/{(Precision == Precision.Double ? "double" : "float")}/{Threads}t";

    public static bool TryParse(string text, out BenchVariant variant)
    {
        variant = default;
        var parts = text.Split('/');
        if (parts.Length != 3 || !parts[2].EndsWith('t')) return false;
        SimdWidth? width = parts[0] switch
        {
            "Vector512" => SimdWidth.V512, "Vector256" => SimdWidth.V256, "Vector128" => SimdWidth.V128,
            "scalar" => SimdWidth.Scalar, _ => null,
        };
        Precision? precision = parts[1] switch { "double" => Precision.Double, "float" => Precision.Float, _ => null };
        if (width is null || precision is null
            || !int.TryParse(parts[2][..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int threads) || threads < 1)
            return false;
        variant = new BenchVariant(width.Value, precision.Value, threads);
        return true;
    }
}
