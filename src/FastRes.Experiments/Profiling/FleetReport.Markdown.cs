using System.Globalization;
using System.Text;

namespace FastRes.Experiments.Profiling;

/// <summary>fleet.md and the console summary of a <see cref="FleetReport"/>.</summary>
public sealed partial record FleetReport
{
    /// <summary>A few lines for the console: the groups, every outlier, missing figure and reference failure, the outcome.</summary>
    public IReadOnlyList<string> Summary()
    {
        var lines = new List<string>
        {
            $"fleet: {Nodes.Count} node{Plural(Nodes.Count)} in {Groups.Count} group{Plural(Groups.Count)} (" +
            string.Join("; ", Groups.Select(g => $"{g.Name}: {g.Hosts.Count}{(g.Judged ? "" : ", not judged")}")) + ")",
            $"rule: {Rule.Describe()}",
        };
        foreach (var n in Nodes)
        {
            foreach (var c in n.Cells.Where(c => c.Verdict is FleetVerdict.Slow or FleetVerdict.Fast))
                lines.Add($"{(c.Verdict == FleetVerdict.Slow ? "SLOW" : "fast")}  {n.Host}  {c.Figure}: {Num(c.Rate)} {c.Figure.Unit}, {Ratio(c.RatioToMedian)} the group median {Num(c.GroupMedian)}");
            foreach (var c in n.Missing)
                lines.Add($"missing  {n.Host}  {c.Figure}{(c.ReferenceFailed ? " (a reference asks for it: fails)" : "")}");
            foreach (var c in n.ReferenceFailures.Where(c => c.Rate is not null))
                lines.Add($"BELOW REFERENCE  {n.Host}  {c.Figure}: {Num(c.Rate)} < {Num(c.Reference!.Rate)} × (1 − {Num(c.Reference.Tolerance)}) = {Num(c.Reference.Floor)} {c.Figure.Unit}");
        }
        lines.AddRange(Notes.Select(n => "note: " + n));
        int outliers = Nodes.Sum(n => n.Outliers.Count()), missing = Nodes.Sum(n => n.Missing.Count()), failures = Nodes.Sum(n => n.ReferenceFailures.Count());
        lines.Add($"fleet: {outliers} outlier{Plural(outliers)}, {missing} missing figure{Plural(missing)}, " +
                  (ReferenceSource is null ? "no reference values" : $"{failures} reference failure{Plural(failures)}") +
                  (Failed ? " → FAILED" : ""));
        return lines;
    }

    public string ToMarkdown()
    {
        var s = new StringBuilder();
        s.AppendLine("# Fleet report");
        s.AppendLine();
        s.AppendLine($"{Nodes.Count} node{Plural(Nodes.Count)} in {Groups.Count} group{Plural(Groups.Count)} (a group is a node type, " +
                     "\"microarchitecture or CPU model/cores\", within a partition when the report names one).");
        s.AppendLine();
        s.AppendLine($"Outlier rule: {Rule.Describe()}.");
        s.AppendLine();
        int failures = Nodes.Sum(n => n.ReferenceFailures.Count());
        s.AppendLine(ReferenceSource is null
            ? "Reference values: none given (`--reference refs.json`)."
            : $"Reference values: {Cell(ReferenceSource)}; a node fails when its rate is below reference × (1 − tolerance) or it lacks the figure: " +
              (Failed ? $"**{failures} failure{Plural(failures)} — FAILED**." : "all passed."));
        if (Notes.Count > 0)
        {
            s.AppendLine();
            s.AppendLine("## Notes");
            s.AppendLine();
            foreach (string note in Notes) s.AppendLine($"- {note}");
        }
        s.AppendLine();
        s.AppendLine("## Nodes");
        s.AppendLine();
        s.AppendLine("| node | partition | node type | CPU | vendor family/model/stepping | ISA | cores | outliers | missing | reference |");
        s.AppendLine("|---|---|---|---|---|---|---:|---|---|---|");
        foreach (var n in Nodes)
        {
            var id = n.Machine.Identity;
            string fms = id is null ? "–" : $"{id.Vendor} {Opt(id.Family)}/{Opt(id.Model)}/{Opt(id.Stepping)}";
            string outliers = n.Outliers.Any() ? string.Join("; ", n.Outliers.Select(c => $"{c.Figure.Kernel} {c.Figure.Variant} {Ratio(c.RatioToMedian)}")) : "–";
            int fails = n.ReferenceFailures.Count();
            string reference = ReferenceSource is null || !n.Cells.Any(c => c.Reference is not null) ? "–" : fails > 0 ? $"**{fails} failed**" : "passed";
            s.AppendLine($"| {Cell(n.Host)} | {Cell(Dash(n.Machine.Partition))} | {Cell(n.NodeType)} | {Cell(Dash(n.Machine.Cpu))} | {Cell(fms)} | {Cell(n.Machine.Isa)} | " +
                         $"{n.Machine.Cores} | {Cell(outliers)} | {n.Missing.Count()} | {reference} |");
        }
        foreach (var g in Groups)
        {
            s.AppendLine();
            s.AppendLine($"## {Cell(g.Name)} — {g.Hosts.Count} node{Plural(g.Hosts.Count)}{(g.Judged ? "" : $", not judged (fewer than {FleetRule.MinNodes})")}");
            s.AppendLine();
            s.AppendLine("| figure | unit | node | rate | of peak | × median | verdict | reference |");
            s.AppendLine("|---|---|---|---:|---:|---:|---|---|");
            var members = Nodes.Where(n => n.Group == g.Name).ToList();
            foreach (var figure in members.SelectMany(n => n.Cells.Select(c => c.Figure)).Distinct())
            {
                foreach (var n in members)
                {
                    if (n.Cells.FirstOrDefault(c => c.Figure == figure) is not { } c) continue;
                    string verdict = c.Verdict is FleetVerdict.Slow ? "**SLOW outlier**" : VerdictText(c.Verdict);
                    string reference = c.Reference is not { } r ? "–"
                        : $"≥ {Num(r.Floor)} ({Num(r.Rate)} − {Num(100 * r.Tolerance)}%): {(c.ReferenceFailed ? "**FAILED**" : "ok")}";
                    s.AppendLine($"| {Cell(figure.ToString().Trim())} | {Cell(figure.Unit)} | {Cell(n.Host)} | {Num(c.Rate)} | " +
                                 $"{(c.FractionOfPeak is { } f ? (100 * f).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–")} | {Ratio(c.RatioToMedian)} | {verdict} | {reference} |");
                }
            }
        }
        return s.ToString();
    }

    private static string Plural(int n) => n == 1 ? "" : "s";
    private static string Dash(string s) => s.Length > 0 ? s : "–";
    private static string Opt(int? x) => x?.ToString(CultureInfo.InvariantCulture) ?? "?";
    private static string Num(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "–";
    private static string Ratio(double? x) => x is { } v && double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";

    /// <summary>Text safe in a markdown table cell: pipes escaped, line breaks folded.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|").ReplaceLineEndings(" ");
}
