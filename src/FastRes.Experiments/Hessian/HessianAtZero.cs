using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Hessian;

/// <summary>
/// hessian-at-zero (SPEC §2.5–2.6): the exact Hessian of n-shortcut networks at w = 0 against Theorem 2 of Li, Jiao,
/// Han and Weissman — n ≥ 3: exactly zero; n = 2: eigenvalues ±σ'_mid(0)σ'_post(0)·s_i(M), each d·R times, so κ is
/// depth-invariant; n = 1: block Toeplitz with the paper's B and A (eqs. 28–32), κ growing with depth.
/// </summary>
public sealed record HessianAtZeroConfig : IExperimentConfig<HessianAtZeroConfig>, IDataConfig
{
    /// <summary>null: built-in synthetic data; "DIR": MNIST IDX files; "digits:FILE": the 8×8 digits CSV.</summary>
    public string? Data { get; init; }
    /// <summary>Shortcut depths n.</summary>
    public int[] Shortcut { get; init; } = [1, 2, 3];
    /// <summary>Network depths D; each n uses R = max(1, round(D/n)) units, so its depth is R·n.</summary>
    public int[] Depths { get; init; } = [2, 4, 8, 16, 32, 64];
    /// <summary>σ at the pre, mid and post positions: identity or tanh (smooth at 0, σ(0) = 0, as the theorem needs).</summary>
    public Activation Activation { get; init; } = Activation.Identity;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    /// <summary>Seed of the synthetic data (unused with --data).</summary>
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    /// <summary>The slice of the (n, depth) cells (<see cref="HessianAtZero.Cells"/>) this process computes; merge combines shards.</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    public static Schema<HessianAtZeroConfig> Schema { get; } = new()
    {
        DataCache.Setting<HessianAtZeroConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "shortcut", "LIST", "Shortcut depths n", c => c.Shortcut, (c, v) => c with { Shortcut = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 16)) },
        { "depths", "LIST", "Network depths; n uses R = round(depth/n) units", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 256)) },
        // Theorem 2 needs σ smooth at 0 with σ(0) = 0: identity or tanh, never ReLU.
        { "activation", "identity|tanh", "σ at the pre, mid and post positions", c => c.Activation, (c, v) => c with { Activation = v },
          Packs.Activations(Activation.Identity, Activation.Tanh), Rules.Must<Activation>(a => a is Activation.Identity or Activation.Tanh, "be identity or tanh (Theorem 2 needs σ smooth at 0 with σ(0) = 0)") },
        Packs.Width<HessianAtZeroConfig>(c => c.Width, (c, v) => c with { Width = v }),
        Packs.Seed<HessianAtZeroConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the synthetic data"),
        Packs.Threads<HessianAtZeroConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<HessianAtZeroConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Shard i (0-based) of N of the (n, depth) cells; merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count == 0 && HessianSize.Check(Shortcut.SelectMany(n => Depths.Select(d => (n, d))), Width) is { } error) errors.Add(error);
        return errors;
    }
}

/// <summary>
/// The memory bound of the dense Hessians: P = R·n·d² rows for depth R·n, P² doubles for H and about as much again
/// for the eigen solver's working copy. 16,384 rows is 2.1 GB per matrix, what a 24 GB node holds with room to spare;
/// the paper's deepest MNIST net (depth 64, d = 10) has 6,400.
/// </summary>
public static class HessianSize
{
    public const int MaxParameters = 16_384;

    /// <summary>R = max(1, round(D/n)) units of n matrices for requested depth D (both experiments map depths this way).</summary>
    public static int Units(int n, int depth) => Math.Max(1, (int)Math.Round(depth / (double)n));

    /// <summary>An error on "depths" when the largest (n, depth) network has more than <see cref="MaxParameters"/> parameters.</summary>
    public static ConfigError? Check(IEnumerable<(int N, int Depth)> networks, int width)
    {
        var (n, depth) = networks.MaxBy(x => (long)Units(x.N, x.Depth) * x.N);
        long parameters = (long)Units(n, depth) * n * width * width;
        return parameters <= MaxParameters ? null
            : new ConfigError("depths", $"the largest Hessian would have {parameters} rows (depth·d² at depth {Units(n, depth) * n}, d = {width}); keep it ≤ {MaxParameters}, i.e. depth ≤ {MaxParameters / (width * width)} at d = {width}");
    }
}

