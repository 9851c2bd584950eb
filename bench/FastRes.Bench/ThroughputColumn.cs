using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastRes.Bench;

/// <summary>
/// A column "units per second" = (units one invocation does) / (mean time per invocation). The units per
/// invocation come from the benchmark's own parameters, so the column needs nothing from the benchmark process.
/// </summary>
/// <remarks>
/// OperationsPerInvoke would do this only when the count is a compile-time constant; here it depends on the
/// parameters (vector width for flops) or on the workload (trial-iterations, which early retirement shortens).
/// </remarks>
public sealed class ThroughputColumn(string name, string legend, Func<BenchmarkCase, double?> unitsPerInvoke) : IColumn
{
    public string Id => $"{nameof(ThroughputColumn)}.{name}";
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        double? units = unitsPerInvoke(benchmarkCase);
        if (meanNs is not > 0 || units is null) return "NA";
        double perSecond = units.Value / (meanNs.Value * 1e-9);
        return perSecond switch
        {
            >= 1e9 => $"{perSecond / 1e9:0.00} G",
            >= 1e6 => $"{perSecond / 1e6:0.00} M",
            _ => $"{perSecond:0}",
        };
    }

    public override string ToString() => ColumnName;
}
