namespace FastRes.Kernels.Spectrum;

/// <summary>One parallel region: a set of independent items, each executed once by some team member.</summary>
internal interface ITeamWork
{
    /// <param name="item">Item index, 0 ≤ item &lt; the count given to <see cref="WorkerTeam.Run"/>.</param>
    /// <param name="worker">Index of the executing member (0 = the caller), for per-worker scratch.</param>
    void Execute(int item, int worker);
}

/// <summary>
/// A fixed team of threads for fork-join regions that are short (tens of microseconds) and frequent (one per
/// Householder step, thousands per decomposition): the caller is worker 0, the others are dedicated background
/// threads that spin briefly between regions and then block. Items are handed out dynamically, and the caller
/// never waits for a member that has not started: on a busy machine a descheduled worker costs its share of
/// items, not a scheduler time slice per region. Unlike Parallel.For, a region allocates nothing.
/// </summary>
/// <remarks>
/// <para>Protocol. The caller publishes the region (work, item count, next item = 0), opens it and bumps
/// <c>_generation</c>; it then takes items itself until none is left, closes the region and waits only for members
/// still inside it (<c>_active</c>). A member enters by incrementing <c>_active</c> and then checking that the region
/// it was woken for is still open; both sides use full fences (Interlocked), so either the member sees the
/// region closed and leaves without touching it, or the caller sees it active and waits for it.</para>
/// <para>Sleeping: a member about to block increments <c>_sleepers</c> under the gate and re-reads the generation;
/// the caller pulses the gate when it sees a sleeper after bumping the generation (again fenced on both sides).</para>
/// <para>Work items must not throw (the kernels do not).</para>
/// </remarks>
internal sealed class WorkerTeam : IDisposable
{
    private const int SpinsBeforeBlocking = 2000;

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private ITeamWork? _work;
    private int _items;
    private int _next;
    private int _open;
    private int _active;
    private int _generation;
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

    /// <summary>Executes items 0..<paramref name="items"/>−1 of <paramref name="work"/> across the team; returns when all are done.</summary>
    public void Run(ITeamWork work, int items)
    {
        if (Size == 1 || items <= 1)
        {
            for (int i = 0; i < items; i++) work.Execute(i, 0);
            return;
        }
        _work = work;
        _items = items;
        _next = 0;
        Volatile.Write(ref _open, 1);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);

        int item;
        while ((item = Interlocked.Increment(ref _next) - 1) < items) work.Execute(item, 0);

        Interlocked.Exchange(ref _open, 0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _active) != 0) spin.SpinOnce(sleep1Threshold: -1);
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

            Interlocked.Increment(ref _active);
            if (Volatile.Read(ref _open) == 1 && Volatile.Read(ref _generation) == seen)
            {
                ITeamWork work = _work!;
                int items = _items, item;
                while ((item = Interlocked.Increment(ref _next) - 1) < items) work.Execute(item, index);
            }
            Interlocked.Decrement(ref _active);
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
