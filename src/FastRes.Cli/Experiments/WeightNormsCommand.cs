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
