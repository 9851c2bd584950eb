using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>
/// final-loss (Li et al. §5.3.1, Figures 7 and 8): every net at every depth trained by full-batch GD for E epochs at
/// every rate of a log grid, several runs per rate; per (net, depth) the rate whose mean final loss is least (the
/// optimal rate) and that loss. Linear nets are compared with the exact least-squares optimum (Figure 7 plots
/// log10(final − optimal)); ReLU-mid nets, whose optimum is unknown, by log10(final) (Figure 8).
/// </summary>
public sealed record FinalLossConfig : IExperimentConfig<FinalLossConfig>, IDataConfig
{
    public string? Data { get; init; }
    /// <summary>The families trained: linear (Figure 7) and ReLU at the mid positions (Figure 8).</summary>
    public Activation[] Mids { get; init; } = [Activation.Identity, Activation.Relu];
    public InitialConditionNet[] LinearNets { get; init; } = InitialConditionNets.All;
    /// <summary>The paper's Figure 8 nets: "the numbers of ReLU units in different networks are the same when the depths are the same, so 1-shortcut and 3-shortcut networks are omitted".</summary>
    public InitialConditionNet[] ReluNets { get; init; } = [InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut2];
    /// <summary>Defaults: a subset of the paper's depths (2 … 96 linear, 2 … 64 ReLU) that fits a few minutes on 2 cores.</summary>
    public int[] LinearDepths { get; init; } = [2, 8, 32];
    public int[] ReluDepths { get; init; } = [2, 8, 32];
    /// <summary>Half-decade steps from 10⁻² to 10: with E = 100 epochs nothing below 10⁻² moves; on MNIST shortcut2 trains best at 1–3.16 and diverges at 10.</summary>
    public double EtaMin { get; init; } = 1e-2;
    public double EtaMax { get; init; } = 10;
    public int Etas { get; init; } = 7;
    /// <summary>The paper's claim is about deep nets ("as the networks become deeper"); at depth 2 every net is shallow.</summary>
    public int ClaimDepth { get; init; } = 8;
    public int Epochs { get; init; } = 100;
    public int Runs { get; init; } = 2;
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    /// <summary>Rates tie when the figure's quantity spans at most this many decades over the candidate rates (see <see cref="FinalLoss.Optimum"/>).</summary>
    public double TieDecades { get; init; } = 0.01;
    public int Threads { get; init; }
    public Shard Shard { get; init; } = Shard.Whole;

