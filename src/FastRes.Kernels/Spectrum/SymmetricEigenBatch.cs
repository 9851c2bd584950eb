using System.Runtime.ExceptionServices;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// A stream of symmetric eigenproblems for <see cref="SymmetricEigenBatch"/>: matrix j is built on the worker that
/// solves it (into that worker's buffer), and its eigenvalues are handed back on the same worker. Calls for different
/// j run concurrently on different threads; calls for one j run in the order Order, Build, Accept.
/// </summary>
public interface ISymmetricEigenSource
{
    /// <summary>Order n of matrix <paramref name="index"/> (0 ≤ n ≤ the batch's capacity).</summary>
    int Order(int index);

    /// <summary>
    /// Writes matrix <paramref name="index"/> (n×n row-major; only the lower triangle is read) into
    /// <paramref name="matrix"/>, whose length is exactly n². May throw (the batch stops and rethrows).
    /// </summary>
    void Build(int index, Span<double> matrix, CancellationToken cancellationToken);

    /// <summary>
    /// The eigenvalues of matrix <paramref name="index"/>, ascending (valid only during the call), with the matrix
    /// Build wrote (untouched by the solve), for whatever else the caller measures on it.
    /// </summary>
    void Accept(int index, ReadOnlySpan<double> matrix, ReadOnlySpan<double> eigenvalues);
}

/// <summary>
/// Throughput mode for many spectra (issue 12 item 2): solves a batch of symmetric eigenproblems one matrix per core,
/// each worker with its own matrix buffer and <see cref="SymmetricEigenWorkspace"/> and no synchronization between
/// cores inside a solve — where <see cref="SymmetricEigen"/>'s multithreaded reduction meets its team at every
/// Householder step. The per-core phase takes the largest matrices first (longest-processing-time-first scheduling,
/// so the workers finish close together); the last (count mod workers) matrices — the smallest — are solved one after
/// another with all workers on each (<see cref="SymmetricEigen"/>'s multithreaded solve), so a batch with fewer matrices
/// than workers still uses every core.
/// </summary>
/// <remarks>
/// <para>Results: each matrix is solved by the public <see cref="SymmetricEigen"/> entry point, whose result does not
/// depend on its thread count, so every spectrum is bit for bit the single solve's — whatever the worker count, the
/// batch size, or which worker took it.</para>
/// <para>Memory: per worker one n² matrix buffer and one workspace (about 2·8·n² bytes: 660 MB at n = 6,400), allocated
/// on a worker's first matrix and kept, so a warm batch allocates nothing; never the whole batch at once. Workers that
/// never get a matrix allocate nothing.</para>
/// <para>Cancellation and failures: the token is polled before each matrix and inside each solve (see
/// <see cref="SymmetricEigen"/>); an exception on one worker (a failed Build, a cancelled solve) stops the others at
/// their next matrix, and the first one is rethrown once all workers have stopped. Matrices accepted before that stay
/// accepted (a journal of them is exact). Not thread-safe: one batch at a time per instance.</para>
/// </remarks>
public sealed class SymmetricEigenBatch : IDisposable
{
    private readonly Worker[] _workers;
    private readonly WorkerTeam _team;
    private readonly Lanes _lanes;
    private long[] _keys = [];
    private int[] _schedule = [];

    /// <param name="capacity">Largest matrix order the batch serves (≥ 0).</param>
    /// <param name="threads">Workers (cores); 0 or less means <see cref="Environment.ProcessorCount"/>.</param>
    public SymmetricEigenBatch(int capacity, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        Workers = threads > 0 ? threads : Environment.ProcessorCount;
        _workers = new Worker[Workers];
        for (int w = 0; w < Workers; w++) _workers[w] = new Worker(capacity);
        _team = Workers > 1 ? new WorkerTeam(Workers) : WorkerTeam.Single;
        _lanes = new Lanes(this);
    }

    /// <summary>Largest matrix order the batch serves.</summary>
    public int Capacity { get; }

    /// <summary>Workers: matrices solved at once in the per-core phase, and threads of each multithreaded solve.</summary>
    public int Workers { get; }

    /// <summary>
    /// Solves matrices 0..<paramref name="count"/>−1 of <paramref name="source"/> (see the type remarks for the
    /// schedule). Returns when every matrix has been accepted.
    /// </summary>
    /// <exception cref="ArgumentException">A matrix's order is negative or exceeds <see cref="Capacity"/> (checked for all before any is built), or a matrix has a NaN or infinite entry.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Solve(ISymmetricEigenSource source, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(_lanes.Disposed, this);
        if (_schedule.Length < count) { _schedule = new int[count]; _keys = new long[count]; }
        for (int j = 0; j < count; j++)
        {
            int n = source.Order(j);
            if ((uint)n > (uint)Capacity)
                throw new ArgumentException($"matrix {j} has order {n}; this batch serves orders 0 to {Capacity}.", nameof(source));
            // Largest first, ties in index order: the key sorts ascending, and the schedule is a pure function of the orders.
            _keys[j] = (long)(Capacity - n) * count + j;
            _schedule[j] = j;
        }
        Array.Sort(_keys, _schedule, 0, count);

