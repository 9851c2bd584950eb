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
/// <c>fastres run shamir-lemma1</c>: Lemma 1 and Theorem 1 of Shamir 2018 checked at random and GD-trained (w, V, θ)
/// for squared and logistic losses, ReLU and tanh f_θ. Figure: both inequalities as scatter plots against y = x.
/// </summary>
public sealed class ShamirLemma1Command : ExperimentBinding<ShamirLemma1Config, ShamirLemma1Result>
{

    public override string Name => "shamir-lemma1";
    public override string Description => "Lemma 1 and Theorem 1 of Shamir 2018: ⟨G, ∇F_θ⟩ ≥ F − F_lin(w*) and the gradient lower bound, at random and trained points";
    public override ShamirLemma1Config Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<ShamirLemma1Config>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];
    private readonly ShamirDigitsCache _digits = new();

    public ShamirLemma1Command()
    {
        var d = Defaults;
        Settings =
        [
            .. ShamirModelSettings.Head<ShamirLemma1Config>(Model(d), Model, With),
            new("points", "N", $"Random (w, V, θ) per loss and activation (default {d.Points})", (c, t) => c with { Points = Values.Int("points", t) }),
            new("random-wstar", "N", $"Random w* per point besides F_lin's minimizer (default {d.RandomWStar})", (c, t) => c with { RandomWStar = Values.Int("random-wstar", t) }),
            new("checkpoints", "LIST", $"GD steps on (w, V) after which to check again (default {string.Join(",", d.Checkpoints)})",
                (c, t) => c with { Checkpoints = Values.IntList("checkpoints", t) }),
            new("tolerance", "X", $"Relative tolerance of a violation (default {Values.Format(d.Tolerance)})", (c, t) => c with { Tolerance = Values.Double("tolerance", t) }),
            .. ShamirModelSettings.Tail<ShamirLemma1Config>(Model(d), Model, With),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShamirLemma1Config config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count > 0) return errors;
        var digits = _digits.TryLoad(config.Data, config.Dimension, errors);
        if (digits is not null)
        {
            try { ShamirLemma1.CheckData(config, digits); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { errors.Add(new ConfigError("data", e.Message)); }
        }
        return errors;
    }

    public override JsonObject ConfigJson(ShamirLemma1Config c) => ShamirModelSettings.AddJson(new()
    {
        ["points"] = c.Points,
        ["random-wstar"] = c.RandomWStar,
        ["checkpoints"] = new JsonArray(c.Checkpoints.Select(n => (JsonNode)n).ToArray()),
        ["tolerance"] = c.Tolerance,
    }, Model(c));

    /// <summary>The shared model and data options of <paramref name="c"/> (<see cref="ShamirModelSettings"/>).</summary>
    private static ShamirModelOptions Model(ShamirLemma1Config c) => new(c.Losses, c.Activations, c.Dimension, c.Width, c.Hidden, c.Layers, c.Samples,
                                                         c.LabelNoise, c.Seed, c.Threads, c.Data, c.Digits);

    private static ShamirLemma1Config With(ShamirLemma1Config c, ShamirModelOptions m) => c with
    {
        Losses = m.Losses, Activations = m.Activations, Dimension = m.Dimension, Width = m.Width, Hidden = m.Hidden,
        Layers = m.Layers, Samples = m.Samples, LabelNoise = m.LabelNoise, Seed = m.Seed, Threads = m.Threads, Data = m.Data,
        Digits = m.Digits,
    };

    protected override long? TotalTrials(ShamirLemma1Config config) => ShamirLemma1.TotalSteps(config);

    protected override ShamirLemma1Result Execute(ShamirLemma1Config config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShamirLemma1.Run(config, _digits.Get(config.Data, config.Dimension), progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(ShamirLemma1Result r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("loss", x.Loss), ("activation", x.Activation), ("gd_steps", x.Checkpoint), ("cases", x.Cases), ("nontrivial", x.Nontrivial),
        ("lemma1_violations", x.LemmaViolations), ("theorem1_violations", x.Theorem1Violations),
        ("min_lemma1_slack", x.MinLemmaSlack), ("min_lemma1_ratio", x.MinLemmaRatio),
        ("min_theorem1_slack", x.MinTheorem1Slack), ("min_theorem1_ratio", x.MinTheorem1Ratio),
        ("max_identity_deviation", x.MaxIdentityDeviation), ("median_gradient_norm", x.MedianGradientNorm),
        ("max_f_minus_min_flin", x.MaxExcessOverLinear), ("min_flin", x.FLinMin),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShamirLemma1Result result)
    {
        var rows = Rows(result);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("lemma1_violations", result.Rows.Sum(r => r.LemmaViolations)), ("theorem1_violations", result.Rows.Sum(r => r.Theorem1Violations))],
            [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        var md = new StringBuilder();
        md.AppendLine("# shamir-lemma1").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {DataLabel(result.Config.Data, result.Config.Digits)}, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} cases** " +
                      $"(Lemma 1: {result.Rows.Sum(r => r.LemmaViolations)}, Theorem 1: {result.Rows.Sum(r => r.Theorem1Violations)}; each case checks both).").AppendLine();
        md.AppendLine("Lemma 1: ⟨vec G, ∇F_θ(w, V)⟩ ≥ F(w, V, θ) − F_lin(w*), G = (w − w*; w(w*)ᵀV/‖w‖²). Theorem 1: ‖∇F_θ(w, V)‖ ≥ (F − F_lin(w*)) / √(2‖w‖² + ‖w*‖²(2 + ‖V‖²/‖w‖²)). " +
                      $"Points: ‖w‖, ‖V‖_F log-uniform in [0.01, 10], random f_θ ({result.Config.Layers} hidden layers of {result.Config.Hidden}, k = {result.Config.Width}), d = {result.Config.Dimension}, n = {result.Config.Samples}; " +
                      $"each checked at the random start and after backtracking GD on (w, V) (θ frozen); w* = F_lin's exact minimizer and {result.Config.RandomWStar} random vectors. " +
                      "Ratios (≥ 1 = holds) are over the nontrivial cases F > F_lin(w*); identity = |⟨vec G, ∇F⟩ − E[ℓ'(p)(p − w*ᵀx)]| relative.").AppendLine();
        md.AppendLine("| loss | σ | GD steps | cases | nontrivial | Lemma 1 viol. | min Lemma 1 slack | min ratio | Thm 1 viol. | min Thm 1 slack | min ratio | identity dev. | median ‖∇F‖ | max F − min F_lin |");
        md.AppendLine("|:--|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Loss} | {x.Activation} | {x.Checkpoint} | {x.Cases} | {x.Nontrivial} | {x.LemmaViolations} | {TableFiles.Show(x.MinLemmaSlack)} | {TableFiles.Show(x.MinLemmaRatio)} | {x.Theorem1Violations} | {TableFiles.Show(x.MinTheorem1Slack)} | {TableFiles.Show(x.MinTheorem1Ratio)} | {TableFiles.Show(x.MaxIdentityDeviation)} | {TableFiles.Show(x.MedianGradientNorm)} | {TableFiles.Show(x.MaxExcessOverLinear)} |");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    internal static string DataLabel(string? data, int[] digits)
        => string.IsNullOrWhiteSpace(data) ? "synthetic (Gaussian x, nonlinear teacher)" : $"{data}, digit {digits[0]} (y = +1) vs {digits[1]} (y = −1)";

    protected override void PrintSummary(TextWriter output, ShamirLemma1Result result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} cases");
        output.WriteLine($"{"loss",-9} {"σ",-5} {"steps",6} {"L1 viol",8} {"L1 ratio",10} {"T1 viol",8} {"T1 ratio",10} {"median ‖∇F‖",12}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Loss,-9} {x.Activation,-5} {x.Checkpoint,6} {x.LemmaViolations,8} {TableFiles.Show(x.MinLemmaRatio),10} {x.Theorem1Violations,8} {TableFiles.Show(x.MinTheorem1Ratio),10} {TableFiles.Show(x.MedianGradientNorm),12}");
    }

    /// <summary>lemma1.png/.svg: log–log scatter of each inequality's two sides over the nontrivial cases, y = x dashed (holds above it).</summary>
    private static IEnumerable<string> Figure(ShamirLemma1Result result, string folder, List<string> notes)
    {
        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        (string Title, string X, string Y, Func<Lemma1Case, double> Lhs, Func<Lemma1Case, double> Rhs)[] panels =
        [
            ("Lemma 1", "log10(F − F_lin(w*))", "log10⟨vec G, ∇F_θ⟩", c => c.Inner, c => c.Gap),
            ("Theorem 1", "log10(bound)", "log10‖∇F_θ(w, V)‖", c => c.GradientNorm, c => c.Theorem1Bound),
        ];
        var checkpoints = result.Cases.Select(c => c.Checkpoint).Distinct().Order().ToArray();
        for (int p = 0; p < panels.Length; p++)
        {
            var (title, xLabel, yLabel, lhs, rhs) = panels[p];
            var plot = figure.GetPlot(p);
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            for (int c = 0; c < checkpoints.Length; c++)
            {
                var cases = result.Cases.Where(x => x.Checkpoint == checkpoints[c] && x.Gap > 0).ToList();
                var (xs, ys) = Figures.Finite(cases.Select(x => Math.Log10(rhs(x))).ToArray(), cases.Select(x => Math.Log10(lhs(x))).ToArray(),
                    $"{title}, {checkpoints[c]} GD steps", notes);
                if (xs.Length == 0) continue;
                var m = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 4, plot.Add.Palette.GetColor(c));
                m.LegendText = $"{checkpoints[c]} GD steps";
                lo = Math.Min(lo, Math.Min(xs.Min(), ys.Min()));
                hi = Math.Max(hi, Math.Max(xs.Max(), ys.Max()));
            }
            if (double.IsFinite(lo))
            {
                var line = plot.Add.Line(lo, lo, hi, hi);
                line.LineColor = Colors.Black; line.LinePattern = LinePattern.Dashed; line.LegendText = "y = x";
            }
            plot.Title($"{title}: holds above the dashed line");
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            plot.ShowLegend(Alignment.UpperLeft);
        }
        return Figures.Save(figure, folder, "lemma1", 1500, 650);
    }
}
