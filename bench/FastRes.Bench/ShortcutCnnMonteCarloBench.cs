using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.Simd;

namespace FastRes.Bench;

/// <summary>
/// The SPEC §5 Monte Carlo target problem: p = 8, k = 16, method resnet, T = 3000, per SIMD path, precision and
/// thread count. The "trial-it/s" column is the figure SPEC §5 quotes (≥ 150 M on 2 cores, double; float ≥ 1.7×).
/// </summary>
[Config(typeof(Config))]
public class ShortcutCnnMonteCarloBench
{
    /// <summary>
    /// Trials per invocation: ≤ 1.5 M trial-iterations, ~10 ms on the fastest path and about a second on the
    /// scalar one (which BenchmarkDotNet then runs once per iteration).
    /// </summary>
    public const long Trials = 512;

    [Params(SimdWidth.Scalar, SimdWidth.V256, SimdWidth.V512)]
    public SimdWidth Simd { get; set; }

    [Params(Precision.Double, Precision.Float)]
    public Precision Precision { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    private ShortcutCnnConfig _config = new();

    public static ShortcutCnnConfig ConfigFor(SimdWidth simd, Precision precision, int threads) => new()
    {
        P = 8, K = [16], Methods = [ShortcutCnnMethod.Resnet], Trials = Trials,
        Simd = simd, Precision = precision, Threads = threads,
    };

    [GlobalSetup]
    public void Setup() => _config = ConfigFor(Simd, Precision, Threads);

    [Benchmark]
    public long Run() => ShortcutCnnMonteCarlo.Run(_config).Rows.Sum(r => r.TrialIterations);

    /// <summary>
    /// Trial-iterations of one invocation. Early retirement makes it less than Trials × T, but it is a pure
    /// function of (seed, trial) and precision (SPEC §1.3: independent of width and threads), so the host computes
    /// it once per precision with the fastest path.
    /// </summary>
    private static readonly ConcurrentDictionary<Precision, double> TrialIterations = new();

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new ThroughputColumn("trial-it/s", "Trial-iterations per second (Σ TrialIterations / mean time)", c =>
        {
            var precision = (Precision)c.Parameters["Precision"]!;
            return TrialIterations.GetOrAdd(precision, p =>
                ShortcutCnnMonteCarlo.Run(ConfigFor(SimdWidth.Auto, p, 0)).Rows.Sum(r => (double)r.TrialIterations));
        }));
    }
}
