using FastRes.Cli;

// The first Ctrl-C asks the runner to stop at its next trial block (exit 130, nothing half-written); a second one
// is left to the default handler and ends the process at once.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
    Console.Error.WriteLine("fastres: stopping at the next trial block (Ctrl-C again to kill)");
};
// Commands are registered in CliApp.CreateRoot; `fastres bench` (Commands/BenchCommand.cs, BenchCommand.Create()) is added there.
Console.OutputEncoding = System.Text.Encoding.UTF8;
return CliApp.Run(args, Console.Out, Console.Error, cancel.Token);
