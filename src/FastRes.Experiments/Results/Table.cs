using System.Collections;
using System.Text.Json;

namespace FastRes.Experiments.Results;

/// <summary>
/// The columns of one result table, each declared once (see <see cref="Column{TRow}"/>); results.json rows,
/// results.csv, summary.md's table, the terminal's table and merge's reader all derive from it. Declared as a
/// collection initializer next to the row record:
/// <code>{ "kappa_mean", r => r.KappaMean, "κ mean", ColumnFlags.Console }</code>
/// A table that merge reads back gives each stored column a setter and a blank row to start from.
/// </summary>
public sealed class Table<TRow> : IEnumerable<Column<TRow>>
{
    private readonly List<Column<TRow>> _columns = [];

    /// <param name="blank">The row merge starts from before setting each column read from a shard; null if never read back.</param>
    public Table(TRow? blank = default) => Blank = blank;

    public TRow? Blank { get; }
    public IReadOnlyList<Column<TRow>> Columns => _columns;

    public void Add<T>(string? name, Func<TRow, T> get, string? label = null, ColumnFlags flags = ColumnFlags.None,
                       Func<T, string>? show = null, Func<TRow, T, TRow>? set = null)
        => _columns.Add(new Column<TRow, T>(name, get, label, flags, show, set));

    /// <summary>A column shown in summary.md under its JSON name.</summary>
    public void Add<T>(string name, Func<TRow, T> get, ColumnFlags flags, Func<TRow, T, TRow>? set = null)
        => _columns.Add(new Column<TRow, T>(name, get, name, flags, null, set));

    public void Add(Column<TRow> column) => _columns.Add(column);

    /// <summary>A nested list of rows of <paramref name="table"/> (JSON only unless <see cref="ColumnFlags.Expand"/>).</summary>
    public void Add<TChild>(string name, Func<TRow, IReadOnlyList<TChild>> get, Table<TChild> table, ColumnFlags flags = ColumnFlags.JsonOnly,
                            Func<TRow, IReadOnlyList<TChild>, TRow>? set = null)
        => _columns.Add(new ChildColumn<TRow, TChild>(name, get, table, flags, set, table.Blank));

    public void WriteJson(Utf8JsonWriter w, TRow row)
    {
        w.WriteStartObject();
        foreach (var c in _columns) if (c.InJson) c.WriteJson(w, row);
        w.WriteEndObject();
    }

    /// <summary>The CSV header: every stored column; an expanded nested list's columns after the row's own.</summary>
    public IEnumerable<string> CsvHeader()
        => _columns.Where(c => c.InCsv && !c.Expands).SelectMany(c => c.CsvHeader())
                   .Concat(_columns.Where(c => c.Expands).SelectMany(c => c.CsvHeader()));

    /// <summary>The CSV lines of a row: one, or one per item of its expanded nested list.</summary>
    public IEnumerable<IEnumerable<string>> CsvLines(TRow row)
    {
        var own = _columns.Where(c => c.InCsv && !c.Expands).SelectMany(c => c.CsvCells(row)).ToList();
        var expand = _columns.FirstOrDefault(c => c.Expands);
        if (expand is null) return [own];
        return expand.ExpandedCsvLines(row).Select(child => own.Concat(child));
    }

    /// <summary>A row of a shard's results.json, read through the setters (throws FormatException/KeyNotFoundException/InvalidOperationException when it is not whole).</summary>
    public TRow Read(TRow blank, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException("a row is not an object");
        TRow row = blank;
        foreach (var c in _columns) if (c.InJson && c.Readable) row = c.Read(row, element);
        return row;
    }

    /// <summary>The key columns' values of a row, for lining shards up.</summary>
    public string KeyOf(TRow row)
        => string.Join(", ", _columns.Where(c => c.IsKey).Select(c => $"{c.Name ?? c.Label}={Cells.Show(c.Value(row))}"));

    public IEnumerator<Column<TRow>> GetEnumerator() => _columns.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
