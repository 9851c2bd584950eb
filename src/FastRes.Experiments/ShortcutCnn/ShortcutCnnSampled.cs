using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.ShortcutCnn;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// shortcut-cnn-sampled (SPEC §1.6): the shortcut-CNN model on finite samples of Z. Two parts:
/// <list type="number">
/// <item>Convergence: at fixed (w, a) points — a random one and three along the population trajectory of resnet per
/// convergence trial — the empirical loss and gradients on nested sample sets of n = 10² … 10⁶ against the closed
/// forms, and the fitted slope of log error vs log n (theory −½).</item>
/// <item>Learning: the methods trained by GD on n fresh samples per step (SGD of batch n) or on one fixed sample of n
/// (empirical risk), outcomes beside the population outcomes of the same trials (same teacher and a_0; the sampled
/// runs of one trial share their samples across methods), as n grows.</item>
/// </list>
/// <see cref="Shared"/> holds shortcut-cnn's settings (double precision only: the sampled engine is double).
/// </summary>
public sealed record ShortcutCnnSampledConfig : IExperimentConfig<ShortcutCnnSampledConfig>
{
    // Blocks of 16 trials: a cell of 200 trials in one 256-trial block would run on one worker.
    public ShortcutCnnConfig Shared { get; init; } = new() { K = [8], Trials = 200, BlockTrials = 16 };
    public int[] Samples { get; init; } = [1, 4, 16, 64, 256];
    public ShortcutCnnSampleMode[] Modes { get; init; } = [ShortcutCnnSampleMode.Fresh, ShortcutCnnSampleMode.Fixed];
    public int ConvergenceTrials { get; init; } = 8;
    public int[] ConvergenceSamples { get; init; } = [100, 1000, 10_000, 100_000, 1_000_000];

    public static readonly Kind<ShortcutCnnSampleMode> ModeKind = Kinds.Choice(("fresh", ShortcutCnnSampleMode.Fresh), ("fixed", ShortcutCnnSampleMode.Fixed));

    public static Schema<ShortcutCnnSampledConfig> Schema { get; } = new()
    {
        ShortcutCnnConfig.Schema.Lift<ShortcutCnnSampledConfig>(c => c.Shared, (c, s) => c with { Shared = s }, "precision")
            .Select(s => s.Name == "trials" ? s.WithHelp("Trials per (k, method, mode, n) cell, the same trials in every cell (default {default})") : s),
        { "samples", "LIST", "Comma list of sample sizes n per step (increasing), each ≥ 1", c => c.Samples, (c, v) => c with { Samples = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, MaxSamples)).And(Increasing) },
        { "modes", "LIST", "fresh (n new samples each step: SGD) and/or fixed (one sample of n: empirical risk)", c => c.Modes, (c, v) => c with { Modes = v },
          Kinds.List(ModeKind), Rules.NonEmpty<ShortcutCnnSampleMode>(what: "fresh and/or fixed") },
        { "convergence-trials", "N", "Trials whose teachers give the convergence points (4 points each; 0 skips the check)", c => c.ConvergenceTrials,
          (c, v) => c with { ConvergenceTrials = v }, Kinds.Int, Rules.Between(0, 100_000) },
        { "convergence-samples", "LIST", "Comma list of n for the convergence check (increasing, nested sample sets)", c => c.ConvergenceSamples,
          (c, v) => c with { ConvergenceSamples = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, MaxConvergenceSamples)).And(Increasing) },
    };

    /// <summary>n per step is bounded by the cost (a step is n·k·p normals); the convergence check's by its Philox block word.</summary>
    public const int MaxSamples = 1_000_000, MaxConvergenceSamples = 100_000_000;

    private static Rule<int[]> Increasing => list => list is null || list.Zip(list.Skip(1)).All(x => x.First < x.Second)
        ? null : $"must be increasing (got {string.Join(",", list)})";

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>([.. Schema.Check(this), .. Shared.Relations()]);
        if (errors.Count > 0) return errors;
        foreach (int k in Shared.K)
        {
            long max = ShortcutCnnSamples.MaxSamples(Shared.P, k);
            if (Samples[^1] > max) errors.Add(new("samples", $"must be at most {max} at p = {Shared.P}, k = {k} (the 32-bit Philox block word) (got {Samples[^1]})"));
            if (ConvergenceTrials > 0 && ConvergenceSamples[^1] > max)
                errors.Add(new("convergence-samples", $"must be at most {max} at p = {Shared.P}, k = {k} (the 32-bit Philox block word) (got {ConvergenceSamples[^1]})"));
        }
        return errors;
    }
}

