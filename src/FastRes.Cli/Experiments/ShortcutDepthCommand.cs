using FastRes.Experiments.Data;
using FastRes.Experiments.Training;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-depth</c>: a CPU stand-in for Li et al.'s Figure 9 — pre-activation residual nets of fixed
/// parameter count with shortcut depth 1–4, up to hundreds of layers, on Fashion-MNIST; final training loss and test
/// accuracy vs depth, mean ± std over runs. The data (train and test splits) load during validation, so an absent
/// Fashion-MNIST is bad input: one line naming the Debian package, exit 2, nothing written, nothing downloaded.
/// Shards slice the cells (n × depth × run); each finished cell is journaled.
/// </summary>
public sealed class ShortcutDepthCommand() : Experiment<ShortcutDepthConfig, ShortcutDepthResult>("shortcut-depth",
    "Test accuracy and training loss vs depth of pre-activation ResNets of fixed parameter count, shortcut depth 1-4, on Fashion-MNIST (stand-in for Li et al. Fig. 9)")
{
    private (string Folder, int Train, int Test, TrainTestSplit Data)? _data;

    public override IReadOnlyList<string> SmokeArgs => ["--shortcuts", "1,2", "--depths", "2,4", "--runs", "2", "--epochs", "1", "--train", "200", "--test", "100"];
    protected override string ProgressUnit => "networks";
    protected override bool Journals => true;
    protected override long SliceCount(ShortcutDepthConfig config) => ShortcutDepth.TotalCells(config);
    protected override long? Steps(ShortcutDepthConfig config) { var (a, b) = config.Shard.Range(ShortcutDepth.TotalCells(config)); return b - a; }
    protected override string? DataOf(ShortcutDepthResult result) => result.DataSource;

    public override IReadOnlyList<ConfigError> Validate(ShortcutDepthConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count == 0) TryLoad(config, errors);
        return errors;
    }

    /// <summary>The split of (folder, train, test), loaded once; an absent default folder says how to install it.</summary>
    private TrainTestSplit? TryLoad(ShortcutDepthConfig config, List<ConfigError> errors)
    {
        if (_data is { } l && l.Folder == config.Folder && l.Train == config.Train && l.Test == config.Test) return l.Data;
        if (NotInstalled(config.Data, ShortcutDepthConfig.FashionMnistFolder) is { } missing)
        {
            errors.Add(missing);
            return null;
        }
        try
        {
            var data = TrainTestSplit.Load(config.Folder, config.Train, config.Test, ShortcutDepthConfig.Width);
            _data = (config.Folder, config.Train, config.Test, data);
            return data;
        }
        catch (DataFormatException e) { errors.Add(new ConfigError("data", e.Message)); }
        catch (ArgumentException e) { errors.Add(new ConfigError("data", e.Message)); }
        return null;
    }

    /// <summary>Without --data, an absent default folder is one line saying how to install it; nothing is downloaded.</summary>
    public static ConfigError? NotInstalled(string? data, string defaultFolder) => data is null && !Directory.Exists(defaultFolder)
        ? new ConfigError("data", $"Fashion-MNIST is not installed ({defaultFolder} is absent): apt-get install {ShortcutDepthConfig.FashionMnistPackage}, or give --data DIR (nothing is downloaded)")
        : null;

    private TrainTestSplit DataFor(ShortcutDepthConfig config)
    {
        var errors = new List<ConfigError>();
        return TryLoad(config, errors) ?? throw new ArgumentException($"--data: {errors[0].Message}");
    }

    protected override DataProvenance? ProvenanceOf(ShortcutDepthConfig config) => DataFor(config).Provenance;

    protected override ShortcutDepthResult Run(ShortcutDepthConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutDepth.Run(config, DataFor(config), progress, cancellationToken, journal);

    /// <summary>Every shard lists every (n, depth) point with the runs of its slice; concatenated in slice order and summarized as a run does, bit for bit a single run's.</summary>
    protected override ShortcutDepthResult Merge(ShortcutDepthConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var rows = Combine(shards, ShortcutDepthRow.Columns,
            cell => ShortcutDepth.Summarize(cell[0].Shortcut, cell[0].Depth, cell.SelectMany(r => r.PerRun).ToList()),
            (row, slice) =>
            {
                if (!whole.Shortcuts.Contains(row.Shortcut) || !whole.Depths.Contains(row.Depth)) return $"n {row.Shortcut} depth {row.Depth} is not a point of this config";
                if (!row.PerRun.Select(v => v.Run).SequenceEqual(ShortcutDepth.RunsInSlice(whole, row.Shortcut, row.Depth, slice.TrialStart, slice.TrialEnd)))
                    return $"n {row.Shortcut} depth {row.Depth} does not hold exactly the runs of its slice";
                return ShortcutDepth.Summarize(row.Shortcut, row.Depth, row.PerRun) with { PerRun = row.PerRun } == row with { PerRun = row.PerRun } ? null
                    : $"n {row.Shortcut} depth {row.Depth}: its summary and per-run values do not add up";
            });
        if (rows.Count != whole.Shortcuts.Length * whole.Depths.Length)
            throw new BadInputException("merge", $"the shards hold {rows.Count} rows, the config has {whole.Shortcuts.Length * whole.Depths.Length} points");
        return new ShortcutDepthResult(whole, SameText(shards, "data_source"), SameInt(shards, "train_samples"), SameInt(shards, "test_samples"), rows, SecondsOf(shards));
    }

    private static int SameInt(IReadOnlyList<ShardInput> shards, string field)
    {
        int? value = null;
        foreach (var s in shards)
        {
            int v = s.Results.TryGetProperty(field, out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetInt32(out int x) ? x
                : throw new BadInputException("merge", $"{s.ResultsPath} is corrupt: no \"{field}\"");
            if (value is { } w && w != v) throw new BadInputException("merge", $"{s.Dir} has {field} {v}, another shard {w}");
            value = v;
        }
        return value!.Value;
    }

    private const string Statement = "As shown in the figure, when the network becomes extremely deep (>400), only ResNets with shortcut 2 gain advantages from the growth of depth, " +
                                     "where other networks suffer from degradation as the network becomes deeper.";
    public static readonly PaperClaim Shortcut2Gains = new("shortcut-depth/shortcut2-gains", Paper.Li2016, "Section 5.3.2, Figure 9 (shortcut 2), on a Fashion-MNIST stand-in", Statement);
    public static readonly PaperClaim OthersDegrade = new("shortcut-depth/others-degrade", Paper.Li2016, "Section 5.3.2, Figure 9 (shortcut depths 1, 3, 4), on a Fashion-MNIST stand-in", Statement);

    public override IReadOnlyList<PaperClaim> Claims => [Shortcut2Gains, OthersDegrade];

    /// <summary>
    /// Only the shallowest and the deepest depth enter the verdict: quick keeps those two (12 and 480 > 400 layers), the
    /// defaults' runs, epochs and images — two thirds of the defaults' ≈ 23 s.
    /// </summary>
    protected override IReadOnlyList<string> QuickArgs => ["--depths", "12,480"];

    /// <summary>
    /// Figure 9: CIFAR-10 with fb.resnet.torch's stopping criteria, 10 runs, depths past 400 — no CPU protocol exists; the paper-like
    /// stand-in is all 60,000 training images, 10 runs, depths to 960 (≈ 1.2 h on 2 cores, README).
    /// </summary>
    protected override IReadOnlyList<string> PaperArgs => ["--train", "60000", "--runs", "10", "--epochs", "20", "--depths", "12,48,192,480,960"];

    /// <summary>The claim is about nets deeper than this many layers.</summary>
    public const int ExtremeDepth = 400;

    protected override IEnumerable<ClaimFinding> Judge(ShortcutDepthResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "test_accuracy_vs_depth", "train_loss_vs_depth");
        var depths = result.Config.Depths.Order().ToArray();
        string? why = depths.Length < 2 ? "the run has one depth; the claim compares depths"
            : depths[^1] <= ExtremeDepth ? $"the deepest net has {depths[^1]} layers; the claim is about nets deeper than {ExtremeDepth}" : null;
        foreach (var (claim, mine) in new[] { (Shortcut2Gains, true), (OthersDegrade, false) })
        {
            var ns = result.Config.Shortcuts.Where(n => (n == 2) == mine).Order().ToList();
            if (why is not null || ns.Count == 0) { yield return ClaimFinding.NotCheckable(claim, why ?? $"the run has no {(mine ? "n = 2" : "n ≠ 2")} (--shortcuts)"); continue; }
            var cases = ns.SelectMany(n => Measures.Select(m => (N: n, M: m, Change: Change(result, n, depths[0], depths[^1], m)))).ToList();
            string Show((int N, Measure M, (int Sign, string Text) Change) c) => $"n = {c.N} {c.M.Name}: {c.Change.Text}";
            var tally = mine ? CellTally.Of(cases, c => c.Change.Sign, Show) : CellTally.Of(cases, c => -c.Change.Sign, Show);
            var s2 = ByDepth(result, 2, depths[^1]);
            yield return ClaimRulesLiYun.OfTally(claim, tally, $"From depth {depths[0]} to {depths[^1]} (mean over runs, {result.Config.Epochs} epochs, {DataCache.ShortName(result.DataSource)})",
                mine ? "n = 2 agrees in a measure when it gains (test accuracy up, training loss down) by more than two standard errors of the difference and 0.1%, contradicts when it degrades by as much"
                     : "each other n agrees in a measure when it degrades by more than two standard errors of the difference and 0.1% (or diverges at the deeper depth), contradicts when it gains by as much; staying where it was is within noise",
                [
                    new KeyNumber("shortcut2 test accuracy", s2?.TestAccuracyMean ?? double.NaN, $"depth {depths[^1]}"),
                    new KeyNumber("best other test accuracy", result.Rows.Where(r => r.Shortcut != 2 && r.Depth == depths[^1]).Select(r => r.TestAccuracyMean).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max(), $"depth {depths[^1]}"),
                    new KeyNumber("runs per point", result.Config.Runs, "runs"),
                ], shown, " A CPU stand-in (10 whitened features, no convolutions or batch norm): only the ordering of the curves compares with the paper.");
        }
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShortcutDepthResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    private sealed record Measure(string Name, Func<ShortcutDepthRow, double> Value, Func<ShortcutDepthRow, double> Spread, bool HigherIsBetter, Func<double, string> Show);

    private static readonly Measure[] Measures =
    [
        new("test accuracy", r => r.TestAccuracyMean, r => r.TestAccuracyStd, true, Cells.Percent),
        new("training loss", r => r.LossMean, r => r.LossStd, false, Cells.Number),
    ];

    private static ShortcutDepthRow? ByDepth(ShortcutDepthResult result, int n, int depth) => result.Rows.FirstOrDefault(r => r.Shortcut == n && r.Depth == depth);

    /// <summary>
    /// +1 gains, −1 degrades (or every run at the deeper depth diverged), 0 neither, by the margin of summary.md's verdict: two standard errors of
    /// the difference of the means, and at least 0.1% of the shallow value (a net stuck at its saddle moves in the fifth digit).
    /// </summary>
    private static (int Sign, string Text) Change(ShortcutDepthResult result, int n, int lo, int hi, Measure m)
    {
        if (ByDepth(result, n, lo) is not { } a || ByDepth(result, n, hi) is not { } b) return (0, "missing");
        double from = m.Value(a), to = m.Value(b);
        if (!double.IsFinite(to)) return (-1, $"{m.Show(from)} → diverged");
        if (!double.IsFinite(from)) return (0, "diverged at the shallow depth");
        double sa = m.Spread(a), sb = m.Spread(b);
        int ka = a.Runs - a.DivergedRuns, kb = b.Runs - b.DivergedRuns;
        double margin = Math.Max(1e-3 * Math.Abs(from), double.IsFinite(sa) && double.IsFinite(sb) ? 2 * Math.Sqrt(sa * sa / ka + sb * sb / kb) : 0);
        double gain = m.HigherIsBetter ? to - from : from - to;
        return (gain > margin ? 1 : gain < -margin ? -1 : 0, $"{m.Show(from)} → {m.Show(to)}");
    }

    protected override void Summarize(Summary md, ShortcutDepthResult result)
    {
        var c = result.Config;
        md.Paragraph("Claim (Li et al. §5.3.2, Figure 9, CIFAR-10 pre-ResNets of fixed parameter count, 10 runs): \"when the network becomes extremely deep (>400), " +
                     "only ResNets with shortcut 2 gain advantages from the growth of depth, where other networks suffer from degradation as the network becomes deeper\" " +
                     "(shortcut depths above 4 were worse still and left out).");
        md.Paragraph($"Stand-in: Fashion-MNIST ({result.TrainSamples} training images, PCA and whitening fitted on them; {result.TestSamples} test images mapped with the training statistics), " +
                     $"d = {ShortcutDepthConfig.Width} principal components, one-hot targets, loss (1/2m)Σ‖y − ŷ‖², class = argmax ŷ. Networks: pre-activation units h ↦ h + W_n ReLU(⋯ W_1 ReLU(h)), " +
                     $"{ShortcutDepthConfig.Width}×{ShortcutDepthConfig.Width} weights, no biases, no batch norm; at depth D every n has the same D matrices (D/n units, 100·D parameters) " +
                     $"and the same initial matrices (N(0, 1/d) × {Kinds.Format(c.InitScale)}{(c.InitScale == 0.01 ? ", the paper's near-zero init" : "")}). Training: " +
                     (c.Batch == 0 ? $"full-batch gradient descent, {c.Epochs} steps" : $"plain SGD, batches of {c.Batch}, {c.Epochs} epochs, reshuffled every epoch") +
                     $", η = {Kinds.Format(c.Eta)}, {c.Runs} run{(c.Runs == 1 ? "" : "s")} per point (mean ± sample std over runs that did not diverge).");
        md.Tables(Layout, result);
        md.Paragraph(Verdict(result));
        md.Paragraph("What a CPU stand-in can show: whether, at a fixed parameter count and a fixed training budget, the shortcut depth decides which very deep residual nets " +
                     "still train (Theorem 2's mechanism: near zero, n = 1 has a depth-dependent condition number, n ≥ 3 a flat, higher-order saddle, n = 2 neither). " +
                     "What it cannot: CIFAR-10 accuracies, convolutions, batch norm, momentum and the learning-rate schedule of fb.resnet.torch, nor widths beyond d = 10 — " +
                     "the numbers here are not the paper's and only the ordering of the curves is comparable.");
        foreach (var r in result.Rows.Where(r => r.DivergedRuns > 0))
            md.Notes.Add($"n = {r.Shortcut}, depth {r.Depth}: {r.DivergedRuns} of {r.Runs} runs diverged (left out of the means; their losses are never counted)");
    }

    /// <summary>
    /// The claim read off the shallowest and the deepest depth, in both measures: n "gains from depth" when its mean
    /// test accuracy is higher (its mean training loss lower) at the deepest depth than at the shallowest by more than
    /// two standard errors of the difference of the means and by more than 0.1% (a net stuck at its saddle moves in
    /// the fifth digit, identically in every run); the claim holds when n = 2 gains and no other n does (degrading, staying where
    /// it was, or diverging all count as not gaining).
    /// </summary>
    public static string Verdict(ShortcutDepthResult result)
    {
        var depths = result.Config.Depths.OrderBy(d => d).ToArray();
        if (depths.Length < 2 || !result.Config.Shortcuts.Contains(2)) return "FastRes's verdict: not judged (needs n = 2 and at least two depths).";
        int lo = depths[0], hi = depths[^1];
        ShortcutDepthRow At(int n, int depth) => result.Rows.Single(r => r.Shortcut == n && r.Depth == depth);
        string Judge(string measure, Func<ShortcutDepthRow, double> value, Func<ShortcutDepthRow, double> spread, bool higherIsBetter, Func<double, string> show)
        {
            var change = result.Config.Shortcuts.Select(n => (N: n, From: value(At(n, lo)), To: value(At(n, hi)), Margin: Margin(At(n, lo), At(n, hi)))).ToList();
            double Margin(ShortcutDepthRow a, ShortcutDepthRow b)
            {
                double sa = spread(a), sb = spread(b);
                int ka = a.Runs - a.DivergedRuns, kb = b.Runs - b.DivergedRuns;
                double floor = 1e-3 * Math.Abs(value(a));
                return double.IsFinite(sa) && double.IsFinite(sb) ? Math.Max(floor, 2 * Math.Sqrt(sa * sa / ka + sb * sb / kb)) : floor;
            }
            bool Gains((int N, double From, double To, double Margin) x) => double.IsFinite(x.From) && double.IsFinite(x.To)
                && (higherIsBetter ? x.To - x.From : x.From - x.To) > x.Margin;
            bool holds = change.All(x => x.N == 2 ? Gains(x) : !Gains(x));
            return $"{measure}: the claim {(holds ? "holds" : "does not hold")} — " +
                   string.Join("; ", change.Select(x => $"n = {x.N}: {show(x.From)} → {show(x.To)} ({(Gains(x) ? "gains" : double.IsFinite(x.To) ? "does not gain" : "diverged")})"));
        }
        return $"FastRes's verdict, from depth {lo} to depth {hi} (mean over runs). " +
               Judge("Test accuracy", r => r.TestAccuracyMean, r => r.TestAccuracyStd, true, Cells.Percent) + ". " +
               Judge("Final training loss", r => r.LossMean, r => r.LossStd, false, Cells.Number) + ".";
    }

    protected override IEnumerable<string> DrawFigures(ShortcutDepthResult result, string folder, List<string> notes)
    {
        string data = DataCache.ShortName(result.DataSource);
        foreach (var (name, title, label, value, spread, log) in new (string, string, string, Func<ShortcutDepthRow, double>, Func<ShortcutDepthRow, double>, bool)[]
        {
            ("test_accuracy_vs_depth", "Test accuracy", "test accuracy (argmax of the output)", r => r.TestAccuracyMean, r => r.TestAccuracyStd, false),
            ("train_loss_vs_depth", "Final training loss", "final training loss (1/2m)Σ‖y − ŷ‖²", r => r.LossMean, r => r.LossStd, true),
        })
        {
            var plot = new Plot();
            int colour = 0;
            foreach (var group in result.Rows.GroupBy(r => r.Shortcut))
                Figures.Line(plot, group.OrderBy(r => r.Depth).ToList(), r => Math.Log2(r.Depth), value, $"shortcut {group.Key}", plot.Add.Palette.GetColor(colour++), notes,
                             r => double.IsFinite(spread(r)) ? (value(r) - spread(r), value(r) + spread(r)) : (value(r), value(r)), log ? Math.Log10 : null, series: $"{title}, shortcut {group.Key}");
            Figures.Log2DepthAxis(plot);
            if (log) Figures.Log10Axis(plot.Axes.Left);
            plot.Title($"{title} vs depth, fixed parameters per depth ({data}, mean ± std of {result.Config.Runs} runs)");
            plot.XLabel("total depth (weight layers)");
            plot.YLabel(label);
            plot.ShowLegend(log ? Alignment.UpperLeft : Alignment.LowerLeft);
            foreach (string f in Figures.Save(plot, folder, name)) yield return f;
        }
    }
}
