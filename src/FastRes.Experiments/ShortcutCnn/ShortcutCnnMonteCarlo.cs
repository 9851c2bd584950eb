using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments.Checkpoints;
using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>The success-rate Monte Carlo of SPEC §1.6 (shortcut-cnn).</summary>
public static class ShortcutCnnMonteCarlo
{
    /// <summary>Trials this config will run in total (its shard × k values × methods): the progress total.</summary>
    public static long TotalTrials(ShortcutCnnConfig config)
    {
        var (start, end) = config.Shard.Range(config.Trials);
        return (end - start) * config.K.Length * config.Methods.Length;
    }

    /// <summary>
    /// Runs the config (which must be valid). <paramref name="progress"/> receives increments: the number of
    /// trials just finished, from worker threads. Cancellation stops at the next trial block boundary (claimed blocks
    /// finish, and reach the journal) and throws <see cref="OperationCanceledException"/>. With a
    /// <paramref name="journal"/>, every finished block is reported to it and blocks it already holds are not run
    /// again: their tallies are added instead (resume after a crash).
    /// </summary>
    public static ShortcutCnnResult Run(ShortcutCnnConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default,
                                        ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var total = Stopwatch.StartNew();
        var cap = new SphericalCap(config.P, config.CapDeg * Math.PI / 180);
        var rows = new List<ShortcutCnnRow>();
        foreach (int k in config.K)
            rows.AddRange(RunK(config, k, cap, progress, cancellationToken, journal: journal));
        return new ShortcutCnnResult(config, rows, total.Elapsed.TotalSeconds);
    }

    /// <summary>Worker threads a config resolves to.</summary>
    public static int Workers(ShortcutCnnConfig config) => config.Threads > 0 ? config.Threads : Environment.ProcessorCount;

