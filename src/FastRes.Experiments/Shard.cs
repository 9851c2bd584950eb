namespace FastRes.Experiments;

/// <summary>A slice of the trial indices: shard <see cref="Index"/> (0-based) of <see cref="Count"/>.</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(0, 1);

    /// <summary>Trials [Start, End) of this shard out of <paramref name="trials"/>: contiguous, balanced, deterministic.</summary>
    public (long Start, long End) Range(long trials)
        => (trials * Index / Count, trials * (Index + 1) / Count);

    public override string ToString() => $"{Index}/{Count}";
}
