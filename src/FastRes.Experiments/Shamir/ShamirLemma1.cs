using FastRes.Experiments.Predictors;
using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Optimization;
using FastRes.Kernels.LinearAlgebra;
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
public sealed record ShamirLemma1Config
{
    public Loss[] Losses { get; init; } = [Loss.Squared, Loss.Logistic];
    public Activation[] Activations { get; init; } = [Activation.Relu, Activation.Tanh];
    /// <summary>Input dimension d (= rows of V).</summary>
    public int Dimension { get; init; } = 8;
    /// <summary>Output width k of f_θ (= columns of V).</summary>
    public int Width { get; init; } = 16;
    public int Hidden { get; init; } = 16;
    /// <summary>Hidden layers of f_θ (0: f_θ(x) = σ(Wx + b)).</summary>
    public int Layers { get; init; } = 2;
    public int Samples { get; init; } = 512;
    /// <summary>Random (w, V, θ) per (loss, activation).</summary>
    public int Points { get; init; } = 64;
    /// <summary>Random w* per point, besides F_lin's minimizer (half perturb the minimizer, half are N(0, s²I)).</summary>
    public int RandomWStar { get; init; } = 4;
    /// <summary>GD steps (backtracking, θ frozen) after which each point is checked again; 0 = the random start.</summary>
    public int[] Checkpoints { get; init; } = [0, 30, 300];
    public double LabelNoise { get; init; } = 0.1;
    /// <summary>Violation when slack &lt; −tolerance·(1 + |F| + |F_lin(w*)| + |⟨G, ∇F⟩|).</summary>
    public double Tolerance { get; init; } = 1e-9;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    /// <summary>null: synthetic data; "DIR" (MNIST IDX) or "digits:FILE": a binary task of two digit classes, PCA to <c>Dimension</c>.</summary>
    public string? Data { get; init; }
    /// <summary>The two classes of the binary task (y = +1 for the first) when <see cref="Data"/> is set.</summary>
    public int[] Digits { get; init; } = [3, 5];

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = new List<ConfigError>();
        if (Losses is null || Losses.Length == 0) errors.Add(new("losses", "must list squared and/or logistic"));
        if (Activations is null || Activations.Length == 0 || Activations.Any(a => a is not (Activation.Relu or Activation.Tanh)))
            errors.Add(new("activations", "must list relu and/or tanh"));
        if (Dimension < 1 || Dimension > 256) errors.Add(new("dimension", $"must be between 1 and 256 (got {Dimension})"));
        if (Width < 1 || Width > 256) errors.Add(new("width", $"must be between 1 and 256 (got {Width})"));
        if (Hidden < 1 || Hidden > 1024) errors.Add(new("hidden", $"must be between 1 and 1024 (got {Hidden})"));
        if (Layers < 0 || Layers > 16) errors.Add(new("layers", $"must be between 0 and 16 (got {Layers})"));
        if (Samples < 2 * Dimension || Samples > 1_000_000)
            errors.Add(new("samples", $"must be between 2·dimension and 1000000 so F_lin has a unique minimizer (got {Samples})"));
        if (Points < 1 || Points > 1_000_000) errors.Add(new("points", $"must be between 1 and 1000000 (got {Points})"));
        if (RandomWStar < 0 || RandomWStar > 1000) errors.Add(new("random-wstar", $"must be between 0 and 1000 (got {RandomWStar})"));
        if (Checkpoints is null || Checkpoints.Length == 0 || Checkpoints.Any(c => c < 0 || c > 1_000_000))
            errors.Add(new("checkpoints", "must list GD step counts between 0 and 1000000"));
        if (!double.IsFinite(LabelNoise) || LabelNoise <= 0 || LabelNoise >= 0.5)
            errors.Add(new("label-noise", $"must be in (0, 0.5) so logistic F_lin has a minimizer (got {LabelNoise})"));
        if (!double.IsFinite(Tolerance) || Tolerance <= 0 || Tolerance > 1e-2) errors.Add(new("tolerance", $"must be in (0, 0.01] (got {Tolerance})"));
        if (Threads < 0) errors.Add(new("threads", $"must be ≥ 0 (0 = all cores) (got {Threads})"));
        if (Digits is null || Digits.Length != 2 || Digits[0] == Digits[1] || Digits.Any(c => c < 0 || c > 9))
            errors.Add(new("digits", "must be two different digit classes between 0 and 9, e.g. 3,5"));
        return errors;
    }
}