    public static Schema<FinalLossConfig> Schema { get; } = new()
    {
        DataCache.Setting<FinalLossConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "mid", "LIST", "Families trained: linear (Fig. 7), relu (ReLUs at the mid positions, Fig. 8)", c => c.Mids, (c, v) => c with { Mids = v },
          Kinds.List(TrainingNet.MidKind), Rules.NonEmpty<Activation>(what: "linear, relu or both") },
        { "linear-nets", "LIST", "Linear nets: xavier, orthogonal, shortcut1, shortcut2, shortcut3", c => c.LinearNets, (c, v) => c with { LinearNets = v },
          Kinds.List(InitialConditionNets.Kind), Rules.NonEmpty<InitialConditionNet>() },
        { "relu-nets", "LIST", "ReLU-mid nets (the paper's: xavier, orthogonal, shortcut2)", c => c.ReluNets, (c, v) => c with { ReluNets = v },
          Kinds.List(InitialConditionNets.Kind), Rules.NonEmpty<InitialConditionNet>() },
        { "linear-depths", "LIST", "Depths of the linear nets (the paper's go to 96)", c => c.LinearDepths, (c, v) => c with { LinearDepths = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 512)) },
        { "relu-depths", "LIST", "Depths of the ReLU-mid nets (the paper's go to 64)", c => c.ReluDepths, (c, v) => c with { ReluDepths = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 512)) },
        { "eta-min", "η", "Smallest learning rate of the log grid", c => c.EtaMin, (c, v) => c with { EtaMin = v }, Kinds.Double, Rules.Between(1e-9, 1e3) },
        { "eta-max", "η", "Largest learning rate of the log grid", c => c.EtaMax, (c, v) => c with { EtaMax = v }, Kinds.Double, Rules.Between(1e-9, 1e3) },
        { "etas", "N", "Rates in the grid, evenly spaced in log10 from eta-min to eta-max (1: eta-min alone)", c => c.Etas, (c, v) => c with { Etas = v }, Kinds.Int, Rules.Between(1, 100) },
        { "epochs", "E", "Full-batch GD epochs per run (the paper: 1000)", c => c.Epochs, (c, v) => c with { Epochs = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "runs", "N", "Initializations per (net, depth, rate); the same inits at every rate", c => c.Runs, (c, v) => c with { Runs = v }, Kinds.Int, Rules.Between(1, 1000) },
        Packs.Seed<FinalLossConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the initializations and the synthetic data"),
        Packs.Width<FinalLossConfig>(c => c.Width, (c, v) => c with { Width = v }, max: 32),
        { "tie-decades", "T", "All rates tie (no optimal rate plotted) when log10 of the plotted loss spans ≤ T over the candidate rates",
          c => c.TieDecades, (c, v) => c with { TieDecades = v }, Kinds.Double, Rules.Between(0.0, 10.0) },
        { "claim-depth", "D", "The claim's comparisons (shortcut2 against every other net) are made at depths ≥ D", c => c.ClaimDepth, (c, v) => c with { ClaimDepth = v },
          Kinds.Int, Rules.Between(1, 512) },
        Packs.Threads<FinalLossConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<FinalLossConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Shard i (0-based) of N of the cells (net × depth × rate × run); merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count == 0 && EtaMax < EtaMin) errors.Add(new ConfigError("eta-max", $"must be ≥ eta-min {Kinds.Format(EtaMin)} (got {Kinds.Format(EtaMax)})"));
        return errors;
    }
}

/// <summary>One point of the grid: a net, its depth (R·n, as built) and a rate; its runs are its cells.</summary>
public readonly record struct FinalLossPoint(TrainingNet Net, int Depth, int EtaIndex, double Eta)
{
    public string Activation => FinalLoss.MidName(Net.Mid);
}

/// <summary>One run at one point: the loss after E epochs (NaN where it diverged: never a loss), and the epoch of divergence (−1 if none).</summary>
public sealed record FinalLossRunValue(int Run, double FinalLoss, bool Diverged, int DivergedAt)
{
    public static Table<FinalLossRunValue> Columns { get; } = new(new FinalLossRunValue(0, 0, false, 0))
    {
        { "run", v => v.Run, ColumnFlags.None, (v, x) => v with { Run = x } },
        { "final_loss", v => v.FinalLoss, ColumnFlags.None, (v, x) => v with { FinalLoss = x } },
        { "diverged", v => v.Diverged, ColumnFlags.None, (v, x) => v with { Diverged = x } },
        { "diverged_at", v => v.DivergedAt, ColumnFlags.None, (v, x) => v with { DivergedAt = x } },
    };
}