/// <summary>One (n, depth) row (SPEC §2.6 contract). Null-valued quantities are NaN here.</summary>
public sealed record HessianAtZeroRow(
    int N, int Depth, string Activation, int Params,
    double LambdaMin, double LambdaMax, double AbsMax, double AbsP10, double Kappa, double Cond, double Index,
    double PredictedLambdaMin, double PredictedLambdaMax, double PredictedKappa, double MaxDeviation, string Deviation)
{
    public static readonly HessianAtZeroRow Blank = new(0, 0, "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "");

    public static Table<HessianAtZeroRow> Columns { get; } = new(Blank)
    {
        { "n", r => r.N, "n", ColumnFlags.Console, null, (r, v) => r with { N = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Console, null, (r, v) => r with { Depth = v } },
        { "activation", r => r.Activation, "σ", ColumnFlags.None, null, (r, v) => r with { Activation = v } },
        { "params", r => r.Params, "params", ColumnFlags.Console, null, (r, v) => r with { Params = v } },
        { "lambda_min", r => r.LambdaMin, "λ_min", ColumnFlags.None, null, (r, v) => r with { LambdaMin = v } },
        { "lambda_max", r => r.LambdaMax, "λ_max", ColumnFlags.Console, null, (r, v) => r with { LambdaMax = v } },
        { "abs_max", r => r.AbsMax, ColumnFlags.Hidden, (r, v) => r with { AbsMax = v } },
        { "abs_p10", r => r.AbsP10, ColumnFlags.Hidden, (r, v) => r with { AbsP10 = v } },
        { "kappa", r => r.Kappa, "κ", ColumnFlags.Console, null, (r, v) => r with { Kappa = v } },
        { "cond", r => r.Cond, "cond", ColumnFlags.None, null, (r, v) => r with { Cond = v } },
        { "index", r => r.Index, "index", ColumnFlags.None, null, (r, v) => r with { Index = v } },
        { "predicted_lambda_min", r => r.PredictedLambdaMin, "predicted λ_min", ColumnFlags.None, null, (r, v) => r with { PredictedLambdaMin = v } },
        { "predicted_lambda_max", r => r.PredictedLambdaMax, "predicted λ_max", ColumnFlags.Console, null, (r, v) => r with { PredictedLambdaMax = v } },
        { "predicted_kappa", r => r.PredictedKappa, "predicted κ", ColumnFlags.Console, null, (r, v) => r with { PredictedKappa = v } },
        { "max_deviation", r => r.MaxDeviation, "max deviation", ColumnFlags.Console, null, (r, v) => r with { MaxDeviation = v } },
        { "deviation_measure", r => r.Deviation, "measured as", ColumnFlags.None, null, (r, v) => r with { Deviation = v } },
    };

    /// <summary>
    /// The row as computed, from one read back out of results.json: JSON writes both NaN and ±∞ as null, which reads
    /// back as NaN. The ratios are a / b with b ≥ 0 (SpectrumStats), so a null ratio was +∞ exactly when its
    /// numerator max|λ| is positive, NaN (0 / 0) when it is 0 — and predicted κ is NaN by design for n ≥ 3.
    /// </summary>
    public HessianAtZeroRow WithInfinities()
    {
        double predictedAbsMax = Math.Max(Math.Abs(PredictedLambdaMin), Math.Abs(PredictedLambdaMax));
        return this with
        {
            Kappa = double.IsNaN(Kappa) && AbsMax > 0 ? double.PositiveInfinity : Kappa,
            Cond = double.IsNaN(Cond) && AbsMax > 0 ? double.PositiveInfinity : Cond,
            PredictedKappa = double.IsNaN(PredictedKappa) && N <= 2 && predictedAbsMax > 0 ? double.PositiveInfinity : PredictedKappa,
        };
    }
}

/// <summary>Sorted measured and predicted eigenvalues of one (n, depth), kept for the spectrum figure.</summary>
public sealed record SpectrumComparison(int N, int Depth, double[] Measured, double[]? Predicted);

public sealed record HessianAtZeroResult(HessianAtZeroConfig Config, string DataSource, IReadOnlyList<HessianAtZeroRow> Rows,
                                         IReadOnlyList<SpectrumComparison> Spectra, double Seconds)
    : IExperimentResult<HessianAtZeroResult>
{
    public static ResultLayout<HessianAtZeroResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "rows", HessianAtZeroRow.Columns, r => r.Rows },
    };
}

