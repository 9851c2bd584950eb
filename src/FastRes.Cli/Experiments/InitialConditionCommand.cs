using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run initial-condition</c> (SPEC §2.6, Li et al. Figure 4): κ of the exact Hessian at initialization vs
/// depth for xavier / orthogonal plain linear networks and 1-, 2-, 3-shortcut linear networks with small init.
/// Figure: κ vs depth on log axes, mean ± std over runs.
/// </summary>
public sealed class InitialConditionCommand : ExperimentBinding<InitialConditionConfig, InitialConditionResult>
{
    private readonly DataCache _data = new();

    public override string Name => "initial-condition";
    public override string Description => "κ of the Hessian at initialization vs depth, plain vs shortcut linear nets (Li et al. Fig. 4)";
    public override InitialConditionConfig Defaults { get; } = new();
    public override IReadOnlyList<Setting<InitialConditionConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads"];
    protected override string ProgressUnit => "Hessians";

    public InitialConditionCommand()
    {
        var d = Defaults;
        Settings =
        [
            new("data", "DIR|digits:FILE", DataCache.Help, (c, t) => c with { Data = t }, Nullable: true),
            new("depths", "LIST", $"Network depths (default {string.Join(",", d.Depths)})", (c, t) => c with { Depths = Values.IntList("depths", t) }),
            new("nets", "LIST", "Comma list of xavier, orthogonal, shortcut1, shortcut2, shortcut3 (default all)",
                (c, t) => c with { Nets = Values.List("nets", t, ParseNet, distinct: true) }),
            new("runs", "N", $"Initializations per (net, depth) (default {d.Runs})", (c, t) => c with { Runs = Values.Int("runs", t) }),
            new("seed", "N", $"Seed of the initializations and the synthetic data (default {d.Seed})", (c, t) => c with { Seed = Values.ULong("seed", t) }),
            new("width", "D", $"Layer width d = PCA dimension (default {d.Width})", (c, t) => c with { Width = Values.Int("width", t) }),
            new("threads", "N", "Threads, 0 = all cores (default 0); never changes results", (c, t) => c with { Threads = Values.Int("threads", t) }),
        ];
    }

    private static InitialConditionNet ParseNet(string text) => InitialConditionNets.TryParse(text, out var n) ? n
        : throw new BadInputException("--nets", $"every value must be one of xavier, orthogonal, shortcut1, shortcut2, shortcut3 (got \"{text}\")");

    public override IReadOnlyList<ConfigError> Validate(InitialConditionConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count == 0) _data.TryLoad(config.Data, config.Width, config.Seed, errors);
        return errors;
    }

    public override JsonObject ConfigJson(InitialConditionConfig c) => new()
    {
        ["data"] = c.Data,
        ["depths"] = new JsonArray(c.Depths.Select(n => (JsonNode)n).ToArray()),
        ["nets"] = new JsonArray(c.Nets.Select(n => (JsonNode)n.Name()).ToArray()),
        ["runs"] = c.Runs,
        ["seed"] = c.Seed,
        ["width"] = c.Width,
        ["threads"] = c.Threads,
    };

    protected override long? TotalTrials(InitialConditionConfig config) => InitialCondition.TotalSteps(config);

    protected override InitialConditionResult Execute(InitialConditionConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => InitialCondition.Run(config, _data.Get(config.Data, config.Width, config.Seed), progress, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> Rows(InitialConditionResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("net", x.Net), ("depth", x.Depth), ("params", x.Params), ("kappa_mean", x.KappaMean), ("kappa_std", x.KappaStd),
        ("index_mean", x.IndexMean), ("runs", x.Runs), ("infinite_kappa_runs", x.InfiniteKappaRuns),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, InitialConditionResult result)
    {
        var rows = Rows(result);
        TableFiles.WriteJson(header, result.Seconds, [("data_source", result.DataSource)], rows);
        TableFiles.WriteCsv(header, rows);
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        var md = new StringBuilder();
        md.AppendLine("# initial-condition").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {result.DataSource}, {result.Seconds:F1} s.").AppendLine();
        md.AppendLine($"κ = max|λ| / |λ|_(0.1) of the exact Hessian at initialization, mean ± std over {result.Config.Runs} runs (linear networks; Li et al. Figure 4).").AppendLine();
        md.AppendLine("| net | depth | params | κ mean | κ std | index mean | runs |");
        md.AppendLine("|:--|---:|---:|---:|---:|---:|---:|");
        foreach (var x in result.Rows)
            md.AppendLine($"| {x.Net} | {x.Depth} | {x.Params} | {TableFiles.Show(x.KappaMean)} | {TableFiles.Show(x.KappaStd)} | {TableFiles.Show(x.IndexMean)} | {x.Runs} |");
        foreach (var x in result.Rows.Where(r => r.InfiniteKappaRuns > 0))
            notes.Add($"{x.Net} depth {x.Depth}: κ infinite (|λ|_(0.1) = 0) in {x.InfiniteKappaRuns} of {x.Runs} runs, left out of the mean");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        foreach (var n in notes) md.AppendLine().AppendLine("note: " + n);
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, InitialConditionResult result)
    {
        output.WriteLine($"{"net",-11} {"depth",6} {"params",7} {"kappa mean",11} {"kappa std",11}");
        foreach (var x in result.Rows)
            output.WriteLine($"{x.Net,-11} {x.Depth,6} {x.Params,7} {TableFiles.Show(x.KappaMean),11} {TableFiles.Show(x.KappaStd),11}");
    }

    private static IEnumerable<string> Figure(InitialConditionResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.Net))
        {
            var rows = group.Where(r => double.IsFinite(r.KappaMean) && r.KappaMean > 0).OrderBy(r => r.Depth).ToList();
            if (rows.Count < group.Count()) notes.Add($"{group.Key}: {group.Count() - rows.Count} depth(s) without a finite κ left out of the figure");
            if (rows.Count == 0) continue;
            var color = plot.Add.Palette.GetColor(colour++);
            double[] x = rows.Select(r => Math.Log2(r.Depth)).ToArray();
            double[] y = rows.Select(r => Math.Log10(r.KappaMean)).ToArray();
            var line = plot.Add.Scatter(x, y, color);
            line.LegendText = group.Key; line.LineWidth = 2; line.MarkerSize = 7;
            // ±1 std drawn on the log axis: log10(mean ± std), the lower end clipped where mean − std ≤ 0.
            var bars = plot.Add.ErrorBar(x, y, rows.Select(_ => 0.0).ToArray());
            bars.YErrorPositive = rows.Select(r => double.IsFinite(r.KappaStd) ? Math.Log10(r.KappaMean + r.KappaStd) - Math.Log10(r.KappaMean) : 0).ToArray();
            bars.YErrorNegative = rows.Select(r => double.IsFinite(r.KappaStd) && r.KappaMean - r.KappaStd > 0
                ? Math.Log10(r.KappaMean) - Math.Log10(r.KappaMean - r.KappaStd) : 0).ToArray();
            bars.Color = color; bars.CapSize = 5;
        }
        HessianAtZeroCommand.LogTicks(plot);
        plot.Title($"κ of the Hessian at initialization vs depth ({DataCache.ShortName(result.DataSource)}, mean ± std of {result.Config.Runs} runs)");
        plot.XLabel("depth");
        plot.YLabel("κ = max|λ| / |λ|₍₀.₁₎");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "kappa_vs_depth");
    }
}