/// <summary>One (net, activation, depth, rate): mean ± std of the final loss over the runs that did not diverge, how many did, and the runs themselves (what merge recomputes from).</summary>
public sealed record FinalLossRow(string Net, string Activation, int Depth, double Eta, double FinalLoss, double FinalLossStd, int Runs, int Diverged,
                                  IReadOnlyList<FinalLossRunValue> PerRun)
{
    public static readonly FinalLossRow Blank = new("", "", 0, 0, 0, 0, 0, 0, []);

    public static Table<FinalLossRow> Columns { get; } = new(Blank)
    {
        // Hidden from summary.md (a row per rate is hundreds of lines there); results.csv is this table.
        { "net", r => r.Net, "net", ColumnFlags.Key | ColumnFlags.Hidden, null, (r, v) => r with { Net = v } },
        { "activation", r => r.Activation, "mid", ColumnFlags.Key | ColumnFlags.Hidden, null, (r, v) => r with { Activation = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Key | ColumnFlags.Hidden, null, (r, v) => r with { Depth = v } },
        { "eta", r => r.Eta, "η", ColumnFlags.Key | ColumnFlags.Hidden, null, (r, v) => r with { Eta = v } },
        { "final_loss", r => r.FinalLoss, "final loss (mean)", ColumnFlags.Hidden, null, (r, v) => r with { FinalLoss = v } },
        { "final_loss_std", r => r.FinalLossStd, "std", ColumnFlags.Hidden, null, (r, v) => r with { FinalLossStd = v } },
        { "runs", r => r.Runs, "runs", ColumnFlags.Hidden, null, (r, v) => r with { Runs = v } },
        { "diverged", r => r.Diverged, "diverged", ColumnFlags.Hidden, null, (r, v) => r with { Diverged = v } },
        { "per_run", r => r.PerRun, FinalLossRunValue.Columns, ColumnFlags.JsonOnly, (r, v) => r with { PerRun = v } },
    };
}

/// <summary>
/// The optimal rate of one (net, activation, depth) and its mean final loss (NaN where no rate has a run that did not
/// diverge); <see cref="Excess"/> = final − the least-squares optimum for linear nets; <see cref="Tie"/>: every
/// candidate rate gives the same loss within the tolerance, so the optimal rate means nothing and is not plotted.
/// </summary>
public sealed record FinalLossOptimum(string Net, string Activation, int Depth, double Eta, double FinalLoss, double FinalLossStd, double Excess,
                                      int Candidates, double SpreadDecades, bool Tie, int Diverged)
{
    public static Table<FinalLossOptimum> Columns { get; } = new()
    {
        { "net", r => r.Net, "net", ColumnFlags.Console },
        { "activation", r => r.Activation, "mid", ColumnFlags.Console },
        { "depth", r => r.Depth, "depth", ColumnFlags.Console },
        { "eta", r => r.Eta, "optimal η", ColumnFlags.Console },
        { "final_loss", r => r.FinalLoss, "final loss", ColumnFlags.Console },
        { "final_loss_std", r => r.FinalLossStd, "std" },
        { "excess", r => r.Excess, "final − optimal", ColumnFlags.Console },
        { "candidates", r => r.Candidates, "candidate rates" },
        { "spread_decades", r => r.SpreadDecades, "spread (decades)" },
        { "tie", r => r.Tie, "all tie", ColumnFlags.Console },
        { "diverged", r => r.Diverged, "diverged runs at η" },
    };

    /// <summary>The figure's left panel: log10(final − optimal) for linear nets, log10(final) for ReLU-mid nets.</summary>
    public double Plotted => Activation == global::FastRes.Experiments.Training.FinalLoss.MidName(Kernels.Networks.Activation.Identity) ? Excess : FinalLoss;
}

/// <summary>One comparison of the paper's claim: the 2-shortcut net against another net at one (activation, depth), in the figure's quantity (final − optimal for linear nets, final loss for ReLU-mid).</summary>
public sealed record FinalLossComparison(string Activation, int Depth, string Against, int AgainstDepth, double Shortcut2Loss, double OtherLoss, double Shortcut2Eta, double OtherEta, bool Violated)
{
    public static Table<FinalLossComparison> Columns { get; } = new()
    {
        { "activation", r => r.Activation, "mid" },
        { "depth", r => r.Depth, "depth" },
        { "against", r => r.Against, "against" },
        { "against_depth", r => r.AgainstDepth, "its depth" },
        { "shortcut2_loss", r => r.Shortcut2Loss, "shortcut2 (plotted)" },
        { "other_loss", r => r.OtherLoss, "its (plotted)" },
        { "shortcut2_eta", r => r.Shortcut2Eta, "shortcut2 η" },
        { "other_eta", r => r.OtherEta, "its η" },
        { "violated", r => r.Violated, "violated" },
    };
}

public sealed record FinalLossResult(FinalLossConfig Config, string DataSource, double OptimalLoss, IReadOnlyList<FinalLossRow> Rows,
                                     IReadOnlyList<FinalLossOptimum> Optima, IReadOnlyList<FinalLossComparison> Comparisons, double Seconds)
    : IExperimentResult<FinalLossResult>, IClaimCheck
{
    public int CaseCount => Comparisons.Count;
    public int Violations => Comparisons.Count(c => c.Violated);
    public string CaseNoun => "comparisons of shortcut2 with another net";

    public static ResultLayout<FinalLossResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "optimal_loss", r => r.OptimalLoss },
        { "rows", FinalLossRow.Columns, r => r.Rows },
        { "optimal", FinalLossOptimum.Columns, r => r.Optima },
        { "comparisons", FinalLossComparison.Columns, r => r.Comparisons },
    };
}

