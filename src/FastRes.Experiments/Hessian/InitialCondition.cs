using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
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

    public static readonly Kind<InitialConditionNet> Kind = Kinds.Choice(All.Select(n => (n.Name(), n)).ToArray());

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
public sealed record InitialConditionConfig : IExperimentConfig<InitialConditionConfig>, IDataConfig
{
    public string? Data { get; init; }
    public int[] Depths { get; init; } = [2, 4, 8, 16, 32, 64];
    public InitialConditionNet[] Nets { get; init; } = InitialConditionNets.All;
    public int Runs { get; init; } = 10;
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    public int Threads { get; init; }
    /// <summary>The slice of the run indices 0..Runs−1 this process computes (every (net, depth) point); merge combines shards.</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Runs [Start, End) of this shard.</summary>
    public (int Start, int End) RunRange { get { var (a, b) = Shard.Range(Runs); return ((int)a, (int)b); } }

    public static Schema<InitialConditionConfig> Schema { get; } = new()
    {
        DataCache.Setting<InitialConditionConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "depths", "LIST", "Network depths", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 256)) },
        { "nets", "LIST", "Comma list of xavier, orthogonal, shortcut1, shortcut2, shortcut3 (default all)", c => c.Nets, (c, v) => c with { Nets = v },
          Kinds.List(InitialConditionNets.Kind), Rules.NonEmpty<InitialConditionNet>(what: "at least one of xavier, orthogonal, shortcut1, shortcut2, shortcut3") },
        { "runs", "N", "Initializations per (net, depth)", c => c.Runs, (c, v) => c with { Runs = v }, Kinds.Int, Rules.Between(1, 10_000) },
        Packs.Seed<InitialConditionConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the initializations and the synthetic data"),
        Packs.Width<InitialConditionConfig>(c => c.Width, (c, v) => c with { Width = v }),
        Packs.Threads<InitialConditionConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<InitialConditionConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Run shard i (0-based) of N of the run indices, at every (net, depth); merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count == 0 && HessianSize.Check(Nets.SelectMany(net => Depths.Select(d => (net.Shape().N, d))), Width) is { } error) errors.Add(error);
        return errors;
    }
}

/// <summary>One (net, depth) point: κ and index summarized over its runs, and the per-run values they summarize (what merge recomputes from).</summary>
public sealed record InitialConditionRow(string Net, int Depth, int Params, double KappaMean, double KappaStd, double IndexMean, int Runs, int InfiniteKappaRuns,
                                         IReadOnlyList<InitialConditionRunValue> PerRun)
{
    public static readonly InitialConditionRow Blank = new("", 0, 0, 0, 0, 0, 0, 0, []);

    public static Table<InitialConditionRow> Columns { get; } = new(Blank)
    {
        { "net", r => r.Net, "net", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Net = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Depth = v } },
        { "params", r => r.Params, "params", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Params = v } },
        { "kappa_mean", r => r.KappaMean, "κ mean", ColumnFlags.Console, null, (r, v) => r with { KappaMean = v } },
        { "kappa_std", r => r.KappaStd, "κ std", ColumnFlags.Console, null, (r, v) => r with { KappaStd = v } },
        { "index_mean", r => r.IndexMean, "index mean", ColumnFlags.None, null, (r, v) => r with { IndexMean = v } },
        { "runs", r => r.Runs, "runs", ColumnFlags.None, null, (r, v) => r with { Runs = v } },
        { "infinite_kappa_runs", r => r.InfiniteKappaRuns, ColumnFlags.Hidden, (r, v) => r with { InfiniteKappaRuns = v } },
        { "per_run", r => r.PerRun, InitialConditionRunValue.Columns, ColumnFlags.JsonOnly, (r, v) => r with { PerRun = v } },
    };

    /// <summary>What is wrong with a shard's row, for merge: it holds exactly its slice's runs, and its summary is theirs.</summary>
    public string? CheckShard(long firstRun, long endRun)
    {
        if (!PerRun.Select(v => (long)v.Run).SequenceEqual(Enumerable.Range((int)firstRun, (int)(endRun - firstRun)).Select(i => (long)i)))
            return $"{Net} depth {Depth} does not hold exactly the runs [{firstRun}, {endRun}) of its slice";
        var own = InitialCondition.Summarize(Net, Depth, Params, PerRun);
        return own with { PerRun = PerRun } == this with { PerRun = PerRun } ? null : $"{Net} depth {Depth}: its summary and per-run values do not add up";
    }
}

