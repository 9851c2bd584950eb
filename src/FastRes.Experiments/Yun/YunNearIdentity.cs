using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Yun;

/// <summary>
/// yun-near-identity (Yun, Sra, Jadbabaie 2019, near-identity theorem, informal in the poster): for a ResNet whose
/// blocks h_l = h_{l−1} + V_l ReLU(U_l h_{l−1}) stay in ‖V_l‖_F, ‖U_l‖_F ≤ 1/√L (so each block is 1/L-Lipschitz with
/// φ(0) = 0) and a Lipschitz convex loss, every critical point has R(θ*) ≤ R_lin + C with C independent of L.
/// The poster gives no constant. FastRes checks the constant that the standard argument yields (derived in
/// summary.md): for any θ and any t (t* = argmin R_lin), convexity of ℓ gives
///   R(θ) − R_lin ≤ E[ℓ'(f) t*ᵀ(h_L − x)] + (w − t*)ᵀ∇_wR      (the exact step)
///              ≤ G·‖t*‖·s(θ)·√E‖x‖² + ‖w − t*‖·‖∇_wR‖       (the bound; G = √E[ℓ'(f)²], s = Π(1 + ‖V_l‖‖U_l‖) − 1)
/// and s ≤ (1 + 1/L)^L − 1 &lt; e − 1 in F_L, G ≤ 1 for the logistic loss: C = ‖t*‖(e − 1)√E‖x‖² at a critical point.
/// Two kinds of points per (activation, loss, L): "critical" — projected gradient descent with momentum on all of θ
/// (w free, blocks projected onto their balls) until the projected-gradient norm ≤ tolerance (or "stalled", see
/// <see cref="YunNearIdentityPoint"/>); and "adversarial" — projected
/// gradient ascent over the blocks of the profile risk min_w R(w, blocks), which bounds R at every critical point
/// (w is optimal for its blocks at a critical point, R being convex in w), so it is the hardest test of the bound.
/// Every point ends with w re-optimized exactly (Newton on the convex w-problem), so ∇_wR is at rounding level.
/// </summary>
public sealed record YunNearIdentityConfig : IExperimentConfig<YunNearIdentityConfig>
{
    public Loss[] Losses { get; init; } = [Loss.Logistic, Loss.Squared];
    public NearIdentityActivation[] Activations { get; init; } = [NearIdentityActivation.Relu, NearIdentityActivation.Tanh];
    public int[] Depths { get; init; } = [1, 2, 4, 8, 16, 32, 64];
    public int Dimension { get; init; } = 6;
    public int Width { get; init; } = 4;
    public int Samples { get; init; } = 200;
    public int Points { get; init; } = 3;
    public int AdversarialPoints { get; init; } = 2;
    public int Steps { get; init; } = 4000;
    public double StationarityTolerance { get; init; } = 1e-6;
    public double Tolerance { get; init; } = 1e-10;
    // ReLU descents approach their kinked minima slowly (measured: the drop per 256 steps falls from 2e-9 to 5e-11
    // between steps 1300 and 3900 at L = 8, R unchanged in its 6th digit); 1e-9 calls that a stall.
    public double StallTolerance { get; init; } = 1e-9;
    public double LabelNoise { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }

