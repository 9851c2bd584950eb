using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Shamir;

/// <summary>The two architectures of Shamir 2018 §5: the skip connection to the output, and the residual unit + output layer.</summary>
public enum ShamirArchitecture
{
    /// <summary>x ↦ wᵀx + vᵀf_θ(x) (Theorem 4's architecture).</summary>
    SkipToOutput,
    /// <summary>x ↦ wᵀ(x + V f_θ(x)) (eq. 2), trained the same way for contrast.</summary>
    Residual,
}

public static class ShamirArchitectures
{
    /// <summary>The architectures as a setting's words (results name an architecture by the same word).</summary>
    public static readonly Kind<ShamirArchitecture> Kind = Kinds.Choice(("skip", ShamirArchitecture.SkipToOutput), ("residual", ShamirArchitecture.Residual));

    public static string Word(ShamirArchitecture architecture) => Kind.Show(architecture);
}

/// <summary>
/// shamir-sgd (Shamir 2018, Theorem 4): projected SGD on (w, v, θ) over the empirical distribution of n samples,
/// f_θ(x) = tanh(Wx + b) (bounded, so ℓ is l-Lipschitz in (w, v) on the ball), step η = b/(l√T), (w, v) projected onto
/// the ball of radius b, θ unconstrained, from (w, v) = 0. For each T: the best evaluated iterate's F minus
/// min_{‖u‖ ≤ b} F_lin(u), beside the explicit bound (2.5·b·l + 2r√(2 ln(1/δ)))/√T that online gradient descent's regret
/// (diameter 2b) and Azuma's inequality give (the paper's O(·) with its constants written out, δ = 0.05).
/// </summary>
public sealed record ShamirSgdConfig : IExperimentConfig<ShamirSgdConfig>
{
    public Loss Loss { get; init; } = Loss.Logistic;
    public ShamirArchitecture[] Architectures { get; init; } = [ShamirArchitecture.SkipToOutput, ShamirArchitecture.Residual];
    public int[] Horizons { get; init; } = [100, 1000, 10_000, 100_000, 1_000_000];
    public int Dimension { get; init; } = 8;
    public int Width { get; init; } = 16;
    public int Samples { get; init; } = 512;
    /// <summary>Radius b of the (w, v) ball; null: 2·max(1, ‖argmin F_lin‖).</summary>
    public double? Radius { get; init; }
    public int Repeats { get; init; } = 4;
    /// <summary>Iterates whose F is evaluated per run (evenly spaced, the last included): the "best iterate" is the best of these.</summary>
    public int Evaluations { get; init; } = 200;
    public double LabelNoise { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }

    public static Schema<ShamirSgdConfig> Schema { get; } = new()
    {
        { "loss", "squared|logistic", "Loss", c => c.Loss, (c, v) => c with { Loss = v }, Losses.Kind },
        { "architectures", "LIST", "skip (wᵀx + vᵀf_θ(x), Theorem 4) and/or residual (wᵀ(x + V f_θ(x))) (default both)", c => c.Architectures,
          (c, v) => c with { Architectures = v }, Kinds.List(ShamirArchitectures.Kind), Rules.NonEmpty<ShamirArchitecture>(what: "skip and/or residual") },
        { "horizons", "LIST", "Iteration counts T", c => c.Horizons, (c, v) => c with { Horizons = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 100_000_000), "iteration counts T between 1 and 100000000") },
        { "dimension", "D", "Input dimension d", c => c.Dimension, (c, v) => c with { Dimension = v }, Kinds.Int, Rules.Between(1, 256) },
        { "width", "K", "Width k of f_θ(x) = tanh(Wx + b)", c => c.Width, (c, v) => c with { Width = v }, Kinds.Int, Rules.Between(1, 256) },
        // Its range depends on the dimension: see Validate.
        { "samples", "N", "Data set size n; SGD samples it uniformly", c => c.Samples, (c, v) => c with { Samples = v }, Kinds.Int },
        { "radius", "B", "Radius b of the (w, v) ball (default 2·max(1, ‖argmin F_lin‖))", c => c.Radius, (c, v) => c with { Radius = v },
          Kinds.Optional(Kinds.Double), Rules.IfSet(Rules.AboveUpTo(0, 1e6)) },
        { "repeats", "N", "SGD runs per (architecture, T)", c => c.Repeats, (c, v) => c with { Repeats = v }, Kinds.Int, Rules.Between(1, 10_000) },
        { "evaluations", "N", "Iterates evaluated per run for the best iterate", c => c.Evaluations, (c, v) => c with { Evaluations = v },
          Kinds.Int, Rules.Between(1, 100_000) },
        { "label-noise", "P", "Label flip probability of the logistic data", c => c.LabelNoise, (c, v) => c with { LabelNoise = v }, Kinds.Double, Rules.Inside(0, 0.5) },
        Packs.Seed<ShamirSgdConfig>(c => c.Seed, (c, v) => c with { Seed = v }),
        Packs.Threads<ShamirSgdConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (Samples < 2 * Dimension || Samples > 1_000_000) errors.Add(new("samples", $"must be between 2·dimension and 1000000 (got {Samples})"));
        return errors;
    }
}

