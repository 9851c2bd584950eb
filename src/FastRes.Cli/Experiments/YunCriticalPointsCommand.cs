using System.Globalization;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-critical-points</c>: the theorem of Yun, Sra, Jadbabaie 2019 — at critical points of a
/// multi-block ResNet that meet its two conditions, R ≤ R_lin or the exact Hessian has a negative eigenvalue.
/// </summary>
public sealed class YunCriticalPointsCommand() : Experiment<YunCriticalPointsConfig, YunCriticalPointsResult>("yun-critical-points",
    "Yun et al. 2019: critical points of a multi-block ResNet (GD + damped Newton, exact Hessian) are better than linear or strict saddles when both conditions hold")
{
    public override IReadOnlyList<string> SmokeArgs => ["--points", "2", "--losses", "logistic", "--samples", "40", "--gd-steps", "100"];
    protected override long? Steps(YunCriticalPointsConfig config) => YunCriticalPoints.TotalSteps(config);

    protected override YunCriticalPointsResult Run(YunCriticalPointsConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => YunCriticalPoints.Run(config, progress, cancellationToken);

    protected override string VerdictDetail(YunCriticalPointsResult result) =>
        $"the cases are the approximate critical points where both conditions hold; {result.Starts} starts, {result.NotConverged} did not converge";

    protected override void Summarize(Summary md, YunCriticalPointsResult result)
    {
        var c = result.Config;
        md.Paragraph("Theorem (Yun, Sra, Jadbabaie 2019): at a critical point θ* with E[ℓ''(f)h_Lh_Lᵀ] full rank and col([U_2ᵀ … U_Lᵀ]) ≠ ℝ^d, R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0. " +
                     $"Network: h_l = h_(l−1) + V_l {c.Activation.ToString().ToLowerInvariant()}(U_l h_(l−1)), f = wᵀh_L, L = {c.Blocks}, d = {c.Dimension}, n = {c.Samples}. " +
                     $"From random θ: {c.GdSteps} backtracking GD steps, then damped Newton on the exact Hessian (forward-over-reverse) on all parameters until ‖∇R‖ ≤ {Kinds.Format(c.GradientTolerance)}. " +
                     $"Better than linear: R − R_lin ≤ {Kinds.Format(c.ValueTolerance)}; strict saddle: λ_min < −{Kinds.Format(c.CurvatureTolerance)}·max(1, ‖H‖); " +
                     $"a violation is \"neither\" with both conditions holding (rank tolerance {Kinds.Format(c.RankTolerance)}). " +
                     "Setting \"theorem\": (L − 1)m < d, condition 2 holds by construction. Setting \"wide\": (L − 1)m ≥ d, condition 2 can fail and the theorem is silent; " +
                     "its \"neither\" points are reported, not counted as violations.");
        md.Tables(Layout, result);
        var wide = result.Rows.Where(r => r.Setting == "wide").ToList();
        if (wide.Count > 0)
            md.Paragraph($"Where condition 2 can fail (wide, m = {c.WideWidth}): {wide.Sum(r => r.BetterThanLinear)} better than linear, {wide.Sum(r => r.StrictSaddles)} strict saddles, " +
                         $"{wide.Sum(r => r.Neither)} neither, of {wide.Sum(r => r.Points - r.NotConverged)} converged; condition 2 held at {wide.Sum(r => r.ConditionsHold)} of them.");
        md.Paragraph("Not converged: the start did not reach ‖∇R‖ ≤ the tolerance within the Newton budget. On this data such runs still lower R slowly " +
                     "with λ_min slightly negative at their last iterate (tanh blocks saturating as weights grow): the infimum is approached far out rather than " +
                     "attained at a critical point, so the theorem has nothing to say about them. R ≈ 0 with logistic loss would mean separated data and a " +
                     "vanishing gradient at infinity, not a critical point; max ‖θ*‖ shows whether converged points are finite, and ‖θ‖ of the unconverged ones " +
                     "(larger than at the converged points) that they are drifting out.");
    }


    /// <summary>
    /// critical_points.png/.svg: every converged end point as (R − R_lin, λ_min); the theorem empties the quadrant
    /// R − R_lin &gt; 0, λ_min ≥ 0 for points where both conditions hold (dots); crosses are points where one fails.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(YunCriticalPointsResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var converged = result.Ends.SelectMany(e => e).Where(e => e.Kind != "not-converged").ToList();
        Figures.Markers(plot, converged.Where(e => e.ConditionsHold), e => e.Excess, e => e.LambdaMin, "both conditions hold", plot.Add.Palette.GetColor(0), notes);
        Figures.Markers(plot, converged.Where(e => !e.ConditionsHold), e => e.Excess, e => e.LambdaMin, "a condition fails", plot.Add.Palette.GetColor(3), notes, MarkerShape.Cross);
        var rLin = plot.Add.VerticalLine(0);
        (rLin.LinePattern, rLin.LineColor, rLin.LegendText) = (LinePattern.Dashed, Colors.Black, "R = R_lin");
        Figures.Reference(plot, 0, "λ_min = 0");
        // λ_min at converged points is often at rounding level (~1e-13): the default tick labels would all read "0".
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => y.ToString("G3", CultureInfo.InvariantCulture) };
        plot.Title("ResNet critical points (theorem: none meeting both conditions has R > R_lin, λ_min ≥ 0)");
        plot.XLabel("R(θ*) − R_lin");
        plot.YLabel("λ_min(∇²R(θ*))");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "critical_points");
    }
}