    public static Schema<YunNearIdentityConfig> Schema { get; } = new()
    {
        { "activations", "LIST", "φ of the blocks: relu (the poster's), tanh (smooth, also 1-Lipschitz with φ(0) = 0) (default both)", c => c.Activations,
          (c, v) => c with { Activations = v }, Kinds.List(Kinds.Choice(("relu", NearIdentityActivation.Relu), ("tanh", NearIdentityActivation.Tanh))),
          Rules.NonEmpty<NearIdentityActivation>(what: "relu and/or tanh").And(Rules.Distinct<NearIdentityActivation>()) },
        { "losses", "LIST", "Losses: logistic (1-Lipschitz, the theorem's setting), squared (default both)", c => c.Losses, (c, v) => c with { Losses = v },
          Kinds.List(Predictors.Losses.Kind), Rules.NonEmpty<Loss>(what: "logistic and/or squared").And(Rules.Distinct<Loss>()) },
        { "depths", "LIST", "Block counts L", c => c.Depths, (c, v) => c with { Depths = v }, Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 1024)).And(Rules.Distinct<int>()) },
        { "dimension", "D", "Input dimension d", c => c.Dimension, (c, v) => c with { Dimension = v }, Kinds.Int, Rules.Between(1, 256) },
        { "width", "M", "Units per block m", c => c.Width, (c, v) => c with { Width = v }, Kinds.Int, Rules.Between(1, 256) },
        // At least 2·dimension: a relation, in Relations().
        { "samples", "N", "Data set size n", c => c.Samples, (c, v) => c with { Samples = v }, Kinds.Int },
        { "points", "N", "Descent starts per activation, loss and L", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(0, 100_000) },
        { "adversarial-points", "N", "Ascent starts on the profile risk min_w R per activation, loss and L", c => c.AdversarialPoints, (c, v) => c with { AdversarialPoints = v },
          Kinds.Int, Rules.Between(0, 100_000) },
        { "steps", "N", "Iterations at most per start", c => c.Steps, (c, v) => c with { Steps = v }, Kinds.Int, Rules.Between(1, 10_000_000) },
        { "stationarity-tolerance", "X", "Critical when ‖θ − P(θ − ∇R)‖ ≤ X", c => c.StationarityTolerance, (c, v) => c with { StationarityTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1e-2) },
        { "tolerance", "X", "An inequality fails when short by more than X·max(1, R)", c => c.Tolerance, (c, v) => c with { Tolerance = v }, Kinds.Double, Rules.Between(0.0, 1e-3) },
        { "stall-tolerance", "X", "A descent has stalled when 256 steps lower R by ≤ X·(1 + R)", c => c.StallTolerance, (c, v) => c with { StallTolerance = v },
          Kinds.Double, Rules.Between(0.0, 1e-3) },
        { "label-noise", "P", "Label flip probability of the logistic data", c => c.LabelNoise, (c, v) => c with { LabelNoise = v }, Kinds.Double,
          Rules.Must<double>(p => p is >= 0 and < 0.5, "be in [0, 0.5)") },
        Packs.Seed<YunNearIdentityConfig>(c => c.Seed, (c, v) => c with { Seed = v }),
        Packs.Threads<YunNearIdentityConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
    };

    public IReadOnlyList<ConfigError> Validate() => [.. Schema.Check(this), .. Relations()];

    /// <summary>The rules between settings (each setting's own rule is in <see cref="Schema"/>).</summary>
    public IEnumerable<ConfigError> Relations()
    {
        if (Samples < 2 * Dimension || Samples > 1_000_000)
            yield return new("samples", $"must be between 2·dimension and 1000000 so R_lin has a unique minimizer (got {Samples})");
        if (Points + AdversarialPoints == 0) yield return new("points", "points and adversarial-points cannot both be 0");
    }
}

/// <summary>
/// One end point. Kind: "critical" (projected-gradient norm ≤ tolerance), "stalled" (descent stopped lowering R:
/// 256 steps gained ≤ stall-tolerance·(1 + R) — with ReLU blocks minima sit on kinks, where the gradient norm cannot vanish),
/// "not-converged" (neither within the step budget; not counted) or "adversarial". Excess = R − R_lin; ExactSlack and BoundSlack are the
/// right-hand sides minus Excess (negative = that inequality failed); Shift = s(θ) = Π(1 + ‖V_l‖_F‖U_l‖_F) − 1.
/// </summary>
public readonly record struct YunNearIdentityPoint(string Kind, double Risk, double Excess, double ExactSlack, double BoundSlack,
    double Bound, double Shift, double LossSlopeRms, double Stationarity, double WGradientNorm, int Steps, bool Violation)
{
    /// <summary>results.json's "points": every point under the cell (φ, loss, L) it belongs to; not in summary.md.</summary>
    public static Table<(YunNearIdentityRow Cell, YunNearIdentityPoint Point)> Columns { get; } = new()
    {
        { "activation", p => p.Cell.Activation }, { "loss", p => p.Cell.Loss }, { "L", p => p.Cell.Blocks }, { "kind", p => p.Point.Kind },
        { "r", p => p.Point.Risk }, { "r_minus_rlin", p => p.Point.Excess }, { "exact_slack", p => p.Point.ExactSlack }, { "bound", p => p.Point.Bound },
        { "bound_slack", p => p.Point.BoundSlack }, { "shift_factor", p => p.Point.Shift }, { "loss_slope_rms", p => p.Point.LossSlopeRms },
        { "stationarity", p => p.Point.Stationarity }, { "w_gradient_norm", p => p.Point.WGradientNorm }, { "steps", p => p.Point.Steps },
        { "violation", p => p.Point.Violation },
    };
}

