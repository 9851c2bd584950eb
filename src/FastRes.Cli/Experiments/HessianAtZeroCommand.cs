using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Hessian;
using FastRes.Kernels.Networks;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run hessian-at-zero</c> (SPEC §2.6): the exact Hessian at w = 0 of 1-, 2-, 3-shortcut networks beside
/// Theorem 2's prediction. Figures: κ vs depth (measured, and predicted for n = 2); the n = 2 spectrum at the largest
/// depth, measured vs predicted.
/// </summary>
public sealed class HessianAtZeroCommand : ExperimentBinding<HessianAtZeroConfig, HessianAtZeroResult>
{
    private static readonly (string, Activation)[] ActivationWords = [("identity", Activation.Identity), ("tanh", Activation.Tanh)];
    private readonly DataCache _data = new();

    public override string Name => "hessian-at-zero";
    public override string Description => "Exact Hessian at w = 0 of n-shortcut networks vs Theorem 2 (Li et al., Demystifying ResNet)";
    public override HessianAtZeroConfig Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<HessianAtZeroConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];
    protected override string ProgressUnit => "Hessians";

    public HessianAtZeroCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("data", "DIR|digits:FILE", DataCache.Help, (c, t) => c with { Data = t }, Nullable: true),
            new("shortcut", "LIST", $"Shortcut depths n (default {string.Join(",", d.Shortcut)})", (c, t) => c with { Shortcut = Values.IntList("shortcut", t) }),
            new("depths", "LIST", $"Network depths; n uses R = round(depth/n) units (default {string.Join(",", d.Depths)})",
                (c, t) => c with { Depths = Values.IntList("depths", t) }),
            new("activation", "identity|tanh", "σ at the pre, mid and post positions (default identity)",
                (c, t) => c with { Activation = Values.Choice("activation", t, ActivationWords) }),
            new("width", "D", $"Layer width d = PCA dimension (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("seed", "N", $"Seed of the synthetic data (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(HessianAtZeroConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count == 0) _data.TryLoad(config.Data, config.Width, config.Seed, errors);
        return errors;
    }

    public override JsonObject ConfigJson(HessianAtZeroConfig c) => new()
    {
        ["data"] = c.Data,
        ["shortcut"] = new JsonArray(c.Shortcut.Select(n => (JsonNode)n).ToArray()),
        ["depths"] = new JsonArray(c.Depths.Select(n => (JsonNode)n).ToArray()),
        ["activation"] = c.Activation.ToString().ToLowerInvariant(),
        ["width"] = c.Width,
        ["seed"] = c.Seed,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(HessianAtZeroConfig config) => HessianAtZero.TotalSteps(config);

    protected override HessianAtZeroResult Execute(HessianAtZeroConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => HessianAtZero.Run(config, _data.Get(config.Data, config.Width, config.Seed), progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(HessianAtZeroResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("n", x.N), ("depth", x.Depth), ("activation", x.Activation), ("params", x.Params),
        ("lambda_min", x.LambdaMin), ("lambda_max", x.LambdaMax), ("abs_max", x.AbsMax), ("abs_p10", x.AbsP10),
        ("kappa", x.Kappa), ("cond", x.Cond), ("index", x.Index),
        ("predicted_lambda_min", x.PredictedLambdaMin), ("predicted_lambda_max", x.PredictedLambdaMax), ("predicted_kappa", x.PredictedKappa),
        ("max_deviation", x.MaxDeviation), ("deviation_measure", x.Deviation),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, HessianAtZeroResult result)
    {
        var rows = Rows(result);
        TableFiles.WriteJson(header, result.Seconds, [("data_source", result.DataSource)], rows);
        TableFiles.WriteCsv(header, rows);
        var notes = new List<string>();
        var figures = KappaFigure(result, header.OutDir, notes).Concat(SpectrumFigure(result, header.OutDir, notes)).ToList();
        var md = new StringBuilder();
        md.AppendLine("# hessian-at-zero").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {result.DataSource}, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine("Exact Hessian of the loss at w = 0 beside Theorem 2 of Li et al.: n ≥ 3 → H = 0; n = 2 → eigenvalues ±σ'σ'·s_i(M), each d·R times, κ depth-invariant; n = 1 → block Toeplitz (eqs. 28–32). κ = max|λ| / |λ|_(0.1); — where undefined (all-zero spectrum).").AppendLine();
        md.AppendLine("| n | depth | σ | params | λ_min | predicted | λ_max | predicted | κ | predicted | cond | index | max deviation | measured as |");
        md.AppendLine("|---:|---:|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.N} | {x.Depth} | {x.Activation} | {x.Params} | {TableFiles.Show(x.LambdaMin)} | {TableFiles.Show(x.PredictedLambdaMin)} | {TableFiles.Show(x.LambdaMax)} | {TableFiles.Show(x.PredictedLambdaMax)} | {TableFiles.Show(x.Kappa)} | {TableFiles.Show(x.PredictedKappa)} | {TableFiles.Show(x.Cond)} | {TableFiles.Show(x.Index)} | {TableFiles.Show(x.MaxDeviation)} | {x.Deviation} |");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, HessianAtZeroResult result)
    {
        output.WriteLine($"{"n",3} {"depth",6} {"params",7} {"λ_max",11} {"predicted",11} {"κ",11} {"predicted",11} {"max deviation",14}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.N,3} {x.Depth,6} {x.Params,7} {TableFiles.Show(x.LambdaMax),11} {TableFiles.Show(x.PredictedLambdaMax),11} {TableFiles.Show(x.Kappa),11} {TableFiles.Show(x.PredictedKappa),11} {TableFiles.Show(x.MaxDeviation),14}");
    }

    private static IEnumerable<string> KappaFigure(HessianAtZeroResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.N))
        {
            var rows = group.OrderBy(r => r.Depth).ToList();
            var color = plot.Add.Palette.GetColor(colour++);
            var (x, y) = Figures.Finite(rows.Select(r => Math.Log2(r.Depth)).ToArray(), rows.Select(r => Math.Log10(r.Kappa)).ToArray(),
                                        $"n = {group.Key} measured κ", notes);
            if (x.Length > 0)
            {
                var s = plot.Add.Scatter(x, y, color);
                s.LegendText = $"n = {group.Key} measured";
                s.LineWidth = 0; s.MarkerSize = 9;
            }
            var (px, py) = Figures.Finite(rows.Select(r => Math.Log2(r.Depth)).ToArray(), rows.Select(r => Math.Log10(r.PredictedKappa)).ToArray(),
                                          $"n = {group.Key} predicted κ", group.Key == 2 ? notes : []);
            if (px.Length > 0)
            {
                var s = plot.Add.Scatter(px, py, color);
                s.LegendText = $"n = {group.Key} Theorem 2";
                s.LinePattern = LinePattern.Dashed; s.MarkerSize = 0; s.LineWidth = 2;
            }
        }
        LogTicks(plot);
        plot.Title($"κ of the Hessian at w = 0 vs depth ({DataCache.ShortName(result.DataSource)})");
        plot.XLabel("depth");
        plot.YLabel("κ = max|λ| / |λ|₍₀.₁₎");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "kappa_vs_depth");
    }

    private static IEnumerable<string> SpectrumFigure(HessianAtZeroResult result, string folder, List<string> notes)
    {
        var spectrum = result.Spectra.Where(s => s.N == 2 && s.Predicted is not null).OrderBy(s => s.Depth).LastOrDefault();
        if (spectrum is null) return [];
        var plot = new Plot();
        double[] index = Enumerable.Range(0, spectrum.Measured.Length).Select(i => (double)i).ToArray();
        var measured = plot.Add.Scatter(index, spectrum.Measured);
        measured.LineWidth = 0; measured.MarkerSize = 4; measured.LegendText = "measured (exact Hessian)";
        var predicted = plot.Add.Scatter(index, spectrum.Predicted!);
        predicted.MarkerSize = 0; predicted.LineWidth = 2; predicted.LinePattern = LinePattern.Dashed;
        predicted.LegendText = "Theorem 2: ±σ'σ'·s_i(M), multiplicity d·R";
        plot.Title($"n = 2, depth {spectrum.Depth}: sorted eigenvalues of the Hessian at w = 0");
        plot.XLabel("eigenvalue index (ascending)");
        plot.YLabel("λ");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "spectrum_n2");
    }

    /// <summary>x = log2(depth), y = log10(κ): label them as depths and powers of ten.</summary>
    internal static void LogTicks(Plot plot)
    {
        Figures.Log2DepthAxis(plot);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => $"1e{y:0}",
        };
    }
}
