using System.CommandLine;

namespace FastRes.Cli.Hosting;

/// <summary>
/// An experiment as the host sees it: a name for <c>fastres list</c> and the <c>fastres run NAME</c> command that
/// parses its options, runs it and writes its folder. Implement it by deriving from
/// <see cref="ExperimentBinding{TConfig,TResult}"/> and add one line to <see cref="ExperimentRegistry"/>.
/// </summary>
public interface IExperiment
{
    string Name { get; }
    /// <summary>One line for <c>fastres list</c> and <c>--help</c>.</summary>
    string Description { get; }
    Command CreateRunCommand(CliContext context);
}