/// <summary>One initialization's outcome: its run index, κ (+∞ when |λ|_(0.1) = 0) and Morse index.</summary>
public sealed record InitialConditionRunValue(int Run, double Kappa, double Index)
{
    public static Table<InitialConditionRunValue> Columns { get; } = new(new InitialConditionRunValue(0, 0, 0))
    {
        { "run", v => v.Run, ColumnFlags.None, (v, x) => v with { Run = x } },
        // JSON has no ∞: an infinite κ is written as null and read back as +∞ (κ is never NaN here).
        { "kappa", v => v.Kappa, ColumnFlags.None, (v, x) => v with { Kappa = double.IsNaN(x) ? double.PositiveInfinity : x } },
        { "index", v => v.Index, ColumnFlags.None, (v, x) => v with { Index = x } },
    };
}

/// <summary>The rows (each with the per-run values it summarizes, so that merging shards recomputes mean and std exactly as a single run would).</summary>
public sealed record InitialConditionResult(InitialConditionConfig Config, string DataSource, IReadOnlyList<InitialConditionRow> Rows, double Seconds)
    : IExperimentResult<InitialConditionResult>
{
    public static ResultLayout<InitialConditionResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "rows", InitialConditionRow.Columns, r => r.Rows },
    };
}

public static class InitialCondition
{
    /// <summary>Hessians this config computes: (net, depth) points × the runs of its shard.</summary>
    public static long TotalSteps(InitialConditionConfig c)
        => (long)c.Nets.Sum(net => c.Depths.Select(depth => Units(net, depth)).Distinct().Count()) * (c.RunRange.End - c.RunRange.Start);

    private static int Units(InitialConditionNet net, int depth) => Math.Max(1, (int)Math.Round(depth / (double)net.Shape().N));

    /// <summary>The journal's name for one (net, depth) point: <c>net=xavier depth=8</c>.</summary>
    public static string CellName(InitialConditionNet net, int depth) => $"net={net.Name()} depth={depth}";

    /// <summary>
    /// A row from its runs' values, in run order: κ mean and sample std over the finite κ, index mean over all runs.
    /// A run and a merge of shards both come through here with the same values in the same order, so bit for bit equal.
    /// </summary>
    public static InitialConditionRow Summarize(string net, int depth, int size, IReadOnlyList<InitialConditionRunValue> values)
    {
        var kappas = new List<double>();
        double indexSum = 0;
        int infinite = 0;
        foreach (var v in values)
        {
            if (double.IsFinite(v.Kappa)) kappas.Add(v.Kappa); else infinite++;
            indexSum += v.Index;
        }
        double mean = kappas.Count > 0 ? kappas.Average() : double.NaN;
        double std = kappas.Count > 1 ? Math.Sqrt(kappas.Sum(k => (k - mean) * (k - mean)) / (kappas.Count - 1)) : double.NaN;
        return new InitialConditionRow(net, depth, size, mean, std, values.Count > 0 ? indexSum / values.Count : double.NaN, values.Count, infinite, values);
    }

    /// <summary>A finished run as a journal block of one trial: its tally is the IEEE-754 bits of κ and index (exact round trip).</summary>
    public static CompletedBlock ToBlock(string cell, InitialConditionRunValue v)
        => new(cell, v.Run, v.Run, v.Run + 1, [Bits(v.Kappa), Bits(v.Index)]);

    public static InitialConditionRunValue FromBlock(CompletedBlock b)
    {
        if (b.Tally.Length != 2 || b.End != b.Start + 1 || b.Start != b.Index)
            throw new InvalidDataException($"checkpoint block {b.Cell} #{b.Index} is not an initial-condition run record");
        return new((int)b.Index, BitConverter.Int64BitsToDouble(b.Tally[0]), BitConverter.Int64BitsToDouble(b.Tally[1]));
    }

