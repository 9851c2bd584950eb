using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Experiments.Results;

/// <summary>Where a column goes besides results.json and results.csv, and what merge does with it.</summary>
[Flags]
public enum ColumnFlags
{
    None = 0,
    /// <summary>Also in the short table printed on the terminal.</summary>
    Console = 1,
    /// <summary>Identifies a row: shards being merged must list the same keys in the same order.</summary>
    Key = 2,
    /// <summary>In results.json and results.csv only, not in summary.md's table.</summary>
    Hidden = 4,
    /// <summary>In results.json only (a nested list such as per-run values; the CSV stays flat).</summary>
    JsonOnly = 8,
    /// <summary>A nested list written to the CSV in long format: one line per item, the row's own cells repeated.</summary>
    Expand = 16,
}

/// <summary>
/// One column of a result table, declared once: its name in results.json/results.csv (null for a column only
/// summary.md shows), its label in summary.md and on the terminal, the value, how it is shown and, for tables that
/// merge reads back, how a value read from a shard is set on a row.
/// </summary>
/// <remarks>
/// Values are int, long, double (non-finite → JSON null, empty CSV cell: JSON has no NaN, and an undefined κ is not a
/// number), string, bool, an interval (double Lo, double Hi) (a JSON pair, two CSV cells NAME_lo and NAME_hi), a
/// prebuilt JsonNode, or a nested list of rows of another table.
/// </remarks>
public abstract class Column<TRow>
{
    protected Column(string? name, string? label, ColumnFlags flags) => (Name, Label, Flags) = (name, label, flags);

    public string? Name { get; }
    /// <summary>The header in summary.md and on the terminal; null when the column is not shown there.</summary>
    public string? Label { get; }
    public ColumnFlags Flags { get; }

    public bool InJson => Name is not null;
    public bool InCsv => Name is not null && !Flags.HasFlag(ColumnFlags.JsonOnly) && (Flags.HasFlag(ColumnFlags.Expand) || this is not IChildColumn);
    public bool InSummary => Label is not null && !Flags.HasFlag(ColumnFlags.Hidden);
    public bool OnConsole => Label is not null && Flags.HasFlag(ColumnFlags.Console);
    public bool IsKey => Flags.HasFlag(ColumnFlags.Key);
    /// <summary>Right-aligned in tables (numbers are).</summary>
    public abstract bool Numeric { get; }
    public abstract bool Readable { get; }
    /// <summary>A nested list written to the CSV one line per item (<see cref="ColumnFlags.Expand"/>).</summary>
    public bool Expands => Flags.HasFlag(ColumnFlags.Expand);
    public virtual IEnumerable<IEnumerable<string>> ExpandedCsvLines(TRow row) => throw new InvalidOperationException($"{Name} is not a nested list");

    public abstract void WriteJson(Utf8JsonWriter writer, TRow row);
    /// <summary>The column's CSV header cells (one, or two for an interval).</summary>
    public abstract IEnumerable<string> CsvHeader();
    public abstract IEnumerable<string> CsvCells(TRow row);
    public abstract string Show(TRow row);
    /// <summary>The row with this column's value taken from <paramref name="element"/> (a shard's results.json row).</summary>
    public abstract TRow Read(TRow row, JsonElement element);
    /// <summary>The value for comparison (merge keys).</summary>
    public abstract object? Value(TRow row);
}

/// <summary>A column of a scalar value of type <typeparamref name="T"/>.</summary>
public sealed class Column<TRow, T>(string? name, Func<TRow, T> get, string? label, ColumnFlags flags, Func<T, string>? show, Func<TRow, T, TRow>? set)
    : Column<TRow>(name, label, flags)
{
    public override bool Numeric => typeof(T) != typeof(string) && typeof(T) != typeof(bool);
    public override bool Readable => set is not null;
    public override object? Value(TRow row) => get(row);

    public override void WriteJson(Utf8JsonWriter w, TRow row)
    {
        w.WritePropertyName(Name!);
        Cells.WriteJsonValue(w, get(row));
    }

    public override IEnumerable<string> CsvHeader() => typeof(T) == typeof((double, double)) ? [Name + "_lo", Name + "_hi"] : [Name!];

    public override IEnumerable<string> CsvCells(TRow row)
    {
        object? v = get(row);
        return v is (double lo, double hi) ? [Cells.Csv(lo), Cells.Csv(hi)] : [Cells.Csv(v)];
    }

    public override string Show(TRow row) => show is not null ? show(get(row)) : Cells.Show(get(row));

    public override TRow Read(TRow row, JsonElement element)
        => set is null ? row : set(row, (T)Cells.Read(element.GetProperty(Name!), typeof(T))!);
}

