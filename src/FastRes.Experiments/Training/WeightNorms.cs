using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>
/// weight-norms (Li et al. Section 3, Figure 3; Figure 2's claim on our networks): the average Frobenius norm of the
/// weight matrices of small-initialized 2-shortcut networks during full-batch GD, at several depths, linear and with
/// ReLUs at the mid positions. The claim: the deeper the network, the smaller the norms, during training and at its end.
/// </summary>
public sealed record WeightNormsConfig : IExperimentConfig<WeightNormsConfig>, IDataConfig
{
    public string? Data { get; init; }
    public int[] Depths { get; init; } = [2, 4, 8, 16, 32];
    public Activation[] Mids { get; init; } = [Activation.Identity, Activation.Relu];
    public int Runs { get; init; } = 2;
    public int Epochs { get; init; } = 200;
    /// <summary>The norms are recorded at epoch 0, every this many epochs and at the last.</summary>
    public int Every { get; init; } = 10;
    public double Eta { get; init; } = 0.05;
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    public int Threads { get; init; }
    /// <summary>The slice of the cells (mid × depth × run) this process computes.</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    public static Schema<WeightNormsConfig> Schema { get; } = new()
    {
        DataCache.Setting<WeightNormsConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "depths", "LIST", "Network depths (2-shortcut: depth/2 units)", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(2, 1024)) },
        { "mids", "LIST", "Comma list of linear, relu: the activation at the mid positions", c => c.Mids, (c, v) => c with { Mids = v }, Kinds.List(TrainingNet.MidKind),
          Rules.NonEmpty<Activation>(what: "at least one of linear, relu") },
        { "runs", "N", "Initializations (runs) per (mid, depth)", c => c.Runs, (c, v) => c with { Runs = v }, Kinds.Int, Rules.Between(1, 1000) },
        { "epochs", "E", "Full-batch gradient steps", c => c.Epochs, (c, v) => c with { Epochs = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "every", "K", "Record the norms at epoch 0, every K epochs and at the last", c => c.Every, (c, v) => c with { Every = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "eta", "X", "Learning rate (fixed step, the same at every depth)", c => c.Eta, (c, v) => c with { Eta = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        Packs.Seed<WeightNormsConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the initializations and the synthetic data"),
        Packs.Width<WeightNormsConfig>(c => c.Width, (c, v) => c with { Width = v }),
        Packs.Threads<WeightNormsConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<WeightNormsConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Shard i (0-based) of N of the cells (mid × depth × run); merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count == 0 && Depths.Select(UnitsOf).Distinct().Count() != Depths.Length)
            errors.Add(new ConfigError("depths", "two depths give the same 2-shortcut network (depth/2 units, rounded); give distinct even depths"));
        return errors;
    }

    private static int UnitsOf(int depth) => HessianSize.Units(2, depth);

    public long CellCount => (long)Mids.Length * Depths.Length * Runs;

    public IEnumerable<int> RecordEpochs => Enumerable.Range(0, Epochs / Every + 1).Select(i => i * Every).Append(Epochs).Distinct();
}

/// <summary>The average Frobenius norm (1/D) Σ_l ‖W_l‖_F of one run at one epoch.</summary>
public sealed record WeightNormsRow(string Mid, int Depth, int Run, int Epoch, double Loss, double AvgFrobenius)
{
    public static readonly WeightNormsRow Blank = new("", 0, 0, 0, 0, 0);

    public static Table<WeightNormsRow> Columns { get; } = new(Blank)
    {
        { "mid", r => r.Mid, "mid", ColumnFlags.Key, null, (r, v) => r with { Mid = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Key, null, (r, v) => r with { Depth = v } },
        { "run", r => r.Run, "run", ColumnFlags.Key, null, (r, v) => r with { Run = v } },
        { "epoch", r => r.Epoch, "epoch", ColumnFlags.Key, null, (r, v) => r with { Epoch = v } },
        { "loss", r => r.Loss, "loss", ColumnFlags.None, null, (r, v) => r with { Loss = v } },
        { "avg_frobenius", r => r.AvgFrobenius, "mean ‖W‖_F", ColumnFlags.None, null, (r, v) => r with { AvgFrobenius = v } },
    };
}

/// <summary>How one run ended.</summary>
public sealed record WeightNormsRun(string Mid, int Depth, int Run, int Epochs, double FinalLoss, double FinalAvgFrobenius, bool Diverged, int DivergedAt)
{
    public static readonly WeightNormsRun Blank = new("", 0, 0, 0, 0, 0, false, -1);

    public static Table<WeightNormsRun> Columns { get; } = new(Blank)
    {
        { "mid", r => r.Mid, "mid", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Mid = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Depth = v } },
        { "run", r => r.Run, "run", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Run = v } },
        { "epochs", r => r.Epochs, "epochs", ColumnFlags.None, null, (r, v) => r with { Epochs = v } },
        { "final_loss", r => r.FinalLoss, "final loss", ColumnFlags.Console, null, (r, v) => r with { FinalLoss = v } },
        { "final_avg_frobenius", r => r.FinalAvgFrobenius, "final mean ‖W‖_F", ColumnFlags.Console, null, (r, v) => r with { FinalAvgFrobenius = v } },
        { "diverged", r => r.Diverged, "diverged", ColumnFlags.None, null, (r, v) => r with { Diverged = v } },
        { "diverged_at", r => r.DivergedAt, ColumnFlags.Hidden, (r, v) => r with { DivergedAt = v } },
    };
}

