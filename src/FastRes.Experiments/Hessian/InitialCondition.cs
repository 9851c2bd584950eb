using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Hessian;

/// <summary>The networks of Li et al.'s Figure 4, all linear (σ = identity).</summary>
public enum InitialConditionNet
{
    /// <summary>Plain linear network, xavier init.</summary>
    Xavier,
    /// <summary>Plain linear network, Haar-orthogonal init.</summary>
    Orthogonal,
    /// <summary>1-shortcut linear network, small init (xavier × 0.01).</summary>
    Shortcut1,
    /// <summary>2-shortcut linear network, small init: the paper's recommended net.</summary>
    Shortcut2,
    /// <summary>3-shortcut linear network, small init.</summary>
    Shortcut3,
}

public static class InitialConditionNets
{
    public static readonly InitialConditionNet[] All =
        [InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut1, InitialConditionNet.Shortcut2, InitialConditionNet.Shortcut3];

    public static string Name(this InitialConditionNet net) => net.ToString().ToLowerInvariant();

    public static bool TryParse(string text, out InitialConditionNet net)
    {
        foreach (var n in All)
            if (string.Equals(n.Name(), text.Trim(), StringComparison.OrdinalIgnoreCase)) { net = n; return true; }
        net = default;
        return false;
    }

    /// <summary>(shortcut?, n, init) of a net; plain nets use one matrix per "unit".</summary>
    public static (bool Shortcut, int N, NetworkInit Init) Shape(this InitialConditionNet net) => net switch
    {
        InitialConditionNet.Xavier => (false, 1, NetworkInit.Xavier),
        InitialConditionNet.Orthogonal => (false, 1, NetworkInit.Orthogonal),
        InitialConditionNet.Shortcut1 => (true, 1, NetworkInit.Small),
        InitialConditionNet.Shortcut2 => (true, 2, NetworkInit.Small),
        InitialConditionNet.Shortcut3 => (true, 3, NetworkInit.Small),
        _ => throw new ArgumentOutOfRangeException(nameof(net)),
    };
}

/// <summary>
/// initial-condition (Li et al. Figure 4): κ = max|λ| / |λ|_(0.1) of the exact Hessian at initialization vs depth,
/// mean ± std over runs, for plain xavier and orthogonal linear networks and 1-, 2-, 3-shortcut linear networks
/// with small init. The paper's claim: the 2-shortcut κ stays flat while xavier and orthogonal grow.
/// </summary>
public sealed record InitialConditionConfig
{
    public string? Data { get; init; }
    public int[] Depths { get; init; } = [2, 4, 8, 16, 32, 64];
    public InitialConditionNet[] Nets { get; init; } = InitialConditionNets.All;
    public int Runs { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    public int Threads { get; init; }

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (Depths is null || Depths.Length == 0 || Depths.Any(d => d < 1 || d > 256))
            errors.Add(new("depths", $"must list depths between 1 and 256 (got {HessianAtZeroConfig.Join(Depths)})"));
        if (Nets is null || Nets.Length == 0) errors.Add(new("nets", "must list at least one of xavier, orthogonal, shortcut1, shortcut2, shortcut3"));
        if (Runs < 1 || Runs > 10_000) errors.Add(new("runs", $"must be between 1 and 10000 (got {Runs})"));
        if (Width < 2 || Width > 64) errors.Add(new("width", $"must be between 2 and 64 (got {Width})"));
        if (Threads < 0) errors.Add(new("threads", $"must be ≥ 0 (0 = all cores) (got {Threads})"));
        return errors;
    }
}

public sealed record InitialConditionRow(string Net, int Depth, int Params, double KappaMean, double KappaStd, double IndexMean, int Runs, int InfiniteKappaRuns);

public sealed record InitialConditionResult(InitialConditionConfig Config, string DataSource, IReadOnlyList<InitialConditionRow> Rows, double Seconds);

public static class InitialCondition
{
    public static long TotalSteps(InitialConditionConfig c) => (long)c.Nets.Length * c.Depths.Length * c.Runs;

    /// <summary>
    /// Each (net, depth, run) draws its init from Philox stream (seed, run) — the same draws for every depth's layers
    /// — computes the exact Hessian (linear: from Σ^{XX}, Σ^{XY} only) and its eigenvalues. Depth D maps to
    /// R = max(1, round(D/n)) units, so the row's depth is R·n.
    /// </summary>
    public static InitialConditionResult Run(InitialConditionConfig config, Dataset data, IProgress<long>? progress = null,
                                             CancellationToken cancellationToken = default)
    {
        ShortcutCnnMonteCarlo.ThrowIfInvalid(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        int d = config.Width, m = data.Samples;
        // Linear networks see the data only through these moments (SPEC §2.3): computed once for every run.
        var sxx = new double[d * d];
        var sxy = new double[d * d];
        ExactHessian.Moments(data.X, data.Y, m, d, sxx, sxy);
        var rows = new List<InitialConditionRow>();
        foreach (var net in config.Nets)
        {
            var (shortcut, n, init) = net.Shape();
            foreach (int units in config.Depths.Select(depth => Math.Max(1, (int)Math.Round(depth / (double)n))).Distinct())
            {
                var network = new NShortcutNetwork(d, units, n, shortcut);
                int size = network.ParameterCount;
                var theta = new double[size];
                var hessian = new double[(long)size * size];
                var eigenvalues = new double[size];
                var kappas = new List<double>();
                double indexSum = 0;
                int infinite = 0;
                for (int run = 0; run < config.Runs; run++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    NetworkInitializer.Fill(network, init, config.Seed, (ulong)run, theta);
                    ExactHessian.Linear(network, theta, sxx, sxy, hessian);
                    SymmetricEigen.Eigenvalues(hessian, size, eigenvalues, config.Threads);
                    var stats = SpectrumStats.From(eigenvalues);
                    if (double.IsFinite(stats.Kappa)) kappas.Add(stats.Kappa); else infinite++;
                    indexSum += stats.Index;
                    progress?.Report(1);
                }
                double mean = kappas.Count > 0 ? kappas.Average() : double.NaN;
                double std = kappas.Count > 1 ? Math.Sqrt(kappas.Sum(k => (k - mean) * (k - mean)) / (kappas.Count - 1)) : double.NaN;
                rows.Add(new InitialConditionRow(net.Name(), units * n, size, mean, std, indexSum / config.Runs, config.Runs, infinite));
            }
        }
        return new InitialConditionResult(config, data.Source, rows, clock.Elapsed.TotalSeconds);
    }
}
