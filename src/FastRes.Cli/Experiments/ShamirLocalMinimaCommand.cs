using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-local-minima</c>: Corollary 1 of Shamir 2018 — GD then damped Newton on (w, V) from random
/// starts, θ frozen; every approximate local minimum's F_θ against min F_lin.
/// </summary>
public sealed class ShamirLocalMinimaCommand() : ShamirModelExperiment<ShamirLocalMinimaConfig, ShamirLocalMinimaResult>("shamir-local-minima",
    "Corollary 1 of Shamir 2018: approximate local minima of F_θ(w, V) (GD + damped Newton) are no worse than the best linear predictor")
{
    public override IReadOnlyList<string> SmokeArgs => ["--points", "3"];
    protected override long? Steps(ShamirLocalMinimaConfig config) => ShamirLocalMinima.TotalSteps(config);
    protected override string? DataOf(ShamirLocalMinimaResult result) => ShamirOutput.DataLabel(result.Config.Model);

    protected override ShamirLocalMinimaResult Run(ShamirLocalMinimaConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShamirLocalMinima.Run(config, Digits(config), progress, cancellationToken);

    public static readonly PaperClaim Corollary1 = new("shamir-local-minima/corollary1", Paper.Shamir2018, "Section 3, Corollary 1",
        "Suppose that on any bounded subset of the domain of F, it holds that F_θ(w, V), ∇F_θ(w, V) and ∇²F_θ(w, V) are all Lipschitz continuous in (w, V). " +
        "Then every local minimum (w, V, θ) of F satisfies F(w, V, θ) ≤ inf_w F_lin(w).");

    public override IReadOnlyList<PaperClaim> Claims => [Corollary1];

    /// <summary>The defaults take a few seconds on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper is theory and gives no experimental protocol: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShamirLocalMinimaResult result, IReadOnlyList<string> figures)
    {
        var c = result.Config;
        var rows = result.Rows;
        yield return ClaimRulesShortcutShamir.ForAll(Corollary1, result.CaseCount, result.Violations, "local minima",
            $"From {result.Starts} random starts (θ frozen), GD then damped Newton to ‖∇F_θ‖ ≤ {Kinds.Format(c.GradientTolerance)}; an end point is a local minimum when " +
            $"λ_min ≥ −{Kinds.Format(c.CurvatureTolerance)}·max(1, ‖H‖), a violation when F_θ − min F_lin > {Kinds.Format(c.ValueTolerance)}. " +
            $"{result.Saddles} start(s) ended at saddles and {result.NotConverged} did not converge (not cases).",
            [
                new("largest F − min F_lin", rows.Select(r => r.MaxExcessAtMinima).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max(), "at a local minimum (≤ 0 holds)"),
                new("starts", result.Starts),
                new("saddles or not converged", result.Saddles + result.NotConverged, "starts"),
            ], ClaimRulesShortcutShamir.Png(figures, "local_minima."));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShamirLocalMinimaResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(ShamirLocalMinimaResult result) =>
        $"the cases are the approximate local minima among {result.Starts} starts; " +
        $"{result.Saddles} ended at saddles, {result.NotConverged} did not converge";

    protected override void Summarize(Summary md, ShamirLocalMinimaResult result)
    {
        var (c, m) = (result.Config, result.Config.Model);
        md.Paragraph($"Corollary 1: every local minimum of F has F ≤ inf F_lin. From random (w, V, θ) (θ frozen; d = {m.Dimension}, k = {m.Width}, n = {m.Samples}): " +
                     $"{c.GdSteps} backtracking GD steps, then damped Newton on the exact Hessian until ‖∇F_θ‖ ≤ {Kinds.Format(c.GradientTolerance)}; " +
                     $"a local minimum when λ_min ≥ −{Kinds.Format(c.CurvatureTolerance)}·max(1, ‖H‖); a violation when its F_θ − min F_lin > {Kinds.Format(c.ValueTolerance)}. " +
                     "Negative excess: the residual network beats the best linear predictor.");
        md.Tables(Layout, result);
    }


    /// <summary>
    /// local_minima.png/.svg: F_θ − min F_lin at every end point, one column per (loss, σ), local minima as dots and
    /// saddles / unconverged starts as crosses; Corollary 1 puts every dot at or below the zero line.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(ShamirLocalMinimaResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        // Column g, the starts of one column spread a little so that they do not hide each other.
        var ends = result.Ends.SelectMany((column, g) => column.Select((e, i) => (End: e, X: g + 0.3 * (i + 0.5) / column.Count - 0.15))).ToList();
        Figures.Markers(plot, ends.Where(e => e.End.Kind == "local-min"), e => e.X, e => e.End.Excess, "local minimum", plot.Add.Palette.GetColor(0), notes, size: 7);
        Figures.Markers(plot, ends.Where(e => e.End.Kind != "local-min"), e => e.X, e => e.End.Excess, "saddle / not converged", plot.Add.Palette.GetColor(3), notes,
                        MarkerShape.Cross, 7);
        Figures.Reference(plot, 0, "F = min F_lin", LinePattern.Dashed);
        var labels = result.Rows.Select(r => $"{r.Loss}, {r.Activation}").ToArray();
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray(), labels);
        plot.Axes.SetLimitsX(-0.5, labels.Length - 0.5);
        plot.Title("End points of GD + damped Newton: F_θ(w, V) − min F_lin (Corollary 1: ≤ 0 at local minima)");
        plot.YLabel("F_θ − min F_lin");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "local_minima");
    }
}
