namespace FastRes.Experiments.ShortcutCnn;

/// <summary>The success-rate Monte Carlo of SPEC §1.6 (shortcut-cnn).</summary>
public static class ShortcutCnnMonteCarlo
{
    /// <summary>Trials this config will run in total (its shard × k values × methods): the progress total.</summary>
    public static long TotalTrials(ShortcutCnnConfig config)
    {
        var (start, end) = config.Shard.Range(config.Trials);
        return (end - start) * config.K.Length * config.Methods.Length;
    }

    /// <summary>
    /// Runs the config (which must be valid). <paramref name="progress"/> receives increments: the number of
    /// trials just finished, from worker threads. Cancellation stops at the next trial block boundary and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ShortcutCnnResult Run(ShortcutCnnConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("lands with the SIMD kernel");
}

/// <summary>shortcut-cnn-atlas: shortcut-cnn over θ_cap × k.</summary>
public static class ShortcutCnnAtlas
{
    public static long TotalTrials(ShortcutCnnAtlasConfig config) => ShortcutCnnMonteCarlo.TotalTrials(config.Shared) * config.CapDegs.Length;

    public static ShortcutCnnResult Run(ShortcutCnnAtlasConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("lands with the SIMD kernel");
}

/// <summary>shortcut-cnn-trajectory: per-iteration traces of a few trials.</summary>
public static class ShortcutCnnTrajectories
{
    public static ShortcutCnnTrajectoryResult Run(ShortcutCnnTrajectoryConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException("lands with the SIMD kernel");
}