/// <param name="Constant">C = ‖t*‖(e − 1)√E‖x‖² for a 1-Lipschitz loss (logistic); NaN for the squared loss, whose G is data-dependent.</param>
/// <param name="MaxExcessDescent">Largest R − R_lin over the descent end points that count (critical and stalled).</param>
public sealed record YunNearIdentityRow(string Activation, string Loss, int Blocks, int Parameters, int Critical, int Stalled, int NotConverged, int Adversarial,
    double MaxExcessDescent, double MinExcessDescent, double MaxExcessAdversarial, double MinExactSlack, double MinBoundSlack,
    double MaxBound, double Constant, double MaxShift, double MaxStationarityDescent, double RLin, double TStarNorm, int Violations)
{
    public static Table<YunNearIdentityRow> Columns { get; } = new()
    {
        { "activation", r => r.Activation, "φ", ColumnFlags.Console },
        { "loss", r => r.Loss, ColumnFlags.Console },
        { "L", r => r.Blocks, ColumnFlags.Console },
        { "parameters", r => r.Parameters, ColumnFlags.Hidden },
        { "critical", r => r.Critical, ColumnFlags.Console },
        { "stalled", r => r.Stalled, ColumnFlags.Console },
        { "not_converged", r => r.NotConverged, "not conv.", ColumnFlags.Console },
        { "adversarial", r => r.Adversarial, ColumnFlags.Console },
        { "max_r_minus_rlin_descent", r => r.MaxExcessDescent, "max R − R_lin (descent)", ColumnFlags.Console },
        { "min_r_minus_rlin_descent", r => r.MinExcessDescent, ColumnFlags.Hidden },
        { "max_r_minus_rlin_adversarial", r => r.MaxExcessAdversarial, "max R − R_lin (adversarial)", ColumnFlags.Console },
        { "min_exact_slack", r => r.MinExactSlack, "min exact slack" },
        { "min_bound_slack", r => r.MinBoundSlack, "min bound slack", ColumnFlags.Console },
        { "max_bound", r => r.MaxBound, ColumnFlags.Hidden },
        { "constant_c", r => r.Constant, "C" },
        { "max_shift_factor", r => r.MaxShift, "max s(θ)" },
        { "max_stationarity_descent", r => r.MaxStationarityDescent, "max ‖θ − P(θ − ∇R)‖" },
        { "r_lin", r => r.RLin, "R_lin" },
        { "t_star_norm", r => r.TStarNorm, ColumnFlags.Hidden },
        { "violations", r => r.Violations, ColumnFlags.Console },
    };
}

public sealed record YunNearIdentityResult(YunNearIdentityConfig Config, IReadOnlyList<YunNearIdentityRow> Rows,
    IReadOnlyList<IReadOnlyList<YunNearIdentityPoint>> Points, double Seconds) : IClaimCheck, IExperimentResult<YunNearIdentityResult>
{
    /// <summary>Cases: critical, stalled and adversarial points (all have ∇_wR = 0 to rounding, where the bound applies).</summary>
    public int CaseCount => Rows.Sum(r => r.Critical + r.Stalled + r.Adversarial);
    public int Violations => Rows.Sum(r => r.Violations);
    public int Critical => Rows.Sum(r => r.Critical);
    public int Stalled => Rows.Sum(r => r.Stalled);
    public int Adversarial => Rows.Sum(r => r.Adversarial);
    public int NotConverged => Rows.Sum(r => r.NotConverged);

    /// <summary>Every point with the row of its cell, in row order.</summary>
    public IReadOnlyList<(YunNearIdentityRow Cell, YunNearIdentityPoint Point)> CellPoints => [.. Rows.Zip(Points).SelectMany(c => c.Second.Select(p => (c.First, p)))];

    public static ResultLayout<YunNearIdentityResult> Layout { get; } = new(r => r.Seconds)
    {
        { "critical", r => r.Critical }, { "stalled", r => r.Stalled },
        { "adversarial", r => r.Adversarial }, { "not_converged", r => r.NotConverged },
        { "rows", YunNearIdentityRow.Columns, r => r.Rows },
        { "points", YunNearIdentityPoint.Columns, r => r.CellPoints },
    };
}

