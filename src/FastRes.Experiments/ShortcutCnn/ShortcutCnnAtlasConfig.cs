using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// shortcut-cnn-atlas (beyond the papers): the success-rate experiment over a grid θ_cap × k, to map where the
/// skip-layer prior stops protecting and where warm-up matters. <see cref="Shared"/> holds every option of
/// shortcut-cnn (its CapDeg is replaced by each of <see cref="CapDegs"/>).
/// </summary>
public sealed record ShortcutCnnAtlasConfig
{
    public ShortcutCnnConfig Shared { get; init; } = new() { Trials = 2000, K = [2, 4, 8, 16, 32] };
    public double[] CapDegs { get; init; } = [30, 45, 60, 75, 90, 120, 150, 180];

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>(Shared.Validate().Where(e => e.Field != "cap-deg"));
        if (CapDegs is null || CapDegs.Length == 0) errors.Add(new("caps", "must list at least one angle in (0, 180]"));
        else if (CapDegs.Any(c => !(c > 0 && c <= 180)))
            errors.Add(new("caps", $"every angle must be in (0, 180] degrees (got {string.Join(",", CapDegs)})"));
        return errors;
    }
}

/// <summary>
/// shortcut-cnn-trajectory: a few trials traced per iteration for each method (loss, φ, aᵀa*, ‖a − a*‖).
/// Uses <see cref="Shared"/>'s p, first k, methods, step sizes, cap and seed; traces trials 0..Traces−1 and, when
/// <see cref="FindTrapped"/> is set, also the first trial (among the next <see cref="SearchTrials"/>) in which
/// resnet without warm-up ends in the spurious basin while resnet-ssw succeeds.
/// </summary>
public sealed record ShortcutCnnTrajectoryConfig
{
    public ShortcutCnnConfig Shared { get; init; } = new() { K = [8], CapDeg = 90 };
    public int Traces { get; init; } = 3;
    /// <summary>Record every n-th iteration (and always the first and last).</summary>
    public int Every { get; init; } = 5;
    public bool FindTrapped { get; init; } = true;
    public int SearchTrials { get; init; } = 20_000;

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>(Shared.Validate().Where(e => e.Field != "trials"));
        if (Traces < 0 || Traces > 1000) errors.Add(new("traces", $"must be between 0 and 1000 (got {Traces})"));
        if (Every < 1) errors.Add(new("every", $"must be an integer ≥ 1 (got {Every})"));
        if (SearchTrials < 0) errors.Add(new("search-trials", $"must be ≥ 0 (got {SearchTrials})"));
        if (Traces == 0 && !FindTrapped) errors.Add(new("traces", "nothing to trace: traces is 0 and find-trapped is off"));
        return errors;
    }
}

/// <summary>One recorded iteration of one traced trial.</summary>
public readonly record struct TrajectoryPoint(int Iteration, double Loss, double Phi, double ADotAStar, double AError);

/// <summary>A traced trial: which, how it ended, and its points.</summary>
public sealed record Trajectory(string Method, long Trial, string Label, TrialOutcome Outcome, IReadOnlyList<TrajectoryPoint> Points);

public sealed record ShortcutCnnTrajectoryResult(ShortcutCnnTrajectoryConfig Config, IReadOnlyList<Trajectory> Trajectories, double Seconds);