    /// <summary>
    /// All methods for one k: workers claim blocks of trials; each trial is run once per method in the SIMD engine.
    /// A row's seconds are the k-pass wall time shared among its methods in proportion to their trial-iterations.
    /// </summary>
    /// <param name="engine">Runs a worker's feed to its end (default: the population lane engine); shortcut-cnn-sampled
    /// passes the sampled engine.</param>
    /// <param name="paired">Outcomes of the same (trial − first) × methods to compare with: <paramref name="same"/>
    /// receives, per method, how many trials ended the same way (journaled with the block).</param>
    /// <param name="cell">The journal's name of this pass (default <see cref="CellName"/>).</param>
    internal static IEnumerable<ShortcutCnnRow> RunK(ShortcutCnnConfig config, int k, SphericalCap cap, IProgress<long>? progress,
                                                     CancellationToken cancellationToken, TrialOutcome[]? outcomes = null,
                                                     ITrialBlockJournal? journal = null, Func<ShortcutCnnTrialFeed, ShortcutCnnGdSettings, long>? engine = null,
                                                     TrialOutcome[]? paired = null, long[]? same = null, string? cell = null)
    {
        var steps = config.ResolveSteps(k);
        var settings = new ShortcutCnnGdSettings(config.P, k, steps.Eta, config.IterationsFor(k), config.Tol, config.RetireLoss);
        var (first, end) = config.Shard.Range(config.Trials);
        var methods = config.Methods;
        var counts = new long[methods.Length, 4];
        var iterations = new long[methods.Length];

        // Blocks an interrupted run already finished: added, not rerun. A block is checked against the plan so
        // that a record from another layout can never be counted in place of the trials it claims to cover.
        cell ??= CellName(config.CapDeg, k);
        int tally = ShortcutCnnTrialFeed.TallyWidth(paired is not null);
        var probe = new BlockCursor(first, end, config.BlockTrials);
        var done = new HashSet<long>();
        for (long b = 0; journal is not null && b < probe.Blocks; b++)
        {
            if (!journal.TryGetCompleted(cell, b, out var block)) continue;
            var (bs, be) = probe.RangeOf(b);
            if (block.Start != bs || block.End != be || block.Tally.Length != methods.Length * tally)
                throw new InvalidDataException($"checkpoint block {cell} #{b} covers trials [{block.Start}, {block.End}), expected [{bs}, {be})");
            for (int m = 0; m < methods.Length; m++)
            {
                long ended = 0;
                for (int o = 0; o < 4; o++) ended += block.Tally[m * tally + o];
                if (ended != be - bs)
                    throw new InvalidDataException($"checkpoint block {cell} #{b} counts {ended} outcomes of {methods[m].Name()} for {be - bs} trials");
            }
            for (int m = 0; m < methods.Length; m++)
            {
                for (int o = 0; o < 4; o++) counts[m, o] += block.Tally[m * tally + o];
                iterations[m] += block.Tally[m * tally + 4];
                if (same is not null && paired is not null) same[m] += block.Tally[m * tally + 5];
            }
            done.Add(b);
            progress?.Report((be - bs) * methods.Length);
        }

        var cursor = new BlockCursor(first, end, config.BlockTrials, done.Count > 0 ? done.Contains : null);
        long remaining = cursor.Blocks - done.Count;
        int workers = (int)Math.Clamp(remaining, 1, Workers(config));
        var feeds = new ShortcutCnnTrialFeed[workers];
        var clock = Stopwatch.StartNew();
        try
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                var feed = feeds[w] = new ShortcutCnnTrialFeed(config, k, cap, cursor, progress, cancellationToken, outcomes, journal, cell, paired);
                if (engine is not null) engine(feed, settings);
                else ShortcutCnnLaneEngines.Run(config.Simd, config.Precision == Precision.Float, settings, feed, config.VectorsInFlight);
                feed.FlushProgress();
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OperationCanceledException))
        {
            throw new OperationCanceledException("shortcut-cnn run cancelled", ex, cancellationToken);
        }
        // The feeds stopped handing out blocks; the claimed ones finished (and were journaled), the rest never ran.
        cancellationToken.ThrowIfCancellationRequested();
        double seconds = clock.Elapsed.TotalSeconds;

        foreach (var feed in feeds)
        {
            for (int m = 0; m < methods.Length; m++)
            {
                for (int o = 0; o < 4; o++) counts[m, o] += feed.Counts[m, o];
                iterations[m] += feed.Iterations[m];
                if (same is not null) same[m] += feed.Same[m];
            }
        }
        long allIterations = Math.Max(1, iterations.Sum());
        for (int m = 0; m < methods.Length; m++)
        {
            yield return new ShortcutCnnRow
            {
                P = config.P,
                K = k,
                CapDeg = config.CapDeg,
                Method = methods[m].Name(),
                Trials = end - first,
                Success = counts[m, (int)TrialOutcome.Success],
                Spurious = counts[m, (int)TrialOutcome.Spurious],
                Undecided = counts[m, (int)TrialOutcome.Undecided],
                Diverged = counts[m, (int)TrialOutcome.Diverged],
                TrialIterations = iterations[m],
                Seconds = seconds * iterations[m] / allIterations,
            };
        }
    }

    /// <summary>The journal's name for one (θ_cap, k) cell: <c>cap=60 k=8</c>.</summary>
    public static string CellName(double capDeg, int k)
        => string.Create(CultureInfo.InvariantCulture, $"cap={capDeg:R} k={k}");
}

/// <summary>shortcut-cnn-atlas: shortcut-cnn over θ_cap × k.</summary>
public static class ShortcutCnnAtlas
{
    public static long TotalTrials(ShortcutCnnAtlasConfig config) => ShortcutCnnMonteCarlo.TotalTrials(config.Shared) * config.CapDegs.Length;

    public static ShortcutCnnResult Run(ShortcutCnnAtlasConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default,
                                        ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var total = Stopwatch.StartNew();
        var rows = new List<ShortcutCnnRow>();
        foreach (double capDeg in config.CapDegs)
        {
            var cell = config.Shared with { CapDeg = capDeg };
            var cap = new SphericalCap(cell.P, capDeg * Math.PI / 180);
            foreach (int k in cell.K)
                rows.AddRange(ShortcutCnnMonteCarlo.RunK(cell, k, cap, progress, cancellationToken, journal: journal));
        }
        return new ShortcutCnnResult(config.Shared, rows, total.Elapsed.TotalSeconds);
    }
}

