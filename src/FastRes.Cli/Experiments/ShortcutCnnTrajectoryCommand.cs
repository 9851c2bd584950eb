using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn-trajectory</c> (SPEC §1.6): per-iteration traces of a few trials for each method —
/// the two-phase convergence and, with --find-trapped, a run caught in the spurious basin. Figure per method: loss
/// (log scale), φ, aᵀa* and ‖a − a*‖ vs iteration, one curve per traced trial labelled with its outcome.
/// --trials and --shard are not options here (the traced trials are --traces and --search-trials).
/// </summary>
public sealed class ShortcutCnnTrajectoryCommand : ExperimentBinding<ShortcutCnnTrajectoryConfig, ShortcutCnnTrajectoryResult>
{
    public override string Name => "shortcut-cnn-trajectory";
    public override string Description => "Loss, φ, aᵀa*, ‖a − a*‖ vs iteration for a few traced trials: two-phase convergence and the spurious trap";
    public override ShortcutCnnTrajectoryConfig Defaults { get; } = new();
    public override IReadOnlyList<Setting<ShortcutCnnTrajectoryConfig>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => ["threads", "simd"];

    public ShortcutCnnTrajectoryCommand()
    {
        var shared = ShortcutCnnSettings.For(Defaults.Shared, "trials", "shard", "block-trials")
            .Select(s => s.Lift<ShortcutCnnTrajectoryConfig>(t => t.Shared, (t, c) => t with { Shared = c }))
            .Select(s => s.Name == "k" ? s.WithDescription($"Width k ≥ 1 of the traced runs, one value (default {Defaults.Shared.K[0]})") : s);
        Settings =
        [
            .. shared,
            new("traces", "N", $"Trials 0..N−1 traced for every method (default {Defaults.Traces})", (t, x) => t with { Traces = Values.Int("traces", x) }),
            new("every", "N", $"Record every N-th iteration, and always the first and last (default {Defaults.Every})", (t, x) => t with { Every = Values.Int("every", x) }),
            new("find-trapped", "true|false", $"Also trace the first trial where resnet ends spurious while resnet-ssw succeeds (default {(Defaults.FindTrapped ? "true" : "false")})",
                (t, x) => t with { FindTrapped = Values.Bool("find-trapped", x) }),
            new("search-trials", "N", $"How many trials --find-trapped searches (default {Defaults.SearchTrials})", (t, x) => t with { SearchTrials = Values.Int("search-trials", x) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShortcutCnnTrajectoryConfig config)
    {
        var errors = config.Validate().ToList();
        // The runner traces the first k only; silently dropping the rest of a list would mislead.
        if (config.Shared.K is { Length: > 1 } k)
            errors.Insert(0, new ConfigError("k", $"traces one width; give a single value (got {string.Join(",", k)})"));
        return errors;
    }

    public override JsonObject ConfigJson(ShortcutCnnTrajectoryConfig config)
    {
        var json = ShortcutCnnSettings.ToJson(config.Shared, "trials", "shard", "block-trials");
        json["traces"] = config.Traces;
        json["every"] = config.Every;
        json["find-trapped"] = config.FindTrapped;
        json["search-trials"] = config.SearchTrials;
        return json;
    }

    protected override void AddDerived(JsonObject doc, ShortcutCnnTrajectoryConfig config) => doc["resolved_steps"] = ShortcutCnnSettings.ResolvedSteps(config.Shared);

    protected override ShortcutCnnTrajectoryResult Execute(ShortcutCnnTrajectoryConfig config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShortcutCnnTrajectories.Run(config, progress, cancellationToken);

    public static string OutcomeName(TrialOutcome outcome) => outcome.ToString().ToLowerInvariant();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShortcutCnnTrajectoryResult result)
    {
        WriteJson(header, result);
        WriteCsv(header, result);
        var notes = new List<string>();
        var figures = new List<string>();
        foreach (var group in result.Trajectories.GroupBy(t => t.Method))
            figures.AddRange(Panels(group.Key, group.ToList(), header.OutDir, notes));
        WriteSummary(header, result, figures, notes);
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, ShortcutCnnTrajectoryResult result)
    {
        output.WriteLine($"{"method",-10}  {"trial",7}  {"label",-24}  {"outcome",-9}  {"final loss",10}");
        foreach (var t in result.Trajectories)
            output.WriteLine($"{t.Method,-10}  {t.Trial,7}  {t.Label,-24}  {OutcomeName(t.Outcome),-9}  {Sci(t.Points.LastOrDefault().Loss),10}");
    }

    private static void WriteJson(RunHeader header, ShortcutCnnTrajectoryResult result)
    {
        AtomicFile.Write(header.PathOf("results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            header.WriteFields(w);
            w.WriteNumber("seconds", result.Seconds);
            w.WriteStartArray("trajectories");
            foreach (var t in result.Trajectories)
            {
                w.WriteStartObject();
                w.WriteString("method", t.Method);
                w.WriteNumber("trial", t.Trial);
                w.WriteString("label", t.Label);
                w.WriteString("outcome", OutcomeName(t.Outcome));
                w.WriteStartArray("points");
                foreach (var p in t.Points)
                {
                    // A diverged trace has NaN/∞ points; JSON has no such numbers, so they become null.
                    w.WriteStartObject();
                    w.WriteNumber("iteration", p.Iteration);
                    Number(w, "loss", p.Loss);
                    Number(w, "phi", p.Phi);
                    Number(w, "a_dot_astar", p.ADotAStar);
                    Number(w, "a_error", p.AError);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void Number(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    /// <summary>Long format: one line per (trace, recorded iteration).</summary>
    private static void WriteCsv(RunHeader header, ShortcutCnnTrajectoryResult result)
    {
        var csv = new StringBuilder("method,trial,label,outcome,iteration,loss,phi,a_dot_astar,a_error\n");
        foreach (var t in result.Trajectories)
        {
            string prefix = $"{t.Method},{t.Trial.ToString(CultureInfo.InvariantCulture)},{Csv(t.Label)},{OutcomeName(t.Outcome)},";
            foreach (var p in t.Points)
                csv.Append(prefix).AppendJoin(',', p.Iteration.ToString(CultureInfo.InvariantCulture), D(p.Loss), D(p.Phi), D(p.ADotAStar), D(p.AError)).Append('\n');
        }
        AtomicFile.WriteText(header.PathOf("results.csv"), csv.ToString());
    }

    private static string D(double v) => double.IsFinite(v) ? Values.Format(v) : "";
    private static string Csv(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    private static string Sci(double v) => double.IsFinite(v) ? v.ToString("0.00e0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>trajectory_METHOD.png/.svg: a 2 × 2 grid of panels sharing the iteration axis.</summary>
    public static IEnumerable<string> Panels(string method, IReadOnlyList<Trajectory> traces, string folder, List<string> notes)
    {
        var figure = new Multiplot();
        figure.AddPlots(4);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        (string Title, Func<TrajectoryPoint, double> Value, bool Log)[] panels =
        [
            ("loss L(w, a)", p => p.Loss, true),
            ("φ = ∠(v, v*) (rad)", p => p.Phi, false),
            ("a·a* (alignment with the teacher)", p => p.ADotAStar, false),
            ("‖a − a*‖", p => p.AError, false),
        ];
        for (int panel = 0; panel < panels.Length; panel++)
        {
            var (title, value, log) = panels[panel];
            var plot = figure.GetPlot(panel);
            for (int i = 0; i < traces.Count; i++)
            {
                var t = traces[i];
                double[] xs = t.Points.Select(p => (double)p.Iteration).ToArray();
                // The loss panel is log-scaled: plot log10, and a loss of exactly 0 cannot be drawn either.
                double[] ys = t.Points.Select(p => log ? Math.Log10(value(p)) : value(p)).ToArray();
                var (x, y) = Figures.Finite(xs, ys, $"{method} trial {t.Trial} {title}", notes);
                if (x.Length == 0) continue;
                var line = plot.Add.Scatter(x, y, plot.Add.Palette.GetColor(i));
                line.MarkerSize = 0;
                line.LineWidth = 1.5f;
                if (panel == 0) line.LegendText = $"{t.Label} ({OutcomeName(t.Outcome)})";
            }
            if (log)
            {
                var ticks = new ScottPlot.TickGenerators.NumericAutomatic
                {
                    MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                    IntegerTicksOnly = true,
                    LabelFormatter = y => $"1e{y:0}",
                };
                plot.Axes.Left.TickGenerator = ticks;
            }
            plot.Title(title);
            plot.XLabel("iteration");
            if (panel == 0) plot.ShowLegend(Alignment.LowerLeft);
        }
        figure.GetPlot(0).Title($"{method}: loss L(w, a)");
        return Figures.Save(figure, folder, $"trajectory_{method}", 1400, 1000);
    }

    private static void WriteSummary(RunHeader header, ShortcutCnnTrajectoryResult result, IReadOnlyList<string> figures, IReadOnlyList<string> notes)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {header.Experiment}");
        md.AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, " +
            $"{result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
        md.AppendLine();
        md.AppendLine("| method | trial | label | outcome | points | final loss | final φ | final ‖a − a*‖ |");
        md.AppendLine("|:---|---:|:---|:---|---:|---:|---:|---:|");
        foreach (var t in result.Trajectories)
        {
            var last = t.Points.LastOrDefault();
            md.AppendLine($"| {t.Method} | {t.Trial} | {t.Label} | {OutcomeName(t.Outcome)} | {t.Points.Count} | {Sci(last.Loss)} | {Sci(last.Phi)} | {Sci(last.AError)} |");
        }
        md.AppendLine();
        var warnings = new List<string>();
        int diverged = result.Trajectories.Count(t => t.Outcome == TrialOutcome.Diverged);
        if (diverged > 0) warnings.Add($"{diverged} traced trial(s) diverged (NaN/∞): the step sizes may be too large (see --eta-scale, --eta, --eta1).");
        warnings.AddRange(notes.Select(n => $"Figure: {n}."));
        ShortcutCnnRowFiles.WriteSummaryTail(header, md, warnings, figures);
    }
}