        int perCore = Workers > 1 ? count - count % Workers : 0;
        _lanes.Begin(source, perCore, cancellationToken);
        try
        {
            if (perCore > 0) _team.Run(_lanes, Workers);
            _lanes.ThrowIfFailed();
            for (int k = perCore; k < count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _workers[0].Solve(source, _schedule[k], threads: Workers, cancellationToken);
            }
        }
        finally { _lanes.End(); }
    }

    /// <summary>
    /// The eigenvalues of <paramref name="count"/> matrices of order n stored one after another in
    /// <paramref name="matrices"/> (count·n² values, row-major, lower triangles read), written one after another to
    /// <paramref name="eigenvalues"/> (count·n values, each spectrum ascending).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths do not match count and n, or n exceeds <see cref="Capacity"/>.</exception>
    public void Eigenvalues(ReadOnlyMemory<double> matrices, int n, int count, Memory<double> eigenvalues, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (matrices.Length != (long)count * n * n)
            throw new ArgumentException($"matrices has length {matrices.Length}; {count} matrices of order {n} need {(long)count * n * n}.", nameof(matrices));
        if (eigenvalues.Length < (long)count * n)
            throw new ArgumentException($"eigenvalues has length {eigenvalues.Length}; {count} spectra of order {n} need {(long)count * n}.", nameof(eigenvalues));
        if (n > Capacity) throw new ArgumentException($"n = {n} exceeds the batch capacity {Capacity}.", nameof(n));
        Solve(new StoredMatrices(matrices, n, eigenvalues), count, cancellationToken);
    }

    /// <summary>Stops the worker threads (the batch's and its workspaces').</summary>
    public void Dispose()
    {
        if (_lanes.Disposed) return;
        _lanes.Disposed = true;
        _team.Dispose();
        foreach (var w in _workers) w.Dispose();
    }

    /// <summary>One core's buffers, allocated on its first matrix.</summary>
    private sealed class Worker(int capacity) : IDisposable
    {
        private double[]? _matrix;
        private double[]? _eigenvalues;
        private SymmetricEigenWorkspace? _workspace;

        public void Solve(ISymmetricEigenSource source, int index, int threads, CancellationToken cancellationToken)
        {
            int n = source.Order(index);
            _matrix ??= new double[(long)capacity * capacity];
            _eigenvalues ??= new double[capacity];
            _workspace ??= new SymmetricEigenWorkspace(capacity);
            Span<double> a = _matrix.AsSpan(0, n * n), ev = _eigenvalues.AsSpan(0, n);
            source.Build(index, a, cancellationToken);
            SymmetricEigen.Eigenvalues(a, n, ev, _workspace, threads, cancellationToken);
            source.Accept(index, a, ev);
        }

        public void Dispose() => _workspace?.Dispose();
    }

    /// <summary>
    /// The per-core phase as one team region of <c>Workers</c> items ("lanes"): each lane takes the next matrix of
    /// the schedule until none is left, on the buffers of the thread executing it. A lane that starts late (its
    /// thread descheduled) finds the schedule drained by the others; nothing waits for it. The team's caller spins
    /// (<see cref="WorkerTeam.Run"/>) only while the others finish their last matrices — the smallest of the phase, as
    /// the schedule is largest first — so a region this long costs no more waiting than a short one.
    /// </summary>
    private sealed class Lanes(SymmetricEigenBatch batch) : ITeamWork
    {
        private ISymmetricEigenSource? _source;
        private int _count;
        private int _next;
        private CancellationToken _token;
        private ExceptionDispatchInfo? _failure;
        private volatile bool _stop;
        public bool Disposed { get; set; }

        public void Begin(ISymmetricEigenSource source, int count, CancellationToken token)
        {
            (_source, _count, _next, _token, _failure, _stop) = (source, count, 0, token, null, false);
        }

        public void End() => (_source, _token) = (null, default);

        public void Execute(int item, int worker)
        {
            // WorkerTeam items must not throw: a failure is kept and rethrown by the caller after the region.
            try
            {
                int k;
                while (!_stop && (k = Interlocked.Increment(ref _next) - 1) < _count)
                {
                    _token.ThrowIfCancellationRequested();
                    batch._workers[worker].Solve(_source!, batch._schedule[k], threads: 1, _token);
                }
            }
            catch (Exception e)
            {
                _stop = true;
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
        }

        public void ThrowIfFailed() => _failure?.Throw();
    }

    /// <summary>The <see cref="Eigenvalues"/> batch as a source: Build copies matrix j into the worker's buffer.</summary>
    private sealed class StoredMatrices(ReadOnlyMemory<double> matrices, int n, Memory<double> eigenvalues) : ISymmetricEigenSource
    {
        public int Order(int index) => n;

        public void Build(int index, Span<double> matrix, CancellationToken cancellationToken)
            => matrices.Span.Slice(index * n * n, n * n).CopyTo(matrix);

        public void Accept(int index, ReadOnlySpan<double> matrix, ReadOnlySpan<double> spectrum)
            => spectrum.CopyTo(eigenvalues.Span.Slice(index * n, n));
    }
}
