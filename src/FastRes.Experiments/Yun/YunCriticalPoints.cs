using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Yun;

/// <summary>
/// yun-critical-points (Yun, Sra, Jadbabaie 2019, Theorem on multi-block ResNets): from random θ, backtracking GD and
/// then damped Newton (Levenberg–Marquardt on the exact Hessian) on all parameters down to ‖∇R‖ ≤ gradient-tolerance.
/// At each approximate critical point θ*: R(θ*) − R_lin, λ_min(∇²R(θ*)), and the theorem's two conditions —
/// (1) E[ℓ''(f)h_Lh_Lᵀ] full rank (λ_min/λ_max &gt; rank-tolerance), (2) col([U_2ᵀ … U_Lᵀ]) ≠ ℝ^d (rank of Σ_{l≥2}U_lᵀU_l
/// &lt; d). The theorem says: under (1) and (2), R(θ*) ≤ R_lin or λ_min &lt; 0. A violation is a point where both
/// conditions hold and neither conclusion does (beyond the tolerances). Two settings: "theorem" with block width m
/// such that (L − 1)m &lt; d (condition 2 holds for every θ), and "wide" with (L − 1)·wide-width ≥ d, where
/// condition 2 generically fails and the theorem says nothing; what happens there is reported, not judged.
/// </summary>
public sealed record YunCriticalPointsConfig : IExperimentConfig<YunCriticalPointsConfig>
{
    public Loss[] Losses { get; init; } = [Loss.Squared, Loss.Logistic];
    public YunActivation Activation { get; init; } = YunActivation.Tanh;
    public int Dimension { get; init; } = 4;
    public int Blocks { get; init; } = 3;
    public int BlockWidth { get; init; } = 1;
    public int WideWidth { get; init; } = 2;
    // Many samples per parameter, so the network cannot interpolate: with n ≲ P the logistic risk is driven to 0
    // and "critical points" are only points far out where the margin makes ∇R tiny, not critical points of the theorem.
    public int Samples { get; init; } = 300;
    public int Points { get; init; } = 12;
    public int GdSteps { get; init; } = 300;
    public int NewtonSteps { get; init; } = 200;
    public double GradientTolerance { get; init; } = 1e-8;
    public double CurvatureTolerance { get; init; } = 1e-7;
    public double ValueTolerance { get; init; } = 1e-7;
    public double RankTolerance { get; init; } = 1e-9;
    public double LabelNoise { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }

    public int Parameters(int width) => Dimension + 2 * Blocks * Dimension * width;

