namespace FastRes.Cli.Hosting;

/// <summary>
/// What a command may use of its surroundings: the two writers (Console's or a test's), whether stdout is an
/// interactive terminal (progress bar vs plain lines) and the Ctrl-C token.
/// </summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, bool Interactive, CancellationToken Cancellation);
