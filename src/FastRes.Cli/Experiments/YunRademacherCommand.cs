using System.Globalization;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-rademacher</c>: the near-identity theorem of Yun, Sra, Jadbabaie 2019 — the empirical
/// Rademacher complexity of F_L (blocks in Frobenius balls of radius 1/√L) is at most e²·max‖x_i‖/√n at every depth.
/// </summary>
public sealed class YunRademacherCommand() : Experiment<YunRademacherConfig, YunRademacherResult>("yun-rademacher",
    "Yun et al. 2019: empirical Rademacher complexity of near-identity ReLU ResNets (lower estimate by projected gradient ascent) against e²·max‖x‖/√n, across depth")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depths", "1,4", "--signs", "4", "--samples", "20", "--dimension", "3", "--width", "2", "--steps", "50", "--contrast-max-blocks", "4"];
    protected override long? Steps(YunRademacherConfig config) => YunRademacher.TotalCells(config);

    protected override YunRademacherResult Run(YunRademacherConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => YunRademacher.Run(config, progress, cancellationToken);

    public static readonly PaperClaim Bound = new("yun-rademacher/depth-free-bound", Paper.Yun2019, "Near-identity Regions of ResNets, Theorem (informal), second",
        "Consider a ResNet with residual blocks h_l(x) = h_(l−1)(x) + V_l ReLU(U_l h_(l−1)(x)), l = 1, …, L. Given any dataset S = {x_i}, i = 1…n, define a class " +
        "F_L = {f_θ : ℝ^(d_x) → ℝ | ‖w‖ ≤ 1, ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L}. Then, the empirical Rademacher complexity satisfies R(F_L|_S) ≤ e²·max_i‖x_i‖/√n. " +
        "Both bounds are independent of depth L.");
    public static readonly PaperClaim ScalingNeeded = new("yun-rademacher/scaling-needed", Paper.FastRes, "Beyond the papers: the same class without the 1/√L balls",
        "Question: does the depth-free bound rest on the 1/√L scaling? With blocks in balls of a fixed radius the features can grow like (1 + r²)^L: " +
        "the same ascent should then pass the bound at some depth (the poster: such complexities \"typically grow with L\").");

    public override IReadOnlyList<PaperClaim> Claims => [Bound, ScalingNeeded];

    /// <summary>16 sign vectors and depths 1, 4, 8, 64 (the defaults' 64 σ and 7 depths take ≈ 78 s on 2 cores); 8 keeps the contrast class's deepest depth.</summary>
    protected override IReadOnlyList<string> QuickArgs => ["--signs", "16", "--depths", "1,4,8,64"];

    /// <summary>The contrast must reach this many blocks before "it never passes the bound" means anything: (1 + r²)^L needs a few doublings.</summary>
    public const int ContrastDepth = 8;

    /// <summary>The poster gives no experiment; the defaults are FastRes's protocol.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(YunRademacherResult result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "rademacher");
        var rows = result.Rows.OrderBy(r => r.L).ToList();
        if (rows.Count == 0)
        {
            yield return ClaimFinding.NotCheckable(Bound, "the run has no depth");
            yield return ClaimFinding.NotCheckable(ScalingNeeded, "the run has no depth");
            yield break;
        }
        double bound = rows[0].Bound;
        int failures = rows.Sum(r => r.SanityFailures);
        yield return failures > 0
            ? ClaimFinding.NotCheckable(Bound, $"{failures} per-σ estimate(s) exceed the deterministic ceiling (1/n)Σ(1 + 1/L)^L‖x_i‖ that no θ in F_L can reach: the estimates are wrong, not the theorem (a bug to fix)")
            : ClaimRulesShortcutShamir.ForAll(Bound, rows.Count, rows.Count(r => r.Mean - 3 * r.StandardError > r.Bound), "depths",
                $"Lower estimates of R(F_L|S) by projected gradient ascent (every value attained by a θ in F_L, so exceeding the bound would refute it), n = {result.Config.Samples}, " +
                $"{result.Config.Signs} sign vectors: {string.Join(", ", rows.Select(r => $"L = {r.L}: {Cells.Fixed(r.Mean, 3)} ± {Cells.Fixed(r.StandardError, 3)}"))} against e²·max‖x_i‖/√n = {Cells.Fixed(bound, 3)}. " +
                "A violation is a depth where mean − 3 SE exceeds the bound. The estimate is a lower bound: the test can refute the theorem, not prove it.",
                [
                    new KeyNumber("bound", bound, "e²·max‖x_i‖/√n"),
                    new KeyNumber("largest estimate / bound", rows.Max(r => r.Ratio)),
                    new KeyNumber("estimate at the shallowest L", rows[0].Mean, $"L = {rows[0].L}"),
                    new KeyNumber("estimate at the deepest L", rows[^1].Mean, $"L = {rows[^1].L}"),
                ], shown);
        var contrast = rows.Where(r => double.IsFinite(r.Contrast)).ToList();
        if (contrast.Count == 0)
        {
            yield return ClaimFinding.NotCheckable(ScalingNeeded, "the run computed no contrast class (--contrast-max-blocks)");
            yield break;
        }
        var past = contrast.FirstOrDefault(r => r.Contrast - 3 * r.ContrastStandardError > bound);
        if (past is null && contrast[^1].L < ContrastDepth)
        {
            yield return ClaimFinding.NotCheckable(ScalingNeeded, $"the contrast class ran to L = {contrast[^1].L} only ({ClaimRulesLiYun.N(contrast[^1].Contrast)} against the bound {Cells.Fixed(bound, 3)}): " +
                                                                  $"too shallow to say it never passes (give --depths up to {ContrastDepth} and --contrast-max-blocks {ContrastDepth})");
            yield break;
        }
        yield return new ClaimFinding(ScalingNeeded, past is not null ? Verdict.Holds : Verdict.DoesNotHold,
            $"The contrast class (‖U_l‖_F, ‖V_l‖_F ≤ {Kinds.Format(result.Config.ContrastRadius)} at every depth): {string.Join(", ", contrast.Select(r => $"L = {r.L}: {ClaimRulesLiYun.N(r.Contrast)}"))} " +
            $"against the bound {Cells.Fixed(bound, 3)}. Rule: holds when its mean − 3 SE passes the bound at some depth" +
            (past is not null ? $" — first at L = {past.L}." : $" — it does not up to L = {contrast[^1].L} (--contrast-max-blocks)."),
            [
                new KeyNumber("first depth past the bound", past?.L ?? double.NaN, "blocks"),
                new KeyNumber("contrast estimate", contrast[^1].Contrast, $"L = {contrast[^1].L}"),
                new KeyNumber("bound", bound, "e²·max‖x_i‖/√n"),
            ], shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(YunRademacherResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(YunRademacherResult result) =>
        $"{result.Rows.Count} depths compared with the bound: {result.TheoremViolations} violation(s); " +
        $"{result.Rows.Count * result.Config.Signs} per-σ checks against the deterministic ceiling: {result.SanityFailures} failure(s)";

    protected override void Summarize(Summary md, YunRademacherResult result)
    {
        var c = result.Config;
        md.Paragraph("Claim (Yun, Sra, Jadbabaie 2019, informal theorem): for any S = {x_i}, the class F_L = {wᵀh_L : h_l = h_(l−1) + V_l ReLU(U_l h_(l−1)), ‖w‖ ≤ 1, ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L} " +
                     "has empirical Rademacher complexity R(F_L|S) = E_σ sup_f (1/n)Σσ_i f(x_i) ≤ e²·max_i‖x_i‖/√n, independent of the depth L.");
        md.Paragraph($"Method: n = {c.Samples} points x_i ~ N(0, I_{c.Dimension}) (max‖x_i‖ = {Cells.Number(result.MaxNorm)}, bound e²·max‖x_i‖/√n = {Cells.Number(result.Rows[0].Bound)}), block width m = {c.Width}. " +
                     $"E_σ by Monte Carlo over {c.Signs} sign vectors, the same σ at every L. Each supremum: **lower estimate (projected gradient ascent)** — for fixed blocks the best w is v/‖v‖ with v = (1/n)Σσ_i h_L(x_i), " +
                     $"so the ascent maximizes ‖v‖ over the blocks (backtracking, ≤ {c.Steps} steps, stop at projected gradient ≤ {Kinds.Format(c.GradientTolerance)}) from {c.Starts} start(s): " +
                     "the linear optimum with tiny blocks, then random blocks on the balls' boundaries; the best start counts, and never less than the linear value ‖(1/n)Σσ_i x_i‖ (V = 0 is in F_L). " +
                     "Every per-σ value is attained by a θ in F_L, so the column mean underestimates R(F_L|S): exceeding the bound would contradict the theorem. " +
                     "A violation is mean − 3·SE > bound at some L; a sanity failure is a per-σ value above (1/n)Σ(1 + 1/L)^L‖x_i‖, which no θ in F_L can reach (it would be a bug).");
        md.Tables(Layout, result);
        var (first, last) = (result.Rows[0], result.Rows[^1]);
        md.Paragraph($"Across depth, the estimate goes from {Cells.Fixed(first.Mean)} at L = {first.L} to {Cells.Fixed(last.Mean)} at L = {last.L} " +
                     $"(ratio to the bound {Cells.Fixed(first.Ratio, 3)} → {Cells.Fixed(last.Ratio, 3)}); the linear class alone gives {Cells.Fixed(first.MeanLinear)}.");
        var contrast = result.Rows.Where(r => double.IsFinite(r.Contrast)).ToList();
        if (contrast.Count > 0)
            md.Paragraph($"Contrast (reported, not judged): the same architecture with ‖U_l‖_F, ‖V_l‖_F ≤ {Kinds.Format(c.ContrastRadius)} at every depth, L ≤ {c.ContrastMaxBlocks}: " +
                         string.Join(", ", contrast.Select(r => $"L = {r.L}: {Cells.Number(r.Contrast)}")) +
                         ". Without the 1/√L scaling the features can grow like (1 + r²)^L, and so can the correlation the class reaches; the 1/√L balls keep the product Π(1 + 1/L) ≤ e.");
        md.Paragraph("Caveats: the ascent climbs a piecewise smooth function (ReLU) and stops where no backtracking step along the projected gradient rises any more " +
                     $"(\"mean steps\" below the cap of {c.Steps} means that is how most ascents ended), at a local maximum or a kink, so the estimate may sit below the true supremum; " +
                     "\"max projected ∇\" is the largest norm of the tangent-cone gradient where the best starts ended (not 0 at a kink). " +
                     "A better ascent could only move the estimate up, towards the bound.");
    }

    protected override string? Headline(YunRademacherResult result) => $"{base.Headline(result)} (bound e²·max‖x‖/√n = {Cells.Number(result.Rows[0].Bound)})";

    /// <summary>
    /// rademacher.png/.svg: the estimate ± SE vs L (log2 x, log10 y, since the contrast class spans decades), the exact
    /// linear value, the theorem's bound as a horizontal line and the contrast class.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(YunRademacherResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var rows = result.Rows.OrderBy(r => r.L).ToList();
        double X(YunRademacherRow r) => Math.Log2(r.L);
        Figures.Line(plot, rows, X, r => r.Mean, "F_L (1/√L balls): lower estimate ± SE", plot.Add.Palette.GetColor(0), notes,
                     r => (r.Mean - r.StandardError, r.Mean + r.StandardError), Math.Log10);
        Figures.Line(plot, rows, X, r => r.MeanLinear, "linear class ‖(1/n)Σσx‖ (exact)", plot.Add.Palette.GetColor(2), notes, scale: Math.Log10, dashed: true);
        // The contrast runs only up to contrast-max-blocks; the deeper rows hold NaN by design, not by failure.
        var contrast = rows.Where(r => !double.IsNaN(r.Contrast)).ToList();
        Figures.Line(plot, contrast, X, r => r.Contrast, $"contrast: balls of radius {Kinds.Format(result.Config.ContrastRadius)} (not scaled)", plot.Add.Palette.GetColor(3), notes,
                     r => (r.Contrast - r.ContrastStandardError, r.Contrast + r.ContrastStandardError), Math.Log10);
        Figures.Reference(plot, Math.Log10(rows[0].Bound), "bound e²·max‖x‖/√n");
        Figures.Log2DepthAxis(plot);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture) };
        var c = result.Config;
        plot.Title($"Empirical Rademacher complexity vs depth (n = {c.Samples}, d = {c.Dimension}, m = {c.Width}, {c.Signs} σ)");
        plot.XLabel("blocks L");
        plot.YLabel("E_σ sup (1/n)Σσ_i f(x_i)  (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "rademacher");
    }
}
