using System.Text;
using System.Text.Json;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Results;

namespace FastRes.Cli.Output;

/// <summary>
/// results.json and results.csv of any experiment, from its <see cref="ResultLayout{TResult}"/>: the run header,
/// "seconds", then each declared scalar and table in order; the CSV is the first table (a nested list marked
/// Expand in long format). Both written atomically.
/// </summary>
public static class ResultFiles
{
    /// <param name="files">The other files of the set, listed at the end of results.json: a folder is finished when they all exist.</param>
    public static void WriteJson<TResult>(RunHeader header, ResultLayout<TResult> layout, TResult result, IReadOnlyList<string> files)
    {
        AtomicFile.Write(header.PathOf("results.json"), stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            header.WriteFields(w);
            w.WriteNumber("seconds", layout.Seconds(result));
            var tables = new JsonTables(w);
            foreach (var part in layout)
            {
                if (part is ScalarPart<TResult> scalar)
                {
                    w.WritePropertyName(scalar.Name);
                    Cells.WriteJsonValue(w, scalar.Get(result));
                }
                else ((TablePart<TResult>)part).Accept(tables, result);
            }
            w.WriteStartArray("files");
            foreach (string f in files) w.WriteStringValue(f);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static void WriteCsv<TResult>(RunHeader header, ResultLayout<TResult> layout, TResult result)
    {
        var csv = new CsvTable();
        layout.Tables.First().Accept(csv, result);
        AtomicFile.WriteText(header.PathOf("results.csv"), csv.Text.ToString());
    }

    private sealed class JsonTables(Utf8JsonWriter w) : ITableVisitor
    {
        public void Visit<TRow>(string name, Table<TRow> table, IReadOnlyList<TRow> rows)
        {
            w.WriteStartArray(name);
            foreach (var row in rows) table.WriteJson(w, row);
            w.WriteEndArray();
        }
    }

    private sealed class CsvTable : ITableVisitor
    {
        public StringBuilder Text { get; } = new();

        public void Visit<TRow>(string name, Table<TRow> table, IReadOnlyList<TRow> rows)
        {
            Text.AppendJoin(',', table.CsvHeader()).Append('\n');
            foreach (var row in rows)
                foreach (var line in table.CsvLines(row)) Text.AppendJoin(',', line).Append('\n');
        }
    }
}
