using System.Text.Json;

namespace FastRes.Cli.Hosting;

/// <summary>
/// Reads a <c>--config</c> file: a JSON object whose keys are the flag names. A previous run's config.json or
/// results.json is accepted too (its <c>"config"</c> object is used), so a run can be repeated from its folder.
/// </summary>
public static class ConfigFile
{
    /// <summary>The settings of a schema read from the file at <paramref name="path"/> onto <paramref name="config"/>.</summary>
    public static TConfig Apply<TConfig>(TConfig config, string path, string experiment, FastRes.Experiments.Settings.Schema<TConfig> schema)
        => Read(config, path, experiment, schema.Settings.Select(s => s.Name).ToList(), (c, name, value) =>
        {
            try { return schema.Find(name)!.ParseJson(c, value); }
            catch (FastRes.Experiments.Settings.SettingException e) { throw new BadInputException("--config", e.Problem); }
        });

    private static TConfig Read<TConfig>(TConfig config, string path, string experiment, IReadOnlyList<string> names,
                                         Func<TConfig, string, JsonElement, TConfig> apply)
    {
        string text;
        if (Directory.Exists(path)) throw new BadInputException("--config", $"{path} is a folder; give a JSON file (a run's config.json works)");
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new BadInputException("--config", $"cannot read {path}: {OneLine(e.Message)}");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            // JsonException counts lines and bytes from 0; people count from 1.
            string where = e.LineNumber is { } line ? $"line {line + 1}, position {(e.BytePositionInLine ?? 0) + 1}" : "unknown position";
            throw new BadInputException("--config", $"{path} is not valid JSON at {where}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new BadInputException("--config", $"{path} must hold a JSON object of settings (got a {root.ValueKind.ToString().ToLowerInvariant()})");
            if (root.TryGetProperty("config", out var inner) && inner.ValueKind == JsonValueKind.Object && root.TryGetProperty("experiment", out var exp))
            {
                if (exp.ValueKind == JsonValueKind.String && exp.GetString() != experiment)
                    throw new BadInputException("--config", $"{path} is a {exp.GetString()} run, not {experiment}");
                root = inner;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                // JSON parsers keep the last of two equal keys; which one the author meant is anyone's guess.
                if (!seen.Add(property.Name))
                    throw new BadInputException("--config", $"{path}: key \"{property.Name}\" is given twice");
                if (!names.Contains(property.Name, StringComparer.Ordinal))
                    throw new BadInputException("--config", $"{path}: unknown key \"{property.Name}\" (allowed: {string.Join(", ", names)})");
                try
                {
                    config = apply(config, property.Name, property.Value);
                }
                catch (BadInputException e)
                {
                    throw new BadInputException("--config", $"{path}: \"{property.Name}\": {e.Problem}");
                }
            }
            return config;
        }
    }

    public static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
