using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using FastRes.Cli.Commands;
using FastRes.Cli.Hosting;

namespace FastRes.Cli;

/// <summary>
/// The <c>fastres</c> host as a function of its arguments and two writers, so tests run it in-process.
/// System.CommandLine parses and prints --help/--version; everything that goes wrong becomes exactly one line
/// <c>error: FIELD: what is allowed</c> on stderr with the exit codes of <see cref="ExitCodes"/>.
/// </summary>
public static class CliApp
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, CancellationToken.None);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        // The progress bar needs a real terminal behind stdout; a test's writer or a pipe gets plain lines.
        bool interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        var context = new CliContext(stdout, stderr, interactive, cancellation);
        try
        {
            var root = CreateRoot(context);
            if (args.Length == 0) args = ["--help"];
            ParseResult parse = root.Parse(args);
            if (parse.Action is ParseErrorAction) throw ParseFailure(parse);
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                // Ctrl-C is handled by Program (first press cancels the token, the runner stops at a block boundary).
                ProcessTerminationTimeout = null,
            });
        }
        catch (BadInputException e)
        {
            stderr.WriteLine($"error: {e.Field}: {OneLine(e.Problem)}");
            return ExitCodes.BadInput;
        }
        catch (FastRes.Experiments.Settings.SettingException e)
        {
            stderr.WriteLine($"error: --{e.Setting}: {OneLine(e.Problem)}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            stderr.WriteLine("cancelled: stopped before the results were complete; no results files were written");
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            // Worker threads wrap their failure (a full disk while journaling a block) in an AggregateException.
            while (e is AggregateException { InnerExceptions.Count: >= 1 } agg) e = agg.InnerExceptions[0];
            string kind = e switch
            {
                IOException or UnauthorizedAccessException => "I/O",
                SlurmException => "slurm",
                _ => e.GetType().Name,
            };
            stderr.WriteLine($"error: {kind}: {OneLine(e.Message)}");
            return ExitCodes.RuntimeFailure;
        }
    }

    public static RootCommand CreateRoot(CliContext context)
    {
        var root = new RootCommand("fastres: fast, exact reproductions of the experiments behind theory papers on shortcut connections")
        {
            ListCommand.Create(context),
            RunCommand.Create(context),
            MergeCommand.Create(context),
            SlurmCommand.Create(context),
            InfoCommand.Create(context),
            ReproduceCommand.Create(context),
            BenchCommand.Create(),
        };
        return root;
    }

    /// <summary>System.CommandLine's parse errors (several lines plus help) as one line that names the culprit.</summary>
    private static BadInputException ParseFailure(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string path = CommandPath(parse.CommandResult);
        if (SwallowedOption(parse) is { } swallowed) return swallowed;
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            if (command.Name == RunCommand.Name && command.Parents.Any(p => p is RootCommand))
                return new BadInputException(RunCommand.Name, $"unknown experiment \"{token}\" (known: {ExperimentRegistry.Names})");
            if (command.Name == RunCommand.Name && command.Parents.Any(p => p is Command { Name: SlurmCommand.Name }))
                return new BadInputException(RunCommand.Name, $"unknown or unshardable experiment \"{token}\" (known: {SlurmCommand.Names})");
            if (token.StartsWith('-'))
            {
                var allowed = command.Options.Where(o => !o.Hidden).Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                return new BadInputException(token, $"unknown option for '{path}' (allowed: {string.Join(", ", allowed)})");
            }
            if (command is RootCommand)
                return new BadInputException(token, $"unknown command (commands: {string.Join(", ", command.Subcommands.Select(c => c.Name))})");
            return new BadInputException(token, $"unexpected argument for '{path}' (list values with commas, e.g. --k 4,8)");
        }

        var error = parse.Errors[0];
        switch (error.SymbolResult)
        {
            case OptionResult option when option.Tokens.Count == 0:
                return new BadInputException(option.Option.Name, "needs a value");
            case OptionResult option:
                return new BadInputException(option.Option.Name, OneLine(error.Message));
            case CommandResult c when c.Command.Name == RunCommand.Name && c.Command.Parents.Any(p => p is Command { Name: SlurmCommand.Name }):
                return new BadInputException(RunCommand.Name, $"name an experiment that splits into shards (known: {SlurmCommand.Names})");
            case CommandResult c when c.Command.Name == RunCommand.Name && c.Command.Parents.Any(p => p is RootCommand):
                return new BadInputException(RunCommand.Name, $"name an experiment (known: {ExperimentRegistry.Names})");
            case CommandResult c when c.Command.Subcommands.Count > 0:
                return new BadInputException(CommandPath(c), $"name a command ({string.Join(", ", c.Command.Subcommands.Select(s => s.Name))})");
            default:
                return new BadInputException(path, OneLine(error.Message));
        }
    }

    /// <summary>
    /// <c>--p --out DIR</c>: the parser hands "--out" to --p as its value and then trips over DIR. The real mistake is
    /// the missing value, so say that rather than "unexpected argument DIR".
    /// </summary>
    internal static BadInputException? SwallowedOption(ParseResult parse)
    {
        var names = parse.CommandResult.Command.Options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var option in parse.CommandResult.Children.OfType<OptionResult>())
        {
            if (option.Tokens.Count > 0 && names.Contains(option.Tokens[0].Value))
                return new BadInputException(option.Option.Name, $"needs a value (got the option {option.Tokens[0].Value})");
        }
        return null;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c && c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        return string.Join(' ', names.Prepend("fastres"));
    }

    private static string OneLine(string text) => ConfigFile.OneLine(text);
}
