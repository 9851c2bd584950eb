using System.CommandLine;

namespace FastRes.Cli.Hosting;

/// <summary>
/// An experiment as the host sees it: a name for <c>fastres list</c> and the <c>fastres run NAME</c> command that
/// parses its options, runs it and writes its folder. Implement it by deriving from
/// <see cref="Experiment{TConfig,TResult}"/> and add one line to <see cref="ExperimentRegistry"/>.
/// </summary>
public interface IExperiment
{
    string Name { get; }
    /// <summary>One line for <c>fastres list</c> and <c>--help</c>.</summary>
    string Description { get; }
    Command CreateRunCommand(CliContext context);
    /// <summary><c>fastres slurm run NAME</c>: the same options plus the Slurm ones.</summary>
    Command CreateSlurmCommand(CliContext context);
    /// <summary>Whether <c>fastres merge</c> can combine shards of this experiment.</summary>
    bool CanMerge { get; }
    /// <summary>The whole run's count of what <c>--shard</c> slices (trials, runs or cells), from a shard's own config.</summary>
    long SliceTotal(ShardInput shard);
    /// <summary>
    /// Flags for a run of about a second that still writes every file (every table, every figure): what tests and CI
    /// run of each experiment; empty when the defaults are that quick already.
    /// </summary>
    IReadOnlyList<string> SmokeArgs { get; }
    /// <summary>The papers' claims it checks (its run writes their verdicts to claims.json).</summary>
    IReadOnlyList<FastRes.Experiments.Results.PaperClaim> Claims { get; }
    /// <summary>The flags <c>fastres reproduce</c> runs it with at <paramref name="scale"/>, with the digit data folder given to reproduce, if any.</summary>
    IReadOnlyList<string> ReproduceArgs(ReproduceScale scale, string? data);
    /// <summary>The config_hash a run with these flags would have; throws <see cref="BadInputException"/> on bad flags.</summary>
    string ConfigHashFor(IReadOnlyList<string> args);
    /// <summary>Merges shards already checked by the host; returns the files written into <paramref name="outDir"/>.</summary>
    IReadOnlyList<string> Merge(IReadOnlyList<ShardInput> shards, string outDir, bool force, CliContext context);
}

/// <summary>How much of each experiment <c>fastres reproduce</c> runs: minutes in all, the built-in defaults, or the papers' protocols.</summary>
public enum ReproduceScale { Quick, Default, Paper }

/// <summary>A shard folder as <c>fastres merge</c> read it: its results.json, header fields and slice.</summary>
public sealed record ShardInput(string Dir, string ResultsPath, System.Text.Json.JsonElement Results, string Experiment, string ConfigHash,
                                string Version, string? GitCommit, ShardSlice Slice);
