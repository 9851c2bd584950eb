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