/// <summary>One (k, method, mode, n) cell of the learning part; mode "population" (n = 0) is the closed-form GD of the same trials.</summary>
public sealed record ShortcutCnnSampledRow
{
    public int P { get; init; }
    public int K { get; init; }
    public double CapDeg { get; init; }
    public string Method { get; init; } = "";
    public string Mode { get; init; } = "";
    public int Samples { get; init; }
    public long Trials { get; init; }
    public long Success { get; init; }
    public long Spurious { get; init; }
    public long Undecided { get; init; }
    public long Diverged { get; init; }
    /// <summary>Population successes of the same trials (paired).</summary>
    public long PopulationSuccess { get; init; }
    /// <summary>Trials that ended with the same outcome as their population run.</summary>
    public long SameOutcome { get; init; }
    public long TrialIterations { get; init; }
    public double Seconds { get; init; }

    public double SuccessRate => Share(Success);
    public (double Lo, double Hi) SuccessCi95 => Statistics.Wilson.Interval95(Success, Trials);
    public double SpuriousRate => Share(Spurious);
    public (double Lo, double Hi) SpuriousCi95 => Statistics.Wilson.Interval95(Spurious, Trials);
    public double PopulationSuccessRate => Share(PopulationSuccess);
    public double SameOutcomeRate => Share(SameOutcome);
    private double Share(long part) => Trials == 0 ? double.NaN : (double)part / Trials;

    public static ShortcutCnnSampledRow From(ShortcutCnnRow r, string mode, int samples, long populationSuccess, long same) => new()
    {
        P = r.P, K = r.K, CapDeg = r.CapDeg, Method = r.Method, Mode = mode, Samples = samples, Trials = r.Trials, Success = r.Success,
        Spurious = r.Spurious, Undecided = r.Undecided, Diverged = r.Diverged, PopulationSuccess = populationSuccess, SameOutcome = same,
        TrialIterations = r.TrialIterations, Seconds = r.Seconds,
    };

    private static string Rate((double Rate, (double Lo, double Hi) Ci) x) => !double.IsFinite(x.Rate) ? "n/a"
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{x.Rate * 100:0.0}% [{x.Ci.Lo * 100:0.0}, {x.Ci.Hi * 100:0.0}]");

