using System.Text.Json;

namespace FastRes.Cli.Hosting;

/// <summary>
/// One setting of an experiment config, known by a single name on the command line (<c>--eta-scale</c>) and in a
/// <c>--config</c> file (<c>"eta-scale"</c>). Both sources go through the same text parser, so a value means the
/// same thing wherever it is written and is rejected with the same message.
/// </summary>
/// <param name="Name">Flag name without dashes; also the JSON key.</param>
/// <param name="HelpName">Placeholder in --help (<c>LIST</c>, <c>X</c>, <c>i/N</c>).</param>
/// <param name="Description">Help text, including the default.</param>
/// <param name="Apply">Parses the text and returns the updated config; throws <see cref="BadInputException"/>.
/// Receives null only for <paramref name="Nullable"/> settings, meaning "back to the derived default".</param>
/// <param name="Nullable">Whether JSON null is allowed (values derived unless set, like eta or eta1).</param>
public sealed record FlagSetting<TConfig>(string Name, string HelpName, string Description, Func<TConfig, string?, TConfig> Apply, bool Nullable = false)
{
    public string Flag => "--" + Name;

    /// <summary>The same setting on an outer config that holds this one (atlas and trajectory hold a shortcut-cnn config).</summary>
    public FlagSetting<TOuter> Lift<TOuter>(Func<TOuter, TConfig> get, Func<TOuter, TConfig, TOuter> set)
        => new(Name, HelpName, Description, (outer, text) => set(outer, Apply(get(outer), text)), Nullable);

    public FlagSetting<TConfig> WithDescription(string description) => this with { Description = description };

    /// <summary>A JSON value as the text a user would have typed after the flag: arrays become comma lists.</summary>
    public TConfig ApplyJson(TConfig config, JsonElement value, string source)
    {
        string? text = value.ValueKind switch
        {
            JsonValueKind.Null when Nullable => null,
            JsonValueKind.Null => throw new BadInputException(source, $"\"{Name}\" must not be null"),
            JsonValueKind.Array => string.Join(",", value.EnumerateArray().Select(e => Scalar(e, source))),
            JsonValueKind.Object => throw new BadInputException(source, $"\"{Name}\" must be a value, not an object"),
            _ => Scalar(value, source),
        };
        return Apply(config, text);
    }

    private string Scalar(JsonElement e, string source) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new BadInputException(source, $"\"{Name}\" has a {e.ValueKind.ToString().ToLowerInvariant()} where a value was expected"),
    };
}
