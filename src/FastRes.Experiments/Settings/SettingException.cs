namespace FastRes.Experiments.Settings;

/// <summary>
/// A setting's text (a flag's value, a <c>--config</c> value) that cannot be read as what the setting holds:
/// which setting, and what is allowed. The host reports it as one line and exit code 2.
/// </summary>
public sealed class SettingException(string setting, string problem) : Exception($"{setting}: {problem}")
{
    /// <summary>The setting's name without dashes (<c>k</c>, <c>eta-scale</c>), as in <see cref="ConfigError.Field"/>.</summary>
    public string Setting { get; } = setting;
    public string Problem { get; } = problem;
}