public static class YunNearIdentity
{
    public static long TotalSteps(YunNearIdentityConfig c) => (long)c.Activations.Length * c.Losses.Length * c.Depths.Length * (c.Points + c.AdversarialPoints);

    public static YunNearIdentityResult Run(YunNearIdentityConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        int perCell = config.Points + config.AdversarialPoints;
        var cells = (from activation in config.Activations from loss in config.Losses from blocks in config.Depths select (activation, loss, blocks)).ToList();
        var data = config.Losses.ToDictionary(l => l, l => PredictorData.Synthetic(l, config.Samples, config.Dimension, config.LabelNoise, config.Seed));
        var tStar = data.ToDictionary(p => p.Key, p => LinearPredictor.Minimizer(p.Value));
        var points = new YunNearIdentityPoint[cells.Count * perCell];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        // Deepest cells first: they take longest, so the parallel loop does not end on one long straggler.
        var order = Enumerable.Range(0, points.Length).OrderByDescending(i => cells[i / perCell].blocks).ToArray();
        Parallel.For(0, order.Length, options, j =>
        {
            int i = order[j];
            var (activation, loss, blocks) = cells[i / perCell];
            int start = i % perCell;
            var net = new NearIdentityResNet(config.Dimension, blocks, config.Width, activation);
            // The same starts for both activations: the two columns of the figure are paired.
            ulong key = (ulong)loss << 48 | (ulong)blocks << 24 | (uint)start;
            points[i] = start < config.Points
                ? Descend(config, net, data[loss], tStar[loss], key, cancellationToken)
                : Ascend(config, net, data[loss], tStar[loss], key, cancellationToken);
            progress?.Report(1);
        });

        var rows = new List<YunNearIdentityRow>();
        var grouped = new List<IReadOnlyList<YunNearIdentityPoint>>();
        for (int c = 0; c < cells.Count; c++)
        {
            var (activation, loss, blocks) = cells[c];
            var group = points.AsSpan(c * perCell, perCell).ToArray();
            grouped.Add(group);
            var d = data[loss];
            var t = tStar[loss];
            var descent = group.Where(p => p.Kind is "critical" or "stalled").ToList();
            var checkedPoints = group.Where(p => p.Kind != "not-converged").ToList();
            double rLin = LinearPredictor.Value(d, t);
            double tNorm = Math.Sqrt(Dot.FourPartial(t, t));
            rows.Add(new YunNearIdentityRow(activation.ToString().ToLowerInvariant(), Losses.Word(loss), blocks, new NearIdentityResNet(config.Dimension, blocks, config.Width).Size,
                group.Count(p => p.Kind == "critical"), group.Count(p => p.Kind == "stalled"), group.Count(p => p.Kind == "not-converged"),
                group.Count(p => p.Kind == "adversarial"), Max(descent.Select(p => p.Excess)), Min(descent.Select(p => p.Excess)),
                Max(group.Where(p => p.Kind == "adversarial").Select(p => p.Excess)),
                Min(checkedPoints.Select(p => p.ExactSlack)), Min(checkedPoints.Select(p => p.BoundSlack)),
                Max(checkedPoints.Select(p => p.Bound)),
                loss == Loss.Logistic ? tNorm * (Math.E - 1) * RootMeanSquareNorm(d) : double.NaN,
                Max(group.Select(p => p.Shift)), Max(descent.Select(p => p.Stationarity)), rLin, tNorm,
                group.Count(p => p.Violation)));
        }
        return new YunNearIdentityResult(config, rows, grouped, clock.Elapsed.TotalSeconds);
    }

