using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
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

    public static Schema<HessianAtZeroConfig> Schema { get; } = new()
    {
        DataCache.Setting<HessianAtZeroConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "shortcut", "LIST", "Shortcut depths n", c => c.Shortcut, (c, v) => c with { Shortcut = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 16)) },
        { "depths", "LIST", "Network depths; n uses R = round(depth/n) units", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 256)) },
        // Theorem 2 needs σ smooth at 0 with σ(0) = 0: identity or tanh, never ReLU.
        { "activation", "identity|tanh", "σ at the pre, mid and post positions", c => c.Activation, (c, v) => c with { Activation = v },
          Packs.Activations(Activation.Identity, Activation.Tanh), Rules.Must<Activation>(a => a is Activation.Identity or Activation.Tanh, "be identity or tanh (Theorem 2 needs σ smooth at 0 with σ(0) = 0)") },
        { "width", "D", "Layer width d = PCA dimension", c => c.Width, (c, v) => c with { Width = v }, Kinds.Int, Rules.Between(2, 64) },
        Packs.Seed<HessianAtZeroConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the synthetic data"),
        Packs.Threads<HessianAtZeroConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
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
    public static Table<HessianAtZeroRow> Columns { get; } = new()
    {
        { "n", r => r.N, "n", ColumnFlags.Console },
        { "depth", r => r.Depth, "depth", ColumnFlags.Console },
        { "activation", r => r.Activation, "σ" },
        { "params", r => r.Params, "params", ColumnFlags.Console },
        { "lambda_min", r => r.LambdaMin, "λ_min" },
        { "lambda_max", r => r.LambdaMax, "λ_max", ColumnFlags.Console },
        { "abs_max", r => r.AbsMax, ColumnFlags.Hidden },
        { "abs_p10", r => r.AbsP10, ColumnFlags.Hidden },
        { "kappa", r => r.Kappa, "κ", ColumnFlags.Console },
        { "cond", r => r.Cond, "cond" },
        { "index", r => r.Index, "index" },
        { "predicted_lambda_min", r => r.PredictedLambdaMin, "predicted λ_min" },
        { "predicted_lambda_max", r => r.PredictedLambdaMax, "predicted λ_max", ColumnFlags.Console },
        { "predicted_kappa", r => r.PredictedKappa, "predicted κ", ColumnFlags.Console },
        { "max_deviation", r => r.MaxDeviation, "max deviation", ColumnFlags.Console },
        { "deviation_measure", r => r.Deviation, "measured as" },
    };
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
    /// <summary>Progress units: one per (n, depth).</summary>
    public static long TotalSteps(HessianAtZeroConfig config) => config.Shortcut.Length * config.Depths.Length;

    public static HessianAtZeroResult Run(HessianAtZeroConfig config, Dataset data, IProgress<long>? progress = null,
                                          CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        int d = config.Width, m = data.Samples;
        var act = config.Activation;
        var rows = new List<HessianAtZeroRow>();
        var spectra = new List<SpectrumComparison>();
        foreach (int n in config.Shortcut)
        {
            foreach (int units in config.Depths.Select(depth => Math.Max(1, (int)Math.Round(depth / (double)n))).Distinct())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var net = new NShortcutNetwork(d, units, n, shortcut: true, pre: act, mid: act, post: act);
                int size = net.ParameterCount;
                var theta = new double[size]; // w = 0
                var hessian = new double[(long)size * size];
                ExactHessian.Compute(net, theta, data.X, data.Y, m, hessian, config.Threads, cancellationToken);
                var eigenvalues = new double[size];
                SymmetricEigen.Eigenvalues(hessian, size, eigenvalues, config.Threads, cancellationToken);
                var stats = SpectrumStats.From(eigenvalues);

                double predictedKappa = double.NaN, predictedMin = 0, predictedMax = 0, deviation;
                string kind;
                double[]? predicted = null;
                if (n >= 3)
                {
                    // Theorem 2: zero is an (n−1)-th order stationary point, the Hessian is exactly 0.
                    deviation = MaxAbs(hessian);
                    kind = "max |H_ij| (theorem: H = 0)";
                }
                else if (n == 2)
                {
                    predicted = TheoremTwo.PredictedEigenvaluesN2(data.X, data.Y, m, d, units, act, act, act);
                    var p2 = SpectrumStats.From(predicted);
                    (predictedKappa, predictedMin, predictedMax) = (p2.Kappa, p2.LambdaMin, p2.LambdaMax);
                    double scale = Math.Max(MaxAbs(predicted), double.Epsilon);
                    deviation = 0;
                    for (int i = 0; i < size; i++) deviation = Math.Max(deviation, Math.Abs(eigenvalues[i] - predicted[i]) / scale);
                    kind = "max |λ − λ_pred| / max|λ_pred| (sorted spectra)";
                }
                else
                {
                    var (b, a) = TheoremTwo.ToeplitzBlocksN1(data.X, data.Y, m, d, act, act);
                    var toeplitz = new double[(long)size * size];
                    TheoremTwo.AssembleN1(b, a, d, units, toeplitz);
                    double scale = Math.Max(MaxAbs(toeplitz), double.Epsilon), diff = 0;
                    for (long i = 0; i < toeplitz.LongLength; i++) diff = Math.Max(diff, Math.Abs(hessian[i] - toeplitz[i]));
                    deviation = diff / scale;
                    kind = "max |H − H_Toeplitz| / max|H_Toeplitz| (eqs. 28–32)";
                    // The theorem gives the matrix, not its κ in closed form: the prediction is the assembled Toeplitz
                    // matrix's own spectrum.
                    predicted = new double[size];
                    SymmetricEigen.Eigenvalues(toeplitz, size, predicted, config.Threads, cancellationToken);
                    var p1 = SpectrumStats.From(predicted);
                    (predictedKappa, predictedMin, predictedMax) = (p1.Kappa, p1.LambdaMin, p1.LambdaMax);
                }
                rows.Add(new HessianAtZeroRow(n, units * n, act.ToString().ToLowerInvariant(), size,
                    stats.LambdaMin, stats.LambdaMax, stats.AbsMax, stats.AbsP10, stats.Kappa, stats.Condition, stats.Index,
                    predictedMin, predictedMax, predictedKappa, deviation, kind));
                spectra.Add(new SpectrumComparison(n, units * n, eigenvalues, predicted));
                progress?.Report(1);
            }
        }
        return new HessianAtZeroResult(config, data.Source, rows, spectra, clock.Elapsed.TotalSeconds);
    }

    internal static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (double v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
