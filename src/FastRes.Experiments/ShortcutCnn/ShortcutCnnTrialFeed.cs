using FastRes.Experiments.Checkpoints;
using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// Hands one worker's lanes the (trial, method) pairs of a shortcut-cnn run: trial blocks are claimed from a shared
/// cursor, each trial is set up once (<see cref="ShortcutCnnTrialSetup"/>) and emitted once per method, so every
/// method of a trial sees the same teacher and a_0. Outcome counts are integers kept per worker and summed at the
/// end, so they are independent of which worker ran which block.
/// With a journal (checkpoints), the feed also keeps a tally per claimed block and the number of its (trial, method)
/// lanes still outstanding; when that reaches 0 the block is finished and reported to the journal. A worker's lanes
/// can span a few blocks at once (refilled lanes start the next block while older lanes still run), hence a list.
/// Once cancellation is requested the feed hands out no new block but lets the claimed ones finish, so a clean stop
/// leaves only whole blocks behind.
/// </summary>
internal sealed class ShortcutCnnTrialFeed : IShortcutCnnSampledFeed
{
    private const int ProgressBatch = 512;

    private readonly BlockCursor _cursor;
    private readonly ShortcutCnnConfig _config;
    private readonly ShortcutCnnMethod[] _methods;
    private readonly StepSizes _steps;
    private readonly SphericalCap _cap;
    private readonly IProgress<long>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly double[] _vStar, _aStar, _a0, _w0, _e;
    private readonly double _etaW1Base; // C·η₁² (times ‖a*‖² per trial)
    private readonly TrialOutcome[]? _outcomes; // per (trial − first) × methods, when recording
    private readonly ITrialBlockJournal? _journal;
    private readonly string _cell;
    private readonly List<OpenBlock> _open = [];
    private readonly TrialOutcome[]? _paired; // the population outcomes of the same (trial − first) × methods, when pairing

    private long _trial = -1, _blockEnd = -1;
    private int _method;
    private double _aStarNorm2;
    private long _unreported;

    /// <summary>Counts[method, outcome].</summary>
    public long[,] Counts { get; }
    public long[] Iterations { get; }
    /// <summary>Per method: trials whose outcome equals the paired outcome (0 when not pairing).</summary>
    public long[] Same { get; }
    /// <summary>Tally entries per method in a journal block: <see cref="TallyPerMethod"/>, plus the same-outcome count when pairing.</summary>
    public int Tally => TallyWidth(_paired is not null);
    public static int TallyWidth(bool paired) => paired ? TallyPerMethod + 1 : TallyPerMethod;

    public ShortcutCnnTrialFeed(ShortcutCnnConfig config, int k, SphericalCap cap, BlockCursor cursor,
                                IProgress<long>? progress, CancellationToken cancellation, TrialOutcome[]? outcomes = null,
                                ITrialBlockJournal? journal = null, string cell = "", TrialOutcome[]? paired = null)
    {
        _paired = paired;
        _journal = journal;
        _cell = cell;
        _config = config;
        _methods = config.Methods;
        _steps = config.ResolveSteps(k);
        _cap = cap;
        _cursor = cursor;
        _progress = progress;
        _cancellation = cancellation;
        _outcomes = outcomes;
        int p = config.P;
        _vStar = new double[p]; _w0 = new double[p]; _e = new double[p];
        Array.Fill(_e, 1.0 / Math.Sqrt(p));
        _aStar = new double[k]; _a0 = new double[k];
        _etaW1Base = _steps.WarmupC * _steps.Eta1 * _steps.Eta1;
        Counts = new long[_methods.Length, 4];
        Iterations = new long[_methods.Length];
        Same = new long[_methods.Length];
    }

    /// <summary>The samples of a (trial, method) tag are keyed by its trial: every method sees the same data.</summary>
    public ulong SampleTrial(long tag) => (ulong)(tag / _methods.Length);

    public bool TryNext(out long tag, Span<double> u0, Span<double> vStar, Span<double> aStar, Span<double> a0,
                        out double etaW1, out double etaA1, out int warmupIterations)
    {
        if (_trial < 0 || _method == _methods.Length)
        {
            if (!AdvanceTrial()) { tag = 0; etaW1 = etaA1 = 0; warmupIterations = 0; return false; }
        }
        var method = _methods[_method];
        tag = _trial * _methods.Length + _method;
        _method++;
        (method == ShortcutCnnMethod.Cnn ? _w0 : _e).CopyTo(u0);
        _vStar.CopyTo(vStar);
        _aStar.CopyTo(aStar);
        _a0.CopyTo(a0);
        if (method == ShortcutCnnMethod.ResnetSsw)
        {
            // Stage I (Theorem 1): η_a = η₁, η_w = C‖a*‖²η₁².
            etaA1 = _steps.Eta1;
            etaW1 = _etaW1Base * _aStarNorm2;
            warmupIterations = _steps.WarmupIterations;
        }
        else
        {
            etaA1 = etaW1 = _steps.Eta;
            // Stage I is the same as Stage II here, but T₁ stays a check point so that every method is checked on
            // the same schedule as the scalar reference (ShortcutCnnReference.Run).
            warmupIterations = _steps.WarmupIterations;
        }
        return true;
    }

