namespace FastRes.Cli.Hosting;

/// <summary>
/// Input the user can fix (an option, a config file, an experiment name): reported as one line
/// <c>error: FIELD: MESSAGE</c> with exit code 2, before anything is written.
/// </summary>
public sealed class BadInputException(string field, string message) : Exception($"{field}: {message}")
{
    /// <summary>What was wrong, as the user spells it: <c>--k</c>, <c>run</c>, <c>--config</c>.</summary>
    public string Field { get; } = field;
    public string Problem { get; } = message;
}
