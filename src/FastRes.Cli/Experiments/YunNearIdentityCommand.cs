using System.Globalization;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-near-identity</c>: Yun, Sra, Jadbabaie 2019 — in the near-identity region (‖V_l‖_F, ‖U_l‖_F ≤ 1/√L)
/// the risk of every critical point is at most R_lin + C with C independent of the depth L.
/// </summary>
public sealed class YunNearIdentityCommand() : Experiment<YunNearIdentityConfig, YunNearIdentityResult>("yun-near-identity",
    "Yun et al. 2019: critical points of a near-identity ResNet (blocks in 1/√L balls) have R ≤ R_lin + C, C independent of depth")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depths", "1,4", "--points", "1", "--adversarial-points", "1", "--samples", "40", "--steps", "300"];
    protected override long? Steps(YunNearIdentityConfig config) => YunNearIdentity.TotalSteps(config);

    protected override YunNearIdentityResult Run(YunNearIdentityConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => YunNearIdentity.Run(config, progress, cancellationToken);

    public static readonly PaperClaim RiskBounded = new("yun-near-identity/risk-bounded", Paper.Yun2019, "Near-identity Regions of ResNets, Theorem (informal), first",
        "Consider a ResNet with residual blocks h_l(x) = h_(l−1)(x) + φ_z^l(h_(l−1)(x)), l = 1, …, L, φ_z^l any O(1/L)-Lipschitz function with φ_z^l(0) = 0. " +
        "Assume the loss ℓ(p; y) is Lipschitz, convex, and differentiable in p. For any critical point θ* of R(·), R(θ*) ≤ R_lin + C.");
    public static readonly PaperClaim DepthIndependent = new("yun-near-identity/depth-independent", Paper.Yun2019, "Near-identity Regions of ResNets, after the theorems",
        "Both bounds are independent of depth L, which is difficult to achieve (e.g., R of fully-connected nets typically grows with L).");

    public override IReadOnlyList<PaperClaim> Claims => [RiskBounded, DepthIndependent];

    /// <summary>Depths 1, 8, 32 (a 32× range; the cost grows with L, so depth 64 alone is half the defaults' ≈ 82 s on 2 cores) and half the descent budget.</summary>
    protected override IReadOnlyList<string> QuickArgs => ["--depths", "1,8,32", "--steps", "2000"];

    /// <summary>The poster gives no experiment (and no C); the defaults are FastRes's protocol.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>"Grows with depth": the worst gap at the deepest L above the shallowest L's by more than this share and 1e-3.</summary>
    public const double GrowthTolerance = 0.25;

    protected override IEnumerable<ClaimFinding> Judge(YunNearIdentityResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "near_identity");
        var counted = result.CellPoints.Where(p => p.Point.Kind != "not-converged").ToList();
        double constant = result.Rows.Select(r => r.Constant).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
        double worst = counted.Select(p => p.Point.Excess).DefaultIfEmpty(double.NaN).Max();
        yield return ClaimRulesShortcutShamir.ForAll(RiskBounded, counted.Count, counted.Count(p => p.Point.Violation), "points",
            $"Critical, stalled and adversarial points (blocks in ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L, L = {string.Join(", ", result.Config.Depths)}); the poster names no C, so FastRes checks the one " +
            $"the standard argument gives (summary.md): the exact step and the bound R − R_lin ≤ G‖t*‖s(θ)√E‖x‖² + ‖w − t*‖‖∇_wR‖, C = ‖t*‖(e − 1)√E‖x‖² = {ClaimRulesLiYun.N(constant)} for the logistic loss. " +
            $"A violation is a point where either inequality fails by more than {Kinds.Format(result.Config.Tolerance)}·max(1, R). The largest R − R_lin found is {ClaimRulesLiYun.N(worst)}; " +
            $"{result.NotConverged} descent(s) did not converge and are no case.",
            [new KeyNumber("largest R − R_lin", worst), new KeyNumber("derived C (logistic)", constant), new KeyNumber("adversarial points", result.Adversarial, "points")], shown);
        yield return JudgeDepth(result, shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(YunNearIdentityResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>Per (φ, loss): the worst gap (descent or adversarial) at the deepest L against the shallowest L's; growth past 25% and 1e-3 contradicts.</summary>
    private static ClaimFinding JudgeDepth(YunNearIdentityResult result, IReadOnlyList<string> figures)
    {
        var depths = result.Rows.Select(r => r.Blocks).Distinct().ToList();
        if (ClaimRulesLiYun.TooShort(depths, 8, "blocks") is { } why) return ClaimFinding.NotCheckable(DepthIndependent, why);
        double Worst(YunNearIdentityRow r) => Math.Max(Finite(r.MaxExcessDescent), Finite(r.MaxExcessAdversarial));
        var groups = result.Rows.GroupBy(r => (r.Activation, r.Loss)).Select(g => (g.Key, Shallow: g.MinBy(r => r.Blocks)!, Deep: g.MaxBy(r => r.Blocks)!))
                                .Where(g => double.IsFinite(Worst(g.Shallow)) && double.IsFinite(Worst(g.Deep))).ToList();
        if (groups.Count == 0) return ClaimFinding.NotCheckable(DepthIndependent, "no (φ, loss) has a counted point at both its shallowest and deepest L");
        bool Flat((( string, string) Key, YunNearIdentityRow Shallow, YunNearIdentityRow Deep) g)
            => Worst(g.Deep) <= Worst(g.Shallow) + Math.Max(GrowthTolerance * Math.Abs(Worst(g.Shallow)), 1e-3);
        int flat = groups.Count(Flat);
        return new ClaimFinding(DepthIndependent, ClaimFinding.OfCounts(flat, groups.Count),
            "The largest R − R_lin found (descent or adversarial) at the shallowest and the deepest L: " +
            string.Join("; ", groups.Select(g => $"{g.Key.Item1}, {g.Key.Item2}: {ClaimRulesLiYun.N(Worst(g.Shallow))} at L = {g.Shallow.Blocks} → {ClaimRulesLiYun.N(Worst(g.Deep))} at L = {g.Deep.Blocks}{(Flat(g) ? "" : " (grows)")}")) +
            $". Rule: a (φ, loss) agrees when the deepest gap exceeds the shallowest by at most {Cells.Percent(GrowthTolerance)} and 1e-3; {flat} of {groups.Count} agree. " +
            "The derived C is the same at every L by construction; this asks whether the worst critical point found gets worse with depth.",
            [
                new KeyNumber("(φ, loss) not growing", flat, $"of {groups.Count}"),
                new KeyNumber("largest gap at the deepest L", groups.Max(g => Worst(g.Deep)), $"L = {depths.Max()}"),
                new KeyNumber("largest gap at the shallowest L", groups.Max(g => Worst(g.Shallow)), $"L = {depths.Min()}"),
            ], figures);
    }

    protected override string VerdictDetail(YunNearIdentityResult result) =>
        $"{result.Critical} critical points, {result.Stalled} stalled descents, {result.Adversarial} adversarial points; " +
        $"{result.NotConverged} descent(s) not converged, not counted";

    protected override void Summarize(Summary md, YunNearIdentityResult result)
    {
        var c = result.Config;
        md.Paragraph("Claim (Yun, Sra, Jadbabaie 2019, informal): with blocks h_l = h_(l−1) + V_l ReLU(U_l h_(l−1)) kept in ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L and a Lipschitz convex loss, " +
                     "every critical point has R(θ*) ≤ R_lin + C, C independent of L. The poster gives no C; FastRes checks the one the standard argument gives:");
        md.Paragraph(string.Join("\n",
            "- Convexity of ℓ at f = wᵀh_L against t*ᵀx (t* = argmin R_lin), averaged: **R(θ) − R_lin ≤ E[ℓ'(f)·t*ᵀ(h_L(x) − x)] + (w − t*)ᵀ∇_wR** at every θ (the *exact step*).",
            "- Each block is ‖V_l‖‖U_l‖-Lipschitz with φ(0) = 0, so ‖h_L(x) − x‖ ≤ s(θ)‖x‖ with s = Π(1 + ‖V_l‖_F‖U_l‖_F) − 1 ≤ (1 + 1/L)^L − 1 < e − 1; Cauchy–Schwarz gives " +
            "**R − R_lin ≤ G·‖t*‖·s(θ)·√E‖x‖² + ‖w − t*‖·‖∇_wR‖** with G = √E[ℓ'(f)²] (the *bound*).",
            "- At a critical point ∇_wR = 0 and, for the 1-Lipschitz logistic loss, G ≤ 1: **C = ‖t*‖(e − 1)√E‖x‖²**, the same for every L. " +
            "For the squared loss G = √(2R(θ*)) is data-dependent; its bound is checked, its C is not a constant."));
        md.Paragraph($"A violation is a point where either inequality fails by more than {Kinds.Format(c.Tolerance)}·max(1, R). Points: " +
                     $"**descent** — {c.Points} random start(s) per (φ, loss, L), blocks scaled to norms uniform in (0, 1/√L], projected gradient descent with momentum and backtracking on all of θ " +
                     $"(at most {c.Steps} steps) until ‖θ − P(θ − ∇R)‖ ≤ {Kinds.Format(c.StationarityTolerance)} (*critical*), or until 256 steps lower R by ≤ {Kinds.Format(c.StallTolerance)}·(1 + R) " +
                     "(*stalled*: with ReLU blocks the minima sit on kinks where the gradient norm cannot vanish; the stalled point is the best available stand-in for a (Clarke) critical point); " +
                     $"**adversarial** — {c.AdversarialPoints} start(s) of projected gradient *ascent* over the blocks of the profile risk min_w R(w, blocks): every critical point has w optimal for its blocks " +
                     "(R is convex in w), so this hunts for the worst R that any critical point could have. Every point ends with w re-optimized exactly (Newton), so ‖∇_wR‖ is at rounding level.");
        md.Paragraph($"Network: d = {c.Dimension}, m = {c.Width} units per block, n = {c.Samples}, synthetic Gaussian x with a nonlinear teacher (label noise {Kinds.Format(c.LabelNoise)} for logistic).");
        md.Tables(Layout, result);
        md.Paragraph(string.Join("\n", result.Rows.GroupBy(r => (r.Activation, r.Loss)).Select(group =>
        {
            var worst = group.Select(r => Math.Max(Finite(r.MaxExcessDescent), Finite(r.MaxExcessAdversarial))).ToArray();
            return $"- {group.Key.Activation}, {group.Key.Loss}: the largest R − R_lin found is {Show(worst.Max())} (L = {group.ElementAt(Array.IndexOf(worst, worst.Max())).Blocks}); " +
                   $"per L: {string.Join(", ", group.Zip(worst).Select(p => $"{p.First.Blocks}: {Show(p.Second)}"))}.";
        })));
        md.Paragraph("How to read it: the claim is that the worst gap stays bounded as L grows. The derived C is loose (it bounds the gap by the largest possible " +
                     "distortion of the features); the adversarial column is the sharper measure of how bad a critical point could be at each depth.");
    }

    private static double Finite(double x) => double.IsFinite(x) ? x : double.NegativeInfinity;
    private static string Show(double x) => double.IsFinite(x) ? x.ToString("G3", CultureInfo.InvariantCulture) : "—";


    /// <summary>
    /// near_identity.png/.svg: one panel per loss, R − R_lin of every counted point against L (log₂ axis), descent
    /// points as dots and adversarial points as triangles, one colour per φ; the logistic panel's title gives C.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(YunNearIdentityResult result, string folder, List<string> notes)
    {
        var losses = result.Rows.Select(r => r.Loss).Distinct().ToList();
        var activations = result.Rows.Select(r => r.Activation).Distinct().ToList();
        var counted = result.CellPoints.Where(p => p.Point.Kind != "not-converged").ToList();
        var figure = new Multiplot();
        figure.AddPlots(losses.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int p = 0; p < losses.Count; p++)
        {
            var plot = figure.GetPlot(p);
            for (int a = 0; a < activations.Count; a++)
                foreach (var (adversarial, shape, word) in new[] { (false, MarkerShape.FilledCircle, "descent"), (true, MarkerShape.FilledTriangleUp, "adversarial") })
                    // The φ columns sit side by side around each L, so paired starts do not hide each other.
                    Figures.Markers(plot, counted.Where(q => q.Cell.Loss == losses[p] && q.Cell.Activation == activations[a] && (q.Point.Kind == "adversarial") == adversarial),
                                    q => Math.Log2(q.Cell.Blocks) + (a - 0.5 * (activations.Count - 1)) * 0.08, q => q.Point.Excess,
                                    $"{activations[a]}, {word}", plot.Add.Palette.GetColor(a), notes, shape, series: $"{losses[p]}, {activations[a]}, {word}");
            Figures.Reference(plot, 0, "R = R_lin");
            double constant = result.Rows.Where(r => r.Loss == losses[p]).Select(r => r.Constant).FirstOrDefault(double.NaN);
            plot.Title($"{losses[p]} loss: R(θ) − R_lin vs depth" + (double.IsFinite(constant) ? $" (derived C = {constant:G3}, far above)" : ""));
            Figures.Log2DepthAxis(plot);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => y.ToString("G3", CultureInfo.InvariantCulture) };
            plot.XLabel("blocks L");
            plot.YLabel("R(θ) − R_lin");
            // Outside the axes: inside, it hides the points near the top right (the ReLU adversaries at large L).
            plot.ShowLegend(Edge.Bottom);
        }
        return Figures.Save(figure, folder, "near_identity", 750 * losses.Count, 650);
    }
}
