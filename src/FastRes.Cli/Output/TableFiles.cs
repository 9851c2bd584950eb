using FastRes.Experiments;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Output;

/// <summary>
/// results.json rows and results.csv for experiments whose result is a flat table (hessian-at-zero,
/// initial-condition): one list of (column, value) per row, written in column order. Non-finite numbers are null in
/// JSON and empty in CSV — JSON has no NaN, and a κ of an all-zero spectrum is undefined, not a number.
/// </summary>
public static class TableFiles
{
    public static void WriteJson(RunHeader header, double seconds, IReadOnlyList<(string Name, object? Value)> extra,
                                 IReadOnlyList<IReadOnlyList<(string Column, object? Value)>> rows)
    {
        AtomicFile.Write(header.PathOf("results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            header.WriteFields(w);
            w.WriteNumber("seconds", seconds);
            foreach (var (name, value) in extra) Value(w, name, value);
            w.WriteStartArray("rows");
            foreach (var row in rows)
            {
                w.WriteStartObject();
                foreach (var (column, value) in row) Value(w, column, value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static void WriteCsv(RunHeader header, IReadOnlyList<IReadOnlyList<(string Column, object? Value)>> rows)
    {
        var csv = new StringBuilder();
        if (rows.Count > 0) csv.AppendLine(string.Join(",", rows[0].Select(c => c.Column)));
        foreach (var row in rows) csv.AppendLine(string.Join(",", row.Select(c => Cell(c.Value))));
        AtomicFile.WriteText(header.PathOf("results.csv"), csv.ToString());
    }

    /// <summary>A number for summary.md and the console: 4 significant digits, "—" when undefined.</summary>
    public static string Show(double value) => double.IsFinite(value) ? value.ToString("G4", CultureInfo.InvariantCulture)
        : double.IsPositiveInfinity(value) ? "∞" : "—";

    /// <summary>One JSON property; non-finite doubles become null.</summary>
    internal static void Value(Utf8JsonWriter w, string name, object? value)
    {
        w.WritePropertyName(name);
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double: w.WriteNullValue(); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case System.Text.Json.Nodes.JsonNode node: node.WriteTo(w); break;
            default: throw new ArgumentException($"unsupported value type {value.GetType().Name} for {name}");
        }
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s,
        _ => value.ToString() ?? "",
    };
}