    public static Table<ShortcutCnnSampledRow> Columns { get; } = new(new ShortcutCnnSampledRow())
    {
        { "p", r => r.P, "p", ColumnFlags.Key, null, (r, v) => r with { P = v } },
        { "k", r => r.K, "k", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { K = v } },
        { "cap_deg", r => r.CapDeg, "θ_cap", ColumnFlags.Key, v => Kinds.Format(v) + "°", (r, v) => r with { CapDeg = v } },
        { "method", r => r.Method, "method", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Method = v } },
        { "mode", r => r.Mode, "mode", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Mode = v } },
        { "samples", r => r.Samples, "n", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Samples = v } },
        { "trials", r => r.Trials, "trials", ColumnFlags.Console, null, (r, v) => r with { Trials = v } },
        { "success", r => r.Success, ColumnFlags.Hidden, (r, v) => r with { Success = v } },
        { null, r => Rate((r.SuccessRate, r.SuccessCi95)), "success [95% CI]", ColumnFlags.Console },
        { "spurious", r => r.Spurious, ColumnFlags.Hidden, (r, v) => r with { Spurious = v } },
        { null, r => Rate((r.SpuriousRate, r.SpuriousCi95)), "spurious [95% CI]", ColumnFlags.Console },
        { "undecided", r => r.Undecided, ColumnFlags.Hidden, (r, v) => r with { Undecided = v } },
        { "diverged", r => r.Diverged, "diverged", ColumnFlags.Console, null, (r, v) => r with { Diverged = v } },
        { "population_success", r => r.PopulationSuccess, ColumnFlags.Hidden, (r, v) => r with { PopulationSuccess = v } },
        { "population_success_rate", r => r.PopulationSuccessRate, "population success", ColumnFlags.Console, Cells.Percent },
        { "same_outcome", r => r.SameOutcome, ColumnFlags.Hidden, (r, v) => r with { SameOutcome = v } },
        { "same_outcome_rate", r => r.SameOutcomeRate, "same outcome as population", ColumnFlags.Console, Cells.Percent },
        { "success_rate", r => r.SuccessRate, ColumnFlags.Hidden },
        { "success_ci95", r => r.SuccessCi95, ColumnFlags.Hidden },
        { "spurious_rate", r => r.SpuriousRate, ColumnFlags.Hidden },
        { "spurious_ci95", r => r.SpuriousCi95, ColumnFlags.Hidden },
        { "trial_iterations", r => r.TrialIterations, ColumnFlags.Hidden, (r, v) => r with { TrialIterations = v } },
        { "seconds", r => r.Seconds, ColumnFlags.Hidden, (r, v) => r with { Seconds = v } },
    };

    /// <summary>The shards' rows of one cell: counts add (outcomes are a pure function of config, seed and trial).</summary>
    public static ShortcutCnnSampledRow Sum(IReadOnlyList<ShortcutCnnSampledRow> cell) => cell[0] with
    {
        Trials = cell.Sum(x => x.Trials), Success = cell.Sum(x => x.Success), Spurious = cell.Sum(x => x.Spurious),
        Undecided = cell.Sum(x => x.Undecided), Diverged = cell.Sum(x => x.Diverged), PopulationSuccess = cell.Sum(x => x.PopulationSuccess),
        SameOutcome = cell.Sum(x => x.SameOutcome), TrialIterations = cell.Sum(x => x.TrialIterations), Seconds = cell.Sum(x => x.Seconds),
    };

    public static string? CheckShardRow(ShortcutCnnSampledRow row, long sliceTrials)
    {
        if (row.Trials != sliceTrials) return $"{row.Trials} trials, its shard has {sliceTrials}";
        if (row.Success < 0 || row.Spurious < 0 || row.Undecided < 0 || row.Diverged < 0 || row.TrialIterations < 0
            || row.Success + row.Spurious + row.Undecided + row.Diverged != row.Trials
            || row.PopulationSuccess < 0 || row.PopulationSuccess > row.Trials || row.SameOutcome < 0 || row.SameOutcome > row.Trials)
            return $"its outcome counts do not add up to its {row.Trials} trials";
        return null;
    }
}

/// <summary>One convergence point at one n: the empirical values against the closed forms.</summary>
/// <param name="Kind">"random" (a random direction and a_0) or "t=…" (the population resnet trajectory at that iteration).</param>
public sealed record ShortcutCnnConvergencePoint
{
    public int K { get; init; }
    public long Trial { get; init; }
    public string Kind { get; init; } = "";
    public int Samples { get; init; }
    public double Loss { get; init; }
    public double EmpiricalLoss { get; init; }
    public double LossError { get; init; }
    public double GradNorm { get; init; }
    public double GradError { get; init; }

    public static Table<ShortcutCnnConvergencePoint> Columns { get; } = new(new ShortcutCnnConvergencePoint())
    {
        { "k", r => r.K, ColumnFlags.None, (r, v) => r with { K = v } },
        { "trial", r => r.Trial, ColumnFlags.None, (r, v) => r with { Trial = v } },
        { "kind", r => r.Kind, ColumnFlags.None, (r, v) => r with { Kind = v } },
        { "samples", r => r.Samples, ColumnFlags.None, (r, v) => r with { Samples = v } },
        { "loss", r => r.Loss, ColumnFlags.None, (r, v) => r with { Loss = v } },
        { "empirical_loss", r => r.EmpiricalLoss, ColumnFlags.None, (r, v) => r with { EmpiricalLoss = v } },
        { "loss_error", r => r.LossError, ColumnFlags.None, (r, v) => r with { LossError = v } },
        { "grad_norm", r => r.GradNorm, ColumnFlags.None, (r, v) => r with { GradNorm = v } },
        { "grad_error", r => r.GradError, ColumnFlags.None, (r, v) => r with { GradError = v } },
    };
}

