namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Scratch memory (and the worker threads) for <see cref="BandTridiagonalizer"/> on band matrices of order up to
/// <see cref="Capacity"/> and half-bandwidth up to <see cref="MaxBandwidth"/>: reuse one instance to reduce many
/// bands without allocating. Not thread-safe: one reduction at a time per instance. Dispose it to stop its worker
/// threads (only created when a reduction asks for more than one thread).
/// </summary>
/// <remarks>About n·(2b + 9) doubles for the band copy: 11 MB for n = 10,000, b = 64.</remarks>
internal sealed class BandWorkspace : IDisposable
{
    /// <summary>Ints between two progress counters: one 64-byte cache line each, so that the counter one thread
    /// publishes after every task does not share a line with the one the other thread writes.</summary>
    internal const int ProgressPad = 16;

    private WorkerTeam? _team;
    private readonly object?[] _chasers = new object?[4];

    /// <param name="capacity">Largest matrix order served (≥ 0).</param>
    /// <param name="maxBandwidth">Largest half-bandwidth b served (≥ 1).</param>
    public BandWorkspace(int capacity, int maxBandwidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBandwidth, 1);
        Capacity = capacity;
        MaxBandwidth = maxBandwidth;
        int stride = DenseStride(maxBandwidth);
        Band = new double[checked((int)((long)capacity * (stride + 1) + 2 * maxBandwidth + 8))];
        Workers = Math.Max(1, Environment.ProcessorCount);
        Progress = new int[(capacity + 1) * ProgressPad];
        ScratchLength = (2 * BandTridiagonalizer.MaxGroup + 3) * (maxBandwidth + 8);
        Scratch = new double[Workers][];
        for (int w = 0; w < Workers; w++) Scratch[w] = new double[ScratchLength];
    }

    /// <summary>Grows the per-worker scratch for a team larger than this machine's core count (a caller's own team).</summary>
    internal void EnsureWorkers(int members)
    {
        if (members <= Scratch.Length) return;
        var grown = new double[members][];
        Scratch.CopyTo(grown, 0);
        for (int w = Scratch.Length; w < members; w++) grown[w] = new double[ScratchLength];
        Scratch = grown;
    }

    /// <summary>Largest matrix order served.</summary>
    public int Capacity { get; }

    /// <summary>Largest half-bandwidth served.</summary>
    public int MaxBandwidth { get; }

    /// <summary>The band copy: element (i, j), i − 2b ≤ j ≤ i, at <c>i·ldm + j + 2b</c> with ldm = <see cref="DenseStride"/>(b).</summary>
    internal double[] Band { get; }

    /// <summary>Tasks completed per sweep group, <see cref="ProgressPad"/> ints apart.</summary>
    internal int[] Progress { get; }

    /// <summary>Per worker: the group's reflectors (two per sweep) and three b-long vectors for the symmetric update.</summary>
    internal double[][] Scratch { get; private set; }

    internal int ScratchLength { get; }

    internal int Workers { get; }

    /// <summary>
    /// The row stride of the band copy read as a dense matrix: ≥ 2b + 1 (the band plus its bulge, LAPACK's
    /// LDA = 2·KD + 1), a whole number of cache lines, and an odd number of them, so that the b rows of a kernel's
    /// block fall into different L1 sets instead of a few (a stride of 2b = 128 doubles is 1 KiB: 64 rows of it
    /// would use a quarter of the sets and thrash).
    /// </summary>
    internal static int DenseStride(int b)
    {
        int lines = (2 * b + 1 + 7) / 8;
        if (lines % 2 == 0) lines++;
        return 8 * lines;
    }

    internal WorkerTeam Team(int threads)
    {
        threads = Math.Clamp(threads, 1, Workers);
        if (threads == 1) return WorkerTeam.Single;
        if (_team is null || _team.Size != threads)
        {
            _team?.Dispose();
            _team = new WorkerTeam(threads);
        }
        return _team;
    }

    internal T Chaser<T>(int slot, Func<BandWorkspace, T> create) where T : class
        => (T)(_chasers[slot] ??= create(this));

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        _team?.Dispose();
        _team = null;
    }
}