/// <summary>One (mid, depth, epoch): the mean over runs (runs that diverged before that epoch left out).</summary>
public sealed record WeightNormsPoint(string Mid, int Depth, int Epoch, int Runs, double LossMean, double AvgFrobeniusMean, double AvgFrobeniusStd)
{
    public static Table<WeightNormsPoint> Columns { get; } = new()
    {
        { "mid", r => r.Mid, "mid" },
        { "depth", r => r.Depth, "depth" },
        { "epoch", r => r.Epoch, "epoch" },
        { "runs", r => r.Runs, "runs" },
        { "loss_mean", r => r.LossMean, "loss" },
        { "avg_frobenius_mean", r => r.AvgFrobeniusMean, "mean ‖W‖_F" },
        { "avg_frobenius_std", r => r.AvgFrobeniusStd, "std" },
    };
}

/// <summary>
/// Cases: for each mid, each recorded epoch after 0 (during training, and the last = the end) and each pair of
/// consecutive depths, the deeper network's mean norm is smaller. Epoch 0 is not a case: every depth starts from
/// the same small init (‖W‖_F ≈ 0.01·√d per layer, the same draws layer by layer).
/// </summary>
public sealed record WeightNormsResult(WeightNormsConfig Config, string DataSource, IReadOnlyList<WeightNormsRow> Rows, IReadOnlyList<WeightNormsRun> Runs,
    IReadOnlyList<WeightNormsPoint> Curves, int EndCases, int EndViolations, int TrainingCases, int TrainingViolations, double Seconds)
    : IExperimentResult<WeightNormsResult>, IClaimCheck
{
    public int CaseCount => TrainingCases;
    public int Violations => TrainingViolations;
    public string CaseNoun => "(mid, epoch, depth pair) comparisons";

    public static ResultLayout<WeightNormsResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "end_cases", r => r.EndCases },
        { "end_violations", r => r.EndViolations },
        { "rows", WeightNormsRow.Columns, r => r.Rows },
        { "runs", WeightNormsRun.Columns, r => r.Runs },
        { "curves", WeightNormsPoint.Columns, r => r.Curves },
    };
}

public static class WeightNorms
{
    /// <summary>Cell i → (mid, depth, run), mid-major, then depth, then run.</summary>
    public static (Activation Mid, int Depth, int Run) Cell(WeightNormsConfig c, long index)
        => (c.Mids[index / ((long)c.Depths.Length * c.Runs)], c.Depths[(int)(index / c.Runs % c.Depths.Length)], (int)(index % c.Runs));

