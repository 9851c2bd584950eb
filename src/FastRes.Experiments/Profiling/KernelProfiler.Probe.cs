using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Profiling;

/// <summary>Which clock a probe's rates are per second of.</summary>
public enum ProbeClock
{
    /// <summary>CPU time of the process (CLOCK_PROCESS_CPUTIME_ID): time the probe was descheduled is not counted.</summary>
    Cpu,
    /// <summary>Wall-clock time.</summary>
    Wall,
}

/// <summary>
/// `fastres bench probe`: the kernels the CI regression gate compares between two builds (issue 14 item 3), each a
/// short fixed workload timed many times, so that two builds can be measured interleaved in a few seconds each.
/// </summary>
public static partial class KernelProfiler
{
    /// <summary>The probe kernels, in the order they are measured within a repetition.</summary>
    /// <remarks>
    /// The Monte Carlo step (p = 8, k = 16, method resnet, 64 trials of T = 3,000 on 1 thread) at 512 and 256 bits in both
    /// precisions; the default eigenvalue path at n = 800 (two-stage); the exact Hessian of the depth-16 2-shortcut net
    /// with tanh in the middle (per-sample path) on 1,000 samples; one training epoch (ReLU-mid, per-sample path) on
    /// 2,000 samples. All on 1 thread: a build's code is what is compared, and one thread is the quietest measurement
    /// on a shared machine. A 512-bit kernel is skipped where Vector512 is not accelerated.
    /// </remarks>
    public static readonly IReadOnlyList<string> ProbeKernels =
        ["mc-double-512", "mc-float-512", "mc-double-256", "mc-float-256", "eig", "hessian-tanh-mid", "train-relu-mid"];

    /// <summary>Seconds each probe sample is sized to by default.</summary>
    public const double ProbeSeconds = 0.1;

    private sealed record ProbeCase(ProbeFigure Figure, Func<double> Run);

