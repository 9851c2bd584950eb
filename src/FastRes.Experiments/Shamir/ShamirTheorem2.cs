using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// shamir-theorem2 (Shamir 2018, Theorem 2): at w = 0, for random V, θ and w* (F_lin's minimizer and random vectors),
/// with the exact Hessian H = ∇²F_θ(0, V) in (w, V):
/// (i) λ_min(H) ≤ 0;
/// (ii) ‖w*‖·(‖∇F_θ(0, V)‖ + ‖V‖·√(|λ_min(H)|·‖∂²F_θ/∂w²(0, V)‖ + λ_min(H)²)) ≥ F(0, V, θ) − F_lin(w*).
/// The extracted paper text garbles (ii)'s layout; this form is the one its pieces fit and the one the proof idea gives
/// (convexity at p = 0, ∇_wF = E[ℓ'x] + V·E[ℓ'f], and |λ_min| bounding ‖E[ℓ'f]‖ through the block [[H_ww, I⊗E[ℓ'f]ᵀ], [·, 0]]).
/// Also reported: λ_min against the sharper bound −(√(‖H_ww‖² + 4‖E[ℓ'f]‖²) − ‖H_ww‖)/2 that the same block gives.
/// </summary>
public sealed record ShamirTheorem2Config : IShamirModelConfig, IExperimentConfig<ShamirTheorem2Config>
{
    public ShamirModel Model { get; init; } = new();
    public int Points { get; init; } = 32;
    public int RandomWStar { get; init; } = 4;
    public double Tolerance { get; init; } = 1e-9;

    public static Schema<ShamirTheorem2Config> Schema { get; } = ShamirModel.Around<ShamirTheorem2Config>(c => c.Model, (c, m) => c with { Model = m }, new()
    {
        { "points", "N", "Random (V, θ) per loss and activation", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        ShamirPacks.RandomWStar<ShamirTheorem2Config>(c => c.RandomWStar, (c, v) => c with { RandomWStar = v }),
        ShamirPacks.Tolerance<ShamirTheorem2Config>(c => c.Tolerance, (c, v) => c with { Tolerance = v }),
    });

    public IReadOnlyList<ConfigError> Validate()
    {
        List<ConfigError> errors = [.. Schema.Check(this), .. Model.Relations()];
        // Only for valid d and k: the size of a Hessian of an out-of-range shape says nothing useful.
        if (errors.Count == 0 && (long)Model.Dimension * (Model.Width + 1) > 2000)
            errors.Add(new("width", $"the Hessian has d(k + 1) rows; keep it ≤ 2000 (got {Model.Dimension * (Model.Width + 1)})"));
        return errors;
    }
}

public readonly record struct Theorem2Case(bool OptimalWStar, double LambdaMin, double SharperBound, double Gap, double Lhs, bool SignViolated, bool InequalityViolated);

public sealed record ShamirTheorem2Row(string Loss, string Activation, int Points, int Cases, int Nontrivial, int SignViolations,
    int InequalityViolations, double MaxLambdaMin, double MinLambdaMin, double MaxSharperBoundExcess, double MinSlack, double MinRatio, double MaxHvvAbs)
{
    public static Table<ShamirTheorem2Row> Columns { get; } = new()
    {
        { "loss", r => r.Loss, "loss", ColumnFlags.Console },
        { "activation", r => r.Activation, "σ", ColumnFlags.Console },
        { "points", r => r.Points, "points" },
        { "cases", r => r.Cases, "cases" },
        { "nontrivial", r => r.Nontrivial, "nontrivial" },
        { "lambda_min_sign_violations", r => r.SignViolations, "λ_min > 0", ColumnFlags.Console },
        { "inequality_violations", r => r.InequalityViolations, "ineq. viol.", ColumnFlags.Console },
        { "max_lambda_min", r => r.MaxLambdaMin, "max λ_min", ColumnFlags.Console },
        { "min_lambda_min", r => r.MinLambdaMin, "min λ_min" },
        { "max_lambda_min_minus_block_bound", r => r.MaxSharperBoundExcess, "max λ_min − block bound" },
        { "min_inequality_slack", r => r.MinSlack, "min slack" },
        { "min_inequality_ratio", r => r.MinRatio, "min ratio", ColumnFlags.Console },
        { "max_abs_hessian_vv", r => r.MaxHvvAbs, "max abs H_VV" },
    };
}

public sealed record ShamirTheorem2Result(ShamirTheorem2Config Config, IReadOnlyList<ShamirTheorem2Row> Rows, IReadOnlyList<Theorem2Case> Cases, double Seconds) : IClaimCheck, IExperimentResult<ShamirTheorem2Result>
{
    public int CaseCount => Rows.Sum(r => r.Points + r.Cases);
    public int SignViolations => Rows.Sum(r => r.SignViolations);
    public int InequalityViolations => Rows.Sum(r => r.InequalityViolations);
    public int Violations => SignViolations + InequalityViolations;

    public static ResultLayout<ShamirTheorem2Result> Layout { get; } = new(r => r.Seconds)
    {
                { "lambda_min_sign_violations", r => r.SignViolations }, { "inequality_violations", r => r.InequalityViolations },
        { "rows", ShamirTheorem2Row.Columns, r => r.Rows },
    };
}

public static class ShamirTheorem2
{
    public static long TotalSteps(ShamirTheorem2Config c) => (long)c.Model.Losses.Length * c.Model.Activations.Length * c.Points;

