using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Settings;
using FastRes.Experiments.Hessian;
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
    public override IReadOnlyList<FlagSetting<InitialConditionConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads", "shard"];
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
            new("shard", "i/N", "Run shard i (0-based) of N of the run indices, at every (net, depth); merge combines shards (default 0/1)",
                (c, t) => c with { Shard = Packs.ShardKind.Parse("shard", t!) }),
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
        ["shard"] = c.Shard.ToString(),
    };

    protected override long? TotalTrials(InitialConditionConfig config) => InitialCondition.TotalSteps(config);

    protected override InitialConditionResult Execute(InitialConditionConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => InitialCondition.Run(config, _data.Get(config.Data, config.Width, config.Seed), progress, cancellationToken);

    // ---- scale-out (SPEC §7): shards slice the run indices; a checkpoint block is one finished (net, depth, run) ----

    public override string SlicedSetting => "runs";

    public override ShardSlice? SliceOf(InitialConditionConfig c)
    {
        var (start, end) = c.RunRange;
        return new ShardSlice(c.Shard.Index, c.Shard.Count, start, end);
    }

    protected override (string Shard, int BlockTrials)? CheckpointLayout(InitialConditionConfig c) => (c.Shard.ToString(), 1);

    protected override InitialConditionResult Execute(InitialConditionConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => InitialCondition.Run(config, _data.Get(config.Data, config.Width, config.Seed), progress, cancellationToken, journal);

    public override bool CanMerge => true;
    protected override InitialConditionConfig WholeRun(InitialConditionConfig c) => c with { Shard = Shard.Whole, Threads = Defaults.Threads };

    /// <summary>
    /// Concatenates each (net, depth) row's per-run values over the shards in slice order (= run order) and
    /// summarizes them as a run does, so the merged rows equal a single run's bit for bit. Shard files whose rows,
    /// runs or summaries do not match their per-run values are refused as corrupt.
    /// </summary>
    protected override InitialConditionResult MergeShards(InitialConditionConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var ordered = shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index).ToList();
        List<(string Net, int Depth, int Params)>? keys = null;
        List<List<InitialConditionRunValue>> values = [];
        string? source = null;
        double seconds = 0;
        foreach (var shard in ordered)
        {
            BadInputException Corrupt(string what) => new("merge", $"{shard.ResultsPath} is corrupt: {what}");
            var root = shard.Results;
            if (!root.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array) throw Corrupt("no \"rows\" array");
            string shardSource = root.TryGetProperty("data_source", out var ds) && ds.ValueKind == JsonValueKind.String ? ds.GetString()! : throw Corrupt("no \"data_source\"");
            if (source is not null && shardSource != source) throw new BadInputException("merge", $"{shard.Dir} used data {shardSource}, another shard {source}");
            source = shardSource;
            if (root.TryGetProperty("seconds", out var sec) && sec.TryGetDouble(out double s)) seconds += s;
            var shardKeys = new List<(string, int, int)>();
            int r = 0;
            foreach (var row in rows.EnumerateArray())
            {
                try
                {
                    var key = (row.GetProperty("net").GetString()!, row.GetProperty("depth").GetInt32(), row.GetProperty("params").GetInt32());
                    shardKeys.Add(key);
                    if (keys is not null && (r >= keys.Count || keys[r] != key)) throw Corrupt($"row {r} is {key}, other shards have {(r < keys.Count ? keys[r].ToString() : "no such row")}");
                    if (keys is null) values.Add([]);
                    var runs = new List<InitialConditionRunValue>();
                    foreach (var v in row.GetProperty("per_run").EnumerateArray())
                    {
                        var kappa = v.GetProperty("kappa");
                        runs.Add(new(v.GetProperty("run").GetInt32(), kappa.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : kappa.GetDouble(),
                                     v.GetProperty("index").GetDouble()));
                    }
                    if (!runs.Select(x => (long)x.Run).SequenceEqual(Range(shard.Slice)))
                        throw Corrupt($"row {r} ({key.Item1} depth {key.Item2}) does not hold exactly the runs [{shard.Slice.TrialStart}, {shard.Slice.TrialEnd}) of its slice");
                    var own = InitialCondition.Summarize(key.Item1, key.Item2, key.Item3, runs);
                    if (row.GetProperty("runs").GetInt32() != own.Runs || row.GetProperty("infinite_kappa_runs").GetInt32() != own.InfiniteKappaRuns
                        || !SameNumber(row.GetProperty("kappa_mean"), own.KappaMean) || !SameNumber(row.GetProperty("kappa_std"), own.KappaStd)
                        || !SameNumber(row.GetProperty("index_mean"), own.IndexMean))
                        throw Corrupt($"row {r} ({key.Item1} depth {key.Item2}): its summary and per-run values do not add up");
                    values[r].AddRange(runs);
                }
                catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    throw Corrupt($"row {r} lacks net, depth, params, runs or per_run values");
                }
                r++;
            }
            if (keys is not null && shardKeys.Count != keys.Count) throw Corrupt($"{shardKeys.Count} rows, other shards have {keys.Count}");
            keys ??= shardKeys;
        }
        var merged = keys!.Select((k, i) => InitialCondition.Summarize(k.Net, k.Depth, k.Params, values[i])).ToList();
        return new InitialConditionResult(whole, source!, merged, seconds, values);
    }

    private static IEnumerable<long> Range(ShardSlice slice) { for (long i = slice.TrialStart; i < slice.TrialEnd; i++) yield return i; }

    private static bool SameNumber(JsonElement e, double value)
        => e.ValueKind == JsonValueKind.Null ? !double.IsFinite(value) : e.TryGetDouble(out double d) && d.Equals(value);

    private static List<IReadOnlyList<(string, object?)>> Rows(InitialConditionResult r) => r.Rows.Select(x => (IReadOnlyList<(string, object?)>)
    [
        ("net", x.Net), ("depth", x.Depth), ("params", x.Params), ("kappa_mean", x.KappaMean), ("kappa_std", x.KappaStd),
        ("index_mean", x.IndexMean), ("runs", x.Runs), ("infinite_kappa_runs", x.InfiniteKappaRuns),
    ]).ToList();

    /// <summary>results.json rows: the table's fields plus "per_run": [{"run", "kappa" (null = ∞), "index"}], what merge recomputes from.</summary>
    private static List<IReadOnlyList<(string, object?)>> JsonRows(InitialConditionResult r) => Rows(r).Select((row, i) => (IReadOnlyList<(string, object?)>)
    [
        .. row,
        ("per_run", new JsonArray(r.RunValues[i].Select(v => (JsonNode)new JsonObject
        {
            ["run"] = v.Run,
            ["kappa"] = double.IsFinite(v.Kappa) ? v.Kappa : null,
            ["index"] = v.Index,
        }).ToArray())),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, InitialConditionResult result)
    {
        TableFiles.WriteJson(header, result.Seconds, [("data_source", result.DataSource)], JsonRows(result));
        TableFiles.WriteCsv(header, Rows(result));
        var notes = new List<string>();
        var figures = Figure(result, header.OutDir, notes).ToList();
        var md = new StringBuilder();
        md.AppendLine("# initial-condition").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, data: {result.DataSource}, {result.Seconds:F1} s.").AppendLine();
        var (first, end) = result.Config.RunRange;
        string over = result.Config.Shard == Shard.Whole ? $"{result.Config.Runs} runs" : $"runs [{first}, {end}) of {result.Config.Runs} (shard {result.Config.Shard}; merge the shards for the whole run)";
        md.AppendLine($"κ = max|λ| / |λ|_(0.1) of the exact Hessian at initialization, mean ± std over {over} (linear networks; Li et al. Figure 4).").AppendLine();
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