    public static Schema<YunCriticalPointsConfig> Schema { get; } = new()
    {
        { "losses", "LIST", "Losses: squared, logistic (default both)", c => c.Losses, (c, v) => c with { Losses = v }, Kinds.List(Predictors.Losses.Kind),
          Rules.NonEmpty<Loss>(what: "squared and/or logistic").And(Rules.Distinct<Loss>()) },
        { "activation", "NAME", "φ of every block: tanh, softplus", c => c.Activation, (c, v) => c with { Activation = v },
          Kinds.Choice(("tanh", YunActivation.Tanh), ("softplus", YunActivation.Softplus)) },
        { "dimension", "D", "Input dimension d_x", c => c.Dimension, (c, v) => c with { Dimension = v }, Kinds.Int, Rules.Between(2, 64) },
        { "blocks", "L", "Residual blocks L ≥ 2", c => c.Blocks, (c, v) => c with { Blocks = v }, Kinds.Int,
          Rules.Must<int>(l => l is >= 2 and <= 16, "be between 2 and 16: condition 2 concerns U_2 … U_L") },
        { "block-width", "M", "Block width m with (L − 1)m < d, so condition 2 holds", c => c.BlockWidth, (c, v) => c with { BlockWidth = v }, Kinds.Int, Rules.Between(1, 64) },
        { "wide-width", "M", "Width of the contrast setting, (L − 1)m ≥ d so condition 2 can fail; 0 skips it", c => c.WideWidth, (c, v) => c with { WideWidth = v },
          Kinds.Int, Rules.Between(0, 1024) },
        // At least 2·dimension: a relation, in Relations().
        { "samples", "N", "Data set size n", c => c.Samples, (c, v) => c with { Samples = v }, Kinds.Int },
        { "points", "N", "Random starts per setting and loss", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "gd-steps", "N", "Backtracking GD steps before Newton", c => c.GdSteps, (c, v) => c with { GdSteps = v }, Kinds.Int, Rules.Between(0, 1_000_000) },
        { "newton-steps", "N", "Damped Newton steps at most", c => c.NewtonSteps, (c, v) => c with { NewtonSteps = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "gradient-tolerance", "X", "A critical point when ‖∇R‖ ≤ X", c => c.GradientTolerance, (c, v) => c with { GradientTolerance = v }, Kinds.Double, Rules.AboveUpTo(0, 1e-2) },
        { "curvature-tolerance", "X", "A strict saddle when λ_min < −X·max(1, ‖H‖)", c => c.CurvatureTolerance, (c, v) => c with { CurvatureTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1e-1) },
        { "value-tolerance", "X", "Better than linear when R − R_lin ≤ X", c => c.ValueTolerance, (c, v) => c with { ValueTolerance = v }, Kinds.Double, Rules.AboveUpTo(0, 1) },
        { "rank-tolerance", "X", "Full rank when λ_min > X·λ_max", c => c.RankTolerance, (c, v) => c with { RankTolerance = v }, Kinds.Double, Rules.AboveUpTo(0, 1e-2) },
        { "label-noise", "P", "Label flip probability of the logistic data", c => c.LabelNoise, (c, v) => c with { LabelNoise = v }, Kinds.Double,
          Rules.Must<double>(p => p is >= 0 and < 0.5, "be in [0, 0.5)") },
        Packs.Seed<YunCriticalPointsConfig>(c => c.Seed, (c, v) => c with { Seed = v }),
        Packs.Threads<YunCriticalPointsConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        // The relations quote d and L: judged once those are in range.
        return errors.Any(e => e.Field is "dimension" or "blocks") ? errors : [.. errors, .. Relations()];
    }

    /// <summary>The rules between settings (each setting's own rule is in <see cref="Schema"/>).</summary>
    public IEnumerable<ConfigError> Relations()
    {
        if (BlockWidth >= 1 && (Blocks - 1) * BlockWidth >= Dimension)
            yield return new("block-width", $"must be ≥ 1 with (blocks − 1)·block-width < dimension = {Dimension}, so condition 2 holds (got {BlockWidth})");
        if (WideWidth > 0 && (Blocks - 1) * WideWidth < Dimension)
            yield return new("wide-width", $"must be 0 (skip the wide setting) or have (blocks − 1)·wide-width ≥ dimension = {Dimension} (got {WideWidth})");
        if (Parameters(Math.Max(BlockWidth, WideWidth)) > 400)
            yield return new("wide-width", $"the dense Hessian has d + 2Ldm rows; keep it ≤ 400 (got {Parameters(Math.Max(BlockWidth, WideWidth))})");
        if (Samples < 2 * Dimension || Samples > 100_000)
            yield return new("samples", $"must be between 2·dimension and 100000 so R_lin has a unique minimizer (got {Samples})");
    }
}

/// <summary>
/// Where one start ended. Kind: better-than-linear (R − R_lin ≤ value tolerance), strict-saddle (λ_min below
/// −curvature tolerance·max(1, ‖H‖)), neither, not-converged.
/// </summary>
public readonly record struct YunCriticalPoint(string Kind, double Excess, double GradientNorm, double LambdaMin,
    bool FullRank, bool RowSpaceDeficient, int NewtonSteps, double ThetaNorm, bool Violation)
{
    public bool ConditionsHold => FullRank && RowSpaceDeficient;
}

public sealed record YunCriticalPointsRow(string Setting, string Loss, int BlockWidth, int Parameters, int Points, int BetterThanLinear,
    int StrictSaddles, int Neither, int NotConverged, int ConditionsHold, int Violations, double MinExcess, double MaxExcess,
    double MinLambdaMin, double MaxGradientNorm, double MaxThetaNorm, double MaxThetaNormNotConverged, double RLin)
{
    public static Table<YunCriticalPointsRow> Columns { get; } = new()
    {
        { "setting", r => r.Setting, ColumnFlags.Console },
        { "loss", r => r.Loss, ColumnFlags.Console },
        { "block_width", r => r.BlockWidth, "m" },
        { "parameters", r => r.Parameters, ColumnFlags.None },
        { "points", r => r.Points, "starts" },
        { "better_than_linear", r => r.BetterThanLinear, "better than linear", ColumnFlags.Console },
        { "strict_saddles", r => r.StrictSaddles, "strict saddles", ColumnFlags.Console },
        { "neither", r => r.Neither, ColumnFlags.Console },
        { "not_converged", r => r.NotConverged, "not converged", ColumnFlags.Console },
        { "conditions_hold", r => r.ConditionsHold, "conditions hold", ColumnFlags.Console },
        { "violations", r => r.Violations, ColumnFlags.Console },
        { "min_r_minus_rlin", r => r.MinExcess, "min R − R_lin" },
        { "max_r_minus_rlin", r => r.MaxExcess, "max R − R_lin", ColumnFlags.Console },
        { "min_lambda_min", r => r.MinLambdaMin, "min λ_min" },
        { "max_final_gradient_norm", r => r.MaxGradientNorm, "max final ‖∇R‖" },
        { "max_theta_norm", r => r.MaxThetaNorm, "max ‖θ*‖" },
        { "max_theta_norm_not_converged", r => r.MaxThetaNormNotConverged, "max ‖θ‖ not converged" },
        { "r_lin", r => r.RLin, "R_lin" },
    };
}

/// <param name="Ends">Every start's end point, grouped as the rows are (Rows[i] holds Ends[i]).</param>
public sealed record YunCriticalPointsResult(YunCriticalPointsConfig Config, IReadOnlyList<YunCriticalPointsRow> Rows,
    IReadOnlyList<IReadOnlyList<YunCriticalPoint>> Ends, double Seconds) : IClaimCheck, IExperimentResult<YunCriticalPointsResult>
{
    /// <summary>Converged points where both conditions hold: those the theorem speaks about.</summary>
    public int CaseCount => Rows.Sum(r => r.ConditionsHold);
    public int Violations => Rows.Sum(r => r.Violations);
    public string CaseNoun => "critical points where both conditions hold";
    public int Starts => Rows.Sum(r => r.Points);
    public int NotConverged => Rows.Sum(r => r.NotConverged);
    /// <summary>Converged points that are "neither" while a condition fails: where the theorem is silent (the wide setting).</summary>
    public int NeitherWhereAConditionFails => Rows.Sum(r => r.Neither) - Violations;

    public static ResultLayout<YunCriticalPointsResult> Layout { get; } = new(r => r.Seconds)
    {
        { "starts", r => r.Starts }, { "not_converged", r => r.NotConverged },
        { "neither_where_a_condition_fails", r => r.NeitherWhereAConditionFails },
        { "rows", YunCriticalPointsRow.Columns, r => r.Rows },
    };
}

public static class YunCriticalPoints
{
    public static IEnumerable<(string Setting, int Width)> Settings(YunCriticalPointsConfig c)
    {
        yield return ("theorem", c.BlockWidth);
        if (c.WideWidth > 0) yield return ("wide", c.WideWidth);
    }

