using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;

namespace FastRes.Cli.Hosting;

/// <summary>
/// An experiment on the whitened digits data of SPEC §2.2 (<c>--data</c>; synthetic data without it): the data
/// loads during validation, so an unreadable or malformed file is bad input (one line, exit 2, nothing written), and
/// the loaded set is the one the runner gets.
/// </summary>
public abstract class DataExperiment<TConfig, TResult>(string name, string description) : Experiment<TConfig, TResult>(name, description)
    where TConfig : IExperimentConfig<TConfig>, IDataConfig, new() where TResult : IExperimentResult<TResult>
{
    private readonly DataCache _data = new();

    protected override bool TakesReproduceData => true;

    public override IReadOnlyList<ConfigError> Validate(TConfig config)
    {
        var errors = config.Validate().ToList();
        if (errors.Count == 0) _data.TryLoad(config.Data, config.Width, config.Seed, errors);
        return errors;
    }

    protected override DataProvenance? ProvenanceOf(TConfig config) => _data.Get(config.Data, config.Width, config.Seed).Provenance;

    protected abstract TResult Run(TConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken);

    protected sealed override TResult Run(TConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => Run(config, _data.Get(config.Data, config.Width, config.Seed), progress, journal, cancellationToken);
}