    private static double Max(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Max();
    private static double Min(IEnumerable<double> values) => values.DefaultIfEmpty(double.NaN).Min();

    /// <summary>√E‖x‖² over the data set.</summary>
    public static double RootMeanSquareNorm(PredictorData data) => Math.Sqrt(Dot.FourPartial(data.X, data.X) / data.Samples);

    /// <summary>
    /// A random start: w ~ N(0, I/d); each U_l, V_l Gaussian, scaled to a Frobenius norm uniform in (0, 1/√L], so
    /// starts range from the identity map to blocks on the boundary of F_L.
    /// </summary>
    internal static double[] Start(NearIdentityResNet net, PhiloxStream rng)
    {
        var theta = new double[net.Size];
        for (int j = 0; j < net.D; j++) theta[j] = rng.NextNormal() / Math.Sqrt(net.D);
        int size = net.D * net.Width;
        for (int l = 0; l < net.Blocks; l++)
            foreach (int offset in new[] { net.UOffset(l), net.VOffset(l) })
            {
                var block = theta.AsSpan(offset, size);
                for (int j = 0; j < size; j++) block[j] = rng.NextNormal();
                double norm = Math.Sqrt(Dot.FourPartial(block, block)), target = rng.NextUniform() * net.BlockRadius;
                for (int j = 0; j < size; j++) block[j] *= target / norm;
            }
        return theta;
    }

    /// <summary>
    /// Projected gradient descent with Nesterov momentum on all of θ, a backtracking step (sufficient decrease along
    /// the projection arc) and a restart whenever the risk rises; stops when the projected-gradient norm
    /// ‖θ − P(θ − ∇R)‖ is at most the tolerance. w then gets its exact optimum for the final blocks.
    /// </summary>
    internal static YunNearIdentityPoint Descend(YunNearIdentityConfig config, NearIdentityResNet net, PredictorData data, double[] tStar, ulong key, CancellationToken token)
    {
        var rng = new PhiloxStream(config.Seed, key, 0x4E1D);
        var theta = Start(net, rng);
        var objective = new RiskObjective(data.Loss, data.Y);
        int size = net.Size;
        var y = (double[])theta.Clone();
        var previous = (double[])theta.Clone();
        var grad = new double[size];
        var trial = new double[size];
        double step = 1, momentum = 1, risk = net.Value(theta, data.X, objective);
        int s = 0;
        double stationarity = double.PositiveInfinity;
        // The risk at the last 16 checks (every 16 steps): "stalled" when 256 steps lowered it by at most stall-tolerance·(1 + R).
        var history = new double[16];
        int checks = 0;
        bool stalled = false;
        for (; s < config.Steps; s++)
        {
            double fy = net.Gradient(y, data.X, objective, grad);
            double ft = 0;
            for (int attempt = 0; attempt < 60; attempt++)
            {
                // Every trial is a pass over all samples, and a step may take 60 of them: poll per trial.
                token.ThrowIfCancellationRequested();
                for (int j = 0; j < size; j++) trial[j] = y[j] - step * grad[j];
                net.Project(trial, net.BlockRadius);
                double decrease = 0, moved = 0;
                for (int j = 0; j < size; j++) { double dj = trial[j] - y[j]; decrease += grad[j] * dj; moved += dj * dj; }
                ft = net.Value(trial, data.X, objective);
                if (ft <= fy + decrease + moved / (2 * step)) break;
                step *= 0.5;
            }
            if (ft > risk)
            {
                // Momentum overshot: restart from the last iterate without it.
                theta.CopyTo(y, 0);
                momentum = 1;
                continue;
            }
            theta.CopyTo(previous, 0);
            trial.CopyTo(theta, 0);
            risk = ft;
            double next = 0.5 * (1 + Math.Sqrt(1 + 4 * momentum * momentum));
            for (int j = 0; j < size; j++) y[j] = theta[j] + (momentum - 1) / next * (theta[j] - previous[j]);
            momentum = next;
            step *= 1.25;
            if ((s & 15) == 15)
            {
                if (SnapDeadUnits(net, theta)) { theta.CopyTo(y, 0); momentum = 1; risk = net.Value(theta, data.X, objective); }
                stationarity = Stationarity(net, data, theta, grad, trial);
                // Half the tolerance: re-optimizing w below moves the blocks' gradient a little.
                if (stationarity <= 0.5 * config.StationarityTolerance) break;
                stalled = checks >= history.Length && history[checks % history.Length] - risk <= config.StallTolerance * (1 + Math.Abs(risk));
                history[checks++ % history.Length] = risk;
                if (stalled) break;
            }
        }
        SnapDeadUnits(net, theta);
        OptimizeOutputLayer(net, data, theta);
        stationarity = Stationarity(net, data, theta, grad, trial);
        string kind = stationarity <= config.StationarityTolerance ? "critical" : stalled ? "stalled" : "not-converged";
        return Measure(config, net, data, tStar, theta, kind, stationarity, s);
    }

    /// <summary>
    /// Projected gradient ascent over the blocks of P(blocks) = min_w R(w, blocks) (w re-optimized exactly after every
    /// move; by the envelope theorem ∇P is ∇_blocks R at that w), with a backtracking step; the adversary for the bound.
    /// </summary>
    internal static YunNearIdentityPoint Ascend(YunNearIdentityConfig config, NearIdentityResNet net, PredictorData data, double[] tStar, ulong key, CancellationToken token)
    {
        var rng = new PhiloxStream(config.Seed, key, 0xAD5E);
        var theta = Start(net, rng);
        var objective = new RiskObjective(data.Loss, data.Y);
        int size = net.Size, d = net.D;
        var grad = new double[size];
        var trial = new double[size];
        double profile = OptimizeOutputLayer(net, data, theta), step = 1;
        int s = 0;
        for (; s < config.Steps; s++)
        {
            net.Gradient(theta, data.X, objective, grad);
            bool moved = false;
            for (int attempt = 0; attempt < 40 && !moved; attempt++)
            {
                token.ThrowIfCancellationRequested(); // as in Descend: each trial re-solves the output layer on all samples
                theta.CopyTo(trial, 0);
                for (int j = d; j < size; j++) trial[j] += step * grad[j];
                net.Project(trial, net.BlockRadius);
                double gain = 0;
                for (int j = d; j < size; j++) gain += grad[j] * (trial[j] - theta[j]);
                double value = OptimizeOutputLayer(net, data, trial);
                if (value >= profile + 0.5 * gain && gain > 0)
                {
                    trial.CopyTo(theta, 0);
                    profile = value;
                    step *= 1.5;
                    moved = true;
                }
                else step *= 0.5;
            }
            // No ascent direction left within the budget of halvings: a stationary point of the profile risk.
            if (!moved) break;
        }
        var scratch = new double[size];
        return Measure(config, net, data, tStar, theta, "adversarial", Stationarity(net, data, theta, grad, scratch, ascent: true), s);
    }

    /// <summary>
    /// Sets to exactly zero every unit whose row u_k of U_l has shrunk below 1e-9 of the block radius. Descent drives
    /// units that would only hurt the risk to u_k → 0, a ReLU kink for every sample at once: there pre-activations
    /// of ~1e-38 still count as "active" and give an O(1) gradient that flips sign with them, so the iterates
    /// chatter around the kink and the projected gradient never gets small. At u_k = 0 exactly the unit outputs 0
    /// and (with ReLU'(0) = 0) contributes no gradient, which is the point the chatter circles. Returns whether it
    /// changed θ.
    /// </summary>
    internal static bool SnapDeadUnits(NearIdentityResNet net, double[] theta)
    {
        int d = net.D;
        double threshold = 1e-9 * net.BlockRadius;
        bool changed = false;
        for (int l = 0; l < net.Blocks; l++)
            for (int k = 0; k < net.Width; k++)
            {
                var row = theta.AsSpan(net.UOffset(l) + k * d, d);
                double norm = Math.Sqrt(Dot.FourPartial(row, row));
                if (norm > 0 && norm < threshold) { row.Clear(); changed = true; }
            }
        return changed;
    }

    /// <summary>
    /// ‖θ − P(θ ∓ ∇R)‖: zero exactly at the stationary points of R over the feasible set (the KKT points). For the
    /// ascent, the blocks move up (w is at its minimizer, so its part is ‖∇_wR‖ either way).
    /// </summary>
    private static double Stationarity(NearIdentityResNet net, PredictorData data, double[] theta, double[] grad, double[] scratch, bool ascent = false)
    {
        net.Gradient(theta, data.X, new RiskObjective(data.Loss, data.Y), grad);
        for (int j = 0; j < theta.Length; j++) scratch[j] = theta[j] - (ascent && j >= net.D ? -grad[j] : grad[j]);
        net.Project(scratch, net.BlockRadius);
        double sum = 0;
        for (int j = 0; j < theta.Length; j++) sum += (theta[j] - scratch[j]) * (theta[j] - scratch[j]);
        return Math.Sqrt(sum);
    }

    /// <summary>w ← argmin_w R(w, blocks): R_lin's exact minimizer on the features h_L(x_i). Returns the risk there.</summary>
    internal static double OptimizeOutputLayer(NearIdentityResNet net, PredictorData data, double[] theta)
    {
        var features = new double[data.Samples * net.D];
        net.Features(theta, data.X, features);
        var onFeatures = new PredictorData(data.Samples, net.D, features, data.Y, data.Loss);
        var w = LinearPredictor.Minimizer(onFeatures);
        w.CopyTo(theta, 0);
        return LinearPredictor.Value(onFeatures, w);
    }

    /// <summary>The two inequalities of the class summary at θ.</summary>
    internal static YunNearIdentityPoint Measure(YunNearIdentityConfig config, NearIdentityResNet net, PredictorData data, double[] tStar,
        double[] theta, string kind, double stationarity, int steps)
    {
        int n = data.Samples, d = net.D;
        var features = new double[n * d];
        net.Features(theta, data.X, features);
        var w = theta.AsSpan(0, d);
        double risk = 0, shiftTerm = 0, slopeSquares = 0;
        var wGradient = new double[d];
        for (int i = 0; i < n; i++)
        {
            var h = features.AsSpan(i * d, d);
            var x = data.X.AsSpan(i * d, d);
            double f = Dot.FourPartial(w, h);
            double slope = Losses.Slope(data.Loss, f, data.Y[i]);
            risk += Losses.Value(data.Loss, f, data.Y[i]);
            slopeSquares += slope * slope;
            double tShift = 0;
            for (int r = 0; r < d; r++)
            {
                tShift += tStar[r] * (h[r] - x[r]);
                wGradient[r] += slope * h[r] / n;
            }
            shiftTerm += slope * tShift;
        }
        risk /= n; shiftTerm /= n;
        double rLin = LinearPredictor.Value(data, tStar);
        double gNorm = Math.Sqrt(Dot.FourPartial(wGradient, wGradient));
        double wMinusT = 0, wGradTerm = 0;
        for (int r = 0; r < d; r++) { wMinusT += (w[r] - tStar[r]) * (w[r] - tStar[r]); wGradTerm += (w[r] - tStar[r]) * wGradient[r]; }
        double excess = risk - rLin;
        double exact = shiftTerm + wGradTerm;
        double lossSlopeRms = Math.Sqrt(slopeSquares / n);
        double shift = net.ShiftFactor(theta);
        double bound = lossSlopeRms * Math.Sqrt(Dot.FourPartial(tStar, tStar)) * shift * RootMeanSquareNorm(data) + Math.Sqrt(wMinusT) * gNorm;
        double tolerance = config.Tolerance * Math.Max(1, Math.Abs(risk));
        bool violation = kind != "not-converged" && (exact - excess < -tolerance || bound - excess < -tolerance);
        return new YunNearIdentityPoint(kind, risk, excess, exact - excess, bound - excess, bound, shift, lossSlopeRms, stationarity, gNorm, steps, violation);
    }
}
