using System.Collections;

namespace FastRes.Experiments.Results;

/// <summary>One named part of results.json after the run header: a scalar, or a table of rows.</summary>
public abstract record ResultPart<TResult>(string Name);

public sealed record ScalarPart<TResult>(string Name, Func<TResult, object?> Get) : ResultPart<TResult>(Name);

public abstract record TablePart<TResult>(string Name) : ResultPart<TResult>(Name)
{
    /// <summary>Applies <paramref name="visitor"/> to the typed table and rows (so writers need not know the row type).</summary>
    public abstract void Accept(ITableVisitor visitor, TResult result);
}

public sealed record TablePart<TResult, TRow>(string Name, Table<TRow> Table, Func<TResult, IReadOnlyList<TRow>> Rows) : TablePart<TResult>(Name)
{
    public override void Accept(ITableVisitor visitor, TResult result) => visitor.Visit(Name, Table, Rows(result));
}

/// <summary>Something that writes or shows a typed table.</summary>
public interface ITableVisitor
{
    void Visit<TRow>(string name, Table<TRow> table, IReadOnlyList<TRow> rows);
}

/// <summary>
/// What results.json holds after the run header, in order: "seconds", then each scalar and table as declared. The
/// first table is also results.csv and summary.md's main table. Declared next to the result record:
/// <code>new(r => r.Seconds) { { "max_norm", r => r.MaxNorm }, { "rows", YunRademacherRow.Columns, r => r.Rows } }</code>
/// </summary>
public sealed class ResultLayout<TResult> : IEnumerable<ResultPart<TResult>>
{
    private readonly List<ResultPart<TResult>> _parts = [];

    /// <summary>A claim check's "cases" and "violations" come first, declared here for every such result.</summary>
    public ResultLayout(Func<TResult, double> seconds)
    {
        Seconds = seconds;
        if (typeof(IClaimCheck).IsAssignableFrom(typeof(TResult)))
        {
            Add("cases", r => ((IClaimCheck)r!).CaseCount);
            Add("violations", r => ((IClaimCheck)r!).Violations);
        }
    }

    public Func<TResult, double> Seconds { get; }
    public IReadOnlyList<ResultPart<TResult>> Parts => _parts;
    public IEnumerable<TablePart<TResult>> Tables => _parts.OfType<TablePart<TResult>>();

    public void Add(string name, Func<TResult, object?> get) => _parts.Add(new ScalarPart<TResult>(name, get));

    public void Add<TRow>(string name, Table<TRow> table, Func<TResult, IReadOnlyList<TRow>> rows)
        => _parts.Add(new TablePart<TResult, TRow>(name, table, rows));

    public IEnumerator<ResultPart<TResult>> GetEnumerator() => _parts.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
