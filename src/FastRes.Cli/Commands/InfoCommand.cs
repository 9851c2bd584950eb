using System.CommandLine;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;

namespace FastRes.Cli.Commands;

/// <summary><c>fastres info</c>: the machine as the kernels see it (ISA, vector width in use, cores), the CPU by vendor,
/// family/model/stepping and microarchitecture, the memory, and the OpenBLAS core type the LAPACK peer runs with.</summary>
public static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("info", "Show the machine: CPU (vendor, family/model, microarchitecture), cores, instruction sets, the vector width the kernels use, memory, OpenBLAS core type");
        command.SetAction(_ =>
        {
            var m = KernelProfiler.Machine();
            var id = CpuIdentity.Current();
            var o = context.Out;
            o.WriteLine($"fastres      {BuildStamp.Version}{(BuildStamp.GitCommit is { } c ? $" ({c[..12]})" : "")}");
            o.WriteLine($"cpu          {m.Cpu}");
            o.WriteLine($"cpu id       {id.Describe()}");
            o.WriteLine($"cores        {m.Cores}");
            o.WriteLine($"isa          {m.Isa}");
            o.WriteLine($"vector width {m.VectorWidth}");
            if (id.MemoryBytes is { } bytes) o.WriteLine($"memory       {bytes / (1024.0 * 1024 * 1024):0.0} GiB");
            o.WriteLine($"openblas     {CpuIdentity.OpenBlasCoreType(FastRes.Kernels.Spectrum.LapackEigen.OpenBlasCoreName, Environment.GetEnvironmentVariable)}");
            o.WriteLine($"runtime      {m.Runtime}");
            o.WriteLine($"os           {m.Os}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