public static class HessianAtZero
{
    /// <summary>
    /// The (n, units) cells in run order: each n, then its depths mapped to R = max(1, round(D/n)) units, repeats
    /// dropped (n = 3 maps depths 2 and 4 both to R = 1). A row's depth is R·n. Shards slice this list.
    /// </summary>
    public static IReadOnlyList<(int N, int Units)> Cells(HessianAtZeroConfig config)
        => config.Shortcut.SelectMany(n => config.Depths.Select(depth => HessianSize.Units(n, depth)).Distinct().Select(units => (n, units))).ToList();

    /// <summary>Progress units: one per (n, depth) cell of the shard.</summary>
    public static long TotalSteps(HessianAtZeroConfig config) { var (start, end) = config.Shard.Range(Cells(config).Count); return end - start; }

    /// <summary>The journal's name for one cell: <c>n=2 depth=16</c>.</summary>
    public static string CellName(int n, int depth) => $"n={n} depth={depth}";

    /// <summary>
    /// The cells of the config's shard in order, each the exact Hessian at w = 0, its eigenvalues and Theorem 2's
    /// prediction. A cell already in <paramref name="journal"/> (an interrupted run's) is read back bit for bit
    /// instead of computed; each computed cell is journaled as it finishes.
    /// </summary>
    public static HessianAtZeroResult Run(HessianAtZeroConfig config, Dataset data, IProgress<long>? progress = null,
                                          CancellationToken cancellationToken = default, ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        var cells = Cells(config);
        var (start, end) = config.Shard.Range(cells.Count);
        var rows = new List<HessianAtZeroRow>();
        var spectra = new List<SpectrumComparison>();
        for (long index = start; index < end; index++)
        {
            var (n, units) = cells[(int)index];
            string name = CellName(n, units * n);
            (HessianAtZeroRow Row, SpectrumComparison Spectrum) cell;
            if (journal is not null && journal.TryGetCompleted(name, index, out var done))
                cell = FromBlock(config, n, units, done);
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                cell = Compute(config, data, n, units, cancellationToken);
                journal?.Record(ToBlock(name, index, cell.Row, cell.Spectrum));
            }
            rows.Add(cell.Row);
            spectra.Add(cell.Spectrum);
            progress?.Report(1);
        }
        return new HessianAtZeroResult(config, data.Source, rows, spectra, clock.Elapsed.TotalSeconds);
    }

    private static (HessianAtZeroRow, SpectrumComparison) Compute(HessianAtZeroConfig config, Dataset data, int n, int units, CancellationToken cancellationToken)
    {
        int d = config.Width, m = data.Samples;
        var act = config.Activation;
        var net = new NShortcutNetwork(d, units, n, shortcut: true, pre: act, mid: act, post: act);
        int size = net.ParameterCount;
        var theta = new double[size]; // w = 0
        var hessian = new double[(long)size * size];
        ExactHessian.Compute(net, theta, data.X, data.Y, m, hessian, config.Threads, cancellationToken);
        var eigenvalues = new double[size];
        SymmetricEigen.Eigenvalues(hessian, size, eigenvalues, config.Threads, cancellationToken);
        var stats = SpectrumStats.From(eigenvalues);

        double predictedKappa = double.NaN, predictedMin = 0, predictedMax = 0, deviation;
        double[]? predicted = null;
        if (n >= 3)
        {
            // Theorem 2: zero is an (n−1)-th order stationary point, the Hessian is exactly 0.
            deviation = MaxAbs(hessian);
        }
        else if (n == 2)
        {
            predicted = TheoremTwo.PredictedEigenvaluesN2(data.X, data.Y, m, d, units, act, act, act);
            var p2 = SpectrumStats.From(predicted);
            (predictedKappa, predictedMin, predictedMax) = (p2.Kappa, p2.LambdaMin, p2.LambdaMax);
            double scale = Math.Max(MaxAbs(predicted), double.Epsilon);
            deviation = 0;
            for (int i = 0; i < size; i++) deviation = Math.Max(deviation, Math.Abs(eigenvalues[i] - predicted[i]) / scale);
        }
        else
        {
            var (b, a) = TheoremTwo.ToeplitzBlocksN1(data.X, data.Y, m, d, act, act);
            var toeplitz = new double[(long)size * size];
            TheoremTwo.AssembleN1(b, a, d, units, toeplitz);
            double scale = Math.Max(MaxAbs(toeplitz), double.Epsilon), diff = 0;
            for (long i = 0; i < toeplitz.LongLength; i++) diff = Math.Max(diff, Math.Abs(hessian[i] - toeplitz[i]));
            deviation = diff / scale;
            // The theorem gives the matrix, not its κ in closed form: the prediction is the assembled Toeplitz
            // matrix's own spectrum.
            predicted = new double[size];
            SymmetricEigen.Eigenvalues(toeplitz, size, predicted, config.Threads, cancellationToken);
            var p1 = SpectrumStats.From(predicted);
            (predictedKappa, predictedMin, predictedMax) = (p1.Kappa, p1.LambdaMin, p1.LambdaMax);
        }
        var row = new HessianAtZeroRow(n, units * n, ActivationName(config), size,
            stats.LambdaMin, stats.LambdaMax, stats.AbsMax, stats.AbsP10, stats.Kappa, stats.Condition, stats.Index,
            predictedMin, predictedMax, predictedKappa, deviation, DeviationMeasure(n));
        return (row, new SpectrumComparison(n, units * n, eigenvalues, predicted));
    }

    public static string ActivationName(HessianAtZeroConfig config) => config.Activation.ToString().ToLowerInvariant();

    /// <summary>What a row's max deviation measures, by n (Theorem 2's three cases).</summary>
    public static string DeviationMeasure(int n) => n switch
    {
        >= 3 => "max |H_ij| (theorem: H = 0)",
        2 => "max |λ − λ_pred| / max|λ_pred| (sorted spectra)",
        _ => "max |H − H_Toeplitz| / max|H_Toeplitz| (eqs. 28–32)",
    };

    // A cell's numbers in the journal, in this order, then the measured eigenvalues and (n ≤ 2) the predicted ones;
    // n, depth, params and the texts follow from the config and the cell index.
    private const int Head = 11;

    /// <summary>A finished cell as a journal block of one: its tally is the IEEE-754 bits of the row's numbers and both spectra (exact round trip).</summary>
    public static CompletedBlock ToBlock(string name, long index, HessianAtZeroRow r, SpectrumComparison s)
    {
        double[] values = [r.LambdaMin, r.LambdaMax, r.AbsMax, r.AbsP10, r.Kappa, r.Cond, r.Index,
                           r.PredictedLambdaMin, r.PredictedLambdaMax, r.PredictedKappa, r.MaxDeviation, .. s.Measured, .. s.Predicted ?? []];
        return new CompletedBlock(name, index, index, index + 1, JournalDoubles.Encode(values));
    }

    private static (HessianAtZeroRow, SpectrumComparison) FromBlock(HessianAtZeroConfig config, int n, int units, CompletedBlock b)
    {
        int size = units * n * config.Width * config.Width; // NShortcutNetwork.ParameterCount
        var v = JournalDoubles.Decode(b.Tally);
        if (b.End != b.Start + 1 || b.Start != b.Index || v.Length != Head + size * (n <= 2 ? 2 : 1))
            throw new InvalidDataException($"checkpoint block {b.Cell} #{b.Index} is not a hessian-at-zero cell record");
        var row = new HessianAtZeroRow(n, units * n, ActivationName(config), size, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], DeviationMeasure(n));
        return (row, new SpectrumComparison(n, units * n, v[Head..(Head + size)], n <= 2 ? v[(Head + size)..] : null));
    }

    internal static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
