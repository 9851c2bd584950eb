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
