namespace FastRes.Experiments.Profiling;

/// <summary>What `fastres info` and the bench JSON report about the machine (SPEC §5).</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Isa, string VectorWidth, string Runtime, string Os);

/// <summary>One measured kernel figure (SPEC §5 JSON contract: kernel, variant, size, seconds, rate, unit).</summary>
public sealed record BenchResult(string Kernel, string Variant, string Size, double Seconds, double Rate, string Unit);

/// <summary>
/// The quick profiler behind `fastres bench` (BenchmarkDotNet in bench/ is the rigorous one): machine peak
/// (FMA throughput) and kernel throughputs, each measured in this process so ratios are side by side.
/// </summary>
public static class KernelProfiler
{
    public static MachineInfo Machine() => throw new NotImplementedException("lands with the bench work");

    /// <summary>Peak double and float FMA throughput (flop/s) on 1 thread and on <paramref name="threads"/>.</summary>
    public static IReadOnlyList<BenchResult> Peak(int threads) => throw new NotImplementedException("lands with the bench work");

    /// <summary>Monte Carlo trial-iterations/s for p=8 and each k in <paramref name="sizes"/>, per SIMD path and precision.</summary>
    public static IReadOnlyList<BenchResult> MonteCarlo(IReadOnlyList<int> sizes, int threads) => throw new NotImplementedException("lands with the bench work");
}
