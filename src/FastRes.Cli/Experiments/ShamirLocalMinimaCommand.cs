using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.Networks;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-local-minima</c>: Corollary 1 of Shamir 2018 — GD then damped Newton on (w, V) from random
/// starts, θ frozen; every approximate local minimum's F_θ against min F_lin.
/// </summary>
public sealed class ShamirLocalMinimaCommand : ExperimentBinding<ShamirLocalMinimaConfig, ShamirLocalMinimaResult>
{
    private readonly ShamirDigitsCache _digits = new();

    public override string Name => "shamir-local-minima";
    public override string Description => "Corollary 1 of Shamir 2018: approximate local minima of F_θ(w, V) (GD + damped Newton) are no worse than the best linear predictor";
    public override ShamirLocalMinimaConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<ShamirLocalMinimaConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];

    public ShamirLocalMinimaCommand()
    {
        var d = Defaults;
        Settings =
        [
            .. ShamirModelSettings.Head<ShamirLocalMinimaConfig>(Model(d), Model, With),
            new("points", "N", $"Random starts per loss and activation (default {d.Points})", (c, t) => c with { Points = Values.Int("points", t) }),
            new("gd-steps", "N", $"Backtracking GD steps before Newton (default {d.GdSteps})", (c, t) => c with { GdSteps = Values.Int("gd-steps", t) }),
            new("newton-steps", "N", $"Damped Newton steps at most (default {d.NewtonSteps})", (c, t) => c with { NewtonSteps = Values.Int("newton-steps", t) }),
            new("gradient-tolerance", "X", $"Converged when ‖∇F_θ‖ ≤ X (default {Values.Format(d.GradientTolerance)})", (c, t) => c with { GradientTolerance = Values.Double("gradient-tolerance", t) }),
            new("curvature-tolerance", "X", $"A minimum when λ_min ≥ −X·max(1, ‖H‖) (default {Values.Format(d.CurvatureTolerance)})", (c, t) => c with { CurvatureTolerance = Values.Double("curvature-tolerance", t) }),
            new("value-tolerance", "X", $"A violation when F_θ − min F_lin > X at a minimum (default {Values.Format(d.ValueTolerance)})", (c, t) => c with { ValueTolerance = Values.Double("value-tolerance", t) }),
            .. ShamirModelSettings.Tail<ShamirLocalMinimaConfig>(Model(d), Model, With),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShamirLocalMinimaConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count > 0) return errors;
        var digits = _digits.TryLoad(config.Data, config.Dimension, errors);
        if (digits is not null)
        {
            try { ShamirLocalMinima.CheckData(config, digits); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { errors.Add(new ConfigError("data", e.Message)); }
        }
        return errors;
    }

    public override JsonObject ConfigJson(ShamirLocalMinimaConfig c) => ShamirModelSettings.AddJson(new()
    {
        ["points"] = c.Points,
        ["gd-steps"] = c.GdSteps,
        ["newton-steps"] = c.NewtonSteps,
        ["gradient-tolerance"] = c.GradientTolerance,
        ["curvature-tolerance"] = c.CurvatureTolerance,
        ["value-tolerance"] = c.ValueTolerance,
    }, Model(c));

    /// <summary>The shared model and data options of <paramref name="c"/> (<see cref="ShamirModelSettings"/>).</summary>
    private static ShamirModelOptions Model(ShamirLocalMinimaConfig c) => new(c.Losses, c.Activations, c.Dimension, c.Width, c.Hidden, c.Layers, c.Samples,
                                                         c.LabelNoise, c.Seed, c.Threads, c.Data, c.Digits);

    private static ShamirLocalMinimaConfig With(ShamirLocalMinimaConfig c, ShamirModelOptions m) => c with
    {
        Losses = m.Losses, Activations = m.Activations, Dimension = m.Dimension, Width = m.Width, Hidden = m.Hidden,
        Layers = m.Layers, Samples = m.Samples, LabelNoise = m.LabelNoise, Seed = m.Seed, Threads = m.Threads, Data = m.Data,
        Digits = m.Digits,
    };

    protected override long? TotalTrials(ShamirLocalMinimaConfig config) => ShamirLocalMinima.TotalSteps(config);

    protected override ShamirLocalMinimaResult Execute(ShamirLocalMinimaConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShamirLocalMinima.Run(config, _digits.Get(config.Data, config.Dimension), progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(ShamirLocalMinimaResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("loss", x.Loss), ("activation", x.Activation), ("points", x.Points), ("local_minima", x.LocalMinima), ("saddles", x.Saddles),
        ("not_converged", x.NotConverged), ("violations", x.Violations), ("max_f_minus_min_flin_at_minima", x.MaxExcessAtMinima),
        ("min_f_minus_min_flin_at_minima", x.MinExcessAtMinima), ("max_final_gradient_norm", x.MaxGradientNorm),
        ("min_lambda_min_at_minima", x.MinLambdaMinAtMinima), ("min_flin", x.FLinMin),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShamirLocalMinimaResult result)
    {
        var rows = Rows(result);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("starts", result.Rows.Sum(r => r.Points)), ("not_converged", result.Rows.Sum(r => r.NotConverged))], [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var c = result.Config;
        var md = new StringBuilder();
        md.AppendLine("# shamir-local-minima").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {ShamirLemma1Command.DataLabel(c.Data, c.Digits)}, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} approximate local minima** ({result.Rows.Sum(r => r.Points)} starts; {result.Rows.Sum(r => r.Saddles)} ended at saddles, {result.Rows.Sum(r => r.NotConverged)} did not converge).").AppendLine();
        md.AppendLine($"Corollary 1: every local minimum of F has F ≤ inf F_lin. From random (w, V, θ) (θ frozen; d = {c.Dimension}, k = {c.Width}, n = {c.Samples}): {c.GdSteps} backtracking GD steps, then damped Newton on the exact Hessian until ‖∇F_θ‖ ≤ {Values.Format(c.GradientTolerance)}; " +
                      $"a local minimum when λ_min ≥ −{Values.Format(c.CurvatureTolerance)}·max(1, ‖H‖); a violation when its F_θ − min F_lin > {Values.Format(c.ValueTolerance)}. Negative excess: the residual network beats the best linear predictor.").AppendLine();
        md.AppendLine("| loss | σ | starts | local minima | saddles | not converged | violations | max F − min F_lin | min F − min F_lin | max final ‖∇F‖ | min λ_min at minima | min F_lin |");
        md.AppendLine("|:--|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Loss} | {x.Activation} | {x.Points} | {x.LocalMinima} | {x.Saddles} | {x.NotConverged} | {x.Violations} | {TableFiles.Show(x.MaxExcessAtMinima)} | {TableFiles.Show(x.MinExcessAtMinima)} | {TableFiles.Show(x.MaxGradientNorm)} | {TableFiles.Show(x.MinLambdaMinAtMinima)} | {TableFiles.Show(x.FLinMin)} |");
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    /// <summary>
    /// local_minima.png/.svg: F_θ − min F_lin at every end point, one column per (loss, σ), local minima as dots and
    /// saddles / unconverged starts as crosses; Corollary 1 puts every dot at or below the zero line.
    /// </summary>
    private static IEnumerable<string> Figure(ShamirLocalMinimaResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        var labels = new List<string>();
        for (int g = 0; g < result.Rows.Count; g++)
        {
            var row = result.Rows[g];
            labels.Add($"{row.Loss}, {row.Activation}");
            var ends = result.Ends[g];
            foreach (var (kinds, shape, legend) in new[] { (new[] { "local-min" }, MarkerShape.FilledCircle, "local minimum"), (new[] { "saddle", "not-converged" }, MarkerShape.Cross, "saddle / not converged") })
            {
                var chosen = ends.Select((e, i) => (e, i)).Where(x => kinds.Contains(x.e.Kind)).ToList();
                // Spread the starts of one column a little so they do not hide each other.
                var (xs, ys) = Figures.Finite(chosen.Select(x => g + 0.3 * (x.i + 0.5) / ends.Count - 0.15).ToArray(), chosen.Select(x => x.e.Excess).ToArray(), $"{labels[^1]} {legend}", notes);
                if (xs.Length == 0) continue;
                var m = plot.Add.Markers(xs, ys, shape, 7, plot.Add.Palette.GetColor(kinds.Length == 1 ? 0 : 3));
                if (g == 0) m.LegendText = legend;
            }
        }
        var zero = plot.Add.HorizontalLine(0);
        zero.LinePattern = LinePattern.Dashed; zero.LineColor = Colors.Black; zero.LegendText = "F = min F_lin";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        plot.Axes.SetLimitsX(-0.5, labels.Count - 0.5);
        plot.Title("End points of GD + damped Newton: F_θ(w, V) − min F_lin (Corollary 1: ≤ 0 at local minima)");
        plot.YLabel("F_θ − min F_lin");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "local_minima");
    }

    protected override void PrintSummary(TextWriter output, ShamirLocalMinimaResult result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} local minima");
        output.WriteLine($"{"loss",-9} {"σ",-5} {"minima",7} {"saddles",8} {"not conv.",10} {"viol",5} {"max F − min F_lin",18}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Loss,-9} {x.Activation,-5} {x.LocalMinima,7} {x.Saddles,8} {x.NotConverged,10} {x.Violations,5} {TableFiles.Show(x.MaxExcessAtMinima),18}");
    }
}
