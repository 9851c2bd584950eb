using System.Globalization;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-critical-points</c>: the theorem of Yun, Sra, Jadbabaie 2019 — at critical points of a
/// multi-block ResNet that meet its two conditions, R ≤ R_lin or the exact Hessian has a negative eigenvalue.
/// </summary>
public sealed class YunCriticalPointsCommand() : Experiment<YunCriticalPointsConfig, YunCriticalPointsResult>("yun-critical-points",
    "Yun et al. 2019: critical points of a multi-block ResNet (descent, and Levenberg–Marquardt on ½‖∇R‖² from random and structured starts; exact Hessian) are better than linear or strict saddles when both conditions hold")
{
    public override IReadOnlyList<string> SmokeArgs => ["--points", "2", "--losses", "logistic", "--samples", "40", "--gd-steps", "100",
                                                         "--saddle-starts", "1", "--gradient-norm-steps", "30"];
    protected override long? Steps(YunCriticalPointsConfig config) => YunCriticalPoints.TotalSteps(config);

    protected override YunCriticalPointsResult Run(YunCriticalPointsConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => YunCriticalPoints.Run(config, progress, cancellationToken);

    public static readonly PaperClaim BetterOrSaddle = new("yun-critical-points/better-than-linear-or-strict-saddle", Paper.Yun2019, "Benign Landscape of Deep ResNets, Theorem",
        "Let θ* be any twice-differentiable critical point of R(·). If E[ℓ''(f_θ*(x); y) h_L(x) h_L(x)ᵀ] is full rank; and col([U_2*]ᵀ … [U_L*]ᵀ) ≠ ℝ^(d_x), " +
        "then, at least one of the following holds: R(θ*) ≤ R_lin, or λ_min(∇²R(θ*)) < 0.");
    public static readonly PaperClaim SaddleBranch = new("yun-critical-points/saddle-branch-occurs", Paper.FastRes, "Beyond the papers: the theorem's second alternative",
        "Question: is the theorem's \"or\" needed — are there critical points worse than linear predictors (strict saddles) where both conditions hold? " +
        "If every critical point found were better than linear, the search would not have exercised the strict-saddle alternative.");

    public override IReadOnlyList<PaperClaim> Claims => [BetterOrSaddle, SaddleBranch];

    /// <summary>Half the random starts and half the structured ones (the defaults take ≈ 52 s on 2 cores); both searches, both settings and losses stay.</summary>
    protected override IReadOnlyList<string> QuickArgs => ["--points", "6", "--saddle-starts", "2"];

    /// <summary>The poster gives no experiment; the defaults are FastRes's protocol.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(YunCriticalPointsResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "critical_points");
        var cases = result.Points.Where(p => p.Converged && p.ConditionsHold).ToList();
        var saddles = cases.Where(p => p.Kind == "strict-saddle").ToList();
        int better = cases.Count(p => p.Kind == "better-than-linear");
        var c = result.Config;
        yield return ClaimRulesShortcutShamir.ForAll(BetterOrSaddle, cases.Count, cases.Count(p => p.Kind == "neither"), "critical points where both conditions hold",
            $"Points confirmed critical (‖∇R‖ ≤ {Kinds.Format(c.GradientTolerance)}) by descent and by Levenberg–Marquardt on ½‖∇R‖², L = {c.Blocks}, d = {c.Dimension}; " +
            $"{better} better than linear (R − R_lin ≤ {Kinds.Format(c.ValueTolerance)}), {saddles.Count} strict saddles (λ_min < −{Kinds.Format(c.CurvatureTolerance)}·max(1, ‖H‖)); " +
            $"a violation is a point that is neither. {result.NotConverged} of {result.Starts} starts did not converge and are no case; " +
            $"{result.Points.Count(p => p.Converged && !p.ConditionsHold)} converged points where a condition fails are outside the theorem.",
            [new KeyNumber("better than linear", better, "points"), new KeyNumber("strict saddles", saddles.Count, "points"), new KeyNumber("starts", result.Starts, "starts")], shown);
        yield return saddles.Count == 0
            ? ClaimFinding.NotCheckable(SaddleBranch, $"none of the {cases.Count} critical points where both conditions hold was a strict saddle: the search did not exercise the second alternative (which does not show it never occurs)")
            : new ClaimFinding(SaddleBranch, Verdict.Holds,
                $"{saddles.Count} of the {cases.Count} critical points where both conditions hold are worse than linear and strict saddles: R − R_lin from {ClaimRulesLiYun.N(saddles.Min(p => p.Excess))} " +
                $"to {ClaimRulesLiYun.N(saddles.Max(p => p.Excess))}, λ_min from {ClaimRulesLiYun.N(saddles.Min(p => p.LambdaMin))} to {ClaimRulesLiYun.N(saddles.Max(p => p.LambdaMin))} " +
                $"(found by {string.Join(", ", saddles.Select(p => p.Start).Distinct())} starts). Rule: holds when at least one such point is found.",
                [
                    new KeyNumber("strict saddles where both conditions hold", saddles.Count, $"of {cases.Count}"),
                    new KeyNumber("smallest R − R_lin among them", saddles.Min(p => p.Excess)),
                    new KeyNumber("largest λ_min among them", saddles.Max(p => p.LambdaMin)),
                ], shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(YunCriticalPointsResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(YunCriticalPointsResult result) =>
        $"the cases are the approximate critical points where both conditions hold; {result.Starts} starts, {result.NotConverged} did not converge; " +
        $"{result.StrictSaddles} strict saddles and {result.BetterThanLinear} better than linear in all";

    protected override void Summarize(Summary md, YunCriticalPointsResult result)
    {
        var c = result.Config;
        var points = result.Points;
        md.Paragraph("Theorem (Yun, Sra, Jadbabaie 2019): at a critical point θ* with E[ℓ''(f)h_Lh_Lᵀ] full rank and col([U_2ᵀ … U_Lᵀ]) ≠ ℝ^d, R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0. " +
                     $"Network: h_l = h_(l−1) + V_l {c.Activation.ToString().ToLowerInvariant()}(U_l h_(l−1)), f = wᵀh_L, L = {c.Blocks}, d = {c.Dimension}, n = {c.Samples}. " +
                     $"Every point is confirmed with ‖∇R‖ ≤ {Kinds.Format(c.GradientTolerance)}. " +
                     $"Better than linear: R − R_lin ≤ {Kinds.Format(c.ValueTolerance)}; strict saddle: R − R_lin above that and λ_min < −{Kinds.Format(c.CurvatureTolerance)}·max(1, ‖H‖) " +
                     "(λ_min < 0 counts points with that negative curvature whatever R is); " +
                     $"a violation is \"neither\" with both conditions holding (rank tolerance {Kinds.Format(c.RankTolerance)}). " +
                     "Setting \"theorem\": (L − 1)m < d, condition 2 holds by construction. Setting \"wide\": (L − 1)m ≥ d, condition 2 can fail and the theorem is silent; " +
                     "its \"neither\" points are reported, not counted as violations.");
        md.Paragraph("Two searches. **descent**: from random θ, " + $"{c.GdSteps} backtracking GD steps, then damped Newton on R (exact Hessian, forward-over-reverse), at most {c.NewtonSteps} steps: " +
                     "it lands on minima, or follows R down towards infinity. **gradient-norm**: Levenberg–Marquardt on Φ = ½‖∇R‖², whose gradient is H∇R: " +
                     $"solve (H² + μI)δ = −H∇R, at most {c.GradientNormSteps} steps; as μ → 0 this is Newton's method on ∇R = 0, quadratically convergent at critical points of every index. " +
                     "Only Hessian–vector products enter; the dense exact H (one forward-over-reverse pass per column) is used. Its starts: random θ; " +
                     "zero-output (w = 0: f ≡ 0, critical where E[ℓ'(0) h_L] = 0, with the w–block cross curvature making it a saddle); " +
                     "zero-first-block and zero-last-block (a critical point of the net with L − 1 blocks, found by the same search, embedded with U = V = 0 in block 1 or L: with tanh the zero block adds nothing and has zero gradient, and its U–V cross curvature E[ℓ′·∇_(h_0)f·xᵀ] telescopes to w(∂R/∂w)ᵀ + Σ(U_lᵀ∂R/∂U_l − ∂R/∂V_l V_lᵀ) = 0, so the embedded point is a strict saddle exactly when the smaller net's point is one); " +
                     $"duplicated-units (m ≥ 2: two identical units per block, a critical point of the narrower net split in halves). Structured starts get N(0, {Kinds.Format(c.Perturbation)}²) noise on every parameter; " +
                     "‖θ* − θ_seed‖ says how far the search went from the structured point.");
        md.Tables(Layout, result);
        var converged = points.Where(p => p.Converged).ToList();
        foreach (var search in converged.Select(p => p.Search).Distinct())
        {
            var s = converged.Where(p => p.Search == search).ToList();
            md.Paragraph($"**{search}**: {s.Count} of {points.Count(p => p.Search == search)} starts reached ‖∇R‖ ≤ {Kinds.Format(c.GradientTolerance)}: " +
                         $"{s.Count(p => p.Kind == "strict-saddle")} strict saddles, {s.Count(p => p.Kind == "better-than-linear")} better than linear " +
                         $"({s.Count(p => p.Kind == "better-than-linear" && p.NegativeCurvature)} of them with λ_min < 0 too, " +
                         $"{s.Count(p => p.Kind == "better-than-linear" && Math.Abs(p.Excess) <= 1e-9)} with |R − R_lin| ≤ 1e-9), {s.Count(p => p.Kind == "neither")} neither.");
        }
        var wide = points.Where(p => p.Converged && !p.ConditionsHold).ToList();
        md.Paragraph($"Where a condition fails ({wide.Count} converged points, {wide.Count(p => p.Setting == "wide")} of them in the wide setting, m = {c.WideWidth}): " +
                     $"{wide.Count(p => p.Kind == "better-than-linear")} better than linear, {wide.Count(p => p.Kind == "strict-saddle")} strict saddles, " +
                     $"{wide.Count(p => p.Kind == "neither")} neither; condition 1 failed at {wide.Count(p => !p.FullRank)}, condition 2 at {wide.Count(p => !p.RowSpaceDeficient)}. " +
                     $"In the wide setting condition 2 still held at {points.Count(p => p.Converged && p.Setting == "wide" && p.ConditionsHold)} converged points " +
                     "(rank-deficient Σ_{l≥2}U_lᵀU_l, e.g. a block left at zero); those are judged like the theorem setting's.");
        md.Paragraph("Not converged: the start did not reach ‖∇R‖ ≤ the tolerance within its step budget. Descent runs still lower R slowly " +
                     "with λ_min slightly negative at their last iterate (tanh blocks saturating as weights grow): the infimum is approached far out rather than " +
                     "attained at a critical point. Gradient-norm runs stop at local minima of Φ that are not critical points (∇R ≠ 0 in the null space of H) " +
                     "or drift out with ‖θ‖ as descent does. The theorem has nothing to say about either. Critical points of this net come in manifolds " +
                     "(V_L enters f only through wᵀV_L), so λ_min ≈ 0 at rounding level is the rule at minima, and a perturbed structured start lands on its seed's manifold, " +
                     "about a perturbation away, rather than on the seed.");
    }


    /// <summary>
    /// critical_points.png/.svg: every converged end point as (R − R_lin, λ_min), on a symmetric-log scale of both
    /// (values span 1e-16 to 1), with the theorem's two regions shaded: R ≤ R_lin (left of 0) and λ_min &lt; 0 (below
    /// 0). The theorem empties the upper right quadrant for points where both conditions hold; markers show the kind
    /// and whether both conditions hold.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(YunCriticalPointsResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var converged = result.Points.Where(e => e.Converged).ToList();
        // Both axes carry values from rounding level (1e-15) to order 1 on both sides of 0: asinh(v/τ) keeps 0 at 0,
        // is linear within τ and logarithmic beyond, so the sign — what the theorem is about — stays readable.
        const double tx = 1e-8, ty = 1e-8;
        double X(YunCriticalPoint p) => Math.Asinh(p.Excess / tx);
        double Y(YunCriticalPoint p) => Math.Asinh(p.LambdaMin / ty);
        var all = converged.Select(X).Concat(converged.Select(Y)).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max() * 1.1;
        var left = plot.Add.HorizontalSpan(-all, 0);
        (left.FillStyle.Color, left.LineStyle.Width, left.LegendText) = (Colors.Green.WithAlpha(0.12), 0, "R ≤ R_lin");
        var below = plot.Add.VerticalSpan(-all, 0);
        (below.FillStyle.Color, below.LineStyle.Width, below.LegendText) = (Colors.Orange.WithAlpha(0.12), 0, "λ_min < 0");
        var kinds = new (string Kind, MarkerShape Shape)[] { ("better-than-linear", MarkerShape.FilledCircle), ("strict-saddle", MarkerShape.FilledTriangleDown), ("neither", MarkerShape.FilledSquare) };
        foreach (var (kind, shape) in kinds)
        {
            Figures.Markers(plot, converged.Where(e => e.Kind == kind && e.ConditionsHold), X, Y, $"{kind}, both conditions hold", plot.Add.Palette.GetColor(0), notes, shape);
            Figures.Markers(plot, converged.Where(e => e.Kind == kind && !e.ConditionsHold), X, Y, $"{kind}, a condition fails", plot.Add.Palette.GetColor(3), notes,
                shape == MarkerShape.FilledCircle ? MarkerShape.OpenCircle : shape == MarkerShape.FilledTriangleDown ? MarkerShape.OpenTriangleDown : MarkerShape.OpenSquare);
        }
        var rLin = plot.Add.VerticalLine(0);
        (rLin.LinePattern, rLin.LineColor) = (LinePattern.Dashed, Colors.Black);
        var zero = plot.Add.HorizontalLine(0);
        (zero.LinePattern, zero.LineColor) = (LinePattern.Dotted, Colors.Black);
        plot.Axes.Bottom.TickGenerator = SymLogTicks(tx, all);
        plot.Axes.Left.TickGenerator = SymLogTicks(ty, all);
        plot.Axes.SetLimits(-all, all, -all, all);
        plot.Title("ResNet critical points (theorem: white quadrant empty where both conditions hold)");
        plot.XLabel($"R(θ*) − R_lin (asinh scale, linear within ±{tx:G1})");
        plot.YLabel($"λ_min(∇²R(θ*)) (asinh scale, linear within ±{ty:G1})");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "critical_points");
    }

    /// <summary>Ticks at 0 and ±10^k on an asinh(v/τ) axis, labelled with the values themselves.</summary>
    private static ScottPlot.TickGenerators.NumericManual SymLogTicks(double tau, double limit)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(0, "0");
        for (int k = -14; k <= 2; k += 2)
        {
            double v = Math.Pow(10, k), at = Math.Asinh(v / tau);
            if (at > limit || v < 10 * tau) continue;   // ±τ would crowd the 0 label
            string label = v.ToString("0E0", CultureInfo.InvariantCulture);
            ticks.AddMajor(at, label);
            ticks.AddMajor(-at, "-" + label);
        }
        return ticks;
    }
}
