using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;

namespace FastRes.Cli.Output;

/// <summary>
/// results.json, results.csv and summary.md for success-rate experiments (shortcut-cnn and its atlas), in the row
/// contract of SPEC §1.7. Figures are the experiment's own; their notes (points left out) go into summary.md.
/// </summary>
public static class ShortcutCnnRowFiles
{
    /// <summary>Column order of results.csv; results.json rows use the same names.</summary>
    public static readonly string[] CsvColumns =
    [
        "p", "k", "cap_deg", "method", "trials", "success", "spurious", "undecided", "diverged",
        "success_rate", "success_ci95_lo", "success_ci95_hi", "spurious_rate", "trial_iterations", "seconds",
    ];

    /// <summary>A cell whose undecided share is above this had not settled: summary.md says so.</summary>
    public const double UndecidedWarning = 0.05;

    public static void WriteJson(RunHeader header, ShortcutCnnResult result)
    {
        AtomicFile.Write(header.PathOf("results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            header.WriteFields(w);
            w.WriteNumber("seconds", result.Seconds);
            w.WriteStartArray("rows");
            foreach (var row in result.Rows)
            {
                w.WriteStartObject();
                w.WriteNumber("p", row.P);
                w.WriteNumber("k", row.K);
                w.WriteNumber("cap_deg", row.CapDeg);
                w.WriteString("method", row.Method);
                w.WriteNumber("trials", row.Trials);
                w.WriteNumber("success", row.Success);
                w.WriteNumber("spurious", row.Spurious);
                w.WriteNumber("undecided", row.Undecided);
                w.WriteNumber("diverged", row.Diverged);
                Number(w, "success_rate", row.SuccessRate);
                var (lo, hi) = row.SuccessCi95;
                w.WriteStartArray("success_ci95");
                Number(w, null, lo);
                Number(w, null, hi);
                w.WriteEndArray();
                Number(w, "spurious_rate", row.SpuriousRate);
                w.WriteNumber("trial_iterations", row.TrialIterations);
                Number(w, "seconds", row.Seconds);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Merges shard folders of shortcut-cnn or its atlas: reads each results.json's rows back (checking that they are
    /// whole: counts add up to the shard's trials) and sums them (<see cref="ShortcutCnnShards.Merge"/>).
    /// </summary>
    public static ShortcutCnnResult Merge(ShortcutCnnConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var rows = shards.Select(ReadRows).ToList();
        double seconds = shards.Sum(s => s.Results.TryGetProperty("seconds", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0);
        try { return ShortcutCnnShards.Merge(whole, rows, seconds); }
        catch (ArgumentException e) { throw new BadInputException("merge", $"shards do not line up: {e.Message}"); }
    }

    /// <summary>The rows of a shard's results.json; anything missing or inconsistent means the file is corrupt.</summary>
    public static IReadOnlyList<ShortcutCnnRow> ReadRows(ShardInput shard)
    {
        BadInputException Corrupt(string what) => new("merge", $"{shard.ResultsPath} is corrupt: {what}");
        if (!shard.Results.TryGetProperty("rows", out var rowsElement) || rowsElement.ValueKind != JsonValueKind.Array)
            throw Corrupt("no \"rows\" array");
        long sliceTrials = shard.Slice.TrialEnd - shard.Slice.TrialStart;
        var rows = new List<ShortcutCnnRow>();
        int n = 0;
        foreach (var e in rowsElement.EnumerateArray())
        {
            n++;
            try
            {
                var row = new ShortcutCnnRow
                {
                    P = e.GetProperty("p").GetInt32(),
                    K = e.GetProperty("k").GetInt32(),
                    CapDeg = e.GetProperty("cap_deg").GetDouble(),
                    Method = e.GetProperty("method").GetString() ?? throw Corrupt($"row {n} has a null method"),
                    Trials = e.GetProperty("trials").GetInt64(),
                    Success = e.GetProperty("success").GetInt64(),
                    Spurious = e.GetProperty("spurious").GetInt64(),
                    Undecided = e.GetProperty("undecided").GetInt64(),
                    Diverged = e.GetProperty("diverged").GetInt64(),
                    TrialIterations = e.GetProperty("trial_iterations").GetInt64(),
                    Seconds = e.GetProperty("seconds").ValueKind == JsonValueKind.Number ? e.GetProperty("seconds").GetDouble() : 0,
                };
                if (row.Trials != sliceTrials)
                    throw Corrupt($"row {n} has {row.Trials} trials, its shard {shard.Slice} has {sliceTrials}");
                if (row.Success < 0 || row.Spurious < 0 || row.Undecided < 0 || row.Diverged < 0 || row.TrialIterations < 0
                    || row.Success + row.Spurious + row.Undecided + row.Diverged != row.Trials)
                    throw Corrupt($"row {n}'s outcome counts do not add up to its {row.Trials} trials");
                rows.Add(row);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw Corrupt($"row {n} lacks a field or has one of the wrong type ({ConfigFile.OneLine(ex.Message)})");
            }
        }
        return rows;
    }

    /// <summary>JSON has no NaN: a rate of an empty cell (a shard with no trials in it) is written as null.</summary>
    private static void Number(Utf8JsonWriter w, string? name, double value)
    {
        if (name is not null) w.WritePropertyName(name);
        if (double.IsFinite(value)) w.WriteNumberValue(value); else w.WriteNullValue();
    }

    public static void WriteCsv(RunHeader header, ShortcutCnnResult result)
    {
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", CsvColumns));
        foreach (var row in result.Rows)
        {
            var (lo, hi) = row.SuccessCi95;
            csv.AppendLine(string.Join(",",
                I(row.P), I(row.K), D(row.CapDeg), row.Method, I(row.Trials), I(row.Success), I(row.Spurious), I(row.Undecided),
                I(row.Diverged), D(row.SuccessRate), D(lo), D(hi), D(row.SpuriousRate), I(row.TrialIterations), D(row.Seconds)));
        }
        AtomicFile.WriteText(header.PathOf("results.csv"), csv.ToString());
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    /// <summary>Empty for non-finite, which CSV readers take as missing.</summary>
    private static string D(double v) => double.IsFinite(v) ? Values.Format(v) : "";

    public static void WriteSummary(RunHeader header, ShortcutCnnResult result, IReadOnlyList<string> figureFiles, IReadOnlyList<string> figureNotes)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {header.Experiment}");
        md.AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, " +
            $"{result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
        md.AppendLine();
        md.AppendLine("Success rates with Wilson 95% intervals; spurious = ended in the basin of the spurious optimum (φ > π/2).");
        md.AppendLine();
        md.AppendLine("| p | k | θ_cap | method | trials | success [95% CI] | spurious | undecided | diverged |");
        md.AppendLine("|---:|---:|---:|:---|---:|:---|---:|---:|---:|");
        foreach (var r in result.Rows)
        {
            md.AppendLine($"| {r.P} | {r.K} | {D(r.CapDeg)}° | {r.Method} | {r.Trials} | {RateWithCi(r)} | {Percent(r.SpuriousRate)} | " +
                $"{Percent(Share(r.Undecided, r.Trials))} | {r.Diverged} |");
        }
        md.AppendLine();

        var warnings = Warnings(result).Concat(figureNotes.Select(n => $"Figure: {n}.")).ToList();
        WriteSummaryTail(header, md, warnings, figureFiles);
    }

    /// <summary>
    /// The end every summary.md shares — warnings, the PNG figures inline, the resolved config — then writes the file.
    /// </summary>
    public static void WriteSummaryTail(RunHeader header, StringBuilder md, IReadOnlyList<string> warnings, IReadOnlyList<string> figureFiles)
    {
        if (warnings.Count > 0)
        {
            md.AppendLine("## Warnings");
            md.AppendLine();
            foreach (string w in warnings) md.AppendLine($"- {w}");
            md.AppendLine();
        }
        if (figureFiles.Count > 0)
        {
            md.AppendLine("## Figures");
            md.AppendLine();
            foreach (string f in figureFiles.Where(f => f.EndsWith(".png", StringComparison.Ordinal))) md.AppendLine($"![{f}]({f})");
            md.AppendLine();
        }
        md.AppendLine("## Config");
        md.AppendLine();
        md.AppendLine("```json");
        md.AppendLine(header.Config.ToJsonString(RunHeader.Indented));
        md.AppendLine("```");
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
    }

    /// <summary>The warning lines of summary.md: unsettled cells (more iterations) and any divergence.</summary>
    public static IReadOnlyList<string> Warnings(ShortcutCnnResult result)
    {
        var warnings = new List<string>();
        bool caps = result.Rows.Select(r => r.CapDeg).Distinct().Count() > 1;
        string Cell(ShortcutCnnRow r) => $"k={r.K} {r.Method}{(caps ? $" θ_cap={D(r.CapDeg)}°" : "")}";
        var unsettled = result.Rows.Where(r => r.Trials > 0 && Share(r.Undecided, r.Trials) > UndecidedWarning).ToList();
        if (unsettled.Count > 0)
        {
            warnings.Add($"Undecided above {Percent(UndecidedWarning)} of the trials in {unsettled.Count} cell(s) ({string.Join("; ", unsettled.Select(r => $"{Cell(r)}: {Percent(Share(r.Undecided, r.Trials))}"))}): " +
                $"those runs had not settled after {result.Config.Iterations} iterations; rerun with more --iterations.");
        }
        var diverged = result.Rows.Where(r => r.Diverged > 0).ToList();
        if (diverged.Count > 0)
        {
            warnings.Add($"{diverged.Sum(r => r.Diverged)} trial(s) diverged (NaN/∞; counted as diverged, never as success) in " +
                $"{string.Join("; ", diverged.Select(r => $"{Cell(r)}: {r.Diverged}"))}: the step sizes may be too large (see --eta-scale, --eta, --eta1).");
        }
        return warnings;
    }

    /// <summary>The terminal's short table.</summary>
    public static void PrintTable(TextWriter output, ShortcutCnnResult result)
    {
        bool caps = result.Rows.Select(r => r.CapDeg).Distinct().Count() > 1;
        output.WriteLine($"{(caps ? "cap    " : "")}{"k",4}  {"method",-10}  {"trials",9}  {"success [95% CI]",-24}  {"spurious",8}  {"undecided",9}  {"diverged",8}");
        foreach (var r in result.Rows)
        {
            output.WriteLine($"{(caps ? $"{D(r.CapDeg),4}°  " : "")}{r.K,4}  {r.Method,-10}  {r.Trials,9}  {RateWithCi(r),-24}  {Percent(r.SpuriousRate),8}  " +
                $"{Percent(Share(r.Undecided, r.Trials)),9}  {r.Diverged,8}");
        }
        foreach (string w in Warnings(result)) output.WriteLine("warning: " + w);
    }

    private static double Share(long part, long trials) => trials == 0 ? double.NaN : (double)part / trials;
    private static string Percent(double v) => double.IsFinite(v) ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    private static string RateWithCi(ShortcutCnnRow r)
    {
        var (lo, hi) = r.SuccessCi95;
        if (!double.IsFinite(r.SuccessRate)) return "n/a (no trials)";
        return string.Create(CultureInfo.InvariantCulture, $"{r.SuccessRate * 100:0.0}% [{lo * 100:0.0}, {hi * 100:0.0}]");
    }
}
