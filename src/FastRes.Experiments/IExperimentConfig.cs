using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;

namespace FastRes.Experiments;

/// <summary>An experiment's config record: every value has a default, and <see cref="Validate"/> is the one place that decides what is allowed.</summary>
public interface IExperimentConfig
{
    /// <summary>Every problem, each naming its setting; empty when the config can run.</summary>
    IReadOnlyList<ConfigError> Validate();
}

/// <summary>A config record that declares its settings next to itself, once (<see cref="Schema"/>); its defaults are <c>new()</c>.</summary>
public interface IExperimentConfig<TSelf> : IExperimentConfig where TSelf : IExperimentConfig<TSelf>
{
    static abstract Schema<TSelf> Schema { get; }
}

/// <summary>A result record that declares its results.json, results.csv and tables next to itself, once (<see cref="Layout"/>).</summary>
public interface IExperimentResult<TSelf> where TSelf : IExperimentResult<TSelf>
{
    static abstract ResultLayout<TSelf> Layout { get; }
}
