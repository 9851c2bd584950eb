using System.CommandLine;
using FastRes.Cli.Hosting;

namespace FastRes.Cli.Commands;

/// <summary><c>fastres list</c>: the experiments `run` knows, one line each.</summary>
public static class ListCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("list", "List the experiments with a one-line description");
        command.SetAction(_ =>
        {
            int width = ExperimentRegistry.All.Max(e => e.Name.Length);
            foreach (var e in ExperimentRegistry.All) context.Out.WriteLine($"{e.Name.PadRight(width)}  {e.Description}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