public static class FinalLoss
{
    /// <summary>The activation's word in rows and flags: linear or relu.</summary>
    public static string MidName(Activation mid) => mid == Activation.Identity ? "linear" : "relu";

    /// <summary>
    /// The grid: <see cref="FinalLossConfig.Etas"/> rates η_k = η_min·(η_max/η_min)^(k/(K−1)), evenly spaced in log10,
    /// ascending; the ends are exactly eta-min and eta-max as given.
    /// </summary>
    public static double[] Rates(FinalLossConfig c)
    {
        if (c.Etas == 1 || c.EtaMax == c.EtaMin) return [c.EtaMin];
        var rates = new double[c.Etas];
        for (int k = 0; k < rates.Length; k++) rates[k] = c.EtaMin * Math.Pow(c.EtaMax / c.EtaMin, k / (double)(rates.Length - 1));
        rates[0] = c.EtaMin;
        rates[^1] = c.EtaMax;
        return rates;
    }

    /// <summary>
    /// The grid's points in cell order: family (linear, then ReLU-mid), net, depth (R·n as built; requested depths that
    /// build the same net count once), rate. Cell i is run i mod Runs of point i / Runs.
    /// </summary>
    public static IReadOnlyList<FinalLossPoint> Points(FinalLossConfig c)
    {
        var rates = Rates(c);
        var points = new List<FinalLossPoint>();
        foreach (var mid in new[] { Activation.Identity, Activation.Relu }.Where(c.Mids.Contains))
            foreach (var kind in mid == Activation.Identity ? c.LinearNets : c.ReluNets)
            {
                var net = new TrainingNet(kind, mid);
                foreach (int depth in (mid == Activation.Identity ? c.LinearDepths : c.ReluDepths).Select(d => net.Units(d) * net.UnitDepth).Distinct())
                    for (int k = 0; k < rates.Length; k++) points.Add(new FinalLossPoint(net, depth, k, rates[k]));
            }
        return points;
    }

    public static long TotalCells(FinalLossConfig c) => (long)Points(c).Count * c.Runs;

    /// <summary>The journal's name for a point: <c>net=shortcut2 mid=linear depth=16 eta=3</c> (the rate's index in the grid).</summary>
    public static string CellName(FinalLossPoint p) => $"net={p.Net.Name} mid={p.Activation} depth={p.Depth} eta={p.EtaIndex}";

    /// <summary>
    /// The loss and gradient GD descends: the Σ path (Σ^XX, Σ^XY alone, O(D·d³) per epoch) for linear nets, per sample
    /// for ReLU-mid ones; one thread inside a cell, so a cell's bits do not depend on the thread count.
    /// </summary>
    internal static ITrainingObjective Objective(NShortcutNetwork network, Dataset data) => Objectives.For(network, data, threads: 1);

