using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn</c> (SPEC §1.6–1.7): success/spurious rates of cnn, resnet and resnet-ssw over k.
/// Figure: success rate vs k with Wilson 95% bands, one line per method.
/// </summary>
public sealed class ShortcutCnnCommand : ExperimentBinding<ShortcutCnnConfig, ShortcutCnnResult>
{
    public override string Name => "shortcut-cnn";
    public override string Description => "Success rate vs k of cnn, resnet, resnet-ssw on the shortcut-CNN teacher-student (Liu et al. 2019)";
    public override ShortcutCnnConfig Defaults { get; } = new();
    public override IReadOnlyList<Setting<ShortcutCnnConfig>> Settings { get; }

    public ShortcutCnnCommand() => Settings = ShortcutCnnSettings.For(Defaults);

    public override IReadOnlyList<ConfigError> Validate(ShortcutCnnConfig config) => config.Validate();
    public override JsonObject ConfigJson(ShortcutCnnConfig config) => ShortcutCnnSettings.ToJson(config);
    protected override void AddDerived(JsonObject doc, ShortcutCnnConfig config) => doc["resolved_steps"] = ShortcutCnnSettings.ResolvedSteps(config);
    protected override long? TotalTrials(ShortcutCnnConfig config) => ShortcutCnnMonteCarlo.TotalTrials(config);

    protected override ShortcutCnnResult Execute(ShortcutCnnConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShortcutCnnMonteCarlo.Run(config, progress, cancellationToken);

    public override ShardSlice? SliceOf(ShortcutCnnConfig c)
    {
        var (start, end) = c.Shard.Range(c.Trials);
        return new ShardSlice(c.Shard.Index, c.Shard.Count, start, end);
    }

    protected override (string Shard, int BlockTrials)? CheckpointLayout(ShortcutCnnConfig c) => (c.Shard.ToString(), c.BlockTrials);

    protected override ShortcutCnnResult Execute(ShortcutCnnConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutCnnMonteCarlo.Run(config, progress, cancellationToken, journal);

    public override bool CanMerge => true;
    protected override ShortcutCnnConfig WholeRun(ShortcutCnnConfig c) => c with { Shard = Shard.Whole, Threads = Defaults.Threads, Simd = Defaults.Simd };
    protected override ShortcutCnnResult MergeShards(ShortcutCnnConfig whole, IReadOnlyList<ShardInput> shards)
        => ShortcutCnnRowFiles.Merge(whole, shards) with { Config = whole };

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShortcutCnnResult result)
    {
        ShortcutCnnRowFiles.WriteJson(header, result);
        ShortcutCnnRowFiles.WriteCsv(header, result);
        var notes = new List<string>();
        var figures = SuccessVsK(result, header.OutDir, notes).ToList();
        ShortcutCnnRowFiles.WriteSummary(header, result, figures, notes);
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, ShortcutCnnResult result) => ShortcutCnnRowFiles.PrintTable(output, result);

    /// <summary>success_vs_k.png/.svg: one line per method, its 95% band filled between the Wilson bounds.</summary>
    public static IEnumerable<string> SuccessVsK(ShortcutCnnResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Method))
        {
            var rows = group.OrderBy(r => r.K).ToList();
            double[] ks = rows.Select(r => (double)r.K).ToArray();
            var color = plot.Add.Palette.GetColor(colour++);
            var (x, y) = Figures.Finite(ks, rows.Select(r => r.SuccessRate).ToArray(), $"{group.Key} success rate", notes);
            var (xl, lo) = Figures.Finite(ks, rows.Select(r => r.SuccessCi95.Lo).ToArray(), $"{group.Key} lower CI", []);
            var (xh, hi) = Figures.Finite(ks, rows.Select(r => r.SuccessCi95.Hi).ToArray(), $"{group.Key} upper CI", []);
            if (xl.Length > 0 && xl.SequenceEqual(xh))
            {
                var band = plot.Add.FillY(xl, lo, hi);
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            if (x.Length == 0) continue;
            var line = plot.Add.Scatter(x, y, color);
            line.LegendText = group.Key;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            // Wilson intervals are asymmetric; drawn as error bars too, so a single k (no band to fill) still shows them.
            var finite = rows.Where(r => double.IsFinite(r.SuccessRate) && double.IsFinite(r.SuccessCi95.Lo) && double.IsFinite(r.SuccessCi95.Hi)).ToList();
            if (finite.Count > 0)
            {
                var bars = plot.Add.ErrorBar(finite.Select(r => (double)r.K).ToArray(), finite.Select(r => r.SuccessRate).ToArray(),
                                             finite.Select(r => r.SuccessCi95.Hi - r.SuccessRate).ToArray());
                bars.YErrorPositive = finite.Select(r => r.SuccessCi95.Hi - r.SuccessRate).ToArray();
                bars.YErrorNegative = finite.Select(r => r.SuccessRate - r.SuccessCi95.Lo).ToArray();
                bars.Color = color;
                bars.LineWidth = 1.5f;
                bars.CapSize = 6;
            }
        }
        var p = result.Rows.FirstOrDefault()?.P;
        plot.Title($"shortcut-cnn: success rate vs k (p = {p}, θ_cap = {Values.Format(result.Config.CapDeg)}°, {result.Config.Trials} trials, 95% Wilson bands)");
        plot.XLabel("k (number of patches)");
        plot.YLabel("success rate");
        double[] allK = result.Rows.Select(r => (double)r.K).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(allK, allK.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.LowerLeft);
        return Figures.Save(plot, folder, "success_vs_k");
    }
}
