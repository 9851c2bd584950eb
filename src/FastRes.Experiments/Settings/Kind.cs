using System.Numerics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Experiments.Settings;

/// <summary>
/// What a setting holds, as text and as JSON: how a flag's text is read (invariant culture, one message per mistake
/// that says what is allowed), how the value is written into config.json (and so into config_hash), and how it is
/// shown as a default in --help. Whether a well-formed value is allowed (k ≥ 1, η &gt; 0) is a <see cref="Rule{T}"/>'s
/// call, not the kind's.
/// </summary>
public abstract class Kind<T>
{
    /// <summary>Reads <paramref name="text"/> (never null) for setting <paramref name="name"/>; throws <see cref="SettingException"/>.</summary>
    public abstract T Parse(string name, string text);

    /// <summary>
    /// Reads a <c>--config</c> value, typed exactly: a number for a number (not the string "150"), a list for a list
    /// (not a bare 4), a string for a word. JSON null is the setting's business (unset), never the kind's.
    /// </summary>
    public abstract T ParseJson(string name, JsonElement value);

    public abstract JsonNode? ToJson(T value);

    /// <summary>The value as a user would type it after the flag (what --help shows as the default).</summary>
    public abstract string Show(T value);

    /// <summary>What a value looks like, for messages: "an integer", "a number", "one of a, b".</summary>
    public abstract string Expected { get; }

    /// <summary>Whether "unset" is a value (JSON null in a config file).</summary>
    public virtual bool AllowsNull => false;
}

/// <summary>The kinds settings are made of.</summary>
public static class Kinds
{
    public static readonly Kind<int> Int = new Integer<int>("an integer");
    public static readonly Kind<long> Long = new Integer<long>("an integer");
    public static readonly Kind<ulong> ULong = new Integer<ulong>($"an integer between 0 and {ulong.MaxValue}");
    public static readonly Kind<double> Double = new Real();
    public static readonly Kind<bool> Bool = new Flag();
    /// <summary>Free text, e.g. a path; an empty or blank value means "not set" (null).</summary>
    public static readonly Kind<string?> Text = new FreeText();

    /// <summary>A comma list; empty items are an error (<c>4,,8</c> is a typo, not two values).</summary>
    public static Kind<T[]> List<T>(Kind<T> item, bool distinct = true) => new ListOf<T>(item, distinct);

    /// <summary>One of a fixed set of words, case-insensitive; the first word of a value is the one written back.</summary>
    public static Kind<T> Choice<T>(params (string Word, T Value)[] choices) => new Words<T>(choices);

    /// <summary>A value that may be left unset (null: derived from other settings, like η from --eta-scale).</summary>
    public static Kind<T?> Optional<T>(Kind<T> inner) where T : struct => new OptionalOf<T>(inner);