/// <summary>results.json's <c>convergence</c>: at one (k, n), the relative errors averaged over the points.</summary>
public sealed record ShortcutCnnConvergenceRow(int K, int Samples, int Points, double LossError, double GradError)
{
    public static Table<ShortcutCnnConvergenceRow> Columns { get; } = new()
    {
        { "k", r => r.K, "k", ColumnFlags.Console },
        { "samples", r => r.Samples, "n", ColumnFlags.Console },
        { "points", r => r.Points, "points", ColumnFlags.Console },
        { "loss_error", r => r.LossError, "mean |L̂ − L|/L", ColumnFlags.Console, Cells.Number },
        { "grad_error", r => r.GradError, "mean ‖∇L̂ − ∇L‖/‖∇L‖", ColumnFlags.Console, Cells.Number },
    };
}

/// <summary>The fitted slopes of log(mean error) against log n at one k (theory: −½ for both).</summary>
public sealed record ShortcutCnnConvergenceSlope(int K, double LossSlope, double GradSlope)
{
    public static Table<ShortcutCnnConvergenceSlope> Columns { get; } = new()
    {
        { "k", r => r.K, "k", ColumnFlags.Console },
        { "loss_slope", r => r.LossSlope, "loss error slope", ColumnFlags.Console, v => v.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) },
        { "grad_slope", r => r.GradSlope, "gradient error slope", ColumnFlags.Console, v => v.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) },
    };
}

public sealed record ShortcutCnnSampledResult(ShortcutCnnSampledConfig Config, IReadOnlyList<ShortcutCnnSampledRow> Rows,
    IReadOnlyList<ShortcutCnnConvergencePoint> Points, double Seconds) : IExperimentResult<ShortcutCnnSampledResult>
{
    public IReadOnlyList<ShortcutCnnConvergenceRow> Convergence { get; } = ShortcutCnnSampled.Aggregate(Points);
    public IReadOnlyList<ShortcutCnnConvergenceSlope> Slopes => ShortcutCnnSampled.Slopes(Convergence);

    public static ResultLayout<ShortcutCnnSampledResult> Layout { get; } = new(r => r.Seconds)
    {
        // rows first: results.csv and the terminal's table (SPEC §1.7's row contract plus samples and mode).
        { "rows", ShortcutCnnSampledRow.Columns, r => r.Rows },
        { "slopes", ShortcutCnnConvergenceSlope.Columns, r => r.Slopes },
        { "convergence", ShortcutCnnConvergenceRow.Columns, r => r.Convergence },
        { "convergence_points", ShortcutCnnConvergencePoint.Columns, r => r.Points },
    };
}

public static class ShortcutCnnSampled
{
    /// <summary>Population iterations at which the trajectory points are taken, as fractions of T.</summary>
    public static readonly double[] TrajectoryFractions = [0.01, 0.1, 1.0 / 3];

    public static int PointsPerTrial => 1 + TrajectoryFractions.Length;

    /// <summary>Progress units: convergence points, then (trial, method) runs of the population and of every sampled cell.</summary>
    public static long TotalSteps(ShortcutCnnSampledConfig c)
    {
        var (cs, ce) = c.Shared.Shard.Range(c.ConvergenceTrials);
        var (ts, te) = c.Shared.Shard.Range(c.Shared.Trials);
        return c.Shared.K.Length * ((ce - cs) * PointsPerTrial + (te - ts) * c.Shared.Methods.Length * (1 + c.Modes.Length * c.Samples.Length));
    }

    public static ShortcutCnnSampledResult Run(ShortcutCnnSampledConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default,
                                               ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var shared = config.Shared with { Precision = Precision.Double };
        var cap = new SphericalCap(shared.P, shared.CapDeg * Math.PI / 180);
        var points = new List<ShortcutCnnConvergencePoint>();
        var rows = new List<ShortcutCnnSampledRow>();
        foreach (int k in shared.K)
        {
            points.AddRange(Convergence(config, k, cap, progress, cancellationToken));

            // The population outcomes of this shard's trials, per (trial − first) × method: the pairing reference.
            var (first, end) = shared.Shard.Range(shared.Trials);
            var population = new TrialOutcome[(end - first) * shared.Methods.Length];
            var popRows = ShortcutCnnMonteCarlo.RunK(shared, k, cap, progress, cancellationToken, population).ToList();
            var popSuccess = popRows.Select(r => r.Success).ToArray();
            rows.AddRange(popRows.Select(r => ShortcutCnnSampledRow.From(r, "population", 0, r.Success, r.Trials)));

            foreach (var mode in config.Modes)
                foreach (int n in config.Samples)
                {
                    var same = new long[shared.Methods.Length];
                    string cell = $"{ShortcutCnnMonteCarlo.CellName(shared.CapDeg, k)} mode={Word(mode)} n={n}";
                    long Engine(ShortcutCnnTrialFeed feed, ShortcutCnnGdSettings gd) =>
                        ShortcutCnnSampledEngines.Run(shared.Simd, new ShortcutCnnSampledSettings(gd, n, mode, shared.Seed), feed);
                    var cellRows = ShortcutCnnMonteCarlo.RunK(shared, k, cap, progress, cancellationToken, journal: journal, engine: Engine,
                                                              paired: population, same: same, cell: cell).ToList();
                    rows.AddRange(cellRows.Select((r, m) => ShortcutCnnSampledRow.From(r, Word(mode), n, popSuccess[m], same[m])));
                }
        }
        return new ShortcutCnnSampledResult(config, rows, points, clock.Elapsed.TotalSeconds);
    }