    /// <summary>One cell: run <paramref name="run"/>'s init (Philox stream (seed, run): the same θ₀ at every rate) trained at the point's rate.</summary>
    public static FinalLossRunValue Train(FinalLossConfig c, Dataset data, FinalLossPoint p, int run, CancellationToken cancellationToken = default)
    {
        var network = p.Net.Build(p.Depth, c.Width);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, p.Net.Init, c.Seed, (ulong)run, theta);
        var end = new FullBatchDescent(Objective(network, data)).Train(theta, p.Eta, c.Epochs, cancellationToken: cancellationToken);
        return new FinalLossRunValue(run, end.Diverged ? double.NaN : end.Loss, end.Diverged, end.Diverged ? end.DivergedAt : -1);
    }

    public static FinalLossResult Run(FinalLossConfig config, Dataset data, IProgress<long>? progress = null, CancellationToken cancellationToken = default,
                                      ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        var points = Points(config);
        var (start, end) = config.Shard.Range((long)points.Count * config.Runs);
        var cells = new List<(string Name, long Index)>();
        for (long i = start; i < end; i++) cells.Add((CellName(points[(int)(i / config.Runs)]), i));
        var values = CellRunner.Run(cells, (i, ct) => Train(config, data, points[(int)(i / config.Runs)], (int)(i % config.Runs), ct),
            v => [v.FinalLoss, v.Diverged ? 1 : 0, v.DivergedAt], x => new FinalLossRunValue(0, x[0], x[1] != 0, (int)x[2]),
            config.Threads, journal, progress, cancellationToken);
        var perPoint = new List<FinalLossRunValue>[points.Count];
        for (int p = 0; p < points.Count; p++) perPoint[p] = [];
        for (int j = 0; j < cells.Count; j++)
        {
            long i = cells[j].Index;
            perPoint[i / config.Runs].Add(values[j] with { Run = (int)(i % config.Runs) });
        }
        var rows = points.Select((p, k) => Summarize(p.Net.Name, p.Activation, p.Depth, p.Eta, perPoint[k])).ToList();
        return Assemble(config, data.Source, LeastSquares.OptimalLoss(data), rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The runs of a shard's slice that belong to row <paramref name="point"/>, in run order (what its per_run must hold).</summary>
    public static IEnumerable<int> RunsInSlice(FinalLossConfig c, int point, long sliceStart, long sliceEnd)
    {
        long first = Math.Max(sliceStart, (long)point * c.Runs), last = Math.Min(sliceEnd, (long)(point + 1) * c.Runs);
        for (long i = first; i < last; i++) yield return (int)(i % c.Runs);
    }

    /// <summary>
    /// A row from its runs in run order: mean and sample std of the final loss over the runs that did not diverge. A run
    /// and a merge of shards both come through here with the same values in the same order, so bit for bit equal.
    /// </summary>
    public static FinalLossRow Summarize(string net, string activation, int depth, double eta, IReadOnlyList<FinalLossRunValue> runs)
    {
        var (mean, std, _) = LossGrid.Summarize(runs.Where(v => !v.Diverged).Select(v => v.FinalLoss));
        return new FinalLossRow(net, activation, depth, eta, mean, std, runs.Count, runs.Count(v => v.Diverged), runs);
    }

    /// <summary>The rows with what follows from them: the optimum per (net, activation, depth) and the claim's comparisons.</summary>
    public static FinalLossResult Assemble(FinalLossConfig config, string source, double optimalLoss, IReadOnlyList<FinalLossRow> rows, double seconds)
    {
        var optima = rows.GroupBy(r => (r.Net, r.Activation, r.Depth)).Select(g => Optimum(g.ToList(), optimalLoss, config.TieDecades)).ToList();
        return new FinalLossResult(config, source, optimalLoss, rows, optima, Compare(optima, config), seconds);
    }

    /// <summary>
    /// The optimal rate of one (net, activation, depth) from its rows (one per rate). A rate is a candidate when at
    /// least one of its runs did not diverge (diverged runs are never a loss; a rate whose runs all diverged is out);
    /// the optimal rate is the candidate with the least mean final loss (the first in grid order on an exact tie).
    /// <b>All rates tie</b> when there are at least two candidates and the figure's quantity — the excess
    /// final − optimal for linear nets, the final loss for ReLU-mid nets — spans at most <paramref name="tieDecades"/>
    /// decades over them: max/min ≤ 10^T. Then the argmin is noise and the optimal rate is not plotted (the captions:
    /// "the final losses ... with different learning rates are basically the same, so the optimal learning rate is
    /// omitted as it is very unstable"). A linear net whose excess is ≤ 0 at some rate (the optimum to rounding)
    /// spans infinitely many decades and so never ties.
    /// </summary>
    public static FinalLossOptimum Optimum(IReadOnlyList<FinalLossRow> rates, double optimalLoss, double tieDecades)
    {
        var first = rates[0];
        bool linear = first.Activation == MidName(Activation.Identity);
        var candidates = rates.Where(r => r.Runs > r.Diverged && double.IsFinite(r.FinalLoss)).ToList();
        if (candidates.Count == 0)
            return new FinalLossOptimum(first.Net, first.Activation, first.Depth, double.NaN, double.NaN, double.NaN, double.NaN, 0, double.NaN, false, 0);
        var best = candidates[0];
        foreach (var r in candidates) if (r.FinalLoss < best.FinalLoss) best = r;
        double Plotted(FinalLossRow r) => linear ? r.FinalLoss - optimalLoss : r.FinalLoss;
        double lo = candidates.Min(Plotted), hi = candidates.Max(Plotted);
        double spread = lo > 0 ? Math.Log10(hi / lo) : double.PositiveInfinity;
        bool tie = candidates.Count >= 2 && spread <= tieDecades;
        return new FinalLossOptimum(first.Net, first.Activation, first.Depth, best.Eta, best.FinalLoss, best.FinalLossStd,
                                    linear ? best.FinalLoss - optimalLoss : double.NaN, candidates.Count, spread, tie, best.Diverged);
    }

    /// <summary>
    /// The paper's claim as cases: at every (activation, depth ≥ <see cref="FinalLossConfig.ClaimDepth"/>) shortcut2's
    /// optimum is compared with every other net's (xavier, orthogonal, and for linear nets shortcut1, shortcut3: Fig. 7
    /// shows them all degrading with depth but shortcut2), at the other net's depth nearest shortcut2's within one layer
    /// (a 3-shortcut net's depth is a multiple of 3: requested depth 32 builds 33). The quantity is the figure's — final − optimal for linear
    /// nets, final loss for ReLU-mid nets; a case is violated when shortcut2's exceeds the other's by more than the tie
    /// tolerance (a factor 10^T), or when every shortcut2 run diverged and the other net has a loss. A net all of whose
    /// runs diverged loses its case to shortcut2; where neither has a loss there is no case.
    /// </summary>
    public static List<FinalLossComparison> Compare(IReadOnlyList<FinalLossOptimum> optima, FinalLossConfig config)
    {
        string s2Name = InitialConditionNet.Shortcut2.Name();
        double factor = Math.Pow(10, config.TieDecades);
        var list = new List<FinalLossComparison>();
        foreach (var s2 in optima.Where(o => o.Net == s2Name && o.Depth >= config.ClaimDepth))
            foreach (var group in optima.Where(o => o.Activation == s2.Activation && o.Net != s2Name && Math.Abs(o.Depth - s2.Depth) <= 1).GroupBy(o => o.Net))
            {
                var other = group.MinBy(o => Math.Abs(o.Depth - s2.Depth))!;
                bool mine = double.IsFinite(s2.Plotted), theirs = double.IsFinite(other.Plotted);
                if (!mine && !theirs) continue;
                bool violated = !mine || (theirs && s2.Plotted > (other.Plotted > 0 ? other.Plotted * factor : other.Plotted));
                list.Add(new FinalLossComparison(s2.Activation, s2.Depth, other.Net, other.Depth, s2.Plotted, other.Plotted, s2.Eta, other.Eta, violated));
            }
        return list;
    }
}
