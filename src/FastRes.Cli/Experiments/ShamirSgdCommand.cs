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
