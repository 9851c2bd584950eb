using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Optimization;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// shamir-lemma1 (Shamir 2018, Lemma 1 and Theorem 1). At random (w ≠ 0, V, θ), and again after gradient descent on
/// (w, V) with θ frozen (where ‖∇F_θ‖ is small and Theorem 1 is sharpest), and for several w* (F_lin's exact minimizer,
/// perturbations of it, random vectors):
/// Lemma 1: ⟨vec G, ∇F_θ(w, V)⟩ ≥ F(w, V, θ) − F_lin(w*), G = (w − w*; w(w*)ᵀV/‖w‖²);
/// Theorem 1: ‖∇F_θ(w, V)‖ ≥ (F(w, V, θ) − F_lin(w*)) / √(2‖w‖² + ‖w*‖²(2 + ‖V‖²/‖w‖²)), ‖V‖ the spectral norm.
/// </summary>
public sealed record ShamirLemma1Config : IShamirModelConfig, IExperimentConfig<ShamirLemma1Config>
{
    public ShamirModel Model { get; init; } = new();
    /// <summary>Random (w, V, θ) per (loss, activation).</summary>
    public int Points { get; init; } = 64;
    /// <summary>Random w* per point, besides F_lin's minimizer (half perturb the minimizer, half are N(0, s²I)).</summary>
    public int RandomWStar { get; init; } = 4;
    /// <summary>GD steps (backtracking, θ frozen) after which each point is checked again; 0 = the random start.</summary>
    public int[] Checkpoints { get; init; } = [0, 30, 300];
    /// <summary>Violation when slack &lt; −tolerance·(1 + |F| + |F_lin(w*)| + |⟨G, ∇F⟩|).</summary>
    public double Tolerance { get; init; } = 1e-9;

    public static Schema<ShamirLemma1Config> Schema { get; } = ShamirModel.Around<ShamirLemma1Config>(c => c.Model, (c, m) => c with { Model = m }, new()
    {
        { "points", "N", "Random (w, V, θ) per loss and activation", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        ShamirPacks.RandomWStar<ShamirLemma1Config>(c => c.RandomWStar, (c, v) => c with { RandomWStar = v }),
        { "checkpoints", "LIST", "GD steps on (w, V) after which to check again", c => c.Checkpoints, (c, v) => c with { Checkpoints = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(0, 1_000_000), "GD step counts between 0 and 1000000") },
        ShamirPacks.Tolerance<ShamirLemma1Config>(c => c.Tolerance, (c, v) => c with { Tolerance = v }),
    });

    public IReadOnlyList<ConfigError> Validate() => [.. Schema.Check(this), .. Model.Relations()];
}

/// <summary>One check of both inequalities at one (w, V, θ, w*).</summary>
public readonly record struct Lemma1Case(int Checkpoint, bool OptimalWStar, double Gap, double Inner, double Expectation,
    double GradientNorm, double Theorem1Bound, double IdentityDeviation, bool LemmaViolated, bool Theorem1Violated);

/// <summary>Aggregates per (loss, activation, checkpoint). Ratios are over cases with F > F_lin(w*) (where the
/// inequalities say something); ≥ 1 means the inequality held.</summary>
public sealed record ShamirLemma1Row(string Loss, string Activation, int Checkpoint, int Cases, int Nontrivial,
    int LemmaViolations, int Theorem1Violations, double MinLemmaSlack, double MinLemmaRatio, double MinTheorem1Slack,
    double MinTheorem1Ratio, double MaxIdentityDeviation, double MedianGradientNorm, double MaxExcessOverLinear, double FLinMin)
{
    public static Table<ShamirLemma1Row> Columns { get; } = new()
    {
        { "loss", r => r.Loss, "loss", ColumnFlags.Console },
        { "activation", r => r.Activation, "σ", ColumnFlags.Console },
        { "gd_steps", r => r.Checkpoint, "GD steps", ColumnFlags.Console },
        { "cases", r => r.Cases, "cases" },
        { "nontrivial", r => r.Nontrivial, "nontrivial" },
        { "lemma1_violations", r => r.LemmaViolations, "Lemma 1 viol.", ColumnFlags.Console },
        { "theorem1_violations", r => r.Theorem1Violations, "Thm 1 viol.", ColumnFlags.Console },
        { "min_lemma1_slack", r => r.MinLemmaSlack, "min Lemma 1 slack" },
        { "min_lemma1_ratio", r => r.MinLemmaRatio, "min Lemma 1 ratio", ColumnFlags.Console },
        { "min_theorem1_slack", r => r.MinTheorem1Slack, "min Thm 1 slack" },
        { "min_theorem1_ratio", r => r.MinTheorem1Ratio, "min Thm 1 ratio", ColumnFlags.Console },
        { "max_identity_deviation", r => r.MaxIdentityDeviation, "identity dev." },
        { "median_gradient_norm", r => r.MedianGradientNorm, "median ‖∇F‖", ColumnFlags.Console },
        { "max_f_minus_min_flin", r => r.MaxExcessOverLinear, "max F − min F_lin" },
        { "min_flin", r => r.FLinMin, ColumnFlags.Hidden },
    };
}

public sealed record ShamirLemma1Result(ShamirLemma1Config Config, IReadOnlyList<ShamirLemma1Row> Rows,
    IReadOnlyList<Lemma1Case> Cases, double Seconds) : IClaimCheck, IExperimentResult<ShamirLemma1Result>
{
    public int CaseCount => Rows.Sum(r => r.Cases);
    public int LemmaViolations => Rows.Sum(r => r.LemmaViolations);
    public int Theorem1Violations => Rows.Sum(r => r.Theorem1Violations);
    public int Violations => LemmaViolations + Theorem1Violations;

    public static ResultLayout<ShamirLemma1Result> Layout { get; } = new(r => r.Seconds)
    {
                { "lemma1_violations", r => r.LemmaViolations }, { "theorem1_violations", r => r.Theorem1Violations },
        { "rows", ShamirLemma1Row.Columns, r => r.Rows },
    };
}

public static class ShamirLemma1
{
    public static long TotalSteps(ShamirLemma1Config c) => (long)c.Model.Losses.Length * c.Model.Activations.Length * c.Points;

