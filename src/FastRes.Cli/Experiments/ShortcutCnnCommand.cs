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

    public static readonly PaperClaim CnnTrapped = new("shortcut-cnn/cnn-trapped", Paper.Liu2019,
        "Background (\"We Study: Two-Layer Nonoverlapping Convolutional NNs\"), restating Du et al. 2018",
        "[For the plain two-layer non-overlapping CNN:] 1. A non-trivial spurious local optimum; 2. GD gets trapped with constant probability (1/4 ∼ 3/4).");
    public static readonly PaperClaim ShortcutHelps = new("shortcut-cnn/shortcut-helps", Paper.Liu2019,
        "Experiments (\"Success Rates with p = 8 and Varying k\")", "The skip-layer connection improves the success rate.");
    public static readonly PaperClaim WarmupHelps = new("shortcut-cnn/warmup-helps", Paper.Liu2019,
        "Experiments (\"Success Rates with p = 8 and Varying k\")", "Step size warm-up makes ResNet even better.");

    public override IReadOnlyList<PaperClaim> Claims => [CnnTrapped, ShortcutHelps, WarmupHelps];

    /// <summary>The defaults run in about 15 s on 2 cores (420,000 trials): quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>
    /// The poster gives p = 8 and "varying k" only (no trial count, teacher cap or iteration budget): the defaults
    /// (p = 8, k = 2…32, 20,000 trials per cell, θ_cap = 60° — the skip-layer prior ‖w*‖ ≤ 1) are that protocol.
    /// </summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShortcutCnnResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "success_vs_k.");
        yield return JudgeCnnTrapped(CnnTrapped, result, shown);
        yield return JudgeBetter(ShortcutHelps, result, ShortcutCnnMethod.Resnet, ShortcutCnnMethod.Cnn, shown);
        yield return JudgeBetter(WarmupHelps, result, ShortcutCnnMethod.ResnetSsw, ShortcutCnnMethod.Resnet, shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShortcutCnnResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>
    /// Du et al.'s trap as Liu et al. restate it: per k, the plain CNN's share of ended trials in the spurious basin
    /// agrees when its Wilson 95% interval lies inside [¼, ¾], contradicts when it lies wholly outside.
    /// </summary>
    public static ClaimFinding JudgeCnnTrapped(PaperClaim claim, ShortcutCnnResult result, IReadOnlyList<string> figures)
    {
        var cnn = result.Rows.Where(r => r.Method == ShortcutCnnMethod.Cnn.Name()).OrderBy(r => r.CapDeg).ThenBy(r => r.K).ToList();
        if (cnn.Count == 0) return ClaimFinding.NotCheckable(claim, "the run has no cnn cell (--methods)");
        bool caps = cnn.Select(r => r.CapDeg).Distinct().Count() > 1;
        var tally = CellTally.Of(cnn, r => !ClaimRulesShortcutShamir.Settled(r) ? null
                : ClaimRulesShortcutShamir.Trapped(r) is var t && t.Ci95.Lo >= 0.25 && t.Ci95.Hi <= 0.75 ? 1 : t.Ci95.Hi < 0.25 || t.Ci95.Lo > 0.75 ? -1 : 0,
            r => $"k = {r.K}{(caps ? " at " + ClaimRulesShortcutShamir.Deg(r.CapDeg) : "")}: {ClaimRulesShortcutShamir.Trapped(r)}");
        if (tally.Cases == 0) return ClaimFinding.NotCheckable(claim, $"none of the {cnn.Count} cnn cell(s) settled (undecided above {Cells.Percent(UndecidedWarning)}): rerun with more --iterations");
        var settled = cnn.Where(ClaimRulesShortcutShamir.Settled).ToList();
        var low = settled.MinBy(r => ClaimRulesShortcutShamir.Trapped(r).Rate)!;
        var high = settled.MaxBy(r => ClaimRulesShortcutShamir.Trapped(r).Rate)!;
        string evidence = "Share of the plain CNN's ended trials in the spurious basin (w_0 uniform on the sphere; Wilson 95%): " + tally.Listing +
                          $". Rule: a k agrees when its interval lies inside [1/4, 3/4], contradicts when wholly outside; {tally.Counts}." +
                          (low.K == settled.Min(r => r.K) && ClaimRulesShortcutShamir.Trapped(low).Ci95.Hi < 0.25 ? " The trap is constant in probability (never near 0) but falls below 1/4 at the smallest k." : "") +
                          (tally.LeftOut > 0 ? $" {tally.LeftOut} cell(s) had not settled and were left out." : "");
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("k values inside [1/4, 3/4]", tally.Agreeing, $"of {tally.Cases}"),
            new("lowest trapped share", ClaimRulesShortcutShamir.Trapped(low).Rate, $"at k = {low.K}"),
            new("highest trapped share", ClaimRulesShortcutShamir.Trapped(high).Rate, $"at k = {high.K}"),
            new("trials per cell", cnn.Max(r => r.Trials), "trials"),
        ], figures);
    }

    /// <summary>
    /// "<paramref name="better"/> beats <paramref name="than"/>" per (θ_cap, k): the share of ended trials that failed
    /// (spurious or diverged) agrees when <paramref name="better"/>'s Wilson interval lies wholly below the other's,
    /// contradicts when wholly above; cells where neither failed once leave nothing to improve and are no case.
    /// </summary>
    public static ClaimFinding JudgeBetter(PaperClaim claim, ShortcutCnnResult result, ShortcutCnnMethod better, ShortcutCnnMethod than,
        IReadOnlyList<string> figures, Func<ShortcutCnnRow, bool>? cells = null, string? cellsWhat = null)
    {
        string a = better.Name(), b = than.Name();
        var pairs = result.Rows.Where(r => r.Method == a && (cells?.Invoke(r) ?? true))
            .Select(r => (A: r, B: result.Rows.FirstOrDefault(o => o.Method == b && o.K == r.K && o.CapDeg == r.CapDeg)))
            .Where(p => p.B is not null).OrderBy(p => p.A.CapDeg).ThenBy(p => p.A.K).ToList();
        if (pairs.Count == 0) return ClaimFinding.NotCheckable(claim, $"the run has no cell with both {a} and {b}{(cellsWhat is null ? "" : " " + cellsWhat)} (--methods{(cells is null ? "" : ", --caps")})");
        bool caps = pairs.Select(p => p.A.CapDeg).Distinct().Count() > 1;
        int unsettled = pairs.Count(p => !ClaimRulesShortcutShamir.Settled(p.A) || !ClaimRulesShortcutShamir.Settled(p.B!));
        int perfect = 0;
        var tally = CellTally.Of(pairs, p =>
        {
            if (!ClaimRulesShortcutShamir.Settled(p.A) || !ClaimRulesShortcutShamir.Settled(p.B!)) return null;
            var (fa, fb) = (ClaimRulesShortcutShamir.Failures(p.A), ClaimRulesShortcutShamir.Failures(p.B!));
            if (fa.Part == 0 && fb.Part == 0) { perfect++; return null; }
            return fa.Below(fb) ? 1 : fb.Below(fa) ? -1 : 0;
        }, p => $"{(caps ? ClaimRulesShortcutShamir.Deg(p.A.CapDeg) + ", " : "")}k = {p.A.K}: {ClaimRulesShortcutShamir.Failures(p.A)} vs {ClaimRulesShortcutShamir.Failures(p.B!)}");
        string where = caps ? "" : $" at θ_cap = {ClaimRulesShortcutShamir.Deg(pairs[0].A.CapDeg)}";
        string tail = (perfect > 0 ? $" {perfect} cell(s) where neither failed once leave nothing to improve (no case)." : "") +
                      (unsettled > 0 ? $" {unsettled} cell(s) had not settled (undecided above {Cells.Percent(UndecidedWarning)}) and were left out." : "");
        if (tally.Cases == 0)
            return ClaimFinding.NotCheckable(claim, $"No cell decides it{where}: {(perfect > 0 ? $"{a} and {b} both succeed in every ended trial of {perfect} cell(s), leaving nothing to improve" : "no cell settled")}.{tail}");
        var gains = pairs.Where(p => ClaimRulesShortcutShamir.Settled(p.A) && ClaimRulesShortcutShamir.Settled(p.B!))
                         .Select(p => ClaimRulesShortcutShamir.Failures(p.B!).Rate - ClaimRulesShortcutShamir.Failures(p.A).Rate).ToList();
        string evidence = $"Share of ended trials that failed (spurious or diverged; Wilson 95%), {a} vs {b}{where}: {tally.Listing}. " +
                          $"Rule: a cell agrees when {a}'s interval lies wholly below {b}'s, contradicts when wholly above; {tally.Counts}.{tail}";
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("cells agreeing", tally.Agreeing, $"of {tally.Cases}"),
            new("cells contradicting", tally.Contradicting, $"of {tally.Cases}"),
            new("smallest failure reduction", gains.Min(), $"share of ended trials, {b} − {a}"),
            new("largest failure reduction", gains.Max(), $"share of ended trials, {b} − {a}"),
            new("trials per cell", pairs.Max(p => p.A.Trials), "trials"),
        ], figures);
    }

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