    // κ ≥ 0 or +∞ and index ∈ [0, 1]: sign bit clear, so the bits are a non-negative integer as the journal wants.
    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x == 0 ? 0.0 : x) is var b && b >= 0 ? b
        : throw new ArgumentOutOfRangeException(nameof(x), $"{x} cannot be journaled");

    /// <summary>One (net, depth) point of the run: its network and the values of the shard's runs, in run order.</summary>
    private sealed record Point(InitialConditionNet Net, int Depth, NetworkInit Init, NShortcutNetwork Network, InitialConditionRunValue[] Values)
    {
        public string Cell { get; } = CellName(Net, Depth);
    }

    /// <summary>The runs not in the journal as a stream of Hessians: built on the worker that solves them, journaled as each is accepted.</summary>
    private sealed class Runs(ulong seed, double[] sxx, double[] sxy, int start, List<(Point Point, int Run)> pending, ITrialBlockJournal? journal,
                              IProgress<long>? progress) : ISymmetricEigenSource
    {
        public int Order(int index) => pending[index].Point.Network.ParameterCount;

        public void Build(int index, Span<double> matrix, CancellationToken cancellationToken)
        {
            var (point, run) = pending[index];
            var theta = new double[point.Network.ParameterCount];
            NetworkInitializer.Fill(point.Network, point.Init, seed, (ulong)run, theta);
            ExactHessian.Linear(point.Network, theta, sxx, sxy, matrix, cancellationToken);
        }

        public void Accept(int index, ReadOnlySpan<double> matrix, ReadOnlySpan<double> eigenvalues)
        {
            var (point, run) = pending[index];
            var stats = SpectrumStats.From(eigenvalues);
            var value = new InitialConditionRunValue(run, double.IsFinite(stats.Kappa) ? stats.Kappa : double.PositiveInfinity, stats.Index);
            journal?.Record(ToBlock(point.Cell, value));
            point.Values[run - start] = value;
            progress?.Report(1);
        }
    }

    /// <summary>
    /// Each (net, depth, run) draws its init from Philox stream (seed, run) — the same draws for every depth's layers
    /// — computes the exact Hessian (linear: from Σ^{XX}, Σ^{XY} only) and its eigenvalues. Depth D maps to
    /// R = max(1, round(D/n)) units, so the row's depth is R·n.
    /// </summary>
    public static InitialConditionResult Run(InitialConditionConfig config, Dataset data, IProgress<long>? progress = null,
                                             CancellationToken cancellationToken = default, ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        int d = config.Width, m = data.Samples;
        // Linear networks see the data only through these moments (SPEC §2.3): computed once for every run.
        var sxx = new double[d * d];
        var sxy = new double[d * d];
        ExactHessian.Moments(data.X, data.Y, m, d, sxx, sxy);
        var (start, end) = config.RunRange;
        var points = new List<Point>();
        var pending = new List<(Point Point, int Run)>();
        foreach (var net in config.Nets)
        {
            var (shortcut, n, init) = net.Shape();
            foreach (int units in config.Depths.Select(depth => Math.Max(1, (int)Math.Round(depth / (double)n))).Distinct())
            {
                var point = new Point(net, units * n, init, new NShortcutNetwork(d, units, n, shortcut), new InitialConditionRunValue[end - start]);
                points.Add(point);
                for (int run = start; run < end; run++)
                {
                    if (journal is not null && journal.TryGetCompleted(point.Cell, run, out var done))
                    {
                        point.Values[run - start] = FromBlock(done);
                        progress?.Report(1);
                    }
                    else pending.Add((point, run));
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (pending.Count > 0)
        {
            // Throughput mode: run j's Hessian is built and solved on the same core, one run per core; each spectrum
            // is the single solve's bit for bit (SymmetricEigenBatch), so the values do not depend on the thread count
            // or on which runs are pending.
            using var batch = new SymmetricEigenBatch(pending.Max(p => p.Point.Network.ParameterCount), config.Threads);
            batch.Solve(new Runs(config.Seed, sxx, sxy, start, pending, journal, progress), pending.Count, cancellationToken);
        }
        var rows = points.Select(p => Summarize(p.Net.Name(), p.Depth, p.Network.ParameterCount, p.Values)).ToList();
        return new InitialConditionResult(config, data.Source, rows, clock.Elapsed.TotalSeconds);
    }
}