    public static long TotalSteps(YunCriticalPointsConfig c) => (long)Settings(c).Count() * c.Losses.Length * c.Points;

    public static YunCriticalPointsResult Run(YunCriticalPointsConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<YunCriticalPointsRow>();
        var allEnds = new List<IReadOnlyList<YunCriticalPoint>>();
        int group = 0;
        foreach (var (setting, width) in Settings(config))
            foreach (var loss in config.Losses)
            {
                var data = PredictorData.Synthetic(loss, config.Samples, config.Dimension, config.LabelNoise, config.Seed);
                double rLin = LinearPredictor.Value(data, LinearPredictor.Minimizer(data));
                var net = new YunResNet(data, config.Blocks, width, config.Activation);
                int g = group++;
                var ends = new YunCriticalPoint[config.Points];
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    ends[i] = Point(config, net, rLin, (ulong)g << 32 | (uint)i, cancellationToken);
                    progress?.Report(1);
                });
                allEnds.Add(ends);
                var converged = ends.Where(e => e.Kind != "not-converged").ToList();
                rows.Add(new YunCriticalPointsRow(setting, Losses.Word(loss), width, net.Size, config.Points,
                    ends.Count(e => e.Kind == "better-than-linear"), ends.Count(e => e.Kind == "strict-saddle"), ends.Count(e => e.Kind == "neither"),
                    ends.Count(e => e.Kind == "not-converged"), converged.Count(e => e.ConditionsHold), ends.Count(e => e.Violation),
                    converged.Select(e => e.Excess).DefaultIfEmpty(double.NaN).Min(), converged.Select(e => e.Excess).DefaultIfEmpty(double.NaN).Max(),
                    converged.Select(e => e.LambdaMin).DefaultIfEmpty(double.NaN).Min(), converged.Select(e => e.GradientNorm).DefaultIfEmpty(double.NaN).Max(),
                    converged.Select(e => e.ThetaNorm).DefaultIfEmpty(double.NaN).Max(),
                    ends.Where(e => e.Kind == "not-converged").Select(e => e.ThetaNorm).DefaultIfEmpty(double.NaN).Max(), rLin));
            }
        return new YunCriticalPointsResult(config, rows, allEnds, clock.Elapsed.TotalSeconds);
    }

    internal static YunCriticalPoint Point(YunCriticalPointsConfig config, YunResNet net, double rLin, ulong trial,
        CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x7E5C);
        int d = net.D, m = net.Width, size = net.Size;
        var theta = new double[size];
        // Block scales log-uniform over two decades, so starts range from near-identity to strongly nonlinear blocks.
        double scale = Math.Pow(10, 2 * rng.NextUniform() - 1.5);
        for (int j = 0; j < d; j++) theta[j] = rng.NextNormal() / Math.Sqrt(d);
        for (int j = d; j < size; j++) theta[j] = scale * rng.NextNormal() / Math.Sqrt(Math.Max(d, m));
        new BacktrackingDescent(size).Run(net, theta, config.GdSteps, cancellationToken: cancellationToken);

        var (gradNorm, steps) = new LevenbergMarquardt(size).Minimize(net, theta, config.NewtonSteps, config.GradientTolerance, cancellationToken);
        double r = net.Value(theta);
        var h = new double[size * size];
        net.Hessian(theta, h);
        var eig = new double[size];
        SymmetricEigen.Eigenvalues(h, size, eig, threads: 1, cancellationToken);
        double lambdaMin = eig.Min(), hNorm = eig.Max(Math.Abs);

        var moment = net.CurvatureMoment(theta);
        var me = new double[d];
        SymmetricEigen.Eigenvalues(moment, d, me, threads: 1);
        bool fullRank = me.Min() > config.RankTolerance * Math.Max(me.Max(), double.Epsilon);
        var gram = net.LaterRowSpaceGram(theta);
        var ge = new double[d];
        SymmetricEigen.Eigenvalues(gram, d, ge, threads: 1);
        // rank(Σ U_lᵀU_l) < d ⟺ its smallest eigenvalue is (relatively) zero; with (L − 1)m < d it is exactly rank-deficient.
        bool deficient = !(ge.Min() > config.RankTolerance * Math.Max(ge.Max(), double.Epsilon));

        double excess = r - rLin;
        string kind = !(gradNorm <= config.GradientTolerance) ? "not-converged"
            : excess <= config.ValueTolerance ? "better-than-linear"
            : lambdaMin < -config.CurvatureTolerance * Math.Max(1, hNorm) ? "strict-saddle" : "neither";
        return new YunCriticalPoint(kind, excess, gradNorm, lambdaMin, fullRank, deficient, steps, Math.Sqrt(Dot.FourPartial(theta, theta)), kind == "neither" && fullRank && deficient);
    }
}