    public static string MidName(Activation mid) => mid == Activation.Identity ? "linear" : mid.ToString().ToLowerInvariant();

    public static string CellName(Activation mid, int depth, int run) => $"mid={MidName(mid)} depth={depth} run={run}";

    /// <summary>Progress steps: gradient steps of the shard's cells weighted by depth (the cost of one epoch grows with it).</summary>
    public static long TotalSteps(WeightNormsConfig c)
    {
        var (start, end) = c.Shard.Range(c.CellCount);
        long total = 0;
        for (long i = start; i < end; i++) total += CellWeight(c, i);
        return total;
    }

    private static long CellWeight(WeightNormsConfig c, long index) => (long)Cell(c, index).Depth * (c.Epochs + 1);

    /// <summary>(1/D) Σ_l ‖W_l‖_F over the network's D matrices of d×d.</summary>
    public static double AverageFrobenius(ReadOnlySpan<double> theta, int width)
    {
        int dd = width * width, layers = theta.Length / dd;
        double total = 0;
        for (int l = 0; l < layers; l++)
        {
            double s = 0;
            foreach (double v in theta.Slice(l * dd, dd)) s += v * v;
            total += Math.Sqrt(s);
        }
        return total / layers;
    }

    public sealed record CellOutcome(WeightNormsRun End, IReadOnlyList<WeightNormsRow> Rows);

