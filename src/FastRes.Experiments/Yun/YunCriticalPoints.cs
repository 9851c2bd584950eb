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
public sealed record YunCriticalPointsConfig
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

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (Losses is null || Losses.Length == 0) errors.Add(new("losses", "must list squared and/or logistic"));
        if (Dimension < 2 || Dimension > 64) errors.Add(new("dimension", $"must be between 2 and 64 (got {Dimension})"));
        if (Blocks < 2 || Blocks > 16) errors.Add(new("blocks", $"must be between 2 and 16: condition 2 concerns U_2 … U_L (got {Blocks})"));
        if (errors.Count > 0) return errors;
        if (BlockWidth < 1 || (Blocks - 1) * BlockWidth >= Dimension)
            errors.Add(new("block-width", $"must be ≥ 1 with (blocks − 1)·block-width < dimension = {Dimension}, so condition 2 holds (got {BlockWidth})"));
        if (WideWidth < 0 || (WideWidth > 0 && (Blocks - 1) * WideWidth < Dimension))
            errors.Add(new("wide-width", $"must be 0 (skip the wide setting) or have (blocks − 1)·wide-width ≥ dimension = {Dimension} (got {WideWidth})"));
        if (Parameters(Math.Max(BlockWidth, WideWidth)) > 400)
            errors.Add(new("wide-width", $"the dense Hessian has d + 2Ldm rows; keep it ≤ 400 (got {Parameters(Math.Max(BlockWidth, WideWidth))})"));
        if (Samples < 2 * Dimension || Samples > 100_000)
            errors.Add(new("samples", $"must be between 2·dimension and 100000 so R_lin has a unique minimizer (got {Samples})"));
        if (Points < 1 || Points > 100_000) errors.Add(new("points", $"must be between 1 and 100000 (got {Points})"));
        if (GdSteps < 0 || GdSteps > 1_000_000) errors.Add(new("gd-steps", $"must be between 0 and 1000000 (got {GdSteps})"));
        if (NewtonSteps < 1 || NewtonSteps > 100_000) errors.Add(new("newton-steps", $"must be between 1 and 100000 (got {NewtonSteps})"));
        if (!(GradientTolerance > 0 && GradientTolerance <= 1e-2)) errors.Add(new("gradient-tolerance", $"must be in (0, 0.01] (got {GradientTolerance})"));
        if (!(CurvatureTolerance > 0 && CurvatureTolerance <= 1e-1)) errors.Add(new("curvature-tolerance", $"must be in (0, 0.1] (got {CurvatureTolerance})"));
        if (!(ValueTolerance > 0 && ValueTolerance <= 1)) errors.Add(new("value-tolerance", $"must be in (0, 1] (got {ValueTolerance})"));
        if (!(RankTolerance > 0 && RankTolerance <= 1e-2)) errors.Add(new("rank-tolerance", $"must be in (0, 0.01] (got {RankTolerance})"));
        if (!(LabelNoise >= 0 && LabelNoise < 0.5)) errors.Add(new("label-noise", $"must be in [0, 0.5) (got {LabelNoise})"));
        if (Threads < 0 || Threads > 1024) errors.Add(new("threads", $"must be between 0 and 1024 (got {Threads})"));
        return errors;
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
    double MinLambdaMin, double MaxGradientNorm, double MaxThetaNorm, double MaxThetaNormNotConverged, double RLin);

/// <param name="Ends">Every start's end point, grouped as the rows are (Rows[i] holds Ends[i]).</param>
public sealed record YunCriticalPointsResult(YunCriticalPointsConfig Config, IReadOnlyList<YunCriticalPointsRow> Rows,
    IReadOnlyList<IReadOnlyList<YunCriticalPoint>> Ends, double Seconds)
{
    /// <summary>Converged points where both conditions hold: those the theorem speaks about.</summary>
    public int CaseCount => Rows.Sum(r => r.ConditionsHold);
    public int Violations => Rows.Sum(r => r.Violations);
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
                    ends[i] = Point(config, net, rLin, (ulong)g << 32 | (uint)i);
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

    internal static YunCriticalPoint Point(YunCriticalPointsConfig config, YunResNet net, double rLin, ulong trial)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x7E5C);
        int d = net.D, m = net.Width, size = net.Size;
        var theta = new double[size];
        // Block scales log-uniform over two decades, so starts range from near-identity to strongly nonlinear blocks.
        double scale = Math.Pow(10, 2 * rng.NextUniform() - 1.5);
        for (int j = 0; j < d; j++) theta[j] = rng.NextNormal() / Math.Sqrt(d);
        for (int j = d; j < size; j++) theta[j] = scale * rng.NextNormal() / Math.Sqrt(Math.Max(d, m));
        new BacktrackingDescent(size).Run(net, theta, config.GdSteps);

        var (gradNorm, steps) = new LevenbergMarquardt(size).Minimize(net, theta, config.NewtonSteps, config.GradientTolerance);
        double r = net.Value(theta);
        var h = new double[size * size];
        net.Hessian(theta, h);
        var eig = new double[size];
        SymmetricEigen.Eigenvalues(h, size, eig, threads: 1);
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