    /// <summary>
    /// Measures each of <paramref name="kernels"/> (names from <see cref="ProbeKernels"/>) <paramref name="repeat"/>
    /// times, the kernels taking turns within each repetition so that a slow stretch of the machine is shared out
    /// among them (<see cref="OpenProbe"/> for what one sample is).
    /// </summary>
    public static IReadOnlyList<BenchResult> Probe(IReadOnlyList<string> kernels, int repeat, double seconds, ProbeClock clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1);
        using var probe = OpenProbe(kernels, seconds, clock);
        var samples = probe.Figures.Select(_ => new List<(double Rate, double Seconds)>()).ToArray();
        for (int rep = 0; rep < repeat; rep++)
            for (int i = 0; i < probe.Figures.Count; i++) samples[i].Add(probe.Sample(probe.Figures[i].Id));
        return [.. probe.Figures.Select((f, i) => f.Result(samples[i]))];
    }

    /// <summary>
    /// Sets up <paramref name="kernels"/> (data, buffers; a 512-bit kernel where Vector512 is not accelerated is left
    /// out) and warms each up (≥ 0.3 s: tiered compilation promotes a kernel only after many calls), then sizes one
    /// sample of each to a batch of runs of ≈ <paramref name="seconds"/>. The unit names the clock ("… per CPU-second"
    /// for <see cref="ProbeClock.Cpu"/>), so that a probe is never compared with a wall-clock figure of another command.
    /// </summary>
    public static IProbeSampler OpenProbe(IReadOnlyList<string> kernels, double seconds, ProbeClock clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        var unknown = kernels.FirstOrDefault(k => !ProbeKernels.Contains(k));
        if (unknown is not null) throw new ArgumentException($"unknown probe kernel '{unknown}'", nameof(kernels));
        string per = clock == ProbeClock.Cpu ? " per CPU-second" : "/s";
        var cases = kernels.Select(k => ProbeCaseFor(k, per)).Where(c => c is not null).Select(c => c!).ToList();
        return new ProbeSession(cases, [.. cases.Select(c => Calibrate(c, seconds))], clock);
    }

    private sealed class ProbeSession(List<ProbeCase> cases, int[] batches, ProbeClock clock) : IProbeSampler
    {
        public IReadOnlyList<ProbeFigure> Figures { get; } = [.. cases.Select(c => c.Figure)];

        public (double Rate, double Seconds) Sample(string id)
        {
            int i = cases.FindIndex(c => c.Figure.Id == id);
            if (i < 0) throw new ArgumentException($"probe kernel '{id}' is not measured here", nameof(id));
            double start = Now(clock), work = 0;
            for (int b = 0; b < batches[i]; b++) work += cases[i].Run();
            double elapsed = Math.Max(Now(clock) - start, 1e-9);
            return (work / elapsed, elapsed);
        }

        public void Dispose() { }
    }

    /// <summary>Warm-up, then the runs per sample of ≈ <paramref name="seconds"/>.</summary>
    private static int Calibrate(ProbeCase c, double seconds)
    {
        var warm = Stopwatch.StartNew();
        int runs = 0;
        while (runs < 2 || warm.Elapsed.TotalSeconds < 0.3) { c.Run(); runs++; }
        var watch = Stopwatch.StartNew();
        c.Run();
        return Math.Max(1, (int)Math.Round(seconds / Math.Max(watch.Elapsed.TotalSeconds, 1e-9)));
    }

    private static ProbeCase? ProbeCaseFor(string name, string per)
    {
        string width = SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto));
        switch (name)
        {
            case "mc-double-512" or "mc-float-512" or "mc-double-256" or "mc-float-256":
            {
                var simd = name.EndsWith("512", StringComparison.Ordinal) ? SimdWidth.V512 : SimdWidth.V256;
                if (simd == SimdWidth.V512 ? !Vector512.IsHardwareAccelerated : !Vector256.IsHardwareAccelerated) return null;
                var precision = name.Contains("double", StringComparison.Ordinal) ? Precision.Double : Precision.Float;
                var config = new ShortcutCnnConfig
                {
                    P = MonteCarloP, K = [16], Methods = [ShortcutCnnMethod.Resnet], Iterations = ShortcutCnnConfig.BaseIterations,
                    Simd = simd, Precision = precision, Threads = 1, Trials = 64,
                };
                return new ProbeCase(new ProbeFigure(name, MonteCarloKernel, new BenchVariant(simd, precision, 1).ToString(), MonteCarloSize(MonteCarloP, 16) + ",trials=64",
                    "trial-iterations" + per), () => ShortcutCnnMonteCarlo.Run(config).Rows.Sum(r => (double)r.TrialIterations));
            }
            case "eig":
            {
                const int n = 800;
                var a = RandomSymmetric(n, n);
                var eig = new double[n];
                var ws = new SymmetricEigenWorkspace(n);
                return new ProbeCase(new ProbeFigure(name, EigenKernel, $"{width}/double/1t", $"n={n}", "GFLOP (4n³/3)" + per), () =>
                {
                    SymmetricEigen.Eigenvalues(a, n, eig, ws, 1);
                    return EigenFlops(n) / 1e9;
                });
            }
            case "hessian-tanh-mid":
            {
                const int d = 10, n = 2, depth = 16, m = 1000;
                var data = SyntheticData.Create(m, d, d, seed: 1);
                var net = new NShortcutNetwork(d, depth / n, n, shortcut: true, mid: Activation.Tanh);
                var theta = new double[net.ParameterCount];
                NetworkInitializer.Fill(net, NetworkInit.Small, 1, 0, theta);
                var h = new double[(long)net.ParameterCount * net.ParameterCount];
                return new ProbeCase(new ProbeFigure(name, HessianKernel, "tanh-mid/double/1t", $"depth={depth},n={n},d={d},m={m}", "Hessians" + per), () =>
                {
                    ExactHessian.Compute(net, theta, data.X, data.Y, m, h, 1);
                    return 1;
                });
            }
            case "train-relu-mid":
            {
                const int d = 10, depth = 16, m = 2000;
                var data = SyntheticData.Create(m, d, d, seed: 1);
                var network = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Relu).Build(depth, d);
                var objective = new SampleObjective(network, data, 1);
                var theta = new double[network.ParameterCount];
                NetworkInitializer.Fill(network, NetworkInit.Small, 1, 0, theta);
                var gradient = new double[theta.Length];
                return new ProbeCase(new ProbeFigure(name, TrainKernel, $"{width}/double/1t", TrainSize("relu-mid", "sample", network.Depth, d, m), "epochs" + per), () =>
                {
                    objective.LossAndGradient(theta, gradient);
                    for (int i = 0; i < theta.Length; i++) theta[i] -= 1e-3 * gradient[i];
                    return 1;
                });
            }
            default:
                return null;
        }
    }

    internal static double Now(ProbeClock clock)
    {
        if (clock == ProbeClock.Cpu && OperatingSystem.IsLinux() && ClockGetTime(ClockProcessCpuTimeId, out var ts) == 0)
            return ts.Seconds + ts.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private const int ClockProcessCpuTimeId = 2;
}

/// <summary>One figure a probe measures: its id (a <see cref="KernelProfiler.ProbeKernels"/> name) and its bench labels.</summary>
public sealed record ProbeFigure(string Id, string Kernel, string Variant, string Size, string Unit)
{
    /// <summary>The bench result of these samples: rate and seconds their medians, every rate kept as a sample.</summary>
    public BenchResult Result(IReadOnlyList<(double Rate, double Seconds)> samples)
        => new(Kernel, Variant, Size, Statistics.Robust.Median(samples.Select(s => s.Seconds)), Statistics.Robust.Median(samples.Select(s => s.Rate)), Unit)
        { Samples = [.. samples.Select(s => s.Rate)] };
}

/// <summary>
/// A probe ready to measure: in this process (<see cref="KernelProfiler.OpenProbe"/>) or in another build's process
/// (`bench probe --serve`, driven by `bench compare --builds`).
/// </summary>
public interface IProbeSampler : IDisposable
{
    /// <summary>The figures this probe measures, in the order asked for.</summary>
    IReadOnlyList<ProbeFigure> Figures { get; }

    /// <summary>One sample of the figure with this id: its rate and the seconds (of the probe's clock) it took.</summary>
    (double Rate, double Seconds) Sample(string id);
}
