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
