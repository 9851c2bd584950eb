using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run initial-condition</c> (SPEC §2.6, Li et al. Figure 4): κ of the exact Hessian at initialization vs
/// depth for xavier / orthogonal plain linear networks and 1-, 2-, 3-shortcut linear networks with small init.
/// Shards slice the run indices; a checkpoint block is one finished (net, depth, run). Figure: κ vs depth on log
/// axes, mean ± std over runs.
/// </summary>
public sealed class InitialConditionCommand() : DataExperiment<InitialConditionConfig, InitialConditionResult>("initial-condition",
    "κ of the Hessian at initialization vs depth, plain vs shortcut linear nets (Li et al. Fig. 4)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depths", "2,4", "--runs", "2", "--width", "4"];
    protected override string ProgressUnit => "Hessians";
    public override string SlicedSetting => "runs";
    protected override bool Journals => true;
    protected override long? Steps(InitialConditionConfig config) => InitialCondition.TotalSteps(config);
    protected override string? DataOf(InitialConditionResult result) => result.DataSource;

    protected override InitialConditionResult Run(InitialConditionConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => InitialCondition.Run(config, data, progress, cancellationToken, journal);

    /// <summary>Each (net, depth) row's per-run values concatenated over the shards in run order and summarized as a run does: bit for bit a single run's rows.</summary>
    protected override InitialConditionResult Merge(InitialConditionConfig whole, IReadOnlyList<ShardInput> shards)
        => new(whole, SameText(shards, "data_source"),
               Combine(shards, InitialConditionRow.Columns, cell => InitialCondition.Summarize(cell[0].Net, cell[0].Depth, cell[0].Params, cell.SelectMany(r => r.PerRun).ToList()),
                       (row, slice) => row.CheckShard(slice.TrialStart, slice.TrialEnd)),
               SecondsOf(shards));

    public static readonly PaperClaim Shortcut2Constant = new("initial-condition/shortcut2-constant", Paper.Li2016, "Section 5.1, Figure 4",
        "As can be seen in Figure 4, 2-shortcut linear networks have constant condition numbers as expected.");
    public static readonly PaperClaim PlainExplode = new("initial-condition/plain-explode", Paper.Li2016, "Section 5.1, Figure 4",
        "On the other hand, when using Xavier or orthogonal initialization in linear networks, the initial condition numbers will go to infinity as the depths become infinity, " +
        "making the networks hard to train.");
    public static readonly PaperClaim OrthogonalSlower = new("initial-condition/orthogonal-slower", Paper.Li2016, "Section 5.1, Figure 4",
        "This also explains why orthogonal initialization is helpful for a linear network, as its initial condition number grows slower than the Xavier initialization.");

    public override IReadOnlyList<PaperClaim> Claims => [Shortcut2Constant, PlainExplode, OrthogonalSlower];

    /// <summary>
    /// Depths 2–32 and 3 runs (the defaults take ≈ 230 s, most of it in the 50 order-6,400 spectra at depth 64): a 16×
    /// depth range, and three runs give each point a spread, so the intervals of the verdicts mean something.
    /// </summary>
    protected override IReadOnlyList<string> QuickArgs => ["--depths", "2,4,8,16,32", "--runs", "3"];

    /// <summary>Figure 4's caption: "Means and standard deviations are estimated based on 10 runs" — the defaults (10 runs, depths 2–64).</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>"Constant": the 2-shortcut mean κ varies by at most this share over the depths.</summary>
    public const double ConstantTolerance = 0.05;

    protected override IEnumerable<ClaimFinding> Judge(InitialConditionResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "kappa_vs_depth");
        yield return JudgeConstant(result, shown);
        yield return JudgeExplode(result, shown);
        yield return JudgeSlower(result, shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(InitialConditionResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    private static List<InitialConditionRow> Of(InitialConditionResult result, InitialConditionNet net)
        => result.Rows.Where(r => r.Net == net.Name()).OrderBy(r => r.Depth).ToList();

    /// <summary>log10 κ over a point's runs (an infinite κ — |λ|₍₀.₁₎ = 0 — counts as 10³⁰⁸, above any finite one).</summary>
    private static Estimate LogKappa(InitialConditionRow r) => Estimate.Of(r.PerRun.Select(v => double.IsFinite(v.Kappa) ? Math.Log10(v.Kappa) : 308));

    private static double Growth(List<InitialConditionRow> rows) => rows.Count < 2 ? double.NaN : rows[^1].KappaMean / rows[0].KappaMean;

    private static string Sweep(List<InitialConditionRow> rows) => string.Join(" → ", rows.Select(r => ClaimRulesLiYun.N(r.KappaMean)));

    /// <summary>2-shortcut: max/min of the mean κ over the depths ≤ 1 + 5%, over at least a 4× depth range.</summary>
    private static ClaimFinding JudgeConstant(InitialConditionResult result, IReadOnlyList<string> figures)
    {
        var rows = Of(result, InitialConditionNet.Shortcut2);
        if (ClaimRulesLiYun.TooShort(rows.Select(r => r.Depth).ToList(), 4, "shortcut2") is { } why) return ClaimFinding.NotCheckable(Shortcut2Constant, why);
        double spread = rows.Max(r => r.KappaMean) / rows.Min(r => r.KappaMean) - 1;
        string others = string.Join("; ", new[] { InitialConditionNet.Xavier, InitialConditionNet.Orthogonal }.Select(n => (n, Of(result, n))).Where(x => x.Item2.Count >= 2)
            .Select(x => $"{x.n.Name()} {ClaimRulesLiYun.N(Growth(x.Item2))}×"));
        return new ClaimFinding(Shortcut2Constant, spread <= ConstantTolerance ? Verdict.Holds : Verdict.DoesNotHold,
            $"Mean κ of the 2-shortcut linear net (small init) over depths {rows[0].Depth}–{rows[^1].Depth}: {Sweep(rows)}, a spread of {Cells.Percent(spread)} (max/min − 1). " +
            $"Rule: constant when the spread is at most {Cells.Percent(ConstantTolerance)}.{(others.Length > 0 ? $" Over the same range: {others}." : "")}",
            [
                new KeyNumber("shortcut2 κ", rows[0].KappaMean, $"depth {rows[0].Depth}"),
                new KeyNumber("shortcut2 κ", rows[^1].KappaMean, $"depth {rows[^1].Depth}"),
                new KeyNumber("spread over depths", spread, "max/min − 1"),
                new KeyNumber("runs per point", rows.Min(r => r.Runs), "runs"),
            ], figures);
    }

    /// <summary>Xavier and orthogonal: at each step of depth, the deeper net's log10 κ interval lies wholly above the shallower's.</summary>
    private static ClaimFinding JudgeExplode(InitialConditionResult result, IReadOnlyList<string> figures)
    {
        var nets = new[] { InitialConditionNet.Xavier, InitialConditionNet.Orthogonal }.Select(n => (Net: n, Rows: Of(result, n))).Where(x => x.Rows.Count > 0).ToList();
        if (nets.Count == 0) return ClaimFinding.NotCheckable(PlainExplode, "the run has neither xavier nor orthogonal (--nets)");
        if (nets.Select(x => ClaimRulesLiYun.TooShort(x.Rows.Select(r => r.Depth).ToList(), 4, x.Net.Name())).FirstOrDefault(w => w is not null) is { } why)
            return ClaimFinding.NotCheckable(PlainExplode, why);
        var steps = nets.SelectMany(x => x.Rows.Zip(x.Rows.Skip(1)).Select(p => (x.Net, Shallow: p.First, Deep: p.Second))).ToList();
        var tally = CellTally.Of(steps, s => -LogKappa(s.Shallow).Against(LogKappa(s.Deep)),
            s => $"{s.Net.Name()} {s.Shallow.Depth}→{s.Deep.Depth}: log10 κ {LogKappa(s.Shallow)} → {LogKappa(s.Deep)}");
        return ClaimRulesLiYun.OfTally(PlainExplode, tally, "log10 κ at initialization, per step of depth",
            $"a step agrees when the deeper net's interval lies wholly above the shallower's, contradicts when wholly below ({ClaimRulesLiYun.IntervalRule})",
            nets.Select(x => new KeyNumber($"{x.Net.Name()} κ growth", Growth(x.Rows), $"× from depth {x.Rows[0].Depth} to {x.Rows[^1].Depth}")).ToList(), figures);
    }

    /// <summary>At each depth past the shallowest: orthogonal's growth of log10 κ since the shallowest depth lies wholly below xavier's.</summary>
    private static ClaimFinding JudgeSlower(InitialConditionResult result, IReadOnlyList<string> figures)
    {
        var (x, o) = (Of(result, InitialConditionNet.Xavier), Of(result, InitialConditionNet.Orthogonal));
        if (x.Count == 0 || o.Count == 0) return ClaimFinding.NotCheckable(OrthogonalSlower, "the run lacks xavier or orthogonal (--nets)");
        if (ClaimRulesLiYun.TooShort(x.Select(r => r.Depth).ToList(), 4, "xavier") is { } why) return ClaimFinding.NotCheckable(OrthogonalSlower, why);
        Estimate Rise(List<InitialConditionRow> rows, InitialConditionRow r) => LogKappa(r).Minus(LogKappa(rows[0]));
        var pairs = x.Skip(1).Select(r => (X: r, O: o.FirstOrDefault(q => q.Depth == r.Depth))).Where(p => p.O is not null && o[0].Depth == x[0].Depth).ToList();
        var tally = CellTally.Of(pairs, p => -Rise(o, p.O!).Against(Rise(x, p.X)),
            p => $"depth {p.X.Depth}: orthogonal +{Rise(o, p.O!)} vs xavier +{Rise(x, p.X)} decades");
        return ClaimRulesLiYun.OfTally(OrthogonalSlower, tally, $"Rise of log10 κ since depth {x[0].Depth}",
            $"a depth agrees when orthogonal's rise lies wholly below xavier's, contradicts when wholly above ({ClaimRulesLiYun.IntervalRule})",
            [new KeyNumber("xavier κ growth", Growth(x), $"× to depth {x[^1].Depth}"), new KeyNumber("orthogonal κ growth", Growth(o), $"× to depth {o[^1].Depth}")], figures);
    }

    protected override void Summarize(Summary md, InitialConditionResult result)
    {
        md.Paragraph($"κ = max|λ| / |λ|_(0.1) of the exact Hessian at initialization, mean ± std over {result.Config.Runs} runs (linear networks; Li et al. Figure 4).");
        md.Tables(Layout, result);
        foreach (var x in result.Rows.Where(r => r.InfiniteKappaRuns > 0))
            md.Notes.Add($"{x.Net} depth {x.Depth}: κ infinite (|λ|_(0.1) = 0) in {x.InfiniteKappaRuns} of {x.Runs} runs, left out of the mean");
    }

    /// <summary>kappa_vs_depth.png/.svg: κ mean ± 1 std per net on log–log axes.</summary>
    protected override IEnumerable<string> DrawFigures(InitialConditionResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Net))
        {
            var rows = group.OrderBy(r => r.Depth).ToList();
            var (marker, size, width, dashed) = Style(group.Key);
            Figures.Line(plot, rows, r => Math.Log2(r.Depth), r => r.KappaMean, group.Key, plot.Add.Palette.GetColor(colour++), notes,
                         r => (r.KappaMean - r.KappaStd, r.KappaMean + r.KappaStd), Math.Log10, dashed, width, size, marker: marker);
        }
        Figures.Log2DepthAxis(plot);
        Figures.Log10Axis(plot.Axes.Left);
        plot.Title($"Hessian κ at initialization vs depth ({DataCache.ShortName(result.DataSource)}, mean ± std over {result.Config.Runs} runs)");
        plot.XLabel("depth");
        plot.YLabel("κ = max|λ| / |λ|₍₀.₁₎");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "kappa_vs_depth");
    }

    /// <summary>
    /// (marker, marker size, line width, dashed) of a net's series. Orthogonal and shortcut1 have nearly the same κ at
    /// every depth (both start near the identity map's conditioning), so their curves coincide: orthogonal is a wide
    /// solid line with filled squares, shortcut1 (drawn after it) a thin dashed line with larger open circles, and
    /// each stays visible through the other (in the SVG too, where Skia draws dashes solid).
    /// </summary>
    private static (MarkerShape Marker, float Size, float Width, bool Dashed) Style(string net) => net switch
    {
        "xavier" => (MarkerShape.FilledCircle, 7, 2, false),
        "orthogonal" => (MarkerShape.FilledSquare, 8, 5, false),
        "shortcut1" => (MarkerShape.OpenCircle, 14, 2, true),
        "shortcut2" => (MarkerShape.FilledDiamond, 10, 2, false),
        "shortcut3" => (MarkerShape.OpenTriangleUp, 11, 2, true),
        _ => (MarkerShape.FilledCircle, 7, 2, false),
    };
}
