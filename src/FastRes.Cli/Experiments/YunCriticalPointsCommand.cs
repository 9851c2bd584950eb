using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-critical-points</c>: the theorem of Yun, Sra, Jadbabaie 2019 — at critical points of a
/// multi-block ResNet that meet its two conditions, R ≤ R_lin or the exact Hessian has a negative eigenvalue.
/// </summary>
public sealed class YunCriticalPointsCommand : ExperimentBinding<YunCriticalPointsConfig, YunCriticalPointsResult>
{
    private static readonly (string, Loss)[] LossWords = [("squared", Loss.Squared), ("logistic", Loss.Logistic)];
    private static readonly (string, YunActivation)[] ActivationWords = [("tanh", YunActivation.Tanh), ("softplus", YunActivation.Softplus)];

    public override string Name => "yun-critical-points";
    public override string Description => "Yun et al. 2019: critical points of a multi-block ResNet (GD + damped Newton, exact Hessian) are better than linear or strict saddles when both conditions hold";
    public override YunCriticalPointsConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<YunCriticalPointsConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];

    public YunCriticalPointsCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("losses", "LIST", "Losses: squared, logistic (default both)",
                (c, t) => c with { Losses = Values.List("losses", t, p => Values.Choice("losses", p, LossWords), distinct: true) }),
            new("activation", "NAME", "φ of every block: tanh, softplus (default tanh)", (c, t) => c with { Activation = Values.Choice("activation", t, ActivationWords) }),
            new("dimension", "D", $"Input dimension d_x (default {d.Dimension})", (c, t) => c with { Dimension = Values.Int("dimension", t) }),
            new("blocks", "L", $"Residual blocks L ≥ 2 (default {d.Blocks})", (c, t) => c with { Blocks = Values.Int("blocks", t) }),
            new("block-width", "M", $"Block width m with (L − 1)m < d, so condition 2 holds (default {d.BlockWidth})", (c, t) => c with { BlockWidth = Values.Int("block-width", t) }),
            new("wide-width", "M", $"Width of the contrast setting, (L − 1)m ≥ d so condition 2 can fail; 0 skips it (default {d.WideWidth})", (c, t) => c with { WideWidth = Values.Int("wide-width", t) }),
            new("samples", "N", $"Data set size n (default {d.Samples})", (c, t) => c with { Samples = Values.Int("samples", t) }),
            new("points", "N", $"Random starts per setting and loss (default {d.Points})", (c, t) => c with { Points = Values.Int("points", t) }),
            new("gd-steps", "N", $"Backtracking GD steps before Newton (default {d.GdSteps})", (c, t) => c with { GdSteps = Values.Int("gd-steps", t) }),
            new("newton-steps", "N", $"Damped Newton steps at most (default {d.NewtonSteps})", (c, t) => c with { NewtonSteps = Values.Int("newton-steps", t) }),
            new("gradient-tolerance", "X", $"A critical point when ‖∇R‖ ≤ X (default {Values.Format(d.GradientTolerance)})", (c, t) => c with { GradientTolerance = Values.Double("gradient-tolerance", t) }),
            new("curvature-tolerance", "X", $"A strict saddle when λ_min < −X·max(1, ‖H‖) (default {Values.Format(d.CurvatureTolerance)})", (c, t) => c with { CurvatureTolerance = Values.Double("curvature-tolerance", t) }),
            new("value-tolerance", "X", $"Better than linear when R − R_lin ≤ X (default {Values.Format(d.ValueTolerance)})", (c, t) => c with { ValueTolerance = Values.Double("value-tolerance", t) }),
            new("rank-tolerance", "X", $"Full rank when λ_min > X·λ_max (default {Values.Format(d.RankTolerance)})", (c, t) => c with { RankTolerance = Values.Double("rank-tolerance", t) }),
            new("label-noise", "P", $"Label flip probability of the logistic data (default {Values.Format(d.LabelNoise)})", (c, t) => c with { LabelNoise = Values.Double("label-noise", t) }),
            new("seed", "N", $"Seed (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(YunCriticalPointsConfig config) => config.Validate();

    public override JsonObject ConfigJson(YunCriticalPointsConfig c) => new()
    {
        ["losses"] = new JsonArray(c.Losses.Select(l => (JsonNode)Losses.Word(l)).ToArray()),
        ["activation"] = c.Activation.ToString().ToLowerInvariant(),
        ["dimension"] = c.Dimension,
        ["blocks"] = c.Blocks,
        ["block-width"] = c.BlockWidth,
        ["wide-width"] = c.WideWidth,
        ["samples"] = c.Samples,
        ["points"] = c.Points,
        ["gd-steps"] = c.GdSteps,
        ["newton-steps"] = c.NewtonSteps,
        ["gradient-tolerance"] = c.GradientTolerance,
        ["curvature-tolerance"] = c.CurvatureTolerance,
        ["value-tolerance"] = c.ValueTolerance,
        ["rank-tolerance"] = c.RankTolerance,
        ["label-noise"] = c.LabelNoise,
        ["seed"] = c.Seed,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(YunCriticalPointsConfig config) => YunCriticalPoints.TotalSteps(config);

    protected override YunCriticalPointsResult Execute(YunCriticalPointsConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => YunCriticalPoints.Run(config, progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(YunCriticalPointsResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("setting", x.Setting), ("loss", x.Loss), ("block_width", x.BlockWidth), ("parameters", x.Parameters), ("points", x.Points),
        ("better_than_linear", x.BetterThanLinear), ("strict_saddles", x.StrictSaddles), ("neither", x.Neither), ("not_converged", x.NotConverged),
        ("conditions_hold", x.ConditionsHold), ("violations", x.Violations), ("min_r_minus_rlin", x.MinExcess), ("max_r_minus_rlin", x.MaxExcess),
        ("min_lambda_min", x.MinLambdaMin), ("max_final_gradient_norm", x.MaxGradientNorm), ("max_theta_norm", x.MaxThetaNorm), ("max_theta_norm_not_converged", x.MaxThetaNormNotConverged), ("r_lin", x.RLin),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, YunCriticalPointsResult result)
    {
        var rows = Rows(result);
        int starts = result.Rows.Sum(r => r.Points);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("starts", starts), ("not_converged", result.Rows.Sum(r => r.NotConverged)),
             ("neither_where_a_condition_fails", result.Rows.Sum(r => r.Neither) - result.Violations)], [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var c = result.Config;
        var md = new StringBuilder();
        md.AppendLine("# yun-critical-points").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, synthetic data, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} approximate critical points where both conditions hold** ({starts} starts; {result.Rows.Sum(r => r.NotConverged)} did not converge).").AppendLine();
        md.AppendLine($"Theorem (Yun, Sra, Jadbabaie 2019): at a critical point θ* with E[ℓ''(f)h_Lh_Lᵀ] full rank and col([U_2ᵀ … U_Lᵀ]) ≠ ℝ^d, R(θ*) ≤ R_lin or λ_min(∇²R(θ*)) < 0. " +
                      $"Network: h_l = h_(l−1) + V_l {c.Activation.ToString().ToLowerInvariant()}(U_l h_(l−1)), f = wᵀh_L, L = {c.Blocks}, d = {c.Dimension}, n = {c.Samples}. From random θ: {c.GdSteps} backtracking GD steps, then damped Newton on the exact Hessian (forward-over-reverse) on all parameters until ‖∇R‖ ≤ {Values.Format(c.GradientTolerance)}. " +
                      $"Better than linear: R − R_lin ≤ {Values.Format(c.ValueTolerance)}; strict saddle: λ_min < −{Values.Format(c.CurvatureTolerance)}·max(1, ‖H‖); a violation is \"neither\" with both conditions holding (rank tolerance {Values.Format(c.RankTolerance)}). " +
                      $"Setting \"theorem\": (L − 1)m < d, condition 2 holds by construction. Setting \"wide\": (L − 1)m ≥ d, condition 2 can fail and the theorem is silent; its \"neither\" points are reported, not counted as violations.").AppendLine();
        md.AppendLine("| setting | loss | m | parameters | starts | better than linear | strict saddles | neither | not converged | conditions hold | violations | min R − R_lin | max R − R_lin | min λ_min | max final ‖∇R‖ | max ‖θ*‖ | max ‖θ‖ not converged | R_lin |");
        md.AppendLine("|:--|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Setting} | {x.Loss} | {x.BlockWidth} | {x.Parameters} | {x.Points} | {x.BetterThanLinear} | {x.StrictSaddles} | {x.Neither} | {x.NotConverged} | {x.ConditionsHold} | {x.Violations} | {TableFiles.Show(x.MinExcess)} | {TableFiles.Show(x.MaxExcess)} | {TableFiles.Show(x.MinLambdaMin)} | {TableFiles.Show(x.MaxGradientNorm)} | {TableFiles.Show(x.MaxThetaNorm)} | {TableFiles.Show(x.MaxThetaNormNotConverged)} | {TableFiles.Show(x.RLin)} |");
        var wide = result.Rows.Where(r => r.Setting == "wide").ToList();
        if (wide.Count > 0)
            md.AppendLine().AppendLine($"Where condition 2 can fail (wide, m = {c.WideWidth}): {wide.Sum(r => r.BetterThanLinear)} better than linear, {wide.Sum(r => r.StrictSaddles)} strict saddles, {wide.Sum(r => r.Neither)} neither, " +
                                       $"of {wide.Sum(r => r.Points - r.NotConverged)} converged; condition 2 held at {wide.Sum(r => r.ConditionsHold)} of them.");
        md.AppendLine().AppendLine("Not converged: the start did not reach ‖∇R‖ ≤ the tolerance within the Newton budget. On this data such runs still lower R slowly " +
                                   "with λ_min slightly negative at their last iterate (tanh blocks saturating as weights grow): the infimum is approached far out rather than " +
                                   "attained at a critical point, so the theorem has nothing to say about them. R ≈ 0 with logistic loss would mean separated data and a " +
                                   "vanishing gradient at infinity, not a critical point; max ‖θ*‖ shows whether converged points are finite, and ‖θ‖ of the unconverged ones (larger than at the converged points) that they are drifting out.");
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    /// <summary>
    /// critical_points.png/.svg: every converged end point as (R − R_lin, λ_min); the theorem empties the quadrant
    /// R − R_lin &gt; 0, λ_min ≥ 0 for points where both conditions hold (dots); crosses are points where one fails.
    /// </summary>
    private static IEnumerable<string> Figure(YunCriticalPointsResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var all = result.Ends.SelectMany(e => e).Where(e => e.Kind != "not-converged").ToList();
        foreach (var (hold, shape, legend, color) in new[] { (true, MarkerShape.FilledCircle, "both conditions hold", 0), (false, MarkerShape.Cross, "a condition fails", 3) })
        {
            var chosen = all.Where(e => e.ConditionsHold == hold).ToList();
            var (xs, ys) = Figures.Finite(chosen.Select(e => e.Excess).ToArray(), chosen.Select(e => e.LambdaMin).ToArray(), legend, notes);
            if (xs.Length == 0) continue;
            var m = plot.Add.Markers(xs, ys, shape, 7, plot.Add.Palette.GetColor(color));
            m.LegendText = legend;
        }
        var v = plot.Add.VerticalLine(0); v.LinePattern = LinePattern.Dashed; v.LineColor = Colors.Black; v.LegendText = "R = R_lin";
        var h = plot.Add.HorizontalLine(0); h.LinePattern = LinePattern.Dotted; h.LineColor = Colors.Gray; h.LegendText = "λ_min = 0";
        // λ_min at converged points is often at rounding level (~1e-13): the default tick labels would all read "0".
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => y.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) };
        plot.Title("ResNet critical points (theorem: none meeting both conditions has R > R_lin, λ_min ≥ 0)");
        plot.XLabel("R(θ*) − R_lin");
        plot.YLabel("λ_min(∇²R(θ*))");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "critical_points");
    }

    protected override void PrintSummary(TextWriter output, YunCriticalPointsResult result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} critical points where both conditions hold");
        output.WriteLine($"{"setting",-8} {"loss",-9} {"better",7} {"saddle",7} {"neither",8} {"not conv.",10} {"cond.",6} {"viol",5} {"max R − R_lin",14}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Setting,-8} {x.Loss,-9} {x.BetterThanLinear,7} {x.StrictSaddles,7} {x.Neither,8} {x.NotConverged,10} {x.ConditionsHold,6} {x.Violations,5} {TableFiles.Show(x.MaxExcess),14}");
    }
}
