namespace FastRes.Experiments;

/// <summary>An experiment's config record: every value has a default, and <see cref="Validate"/> is the one place that decides what is allowed.</summary>
public interface IExperimentConfig
{
    /// <summary>Every problem, each naming its setting; empty when the config can run.</summary>
    IReadOnlyList<ConfigError> Validate();
}
