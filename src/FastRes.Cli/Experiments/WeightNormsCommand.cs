using FastRes.Experiments.Data;
using FastRes.Experiments.Training;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run weight-norms</c> (Li et al. Figure 3): the average Frobenius norm of the weights of small-initialized
/// 2-shortcut networks along full-batch GD, per depth, linear and ReLU-mid. Cells are (mid, depth, run), sharded and
/// journaled one per finished run; merge concatenates the shards' cells in order.
/// </summary>
public sealed class WeightNormsCommand() : DataExperiment<WeightNormsConfig, WeightNormsResult>("weight-norms",
    "Average Frobenius norm of the weights of 2-shortcut nets along training vs depth, linear and ReLU-mid (Li et al. Fig. 3)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depths", "2,4", "--width", "4", "--runs", "2", "--epochs", "20", "--every", "5"];
    protected override string ProgressUnit => "layer-epochs";
    protected override bool Journals => true;
    protected override long? Steps(WeightNormsConfig config) => WeightNorms.TotalSteps(config);
    protected override long SliceCount(WeightNormsConfig config) => config.CellCount;
    protected override string? DataOf(WeightNormsResult result) => result.DataSource;

    protected override WeightNormsResult Run(WeightNormsConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => WeightNorms.Run(config, data, progress, cancellationToken, journal);

    protected override WeightNormsResult Merge(WeightNormsConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var runs = new List<WeightNormsRun>();
        var rows = new List<WeightNormsRow>();
        foreach (var shard in shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index))
        {
            var own = ShardRows.Read(shard, "runs", WeightNormsRun.Columns);
            var indices = own.Select(r => WeightNorms.IndexOf(whole, r)).ToList();
            if (!indices.SequenceEqual(Enumerable.Range(0, (int)(shard.Slice.TrialEnd - shard.Slice.TrialStart)).Select(i => shard.Slice.TrialStart + i)))
                throw ShardRows.Corrupt(shard, $"its runs are not exactly the cells [{shard.Slice.TrialStart}, {shard.Slice.TrialEnd}) of its slice");
            var norms = ShardRows.Read(shard, "rows", WeightNormsRow.Columns);
            if (norms.Any(r => !own.Any(o => o.Mid == r.Mid && o.Depth == r.Depth && o.Run == r.Run)))
                throw ShardRows.Corrupt(shard, "a row belongs to no run of the shard");
            runs.AddRange(own);
            rows.AddRange(norms);
        }
        return WeightNorms.Assemble(whole, SameText(shards, "data_source"), rows, runs, SecondsOf(shards));
    }

    private const string Statement = "As illustrated in Figure 2 and Figure 3, the deeper a residual network is, the small[er] its average Frobenius norm of weight matrices is, " +
                                     "both during the training process and when the training ends.";
    public static readonly PaperClaim SmallerAtEnd = new("weight-norms/smaller-at-end", Paper.Li2016, "Section 4.1, Figure 3 (when the training ends)", Statement);
    public static readonly PaperClaim SmallerDuringTraining = new("weight-norms/smaller-during-training", Paper.Li2016, "Section 4.1, Figure 3 (during the training process)", Statement);

    public override IReadOnlyList<PaperClaim> Claims => [SmallerAtEnd, SmallerDuringTraining];

    /// <summary>The defaults take ≈ 8 s on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper gives neither depths, rate, epochs nor runs for Figure 3; its other MNIST figures use 10 runs and 1,000 epochs — those, depths 2–64 (≈ 4 min on 2 cores).</summary>
    protected override IReadOnlyList<string> PaperArgs => ["--runs", "10", "--epochs", "1000", "--depths", "2,4,8,16,32,64"];

    protected override IEnumerable<ClaimFinding> Judge(WeightNormsResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "weight_norms");
        yield return JudgeOrder(SmallerAtEnd, result, e => e == result.Config.Epochs, "at the last epoch", shown);
        yield return JudgeOrder(SmallerDuringTraining, result, e => e > 0, "at every recorded epoch after 0", shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(WeightNormsResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>
    /// Per mid, epoch (among <paramref name="epochs"/>) and pair of consecutive depths: the deeper net's mean norm wholly below the
    /// shallower's agrees, wholly above contradicts. A (mid, depth) with a diverged run is left out (its mean is over fewer runs).
    /// </summary>
    private static ClaimFinding JudgeOrder(PaperClaim claim, WeightNormsResult result, Func<int, bool> epochs, string when, IReadOnlyList<string> figures)
    {
        if (result.Curves.Count == 0) return ClaimFinding.NotCheckable(claim, "the run recorded no norms");
        var diverged = result.Runs.Where(r => r.Diverged).Select(r => (r.Mid, r.Depth)).ToHashSet();
        var points = result.Curves.Where(p => epochs(p.Epoch) && !diverged.Contains((p.Mid, p.Depth))).ToList();
        var pairs = points.GroupBy(p => (p.Mid, p.Epoch)).SelectMany(g =>
        {
            var byDepth = g.OrderBy(p => p.Depth).ToList();
            return byDepth.Zip(byDepth.Skip(1));
        }).ToList();
        static Estimate Norm(WeightNormsPoint p) => Estimate.OfRuns(p.AvgFrobeniusMean, p.AvgFrobeniusStd, p.Runs);
        var tally = CellTally.Of(pairs, p => -Norm(p.Second).Against(Norm(p.First)),
            p => $"{p.First.Mid} epoch {p.First.Epoch}, depth {p.First.Depth} vs {p.Second.Depth}: {Norm(p.First)} vs {Norm(p.Second)}");
        var notAgreeing = pairs.Where(p => !Norm(p.Second).Below(Norm(p.First))).Select(p => p.First.Epoch).ToList();
        // The whole listing runs to hundreds of cases during training: the evidence names those that do not agree.
        string listing = notAgreeing.Count == 0 ? "every pair agrees" : $"the {notAgreeing.Count} that do not agree: " +
            string.Join("; ", tally.Listing.Split("; ").Where(x => x.EndsWith(')')).Take(12)) + (notAgreeing.Count > 12 ? "; …" : "");
        var last = result.Curves.Where(p => p.Epoch == result.Config.Epochs && !diverged.Contains((p.Mid, p.Depth))).GroupBy(p => p.Mid)
                                .Select(g => $"{g.Key}: {string.Join(" → ", g.OrderBy(p => p.Depth).Select(p => ClaimRulesLiYun.N(p.AvgFrobeniusMean)))}").ToList();
        var compact = tally with { Listing = listing };
        return ClaimRulesLiYun.OfTally(claim, compact, $"Mean ‖W‖_F of 2-shortcut nets (small init, {result.Config.Runs} run(s) per point), each pair of consecutive depths {when}",
            $"a pair agrees when the deeper net's interval lies wholly below the shallower's, contradicts when wholly above ({ClaimRulesLiYun.IntervalRule})",
            [
                new KeyNumber("latest epoch not agreeing", notAgreeing.DefaultIfEmpty(-1).Max(), "epoch (−1: none)"),
                new KeyNumber("depths", result.Curves.Select(p => p.Depth).Distinct().Count(), $"{result.Curves.Min(p => p.Depth)}–{result.Curves.Max(p => p.Depth)}"),
                new KeyNumber("epochs", result.Config.Epochs, "epochs"),
            ], figures, $" At the end, shallowest → deepest: {string.Join("; ", last)}." + (diverged.Count > 0 ? $" {diverged.Count} (mid, depth) point(s) with a diverged run left out." : ""));
    }

    protected override string VerdictDetail(WeightNormsResult r) =>
        $"a case: for one mid and one recorded epoch > 0, the deeper of two consecutive depths has the smaller mean ‖W‖_F; at the end of training: {r.EndViolations} violation(s) in {r.EndCases}";

    protected override void Summarize(Summary md, WeightNormsResult result)
    {
        var c = result.Config;
        md.Paragraph("Claim (Li et al. Section 3, Figures 2–3): \"the deeper a residual network is, the smaller its average Frobenius norm of weight matrices is, " +
                     "both during the training process and when the training ends\" (Figure 3: 2-shortcut networks, left linear, right ReLUs at the mid positions).");
        md.Paragraph($"Method: 2-shortcut networks of depths {string.Join(", ", c.Depths)}, {string.Join(" and ", c.Mids.Select(WeightNorms.MidName))}, small init " +
                     $"(xavier × 0.01: the paper's \"zero initialized\" — exactly zero is a stationary point GD never leaves), full-batch GD with η = {Kinds.Format(c.Eta)} at every depth " +
                     $"for {c.Epochs} epochs, {c.Runs} run(s) per point (the paper gives neither its depths, rate, epochs nor runs for this figure); the norm (1/D)Σ‖W_l‖_F recorded every {c.Every} epochs.");
        var end = result.Curves.Where(p => p.Epoch == result.Runs.Where(r => r.Mid == p.Mid && r.Depth == p.Depth).Select(r => r.Epochs).DefaultIfEmpty(-1).Max()).ToList();
        md.Paragraph("At the end of training (mean over runs):");
        md.Table(WeightNormsPoint.Columns, end);
        foreach (var run in result.Runs.Where(r => r.Diverged))
            md.Notes.Add($"{run.Mid} depth {run.Depth} run {run.Run} diverged at epoch {run.DivergedAt}: that depth is left out of the comparisons");
    }

    /// <summary>weight_norms.png/.svg: mean ‖W‖_F vs epoch per depth, one panel per mid (linear left, ReLU right, as Figure 3).</summary>
    protected override IEnumerable<string> DrawFigures(WeightNormsResult result, string folder, List<string> notes)
    {
        var mids = result.Config.Mids.Select(WeightNorms.MidName).ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(mids.Count);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int m = 0; m < mids.Count; m++)
        {
            var plot = multiplot.GetPlot(m);
            var depths = result.Curves.Where(p => p.Mid == mids[m]).Select(p => p.Depth).Distinct().OrderBy(d => d).ToList();
            for (int i = 0; i < depths.Count; i++)
                Figures.Line(plot, result.Curves.Where(p => p.Mid == mids[m] && p.Depth == depths[i]), p => p.Epoch, p => p.AvgFrobeniusMean, $"depth {depths[i]}",
                             plot.Add.Palette.GetColor(i), notes, markerSize: 3, series: $"{mids[m]} depth {depths[i]}");
            plot.Title($"2-shortcut, {(mids[m] == "linear" ? "linear" : "ReLU at mid positions")} ({DataCache.ShortName(result.DataSource)})");
            plot.XLabel("epoch");
            plot.YLabel("average ‖W‖_F");
            plot.ShowLegend(Alignment.LowerRight);
        }
        return Figures.Save(multiplot, folder, "weight_norms", Figures.Width * mids.Count, Figures.Height);
    }
}
