using FastRes.Experiments.Settings;
using FastRes.Experiments.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn-sampled</c> (SPEC §1.6): the shortcut-CNN model on finite samples — the empirical loss
/// and gradients against the closed forms as n grows (error ∝ n^−½), and GD on fresh or fixed samples against the
/// population success rates of the same trials. Figures: convergence.png, success_vs_n.png.
/// </summary>
public sealed class ShortcutCnnSampledCommand() : Experiment<ShortcutCnnSampledConfig, ShortcutCnnSampledResult>("shortcut-cnn-sampled",
    "The shortcut CNN on finite samples: empirical gradients vs the closed forms (n^-1/2), sampled GD vs the population rates")
{
    public override IReadOnlyList<string> SmokeArgs =>
        ["--k", "4", "--trials", "16", "--iterations", "200", "--samples", "2,8", "--convergence-trials", "2", "--convergence-samples", "100,1000,10000"];
    protected override long? Steps(ShortcutCnnSampledConfig config) => ShortcutCnnSampled.TotalSteps(config);
    protected override string ProgressUnit => "runs";
    protected override bool Journals => true;
    protected override void AddDerived(System.Text.Json.Nodes.JsonObject doc, ShortcutCnnSampledConfig config) => doc["resolved_steps"] = ShortcutCnnCommand.ResolvedSteps(config.Shared);

    public static readonly PaperClaim ErrorFallsAsRootN = new("shortcut-cnn-sampled/error-root-n", Paper.FastRes,
        "Beyond the papers: SPEC §1.6, the closed forms against a finite-sample learner",
        "Question: do the papers' population closed forms describe the model on finite samples Z_s ~ N(0, I)? SPEC §1.6: the experiment " +
        "\"checks that empirical loss/gradients approach the closed forms as n grows (error ∝ 1/√n)\".");
    public static readonly PaperClaim ReproducesPopulationRates = new("shortcut-cnn-sampled/population-rates", Paper.FastRes,
        "Beyond the papers: SPEC §1.6, the closed forms against a finite-sample learner",
        "Question: do the papers' success rates survive sampling? SPEC §1.6: the experiment checks \"that empirical GD reproduces the population " +
        "success rates\" — with n fresh samples per step (SGD) and with one fixed sample of n (GD on the empirical risk), as n grows.");

    public override IReadOnlyList<PaperClaim> Claims => [ErrorFallsAsRootN, ReproducesPopulationRates];

    /// <summary>
    /// The defaults take 75–80 s on 2 cores; quick keeps k = 8 and both modes but 100 trials, n ∈ {4, 64, 256} (64 =
    /// 4(p + k), the smallest n that decides the rates) and the convergence check up to n = 10⁵ on 4 trials (still
    /// three decades for the slope): about 15 s.
    /// </summary>
    protected override IReadOnlyList<string> QuickArgs =>
        ["--trials", "100", "--samples", "4,64,256", "--convergence-trials", "4", "--convergence-samples", "100,1000,10000,100000"];

    /// <summary>The question goes beyond the papers, which give no protocol for it: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>A fitted slope within this of −½ agrees with error ∝ n^−½.</summary>
    public const double SlopeTolerance = 0.1;

    /// <summary>At the largest n, at least this share of trials must end as their population run did.</summary>
    public const double SameOutcomeFloor = 0.9;

    protected override IEnumerable<ClaimFinding> Judge(ShortcutCnnSampledResult result, IReadOnlyList<string> figures)
    {
        yield return JudgeConvergence(result, ClaimRulesShortcutShamir.Png(figures, "convergence."));
        yield return JudgeRates(result, ClaimRulesShortcutShamir.Png(figures, "success_vs_n."));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShortcutCnnSampledResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>Per k, the fitted log–log slopes of the loss and gradient errors each agree when within <see cref="SlopeTolerance"/> of −½;
    /// a fit needs three sample sizes spanning two decades.</summary>
    private static ClaimFinding JudgeConvergence(ShortcutCnnSampledResult result, IReadOnlyList<string> figures)
    {
        var claim = ErrorFallsAsRootN;
        var ns = result.Convergence.Select(r => r.Samples).Distinct().Order().ToList();
        if (ns.Count < 3 || ns[^1] < 100 * ns[0])
            return ClaimFinding.NotCheckable(claim, ns.Count == 0 ? "the run skipped the convergence check (--convergence-trials 0)"
                : $"the convergence check ran at n = {string.Join(", ", ns)}: a slope needs three sizes spanning two decades");
        var fits = result.Slopes.SelectMany(s => new[] { (s.K, What: "loss", Slope: s.LossSlope), (s.K, What: "gradient", Slope: s.GradSlope) }).ToList();
        var tally = CellTally.Of(fits, f => Math.Abs(f.Slope + 0.5) <= SlopeTolerance ? 1 : -1,
            f => FormattableString.Invariant($"{f.What} {f.Slope:0.000}{(result.Slopes.Count > 1 ? $" (k = {f.K})" : "")}"));
        var last = result.Convergence.Where(r => r.Samples == ns[^1]).ToList();
        string evidence = FormattableString.Invariant(
            $"Least-squares slopes of log(mean relative error) on log n over n = {ns[0]:N0}…{ns[^1]:N0} ({result.Convergence.Max(r => r.Points)} fixed points per n): {tally.Listing}. ") +
            FormattableString.Invariant($"Rule: each slope agrees when within ±{SlopeTolerance} of −0.5; {tally.Counts}. At n = {ns[^1]:N0} the errors are {last.Max(r => r.LossError):0.###%} (loss) and {last.Max(r => r.GradError):0.###%} (gradient).");
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("loss error slope", result.Slopes.MaxBy(s => Math.Abs(s.LossSlope + 0.5))!.LossSlope, "(theory −0.5)"),
            new("gradient error slope", result.Slopes.MaxBy(s => Math.Abs(s.GradSlope + 0.5))!.GradSlope, "(theory −0.5)"),
            new("loss error at the largest n", last.Max(r => r.LossError), $"relative, n = {ns[^1]}"),
            new("gradient error at the largest n", last.Max(r => r.GradError), $"relative, n = {ns[^1]}"),
            new("points per n", result.Convergence.Max(r => r.Points), "fixed (w, a)"),
        ], figures);
    }

    /// <summary>
    /// Per (k, method, mode) at its largest n: agrees when the sampled success rate's Wilson interval overlaps the
    /// population's (the same trials) and at least <see cref="SameOutcomeFloor"/> of the trials end as their population
    /// run; decides only when that n is at least 4(p + k), four times the parameter count.
    /// </summary>
    private static ClaimFinding JudgeRates(ShortcutCnnSampledResult result, IReadOnlyList<string> figures)
    {
        var claim = ReproducesPopulationRates;
        var sampled = result.Rows.Where(r => r.Mode != "population" && r.Trials > 0).ToList();
        if (sampled.Count == 0) return ClaimFinding.NotCheckable(claim, "the run has no sampled cell");
        var largest = sampled.GroupBy(r => (r.K, r.Method, r.Mode)).Select(g => g.MaxBy(r => r.Samples)!).ToList();
        var decisive = largest.Where(r => r.Samples >= 4 * (r.P + r.K)).ToList();
        if (decisive.Count == 0)
            return ClaimFinding.NotCheckable(claim, $"the largest n of this run ({largest.Max(r => r.Samples)}) is below 4(p + k) = {4 * (largest[0].P + largest[0].K)}, " +
                                                    "where one fixed sample cannot yet pin the model down: too small to decide");
        bool ks = decisive.Select(r => r.K).Distinct().Count() > 1;
        var tally = CellTally.Of(decisive, r =>
            {
                var (mine, pop) = (new TrialShare(r.Success, r.Trials), new TrialShare(r.PopulationSuccess, r.Trials));
                return mine.Overlaps(pop) && r.SameOutcomeRate >= SameOutcomeFloor ? 1 : -1;
            },
            r => $"{r.Method} {r.Mode} n = {r.Samples}{(ks ? $" (k = {r.K})" : "")}: {new TrialShare(r.Success, r.Trials)} vs {Cells.Percent(r.PopulationSuccessRate)}, same outcome {Cells.Percent(r.SameOutcomeRate)}");
        string evidence = $"Success at the largest n of each method and mode (Wilson 95%) against the population run of the same {decisive.Max(r => r.Trials)} trials: {tally.Listing}. " +
                          $"Rule: a cell agrees when its interval overlaps the population rate's and ≥ {Cells.Percent(SameOutcomeFloor)} of its trials end as their population run; {tally.Counts}." +
                          (decisive.Count < largest.Count ? $" {largest.Count - decisive.Count} cell(s) whose largest n is below 4(p + k) were left out." : "");
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("cells agreeing", tally.Agreeing, $"of {tally.Cases} (method × mode)"),
            new("largest n", decisive.Max(r => r.Samples), "samples"),
            new("lowest same-outcome share", decisive.Min(r => r.SameOutcomeRate), "of trials"),
            new("largest |sampled − population| success", decisive.Max(r => Math.Abs(r.SuccessRate - r.PopulationSuccessRate)), "share of trials"),
            new("trials per cell", decisive.Max(r => r.Trials), "trials"),
        ], figures);
    }

    protected override ShortcutCnnSampledResult Run(ShortcutCnnSampledConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutCnnSampled.Run(config, progress, cancellationToken, journal);

    /// <summary>Rows add up cell by cell; the convergence points are each shard's own slice, concatenated in slice order
    /// (so the means are summed in the order an unsharded run sums them).</summary>
    protected override ShortcutCnnSampledResult Merge(ShortcutCnnSampledConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var rows = Combine(shards, ShortcutCnnSampledRow.Columns, ShortcutCnnSampledRow.Sum, (r, s) => ShortcutCnnSampledRow.CheckShardRow(r, s.TrialEnd - s.TrialStart));
        var points = shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index)
                           .SelectMany(s => ShardRows.Read(s, "convergence_points", ShortcutCnnConvergencePoint.Columns)).ToList();
        int perK = whole.ConvergenceTrials * ShortcutCnnSampled.PointsPerTrial * whole.ConvergenceSamples.Length;
        if (points.Count != perK * whole.Shared.K.Length)
            throw new BadInputException("merge", $"the shards hold {points.Count} convergence points, the run has {perK * whole.Shared.K.Length}");
        return new(whole, rows, points, SecondsOf(shards));
    }

    protected override void Summarize(Summary md, ShortcutCnnSampledResult result)
    {
        var c = result.Config;
        md.Paragraph("The shortcut-CNN teacher–student model (SPEC §1.1) on finite samples Z_s ~ N(0, I), s = 1..n, generated on the fly from " +
                     "(seed, trial, draw, s) by the per-lane Philox generator; forward and backward passes one trial per SIMD lane.");
        if (result.Points.Count > 0)
        {
            md.Paragraph($"Convergence: at {result.Points.Select(x => (x.K, x.Trial, x.Kind)).Distinct().Count()} fixed points (per convergence trial: a random direction " +
                         $"with a_0, and the population resnet trajectory at {string.Join(", ", ShortcutCnnSampled.TrajectoryFractions.Select(f => Kinds.Format(Math.Round(f, 3)) + "·T"))}), " +
                         "the empirical loss L̂ = (1/n)Σ(f − h)² and gradient (∇_w L̂, ∇_a L̂) on nested sample sets against the closed forms; relative errors averaged " +
                         "over the points, and the least-squares slope of log(mean error) on log n (theory: −½).");
            md.Table(ShortcutCnnConvergenceSlope.Columns, result.Slopes);
            md.Table(ShortcutCnnConvergenceRow.Columns, result.Convergence);
        }
        md.Paragraph($"Learning: {c.Shared.Trials} trials per cell, the same trials (teacher, a_0) in every cell; mode fresh = n new samples every step " +
                     "(SGD with batch n), fixed = one sample of n reused every step (GD on the empirical risk); population = GD on the closed-form loss. " +
                     "Outcomes are judged on the state (SPEC §1.5, exact angle). \"same outcome\" is the share of trials that ended as their population run did.");
        md.Table(ShortcutCnnSampledRow.Columns, result.Rows);
        foreach (string line in Findings(result)) md.Paragraph(line);
        md.Paragraph("Choices where the papers are silent (all options): sample sizes, modes, trial counts and the convergence points as configured above; " +
                     "the step sizes and T are shortcut-cnn's for the same k; a success retires early once its population loss is below --retire-loss " +
                     "(in this realizable model every residual is 0 at the optimum, so the sampling noise of the gradient vanishes there); the methods of a " +
                     "trial see the same samples; Z's entries are Box–Muller normals from 53-bit uniforms.");
        var diverged = result.Rows.Where(r => r.Diverged > 0).ToList();
        if (diverged.Count > 0)
            md.Warning($"{diverged.Sum(r => r.Diverged)} run(s) diverged (NaN/∞, counted as diverged, never as success): " +
                       string.Join("; ", diverged.Select(r => $"{r.Method} {r.Mode} n={r.Samples}: {r.Diverged}")));
    }

    protected override void PrintSummary(TextWriter output, ShortcutCnnSampledResult result)
    {
        TextTables.Console(output, ShortcutCnnSampledRow.Columns, result.Rows);
        if (result.Slopes.Count > 0) TextTables.Console(output, ShortcutCnnConvergenceSlope.Columns, result.Slopes);
    }

    /// <summary>Plain-language answers: does the spurious basin survive sampling, does the shortcut prior still protect.</summary>
    private static IEnumerable<string> Findings(ShortcutCnnSampledResult result)
    {
        foreach (var byK in result.Rows.GroupBy(r => r.K))
            foreach (var byMethod in byK.GroupBy(r => r.Method))
            {
                var pop = byMethod.FirstOrDefault(r => r.Mode == "population");
                if (pop is null) continue;
                foreach (var byMode in byMethod.Where(r => r.Mode != "population").GroupBy(r => r.Mode))
                {
                    var ordered = byMode.OrderBy(r => r.Samples).ToList();
                    var largest = ordered[^1];
                    yield return $"k = {byK.Key}, {byMethod.Key}, {byMode.Key}: success {string.Join(" → ", ordered.Select(r => $"{Cells.Percent(r.SuccessRate)} (n={r.Samples})"))}; " +
                                 $"spurious {string.Join(" → ", ordered.Select(r => Cells.Percent(r.SpuriousRate)))}; population {Cells.Percent(pop.SuccessRate)} success, " +
                                 $"{Cells.Percent(pop.SpuriousRate)} spurious; at n = {largest.Samples} {Cells.Percent(largest.SameOutcomeRate)} of trials end as their population run.";
                }
            }
    }

    protected override IEnumerable<string> DrawFigures(ShortcutCnnSampledResult result, string folder, List<string> notes)
    {
        var files = new List<string>();
        if (result.Convergence.Count > 0) files.AddRange(ConvergenceFigure(result, folder, notes));
        files.AddRange(SuccessVsN(result, folder, notes));
        return files;
    }

    /// <summary>convergence.png/.svg: mean relative errors vs n on log–log axes, with the n^−½ line through the first gradient point.</summary>
    private static IEnumerable<string> ConvergenceFigure(ShortcutCnnSampledResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var byK in result.Convergence.GroupBy(r => r.K))
        {
            var rows = byK.OrderBy(r => r.Samples).ToList();
            string suffix = result.Config.Shared.K.Length > 1 ? $" (k = {byK.Key})" : "";
            Figures.Line(plot, rows, r => Math.Log10(r.Samples), r => r.GradError, "gradient ‖∇L̂ − ∇L‖/‖∇L‖" + suffix, plot.Add.Palette.GetColor(colour++), notes, scale: Math.Log10);
            Figures.Line(plot, rows, r => Math.Log10(r.Samples), r => r.LossError, "loss |L̂ − L|/L" + suffix, plot.Add.Palette.GetColor(colour++), notes, scale: Math.Log10, marker: MarkerShape.OpenSquare);
            // The theory line n^−½ through the first gradient point.
            var first = rows[0];
            var theory = rows.Select(r => first.GradError * Math.Sqrt((double)first.Samples / r.Samples)).ToList();
            Figures.Line(plot, rows.Zip(theory).ToList(), x => Math.Log10(x.First.Samples), x => x.Second, "n^−½" + suffix, Colors.Black, notes,
                         scale: Math.Log10, dashed: true, markerSize: 0);
        }
        var slopes = string.Join(", ", result.Slopes.Select(s => $"slopes {s.GradSlope:0.00} ∇, {s.LossSlope:0.00} L"));
        plot.Title($"empirical vs closed form: error vs n ({slopes}; theory −0.5)");
        plot.XLabel("samples n");
        plot.YLabel("mean relative error");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = x => $"1e{x:0}" };
        Figures.Log10Axis(plot.Axes.Left);
        plot.ShowLegend(Alignment.LowerLeft);
        return Figures.Save(plot, folder, "convergence");
    }

    /// <summary>success_vs_n.png/.svg: success rate vs n per method (fresh solid, fixed dashed, Wilson bars), the population rate as a dotted line.</summary>
    private static IEnumerable<string> SuccessVsN(ShortcutCnnSampledResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        int k = result.Config.Shared.K[0];
        var rows = result.Rows.Where(r => r.K == k).ToList();
        double[] ns = rows.Where(r => r.Samples > 0).Select(r => Math.Log2(r.Samples)).Distinct().Order().ToArray();
        // resnet and resnet-ssw often coincide: wide lines with large markers under narrow ones with small, other shapes.
        (MarkerShape Filled, MarkerShape Open, float Width, float Size)[] styles =
            [(MarkerShape.FilledCircle, MarkerShape.OpenCircle, 4, 11), (MarkerShape.FilledSquare, MarkerShape.OpenSquare, 2.5f, 8), (MarkerShape.FilledTriangleUp, MarkerShape.OpenTriangleUp, 1.2f, 6)];
        foreach (var byMethod in rows.GroupBy(r => r.Method))
        {
            var style = styles[colour % styles.Length];
            var color = plot.Add.Palette.GetColor(colour++);
            foreach (var byMode in byMethod.Where(r => r.Mode != "population").GroupBy(r => r.Mode))
                Figures.Line(plot, byMode.OrderBy(r => r.Samples), r => Math.Log2(r.Samples), r => r.SuccessRate, $"{byMethod.Key} {byMode.Key}", color, notes,
                             error: r => r.SuccessCi95, dashed: byMode.Key == "fixed", lineWidth: style.Width, markerSize: style.Size,
                             marker: byMode.Key == "fixed" ? style.Open : style.Filled);
            if (byMethod.FirstOrDefault(r => r.Mode == "population") is { } pop && ns.Length > 0)
            {
                var line = plot.Add.Scatter(new[] { ns[0], ns[^1] }, new[] { pop.SuccessRate, pop.SuccessRate }, color);
                (line.LinePattern, line.LineWidth, line.MarkerSize, line.LegendText) = (LinePattern.Dotted, style.Width, 0, $"{byMethod.Key} population");
            }
        }
        plot.Title($"shortcut-cnn-sampled: success rate vs samples per step (p = {result.Config.Shared.P}, k = {k}, θ_cap = {Kinds.Format(result.Config.Shared.CapDeg)}°, {result.Config.Shared.Trials} trials)");
        plot.XLabel("samples n per step");
        plot.YLabel("success rate");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = x => Math.Pow(2, x).ToString("0", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsY(0, 1.02);
        // Outside the data: the fixed-sample curves cross the whole height of the plot.
        plot.ShowLegend(Edge.Right);
        return Figures.Save(plot, folder, "success_vs_n", width: 1100);
    }
}
