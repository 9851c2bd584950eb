using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-rademacher</c>: the near-identity theorem of Yun, Sra, Jadbabaie 2019 — the empirical
/// Rademacher complexity of F_L (blocks in Frobenius balls of radius 1/√L) is at most e²·max‖x_i‖/√n at every depth.
/// </summary>
public sealed class YunRademacherCommand : ExperimentBinding<YunRademacherConfig, YunRademacherResult>
{
    public override string Name => "yun-rademacher";
    public override string Description => "Yun et al. 2019: empirical Rademacher complexity of near-identity ReLU ResNets (lower estimate by projected gradient ascent) against e²·max‖x‖/√n, across depth";
    public override YunRademacherConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<YunRademacherConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];

    public YunRademacherCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("dimension", "D", $"Input dimension d (default {d.Dimension})", (c, t) => c with { Dimension = Values.Int("dimension", t) }),
            new("samples", "N", $"Data set size n, x_i ~ N(0, I_d) (default {d.Samples})", (c, t) => c with { Samples = Values.Int("samples", t) }),
            new("width", "M", $"Block width m: U_l is m × d, V_l is d × m (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("depths", "LIST", $"Block counts L (default {string.Join(",", d.Depths)})", (c, t) => c with { Depths = Values.IntList("depths", t) }),
            new("signs", "N", $"Sign vectors σ in the Monte Carlo over E_σ, the same at every L (default {d.Signs})", (c, t) => c with { Signs = Values.Int("signs", t) }),
            new("starts", "N", $"Ascent starts per (L, σ); the best counts (default {d.Starts})", (c, t) => c with { Starts = Values.Int("starts", t) }),
            new("steps", "N", $"Projected gradient ascent steps per start at most (default {d.Steps})", (c, t) => c with { Steps = Values.Int("steps", t) }),
            new("gradient-tolerance", "X", $"Stop an ascent when the projected gradient norm ≤ X (default {Values.Format(d.GradientTolerance)})", (c, t) => c with { GradientTolerance = Values.Double("gradient-tolerance", t) }),
            new("contrast-radius", "R", $"Contrast class: ‖U_l‖_F, ‖V_l‖_F ≤ R not shrinking with L; 0 skips it (default {Values.Format(d.ContrastRadius)})", (c, t) => c with { ContrastRadius = Values.Double("contrast-radius", t) }),
            new("contrast-max-blocks", "L", $"Contrast only for L ≤ this, its features grow like (1 + R²)^L (default {d.ContrastMaxBlocks})", (c, t) => c with { ContrastMaxBlocks = Values.Int("contrast-max-blocks", t) }),
            new("seed", "N", $"Seed (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(YunRademacherConfig config) => config.Validate();

    public override JsonObject ConfigJson(YunRademacherConfig c) => new()
    {
        ["dimension"] = c.Dimension,
        ["samples"] = c.Samples,
        ["width"] = c.Width,
        ["depths"] = new JsonArray(c.Depths.Select(l => (JsonNode)l).ToArray()),
        ["signs"] = c.Signs,
        ["starts"] = c.Starts,
        ["steps"] = c.Steps,
        ["gradient-tolerance"] = c.GradientTolerance,
        ["contrast-radius"] = c.ContrastRadius,
        ["contrast-max-blocks"] = c.ContrastMaxBlocks,
        ["seed"] = c.Seed,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(YunRademacherConfig config) => YunRademacher.TotalCells(config);

    protected override YunRademacherResult Execute(YunRademacherConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => YunRademacher.Run(config, progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(YunRademacherResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("L", x.L), ("block_radius", x.BlockRadius), ("estimate_mean", x.Mean), ("estimate_se", x.StandardError), ("estimate_min", x.Min), ("estimate_max", x.Max),
        ("linear_mean", x.MeanLinear), ("bound", x.Bound), ("ratio", x.Ratio), ("mean_steps", x.MeanSteps), ("max_projected_gradient", x.MaxProjectedGradient),
        ("sanity_bound", x.SanityBound), ("sanity_failures", x.SanityFailures), ("violation", x.Violation),
        ("contrast_mean", x.Contrast), ("contrast_se", x.ContrastStandardError), ("contrast_mean_steps", x.ContrastMeanSteps),
        ("contrast_max_projected_gradient", x.ContrastMaxProjectedGradient), ("contrast_sanity_bound", x.ContrastSanityBound),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, YunRademacherResult result)
    {
        var rows = Rows(result);
        var c = result.Config;
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("theorem_violations", result.TheoremViolations), ("sanity_failures", result.SanityFailures),
             ("max_norm", result.MaxNorm), ("mean_norm", result.MeanNorm), ("bound", result.Rows[0].Bound)], [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var md = new StringBuilder();
        md.AppendLine("# yun-rademacher").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, synthetic data, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} cases** ({result.Rows.Count} depths compared with the bound: {result.TheoremViolations} violation(s); " +
                      $"{result.Rows.Count * c.Signs} per-σ checks against the deterministic ceiling: {result.SanityFailures} failure(s)).").AppendLine();
        md.AppendLine("Claim (Yun, Sra, Jadbabaie 2019, informal theorem): for any S = {x_i}, the class F_L = {wᵀh_L : h_l = h_(l−1) + V_l ReLU(U_l h_(l−1)), ‖w‖ ≤ 1, ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L} " +
                      "has empirical Rademacher complexity R(F_L|S) = E_σ sup_f (1/n)Σσ_i f(x_i) ≤ e²·max_i‖x_i‖/√n, independent of the depth L.").AppendLine();
        md.AppendLine($"Method: n = {c.Samples} points x_i ~ N(0, I_{c.Dimension}) (max‖x_i‖ = {TableFiles.Show(result.MaxNorm)}, bound e²·max‖x_i‖/√n = {TableFiles.Show(result.Rows[0].Bound)}), block width m = {c.Width}. " +
                      $"E_σ by Monte Carlo over {c.Signs} sign vectors, the same σ at every L. Each supremum: **lower estimate (projected gradient ascent)** — for fixed blocks the best w is v/‖v‖ with v = (1/n)Σσ_i h_L(x_i), " +
                      $"so the ascent maximizes ‖v‖ over the blocks (backtracking, ≤ {c.Steps} steps, stop at projected gradient ≤ {Values.Format(c.GradientTolerance)}) from {c.Starts} start(s): " +
                      "the linear optimum with tiny blocks, then random blocks on the balls' boundaries; the best start counts, and never less than the linear value ‖(1/n)Σσ_i x_i‖ (V = 0 is in F_L). " +
                      "Every per-σ value is attained by a θ in F_L, so the column mean underestimates R(F_L|S): exceeding the bound would contradict the theorem. " +
                      "A violation is mean − 3·SE > bound at some L; a sanity failure is a per-σ value above (1/n)Σ(1 + 1/L)^L‖x_i‖, which no θ in F_L can reach (it would be a bug).").AppendLine();
        md.AppendLine("| L | 1/√L | estimate (mean ± SE) | min | max | linear | bound | estimate/bound | mean steps | max projected ∇ | sanity ceiling | sanity failures | violation | contrast (mean ± SE) | contrast max projected ∇ |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.L} | {TableFiles.Show(x.BlockRadius)} | {VerdictFiles.Fixed(x.Mean)} ± {VerdictFiles.Fixed(x.StandardError)} | {VerdictFiles.Fixed(x.Min)} | {VerdictFiles.Fixed(x.Max)} | " +
                          $"{VerdictFiles.Fixed(x.MeanLinear)} | {VerdictFiles.Fixed(x.Bound)} | {VerdictFiles.Fixed(x.Ratio, 3)} | {x.MeanSteps:F0} | {TableFiles.Show(x.MaxProjectedGradient)} | " +
                          $"{TableFiles.Show(x.SanityBound)} | {x.SanityFailures} | {(x.Violation ? "yes" : "no")} | " +
                          (double.IsFinite(x.Contrast) ? $"{TableFiles.Show(x.Contrast)} ± {TableFiles.Show(x.ContrastStandardError)} | {TableFiles.Show(x.ContrastMaxProjectedGradient)} |" : "— | — |"));
        md.AppendLine();
        var first = result.Rows[0];
        var last = result.Rows[^1];
        md.AppendLine($"Across depth, the estimate goes from {VerdictFiles.Fixed(first.Mean)} at L = {first.L} to {VerdictFiles.Fixed(last.Mean)} at L = {last.L} " +
                      $"(ratio to the bound {VerdictFiles.Fixed(first.Ratio, 3)} → {VerdictFiles.Fixed(last.Ratio, 3)}); the linear class alone gives {VerdictFiles.Fixed(first.MeanLinear)}.");
        var contrast = result.Rows.Where(r => double.IsFinite(r.Contrast)).ToList();
        if (contrast.Count > 0)
            md.AppendLine().AppendLine($"Contrast (reported, not judged): the same architecture with ‖U_l‖_F, ‖V_l‖_F ≤ {Values.Format(c.ContrastRadius)} at every depth, L ≤ {c.ContrastMaxBlocks}: " +
                                       string.Join(", ", contrast.Select(r => $"L = {r.L}: {TableFiles.Show(r.Contrast)}")) +
                                       ". Without the 1/√L scaling the features can grow like (1 + r²)^L, and so can the correlation the class reaches; the 1/√L balls keep the product Π(1 + 1/L) ≤ e.");
        md.AppendLine().AppendLine("Caveats: the ascent climbs a piecewise smooth function (ReLU) and stops where no backtracking step along the projected gradient rises any more " +
                                   "(\"mean steps\" below the cap of " + c.Steps + " means that is how most ascents ended), at a local maximum or a kink, so the estimate may sit below the true supremum; " +
                                   "\"max projected ∇\" is the largest norm of the tangent-cone gradient where the best starts ended (not 0 at a kink). " +
                                   "A better ascent could only move the estimate up, towards the bound.");
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    /// <summary>
    /// rademacher.png/.svg: the estimate ± SE vs L (log2 x, log10 y, since the contrast class spans decades), the exact
    /// linear value, the theorem's bound as a horizontal line and the contrast class.
    /// </summary>
    private static IEnumerable<string> Figure(YunRademacherResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var rows = result.Rows.OrderBy(r => r.L).ToList();
        void Series(List<YunRademacherRow> subset, Func<YunRademacherRow, double> value, Func<YunRademacherRow, double>? error, string legend, int color, bool dashed)
        {
            var (x, y) = Figures.Finite(subset.Select(r => Math.Log2(r.L)).ToArray(), subset.Select(r => Math.Log10(value(r))).ToArray(), legend, notes);
            if (x.Length == 0) return;
            var s = plot.Add.Scatter(x, y, plot.Add.Palette.GetColor(color));
            s.LegendText = legend; s.LineWidth = 2; s.MarkerSize = 7;
            if (dashed) s.LinePattern = LinePattern.Dashed;
            if (error is null) return;
            // ±SE drawn on the log axis: log10(mean ± SE), the lower end clipped where mean − SE ≤ 0.
            var kept = subset.Where(r => double.IsFinite(value(r)) && value(r) > 0).ToList();
            var bars = plot.Add.ErrorBar(x, y, x.Select(_ => 0.0).ToArray());
            bars.YErrorPositive = kept.Select(r => Math.Log10(value(r) + error(r)) - Math.Log10(value(r))).ToArray();
            bars.YErrorNegative = kept.Select(r => value(r) - error(r) > 0 ? Math.Log10(value(r)) - Math.Log10(value(r) - error(r)) : 0).ToArray();
            bars.Color = plot.Add.Palette.GetColor(color); bars.CapSize = 5;
        }
        Series(rows, r => r.Mean, r => r.StandardError, "F_L (1/√L balls): lower estimate ± SE", 0, false);
        Series(rows, r => r.MeanLinear, null, "linear class ‖(1/n)Σσx‖ (exact)", 2, true);
        // The contrast runs only up to contrast-max-blocks; the deeper rows hold NaN by design, not by failure.
        var contrast = rows.Where(r => !double.IsNaN(r.Contrast)).ToList();
        if (contrast.Count > 0)
            Series(contrast, r => r.Contrast, r => r.ContrastStandardError, $"contrast: balls of radius {Values.Format(result.Config.ContrastRadius)} (not scaled)", 3, false);
        var bound = plot.Add.HorizontalLine(Math.Log10(rows[0].Bound));
        bound.LineColor = Colors.Black; bound.LinePattern = LinePattern.Dotted; bound.LineWidth = 2;
        bound.LegendText = "bound e²·max‖x‖/√n";
        Figures.Log2DepthAxis(plot);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
        };
        var c = result.Config;
        plot.Title($"Empirical Rademacher complexity vs depth (n = {c.Samples}, d = {c.Dimension}, m = {c.Width}, {c.Signs} σ)");
        plot.XLabel("blocks L");
        plot.YLabel("E_σ sup (1/n)Σσ_i f(x_i)  (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "rademacher");
    }

    protected override void PrintSummary(TextWriter output, YunRademacherResult result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} cases (bound e²·max‖x‖/√n = {TableFiles.Show(result.Rows[0].Bound)})");
        output.WriteLine($"{"L",4} {"estimate",10} {"SE",9} {"linear",9} {"ratio",7} {"steps",6} {"max PG",9} {"contrast",10}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.L,4} {VerdictFiles.Fixed(x.Mean),10} {VerdictFiles.Fixed(x.StandardError),9} {VerdictFiles.Fixed(x.MeanLinear),9} {VerdictFiles.Fixed(x.Ratio, 3),7} {x.MeanSteps,6:F0} {TableFiles.Show(x.MaxProjectedGradient),9} {TableFiles.Show(x.Contrast),10}");
    }
}