    public static string Word(ShortcutCnnSampleMode mode) => mode == ShortcutCnnSampleMode.Fixed ? "fixed" : "fresh";

    /// <summary>
    /// The convergence points of this shard's convergence trials at width k, each evaluated on nested sample sets
    /// (<see cref="ShortcutCnnSamples.EvaluationDraw"/>, keyed by the point's trial and kind so no two points share samples).
    /// </summary>
    internal static List<ShortcutCnnConvergencePoint> Convergence(ShortcutCnnSampledConfig config, int k, SphericalCap cap, IProgress<long>? progress,
                                                                  CancellationToken cancellationToken)
    {
        var shared = config.Shared;
        int p = shared.P;
        var (first, end) = shared.Shard.Range(config.ConvergenceTrials);
        int perTrial = PointsPerTrial, count = (int)(end - first) * perTrial;
        if (count == 0) return [];
        var steps = shared.ResolveSteps(k);
        int iterations = shared.IterationsFor(k);
        var keys = new ulong[count];
        var kinds = new string[count];
        double[] u = new double[count * p], vStar = new double[count * p], a = new double[count * k], aStar = new double[count * k];
        double[] vs = new double[p], w0 = new double[p], aS = new double[k], a0 = new double[k], w = new double[p];
        for (long trial = first; trial < end; trial++)
        {
            ShortcutCnnTrialSetup.Sample(shared.Seed, trial, cap, vs, aS, a0, w0);
            int baseIndex = (int)(trial - first) * perTrial;
            for (int q = 0; q < perTrial; q++)
            {
                int i = baseIndex + q;
                vs.CopyTo(vStar, i * p);
                aS.CopyTo(aStar, i * k);
                // Trial word: the trial and the point's index within it, so each point has its own samples.
                keys[i] = (ulong)trial * (ulong)perTrial + (ulong)q;
            }
            // Random point: the plain CNN's uniform w_0 as the direction, a_0 as the output weights.
            w0.CopyTo(u, baseIndex * p);
            a0.CopyTo(a, baseIndex * k);
            kinds[baseIndex] = "random";
            // Trajectory points: population GD of resnet from (w = 0, a_0), taken at fractions of T.
            Array.Clear(w);
            double[] at = (double[])a0.Clone();
            int t = 0;
            for (int q = 1; q < perTrial; q++)
            {
                int stop = Math.Max(1, (int)(TrajectoryFractions[q - 1] * iterations));
                for (; t < stop; t++) ShortcutCnnReference.Step(ShortcutCnnMethod.Resnet, steps, t, vs, aS, w, at);
                int i = baseIndex + q;
                ShortcutCnnReference.Direction(ShortcutCnnMethod.Resnet, w, u.AsSpan(i * p, p));
                at.CopyTo(a, i * k);
                kinds[i] = $"t={stop}";
            }
        }

        int[] counts = config.ConvergenceSamples;
        int S = counts.Length;
        var loss = new double[count * S];
        var gradW = new double[count * S * p];
        var gradA = new double[count * S * k];
        // Points in groups of 8 (a Vector512 of lanes) across the workers; each point's numbers are its own.
        const int Group = 8;
        int groups = (count + Group - 1) / Group;
        Parallel.For(0, groups, new ParallelOptions { MaxDegreeOfParallelism = ShortcutCnnMonteCarlo.Workers(shared), CancellationToken = cancellationToken }, g =>
        {
            int s = g * Group, e = Math.Min(count, s + Group);
            ShortcutCnnSampledEngines.Evaluate(shared.Simd, p, k, shared.Seed, ShortcutCnnSamples.EvaluationDraw, keys.AsSpan(s, e - s),
                u.AsSpan(s * p, (e - s) * p), vStar.AsSpan(s * p, (e - s) * p), a.AsSpan(s * k, (e - s) * k), aStar.AsSpan(s * k, (e - s) * k),
                counts, loss.AsSpan(s * S, (e - s) * S), gradW.AsSpan(s * S * p, (e - s) * S * p), gradA.AsSpan(s * S * k, (e - s) * S * k));
            progress?.Report(e - s);
        });

        var result = new List<ShortcutCnnConvergencePoint>(count * S);
        var gw = new double[p];
        var ga = new double[k];
        for (int i = 0; i < count; i++)
        {
            var ui = u.AsSpan(i * p, p);
            var vsi = vStar.AsSpan(i * p, p);
            var ai = a.AsSpan(i * k, k);
            var asi = aStar.AsSpan(i * k, k);
            double phi = ShortcutCnnClosedForm.Angle(ui, vsi);
            double lossExact = ShortcutCnnClosedForm.Loss(ai, asi, phi);
            double ada = 0;
            for (int j = 0; j < k; j++) ada += ai[j] * asi[j];
            ShortcutCnnClosedForm.GradW(ui, vsi, ada, gw);
            ShortcutCnnClosedForm.GradA(ai, asi, phi, ga);
            double gradNorm2 = gw.Sum(x => x * x) + ga.Sum(x => x * x);
            for (int c = 0; c < S; c++)
            {
                int row = i * S + c;
                double err2 = 0;
                for (int j = 0; j < p; j++) { double d = gradW[row * p + j] - gw[j]; err2 += d * d; }
                for (int j = 0; j < k; j++) { double d = gradA[row * k + j] - ga[j]; err2 += d * d; }
                result.Add(new ShortcutCnnConvergencePoint
                {
                    K = k, Trial = first + i / perTrial, Kind = kinds[i], Samples = counts[c], Loss = lossExact, EmpiricalLoss = loss[row],
                    LossError = Math.Abs(loss[row] - lossExact) / lossExact, GradNorm = Math.Sqrt(gradNorm2), GradError = Math.Sqrt(err2 / gradNorm2),
                });
            }
        }
        return result;
    }

