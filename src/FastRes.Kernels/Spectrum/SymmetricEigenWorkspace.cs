namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Scratch memory (and the worker threads) for <see cref="SymmetricEigen"/> on matrices of order up to
/// <see cref="Capacity"/>: reuse one instance to compute many spectra without allocating. Not thread-safe: one
/// decomposition at a time per instance. Dispose it to stop its worker threads (they block when idle).
/// </summary>
/// <remarks>About (n + 32)·n + 80·n doubles: 8.5 MB for n = 1000, 130 MB for n = 4000, 800 MB for n = 10,000.</remarks>
public sealed class SymmetricEigenWorkspace : IDisposable
{
    /// <summary>Columns per panel (LAPACK's ILAENV default NB for DSYTRD is 32 as well).</summary>
    internal const int DefaultBlockSize = 32;

    /// <summary>Largest panel width the buffers allow (tests force narrower panels).</summary>
    internal const int MaxBlockSize = 64;

    /// <summary>Symmetric matrix–vector products are split into at most this many row chunks (see <see cref="TridiagonalReducer{TL,TVec}"/>).</summary>
    internal const int MaxChunks = 8;

    /// <summary>Widest register tile (<see cref="BlockKernels"/>: 4 vectors of 8 doubles; the one-stage update uses 3).</summary>
    internal const int MaxTileColumns = BlockKernels.MaxTileColumns;

    private WorkerTeam? _team;
    private readonly object?[] _reducers = new object?[8];
    private BandReductionBuffers? _band;
    private BandWorkspace? _chase;

    /// <param name="capacity">Largest matrix order this workspace serves (≥ 0).</param>
    public SymmetricEigenWorkspace(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        int lda = Stride(capacity) + 8; // Stride is non-decreasing up to its +8 anti-aliasing bump
        Matrix = new double[(long)capacity * lda > 0 ? checked(capacity * lda) : 0];
        Diagonal = new double[capacity];
        OffDiagonal = new double[capacity];
        Vector = new double[lda];
        Panel = new double[MaxBlockSize * lda];
        Mirror = new double[MaxChunks * lda];
        PackP = new double[(capacity + LowerTriangleKernels.TileRows) * 2 * MaxBlockSize];
        Workers = Math.Max(1, Environment.ProcessorCount);
        PackQ = new double[Workers * 2 * MaxBlockSize * MaxTileColumns];
        Coefficients = new double[2 * MaxBlockSize];
    }

    /// <summary>Largest matrix order this workspace serves.</summary>
    public int Capacity { get; }

    internal double[] Matrix { get; }
    internal double[] Diagonal { get; }
    internal double[] OffDiagonal { get; }
    internal double[] Vector { get; }
    internal double[] Panel { get; }
    internal double[] Mirror { get; }
    internal double[] PackP { get; }
    internal double[] PackQ { get; }
    internal double[] Coefficients { get; }
    internal int Workers { get; }

    /// <summary>
    /// Row stride of the working copy for order n: n plus room for one register tile past the last column (the
    /// blocked update writes whole tiles, spilling into scratch columns instead of branching), rounded to whole
    /// cache lines, and nudged off multiples of 4 KiB so that rows four apart do not alias in L1.
    /// </summary>
    internal static int Stride(int n)
    {
        int lda = (n + MaxTileColumns + 7) & ~7;
        if (lda % 512 == 0) lda += 8;
        return lda;
    }

    internal WorkerTeam Team(int threads)
    {
        threads = Math.Clamp(threads, 1, Workers);
        if (_team is null || _team.Size != threads)
        {
            _team?.Dispose();
            _team = new WorkerTeam(threads);
        }
        return _team;
    }

    internal T Reducer<T>(int slot, Func<SymmetricEigenWorkspace, T> create) where T : class
        => (T)(_reducers[slot] ??= create(this));

    /// <summary>Scratch of the dense → band reduction for half-bandwidth b, allocated on first use (about 6·b·n doubles).</summary>
    internal BandReductionBuffers BandBuffers(int band)
    {
        if (_band is null || _band.Band != band) _band = new BandReductionBuffers(Capacity, band);
        return _band;
    }

    /// <summary>Scratch of the band → tridiagonal stage for half-bandwidths up to b, allocated on first use (about 2·b·n doubles).</summary>
    internal BandWorkspace ChaseBuffers(int band)
    {
        if (_chase is null || _chase.MaxBandwidth < band) _chase = new BandWorkspace(Capacity, band);
        return _chase;
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        _team?.Dispose();
        _team = null;
    }
}
