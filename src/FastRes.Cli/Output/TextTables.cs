using System.Text;
using FastRes.Experiments.Results;

namespace FastRes.Cli.Output;

/// <summary>A result table as summary.md shows it (a markdown table) and as the terminal shows it (aligned columns).</summary>
public static class TextTables
{
    public static void Markdown<TRow>(StringBuilder md, Table<TRow> table, IEnumerable<TRow> rows)
    {
        var columns = table.Columns.Where(c => c.InSummary).ToList();
        if (columns.Count == 0) return;
        md.Append("| ").AppendJoin(" | ", columns.Select(c => c.Label)).AppendLine(" |");
        md.Append('|').AppendJoin('|', columns.Select(c => c.Numeric ? "---:" : ":--")).AppendLine("|");
        foreach (var row in rows) md.Append("| ").AppendJoin(" | ", columns.Select(c => c.Show(row))).AppendLine(" |");
    }

    /// <summary>The columns marked Console, padded to their widest cell; numbers right-aligned.</summary>
    public static void Console<TRow>(TextWriter output, Table<TRow> table, IEnumerable<TRow> rows)
    {
        var columns = table.Columns.Where(c => c.OnConsole).ToList();
        if (columns.Count == 0) return;
        var cells = rows.Select(r => columns.Select(c => c.Show(r)).ToArray()).ToList();
        int[] widths = columns.Select((c, j) => cells.Select(r => r[j].Length).Append(c.Label!.Length).Max()).ToArray();
        string Line(IEnumerable<string> values) => string.Join("  ", values.Select((v, j) => columns[j].Numeric ? v.PadLeft(widths[j]) : v.PadRight(widths[j]))).TrimEnd();
        output.WriteLine(Line(columns.Select(c => c.Label!)));
        foreach (var r in cells) output.WriteLine(Line(r));
    }

    /// <summary>The first table of a layout on the terminal.</summary>
    public static void Console<TResult>(TextWriter output, ResultLayout<TResult> layout, TResult result)
        => layout.Tables.First().Accept(new ConsoleVisitor(output), result);

    private sealed class ConsoleVisitor(TextWriter output) : ITableVisitor
    {
        public void Visit<TRow>(string name, Table<TRow> table, IReadOnlyList<TRow> rows) => Console(output, table, rows);
    }
}