internal interface IChildColumn;

/// <summary>A column holding a list of rows of another table (per-run values, a trajectory's points).</summary>
public sealed class ChildColumn<TRow, TChild>(string name, Func<TRow, IReadOnlyList<TChild>> get, Table<TChild> table, ColumnFlags flags,
                                             Func<TRow, IReadOnlyList<TChild>, TRow>? set, TChild? blank)
    : Column<TRow>(name, null, flags | ColumnFlags.Hidden), IChildColumn
{
    public Table<TChild> Table { get; } = table;
    public IReadOnlyList<TChild> Items(TRow row) => get(row);
    public override bool Numeric => false;
    public override bool Readable => set is not null;
    public override object? Value(TRow row) => get(row);

    public override void WriteJson(Utf8JsonWriter w, TRow row)
    {
        w.WriteStartArray(Name!);
        foreach (var child in get(row)) Table.WriteJson(w, child);
        w.WriteEndArray();
    }

    public override IEnumerable<string> CsvHeader() => Table.CsvHeader();
    public override IEnumerable<string> CsvCells(TRow row) => throw new InvalidOperationException("a nested list has one CSV line per item");
    public override IEnumerable<IEnumerable<string>> ExpandedCsvLines(TRow row) => get(row).SelectMany(Table.CsvLines);
    public override string Show(TRow row) => get(row).Count.ToString(CultureInfo.InvariantCulture);

    public override TRow Read(TRow row, JsonElement element)
    {
        if (set is null) return row;
        var items = element.GetProperty(Name!);
        if (items.ValueKind != JsonValueKind.Array) throw new FormatException($"\"{Name}\" is not a list");
        return set(row, items.EnumerateArray().Select(e => Table.Read(blank!, e)).ToList());
    }
}

/// <summary>How values become JSON, CSV cells and text, and are read back.</summary>
public static class Cells
{
    public static void WriteJsonValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double: w.WriteNullValue(); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case (double lo, double hi):
                w.WriteStartArray();
                WriteJsonValue(w, lo);
                WriteJsonValue(w, hi);
                w.WriteEndArray();
                break;
            case JsonNode node: node.WriteTo(w); break;
            default: throw new ArgumentException($"a column cannot hold a {value.GetType().Name}");
        }
    }

    /// <summary>Empty for a non-finite number, which CSV readers take as missing; text quoted when it must be.</summary>
    public static string Csv(object? value) => value switch
    {
        null => "",
        double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "",
        bool b => b ? "true" : "false",
        string s => s.Contains(',') || s.Contains('"') ? "\"" + s.Replace("\"", "\"\"") + "\"" : s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        JsonNode n => Csv(n.ToJsonString()),
        _ => value.ToString() ?? "",
    };

    /// <summary>A value for summary.md and the terminal: numbers to 4 significant digits, "—" where undefined, "∞".</summary>
    public static string Show(object? value) => value switch
    {
        null => "—",
        double d => Number(d),
        bool b => b ? "yes" : "no",
        (double lo, double hi) => $"[{Number(lo)}, {Number(hi)}]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Number(double value) => double.IsFinite(value) ? value.ToString("G4", CultureInfo.InvariantCulture)
        : double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "−∞" : "—";

    /// <summary>A fixed number of decimals, "—" where undefined (critical points are compared to 2 decimals in the papers).</summary>
    public static string Fixed(double value, int digits = 4) => double.IsFinite(value) ? value.ToString("F" + digits, CultureInfo.InvariantCulture) : "—";

    /// <summary>A share as a percentage with one decimal, "n/a" for an empty cell.</summary>
    public static string Percent(double share) => double.IsFinite(share) ? (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";

    public static object? Read(JsonElement e, Type type)
    {
        if (type == typeof(double)) return e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();
        if (type == typeof(int)) return e.GetInt32();
        if (type == typeof(long)) return e.GetInt64();
        if (type == typeof(bool)) return e.GetBoolean();
        if (type == typeof(string)) return e.GetString() ?? throw new FormatException("null where text was expected");
        if (type == typeof((double, double)))
        {
            if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2) throw new FormatException("not a [lo, hi] pair");
            return ((double)Read(e[0], typeof(double))!, (double)Read(e[1], typeof(double))!);
        }
        throw new ArgumentException($"a column of {type.Name} cannot be read back");
    }
}
