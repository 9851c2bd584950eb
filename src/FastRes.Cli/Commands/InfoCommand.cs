using System.CommandLine;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary><c>fastres info</c>: the machine as the kernels see it (ISA, vector width in use, cores).</summary>
public static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("info", "Show the machine: CPU, cores, instruction sets and the vector width the kernels use");
        command.SetAction(_ =>
        {
            var m = KernelProfiler.Machine();
            var o = context.Out;
            o.WriteLine($"fastres      {BuildStamp.Version}{(BuildStamp.GitCommit is { } c ? $" ({c[..12]})" : "")}");
            o.WriteLine($"cpu          {m.Cpu}");
            o.WriteLine($"cores        {m.Cores}");
            o.WriteLine($"isa          {m.Isa}");
            o.WriteLine($"vector width {m.VectorWidth}");
            o.WriteLine($"runtime      {m.Runtime}");
            o.WriteLine($"os           {m.Os}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
