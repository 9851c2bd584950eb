using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Experiments.Settings;

/// <summary>How a setting relates to a run's results, which decides config_hash and what <c>--resume</c> may change.</summary>
public enum SettingRole
{
    /// <summary>Changes results: in config_hash, fixed for a resumed run.</summary>
    Result,
    /// <summary>How the work is executed (threads, SIMD width): never changes results, so not in config_hash, and a resumed run may change it.</summary>
    Execution,
    /// <summary>How the work is cut (shard, block size): never changes the merged results, so not in config_hash (shards of one run share it), but a resumed run must keep it.</summary>
    Layout,
}

/// <summary>
/// One setting of an experiment config, declared once: its name (the flag <c>--NAME</c> and the <c>--config</c>/config.json
/// key), help, how its text is read, what values are allowed and where it lives on the config record. The host
/// derives flags, <c>--config</c> reading, config.json, config_hash, the resume and merge checks and every bad-input
/// message from it.
/// </summary>
public abstract class Setting<TConfig>
{
    protected Setting(string name, string helpName, string help, SettingRole role)
        => (Name, HelpName, HelpTemplate, Role) = (name, helpName, help, role);

    /// <summary>Flag name without dashes; also the JSON key.</summary>
    public string Name { get; }
    /// <summary>Placeholder in --help (<c>LIST</c>, <c>X</c>, <c>i/N</c>).</summary>
    public string HelpName { get; }
    /// <summary>
    /// Help text. <c>{default}</c> in it is replaced by the default; a text that states its own default (contains
    /// "(default") is kept as it is, and so is the text of a setting unset by default (it says what unset means:
    /// "default: synthetic data"); any other text gets " (default X)" appended.
    /// </summary>
    public string HelpTemplate { get; }
    public SettingRole Role { get; }
    /// <summary>Whether the setting may be unset (JSON null; the value is then derived, like η from --eta-scale).</summary>
    public abstract bool Nullable { get; }

    public string Flag => "--" + Name;

    /// <summary>The config with this setting read from <paramref name="text"/> (null only for <see cref="Nullable"/> settings: unset).</summary>
    public abstract TConfig Parse(TConfig config, string? text);

    /// <summary>The value of this setting in <paramref name="config"/>, as config.json holds it.</summary>
    public abstract JsonNode? ToJson(TConfig config);

    /// <summary>What is wrong with this setting's value in <paramref name="config"/>, or null.</summary>
    public abstract string? Check(TConfig config);

    /// <summary>The value as a user would type it.</summary>
    public abstract string Show(TConfig config);

    /// <summary>The help line, with the default taken from <paramref name="defaults"/> (each experiment has its own).</summary>
    public string Help(TConfig defaults)
    {
        string shown = Show(defaults);
        if (HelpTemplate.Contains("{default}", StringComparison.Ordinal)) return HelpTemplate.Replace("{default}", shown);
        return HelpTemplate.Contains("(default", StringComparison.Ordinal) || shown.Length == 0 ? HelpTemplate : $"{HelpTemplate} (default {shown})";
    }

    /// <summary>A <c>--config</c> value, typed exactly by the setting's kind; null only where the setting may be unset.</summary>
    public abstract TConfig ParseJson(TConfig config, JsonElement value);

    /// <summary>The same setting on a config that holds this one (the atlas holds a shortcut-cnn config, the Shamir experiments a model).</summary>
    public abstract Setting<TOuter> Lift<TOuter>(Func<TOuter, TConfig> get, Func<TOuter, TConfig, TOuter> set);

    /// <summary>The same setting with other help (the trajectory's k is one width, not a list).</summary>
    public abstract Setting<TConfig> WithHelp(string help);
}

/// <summary>A setting holding a <typeparamref name="T"/> read by <see cref="Kind"/> and allowed by <see cref="Rule"/>.</summary>
public sealed class Setting<TConfig, T>(string name, string helpName, string help, Func<TConfig, T> get, Func<TConfig, T, TConfig> set,
                                        Kind<T> kind, Rule<T>? rule = null, SettingRole role = SettingRole.Result)
    : Setting<TConfig>(name, helpName, help, role)
{
    public Kind<T> Kind { get; } = kind;
    public Rule<T>? Rule { get; } = rule;
    public T Get(TConfig config) => get(config);
    public override bool Nullable => Kind.AllowsNull;

    public override TConfig Parse(TConfig config, string? text)
    {
        if (text is null)
            return Nullable ? set(config, default!) : throw new SettingException(Name, "needs a value");
        return set(config, Kind.Parse(Name, text));
    }

    public override TConfig ParseJson(TConfig config, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return Nullable ? set(config, default!) : throw new SettingException(Name, "must not be null");
        return set(config, Kind.ParseJson(Name, value));
    }

    public override JsonNode? ToJson(TConfig config) => Kind.ToJson(get(config));
    public override string? Check(TConfig config) => Rule?.Invoke(get(config));
    public override string Show(TConfig config) => Kind.Show(get(config));

    public override Setting<TOuter> Lift<TOuter>(Func<TOuter, TConfig> outer, Func<TOuter, TConfig, TOuter> with)
        => new Setting<TOuter, T>(Name, HelpName, HelpTemplate, o => get(outer(o)), (o, v) => with(o, set(outer(o), v)), Kind, Rule, Role);

    public override Setting<TConfig> WithHelp(string text) => new Setting<TConfig, T>(Name, HelpName, text, get, set, Kind, Rule, Role);
}