    public void Complete(long tag, TrialOutcome outcome, int iterations)
    {
        int m = (int)(tag % _methods.Length);
        Counts[m, (int)outcome]++;
        Iterations[m] += iterations;
        if (_outcomes is not null) _outcomes[tag - _cursor.FirstTrial * _methods.Length] = outcome;
        bool same = _paired is not null && _paired[tag - _cursor.FirstTrial * _methods.Length] == outcome;
        if (same) Same[m]++;
        if (_journal is not null) CompleteInBlock(tag / _methods.Length, m, outcome, iterations, same);
        if (++_unreported == ProgressBatch) FlushProgress();
    }

    public void FlushProgress()
    {
        if (_unreported > 0) { _progress?.Report(_unreported); _unreported = 0; }
    }

    /// <summary>Tally layout of a shortcut-cnn block: per method (config order), the four outcome counts in
    /// <see cref="TrialOutcome"/> order (undecided, success, spurious, diverged), then the trial-iterations, then (when
    /// pairing, shortcut-cnn-sampled) the trials that ended as their population run did.</summary>
    public const int TallyPerMethod = 5;

    private void CompleteInBlock(long trial, int method, TrialOutcome outcome, int iterations, bool same)
    {
        for (int i = 0; i < _open.Count; i++)
        {
            var block = _open[i];
            if (trial < block.Start || trial >= block.End) continue;
            block.Tally[method * Tally + (int)outcome]++;
            block.Tally[method * Tally + 4] += iterations;
            if (same) block.Tally[method * Tally + 5]++;
            if (--block.Outstanding == 0)
            {
                _open.RemoveAt(i);
                _journal!.Record(new CompletedBlock(_cell, block.Index, block.Start, block.End, block.Tally));
            }
            return;
        }
        throw new InvalidOperationException($"trial {trial} completed outside every open block");
    }

    private bool AdvanceTrial()
    {
        if (_trial < 0 || _trial + 1 >= _blockEnd)
        {
            // Stop at a block boundary: lanes already running finish their trials, so every claimed block completes.
            if (_cancellation.IsCancellationRequested) return false;
            if (!_cursor.TryClaim(out long index, out long start, out long end)) return false;
            _trial = start;
            _blockEnd = end;
            if (_journal is not null)
                _open.Add(new OpenBlock(index, start, end, (end - start) * _methods.Length, new long[_methods.Length * Tally]));
        }
        else
        {
            _trial++;
        }
        ShortcutCnnTrialSetup.Sample(_config.Seed, _trial, _cap, _vStar, _aStar, _a0, _w0);
        _aStarNorm2 = 0;
        foreach (double x in _aStar) _aStarNorm2 += x * x;
        _method = 0;
        return true;
    }

    private sealed class OpenBlock(long index, long start, long end, long outstanding, long[] tally)
    {
        public long Index { get; } = index;
        public long Start { get; } = start;
        public long End { get; } = end;
        public long Outstanding { get; set; } = outstanding;
        public long[] Tally { get; } = tally;
    }
}

/// <summary>
/// Hands out the blocks of trial indices [first, end) to workers, thread-safely: block b is trials
/// [first + b·size, min(first + (b+1)·size, end)). Blocks that <paramref name="skip"/> says are already done (a
/// resumed run) are never handed out.
/// </summary>
internal sealed class BlockCursor(long firstTrial, long endTrial, int blockTrials, Func<long, bool>? skip = null)
{
    private long _nextBlock = -1;

    public long FirstTrial { get; } = firstTrial;
    public long EndTrial { get; } = endTrial;
    public long Blocks { get; } = (endTrial - firstTrial + blockTrials - 1) / blockTrials;

    public (long Start, long End) RangeOf(long block)
        => (FirstTrial + block * blockTrials, Math.Min(FirstTrial + (block + 1) * blockTrials, EndTrial));

    public bool TryClaim(out long index, out long start, out long end)
    {
        while (true)
        {
            index = Interlocked.Increment(ref _nextBlock);
            if (index >= Blocks) { start = end = EndTrial; return false; }
            if (skip?.Invoke(index) == true) continue;
            (start, end) = RangeOf(index);
            return true;
        }
    }
}