    /// <summary>"a number", "a list", "text": what a JSON value is, for messages.</summary>
    internal static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string {e.GetRawText()}",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => $"{e.GetRawText()}",
        _ => e.ValueKind.ToString().ToLowerInvariant(),
    };

    internal static SettingException Wrong(string name, string expected, JsonElement e) => new(name, $"must be {expected} (got {Describe(e)})");

    /// <summary>Shortest round-trip text of a double, invariant: what config files, CSVs and --help carry.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Integer<T>(string expected) : Kind<T> where T : struct, IBinaryInteger<T>
    {
        private const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        public override string Expected => expected;
        public override T Parse(string name, string text)
            => T.TryParse(text, Style, CultureInfo.InvariantCulture, out T v) ? v : throw new SettingException(name, $"must be {expected} (got \"{text}\")");
        public override T ParseJson(string name, JsonElement e)
            => e.ValueKind == JsonValueKind.Number && T.TryParse(e.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out T v) ? v
                : throw Wrong(name, expected, e);
        public override JsonNode? ToJson(T value) => JsonValue.Create(value);
        public override string Show(T value) => value.ToString(null, CultureInfo.InvariantCulture);
    }

    /// <summary>Any double, NaN and ∞ included: whether they are allowed is a rule's call, which then names them.</summary>
    private sealed class Real : Kind<double>
    {
        public override string Expected => "a number";
        public override double Parse(string name, string text)
            => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new SettingException(name, $"must be a number (got \"{text}\")");
        public override double ParseJson(string name, JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Wrong(name, Expected, e);
        public override JsonNode? ToJson(double value) => JsonValue.Create(value);
        public override string Show(double value) => Format(value);
    }

    private sealed class Flag : Kind<bool>
    {
        public override string Expected => "true or false";
        public override bool Parse(string name, string text) => text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "1" => true,
            "false" or "no" or "0" => false,
            _ => throw new SettingException(name, $"must be true or false (got \"{text}\")"),
        };
        public override bool ParseJson(string name, JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, Expected, e),
        };
        public override JsonNode? ToJson(bool value) => JsonValue.Create(value);
        public override string Show(bool value) => value ? "true" : "false";
    }

    private sealed class FreeText : Kind<string?>
    {
        public override string Expected => "text";
        public override bool AllowsNull => true;
        public override string? Parse(string name, string text) => text;
        public override string? ParseJson(string name, JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() : throw Wrong(name, "text (a JSON string)", e);
        public override JsonNode? ToJson(string? value) => value is null ? null : JsonValue.Create(value);
        public override string Show(string? value) => value ?? "";
    }

    private sealed class ListOf<T>(Kind<T> item, bool distinct) : Kind<T[]>
    {
        public override string Expected => "a comma-separated list";
        public override T[] Parse(string name, string text)
        {
            string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Any(p => p.Length == 0))
                throw new SettingException(name, $"must be a comma-separated list without empty items (got \"{text}\")");
            var values = new T[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                try { values[i] = item.Parse(name, parts[i]); }
                catch (SettingException) { throw new SettingException(name, $"every value must be {item.Expected} (got \"{text}\")"); }
            }
            if (distinct && values.Distinct().Count() != values.Length)
                throw new SettingException(name, $"must not repeat a value (got \"{text}\")");
            return values;
        }
        public override T[] ParseJson(string name, JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Array) throw Wrong(name, $"a list of {Plural(item.Expected)}, e.g. [{Example(item.Expected)}]", e);
            var values = new List<T>();
            foreach (var x in e.EnumerateArray())
            {
                try { values.Add(item.ParseJson(name, x)); }
                catch (SettingException) { throw Wrong(name, $"a list of {Plural(item.Expected)}", x); }
            }
            if (values.Count == 0) throw new SettingException(name, "must list at least one value (got [])");
            if (distinct && values.Distinct().Count() != values.Count) throw new SettingException(name, $"must not repeat a value (got {e.GetRawText()})");
            return [.. values];
        }
        private static string Plural(string expected) => expected switch
        {
            "an integer" => "integers",
            "a number" => "numbers",
            _ when expected.StartsWith("one of ", StringComparison.Ordinal) => "words from " + expected["one of ".Length..],
            _ => $"values that are {expected}",
        };
        private static string Example(string expected)
            => expected.StartsWith("one of ", StringComparison.Ordinal) ? $"\"{expected["one of ".Length..].Split(", ")[0]}\"" : expected == "a number" ? "0.5, 1" : "4, 8";
        public override JsonNode? ToJson(T[] value) => new JsonArray(value.Select(item.ToJson).ToArray());
        public override string Show(T[] value) => string.Join(",", value.Select(item.Show));
    }

    private sealed class Words<T>((string Word, T Value)[] choices) : Kind<T>
    {
        public override string Expected => "one of " + string.Join(", ", choices.Select(c => c.Word));
        public override T Parse(string name, string text)
        {
            string t = text.Trim();
            foreach (var (word, value) in choices)
                if (string.Equals(word, t, StringComparison.OrdinalIgnoreCase)) return value;
            throw new SettingException(name, $"must be {Expected} (got \"{text}\")");
        }
        public override T ParseJson(string name, JsonElement e) => e.ValueKind == JsonValueKind.String ? Parse(name, e.GetString()!) : throw Wrong(name, Expected, e);
        public override JsonNode? ToJson(T value) => JsonValue.Create(Show(value));
        public override string Show(T value) => choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Word;
    }

    private sealed class OptionalOf<T>(Kind<T> inner) : Kind<T?> where T : struct
    {
        public override string Expected => inner.Expected;
        public override bool AllowsNull => true;
        public override T? Parse(string name, string text) => inner.Parse(name, text);
        public override T? ParseJson(string name, JsonElement e) => inner.ParseJson(name, e);
        public override JsonNode? ToJson(T? value) => value is { } v ? inner.ToJson(v) : null;
        public override string Show(T? value) => value is { } v ? inner.Show(v) : "";
    }
}
