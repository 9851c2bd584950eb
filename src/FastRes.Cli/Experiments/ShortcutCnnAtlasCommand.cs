using FastRes.Experiments.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn-atlas</c> (SPEC §1.6, beyond the papers): shortcut-cnn over θ_cap × k. Figures:
/// one heat map of the success rate per method and, when both are run, resnet-ssw minus resnet (where warm-up
/// matters). --cap-deg is not an option here: --caps replaces it.
/// </summary>
public sealed class ShortcutCnnAtlasCommand() : Experiment<ShortcutCnnAtlasConfig, ShortcutCnnResult>("shortcut-cnn-atlas",
    "Success-rate heat maps over teacher cap θ_cap × k: where the shortcut prior stops protecting")
{
    public override IReadOnlyList<string> SmokeArgs => ["--k", "2,4", "--caps", "60,180", "--trials", "32", "--iterations", "100"];
    protected override long? Steps(ShortcutCnnAtlasConfig config) => ShortcutCnnAtlas.TotalTrials(config);
    protected override bool Journals => true;
    protected override void AddDerived(System.Text.Json.Nodes.JsonObject doc, ShortcutCnnAtlasConfig config) => doc["resolved_steps"] = ShortcutCnnCommand.ResolvedSteps(config.Shared);

    protected override ShortcutCnnResult Run(ShortcutCnnAtlasConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutCnnAtlas.Run(config, progress, cancellationToken, journal);

    protected override ShortcutCnnResult Merge(ShortcutCnnAtlasConfig whole, IReadOnlyList<ShardInput> shards)
        => new(whole.Shared, Combine(shards, ShortcutCnnRow.Columns, ShortcutCnnResult.Sum, (r, s) => ShortcutCnnResult.CheckShardRow(r, s.TrialEnd - s.TrialStart)), SecondsOf(shards));

    protected override void Summarize(Summary md, ShortcutCnnResult result) => ShortcutCnnCommand.SummarizeRates(md, result);
    protected override void PrintSummary(TextWriter output, ShortcutCnnResult result) => ShortcutCnnCommand.PrintRates(output, result);
    protected override IEnumerable<string> DrawFigures(ShortcutCnnResult result, string folder, List<string> notes) => HeatMaps(result, folder, notes);

    public static readonly PaperClaim ProtectsInsidePrior = new("shortcut-cnn-atlas/protects-inside-prior", Paper.FastRes,
        "Beyond the papers: the atlas over θ_cap × k (SPEC §1.6)",
        "Question: does the shortcut prior protect wherever the teacher satisfies Liu et al.'s skip-layer prior ‖w*‖ ≤ 1 (θ_cap ≤ 60°)? " +
        "There resnet (w_0 = 0, the start e) should end in failure less often than the plain CNN at every k.");
    public static readonly PaperClaim StopsOutsidePrior = new("shortcut-cnn-atlas/stops-outside-prior", Paper.FastRes,
        "Beyond the papers: the atlas over θ_cap × k (SPEC §1.6)",
        "Question: where does the protection stop? With the teacher anywhere on the sphere (θ_cap = 180°) the start e is no better than a " +
        "random one, so resnet should fail as often as the plain CNN; the key numbers give the smallest cap at which its advantage is lost.");
    public static readonly PaperClaim WarmupAtEdge = new("shortcut-cnn-atlas/warmup-at-edge", Paper.FastRes,
        "Beyond the papers: the atlas over θ_cap × k (SPEC §1.6)",
        "Question: where does step-size warm-up matter? At the edge of the prior (θ_cap = 90°, where resnet without warm-up is trapped in a " +
        "few percent of trials) resnet-ssw should fail less often than resnet at every k.");

    public override IReadOnlyList<PaperClaim> Claims => [ProtectsInsidePrior, StopsOutsidePrior, WarmupAtEdge];

    /// <summary>The defaults (8 caps × 5 k × 3 methods × 2,000 trials) run in about 10 s on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The atlas goes beyond the papers, which give no protocol for it: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShortcutCnnResult result, IReadOnlyList<string> figures)
    {
        string resnet = ShortcutCnnMethod.Resnet.Name(), cnn = ShortcutCnnMethod.Cnn.Name(), ssw = ShortcutCnnMethod.ResnetSsw.Name();
        yield return ShortcutCnnCommand.JudgeBetter(ProtectsInsidePrior, result, ShortcutCnnMethod.Resnet, ShortcutCnnMethod.Cnn,
            ClaimRulesShortcutShamir.Png(figures, $"heatmap_{resnet}.", $"heatmap_{cnn}."), r => r.CapDeg <= 60, "at θ_cap ≤ 60°");
        yield return JudgeStops(result, ClaimRulesShortcutShamir.Png(figures, $"heatmap_{resnet}.", $"heatmap_{cnn}."));
        yield return ShortcutCnnCommand.JudgeBetter(WarmupAtEdge, result, ShortcutCnnMethod.ResnetSsw, ShortcutCnnMethod.Resnet,
            ClaimRulesShortcutShamir.Png(figures, $"heatmap_{ssw}_minus_{resnet}."), r => r.CapDeg == 90, "at θ_cap = 90°");
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShortcutCnnResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>
    /// At θ_cap = 180° a k agrees when resnet's failure share is not wholly below the plain CNN's (no protection left)
    /// and contradicts when it is; the edge is the smallest cap at which resnet is not below cnn at some k.
    /// </summary>
    private static ClaimFinding JudgeStops(ShortcutCnnResult result, IReadOnlyList<string> figures)
    {
        var claim = StopsOutsidePrior;
        var pairs = result.Rows.Where(r => r.Method == ShortcutCnnMethod.Resnet.Name())
            .Select(r => (A: r, B: result.Rows.FirstOrDefault(o => o.Method == ShortcutCnnMethod.Cnn.Name() && o.K == r.K && o.CapDeg == r.CapDeg)!))
            .Where(p => p.B is not null && ClaimRulesShortcutShamir.Settled(p.A) && ClaimRulesShortcutShamir.Settled(p.B)).ToList();
        bool Protected((ShortcutCnnRow A, ShortcutCnnRow B) p) => ClaimRulesShortcutShamir.Failures(p.A).Below(ClaimRulesShortcutShamir.Failures(p.B));
        var whole = pairs.Where(p => p.A.CapDeg == 180).OrderBy(p => p.A.K).ToList();
        if (whole.Count == 0) return ClaimFinding.NotCheckable(claim, "the run has no settled resnet and cnn cells at θ_cap = 180° (--caps, --methods)");
        var tally = CellTally.Of(whole, p => Protected(p) ? -1 : 1,
            p => $"k = {p.A.K}: {ClaimRulesShortcutShamir.Failures(p.A)} vs {ClaimRulesShortcutShamir.Failures(p.B)}");
        double edge = pairs.GroupBy(p => p.A.CapDeg).OrderBy(g => g.Key).FirstOrDefault(g => !g.All(Protected))?.Key ?? double.NaN;
        double lastProtected = pairs.GroupBy(p => p.A.CapDeg).OrderBy(g => g.Key).TakeWhile(g => g.All(Protected)).Select(g => g.Key).DefaultIfEmpty(double.NaN).Max();
        string evidence = $"Share of ended trials that failed (Wilson 95%), resnet vs cnn at θ_cap = 180°: {tally.Listing}. " +
                          $"Rule: a k agrees when resnet's interval is not wholly below cnn's (no protection left), contradicts when it is; {tally.Counts}. " +
                          (double.IsFinite(edge) ? $"Resnet beats cnn at every k up to θ_cap = {ClaimRulesShortcutShamir.Deg(lastProtected)} and loses that advantage at some k from {ClaimRulesShortcutShamir.Deg(edge)} on."
                                                 : "Resnet beats cnn at every cap and k of this run.");
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("k agreeing at 180°", tally.Agreeing, $"of {tally.Cases}"),
            new("last cap protected at every k", lastProtected, "degrees"),
            new("first cap not protected at some k", edge, "degrees"),
            new("largest resnet − cnn failure gap at 180°", whole.Max(p => ClaimRulesShortcutShamir.Failures(p.A).Rate - ClaimRulesShortcutShamir.Failures(p.B).Rate), "share of ended trials"),
        ], figures);
    }

    /// <summary>heatmap_METHOD.png/.svg per method and heatmap_resnet-ssw_minus_resnet.png/.svg.</summary>
    public static IEnumerable<string> HeatMaps(ShortcutCnnResult result, string folder, List<string> notes)
    {
        double[] caps = result.Rows.Select(r => r.CapDeg).Distinct().Order().ToArray();
        int[] ks = result.Rows.Select(r => r.K).Distinct().Order().ToArray();
        var files = new List<string>();
        var grids = new Dictionary<string, double[,]>();
        foreach (var group in result.Rows.GroupBy(r => r.Method))
        {
            var grid = Grid(caps, ks, group, r => r.SuccessRate);
            grids[group.Key] = grid;
            files.AddRange(Save(grid, caps, ks, folder, $"heatmap_{group.Key}", $"{group.Key}: success rate", "success rate",
                new ScottPlot.Colormaps.Viridis(), 0, 1, notes));
        }
        string ssw = ShortcutCnnMethod.ResnetSsw.Name(), plain = ShortcutCnnMethod.Resnet.Name();
        if (grids.TryGetValue(ssw, out var a) && grids.TryGetValue(plain, out var b))
        {
            var diff = new double[caps.Length, ks.Length];
            for (int i = 0; i < caps.Length; i++)
                for (int j = 0; j < ks.Length; j++) diff[i, j] = a[i, j] - b[i, j];
            files.AddRange(Save(diff, caps, ks, folder, $"heatmap_{ssw}_minus_{plain}", $"{ssw} minus {plain}: success-rate gain from warm-up",
                "success rate difference", new ScottPlot.Colormaps.Balance(), -1, 1, notes));
        }
        return files;
    }

    /// <summary>Rows of the grid are caps, the largest on top (grid row 0 is drawn at the top); columns are k.</summary>
    private static double[,] Grid(double[] caps, int[] ks, IEnumerable<ShortcutCnnRow> rows, Func<ShortcutCnnRow, double> value)
    {
        var grid = new double[caps.Length, ks.Length];
        for (int i = 0; i < caps.Length; i++)
            for (int j = 0; j < ks.Length; j++) grid[i, j] = double.NaN;
        foreach (var r in rows)
            grid[caps.Length - 1 - Array.IndexOf(caps, r.CapDeg), Array.IndexOf(ks, r.K)] = value(r);
        return grid;
    }

    private static IEnumerable<string> Save(double[,] grid, double[] caps, int[] ks, string folder, string name, string title,
        string colourLabel, IColormap colormap, double min, double max, List<string> notes)
    {
        int missing = grid.Cast<double>().Count(v => !double.IsFinite(v));
        if (missing > 0) notes.Add($"{name}: {missing} cell(s) without a finite rate drawn grey");
        var plot = new Plot();
        var map = plot.Add.Heatmap(grid);
        map.Colormap = colormap;
        map.ManualRange = new ScottPlot.Range(min, max);
        map.NaNCellColor = Colors.LightGray;
        // Unit cells centred on integer coordinates (column j at x = j, grid row i at y = rows − 1 − i), so ticks can name k and θ_cap.
        map.Rectangle = new CoordinateRect(-0.5, ks.Length - 0.5, -0.5, caps.Length - 0.5);
        plot.Axes.SetLimits(-0.5, ks.Length - 0.5, -0.5, caps.Length - 0.5);
        var bar = plot.Add.ColorBar(map);
        bar.Label = colourLabel;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ks.Length).Select(j => (double)j).ToArray(), ks.Select(k => k.ToString()).ToArray());
        plot.Axes.Left.SetTicks(Enumerable.Range(0, caps.Length).Select(i => (double)i).ToArray(), caps.Select(c => Kinds.Format(c) + "°").ToArray());
        plot.Title(title);
        plot.XLabel("k (number of patches)");
        plot.YLabel("θ_cap (teacher cap half-angle)");
        return Figures.Save(plot, folder, name);
    }
}