    /// <summary>Trains one 2-shortcut network (small init, Philox stream (seed, run)) on one thread, recording its norms.</summary>
    public static CellOutcome RunCell(WeightNormsConfig c, Dataset data, Activation mid, int depth, int run, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var net = new TrainingNet(InitialConditionNet.Shortcut2, mid);
        var network = net.Build(depth, c.Width);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, c.Seed, (ulong)run, theta);
        var record = c.RecordEpochs.ToHashSet();
        var rows = new List<WeightNormsRow>();
        string midName = MidName(mid);
        // Linear nets train on the Σ path (no per-sample work), ReLU-mid per sample; one thread inside a cell.
        var objective = Objectives.For(network, data, threads: 1);
        double lastNorm = double.NaN;
        var end = new FullBatchDescent(objective).Train(theta, c.Eta, c.Epochs, (e, loss, _, point) =>
        {
            lastNorm = AverageFrobenius(point, c.Width);
            if (record.Contains(e)) rows.Add(new WeightNormsRow(midName, network.Depth, run, e, loss, lastNorm));
            progress?.Report(network.Depth);
        }, cancellationToken);
        if (end.Diverged) progress?.Report((long)network.Depth * (c.Epochs + 1 - end.Epochs));
        return new CellOutcome(new WeightNormsRun(midName, network.Depth, run, end.Epochs, end.Loss, lastNorm, end.Diverged, end.DivergedAt), rows);
    }

    public static double[] Encode(CellOutcome o, long index)
    {
        var v = new List<double> { index, o.End.Epochs, o.End.FinalLoss, o.End.FinalAvgFrobenius, o.End.Diverged ? 1 : 0, o.End.DivergedAt, o.Rows.Count };
        foreach (var r in o.Rows) v.AddRange([r.Epoch, r.Loss, r.AvgFrobenius]);
        return v.ToArray();
    }

    public static CellOutcome Decode(double[] v, WeightNormsConfig c)
    {
        const int head = 7, each = 3;
        if (v.Length < head || v[0] < 0 || v[0] >= c.CellCount || v.Length != head + each * (long)v[6])
            throw new InvalidDataException("a journaled weight-norms cell does not have the layout of one");
        var (mid, depth, run) = Cell(c, (long)v[0]);
        int built = new TrainingNet(InitialConditionNet.Shortcut2, mid).Build(depth, c.Width).Depth;
        string name = MidName(mid);
        var rows = new List<WeightNormsRow>();
        for (int i = head; i < v.Length; i += each) rows.Add(new WeightNormsRow(name, built, run, (int)v[i], v[i + 1], v[i + 2]));
        return new CellOutcome(new WeightNormsRun(name, built, run, (int)v[1], v[2], v[3], v[4] != 0, (int)v[5]), rows);
    }

    public static WeightNormsResult Run(WeightNormsConfig config, Dataset data, IProgress<long>? progress = null,
                                        CancellationToken cancellationToken = default, ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        var (start, end) = config.Shard.Range(config.CellCount);
        var cells = new List<(string Name, long Index)>();
        for (long i = start; i < end; i++) { var (mid, depth, run) = Cell(config, i); cells.Add((CellName(mid, depth, run), i)); }
        // Progress counts depth-weighted epochs: a computed cell reports each epoch, a journaled (decoded) one all at once.
        var outcomes = CellRunner.Run(cells,
            (i, ct) => { var (mid, depth, run) = Cell(config, i); return RunCell(config, data, mid, depth, run, progress, ct); },
            o => Encode(o, IndexOf(config, o.End)),
            v => { var o = Decode(v, config); progress?.Report(CellWeight(config, (long)v[0])); return o; },
            config.Threads, journal, progress: null, cancellationToken);
        return Assemble(config, data.Source, outcomes.SelectMany(o => o.Rows).ToList(), outcomes.Select(o => o.End).ToList(), clock.Elapsed.TotalSeconds);
    }

    public static long IndexOf(WeightNormsConfig c, WeightNormsRun r)
    {
        int m = Array.FindIndex(c.Mids, x => MidName(x) == r.Mid);
        int d = Array.FindIndex(c.Depths, x => new TrainingNet(InitialConditionNet.Shortcut2, c.Mids[m]).Build(x, c.Width).Depth == r.Depth);
        return ((long)m * c.Depths.Length + d) * c.Runs + r.Run;
    }

    /// <summary>The result from its rows and runs in cell order (a run and a merge of shards both come through here).</summary>
    public static WeightNormsResult Assemble(WeightNormsConfig config, string source, IReadOnlyList<WeightNormsRow> rows, IReadOnlyList<WeightNormsRun> runs, double seconds)
    {
        var curves = rows.GroupBy(r => (r.Mid, r.Depth, r.Epoch)).Select(g =>
        {
            var norms = LossGrid.Summarize(g.Select(r => r.AvgFrobenius));
            return new WeightNormsPoint(g.Key.Mid, g.Key.Depth, g.Key.Epoch, norms.Runs, g.Average(r => r.Loss), norms.Mean, norms.Std);
        }).OrderBy(p => Array.FindIndex(config.Mids, m => MidName(m) == p.Mid)).ThenBy(p => p.Depth).ThenBy(p => p.Epoch).ToList();
        // A (mid, depth) with a diverged run is not compared: its mean would be over fewer runs, or none.
        var diverged = runs.Where(r => r.Diverged).Select(r => (r.Mid, r.Depth)).ToHashSet();
        int tc = 0, tv = 0, ec = 0, ev = 0;
        foreach (var mid in config.Mids.Select(MidName))
        {
            var byDepth = curves.Where(p => p.Mid == mid && !diverged.Contains((mid, p.Depth))).GroupBy(p => p.Depth).OrderBy(g => g.Key)
                                .Select(g => g.ToDictionary(p => p.Epoch)).ToList();
            for (int k = 0; k + 1 < byDepth.Count; k++)
                foreach (int epoch in config.RecordEpochs.Where(e => e > 0))
                {
                    if (!byDepth[k].TryGetValue(epoch, out var shallow) || !byDepth[k + 1].TryGetValue(epoch, out var deep)) continue;
                    bool holds = deep.AvgFrobeniusMean < shallow.AvgFrobeniusMean;
                    tc++;
                    if (!holds) tv++;
                    if (epoch == config.Epochs) { ec++; if (!holds) ev++; }
                }
        }
        return new WeightNormsResult(config, source, rows, runs, curves, ec, ev, tc, tv, seconds);
    }
}