public sealed record ShamirSgdRow(string Architecture, int T, int Repeats, double Eta, double MeanBestExcess, double MaxBestExcess,
    double MeanEvaluatedExcess, double Bound, int Violations)
{
    public static Table<ShamirSgdRow> Columns { get; } = new()
    {
        { "architecture", r => r.Architecture, "architecture", ColumnFlags.Console },
        { "T", r => r.T, "T", ColumnFlags.Console },
        { "repeats", r => r.Repeats, "runs" },
        { "eta", r => r.Eta, "η" },
        { "mean_best_f_minus_min_flin", r => r.MeanBestExcess, "mean best F − min F_lin", ColumnFlags.Console },
        { "max_best_f_minus_min_flin", r => r.MaxBestExcess, "max", ColumnFlags.Console },
        { "mean_evaluated_f_minus_min_flin", r => r.MeanEvaluatedExcess, "mean over evaluated iterates" },
        { "bound", r => r.Bound, "bound", ColumnFlags.Console },
        { "violations", r => r.Violations, "violations" },
    };
}

public sealed record ShamirSgdResult(ShamirSgdConfig Config, double Radius, double Lipschitz, double LossBound, double FLinMin,
    IReadOnlyList<ShamirSgdRow> Rows, double Seconds) : IClaimCheck, IExperimentResult<ShamirSgdResult>
{
    public int CaseCount => Rows.Where(r => r.Architecture == "skip").Sum(r => r.Repeats);
    public int Violations => Rows.Sum(r => r.Violations);
    public string CaseNoun => "runs";

    public static ResultLayout<ShamirSgdResult> Layout { get; } = new(r => r.Seconds)
    {
                { "radius", r => r.Radius }, { "lipschitz", r => r.Lipschitz }, { "loss_bound", r => r.LossBound }, { "min_flin_in_ball", r => r.FLinMin },
        { "rows", ShamirSgdRow.Columns, r => r.Rows },
    };
}

public static class ShamirSgd
{
    public const double Delta = 0.05;

    public static long TotalSteps(ShamirSgdConfig c) => (long)c.Architectures.Length * c.Horizons.Length * c.Repeats;

