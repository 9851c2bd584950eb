using BenchmarkDotNet.Attributes;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Bench;

/// <summary>
/// Stage 2 of the two-stage eigensolver alone: band → tridiagonal by bulge chasing
/// (<see cref="BandTridiagonalizer"/>) of a random symmetric band matrix (entries uniform in [−1, 1]) at
/// half-bandwidth B, on one thread and on two (pipelined sweeps; the result is the same). Rate at the nominal
/// 6n²b flops: divide <see cref="BandTridiagonalizer.NominalFlops"/> by the mean.
/// Run: <c>dotnet run -c Release --project bench/FastRes.Bench -- --filter '*BandTridiagonalizerBench*'</c>.
/// </summary>
/// <remarks>Allocation-free per call once the workspace and team exist (the MemoryDiagnoser column says so).</remarks>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5, invocationCount: 1)]
[MemoryDiagnoser]
public class BandTridiagonalizerBench
{
    private double[] _a = [];
    private double[] _d = [];
    private double[] _e = [];
    private BandWorkspace? _workspace;
    private WorkerTeam? _team;

    [Params(2000, 4000, 6400)]
    public int N { get; set; }

    [Params(32, 64)]
    public int B { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(BandTridiagonalizer.DefaultGroup)]
    public int Group { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = new double[(long)N * N];
        for (int i = 0; i < N; i++)
            for (int j = Math.Max(0, i - B); j <= i; j++) _a[(long)i * N + j] = 2 * rng.NextDouble() - 1;
        _d = new double[N];
        _e = new double[N];
        _workspace = new BandWorkspace(N, B);
        _team = new WorkerTeam(Threads);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _workspace?.Dispose();
        _team?.Dispose();
    }

    [Benchmark(Description = "bulge chasing")]
    public double Reduce()
    {
        BandTridiagonalizer.Reduce(_a, N, N, B, _d, _e, _workspace!, _team!, SimdWidth.Auto, Group);
        return _d[0];
    }
}
