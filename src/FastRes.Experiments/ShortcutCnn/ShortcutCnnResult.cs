using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>One (p, k, θ_cap, method) cell of a success-rate experiment (SPEC §1.7 row contract).</summary>
public sealed record ShortcutCnnRow
{
    public int P { get; init; }
    public int K { get; init; }
    public double CapDeg { get; init; }
    public string Method { get; init; } = "";
    public long Trials { get; init; }
    public long Success { get; init; }
    public long Spurious { get; init; }
    public long Undecided { get; init; }
    public long Diverged { get; init; }
    public long TrialIterations { get; init; }
    public double Seconds { get; init; }

    public double SuccessRate => Share(Success);
    public (double Lo, double Hi) SuccessCi95 => Statistics.Wilson.Interval95(Success, Trials);
    public double SpuriousRate => Share(Spurious);
    public double UndecidedRate => Share(Undecided);
    private double Share(long part) => Trials == 0 ? double.NaN : (double)part / Trials;

    /// <summary>"68.5% [67.9, 69.1]": the success rate with its Wilson 95% interval.</summary>
    public string SuccessWithCi => !double.IsFinite(SuccessRate) ? "n/a (no trials)"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{SuccessRate * 100:0.0}% [{SuccessCi95.Lo * 100:0.0}, {SuccessCi95.Hi * 100:0.0}]");

    /// <summary>
    /// The row contract of results.json/results.csv, summary.md's and the terminal's table; counts are read back by
    /// merge (rates and intervals are recomputed from them).
    /// </summary>
    public static Table<ShortcutCnnRow> Columns { get; } = new(new ShortcutCnnRow())
    {
        { "p", r => r.P, "p", ColumnFlags.Key, null, (r, v) => r with { P = v } },
        { "k", r => r.K, "k", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { K = v } },
        { "cap_deg", r => r.CapDeg, "θ_cap", ColumnFlags.Key | ColumnFlags.Console, v => Kinds.Format(v) + "°", (r, v) => r with { CapDeg = v } },
        { "method", r => r.Method, "method", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Method = v } },
        { "trials", r => r.Trials, "trials", ColumnFlags.Console, null, (r, v) => r with { Trials = v } },
        { "success", r => r.Success, ColumnFlags.Hidden, (r, v) => r with { Success = v } },
        { null, r => r.SuccessWithCi, "success [95% CI]", ColumnFlags.Console },
        { "spurious", r => r.Spurious, ColumnFlags.Hidden, (r, v) => r with { Spurious = v } },
        { "undecided", r => r.Undecided, ColumnFlags.Hidden, (r, v) => r with { Undecided = v } },
        { "diverged", r => r.Diverged, ColumnFlags.Hidden, (r, v) => r with { Diverged = v } },
        { "success_rate", r => r.SuccessRate, ColumnFlags.Hidden },
        { "success_ci95", r => r.SuccessCi95, ColumnFlags.Hidden },
        { "spurious_rate", r => r.SpuriousRate, "spurious", ColumnFlags.Console, Cells.Percent },
        { null, r => r.UndecidedRate, "undecided", ColumnFlags.Console, Cells.Percent },
        { null, r => r.Diverged, "diverged", ColumnFlags.Console },
        { "trial_iterations", r => r.TrialIterations, ColumnFlags.Hidden, (r, v) => r with { TrialIterations = v } },
        { "seconds", r => r.Seconds, ColumnFlags.Hidden, (r, v) => r with { Seconds = v } },
    };
}

/// <summary>The result of a shortcut-cnn (or atlas) run: the config it resolved to and its rows.</summary>
public sealed record ShortcutCnnResult(ShortcutCnnConfig Config, IReadOnlyList<ShortcutCnnRow> Rows, double Seconds) : IExperimentResult<ShortcutCnnResult>
{
    public static ResultLayout<ShortcutCnnResult> Layout { get; } = new(r => r.Seconds) { { "rows", ShortcutCnnRow.Columns, r => r.Rows } };

    /// <summary>
    /// One cell of the whole run from the same cell of every shard: counts, trial-iterations and trials add up, since
    /// outcomes are a pure function of (config, seed, trial); seconds are summed (compute time, not wall time).
    /// </summary>
    public static ShortcutCnnRow Sum(IReadOnlyList<ShortcutCnnRow> cell) => cell[0] with
    {
        Trials = cell.Sum(x => x.Trials), Success = cell.Sum(x => x.Success), Spurious = cell.Sum(x => x.Spurious),
        Undecided = cell.Sum(x => x.Undecided), Diverged = cell.Sum(x => x.Diverged), TrialIterations = cell.Sum(x => x.TrialIterations),
        Seconds = cell.Sum(x => x.Seconds),
    };

    /// <summary>What is wrong with a shard's row, for merge: its counts must be whole and cover the shard's trials.</summary>
    public static string? CheckShardRow(ShortcutCnnRow row, long sliceTrials)
    {
        if (row.Trials != sliceTrials) return $"{row.Trials} trials, its shard has {sliceTrials}";
        if (row.Success < 0 || row.Spurious < 0 || row.Undecided < 0 || row.Diverged < 0 || row.TrialIterations < 0
            || row.Success + row.Spurious + row.Undecided + row.Diverged != row.Trials)
            return $"its outcome counts do not add up to its {row.Trials} trials";
        return null;
    }
}
