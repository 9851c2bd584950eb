using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run yun-near-identity</c>: Yun, Sra, Jadbabaie 2019 — in the near-identity region (‖V_l‖_F, ‖U_l‖_F ≤ 1/√L)
/// the risk of every critical point is at most R_lin + C with C independent of the depth L.
/// </summary>
public sealed class YunNearIdentityCommand : ExperimentBinding<YunNearIdentityConfig, YunNearIdentityResult>
{
    private static readonly (string, Loss)[] LossWords = [("logistic", Loss.Logistic), ("squared", Loss.Squared)];
    private static readonly (string, NearIdentityActivation)[] ActivationWords = [("relu", NearIdentityActivation.Relu), ("tanh", NearIdentityActivation.Tanh)];

    public override string Name => "yun-near-identity";
    public override string Description => "Yun et al. 2019: critical points of a near-identity ResNet (blocks in 1/√L balls) have R ≤ R_lin + C, C independent of depth";
    public override YunNearIdentityConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<YunNearIdentityConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];

    public YunNearIdentityCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("activations", "LIST", "φ of the blocks: relu (the poster's), tanh (smooth, also 1-Lipschitz with φ(0) = 0) (default both)",
                (c, t) => c with { Activations = Values.List("activations", t, p => Values.Choice("activations", p, ActivationWords), distinct: true) }),
            new("losses", "LIST", "Losses: logistic (1-Lipschitz, the theorem's setting), squared (default both)",
                (c, t) => c with { Losses = Values.List("losses", t, p => Values.Choice("losses", p, LossWords), distinct: true) }),
            new("depths", "LIST", $"Block counts L (default {string.Join(",", d.Depths)})", (c, t) => c with { Depths = Values.IntList("depths", t) }),
            new("dimension", "D", $"Input dimension d (default {d.Dimension})", (c, t) => c with { Dimension = Values.Int("dimension", t) }),
            new("width", "M", $"Units per block m (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("samples", "N", $"Data set size n (default {d.Samples})", (c, t) => c with { Samples = Values.Int("samples", t) }),
            new("points", "N", $"Descent starts per activation, loss and L (default {d.Points})", (c, t) => c with { Points = Values.Int("points", t) }),
            new("adversarial-points", "N", $"Ascent starts on the profile risk min_w R per activation, loss and L (default {d.AdversarialPoints})",
                (c, t) => c with { AdversarialPoints = Values.Int("adversarial-points", t) }),
            new("steps", "N", $"Iterations at most per start (default {d.Steps})", (c, t) => c with { Steps = Values.Int("steps", t) }),
            new("stationarity-tolerance", "X", $"Critical when ‖θ − P(θ − ∇R)‖ ≤ X (default {Values.Format(d.StationarityTolerance)})",
                (c, t) => c with { StationarityTolerance = Values.Double("stationarity-tolerance", t) }),
            new("tolerance", "X", $"An inequality fails when short by more than X·max(1, R) (default {Values.Format(d.Tolerance)})", (c, t) => c with { Tolerance = Values.Double("tolerance", t) }),
            new("stall-tolerance", "X", $"A descent has stalled when 256 steps lower R by ≤ X·(1 + R) (default {Values.Format(d.StallTolerance)})",
                (c, t) => c with { StallTolerance = Values.Double("stall-tolerance", t) }),
            new("label-noise", "P", $"Label flip probability of the logistic data (default {Values.Format(d.LabelNoise)})", (c, t) => c with { LabelNoise = Values.Double("label-noise", t) }),
            new("seed", "N", $"Seed (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(YunNearIdentityConfig config) => config.Validate();

    public override JsonObject ConfigJson(YunNearIdentityConfig c) => new()
    {
        ["activations"] = new JsonArray(c.Activations.Select(a => (JsonNode)a.ToString().ToLowerInvariant()).ToArray()),
        ["losses"] = new JsonArray(c.Losses.Select(l => (JsonNode)Losses.Word(l)).ToArray()),
        ["depths"] = new JsonArray(c.Depths.Select(l => (JsonNode)l).ToArray()),
        ["dimension"] = c.Dimension,
        ["width"] = c.Width,
        ["samples"] = c.Samples,
        ["points"] = c.Points,
        ["adversarial-points"] = c.AdversarialPoints,
        ["steps"] = c.Steps,
        ["stationarity-tolerance"] = c.StationarityTolerance,
        ["tolerance"] = c.Tolerance,
        ["stall-tolerance"] = c.StallTolerance,
        ["label-noise"] = c.LabelNoise,
        ["seed"] = c.Seed,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(YunNearIdentityConfig config) => YunNearIdentity.TotalSteps(config);

    protected override YunNearIdentityResult Execute(YunNearIdentityConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => YunNearIdentity.Run(config, progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(YunNearIdentityResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("activation", x.Activation), ("loss", x.Loss), ("L", x.Blocks), ("parameters", x.Parameters), ("critical", x.Critical), ("stalled", x.Stalled),
        ("not_converged", x.NotConverged), ("adversarial", x.Adversarial), ("max_r_minus_rlin_descent", x.MaxExcessDescent),
        ("min_r_minus_rlin_descent", x.MinExcessDescent), ("max_r_minus_rlin_adversarial", x.MaxExcessAdversarial),
        ("min_exact_slack", x.MinExactSlack), ("min_bound_slack", x.MinBoundSlack), ("max_bound", x.MaxBound), ("constant_c", x.Constant),
        ("max_shift_factor", x.MaxShift), ("max_stationarity_descent", x.MaxStationarityDescent), ("r_lin", x.RLin), ("t_star_norm", x.TStarNorm),
        ("violations", x.Violations),
    ]).ToList();

    private static List<IReadOnlyList<(string, object?)>> PointRows(YunNearIdentityResult r) => r.Rows.Zip(r.Points).SelectMany(pair => pair.Second.Select(p =>
        (IReadOnlyList<(string, object?)>)
        [
            ("activation", pair.First.Activation), ("loss", pair.First.Loss), ("L", pair.First.Blocks), ("kind", p.Kind), ("r", p.Risk),
            ("r_minus_rlin", p.Excess), ("exact_slack", p.ExactSlack), ("bound", p.Bound), ("bound_slack", p.BoundSlack), ("shift_factor", p.Shift),
            ("loss_slope_rms", p.LossSlopeRms), ("stationarity", p.Stationarity), ("w_gradient_norm", p.WGradientNorm), ("steps", p.Steps), ("violation", p.Violation),
        ])).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, YunNearIdentityResult result)
    {
        var rows = Rows(result);
        var c = result.Config;
        int notConverged = result.Rows.Sum(r => r.NotConverged);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("critical", result.Rows.Sum(r => r.Critical)), ("stalled", result.Rows.Sum(r => r.Stalled)), ("adversarial", result.Rows.Sum(r => r.Adversarial)),
             ("not_converged", notConverged)], [("rows", rows), ("points", PointRows(result))]);
        TableFiles.WriteCsv(header, rows);

        var md = new StringBuilder();
        md.AppendLine("# yun-near-identity").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, synthetic data, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} cases** ({result.Rows.Sum(r => r.Critical)} critical points, " +
                      $"{result.Rows.Sum(r => r.Stalled)} stalled descents, {result.Rows.Sum(r => r.Adversarial)} adversarial points; {notConverged} descent(s) not converged, not counted).").AppendLine();
        md.AppendLine("Claim (Yun, Sra, Jadbabaie 2019, informal): with blocks h_l = h_(l−1) + V_l ReLU(U_l h_(l−1)) kept in ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L and a Lipschitz convex loss, " +
                      "every critical point has R(θ*) ≤ R_lin + C, C independent of L. The poster gives no C; FastRes checks the one the standard argument gives:").AppendLine();
        md.AppendLine("- Convexity of ℓ at f = wᵀh_L against t*ᵀx (t* = argmin R_lin), averaged: **R(θ) − R_lin ≤ E[ℓ'(f)·t*ᵀ(h_L(x) − x)] + (w − t*)ᵀ∇_wR** at every θ (the *exact step*).");
        md.AppendLine("- Each block is ‖V_l‖‖U_l‖-Lipschitz with φ(0) = 0, so ‖h_L(x) − x‖ ≤ s(θ)‖x‖ with s = Π(1 + ‖V_l‖_F‖U_l‖_F) − 1 ≤ (1 + 1/L)^L − 1 < e − 1; Cauchy–Schwarz gives " +
                      "**R − R_lin ≤ G·‖t*‖·s(θ)·√E‖x‖² + ‖w − t*‖·‖∇_wR‖** with G = √E[ℓ'(f)²] (the *bound*).");
        md.AppendLine("- At a critical point ∇_wR = 0 and, for the 1-Lipschitz logistic loss, G ≤ 1: **C = ‖t*‖(e − 1)√E‖x‖²**, the same for every L. For the squared loss G = √(2R(θ*)) is data-dependent; its bound is checked, its C is not a constant.");
        md.AppendLine().AppendLine($"A violation is a point where either inequality fails by more than {Values.Format(c.Tolerance)}·max(1, R). Points: " +
                      $"**descent** — {c.Points} random start(s) per (φ, loss, L), blocks scaled to norms uniform in (0, 1/√L], projected gradient descent with momentum and backtracking on all of θ " +
                      $"(at most {c.Steps} steps) until ‖θ − P(θ − ∇R)‖ ≤ {Values.Format(c.StationarityTolerance)} (*critical*), or until 256 steps lower R by ≤ {Values.Format(c.StallTolerance)}·(1 + R) (*stalled*: with ReLU blocks the minima sit on kinks " +
                      "where the gradient norm cannot vanish; the stalled point is the best available stand-in for a (Clarke) critical point); " +
                      $"**adversarial** — {c.AdversarialPoints} start(s) of projected gradient *ascent* over the blocks of the profile risk min_w R(w, blocks): every critical point has w optimal for its blocks (R is convex in w), " +
                      "so this hunts for the worst R that any critical point could have. Every point ends with w re-optimized exactly (Newton), so ‖∇_wR‖ is at rounding level.").AppendLine();
        md.AppendLine($"Network: d = {c.Dimension}, m = {c.Width} units per block, n = {c.Samples}, synthetic Gaussian x with a nonlinear teacher (label noise {Values.Format(c.LabelNoise)} for logistic).").AppendLine();
        md.AppendLine("| φ | loss | L | critical | stalled | not conv. | adversarial | max R − R_lin (descent) | max R − R_lin (adversarial) | min exact slack | min bound slack | C | max s(θ) | max ‖θ − P(θ − ∇R)‖ | R_lin | violations |");
        md.AppendLine("|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Activation} | {x.Loss} | {x.Blocks} | {x.Critical} | {x.Stalled} | {x.NotConverged} | {x.Adversarial} | {TableFiles.Show(x.MaxExcessDescent)} | {TableFiles.Show(x.MaxExcessAdversarial)} | " +
                          $"{TableFiles.Show(x.MinExactSlack)} | {TableFiles.Show(x.MinBoundSlack)} | {TableFiles.Show(x.Constant)} | {TableFiles.Show(x.MaxShift)} | {TableFiles.Show(x.MaxStationarityDescent)} | {TableFiles.Show(x.RLin)} | {x.Violations} |");
        md.AppendLine();
        foreach (var group in result.Rows.GroupBy(r => (r.Activation, r.Loss)))
        {
            var worst = group.Select(r => Math.Max(Finite(r.MaxExcessDescent), Finite(r.MaxExcessAdversarial))).ToArray();
            md.AppendLine($"- {group.Key.Activation}, {group.Key.Loss}: the largest R − R_lin found is {Show(worst.Max())} (L = {group.ElementAt(Array.IndexOf(worst, worst.Max())).Blocks}); " +
                          $"per L: {string.Join(", ", group.Zip(worst).Select(p => $"{p.First.Blocks}: {Show(p.Second)}"))}.");
        }
        md.AppendLine().AppendLine("How to read it: the claim is that the worst gap stays bounded as L grows. The derived C is loose (it bounds the gap by the largest possible " +
                                   "distortion of the features); the adversarial column is the sharper measure of how bad a critical point could be at each depth.");
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    private static double Finite(double x) => double.IsFinite(x) ? x : double.NegativeInfinity;
    private static string Show(double x) => double.IsFinite(x) ? x.ToString("G3", CultureInfo.InvariantCulture) : "—";

    /// <summary>
    /// near_identity.png/.svg: one panel per loss, R − R_lin of every counted point against L (log₂ axis), descent
    /// points as dots and adversarial points as triangles, one colour per φ; the logistic panel also draws C.
    /// </summary>
    private static IEnumerable<string> Figure(YunNearIdentityResult result, string folder, List<string> notes)
    {
        var losses = result.Rows.Select(r => r.Loss).Distinct().ToList();
        var activations = result.Rows.Select(r => r.Activation).Distinct().ToList();
        var figure = new Multiplot();
        figure.AddPlots(losses.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (int p = 0; p < losses.Count; p++)
        {
            var plot = figure.GetPlot(p);
            for (int a = 0; a < activations.Count; a++)
                foreach (var (adversarial, shape, word) in new[] { (false, MarkerShape.FilledCircle, "descent"), (true, MarkerShape.FilledTriangleUp, "adversarial") })
                {
                    var chosen = result.Rows.Zip(result.Points).Where(x => x.First.Loss == losses[p] && x.First.Activation == activations[a])
                        .SelectMany(x => x.Second.Where(pt => pt.Kind != "not-converged" && (pt.Kind == "adversarial") == adversarial)
                        .Select(pt => (X: Math.Log2(x.First.Blocks) + (a - 0.5 * (activations.Count - 1)) * 0.08, Y: pt.Excess))).ToList();
                    var (xs, ys) = Figures.Finite(chosen.Select(q => q.X).ToArray(), chosen.Select(q => q.Y).ToArray(), $"{losses[p]}, {activations[a]}, {word}", notes);
                    if (xs.Length == 0) continue;
                    var m = plot.Add.Markers(xs, ys, shape, 7, plot.Add.Palette.GetColor(a));
                    m.LegendText = $"{activations[a]}, {word}";
                }
            var zero = plot.Add.HorizontalLine(0); zero.LinePattern = LinePattern.Dotted; zero.LineColor = Colors.Gray; zero.LegendText = "R = R_lin";
            double constant = result.Rows.Where(r => r.Loss == losses[p]).Select(r => r.Constant).FirstOrDefault(double.NaN);
            string title = $"{losses[p]} loss: R(θ) − R_lin vs depth";
            if (double.IsFinite(constant)) title += $" (derived C = {constant:G3}, far above)";
            Figures.Log2DepthAxis(plot);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = y => y.ToString("G3", CultureInfo.InvariantCulture) };
            plot.Title(title);
            plot.XLabel("blocks L");
            plot.YLabel("R(θ) − R_lin");
            // Outside the axes: inside, it hides the points near the top right (the ReLU adversaries at large L).
            plot.ShowLegend(Edge.Bottom);
        }
        return Figures.Save(figure, folder, "near_identity", 750 * losses.Count, 650);
    }

    protected override void PrintSummary(TextWriter output, YunNearIdentityResult result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} cases");
        output.WriteLine($"{"φ",-5} {"loss",-9} {"L",4} {"crit",5} {"stall",6} {"n.c.",5} {"adv",4} {"max gap desc.",14} {"max gap adv.",13} {"min bound slack",16} {"viol",5}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Activation,-5} {x.Loss,-9} {x.Blocks,4} {x.Critical,5} {x.Stalled,6} {x.NotConverged,5} {x.Adversarial,4} {TableFiles.Show(x.MaxExcessDescent),14} {TableFiles.Show(x.MaxExcessAdversarial),13} {TableFiles.Show(x.MinBoundSlack),16} {x.Violations,5}");
    }
}
