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
/// <c>fastres run shamir-theorem2</c>: Theorem 2 of Shamir 2018 at w = 0 with the exact Hessian in (w, V): λ_min ≤ 0 and
/// the bound of F(0, V, θ) − F_lin(w*) by the gradient and |λ_min|. Figure: both as scatter plots against y = x.
/// </summary>
public sealed class ShamirTheorem2Command : ExperimentBinding<ShamirTheorem2Config, ShamirTheorem2Result>
{

    public override string Name => "shamir-theorem2";
    public override string Description => "Theorem 2 of Shamir 2018: at w = 0 the exact Hessian in (w, V) has λ_min ≤ 0, and F(0, V, θ) − F_lin(w*) is bounded by ‖∇F‖ and |λ_min|";
    public override ShamirTheorem2Config Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<ShamirTheorem2Config>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];
    private readonly ShamirDigitsCache _digits = new();

    public ShamirTheorem2Command()
    {
        var d = Defaults;
        Settings =
        [
            .. ShamirModelSettings.Head<ShamirTheorem2Config>(Model(d), Model, With),
            new("points", "N", $"Random (V, θ) per loss and activation (default {d.Points})", (c, t) => c with { Points = Values.Int("points", t) }),
            new("random-wstar", "N", $"Random w* per point besides F_lin's minimizer (default {d.RandomWStar})", (c, t) => c with { RandomWStar = Values.Int("random-wstar", t) }),
            new("tolerance", "X", $"Relative tolerance of a violation (default {Values.Format(d.Tolerance)})", (c, t) => c with { Tolerance = Values.Double("tolerance", t) }),
            .. ShamirModelSettings.Tail<ShamirTheorem2Config>(Model(d), Model, With),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShamirTheorem2Config config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count > 0) return errors;
        var digits = _digits.TryLoad(config.Data, config.Dimension, errors);
        if (digits is not null)
        {
            try { ShamirTheorem2.CheckData(config, digits); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { errors.Add(new ConfigError("data", e.Message)); }
        }
        return errors;
    }

    public override JsonObject ConfigJson(ShamirTheorem2Config c) => ShamirModelSettings.AddJson(new()
    {
        ["points"] = c.Points,
        ["random-wstar"] = c.RandomWStar,
        ["tolerance"] = c.Tolerance,
    }, Model(c));

    /// <summary>The shared model and data options of <paramref name="c"/> (<see cref="ShamirModelSettings"/>).</summary>
    private static ShamirModelOptions Model(ShamirTheorem2Config c) => new(c.Losses, c.Activations, c.Dimension, c.Width, c.Hidden, c.Layers, c.Samples,
                                                         c.LabelNoise, c.Seed, c.Threads, c.Data, c.Digits);

    private static ShamirTheorem2Config With(ShamirTheorem2Config c, ShamirModelOptions m) => c with
    {
        Losses = m.Losses, Activations = m.Activations, Dimension = m.Dimension, Width = m.Width, Hidden = m.Hidden,
        Layers = m.Layers, Samples = m.Samples, LabelNoise = m.LabelNoise, Seed = m.Seed, Threads = m.Threads, Data = m.Data,
        Digits = m.Digits,
    };

    protected override long? TotalTrials(ShamirTheorem2Config config) => ShamirTheorem2.TotalSteps(config);

    protected override ShamirTheorem2Result Execute(ShamirTheorem2Config config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShamirTheorem2.Run(config, _digits.Get(config.Data, config.Dimension), progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(ShamirTheorem2Result r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("loss", x.Loss), ("activation", x.Activation), ("points", x.Points), ("cases", x.Cases), ("nontrivial", x.Nontrivial),
        ("lambda_min_sign_violations", x.SignViolations), ("inequality_violations", x.InequalityViolations),
        ("max_lambda_min", x.MaxLambdaMin), ("min_lambda_min", x.MinLambdaMin), ("max_lambda_min_minus_block_bound", x.MaxSharperBoundExcess),
        ("min_inequality_slack", x.MinSlack), ("min_inequality_ratio", x.MinRatio), ("max_abs_hessian_vv", x.MaxHvvAbs),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShamirTheorem2Result result)
    {
        var rows = Rows(result);
        VerdictFiles.WriteJson(header, result.Seconds, result.CaseCount, result.Violations,
            [("lambda_min_sign_violations", result.Rows.Sum(r => r.SignViolations)), ("inequality_violations", result.Rows.Sum(r => r.InequalityViolations))],
            [("rows", rows)]);
        TableFiles.WriteCsv(header, rows);
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        var md = new StringBuilder();
        md.AppendLine("# shamir-theorem2").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {DataLabel(result.Config.Data, result.Config.Digits)}, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.CaseCount} cases** (λ_min ≤ 0: {result.Rows.Sum(r => r.SignViolations)} of {result.Rows.Sum(r => r.Points)} points; " +
                      $"inequality: {result.Rows.Sum(r => r.InequalityViolations)} of {result.Rows.Sum(r => r.Cases)} (point, w*) pairs).").AppendLine();
        md.AppendLine("At w = 0 with the exact Hessian H of F_θ in (w, V) (analytic, checked against differences in the tests): (i) λ_min(H) ≤ 0; " +
                      "(ii) ‖w*‖(‖∇F_θ(0, V)‖ + ‖V‖·√(|λ_min|·‖∂²F_θ/∂w²‖ + λ_min²)) ≥ F(0, V, θ) − F_lin(w*). The extracted paper text garbles (ii)'s layout; this is the form its pieces and the proof idea give. " +
                      "Also shown: λ_min minus the bound −(√(‖H_ww‖² + 4‖E[ℓ'(0)f]‖²) − ‖H_ww‖)/2 from the block [[H_ww, I⊗E[ℓ'f]ᵀ], [·, 0]] (≤ 0 expected; not counted), and max |H_VV| (exactly 0 at w = 0).").AppendLine();
        md.AppendLine("| loss | σ | points | cases | nontrivial | λ_min > 0 | ineq. viol. | max λ_min | min λ_min | max λ_min − block bound | min slack | min ratio | max abs H_VV |");
        md.AppendLine("|:--|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Loss} | {x.Activation} | {x.Points} | {x.Cases} | {x.Nontrivial} | {x.SignViolations} | {x.InequalityViolations} | {TableFiles.Show(x.MaxLambdaMin)} | {TableFiles.Show(x.MinLambdaMin)} | {TableFiles.Show(x.MaxSharperBoundExcess)} | {TableFiles.Show(x.MinSlack)} | {TableFiles.Show(x.MinRatio)} | {TableFiles.Show(x.MaxHvvAbs)} |");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    internal static string DataLabel(string? data, int[] digits)
        => string.IsNullOrWhiteSpace(data) ? "synthetic (Gaussian x, nonlinear teacher)" : $"{data}, digit {digits[0]} (y = +1) vs {digits[1]} (y = −1)";

    protected override void PrintSummary(TextWriter output, ShamirTheorem2Result result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.CaseCount} cases");
        output.WriteLine($"{"loss",-9} {"σ",-5} {"λ>0",5} {"viol",5} {"max λ_min",11} {"min ratio",10}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Loss,-9} {x.Activation,-5} {x.SignViolations,5} {x.InequalityViolations,5} {TableFiles.Show(x.MaxLambdaMin),11} {TableFiles.Show(x.MinRatio),10}");
    }

    /// <summary>theorem2.png/.svg: −λ_min against the block bound, and the inequality's two sides, log–log with y = x dashed (holds above it).</summary>
    private static IEnumerable<string> Figure(ShamirTheorem2Result result, string folder, List<string> notes)
    {
        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var points = result.Cases.Where(c => c.OptimalWStar).ToList(); // one per point
        var nontrivial = result.Cases.Where(c => c.Gap > 0).ToList();
        (string Title, string X, string Y, double[] Xs, double[] Ys)[] panels =
        [
            ("(i) λ_min ≤ 0", "log10 of the block bound (√(‖H_ww‖² + 4‖b‖²) − ‖H_ww‖)/2", "log10(−λ_min)",
                points.Select(c => Math.Log10(-c.SharperBound)).ToArray(), points.Select(c => Math.Log10(-c.LambdaMin)).ToArray()),
            ("(ii) F(0, V, θ) − F_lin(w*) bound", "log10(F(0, V, θ) − F_lin(w*))", "log10 of the left-hand side",
                nontrivial.Select(c => Math.Log10(c.Gap)).ToArray(), nontrivial.Select(c => Math.Log10(c.Lhs)).ToArray()),
        ];
        for (int p = 0; p < panels.Length; p++)
        {
            var (title, xLabel, yLabel, xsAll, ysAll) = panels[p];
            var plot = figure.GetPlot(p);
            var (xs, ys) = Figures.Finite(xsAll, ysAll, title, notes);
            if (xs.Length > 0)
            {
                var m = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 5, plot.Add.Palette.GetColor(p));
                m.LegendText = p == 0 ? "points (w = 0)" : "(point, w*) with F > F_lin(w*)";
                double lo = Math.Min(xs.Min(), ys.Min()), hi = Math.Max(xs.Max(), ys.Max());
                var line = plot.Add.Line(lo, lo, hi, hi);
                line.LineColor = Colors.Black; line.LinePattern = LinePattern.Dashed; line.LegendText = "y = x";
            }
            plot.Title($"{title}: holds above the dashed line");
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            plot.ShowLegend(Alignment.UpperLeft);
        }
        return Figures.Save(figure, folder, "theorem2", 1500, 650);
    }
}
