using System.Globalization;

namespace FastRes.Cli.Hosting;

/// <summary>
/// Text → value for settings, invariant culture, with messages that name the flag and what is allowed. Range
/// checks (k ≥ 1, step sizes > 0, …) are not here: they belong to the config records' Validate().
/// </summary>
public static class Values
{
    private const NumberStyles Integer = NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
    private const NumberStyles Real = NumberStyles.Float;

    public static string Flag(string name) => "--" + name;

    public static string Required(string name, string? text)
        => text ?? throw new BadInputException(Flag(name), "needs a value");

    public static int Int(string name, string? text)
        => int.TryParse(Required(name, text), Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new BadInputException(Flag(name), $"must be an integer (got \"{text}\")");

    public static int? NullableInt(string name, string? text) => text is null ? null : Int(name, text);

    public static long Long(string name, string? text)
        => long.TryParse(Required(name, text), Integer, CultureInfo.InvariantCulture, out long v) ? v
            : throw new BadInputException(Flag(name), $"must be an integer (got \"{text}\")");

    public static ulong ULong(string name, string? text)
        => ulong.TryParse(Required(name, text), Integer, CultureInfo.InvariantCulture, out ulong v) ? v
            : throw new BadInputException(Flag(name), $"must be an integer between 0 and {ulong.MaxValue} (got \"{text}\")");

    /// <summary>Any double, NaN and ∞ included: whether they are allowed is Validate()'s call, which then names them.</summary>
    public static double Double(string name, string? text)
        => double.TryParse(Required(name, text), Real, CultureInfo.InvariantCulture, out double v) ? v
            : throw new BadInputException(Flag(name), $"must be a number (got \"{text}\")");

    public static double? NullableDouble(string name, string? text) => text is null ? null : Double(name, text);

    public static bool Bool(string name, string? text) => Required(name, text).Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "1" => true,
        "false" or "no" or "0" => false,
        _ => throw new BadInputException(Flag(name), $"must be true or false (got \"{text}\")"),
    };

    /// <summary>A comma list; empty items are an error (<c>4,,8</c> is a typo, not two values).</summary>
    public static T[] List<T>(string name, string? text, Func<string, T> item, bool distinct)
    {
        string all = Required(name, text);
        string[] parts = all.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
            throw new BadInputException(Flag(name), $"must be a comma-separated list without empty items (got \"{all}\")");
        var values = parts.Select(item).ToArray();
        if (distinct && values.Distinct().Count() != values.Length)
            throw new BadInputException(Flag(name), $"must not repeat a value (got \"{all}\")");
        return values;
    }

    public static int[] IntList(string name, string? text)
        => List(name, text, p => int.TryParse(p, Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new BadInputException(Flag(name), $"every value must be an integer (got \"{text}\")"), distinct: true);

    public static double[] DoubleList(string name, string? text)
        => List(name, text, p => double.TryParse(p, Real, CultureInfo.InvariantCulture, out double v) ? v
            : throw new BadInputException(Flag(name), $"every value must be a number (got \"{text}\")"), distinct: true);

    /// <summary>One of a fixed set of words, case-insensitive.</summary>
    public static T Choice<T>(string name, string? text, IReadOnlyList<(string Word, T Value)> choices)
    {
        string t = Required(name, text).Trim();
        foreach (var (word, value) in choices)
        {
            if (string.Equals(word, t, StringComparison.OrdinalIgnoreCase)) return value;
        }
        throw new BadInputException(Flag(name), $"must be one of {string.Join(", ", choices.Select(c => c.Word))} (got \"{text}\")");
    }

    /// <summary>Shortest round-trip text of a double, invariant: what config files and CSVs carry.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
