using FastRes.Experiments;
using System.Globalization;
using System.Text.Json;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Output;

/// <summary>
/// results.json for the experiments that check a paper's claims (issue 5): the run header, <c>cases</c> and
/// <c>violations</c> at the top where a reader looks first, then several named tables (the first one is
/// <c>rows</c>, the CSV's table). Non-finite numbers are null, as in <see cref="TableFiles"/>; booleans are allowed.
/// </summary>
public static class VerdictFiles
{
    public static void WriteJson(RunHeader header, double seconds, long cases, long violations,
                                 IReadOnlyList<(string Name, object? Value)> scalars,
                                 IReadOnlyList<(string Name, IReadOnlyList<IReadOnlyList<(string Column, object? Value)>> Rows)> tables)
    {
        AtomicFile.Write(header.PathOf("results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            header.WriteFields(w);
            w.WriteNumber("seconds", seconds);
            w.WriteNumber("cases", cases);
            w.WriteNumber("violations", violations);
            foreach (var (name, value) in scalars) TableFiles.Value(w, name, value);
            foreach (var (name, rows) in tables)
            {
                w.WriteStartArray(name);
                foreach (var row in rows)
                {
                    w.WriteStartObject();
                    foreach (var (column, value) in row) TableFiles.Value(w, column, value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
    }

    /// <summary>A number for summary.md with more digits than <see cref="TableFiles.Show"/> (critical points are compared to 2 decimals in the paper).</summary>
    public static string Fixed(double value, int digits = 4) => double.IsFinite(value) ? value.ToString("F" + digits, CultureInfo.InvariantCulture) : "—";
}