    /// <summary>Mean relative errors per (k, n), over the points in their order (so a merged run sums in the same order).</summary>
    public static IReadOnlyList<ShortcutCnnConvergenceRow> Aggregate(IReadOnlyList<ShortcutCnnConvergencePoint> points)
        => points.GroupBy(x => (x.K, x.Samples))
                 .Select(g => new ShortcutCnnConvergenceRow(g.Key.K, g.Key.Samples, g.Count(), Mean(g.Select(x => x.LossError)), Mean(g.Select(x => x.GradError))))
                 .ToList();

    private static double Mean(IEnumerable<double> xs)
    {
        double sum = 0;
        int n = 0;
        foreach (double x in xs) { sum += x; n++; }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>Least-squares slope of log(mean error) on log n per k (NaN with fewer than two n).</summary>
    public static IReadOnlyList<ShortcutCnnConvergenceSlope> Slopes(IReadOnlyList<ShortcutCnnConvergenceRow> rows)
        => rows.GroupBy(r => r.K).Select(g => new ShortcutCnnConvergenceSlope(g.Key,
            Slope(g.Select(r => (double)r.Samples), g.Select(r => r.LossError)), Slope(g.Select(r => (double)r.Samples), g.Select(r => r.GradError)))).ToList();

    public static double Slope(IEnumerable<double> n, IEnumerable<double> error)
    {
        var pts = n.Zip(error).Where(x => x.First > 0 && x.Second > 0 && double.IsFinite(x.Second)).Select(x => (X: Math.Log(x.First), Y: Math.Log(x.Second))).ToList();
        if (pts.Count < 2) return double.NaN;
        double mx = pts.Average(q => q.X), my = pts.Average(q => q.Y);
        double sxy = pts.Sum(q => (q.X - mx) * (q.Y - my)), sxx = pts.Sum(q => (q.X - mx) * (q.X - mx));
        return sxy / sxx;
    }
}
