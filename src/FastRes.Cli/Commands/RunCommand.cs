using System.CommandLine;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Commands;

/// <summary><c>fastres run EXPERIMENT [options]</c>: one subcommand per registered experiment.</summary>
public static class RunCommand
{
    public const string Name = "run";

    public static Command Create(CliContext context)
    {
        var command = new Command(Name, "Run an experiment and write its results folder (see `fastres list`)");
        foreach (var experiment in ExperimentRegistry.All) command.Add(experiment.CreateRunCommand(context));
        return command;
    }
}
