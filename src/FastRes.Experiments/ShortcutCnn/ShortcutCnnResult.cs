namespace FastRes.Experiments.ShortcutCnn;

/// <summary>One (p, k, θ_cap, method) cell of a success-rate experiment (SPEC §1.7 row contract).</summary>
public sealed record ShortcutCnnRow
{
    public required int P { get; init; }
    public required int K { get; init; }
    public required double CapDeg { get; init; }
    public required string Method { get; init; }
    public required long Trials { get; init; }
    public required long Success { get; init; }
    public required long Spurious { get; init; }
    public required long Undecided { get; init; }
    public required long Diverged { get; init; }
    public required long TrialIterations { get; init; }
    public required double Seconds { get; init; }

    public double SuccessRate => Trials == 0 ? double.NaN : (double)Success / Trials;
    public (double Lo, double Hi) SuccessCi95 => Statistics.Wilson.Interval95(Success, Trials);
    public double SpuriousRate => Trials == 0 ? double.NaN : (double)Spurious / Trials;
    public (double Lo, double Hi) SpuriousCi95 => Statistics.Wilson.Interval95(Spurious, Trials);
}

/// <summary>The result of a shortcut-cnn (or atlas) run: the config it resolved to and its rows.</summary>
public sealed record ShortcutCnnResult(ShortcutCnnConfig Config, IReadOnlyList<ShortcutCnnRow> Rows, double Seconds);

/// <summary>Combines the results of the shards of one run (same config, slices that tile the trials).</summary>
public static class ShortcutCnnShards
{
    /// <summary>
    /// Sums counts, trial-iterations and trials row by row: outcomes are a pure function of (config, seed, trial),
    /// so the sums are exactly the counts of a single-process run. Every shard must list the same cells in the same
    /// order; seconds are summed (compute time, not wall time).
    /// </summary>
    public static ShortcutCnnResult Merge(ShortcutCnnConfig whole, IReadOnlyList<IReadOnlyList<ShortcutCnnRow>> shards, double seconds)
    {
        if (shards.Count == 0) throw new ArgumentException("no shards to merge");
        var first = shards[0];
        var rows = new List<ShortcutCnnRow>(first.Count);
        for (int r = 0; r < first.Count; r++)
        {
            var cell = first[r];
            long trials = 0, success = 0, spurious = 0, undecided = 0, diverged = 0, iterations = 0;
            double rowSeconds = 0;
            for (int s = 0; s < shards.Count; s++)
            {
                if (shards[s].Count != first.Count)
                    throw new ArgumentException($"shard {s} has {shards[s].Count} rows, shard 0 has {first.Count}");
                var x = shards[s][r];
                if (x.P != cell.P || x.K != cell.K || x.CapDeg != cell.CapDeg || x.Method != cell.Method)
                    throw new ArgumentException($"row {r} of shard {s} is (p={x.P}, k={x.K}, cap={x.CapDeg}, {x.Method}), of shard 0 (p={cell.P}, k={cell.K}, cap={cell.CapDeg}, {cell.Method})");
                trials += x.Trials; success += x.Success; spurious += x.Spurious; undecided += x.Undecided; diverged += x.Diverged;
                iterations += x.TrialIterations;
                rowSeconds += x.Seconds;
            }
            rows.Add(cell with
            {
                Trials = trials, Success = success, Spurious = spurious, Undecided = undecided, Diverged = diverged,
                TrialIterations = iterations, Seconds = rowSeconds,
            });
        }
        return new ShortcutCnnResult(whole, rows, seconds);
    }
}
