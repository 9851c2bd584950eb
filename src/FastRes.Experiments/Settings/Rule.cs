using System.Numerics;
using System.Globalization;

namespace FastRes.Experiments.Settings;

/// <summary>
/// What values of a setting are allowed: null when <paramref name="value"/> is fine, else what is allowed, in the
/// words of a message that follows the setting's name ("must be between 1 and 256 (got 0)").
/// </summary>
public delegate string? Rule<in T>(T value);

/// <summary>The rules settings are checked with; each says what it allows, so every message names the range.</summary>
public static class Rules
{
    public static Rule<T> Between<T>(T min, T max) where T : INumber<T>
        => v => v >= min && v <= max ? null : $"must be between {Show(min)} and {Show(max)} (got {Show(v)})";

    public static Rule<T> AtLeast<T>(T min) where T : IBinaryInteger<T>
        => v => v >= min ? null : min == T.One ? $"must be a positive integer (got {Show(v)})" : $"must be an integer ≥ {Show(min)} (got {Show(v)})";

    /// <summary>A finite number &gt; 0 (a step size, a tolerance).</summary>
    public static readonly Rule<double> Positive = v => v > 0 && double.IsFinite(v) ? null : $"must be a finite number > 0 (got {Show(v)})";

    /// <summary>A finite number ≥ 0.</summary>
    public static readonly Rule<double> NonNegative = v => v >= 0 && double.IsFinite(v) ? null : $"must be a finite number ≥ 0 (got {Show(v)})";

    /// <summary>In the open interval (lo, hi).</summary>
    public static Rule<double> Inside(double lo, double hi) => v => v > lo && v < hi ? null : $"must be in ({Show(lo)}, {Show(hi)}) (got {Show(v)})";

    /// <summary>In (lo, hi].</summary>
    public static Rule<double> AboveUpTo(double lo, double hi) => v => v > lo && v <= hi ? null : $"must be in ({Show(lo)}, {Show(hi)}] (got {Show(v)})";

    /// <summary>Worker threads: 0 means every core.</summary>
    public static readonly Rule<int> Threads = v => v >= 0 && v <= 1024 ? null : $"must be between 0 and 1024 (0 = all cores) (got {v})";

    /// <summary>An unset optional value is always fine; a set one must pass <paramref name="rule"/>.</summary>
    public static Rule<T?> IfSet<T>(Rule<T> rule) where T : struct => v => v is { } x ? rule(x) : null;

    /// <summary>A list of at least one value, each passing <paramref name="each"/> (whose message is reworded for "every value").</summary>
    public static Rule<T[]> NonEmpty<T>(Rule<T>? each = null, string? what = null) => list =>
    {
        if (list is null || list.Length == 0) return what is null ? "must list at least one value" : $"must list {what}";
        if (each is null) return null;
        foreach (var v in list)
            if (each(v) is { } problem) return Every(problem, list);
        return null;
    };

    /// <summary>"must be between 1 and 256 (got 0)" → "every value must be between 1 and 256 (got 4,0)".</summary>
    private static string Every<T>(string problem, T[] list)
    {
        int got = problem.LastIndexOf(" (got ", StringComparison.Ordinal);
        string allowed = got >= 0 ? problem[..got] : problem;
        return $"every value {allowed} (got {string.Join(",", list.Select(x => Show(x)))})";
    }

    /// <summary>No value twice (a list read from text is checked when parsed; a config built in code is checked here).</summary>
    public static Rule<T[]> Distinct<T>() => list => list is null || list.Distinct().Count() == list.Length ? null : $"must not repeat a value (got {Show(list)})";

    /// <summary>Both rules (the first failure's message).</summary>
    public static Rule<T> And<T>(this Rule<T> first, Rule<T> second) => v => first(v) ?? second(v);

    /// <summary>A rule given by a predicate and the words for what it allows.</summary>
    public static Rule<T> Must<T>(Func<T, bool> allowed, string what) => v => allowed(v) ? null : $"must {what} (got {Show(v)})";

    internal static string Show<T>(T value) => value switch
    {
        double d => Kinds.Format(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e and not string => string.Join(",", e.Cast<object>().Select(Show)),
        null => "null",
        _ => value.ToString() ?? "",
    };
}