/// <summary>shortcut-cnn-trajectory: per-iteration traces of a few trials.</summary>
public static class ShortcutCnnTrajectories
{
    /// <summary>
    /// Traces trials 0..Traces−1 for every method with the scalar reference (<see cref="ShortcutCnnReference"/>), and,
    /// when asked, the first trial in which resnet without warm-up is trapped in the spurious basin while resnet-ssw
    /// succeeds — found by a SIMD Monte Carlo pass over the first SearchTrials trials. Progress counts traced runs.
    /// </summary>
    public static ShortcutCnnTrajectoryResult Run(ShortcutCnnTrajectoryConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var shared = config.Shared;
        int k = shared.K[0];
        var cap = new SphericalCap(shared.P, shared.CapDeg * Math.PI / 180);
        var traced = new List<(long Trial, string Label)>();
        for (int i = 0; i < config.Traces; i++) traced.Add((i, $"trial {i}"));
        if (config.FindTrapped && config.SearchTrials > 0)
        {
            long trapped = FindTrapped(shared, k, cap, config.SearchTrials, cancellationToken);
            if (trapped >= 0 && trapped >= config.Traces) traced.Add((trapped, $"trial {trapped}: resnet trapped, resnet-ssw escapes"));
            else if (trapped >= 0) traced[(int)trapped] = (trapped, $"trial {trapped}: resnet trapped, resnet-ssw escapes");
        }

        var steps = shared.ResolveSteps(k);
        double[] vStar = new double[shared.P], w0 = new double[shared.P], w = new double[shared.P];
        double[] aStar = new double[k], a0 = new double[k];
        var trajectories = new List<Trajectory>();
        foreach (var (trial, label) in traced)
        {
            ShortcutCnnTrialSetup.Sample(shared.Seed, trial, cap, vStar, aStar, a0, w0);
            foreach (var method in shared.Methods)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ShortcutCnnReference.InitialW(method, w0, w);
                var points = new List<TrajectoryPoint>();
                int last = -1;
                ShortcutCnnState lastState = default;
                var run = ShortcutCnnReference.Run(method, steps, shared.IterationsFor(k), shared.Tol, shared.RetireLoss, 16,
                    vStar, aStar, a0, w, (t, s) =>
                    {
                        // One traced trial runs as many iterations as asked (no upper limit): poll inside it.
                        if ((t & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
                        if (t % config.Every == 0) points.Add(new(t, s.Loss, s.Phi, s.ADotAStar, s.AError));
                        last = t; lastState = s;
                    });
                if (last >= 0 && last % config.Every != 0)
                    points.Add(new(last, lastState.Loss, lastState.Phi, lastState.ADotAStar, lastState.AError));
                trajectories.Add(new Trajectory(method.Name(), trial, label, run.Outcome, points));
                progress?.Report(1);
            }
        }
        return new ShortcutCnnTrajectoryResult(config, trajectories, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The first trial below <paramref name="searchTrials"/> where resnet ends spurious and resnet-ssw succeeds, or −1.</summary>
    private static long FindTrapped(ShortcutCnnConfig shared, int k, SphericalCap cap, int searchTrials, CancellationToken cancellationToken)
    {
        var search = shared with
        {
            K = [k], Trials = searchTrials, Shard = Shard.Whole,
            Methods = [ShortcutCnnMethod.Resnet, ShortcutCnnMethod.ResnetSsw],
        };
        var outcomes = new TrialOutcome[searchTrials * 2];
        _ = ShortcutCnnMonteCarlo.RunK(search, k, cap, null, cancellationToken, outcomes).ToList();
        for (long i = 0; i < searchTrials; i++)
        {
            if (outcomes[2 * i] == TrialOutcome.Spurious && outcomes[2 * i + 1] == TrialOutcome.Success) return i;
        }
        return -1;
    }
}
