using System.Text.Json;

namespace FastRes.Cli.Hosting;

/// <summary>
/// Reads a <c>--config</c> file: a JSON object whose keys are the flag names. A previous run's config.json or
/// results.json is accepted too (its <c>"config"</c> object is used), so a run can be repeated from its folder.
/// </summary>
public static class ConfigFile
{
    public static TConfig Apply<TConfig>(TConfig config, string path, string experiment, IReadOnlyList<Setting<TConfig>> settings)
    {
        string text;
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

            var byName = settings.ToDictionary(s => s.Name, StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!byName.TryGetValue(property.Name, out var setting))
                    throw new BadInputException("--config", $"{path}: unknown key \"{property.Name}\" (allowed: {string.Join(", ", settings.Select(s => s.Name))})");
                try
                {
                    config = setting.ApplyJson(config, property.Value, "--config");
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
