using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Yun;

/// <summary>How critical points are searched for.</summary>
public enum YunSearch
{
    /// <summary>Backtracking GD, then damped Newton on R (<see cref="LevenbergMarquardt"/>): finds minima (and stalls where R decreases towards infinity).</summary>
    Descent,
    /// <summary>Levenberg–Marquardt on ½‖∇R‖² (<see cref="GradientNormMinimizer"/>): finds critical points of every index.</summary>
    GradientNorm,
    /// <summary>Both, each from its own starts.</summary>
    Both,
}

/// <summary>
/// yun-critical-points (Yun, Sra, Jadbabaie 2019, Theorem on multi-block ResNets): approximate critical points θ*
/// (‖∇R‖ ≤ gradient-tolerance) found two ways — descent (random θ, backtracking GD, then damped Newton on R, which
/// lands on minima) and gradient-norm (Levenberg–Marquardt on ½‖∇R‖², which lands on critical points of every index)
/// from random starts and from structured ones near known saddles: w = 0 (f ≡ 0), a critical point of the net with
/// one block fewer embedded with a zero first or last block (U_l = V_l = 0 adds nothing and has zero gradient with
/// tanh, φ(0) = 0), and two identical units per block; each structured start is perturbed by a small Gaussian.
/// At each θ*: R(θ*) − R_lin, λ_min(∇²R(θ*)), and the theorem's two conditions — (1) E[ℓ''(f)h_Lh_Lᵀ] full rank
/// (λ_min/λ_max &gt; rank-tolerance), (2) col([U_2ᵀ … U_Lᵀ]) ≠ ℝ^d (rank of Σ_{l≥2}U_lᵀU_l &lt; d). The theorem says:
/// under (1) and (2), R(θ*) ≤ R_lin or λ_min &lt; 0. A violation is a point where both conditions hold and neither
/// conclusion does (beyond the tolerances). Two settings: "theorem" with block width m such that (L − 1)m &lt; d
/// (condition 2 holds for every θ), and "wide" with (L − 1)·wide-width ≥ d, where condition 2 generically fails and
/// the theorem says nothing; what happens there is reported, not judged.
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
    public YunSearch Search { get; init; } = YunSearch.Both;
    public int SaddleStarts { get; init; } = 4;
    public int GradientNormSteps { get; init; } = 100;
    public double Perturbation { get; init; } = 1e-3;
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
        { "search", "NAME", "descent (GD + damped Newton on R: minima), gradient-norm (Levenberg–Marquardt on ½‖∇R‖²: critical points of every index), both",
          c => c.Search, (c, v) => c with { Search = v },
          Kinds.Choice(("descent", YunSearch.Descent), ("gradient-norm", YunSearch.GradientNorm), ("both", YunSearch.Both)) },
        { "points", "N", "Random starts per setting, loss and search", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "saddle-starts", "N", "Gradient-norm starts per structured kind (zero output, zero first/last block, duplicated units), setting and loss; 0 skips them",
          c => c.SaddleStarts, (c, v) => c with { SaddleStarts = v }, Kinds.Int, Rules.Between(0, 100_000) },
        { "gd-steps", "N", "Backtracking GD steps before Newton (descent only)", c => c.GdSteps, (c, v) => c with { GdSteps = v },
          Kinds.Int, Rules.Between(0, 1_000_000) },
        { "newton-steps", "N", "Damped Newton steps at most (descent)", c => c.NewtonSteps, (c, v) => c with { NewtonSteps = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "gradient-norm-steps", "N", "Levenberg–Marquardt steps on ½‖∇R‖² at most, per solve (gradient-norm)", c => c.GradientNormSteps,
          (c, v) => c with { GradientNormSteps = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "perturbation", "X", "Standard deviation of the Gaussian added to every parameter of a structured start (0: exactly structured)", c => c.Perturbation,
          (c, v) => c with { Perturbation = v }, Kinds.Double, Rules.Between(0.0, 1.0) },
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
/// −curvature tolerance·max(1, ‖H‖)), neither, not-converged; <see cref="NegativeCurvature"/> says whether λ_min is
/// below that threshold whatever R is. Setting, loss, search and start say where it came from;
/// <see cref="SeedDistance"/> is ‖θ* − θ_seed‖ from the unperturbed structured point (NaN for random starts).
/// </summary>
public readonly record struct YunCriticalPoint(string Setting, string Loss, string Search, string Start, string Kind, double Excess,
    double GradientNorm, double LambdaMin, bool NegativeCurvature, bool FullRank, bool RowSpaceDeficient, int Steps, double ThetaNorm,
    double SeedDistance, bool Violation)
{
    public bool ConditionsHold => FullRank && RowSpaceDeficient;
    public bool Converged => Kind != "not-converged";

    /// <summary>The points table of results.json (one line per start; not in summary.md, which has the counts).</summary>
    public static Table<YunCriticalPoint> Columns { get; } = new()
    {
        { "setting", p => p.Setting, ColumnFlags.Hidden },
        { "loss", p => p.Loss, ColumnFlags.Hidden },
        { "start", p => p.Start, ColumnFlags.Hidden },
        { "search", p => p.Search, ColumnFlags.Hidden },
        { "r_minus_rlin", p => p.Excess, ColumnFlags.Hidden },
        { "lambda_min", p => p.LambdaMin, ColumnFlags.Hidden },
        { "gradient_norm", p => p.GradientNorm, ColumnFlags.Hidden },
        { "condition1_full_rank", p => p.FullRank, ColumnFlags.Hidden },
        { "condition2_row_space_deficient", p => p.RowSpaceDeficient, ColumnFlags.Hidden },
        { "kind", p => p.Kind, ColumnFlags.Hidden },
        { "negative_curvature", p => p.NegativeCurvature, ColumnFlags.Hidden },
        { "violation", p => p.Violation, ColumnFlags.Hidden },
        { "steps", p => p.Steps, ColumnFlags.Hidden },
        { "theta_norm", p => p.ThetaNorm, ColumnFlags.Hidden },
        { "seed_distance", p => p.SeedDistance, ColumnFlags.Hidden },
    };
}

/// <summary>Counts of one (setting, loss, search, start kind).</summary>
public sealed record YunCriticalPointsRow(string Setting, string Loss, string Search, string Start, int BlockWidth, int Parameters, int Points,
    int BetterThanLinear, int StrictSaddles, int Neither, int NotConverged, int NegativeCurvature, int ConditionsHold, int Violations,
    double MinExcess, double MaxExcess, double MinLambdaMin, double MaxGradientNorm, double MaxThetaNorm, double MaxThetaNormNotConverged,
    double MaxSeedDistance, double RLin)
{
    public static Table<YunCriticalPointsRow> Columns { get; } = new()
    {
        { "setting", r => r.Setting, ColumnFlags.Console },
        { "loss", r => r.Loss, ColumnFlags.Console },
        { "search", r => r.Search, ColumnFlags.Console },
        { "start", r => r.Start, ColumnFlags.Console },
        { "block_width", r => r.BlockWidth, "m" },
        { "parameters", r => r.Parameters, ColumnFlags.None },
        { "points", r => r.Points, "starts" },
        { "better_than_linear", r => r.BetterThanLinear, "better than linear", ColumnFlags.Console },
        { "strict_saddles", r => r.StrictSaddles, "strict saddles", ColumnFlags.Console },
        { "neither", r => r.Neither, ColumnFlags.Console },
        { "not_converged", r => r.NotConverged, "not converged", ColumnFlags.Console },
        { "negative_curvature", r => r.NegativeCurvature, "λ_min < 0" },
        { "conditions_hold", r => r.ConditionsHold, "conditions hold", ColumnFlags.Console },
        { "violations", r => r.Violations, ColumnFlags.Console },
        { "min_r_minus_rlin", r => r.MinExcess, "min R − R_lin" },
        { "max_r_minus_rlin", r => r.MaxExcess, "max R − R_lin" },
        { "min_lambda_min", r => r.MinLambdaMin, "min λ_min" },
        { "max_final_gradient_norm", r => r.MaxGradientNorm, "max final ‖∇R‖" },
        { "max_theta_norm", r => r.MaxThetaNorm, "max ‖θ*‖" },
        { "max_theta_norm_not_converged", r => r.MaxThetaNormNotConverged, "max ‖θ‖ not converged" },
        { "max_seed_distance", r => r.MaxSeedDistance, "max ‖θ* − θ_seed‖" },
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
    /// <summary>Every start's end point, in the rows' order.</summary>
    public IReadOnlyList<YunCriticalPoint> Points => [.. Ends.SelectMany(e => e)];
    /// <summary>Converged strict saddles (R − R_lin above the value tolerance, λ_min &lt; 0), every setting.</summary>
    public int StrictSaddles => Rows.Sum(r => r.StrictSaddles);
    public int BetterThanLinear => Rows.Sum(r => r.BetterThanLinear);
    public int StrictSaddlesWhereConditionsHold => Points.Count(p => p.Kind == "strict-saddle" && p.ConditionsHold);
    public int BetterThanLinearWhereConditionsHold => Points.Count(p => p.Kind == "better-than-linear" && p.ConditionsHold);
    /// <summary>Converged points that are "neither" while a condition fails: where the theorem is silent (the wide setting).</summary>
    public int NeitherWhereAConditionFails => Rows.Sum(r => r.Neither) - Violations;

    public static ResultLayout<YunCriticalPointsResult> Layout { get; } = new(r => r.Seconds)
    {
        { "strict_saddles", r => r.StrictSaddles }, { "better_than_linear", r => r.BetterThanLinear },
        { "strict_saddles_conditions_hold", r => r.StrictSaddlesWhereConditionsHold },
        { "better_than_linear_conditions_hold", r => r.BetterThanLinearWhereConditionsHold },
        { "starts", r => r.Starts }, { "not_converged", r => r.NotConverged },
        { "neither_where_a_condition_fails", r => r.NeitherWhereAConditionFails },
        { "rows", YunCriticalPointsRow.Columns, r => r.Rows },
        { "points", YunCriticalPoint.Columns, r => r.Points },
    };
}

public static class YunCriticalPoints
{
    /// <summary>The structured start kinds of the gradient-norm search, after "random"; duplicated-units needs m ≥ 2.</summary>
    public static readonly string[] StartKinds = ["random", "zero-output", "zero-first-block", "zero-last-block", "duplicated-units"];

    public static IEnumerable<(string Setting, int Width)> Settings(YunCriticalPointsConfig c)
    {
        yield return ("theorem", c.BlockWidth);
        if (c.WideWidth > 0) yield return ("wide", c.WideWidth);
    }

    /// <summary>The (search, start kind) pairs run at block width <paramref name="width"/>, in the rows' order.</summary>
    public static IEnumerable<(string Search, string Start)> Groups(YunCriticalPointsConfig c, int width)
    {
        if (c.Search != YunSearch.GradientNorm) yield return ("descent", "random");
        if (c.Search == YunSearch.Descent) yield break;
        yield return ("gradient-norm", "random");
        if (c.SaddleStarts == 0) yield break;
        foreach (var start in StartKinds.Skip(1))
            if (start != "duplicated-units" || width >= 2) yield return ("gradient-norm", start);
    }

    public static int StartsOf(YunCriticalPointsConfig c, string start) => start == "random" ? c.Points : c.SaddleStarts;

    public static long TotalSteps(YunCriticalPointsConfig c)
        => Settings(c).Sum(s => (long)c.Losses.Length * Groups(c, s.Width).Sum(g => StartsOf(c, g.Start)));

    private sealed record Group(string Setting, string Loss, string Search, string Start, YunResNet Net, double RLin, int Index, int Count);

    public static YunCriticalPointsResult Run(YunCriticalPointsConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var groups = new List<Group>();
        int index = 0;
        foreach (var (setting, width) in Settings(config))
            foreach (var loss in config.Losses)
            {
                var data = PredictorData.Synthetic(loss, config.Samples, config.Dimension, config.LabelNoise, config.Seed);
                double rLin = LinearPredictor.Value(data, LinearPredictor.Minimizer(data));
                var net = new YunResNet(data, config.Blocks, width, config.Activation);
                int g = index++;
                foreach (var (search, start) in Groups(config, width))
                    groups.Add(new Group(setting, Losses.Word(loss), search, start, net, rLin, g, StartsOf(config, start)));
            }
        // One flat loop over every start, so both cores stay busy across groups; each start's stream is its own, so
        // the results do not depend on the thread count.
        var jobs = groups.SelectMany((grp, k) => Enumerable.Range(0, grp.Count).Select(i => (Group: k, Index: i))).ToArray();
        var ends = groups.Select(grp => new YunCriticalPoint[grp.Count]).ToArray();
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, jobs.Length, options, j =>
        {
            var (k, i) = jobs[j];
            ends[k][i] = Point(config, groups[k], (ulong)groups[k].Index << 32 | (uint)i, cancellationToken);
            progress?.Report(1);
        });
        var rows = groups.Select((grp, k) => Row(grp, ends[k])).ToList();
        return new YunCriticalPointsResult(config, rows, ends, clock.Elapsed.TotalSeconds);
    }

    private static YunCriticalPointsRow Row(Group grp, YunCriticalPoint[] ends)
    {
        var converged = ends.Where(e => e.Converged).ToList();
        double Min(IEnumerable<double> xs) => xs.DefaultIfEmpty(double.NaN).Min();
        double Max(IEnumerable<double> xs) => xs.DefaultIfEmpty(double.NaN).Max();
        return new YunCriticalPointsRow(grp.Setting, grp.Loss, grp.Search, grp.Start, grp.Net.Width, grp.Net.Size, ends.Length,
            ends.Count(e => e.Kind == "better-than-linear"), ends.Count(e => e.Kind == "strict-saddle"), ends.Count(e => e.Kind == "neither"),
            ends.Count(e => !e.Converged), converged.Count(e => e.NegativeCurvature), converged.Count(e => e.ConditionsHold), ends.Count(e => e.Violation),
            Min(converged.Select(e => e.Excess)), Max(converged.Select(e => e.Excess)), Min(converged.Select(e => e.LambdaMin)),
            Max(converged.Select(e => e.GradientNorm)), Max(converged.Select(e => e.ThetaNorm)),
            Max(ends.Where(e => !e.Converged).Select(e => e.ThetaNorm)), Max(converged.Select(e => e.SeedDistance).Where(double.IsFinite)), grp.RLin);
    }

    private static YunCriticalPoint Point(YunCriticalPointsConfig config, Group grp, ulong trial, CancellationToken cancellationToken)
    {
        var net = grp.Net;
        var theta = new double[net.Size];
        if (grp.Search == "descent")
        {
            var end = Descent(config, net, theta, trial, cancellationToken);
            return Classify(config, grp, theta, end, double.NaN, cancellationToken);
        }
        var seed = GradientNormStart(config, net, grp.Start, theta, trial, cancellationToken);
        var found = new GradientNormMinimizer(net.Size).Minimize(net, theta, config.GradientNormSteps, config.GradientTolerance, cancellationToken);
        double distance = double.NaN;
        if (seed is not null)
        {
            double s = 0;
            for (int j = 0; j < theta.Length; j++) s += (theta[j] - seed[j]) * (theta[j] - seed[j]);
            distance = Math.Sqrt(s);
        }
        return Classify(config, grp, theta, found, distance, cancellationToken);
    }

    /// <summary>The descent search, as yun-critical-points always ran: random θ, backtracking GD, damped Newton on R.</summary>
    internal static NewtonResult Descent(YunCriticalPointsConfig config, YunResNet net, double[] theta, ulong trial, CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x7E5C);
        RandomStart(rng, net, theta);
        new BacktrackingDescent(net.Size).Run(net, theta, config.GdSteps, cancellationToken: cancellationToken);
        return new LevenbergMarquardt(net.Size).Minimize(net, theta, config.NewtonSteps, config.GradientTolerance, cancellationToken);
    }

    /// <summary>Random θ: w ~ N(0, I/d), block entries ~ N(0, s²/max(d, m)) with one scale s per start.</summary>
    internal static void RandomStart(PhiloxStream rng, YunResNet net, Span<double> theta)
    {
        int d = net.D, m = net.Width;
        // Block scales log-uniform over two decades, so starts range from near-identity to strongly nonlinear blocks.
        double scale = Math.Pow(10, 2 * rng.NextUniform() - 1.5);
        for (int j = 0; j < d; j++) theta[j] = rng.NextNormal() / Math.Sqrt(d);
        for (int j = d; j < theta.Length; j++) theta[j] = scale * rng.NextNormal() / Math.Sqrt(Math.Max(d, m));
    }

    /// <summary>
    /// Writes the start of the gradient-norm search of kind <paramref name="start"/> into <paramref name="theta"/>
    /// and returns the unperturbed structured point it was drawn around (null for "random"):
    /// <list type="bullet">
    /// <item>random: a random θ. No GD before any of these searches: descent would carry the start towards minima (or
    /// out towards infinity), and the point of this search is to find the other critical points too.</item>
    /// <item>zero-output: a random θ with w = 0, so f ≡ 0; critical where E[ℓ'(0; y) h_L] = 0, and there the
    /// blocks' gradients vanish (they carry a factor w) while the w–block cross terms of the Hessian need not: saddles.</item>
    /// <item>zero-first-block / zero-last-block: a critical point of the net with L − 1 blocks (random θ, then this
    /// search), embedded with U = V = 0 in block 1 / block L. With φ(0) = 0 (tanh) the zero block adds nothing and
    /// its gradient is 0, so the embedded point is critical (with softplus it is only a start). Its U–V cross block of
    /// the Hessian is φ'(0)·M_l with M_l = E[ℓ'(f)·∇_{h_l}f·h_lᵀ], and the Jacobians telescope:
    /// M_0 = w(∂R/∂w)ᵀ + Σ_k (U_kᵀ ∂R/∂U_k − ∂R/∂V_k V_kᵀ), zero at every critical point of the smaller net (and so is
    /// every later M_l). Wherever the zero block sits, first or last, it adds no negative curvature: the embedded
    /// point's λ_min is min(λ_min of the smaller net's point, 0), a strict saddle exactly when that point is one. The
    /// two kinds differ in where the flat block sits, not in curvature; they seed saddles through the smaller net's.</item>
    /// <item>duplicated-units (m ≥ 2): a random θ with unit 2 of every block a copy of unit 1 (row of U, column of V),
    /// then this search inside that subspace (which it keeps to rounding: the two units' gradients are equal), a
    /// critical point of the net with one unit fewer per block split in halves (Fukumizu and Amari 2000).</item>
    /// </list>
    /// Every structured point then gets independent N(0, perturbation²) noise on every parameter. Critical points of
    /// this net are never isolated (V_L enters f only through wᵀV_L), so a perturbed start lands on the seed's
    /// manifold about a perturbation away, not on the seed itself.
    /// </summary>
    internal static double[]? GradientNormStart(YunCriticalPointsConfig config, YunResNet net, string start, double[] theta, ulong trial,
        CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x7E5Cu + (uint)Array.IndexOf(StartKinds, start) + 1);
        int d = net.D, m = net.Width, size = net.Size;
        switch (start)
        {
            case "random":
                RandomStart(rng, net, theta);
                return null;
            case "zero-output":
                RandomStart(rng, net, theta);
                theta.AsSpan(0, d).Clear();
                break;
            case "zero-first-block" or "zero-last-block":
            {
                var smaller = new YunResNet(net.Data, net.Blocks - 1, m, net.Activation);
                var small = new double[smaller.Size];
                RandomStart(rng, smaller, small);
                new GradientNormMinimizer(smaller.Size).Minimize(smaller, small, config.GradientNormSteps, config.GradientTolerance, cancellationToken);
                Embed(net, small, start == "zero-first-block" ? 0 : net.Blocks - 1, theta);
                break;
            }
            case "duplicated-units":
                RandomStart(rng, net, theta);
                for (int l = 0; l < net.Blocks; l++)
                {
                    int uo = net.UOffset(l), vo = net.VOffset(l);
                    theta.AsSpan(uo, d).CopyTo(theta.AsSpan(uo + d, d));
                    for (int r = 0; r < d; r++) theta[vo + r * m + 1] = theta[vo + r * m];
                }
                new GradientNormMinimizer(size).Minimize(net, theta, config.GradientNormSteps, config.GradientTolerance, cancellationToken);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(start), start, "not a start kind");
        }
        var seed = (double[])theta.Clone();
        for (int j = 0; j < size; j++) theta[j] += config.Perturbation * rng.NextNormal();
        return seed;
    }

    /// <summary>
    /// θ of the net with L blocks from θ' of the net with L − 1 (same d, m): w and the blocks of θ' in order, with
    /// U = V = 0 inserted as block <paramref name="zeroBlock"/>.
    /// </summary>
    public static void Embed(YunResNet net, ReadOnlySpan<double> smaller, int zeroBlock, Span<double> theta)
    {
        int d = net.D, block = 2 * d * net.Width;
        if (smaller.Length != net.Size - block) throw new ArgumentException($"expected {net.Size - block} parameters of the net with {net.Blocks - 1} blocks, got {smaller.Length}");
        theta.Clear();
        smaller[..d].CopyTo(theta);
        for (int l = 0, from = 0; l < net.Blocks; l++)
        {
            if (l == zeroBlock) continue;
            smaller.Slice(d + from * block, block).CopyTo(theta.Slice(net.UOffset(l), block));
            from++;
        }
    }

    private static YunCriticalPoint Classify(YunCriticalPointsConfig config, Group grp, double[] theta, NewtonResult end, double seedDistance,
        CancellationToken cancellationToken)
    {
        var net = grp.Net;
        int d = net.D, size = net.Size;
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

        double excess = r - grp.RLin;
        bool negative = lambdaMin < -config.CurvatureTolerance * Math.Max(1, hNorm);
        string kind = !(end.GradientNorm <= config.GradientTolerance) ? "not-converged"
            : excess <= config.ValueTolerance ? "better-than-linear"
            : negative ? "strict-saddle" : "neither";
        return new YunCriticalPoint(grp.Setting, grp.Loss, grp.Search, grp.Start, kind, excess, end.GradientNorm, lambdaMin, negative, fullRank, deficient,
            end.Steps, Math.Sqrt(Dot.FourPartial(theta, theta)), seedDistance, kind == "neither" && fullRank && deficient);
    }

}
