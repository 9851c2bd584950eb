using System.CommandLine;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Commands;

/// <summary><c>fastres slurm run EXPERIMENT [options] --shards N --out DIR [--submit [--wait]]</c> (SPEC §7).</summary>
public static class SlurmCommand
{
    public const string Name = "slurm";

    /// <summary>The experiments that split into shards (and so can run as an array job).</summary>
    public static string Names => string.Join(", ", ExperimentRegistry.All.Where(e => e.CanMerge).Select(e => e.Name));

    public static Command Create(CliContext context)
    {
        var run = new Command("run", "Write a Slurm array job (one shard per task) and a dependent merge job; --submit submits them");
        foreach (var experiment in ExperimentRegistry.All.Where(e => e.CanMerge)) run.Add(experiment.CreateSlurmCommand(context));
        return new Command(Name, "Run an experiment on a Slurm cluster as an array job of shards plus a merge job; or the whole reproduction") { run, SlurmReproduceCommand.Create(context) };
    }
}
