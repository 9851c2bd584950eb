namespace FastRes.Kernels.Spectrum;

/// <summary>One parallel region: every member of a <see cref="WorkerTeam"/> calls it once with its index.</summary>
internal interface ITeamWork
{
    void Execute(int worker, int workers);
}

/// <summary>
/// A fixed team of threads for fork-join regions that are short (tens of microseconds) and frequent (one per
/// Householder step, thousands per decomposition): the caller is worker 0, the others are dedicated background
/// threads that spin briefly between regions and then block. Unlike Parallel.For, a region allocates nothing and
/// wakes spinning workers in well under a microsecond.
/// </summary>
/// <remarks>
/// Wake-up protocol: the caller publishes the work and bumps <c>_generation</c> (full fence), then reads
/// <c>_sleepers</c>; a worker about to block increments <c>_sleepers</c> (full fence) under the gate and re-reads
/// the generation before waiting. With fences on both sides at least one of them sees the other's write, so a
/// region is never missed. Work items must not throw (the kernels do not).
/// </remarks>
internal sealed class WorkerTeam : IDisposable
{
    private const int SpinsBeforeBlocking = 4000;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private ITeamWork? _work;
    private int _generation;
    private int _pending;
    private int _sleepers;
    private volatile bool _stop;

    public WorkerTeam(int size)
    {
        Size = Math.Max(1, size);
        _threads = new Thread[Size - 1];
        for (int t = 0; t < _threads.Length; t++)
        {
            _threads[t] = new Thread(WorkerLoop) { IsBackground = true, Name = $"FastRes eigen worker {t + 1}" };
            _threads[t].Start(t + 1);
        }
    }

    public int Size { get; }

    /// <summary>The team of one: runs every region on the caller; shared, owns no threads.</summary>
    public static WorkerTeam Single { get; } = new(1);

    /// <summary>Runs <paramref name="work"/> on every member and returns when all have finished.</summary>
    public void Run(ITeamWork work)
    {
        if (Size == 1)
        {
            work.Execute(0, 1);
            return;
        }
        _work = work;
        Volatile.Write(ref _pending, Size - 1);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);

        work.Execute(0, Size);

        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
    }

    private void WorkerLoop(object? state)
    {
        int index = (int)state!;
        int seen = 0;
        while (true)
        {
            var spin = new SpinWait();
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && !_stop && spins++ < SpinsBeforeBlocking)
                spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _generation) == seen && !_stop)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen && !_stop) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            if (_stop) return;
            seen = Volatile.Read(ref _generation);
            _work!.Execute(index, Size);
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        Interlocked.Increment(ref _generation);
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }
}
