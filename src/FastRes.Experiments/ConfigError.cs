namespace FastRes.Experiments;

/// <summary>A validation failure: which field, and what is allowed.</summary>
public sealed record ConfigError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    /// <summary>A runner's guard: the host validates first, so reaching a runner with errors is a programming error.</summary>
    public static void ThrowIfAny(IReadOnlyList<ConfigError> errors)
    {
        if (errors.Count > 0) throw new ArgumentException($"invalid config: {errors[0]}");
    }
}
