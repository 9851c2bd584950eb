using System.Text.Json.Nodes;
using FastRes.Experiments.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn</c> (SPEC §1.6–1.7): success/spurious rates of cnn, resnet and resnet-ssw over k.
/// Figure: success rate vs k with Wilson 95% bands, one line per method.
/// </summary>
public sealed class ShortcutCnnCommand() : Experiment<ShortcutCnnConfig, ShortcutCnnResult>("shortcut-cnn",
    "Success rate vs k of cnn, resnet, resnet-ssw on the shortcut-CNN teacher-student (Liu et al. 2019)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--k", "2,4", "--trials", "64", "--iterations", "200"];
    protected override long? Steps(ShortcutCnnConfig config) => ShortcutCnnMonteCarlo.TotalTrials(config);
    protected override bool Journals => true;
    protected override void AddDerived(JsonObject doc, ShortcutCnnConfig config) => doc["resolved_steps"] = ResolvedSteps(config);

    protected override ShortcutCnnResult Run(ShortcutCnnConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutCnnMonteCarlo.Run(config, progress, cancellationToken, journal);

    protected override ShortcutCnnResult Merge(ShortcutCnnConfig whole, IReadOnlyList<ShardInput> shards)
        => new(whole, Combine(shards, ShortcutCnnRow.Columns, ShortcutCnnResult.Sum, (r, s) => ShortcutCnnResult.CheckShardRow(r, s.TrialEnd - s.TrialStart)), SecondsOf(shards));

    protected override void Summarize(Summary md, ShortcutCnnResult result) => SummarizeRates(md, result);
    protected override void PrintSummary(TextWriter output, ShortcutCnnResult result) => PrintRates(output, result);
    protected override IEnumerable<string> DrawFigures(ShortcutCnnResult result, string folder, List<string> notes) => SuccessVsK(result, folder, notes);

    /// <summary>A cell whose undecided share is above this had not settled: summary.md says so.</summary>
    public const double UndecidedWarning = 0.05;

    /// <summary>η, η₁, T₁ and C as the runner will use them for each k (SPEC §1.4), for config.json.</summary>
    public static JsonArray ResolvedSteps(ShortcutCnnConfig c) => new(c.K.Select(k =>
    {
        var s = c.ResolveSteps(k);
        return (JsonNode)new JsonObject
        {
            ["k"] = k, ["iterations"] = c.IterationsFor(k), ["eta"] = s.Eta, ["eta1"] = s.Eta1, ["warmup_iterations"] = s.WarmupIterations, ["warmup_c"] = s.WarmupC,
        };
    }).ToArray());

    /// <summary>summary.md of the success-rate experiments (and the atlas): the rates, then what did not settle or diverged.</summary>
    public static void SummarizeRates(Summary md, ShortcutCnnResult result)
    {
        var c = result.Config;
        md.Paragraph("Success rates with Wilson 95% intervals; spurious = ended in the basin of the spurious optimum (φ > π/2). " +
                     (c.Iterations is { } t ? $"T = {t} iterations at every k." : "Iterations per k (the step sizes shrink like 1/(k+π−1)², so the time to settle grows like (k+π−1)²): " +
                      string.Join(", ", result.Rows.Select(r => r.K).Distinct().Select(k => $"T = {c.IterationsFor(k)} at k = {k}")) + "."));
        md.Table(ShortcutCnnRow.Columns, result.Rows);
        foreach (string w in Warnings(result)) md.Warning(w);
    }

    public static void PrintRates(TextWriter output, ShortcutCnnResult result)
    {
        TextTables.Console(output, ShortcutCnnRow.Columns, result.Rows);
        foreach (string w in Warnings(result)) output.WriteLine("warning: " + w);
    }

    /// <summary>Unsettled cells (more iterations) and any divergence.</summary>
    private static IEnumerable<string> Warnings(ShortcutCnnResult result)
    {
        bool caps = result.Rows.Select(r => r.CapDeg).Distinct().Count() > 1;
        string Cell(ShortcutCnnRow r) => $"k={r.K} {r.Method}{(caps ? $" θ_cap={Kinds.Format(r.CapDeg)}°" : "")}";
        var unsettled = result.Rows.Where(r => r.Trials > 0 && r.UndecidedRate > UndecidedWarning).ToList();
        if (unsettled.Count > 0)
            yield return $"Undecided above {Cells.Percent(UndecidedWarning)} of the trials in {unsettled.Count} cell(s) ({string.Join("; ", unsettled.Select(r => $"{Cell(r)}: {Cells.Percent(r.UndecidedRate)} after T = {result.Config.IterationsFor(r.K)}"))}): " +
                         "those runs had not settled; rerun with more --iterations.";
        var diverged = result.Rows.Where(r => r.Diverged > 0).ToList();
        if (diverged.Count > 0)
            yield return $"{diverged.Sum(r => r.Diverged)} trial(s) diverged (NaN/∞; counted as diverged, never as success) in " +
                         $"{string.Join("; ", diverged.Select(r => $"{Cell(r)}: {r.Diverged}"))}: the step sizes may be too large (see --eta-scale, --eta, --eta1).";
    }

    /// <summary>success_vs_k.png/.svg: one line per method, its 95% band filled between the Wilson bounds.</summary>
    public static IEnumerable<string> SuccessVsK(ShortcutCnnResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Method))
        {
            var rows = group.OrderBy(r => r.K).ToList();
            var color = plot.Add.Palette.GetColor(colour++);
            Figures.Band(plot, rows, r => r.K, r => r.SuccessCi95, color);
            Figures.Line(plot, rows, r => r.K, r => r.SuccessRate, group.Key, color, notes, error: r => r.SuccessCi95);
        }
        plot.Title($"shortcut-cnn: success rate vs k (p = {result.Rows.FirstOrDefault()?.P}, θ_cap = {Kinds.Format(result.Config.CapDeg)}°, {result.Config.Trials} trials, 95% Wilson bands)");
        plot.XLabel("k (number of patches)");
        plot.YLabel("success rate");
        double[] allK = result.Rows.Select(r => (double)r.K).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(allK, allK.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.LowerLeft);
        return Figures.Save(plot, folder, "success_vs_k");
    }
}
