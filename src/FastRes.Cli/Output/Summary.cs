using System.Globalization;
using System.Text;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Results;

namespace FastRes.Cli.Output;

/// <summary>
/// summary.md, written by one writer for every experiment: the title and a line with version, commit, config_hash,
/// data, shard and time; then what the experiment adds (verdict, claim and method, tables, findings); then the tail
/// every summary shares — warnings, notes (among them the points figures left out), the figures inline and the
/// resolved config.
/// </summary>
public sealed class Summary
{
    private readonly RunHeader _header;
    private readonly StringBuilder _md = new();
    private readonly List<string> _warnings = [];

    public Summary(RunHeader header, double seconds, string? data)
    {
        _header = header;
        _md.AppendLine($"# {header.Experiment}").AppendLine();
        var line = new List<string> { $"fastres {header.Version}", $"commit {header.GitCommit ?? "unknown"}", $"config_hash `{header.ConfigHash}`" };
        if (data is not null) line.Add($"data: {data}");
        if (header.Slice is { Count: > 1 } slice) line.Add($"shard {slice.Index}/{slice.Count} holding [{slice.TrialStart}, {slice.TrialEnd}) (merge the shards for the whole run)");
        line.Add(seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
        _md.AppendLine(string.Join(", ", line) + ".").AppendLine();
    }

    /// <summary>Lines for the notes section: points a figure left out, undefined values, what was not counted.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The verdict of a claim check, in bold where a reader looks first, with what its cases were.</summary>
    public Summary Verdict(IClaimCheck check, string? detail = null)
        => Paragraph($"**Verdict: {VerdictText(check)}**" + (detail is null ? "." : $" ({detail})."));

    public static string VerdictText(IClaimCheck c) => $"{c.Violations} violation(s) in {c.CaseCount} {c.CaseNoun}";

    public Summary Paragraph(string text)
    {
        _md.AppendLine(text).AppendLine();
        return this;
    }

    public Summary Table<TRow>(Table<TRow> table, IEnumerable<TRow> rows)
    {
        TextTables.Markdown(_md, table, rows);
        _md.AppendLine();
        return this;
    }

    /// <summary>Every table of the layout with columns for summary.md, in order.</summary>
    public Summary Tables<TResult>(ResultLayout<TResult> layout, TResult result)
    {
        foreach (var part in layout.Tables) part.Accept(new Markdown(this), result);
        return this;
    }

    /// <summary>Something a reader must not miss: unsettled runs, divergence.</summary>
    public Summary Warning(string text)
    {
        _warnings.Add(text);
        return this;
    }

    /// <summary>Writes the file with its tail; <paramref name="figures"/> are the experiment's figure files.</summary>
    public void Write(IReadOnlyList<string> figures)
    {
        Section("Warnings", _warnings.Select(w => $"- {w}"));
        Section("Notes", Notes.Select(n => $"- {n}"));
        Section("Figures", figures.Where(f => f.EndsWith(".png", StringComparison.Ordinal)).Select(f => $"![{f}]({f})"));
        _md.AppendLine("## Config").AppendLine();
        _md.AppendLine("```json").AppendLine(_header.Config.ToJsonString(RunHeader.Indented)).AppendLine("```");
        AtomicFile.WriteText(_header.PathOf("summary.md"), _md.ToString());
    }

    private void Section(string title, IEnumerable<string> lines)
    {
        var list = lines.ToList();
        if (list.Count == 0) return;
        _md.AppendLine($"## {title}").AppendLine();
        foreach (var l in list) _md.AppendLine(l);
        _md.AppendLine();
    }

    private sealed class Markdown(Summary md) : ITableVisitor
    {
        public void Visit<TRow>(string name, Table<TRow> table, IReadOnlyList<TRow> rows)
        {
            if (table.Columns.Any(c => c.InSummary)) md.Table(table, rows);
        }
    }
}