    /// <param name="digits">The loaded <see cref="ShamirModel.Data"/> set (null: synthetic data).</param>
    public static ShamirLemma1Result Run(ShamirLemma1Config config, Dataset? digits = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<ShamirLemma1Row>();
        var allCases = new List<Lemma1Case>();
        var checkpoints = config.Checkpoints.Distinct().Order().ToArray();
        int group = 0;
        foreach (var loss in config.Model.Losses)
        {
            var data = config.Model.DataFor(loss, digits);
            var wLin = LinearPredictor.Minimizer(data);
            double fLinMin = LinearPredictor.Value(data, wLin);
            foreach (var activation in config.Model.Activations)
            {
                var perPoint = new List<Lemma1Case>[config.Points];
                var excess = new double[config.Points, checkpoints.Length];
                int g = group++;
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Model.Threads > 0 ? config.Model.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    perPoint[i] = Point(config, data, activation, wLin, fLinMin, checkpoints, (ulong)g << 32 | (uint)i, out var ex, cancellationToken);
                    for (int c = 0; c < checkpoints.Length; c++) excess[i, c] = ex[c];
                    progress?.Report(1);
                });
                var cases = perPoint.SelectMany(p => p).ToList();
                allCases.AddRange(cases);
                for (int c = 0; c < checkpoints.Length; c++)
                {
                    var at = cases.Where(x => x.Checkpoint == checkpoints[c]).ToList();
                    var nontrivial = at.Where(x => x.Gap > 0).ToList();
                    var norms = at.Select(x => x.GradientNorm).Order().ToList();
                    rows.Add(new ShamirLemma1Row(Losses.Word(loss), activation.ToString().ToLowerInvariant(), checkpoints[c],
                        at.Count, nontrivial.Count, at.Count(x => x.LemmaViolated), at.Count(x => x.Theorem1Violated),
                        at.Min(x => x.Inner - x.Gap), nontrivial.Select(x => x.Inner / x.Gap).DefaultIfEmpty(double.NaN).Min(),
                        at.Min(x => x.GradientNorm - x.Theorem1Bound),
                        nontrivial.Select(x => x.GradientNorm / x.Theorem1Bound).DefaultIfEmpty(double.NaN).Min(),
                        at.Max(x => x.IdentityDeviation), norms[norms.Count / 2],
                        Enumerable.Range(0, config.Points).Max(i => excess[i, c]), fLinMin));
                }
            }
        }
        return new ShamirLemma1Result(config, rows, allCases, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One random (w, V, θ): ‖w‖ and ‖V‖_F log-uniform in [10⁻², 10], θ's weights scaled by 10^U(−½, ½); checked at
    /// each checkpoint of backtracking GD on (w, V). <paramref name="excess"/>: F − min F_lin at each checkpoint.
    /// </summary>
    internal static List<Lemma1Case> Point(ShamirLemma1Config config, PredictorData data, Activation activation, double[] wLin, double fLinMin,
        int[] checkpoints, ulong trial, out double[] excess, CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Model.Seed, trial, 0x1E331);
        int d = config.Model.Dimension, k = config.Model.Width;
        double thetaScale = Math.Pow(10, rng.NextUniform() - 0.5);
        var features = ResidualFeatures.Random(data, activation, config.Model.Hidden, config.Model.Layers, k, thetaScale, ref rng);
        var objective = new ResidualObjective(data, features, k);
        var x = new double[objective.Size]; // (w, vec V), as the optimizer sees it
        Span<double> w = x.AsSpan(0, d), v = x.AsSpan(d);
        RandomVector(w, Math.Pow(10, 3 * rng.NextUniform() - 2), ref rng);
        RandomVector(v, Math.Pow(10, 3 * rng.NextUniform() - 2), ref rng);

        var stars = new List<(double[] W, bool Optimal)> { (wLin, true) };
        for (int s = 0; s < config.RandomWStar; s++)
        {
            double scale = Math.Pow(10, 2 * rng.NextUniform() - 1);
            var r = RandomVector(d, scale, ref rng);
            if (s % 2 == 0) for (int j = 0; j < d; j++) r[j] = wLin[j] + 0.3 * r[j];
            stars.Add((r, false));
        }
        var fLin = stars.Select(s => LinearPredictor.Value(data, s.W)).ToArray();

        var cases = new List<Lemma1Case>();
        excess = new double[checkpoints.Length];
        var gw = new double[d]; var gv = new double[d * k];
        var dw = new double[d]; var dv = new double[d * k];
        var descent = new BacktrackingDescent(x.Length);
        int done = 0;
        double step = 1;
        for (int c = 0; c < checkpoints.Length; c++)
        {
            for (; done < checkpoints[c]; done++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                step = descent.Step(objective, x, step);
            }
            double f = objective.Gradient(w, v, gw, gv);
            excess[c] = f - fLinMin;
            double gradNorm = Math.Sqrt(Dot.FourPartial(gw, gw) + Dot.FourPartial(gv, gv));
            double ww = Dot.FourPartial(w, w);
            double vNorm = SpectralNorm(v, d, k);
            for (int s = 0; s < stars.Count; s++)
            {
                var wStar = stars[s].W;
                objective.LemmaDirection(w, v, wStar, dw, dv);
                double inner = Dot.FourPartial(dw, gw) + Dot.FourPartial(dv, gv);
                double expectation = objective.LemmaExpectation(w, v, wStar);
                double gap = f - fLin[s];
                double ss = Dot.FourPartial(wStar, wStar);
                double bound = gap / Math.Sqrt(2 * ww + ss * (2 + vNorm * vNorm / ww));
                double scale = 1 + Math.Abs(f) + Math.Abs(fLin[s]) + Math.Abs(inner);
                double tol = config.Tolerance * scale;
                cases.Add(new Lemma1Case(checkpoints[c], stars[s].Optimal, gap, inner, expectation, gradNorm, bound,
                    Math.Abs(inner - expectation) / scale, inner - gap < -tol, gradNorm - bound < -tol));
            }
        }
        return cases;
    }

    /// <summary>‖V‖ = √λ_max(VVᵀ), V d × k row-major.</summary>
    public static double SpectralNorm(ReadOnlySpan<double> v, int d, int k)
    {
        var gram = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int c = 0; c <= r; c++)
                gram[r * d + c] = gram[c * d + r] = Dot.FourPartial(v.Slice(r * k, k), v.Slice(c * k, k));
        var eig = new double[d];
        SymmetricEigen.Eigenvalues(gram, d, eig, threads: 1);
        return Math.Sqrt(Math.Max(eig.Max(), 0));
    }

    /// <summary>A Gaussian direction scaled to Euclidean norm <paramref name="norm"/>.</summary>
    internal static double[] RandomVector(int length, double norm, ref PhiloxStream rng)
    {
        var x = new double[length];
        RandomVector(x, norm, ref rng);
        return x;
    }

    /// <inheritdoc cref="RandomVector(int, double, ref PhiloxStream)"/>
    internal static void RandomVector(Span<double> x, double norm, ref PhiloxStream rng)
    {
        rng.FillNormal(x);
        double n = Math.Sqrt(Dot.FourPartial(x, x));
        for (int i = 0; i < x.Length; i++) x[i] *= norm / n;
    }
}
