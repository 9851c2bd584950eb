using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-sgd</c>: Theorem 4 of Shamir 2018 — projected SGD on the skip-to-output architecture against the
/// best linear predictor in the ball, over T; the residual architecture trained the same way for contrast.
/// </summary>
public sealed class ShamirSgdCommand : ExperimentBinding<ShamirSgdConfig, ShamirSgdResult>
{
    private static readonly (string, Loss)[] LossWords = [("squared", Loss.Squared), ("logistic", Loss.Logistic)];
    private static readonly (string, ShamirArchitecture)[] ArchitectureWords = [("skip", ShamirArchitecture.SkipToOutput), ("residual", ShamirArchitecture.Residual)];

    public override string Name => "shamir-sgd";
    public override string Description => "Theorem 4 of Shamir 2018: projected SGD on x ↦ wᵀx + vᵀf_θ(x) reaches the best linear predictor at rate 1/√T";
    public override ShamirSgdConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<ShamirSgdConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];

    public ShamirSgdCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("loss", "squared|logistic", "Loss (default logistic)", (c, t) => c with { Loss = Values.Choice("loss", t, LossWords) }),
            new("architectures", "LIST", "skip (wᵀx + vᵀf_θ(x), Theorem 4) and/or residual (wᵀ(x + V f_θ(x))) (default both)",
                (c, t) => c with { Architectures = Values.List("architectures", t, p => Values.Choice("architectures", p, ArchitectureWords), distinct: true) }),
            new("horizons", "LIST", $"Iteration counts T (default {string.Join(",", d.Horizons)})", (c, t) => c with { Horizons = Values.IntList("horizons", t) }),
            new("dimension", "D", $"Input dimension d (default {d.Dimension})", (c, t) => c with { Dimension = Values.Int("dimension", t) }),
            new("width", "K", $"Width k of f_θ(x) = tanh(Wx + b) (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("samples", "N", $"Data set size n; SGD samples it uniformly (default {d.Samples})", (c, t) => c with { Samples = Values.Int("samples", t) }),
            new("radius", "B", "Radius b of the (w, v) ball (default 2·max(1, ‖argmin F_lin‖))", (c, t) => c with { Radius = Values.NullableDouble("radius", t) }, Nullable: true),
            new("repeats", "N", $"SGD runs per (architecture, T) (default {d.Repeats})", (c, t) => c with { Repeats = Values.Int("repeats", t) }),
            new("evaluations", "N", $"Iterates evaluated per run for the best iterate (default {d.Evaluations})", (c, t) => c with { Evaluations = Values.Int("evaluations", t) }),
            new("label-noise", "P", $"Label flip probability of the logistic data (default {Values.Format(d.LabelNoise)})", (c, t) => c with { LabelNoise = Values.Double("label-noise", t) }),
            new("seed", "N", $"Seed (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShamirSgdConfig config) => config.Validate();

    public override JsonObject ConfigJson(ShamirSgdConfig c) => new()
    {
        ["loss"] = Losses.Word(c.Loss),
        ["architectures"] = new JsonArray(c.Architectures.Select(a => (JsonNode)(a == ShamirArchitecture.SkipToOutput ? "skip" : "residual")).ToArray()),
        ["horizons"] = new JsonArray(c.Horizons.Select(n => (JsonNode)n).ToArray()),
        ["dimension"] = c.Dimension,
        ["width"] = c.Width,
        ["samples"] = c.Samples,
        ["radius"] = c.Radius,
        ["repeats"] = c.Repeats,
        ["evaluations"] = c.Evaluations,
        ["label-noise"] = c.LabelNoise,
        ["seed"] = c.Seed,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(ShamirSgdConfig config) => ShamirSgd.TotalSteps(config);

    protected override ShamirSgdResult Execute(ShamirSgdConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShamirSgd.Run(config, progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(ShamirSgdResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("architecture", x.Architecture), ("T", x.T), ("repeats", x.Repeats), ("eta", x.Eta),
        ("mean_best_f_minus_min_flin", x.MeanBestExcess), ("max_best_f_minus_min_flin", x.MaxBestExcess),
        ("mean_evaluated_f_minus_min_flin", x.MeanEvaluatedExcess), ("bound", x.Bound), ("violations", x.Violations),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShamirSgdResult result)
    {
        var rows = Rows(result);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("radius", result.Radius), ("lipschitz", result.Lipschitz), ("loss_bound", result.LossBound), ("min_flin_in_ball", result.FLinMin)], [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        var md = new StringBuilder();
        md.AppendLine("# shamir-sgd").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} skip-architecture runs** (best evaluated iterate above the explicit bound).").AppendLine();
        md.AppendLine($"Theorem 4: projected SGD (step η = b/(l√T), (w, v) in the ball of radius b = {TableFiles.Show(result.Radius)}, θ free, f_θ = tanh(Wx + b)) on x ↦ wᵀx + vᵀf_θ(x) has an iterate with F ≤ min over ‖u‖ ≤ b of F_lin(u) + O((bl + r√log(1/δ))/√T). " +
                      $"Here l = {TableFiles.Show(result.Lipschitz)}, r = {TableFiles.Show(result.LossBound)} (bounds over the ball and the data), min F_lin in the ball = {TableFiles.Show(result.FLinMin)}; " +
                      $"the bound column is (2.5·b·l + 2r√(2 ln(1/δ)))/√T, δ = {ShamirSgd.Delta} — online gradient descent's regret on a ball of diameter 2b plus Azuma, the O(·) with its constants written out. " +
                      $"\"Best\" is the best of {result.Config.Evaluations} evenly spaced evaluated iterates (an upper estimate of the best iterate). The residual architecture wᵀ(x + V f_θ(x)) is trained the same way for contrast (the theorem does not cover it; no violations are counted for it). Negative values: better than the best linear predictor.").AppendLine();
        md.AppendLine("| architecture | T | runs | η | mean best F − min F_lin | max | mean over evaluated iterates | bound | violations |");
        md.AppendLine("|:--|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Architecture} | {x.T} | {x.Repeats} | {TableFiles.Show(x.Eta)} | {TableFiles.Show(x.MeanBestExcess)} | {TableFiles.Show(x.MaxBestExcess)} | {TableFiles.Show(x.MeanEvaluatedExcess)} | {TableFiles.Show(x.Bound)} | {x.Violations} |");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, ShamirSgdResult result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} runs");
        output.WriteLine($"{"arch",-9} {"T",9} {"mean best excess",17} {"max",11} {"bound",11}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Architecture,-9} {x.T,9} {TableFiles.Show(x.MeanBestExcess),17} {TableFiles.Show(x.MaxBestExcess),11} {TableFiles.Show(x.Bound),11}");
    }

    /// <summary>sgd.png/.svg: best F − min F_lin against log10 T for each architecture, with the explicit bound (dashed).</summary>
    private static IEnumerable<string> Figure(ShamirSgdResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Architecture))
        {
            var rows = group.OrderBy(r => r.T).ToList();
            var (x, y) = Figures.Finite(rows.Select(r => Math.Log10(r.T)).ToArray(), rows.Select(r => r.MeanBestExcess).ToArray(), group.Key, notes);
            if (x.Length == 0) continue;
            var s = plot.Add.Scatter(x, y, plot.Add.Palette.GetColor(colour++));
            s.LegendText = group.Key == "skip" ? "wᵀx + vᵀf_θ(x) (Theorem 4)" : "wᵀ(x + V f_θ(x)) (contrast)";
            s.MarkerSize = 8; s.LineWidth = 2;
        }
        var bound = result.Rows.Where(r => r.Architecture == "skip").OrderBy(r => r.T).ToList();
        if (bound.Count > 0)
        {
            var b = plot.Add.Scatter(bound.Select(r => Math.Log10(r.T)).ToArray(), bound.Select(r => Math.Min(r.Bound, 1.0)).ToArray(), Colors.Black);
            b.LinePattern = LinePattern.Dashed; b.MarkerSize = 0; b.LegendText = "explicit bound (clipped at 1)";
        }
        var zero = plot.Add.HorizontalLine(0);
        zero.LineColor = Colors.Gray; zero.LinePattern = LinePattern.Dotted;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
        plot.Title($"Projected SGD: best iterate's F − min F_lin vs T ({Losses.Word(result.Config.Loss)} loss)");
        plot.XLabel("T (iterations)");
        plot.YLabel("F − min_{‖u‖≤b} F_lin(u)");
        plot.ShowLegend(Alignment.UpperRight);
        return Figures.Save(plot, folder, "sgd");
    }
}