/// <summary>One check of both inequalities at one (w, V, θ, w*).</summary>
public readonly record struct Lemma1Case(int Checkpoint, bool OptimalWStar, double Gap, double Inner, double Expectation,
    double GradientNorm, double Theorem1Bound, double IdentityDeviation, bool LemmaViolated, bool Theorem1Violated);

/// <summary>Aggregates per (loss, activation, checkpoint). Ratios are over cases with F > F_lin(w*) (where the
/// inequalities say something); ≥ 1 means the inequality held.</summary>
public sealed record ShamirLemma1Row(string Loss, string Activation, int Checkpoint, int Cases, int Nontrivial,
    int LemmaViolations, int Theorem1Violations, double MinLemmaSlack, double MinLemmaRatio, double MinTheorem1Slack,
    double MinTheorem1Ratio, double MaxIdentityDeviation, double MedianGradientNorm, double MaxExcessOverLinear, double FLinMin);

public sealed record ShamirLemma1Result(ShamirLemma1Config Config, IReadOnlyList<ShamirLemma1Row> Rows,
    IReadOnlyList<Lemma1Case> Cases, double Seconds)
{
    public int CaseCount => Rows.Sum(r => r.Cases);
    public int Violations => Rows.Sum(r => r.LemmaViolations + r.Theorem1Violations);
}

public static class ShamirLemma1
{
    /// <summary>Throws (ArgumentException / InvalidOperationException) when the digits task is too small or has no F_lin minimizer.</summary>
    public static void CheckData(ShamirLemma1Config config, Dataset digits)
    {
        foreach (var loss in config.Losses)
            LinearPredictor.Minimizer(PredictorData.FromDigits(digits, config.Digits[0], config.Digits[1], config.Samples, loss));
    }

    public static long TotalSteps(ShamirLemma1Config c) => (long)c.Losses.Length * c.Activations.Length * c.Points;

    /// <param name="digits">The loaded <see cref="ShamirLemma1Config.Data"/> set (null: synthetic data).</param>
    public static ShamirLemma1Result Run(ShamirLemma1Config config, Dataset? digits = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<ShamirLemma1Row>();
        var allCases = new List<Lemma1Case>();
        var checkpoints = config.Checkpoints.Distinct().Order().ToArray();
        int group = 0;
        foreach (var loss in config.Losses)
        {
            var data = digits is null ? PredictorData.Synthetic(loss, config.Samples, config.Dimension, config.LabelNoise, config.Seed)
                : PredictorData.FromDigits(digits, config.Digits[0], config.Digits[1], config.Samples, loss);
            var wLin = LinearPredictor.Minimizer(data);
            double fLinMin = LinearPredictor.Value(data, wLin);
            foreach (var activation in config.Activations)
            {
                var perPoint = new List<Lemma1Case>[config.Points];
                var excess = new double[config.Points, checkpoints.Length];
                int g = group++;
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    perPoint[i] = Point(config, data, activation, wLin, fLinMin, checkpoints, (ulong)g << 32 | (uint)i, out var ex);
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
        int[] checkpoints, ulong trial, out double[] excess)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x1E331);
        int d = config.Dimension, k = config.Width;
        double thetaScale = Math.Pow(10, rng.NextUniform() - 0.5);
        var features = ResidualFeatures.Random(data, activation, config.Hidden, config.Layers, k, thetaScale, ref rng);
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
            for (; done < checkpoints[c]; done++) step = descent.Step(objective, x, step);
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