    /// <param name="digits">The loaded <see cref="ShamirModel.Data"/> set (null: synthetic data).</param>
    public static ShamirTheorem2Result Run(ShamirTheorem2Config config, Dataset? digits = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<ShamirTheorem2Row>();
        var all = new List<Theorem2Case>();
        int group = 0;
        foreach (var loss in config.Model.Losses)
        {
            var data = config.Model.DataFor(loss, digits);
            var wLin = LinearPredictor.Minimizer(data);
            foreach (var activation in config.Model.Activations)
            {
                int g = group++;
                var perPoint = new (List<Theorem2Case> Cases, double HvvAbs)[config.Points];
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Model.Threads > 0 ? config.Model.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    perPoint[i] = Point(config, data, activation, wLin, (ulong)g << 32 | (uint)i, cancellationToken);
                    progress?.Report(1);
                });
                var cases = perPoint.SelectMany(p => p.Cases).ToList();
                all.AddRange(cases);
                // The sign claim is one fact per point; every case of a point repeats its λ_min.
                var perPointLambda = perPoint.Select(p => p.Cases[0]).ToList();
                var nontrivial = cases.Where(c => c.Gap > 0).ToList();
                rows.Add(new ShamirTheorem2Row(Losses.Word(loss), activation.ToString().ToLowerInvariant(), config.Points, cases.Count,
                    nontrivial.Count, perPointLambda.Count(c => c.SignViolated), cases.Count(c => c.InequalityViolated),
                    perPointLambda.Max(c => c.LambdaMin), perPointLambda.Min(c => c.LambdaMin),
                    perPointLambda.Max(c => c.LambdaMin - c.SharperBound), cases.Min(c => c.Lhs - c.Gap),
                    nontrivial.Select(c => c.Lhs / c.Gap).DefaultIfEmpty(double.NaN).Min(), perPoint.Max(p => p.HvvAbs)));
            }
        }
        return new ShamirTheorem2Result(config, rows, all, clock.Elapsed.TotalSeconds);
    }

    internal static (List<Theorem2Case>, double) Point(ShamirTheorem2Config config, PredictorData data, Activation activation, double[] wLin, ulong trial,
        CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Model.Seed, trial, 0x7E02);
        int d = config.Model.Dimension, k = config.Model.Width, size = d + d * k;
        var features = ResidualFeatures.Random(data, activation, config.Model.Hidden, config.Model.Layers, k, Math.Pow(10, rng.NextUniform() - 0.5), ref rng);
        var objective = new ResidualObjective(data, features, k);
        var w = new double[d];
        var v = ShamirLemma1.RandomVector(d * k, Math.Pow(10, 3 * rng.NextUniform() - 2), ref rng);

        var gw = new double[d]; var gv = new double[d * k];
        double f = objective.Gradient(w, v, gw, gv);
        double gradNorm = Math.Sqrt(Dot.FourPartial(gw, gw) + Dot.FourPartial(gv, gv));
        var h = new double[size * size];
        ResidualHessian.Compute(objective, w, v, h, cancellationToken);
        double hvvAbs = 0, hAbs = 0;
        for (int a = 0; a < size; a++)
            for (int b = 0; b < size; b++)
            {
                hAbs = Math.Max(hAbs, Math.Abs(h[a * size + b]));
                if (a >= d && b >= d) hvvAbs = Math.Max(hvvAbs, Math.Abs(h[a * size + b]));
            }
        var eig = new double[size];
        SymmetricEigen.Eigenvalues(h, size, eig, threads: 1, cancellationToken);
        double lambdaMin = eig.Min();
        var hww = new double[d * d];
        for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) hww[a * d + b] = h[a * size + b];
        var eigW = new double[d];
        SymmetricEigen.Eigenvalues(hww, d, eigW, threads: 1);
        double hwwNorm = eigW.Max(Math.Abs);
        // ‖E[ℓ'(0) f]‖ read off the exact Hessian's H_w1,V1· block (I ⊗ bᵀ at w = 0).
        double b2 = 0;
        for (int c = 0; c < k; c++) { double bc = h[0 * size + d + c]; b2 += bc * bc; }
        double sharper = -(Math.Sqrt(hwwNorm * hwwNorm + 4 * b2) - hwwNorm) / 2;
        double vNorm = ShamirLemma1.SpectralNorm(v, d, k);
        double tolScale = config.Tolerance * (1 + hAbs);
        bool signViolated = lambdaMin > tolScale;

        var stars = new List<(double[] W, bool Optimal)> { (wLin, true) };
        for (int s = 0; s < config.RandomWStar; s++)
            stars.Add((ShamirLemma1.RandomVector(d, Math.Pow(10, 2 * rng.NextUniform() - 1), ref rng), false));
        var cases = new List<Theorem2Case>();
        double root = Math.Sqrt(Math.Abs(lambdaMin) * hwwNorm + lambdaMin * lambdaMin);
        foreach (var (wStar, optimal) in stars)
        {
            double gap = f - LinearPredictor.Value(data, wStar);
            double lhs = Math.Sqrt(Dot.FourPartial(wStar, wStar)) * (gradNorm + vNorm * root);
            bool violated = lhs - gap < -config.Tolerance * (1 + Math.Abs(f) + Math.Abs(lhs));
            cases.Add(new Theorem2Case(optimal, lambdaMin, sharper, gap, lhs, signViolated, violated));
        }
        return (cases, hvvAbs);
    }
}
