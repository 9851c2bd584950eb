using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// shortcut-cnn-atlas (beyond the papers): the success-rate experiment over a grid θ_cap × k, to map where the
/// skip-layer prior stops protecting and where warm-up matters. <see cref="Shared"/> holds every option of
/// shortcut-cnn (its CapDeg is replaced by each of <see cref="CapDegs"/>).
/// </summary>
public sealed record ShortcutCnnAtlasConfig : IExperimentConfig<ShortcutCnnAtlasConfig>
{
    public ShortcutCnnConfig Shared { get; init; } = new() { Trials = 2000, K = [2, 4, 8, 16, 32] };
    public double[] CapDegs { get; init; } = [30, 45, 60, 75, 90, 120, 150, 180];

    /// <summary>shortcut-cnn's settings but --cap-deg, which --caps replaces (a single cap would be silently ignored).</summary>
    public static Schema<ShortcutCnnAtlasConfig> Schema { get; } = new()
    {
        ShortcutCnnConfig.Schema.Lift<ShortcutCnnAtlasConfig>(a => a.Shared, (a, c) => a with { Shared = c }, "cap-deg"),
        { "caps", "LIST", "Comma list of cap half-angles θ_cap in degrees, each in (0, 180]", a => a.CapDegs, (a, v) => a with { CapDegs = v },
          Kinds.List(Kinds.Double), Rules.NonEmpty(Rules.Between(ShortcutCnnConfig.MinCapDeg, 180.0), $"at least one angle in [{ShortcutCnnConfig.MinCapDeg}, 180]") },
    };

    public IReadOnlyList<ConfigError> Validate() => [.. Schema.Check(this), .. Shared.Relations()];
}

/// <summary>
/// shortcut-cnn-trajectory: a few trials traced per iteration for each method (loss, φ, aᵀa*, ‖a − a*‖).
/// Uses <see cref="Shared"/>'s p, first k, methods, step sizes, cap and seed; traces trials 0..Traces−1 and, when
/// <see cref="FindTrapped"/> is set, also the first trial (among the next <see cref="SearchTrials"/>) in which
/// resnet without warm-up ends in the spurious basin while resnet-ssw succeeds.
/// </summary>
public sealed record ShortcutCnnTrajectoryConfig : IExperimentConfig<ShortcutCnnTrajectoryConfig>
{
    public ShortcutCnnConfig Shared { get; init; } = new() { K = [8], CapDeg = 90 };
    public int Traces { get; init; } = 3;
    /// <summary>Record every n-th iteration (and always the first and last).</summary>
    public int Every { get; init; } = 5;
    public bool FindTrapped { get; init; } = true;
    public int SearchTrials { get; init; } = 20_000;

    /// <summary>shortcut-cnn's settings but --trials, --shard and --block-trials (the traced trials are --traces and --search-trials).</summary>
    public static Schema<ShortcutCnnTrajectoryConfig> Schema { get; } = new()
    {
        ShortcutCnnConfig.Schema.Lift<ShortcutCnnTrajectoryConfig>(t => t.Shared, (t, c) => t with { Shared = c }, "trials", "shard", "block-trials")
            .Select(s => s.Name == "k" ? s.WithHelp("Width k ≥ 1 of the traced runs, one value (default {default})") : s),
        { "traces", "N", "Trials 0..N−1 traced for every method", t => t.Traces, (t, v) => t with { Traces = v }, Kinds.Int, Rules.Between(0, 1000) },
        { "every", "N", "Record every N-th iteration, and always the first and last", t => t.Every, (t, v) => t with { Every = v }, Kinds.Int, Rules.Between(1, ShortcutCnnConfig.MaxIterations) },
        { "find-trapped", "true|false", "Also trace the first trial where resnet ends spurious while resnet-ssw succeeds", t => t.FindTrapped,
          (t, v) => t with { FindTrapped = v }, Kinds.Bool },
        { "search-trials", "N", "How many trials --find-trapped searches", t => t.SearchTrials, (t, v) => t with { SearchTrials = v }, Kinds.Int, Rules.Between(0, 1_000_000_000) },
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        // The runner traces the first k only; silently dropping the rest of a list would mislead.
        if (Shared.K is { Length: > 1 } k) errors.Add(new ConfigError("k", $"traces one width; give a single value (got {string.Join(",", k)})"));
        errors.AddRange(Schema.Check(this));
        errors.AddRange(Shared.Relations());
        if (Traces == 0 && !FindTrapped) errors.Add(new("traces", "nothing to trace: traces is 0 and find-trapped is off"));
        return errors;
    }
}

/// <summary>One recorded iteration of one traced trial.</summary>
public readonly record struct TrajectoryPoint(int Iteration, double Loss, double Phi, double ADotAStar, double AError)
{
    public static Table<TrajectoryPoint> Columns { get; } = new()
    {
        { "iteration", p => p.Iteration, ColumnFlags.None },
        { "loss", p => p.Loss, ColumnFlags.None },
        { "phi", p => p.Phi, ColumnFlags.None },
        { "a_dot_astar", p => p.ADotAStar, ColumnFlags.None },
        { "a_error", p => p.AError, ColumnFlags.None },
    };
}

/// <summary>A traced trial: which, how it ended, and its points.</summary>
public sealed record Trajectory(string Method, long Trial, string Label, TrialOutcome Outcome, IReadOnlyList<TrajectoryPoint> Points)
{
    public string OutcomeName => Outcome.ToString().ToLowerInvariant();
    public TrajectoryPoint Last => Points.LastOrDefault();

    /// <summary>results.json's "trajectories" (points nested); results.csv in long format, one line per (trace, recorded iteration).</summary>
    public static Table<Trajectory> Columns { get; } = new()
    {
        { "method", t => t.Method, "method", ColumnFlags.Console },
        { "trial", t => t.Trial, "trial", ColumnFlags.Console },
        { "label", t => t.Label, "label", ColumnFlags.Console },
        { "outcome", t => t.OutcomeName, "outcome", ColumnFlags.Console },
        { "points", t => t.Points, TrajectoryPoint.Columns, ColumnFlags.Expand },
        { null, t => t.Points.Count, "points" },
        { null, t => t.Last.Loss, "final loss", ColumnFlags.Console, Scientific },
        { null, t => t.Last.Phi, "final φ", ColumnFlags.None, Scientific },
        { null, t => t.Last.AError, "final ‖a − a*‖", ColumnFlags.None, Scientific },
    };

    private static string Scientific(double v) => double.IsFinite(v) ? v.ToString("0.00e0", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}

public sealed record ShortcutCnnTrajectoryResult(ShortcutCnnTrajectoryConfig Config, IReadOnlyList<Trajectory> Trajectories, double Seconds) : IExperimentResult<ShortcutCnnTrajectoryResult>
{
    public static ResultLayout<ShortcutCnnTrajectoryResult> Layout { get; } = new(r => r.Seconds) { { "trajectories", Trajectory.Columns, r => r.Trajectories } };
}
