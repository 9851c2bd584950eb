using BenchmarkDotNet.Attributes;
using FastRes.Kernels.Spectrum;
using MathNet.Numerics.LinearAlgebra;

namespace FastRes.Bench;

/// <summary>
/// SPEC §5 eigenvalue target, side by side in one run: FastRes (blocked Householder + PWK QL) against LAPACK
/// DSYEVD through LAPACKE (OpenBLAS, all cores; run bench/install-peers.sh first, otherwise that row reports
/// NA). Eigenvalues only, random symmetric matrices with entries uniform in [−1, 1].
/// Run: <c>dotnet run -c Release --project bench/FastRes.Bench -- --filter '*EigenvaluesBench*'</c>.
/// </summary>
/// <remarks>Each operation is long (≈ 0.05 s at n = 500 to seconds at n = 4000), so one invocation per iteration.</remarks>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5, invocationCount: 1)]
[MemoryDiagnoser]
public class EigenvaluesBench
{
    private double[] _a = [];
    private double[] _eigenvalues = [];
    private double[] _scratch = [];
    private SymmetricEigenWorkspace? _workspace;

    [Params(500, 1000, 2000, 4000)]
    public int N { get; set; }

    /// <summary>FastRes worker threads (0 = all cores, as OpenBLAS uses by default).</summary>
    [Params(0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = RandomSymmetric(N, seed: 1);
        _eigenvalues = new double[N];
        _scratch = new double[N * N];
        _workspace = new SymmetricEigenWorkspace(N);
        if (Threads > 0) LapackEigen.TrySetThreads(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace?.Dispose();

    [Benchmark(Baseline = true, Description = "FastRes")]
    public double FastRes()
    {
        SymmetricEigen.Eigenvalues(_a, N, _eigenvalues, _workspace!, Threads);
        return _eigenvalues[0];
    }

    [Benchmark(Description = "LAPACK dsyevd")]
    public double Lapack()
    {
        if (!LapackEigen.IsAvailable) throw new InvalidOperationException("LAPACKE not installed: run bench/install-peers.sh");
        LapackEigen.Eigenvalues(_a, N, _eigenvalues, _scratch);
        return _eigenvalues[0];
    }

    internal static double[] RandomSymmetric(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                a[i * n + j] = a[j * n + i] = 2 * rng.NextDouble() - 1;
        return a;
    }
}

/// <summary>
/// The managed peer, MathNet.Numerics 5 <c>Evd(Symmetricity.Symmetric)</c> (EISPACK tred2/tql2, computes
/// eigenvectors too — it has no eigenvalues-only path), only up to n = 1000: it takes ≈ 5 s there and grows as
/// n³, so n = 2000 would take ≈ 40 s per invocation. FastRes is repeated as the baseline for the ratio.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class EigenvaluesManagedPeerBench
{
    private double[] _a = [];
    private double[] _eigenvalues = [];
    private Matrix<double>? _matrix;
    private SymmetricEigenWorkspace? _workspace;

    [Params(500, 1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = EigenvaluesBench.RandomSymmetric(N, seed: 1);
        _eigenvalues = new double[N];
        _matrix = Matrix<double>.Build.Dense(N, N, (i, j) => _a[i * N + j]);
        _workspace = new SymmetricEigenWorkspace(N);
    }

    [GlobalCleanup]
    public void Cleanup() => _workspace?.Dispose();

    [Benchmark(Baseline = true, Description = "FastRes")]
    public double FastRes()
    {
        SymmetricEigen.Eigenvalues(_a, N, _eigenvalues, _workspace!);
        return _eigenvalues[0];
    }

    [Benchmark(Description = "MathNet Evd")]
    public double MathNet() => _matrix!.Evd(Symmetricity.Symmetric).EigenValues[0].Real;
}
