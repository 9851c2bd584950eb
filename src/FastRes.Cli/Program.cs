using FastRes.Cli;

// The first Ctrl-C asks the runner to stop at its next block or cell boundary (exit 130, nothing half-written); a second one
// is left to the default handler and ends the process at once.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
    Console.Error.WriteLine("fastres: stopping at the next block or cell boundary (Ctrl-C again to kill)");
};
// SIGTERM (scancel, a Slurm time limit, `kill`) stops the same way: the claimed blocks finish, the checkpoint is
// synced, and the run can be resumed. Slurm sends SIGKILL KillWait seconds later; the checkpoint covers that too.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    if (cancel.IsCancellationRequested) return;
    cancel.Cancel();
    Console.Error.WriteLine("fastres: SIGTERM: stopping at the next block or cell boundary");
});
// Commands are registered in CliApp.CreateRoot; `fastres bench` (Commands/BenchCommand.cs, BenchCommand.Create()) is added there.
Console.OutputEncoding = System.Text.Encoding.UTF8;
return CliApp.Run(args, Console.Out, Console.Error, cancel.Token);