    public static ShamirSgdResult Run(ShamirSgdConfig config, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var data = PredictorData.Synthetic(config.Loss, config.Samples, config.Dimension, config.LabelNoise, config.Seed);
        var wLin = LinearPredictor.Minimizer(data);
        double radius = config.Radius ?? 2 * Math.Max(1, Math.Sqrt(Dot.FourPartial(wLin, wLin)));
        var comparator = BallMinimizer(data, wLin, radius);
        double fLinMin = LinearPredictor.Value(data, comparator);

        // l and r over the ball: |f| ≤ 1 (tanh) so ‖∂p/∂(w, v)‖ = ‖(x, f)‖ ≤ G = max_i √(‖x_i‖² + k) and |p| ≤ bG.
        int d = config.Dimension, k = config.Width, n = data.Samples;
        double g = 0, yMax = 0;
        for (int i = 0; i < n; i++)
        {
            var x = data.X.AsSpan(i * d, d);
            g = Math.Max(g, Math.Sqrt(Dot.FourPartial(x, x) + k));
            yMax = Math.Max(yMax, Math.Abs(data.Y[i]));
        }
        double slopeMax = config.Loss == Loss.Logistic ? 1 : radius * g + yMax;
        double lipschitz = slopeMax * g;
        double lossBound = config.Loss == Loss.Logistic ? Math.Log(1 + Math.Exp(radius * g)) : 0.5 * Math.Pow(radius * g + yMax, 2);

        var jobs = (from a in config.Architectures from t in config.Horizons from r in Enumerable.Range(0, config.Repeats) select (a, t, r)).ToArray();
        var outcomes = new (double Best, double Mean)[jobs.Length];
        var options = new ParallelOptions { MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount, CancellationToken = cancellationToken };
        Parallel.For(0, jobs.Length, options, j =>
        {
            var (a, t, r) = jobs[j];
            outcomes[j] = Train(data, a, k, t, radius / (lipschitz * Math.Sqrt(t)), radius, config.Evaluations, new PhiloxStream(config.Seed, (ulong)r, (uint)t), cancellationToken);
            progress?.Report(1);
        });
        var rows = new List<ShamirSgdRow>();
        foreach (var a in config.Architectures)
            foreach (int t in config.Horizons)
            {
                var runs = Enumerable.Range(0, jobs.Length).Where(j => jobs[j].a == a && jobs[j].t == t).Select(j => outcomes[j]).ToList();
                double bound = (2.5 * radius * lipschitz + 2 * lossBound * Math.Sqrt(2 * Math.Log(1 / Delta))) / Math.Sqrt(t);
                var excess = runs.Select(o => o.Best - fLinMin).ToList();
                rows.Add(new ShamirSgdRow(ShamirArchitectures.Word(a), t, runs.Count, radius / (lipschitz * Math.Sqrt(t)),
                    excess.Average(), excess.Max(), runs.Average(o => o.Mean - fLinMin), bound,
                    a == ShamirArchitecture.SkipToOutput ? excess.Count(e => !(e <= bound)) : 0));
            }
        return new ShamirSgdResult(config, radius, lipschitz, lossBound, fLinMin, rows, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One projected-SGD run of T steps (sample i_t uniform over the data): (w, v) ← Π_b((w, v) − η∇), θ ← θ − η∇_θ.
    /// For the residual architecture "v" is V (d × k) and the ball is over (w, vec V). Returns the best and the mean F over
    /// the evaluated iterates.
    /// </summary>
    public static (double Best, double Mean) Train(PredictorData data, ShamirArchitecture architecture, int k, int horizon, double eta, double radius,
        int evaluations, PhiloxStream rng, CancellationToken cancellationToken = default)
    {
        int d = data.Dimension, n = data.Samples;
        bool skip = architecture == ShamirArchitecture.SkipToOutput;
        var w = new double[d];
        var v = new double[skip ? k : d * k];
        var weight = new double[k * d];
        var bias = new double[k];
        double s = 1 / Math.Sqrt(d);
        for (int i = 0; i < weight.Length; i++) weight[i] = s * rng.NextNormal();
        var f = new double[k];
        var c = new double[k]; // ∂p/∂f: v (skip) or Vᵀw (residual)
        var gw = new double[d];
        var gv = new double[v.Length];
        int every = Math.Max(1, horizon / evaluations);
        double best = double.PositiveInfinity, sum = 0;
        int evaluated = 0;
        for (int t = 0; t < horizon; t++)
        {
            // Every 1024 steps: nothing next to even the smallest model's steps, and 1024 steps of the widest (d = k = 256,
            // ~2·10⁵ flops each) are a fraction of a second, where 65,536 were seconds.
            if ((t & 1023) == 0) cancellationToken.ThrowIfCancellationRequested();
            int i = (int)(rng.NextUInt32() % (uint)n);
            var x = data.X.AsSpan(i * d, d);
            double p = Forward(x, w, v, weight, bias, f, c, skip);
            double slope = Losses.Slope(data.Loss, p, data.Y[i]);
            // (w, v) gradient, then θ's (before (w, v) move: all from the same iterate).
            if (skip)
            {
                for (int j = 0; j < d; j++) gw[j] = slope * x[j];
                for (int j = 0; j < k; j++) gv[j] = slope * f[j];
            }
            else
            {
                for (int r = 0; r < d; r++)
                {
                    double vf = Dot.FourPartial(v.AsSpan(r * k, k), f);
                    gw[r] = slope * (x[r] + vf);
                    for (int j = 0; j < k; j++) gv[r * k + j] = slope * w[r] * f[j];
                }
            }
            for (int j = 0; j < k; j++)
            {
                double back = slope * c[j] * (1 - f[j] * f[j]);
                bias[j] -= eta * back;
                var row = weight.AsSpan(j * d, d);
                for (int q = 0; q < d; q++) row[q] -= eta * back * x[q];
            }
            double norm2 = 0;
            for (int j = 0; j < d; j++) { w[j] -= eta * gw[j]; norm2 += w[j] * w[j]; }
            for (int j = 0; j < v.Length; j++) { v[j] -= eta * gv[j]; norm2 += v[j] * v[j]; }
            if (norm2 > radius * radius)
            {
                double scale = radius / Math.Sqrt(norm2);
                for (int j = 0; j < d; j++) w[j] *= scale;
                for (int j = 0; j < v.Length; j++) v[j] *= scale;
            }
            if ((t + 1) % every == 0 || t + 1 == horizon)
            {
                cancellationToken.ThrowIfCancellationRequested(); // an evaluation is a pass over all samples
                double value = Objective(data, w, v, weight, bias, f, c, skip);
                best = Math.Min(best, value);
                sum += value;
                evaluated++;
            }
        }
        return (best, sum / evaluated);
    }

    private static double Forward(ReadOnlySpan<double> x, double[] w, double[] v, double[] weight, double[] bias, double[] f, double[] c, bool skip)
    {
        int d = x.Length, k = bias.Length;
        for (int j = 0; j < k; j++) f[j] = Math.Tanh(bias[j] + Dot.FourPartial(weight.AsSpan(j * d, d), x));
        if (skip) v.CopyTo(c, 0);
        else
        {
            Array.Clear(c);
            for (int r = 0; r < d; r++)
                for (int j = 0; j < k; j++) c[j] += v[r * k + j] * w[r];
        }
        return Dot.FourPartial(w, x) + Dot.FourPartial(c, f);
    }

    /// <summary>F(w, v, θ) over the whole data set.</summary>
    public static double Objective(PredictorData data, double[] w, double[] v, double[] weight, double[] bias, double[] f, double[] c, bool skip)
    {
        int d = data.Dimension;
        double sum = 0;
        for (int i = 0; i < data.Samples; i++)
            sum += Losses.Value(data.Loss, Forward(data.X.AsSpan(i * d, d), w, v, weight, bias, f, c, skip), data.Y[i]);
        return sum / data.Samples;
    }

    /// <summary>
    /// argmin_{‖u‖ ≤ b} F_lin(u): the unconstrained minimizer when it lies in the ball; otherwise the ridge minimizer
    /// of F_lin(u) + (λ/2)‖u‖² with λ found by bisection so that ‖u_λ‖ = b (KKT for a convex F_lin on a ball).
    /// </summary>
    public static double[] BallMinimizer(PredictorData data, double[] unconstrained, double radius)
    {
        if (Math.Sqrt(Dot.FourPartial(unconstrained, unconstrained)) <= radius) return unconstrained;
        double lo = 0, hi = 1;
        while (Math.Sqrt(Dot.FourPartial(Ridge(data, hi), Ridge(data, hi))) > radius) hi *= 2;
        double[] u = Ridge(data, hi);
        for (int it = 0; it < 100; it++)
        {
            double mid = 0.5 * (lo + hi);
            var um = Ridge(data, mid);
            if (Math.Sqrt(Dot.FourPartial(um, um)) > radius) lo = mid; else { hi = mid; u = um; }
        }
        return u;
    }

    /// <summary>argmin F_lin(u) + (λ/2)‖u‖² by Newton.</summary>
    internal static double[] Ridge(PredictorData data, double lambda)
    {
        int d = data.Dimension, n = data.Samples;
        var u = new double[d];
        var g = new double[d];
        var h = new double[d * d];
        var delta = new double[d];
        for (int step = 0; step < 100; step++)
        {
            LinearPredictor.Gradient(data, u, g);
            for (int j = 0; j < d; j++) g[j] += lambda * u[j];
            Array.Clear(h);
            for (int i = 0; i < n; i++)
            {
                var x = data.X.AsSpan(i * d, d);
                double cv = Losses.Curvature(data.Loss, Dot.FourPartial(x, u), data.Y[i]) / n;
                for (int r = 0; r < d; r++) for (int q = 0; q < d; q++) h[r * d + q] += cv * x[r] * x[q];
            }
            for (int j = 0; j < d; j++) h[j * d + j] += lambda;
            LinearPredictor.NewtonStep(h, g, d, delta);
            double norm = 0;
            for (int j = 0; j < d; j++) { u[j] -= delta[j]; norm += delta[j] * delta[j]; }
            if (Math.Sqrt(norm) <= 1e-15 * (1 + Math.Sqrt(Dot.FourPartial(u, u)))) break;
        }
        return u;
    }
}
