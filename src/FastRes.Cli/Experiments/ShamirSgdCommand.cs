using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-sgd</c>: Theorem 4 of Shamir 2018 — projected SGD on the skip-to-output architecture against the
/// best linear predictor in the ball, over T; the residual architecture trained the same way for contrast.
/// </summary>
public sealed class ShamirSgdCommand() : Experiment<ShamirSgdConfig, ShamirSgdResult>("shamir-sgd",
    "Theorem 4 of Shamir 2018: projected SGD on x ↦ wᵀx + vᵀf_θ(x) reaches the best linear predictor at rate 1/√T")
{
    public override IReadOnlyList<string> SmokeArgs => ["--horizons", "100,1000", "--repeats", "1"];
    protected override long? Steps(ShamirSgdConfig config) => ShamirSgd.TotalSteps(config);
    protected override string? DataOf(ShamirSgdResult result) => ShamirOutput.SyntheticData;

    protected override ShamirSgdResult Run(ShamirSgdConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShamirSgd.Run(config, progress, cancellationToken);

    public static readonly PaperClaim Theorem4 = new("shamir-sgd/theorem4", Paper.Shamir2018, "Section 5, Theorem 4",
        "Suppose we perform T iterations of stochastic gradient descent as described above, with any step size η = Θ(b/(l√T)). Then with probability at least 1 − δ, " +
        "one of the iterates {(w_t, v_t, θ_t)}_{t=1}^T satisfies F(w_t, v_t, θ_t) ≤ min_{u:(u,0)∈M₁} F_lin(u) + O((bl + r√log(1/δ))/√T).");

    public override IReadOnlyList<PaperClaim> Claims => [Theorem4];

    /// <summary>The defaults (5 horizons up to T = 10⁶, 4 runs each, both architectures) take about 10 s on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper is theory and gives no experimental protocol: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>
    /// The theorem allows a failure with probability δ per run: it does not hold only when the runs above the explicit
    /// bound are significantly more than δ of them (the Wilson 95% interval of their share lies wholly above δ).
    /// </summary>
    protected override IEnumerable<ClaimFinding> Judge(ShamirSgdResult result, IReadOnlyList<string> figures)
    {
        var skip = result.Rows.Where(r => r.Architecture == ShamirArchitectures.Word(ShamirArchitecture.SkipToOutput)).OrderBy(r => r.T).ToList();
        if (skip.Count == 0) { yield return ClaimFinding.NotCheckable(Theorem4, "the run trained no skip-to-output network (--architectures)"); yield break; }
        var failures = new TrialShare(skip.Sum(r => r.Violations), skip.Sum(r => r.Repeats));
        bool refuted = failures.Ci95.Lo > ShamirSgd.Delta;
        var (first, last) = (skip[0], skip[^1]);
        string evidence = FormattableString.Invariant(
            $"Projected SGD on x ↦ wᵀx + vᵀf_θ(x) ({Losses.Word(result.Config.Loss)} loss, b = {result.Radius:0.###}, l = {result.Lipschitz:0.###}, r = {result.LossBound:0.###}), best evaluated iterate's F − min F_lin ") +
            FormattableString.Invariant($"against the explicit bound (2.5·b·l + 2r√(2 ln(1/δ)))/√T, δ = {ShamirSgd.Delta}: {failures.Part} of {failures.Of} runs above it ({failures}). ") +
            FormattableString.Invariant($"Rule: the theorem allows failure with probability δ per run, so it does not hold only when that share's interval lies wholly above δ. ") +
            FormattableString.Invariant($"The mean best excess goes from {first.MeanBestExcess:0.####} at T = {first.T:N0} to {last.MeanBestExcess:0.####} at T = {last.T:N0} (bound {last.Bound:0.####}); negative is better than the best linear predictor in the ball.");
        yield return new ClaimFinding(Theorem4, refuted ? Verdict.DoesNotHold : Verdict.Holds, evidence,
        [
            new("runs", failures.Of, "skip-to-output SGD runs"),
            new("runs above the bound", failures.Part, $"(allowed: δ = {ShamirSgd.Delta} of them)"),
            new("mean best F − min F_lin at the largest T", last.MeanBestExcess, $"T = {last.T}"),
            new("bound at the largest T", last.Bound, $"T = {last.T}"),
            new("mean best F − min F_lin at the smallest T", first.MeanBestExcess, $"T = {first.T}"),
        ], ClaimRulesShortcutShamir.Png(figures, "sgd."));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShamirSgdResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(ShamirSgdResult result) =>
        "the cases are the skip-architecture runs; a violation is a best evaluated iterate above the explicit bound";

    protected override void Summarize(Summary md, ShamirSgdResult result)
    {
        md.Paragraph($"Theorem 4: projected SGD (step η = b/(l√T), (w, v) in the ball of radius b = {Cells.Number(result.Radius)}, θ free, f_θ = tanh(Wx + b)) on x ↦ wᵀx + vᵀf_θ(x) has an iterate with F ≤ min over ‖u‖ ≤ b of F_lin(u) + O((bl + r√log(1/δ))/√T). " +
                     $"Here l = {Cells.Number(result.Lipschitz)}, r = {Cells.Number(result.LossBound)} (bounds over the ball and the data), min F_lin in the ball = {Cells.Number(result.FLinMin)}; " +
                     $"the bound column is (2.5·b·l + 2r√(2 ln(1/δ)))/√T, δ = {ShamirSgd.Delta} — online gradient descent's regret on a ball of diameter 2b plus Azuma, the O(·) with its constants written out. " +
                     $"\"Best\" is the best of {result.Config.Evaluations} evenly spaced evaluated iterates (an upper estimate of the best iterate). The residual architecture wᵀ(x + V f_θ(x)) is trained the same way for contrast (the theorem does not cover it; no violations are counted for it). Negative values: better than the best linear predictor.");
        md.Tables(Layout, result);
    }


    /// <summary>sgd.png/.svg: best F − min F_lin against log10 T for each architecture, with the explicit bound (dashed).</summary>
    protected override IEnumerable<string> DrawFigures(ShamirSgdResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        static double X(ShamirSgdRow r) => Math.Log10(r.T);
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Architecture))
            Figures.Line(plot, group.OrderBy(r => r.T), X, r => r.MeanBestExcess, group.Key == "skip" ? "wᵀx + vᵀf_θ(x) (Theorem 4)" : "wᵀ(x + V f_θ(x)) (contrast)",
                         plot.Add.Palette.GetColor(colour++), notes, markerSize: 8);
        Figures.Line(plot, result.Rows.Where(r => r.Architecture == "skip").OrderBy(r => r.T), X, r => Math.Min(r.Bound, 1.0), "explicit bound (clipped at 1)",
                     Colors.Black, notes, dashed: true, markerSize: 0);
        Figures.Reference(plot, 0, "F = min F_lin in the ball");
        Figures.Log10Axis(plot.Axes.Bottom);
        plot.Title($"Projected SGD: best iterate's F − min F_lin vs T ({Losses.Word(result.Config.Loss)} loss)");
        plot.XLabel("T (iterations)");
        plot.YLabel("F − min_{‖u‖≤b} F_lin(u)");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "sgd");
    }
}
