using System.Collections;
using System.Text.Json.Nodes;

namespace FastRes.Experiments.Settings;

/// <summary>
/// Every setting of one experiment config, in --help order, each declared once (see <see cref="Setting{TConfig}"/>).
/// Declared as a collection initializer next to the config record:
/// <code>{ "p", "N", "Patch dimension p ≥ 2", c => c.P, (c, v) => c with { P = v }, Kinds.Int, Rules.AtLeast(2) }</code>
/// and composed from shared packs (<see cref="Packs"/>) and other schemas (<see cref="Lift{TOuter}"/>).
/// </summary>
public sealed class Schema<TConfig> : IEnumerable<Setting<TConfig>>
{
    private readonly List<Setting<TConfig>> _settings = [];
    private List<Setting<TConfig>>? _stored;

    public IReadOnlyList<Setting<TConfig>> Settings => _settings;

    /// <summary>The settings in the order config.json lists them: the --help order unless <see cref="StoreInOrder"/> gave another.</summary>
    public IReadOnlyList<Setting<TConfig>> Stored => _stored ?? _settings;

    /// <summary>
    /// Lists the settings in config.json (and so in results.json's "config") in the order of <paramref name="names"/>,
    /// every setting exactly once, where that order is not the --help order: a config composed of a shared block
    /// and an experiment's own settings keeps the order its files have always had.
    /// </summary>
    public Schema<TConfig> StoreInOrder(IEnumerable<string> names)
    {
        var stored = names.Select(n => Find(n) ?? throw new ArgumentException($"setting \"{n}\" is not in the schema")).ToList();
        if (stored.Count != _settings.Count || stored.Distinct().Count() != stored.Count)
            throw new ArgumentException("the stored order must name every setting exactly once");
        _stored = stored;
        return this;
    }

    public void Add<T>(string name, string helpName, string help, Func<TConfig, T> get, Func<TConfig, T, TConfig> set, Kind<T> kind, Rule<T>? rule = null)
        => Add(new Setting<TConfig, T>(name, helpName, help, get, set, kind, rule));

    public void Add(Setting<TConfig> setting)
    {
        if (_stored is not null) throw new InvalidOperationException("settings are added before the stored order is given");
        if (_settings.Any(s => s.Name == setting.Name)) throw new ArgumentException($"setting \"{setting.Name}\" is declared twice");
        _settings.Add(setting);
    }

    public void Add(IEnumerable<Setting<TConfig>> settings)
    {
        foreach (var s in settings) Add(s);
    }

    public Setting<TConfig>? Find(string name) => _settings.FirstOrDefault(s => s.Name == name);

    /// <summary>Each setting's own rule, in declaration order (cross-setting rules are the config record's).</summary>
    public List<ConfigError> Check(TConfig config)
    {
        var errors = new List<ConfigError>();
        foreach (var s in _settings)
            if (s.Check(config) is { } problem) errors.Add(new ConfigError(s.Name, problem));
        return errors;
    }

    /// <summary>Every value under its setting's name: config.json's "config", readable back through --config.</summary>
    public JsonObject ToJson(TConfig config)
    {
        var json = new JsonObject();
        foreach (var s in Stored) json[s.Name] = s.ToJson(config);
        return json;
    }

    /// <summary>These settings on a config that holds a <typeparamref name="TConfig"/>, except those named in <paramref name="omit"/>.</summary>
    public IEnumerable<Setting<TOuter>> Lift<TOuter>(Func<TOuter, TConfig> get, Func<TOuter, TConfig, TOuter> set, params string[] omit)
        => _settings.Where(s => !omit.Contains(s.Name)).Select(s => s.Lift(get, set));

    public IEnumerator<Setting<TConfig>> GetEnumerator() => _settings.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
