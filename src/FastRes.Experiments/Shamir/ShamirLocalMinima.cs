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
/// shamir-local-minima (Shamir 2018, Corollary 1 via Theorem 3): from random (w, V, θ), θ frozen, backtracking GD on
/// (w, V) and then damped Newton (Levenberg–Marquardt on the exact Hessian) down to ‖∇F_θ‖ ≤ gradient-tolerance. An end
/// point with λ_min(∇²F_θ) ≥ −curvature-tolerance·max(1, ‖∇²F_θ‖) is an approximate local minimum, and Corollary 1 says
/// its value is ≤ min F_lin (Theorem 3 needs only (w, V)-stationarity, so a frozen θ is within its reach). A violation
/// is such a point with F_θ − min F_lin &gt; value-tolerance.
/// </summary>
public sealed record ShamirLocalMinimaConfig
{
    public Loss[] Losses { get; init; } = [Loss.Squared, Loss.Logistic];
    public Activation[] Activations { get; init; } = [Activation.Relu, Activation.Tanh];
    public int Dimension { get; init; } = 4;
    public int Width { get; init; } = 6;
    public int Hidden { get; init; } = 8;
    public int Layers { get; init; } = 1;
    public int Samples { get; init; } = 256;
    public int Points { get; init; } = 32;
    public int GdSteps { get; init; } = 200;
    public int NewtonSteps { get; init; } = 300;
    public double GradientTolerance { get; init; } = 1e-8;
    public double CurvatureTolerance { get; init; } = 1e-6;
    public double ValueTolerance { get; init; } = 1e-6;
    public double LabelNoise { get; init; } = 0.1;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    public string? Data { get; init; }
    public int[] Digits { get; init; } = [3, 5];

    public IReadOnlyList<ConfigError> Validate()
    {
        var shared = new ShamirLemma1Config
        {
            Losses = Losses, Activations = Activations, Dimension = Dimension, Width = Width, Hidden = Hidden, Layers = Layers,
            Samples = Samples, Points = Points, LabelNoise = LabelNoise, Threads = Threads, Digits = Digits,
        };
        var errors = shared.Validate().ToList();
        if (errors.Count == 0 && (long)Dimension * (Width + 1) > 600)
            errors.Add(new("width", $"Newton uses the dense Hessian with d(k + 1) rows; keep it ≤ 600 (got {Dimension * (Width + 1)})"));
        if (GdSteps < 0 || GdSteps > 1_000_000) errors.Add(new("gd-steps", $"must be between 0 and 1000000 (got {GdSteps})"));
        if (NewtonSteps < 1 || NewtonSteps > 100_000) errors.Add(new("newton-steps", $"must be between 1 and 100000 (got {NewtonSteps})"));
        if (!(GradientTolerance > 0 && GradientTolerance <= 1e-2)) errors.Add(new("gradient-tolerance", $"must be in (0, 0.01] (got {GradientTolerance})"));
        if (!(CurvatureTolerance > 0 && CurvatureTolerance <= 1e-1)) errors.Add(new("curvature-tolerance", $"must be in (0, 0.1] (got {CurvatureTolerance})"));
        if (!(ValueTolerance > 0 && ValueTolerance <= 1)) errors.Add(new("value-tolerance", $"must be in (0, 1] (got {ValueTolerance})"));
        return errors;
    }
}

/// <summary>Where one start ended. Kind: local-min, saddle, not-converged.</summary>
public readonly record struct LocalMinimaEnd(string Kind, double Excess, double GradientNorm, double LambdaMin, int NewtonSteps, bool Violation);

public sealed record ShamirLocalMinimaRow(string Loss, string Activation, int Points, int LocalMinima, int Saddles, int NotConverged,
    int Violations, double MaxExcessAtMinima, double MinExcessAtMinima, double MaxGradientNorm, double MinLambdaMinAtMinima, double FLinMin);

/// <param name="Ends">Every start's end point, grouped as the rows are (Rows[i] holds Ends[i]).</param>
public sealed record ShamirLocalMinimaResult(ShamirLocalMinimaConfig Config, IReadOnlyList<ShamirLocalMinimaRow> Rows,
    IReadOnlyList<IReadOnlyList<LocalMinimaEnd>> Ends, double Seconds)
{
    public int CaseCount => Rows.Sum(r => r.LocalMinima);
    public int Violations => Rows.Sum(r => r.Violations);
}

public static class ShamirLocalMinima
{
    public static long TotalSteps(ShamirLocalMinimaConfig c) => (long)c.Losses.Length * c.Activations.Length * c.Points;

    public static void CheckData(ShamirLocalMinimaConfig config, Dataset digits)
    {
        foreach (var loss in config.Losses)
            LinearPredictor.Minimizer(PredictorData.FromDigits(digits, config.Digits[0], config.Digits[1], config.Samples, loss));
    }

    public static ShamirLocalMinimaResult Run(ShamirLocalMinimaConfig config, Dataset? digits = null, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<ShamirLocalMinimaRow>();
        var allEnds = new List<IReadOnlyList<LocalMinimaEnd>>();
        int group = 0;
        foreach (var loss in config.Losses)
        {
            var data = digits is null ? PredictorData.Synthetic(loss, config.Samples, config.Dimension, config.LabelNoise, config.Seed)
                : PredictorData.FromDigits(digits, config.Digits[0], config.Digits[1], config.Samples, loss);
            double fLinMin = LinearPredictor.Value(data, LinearPredictor.Minimizer(data));
            foreach (var activation in config.Activations)
            {
                int g = group++;
                var ends = new LocalMinimaEnd[config.Points];
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Threads > 0 ? config.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    ends[i] = Point(config, data, activation, fLinMin, (ulong)g << 32 | (uint)i);
                    progress?.Report(1);
                });
                allEnds.Add(ends);
                var minima = ends.Where(e => e.Kind == "local-min").ToList();
                rows.Add(new ShamirLocalMinimaRow(Losses.Word(loss), activation.ToString().ToLowerInvariant(), config.Points,
                    minima.Count, ends.Count(e => e.Kind == "saddle"), ends.Count(e => e.Kind == "not-converged"), ends.Count(e => e.Violation),
                    minima.Select(e => e.Excess).DefaultIfEmpty(double.NaN).Max(), minima.Select(e => e.Excess).DefaultIfEmpty(double.NaN).Min(),
                    ends.Where(e => e.Kind != "not-converged").Select(e => e.GradientNorm).DefaultIfEmpty(double.NaN).Max(),
                    minima.Select(e => e.LambdaMin).DefaultIfEmpty(double.NaN).Min(), fLinMin));
            }
        }
        return new ShamirLocalMinimaResult(config, rows, allEnds, clock.Elapsed.TotalSeconds);
    }

    internal static LocalMinimaEnd Point(ShamirLocalMinimaConfig config, PredictorData data, Activation activation, double fLinMin, ulong trial)
    {
        var rng = new PhiloxStream(config.Seed, trial, 0x10CA1);
        int d = config.Dimension, k = config.Width, size = d + d * k;
        var features = ResidualFeatures.Random(data, activation, config.Hidden, config.Layers, k, Math.Pow(10, rng.NextUniform() - 0.5), ref rng);
        var objective = new ResidualObjective(data, features, k);
        var x = new double[size]; // (w, vec V), as the optimizers see it
        ShamirLemma1.RandomVector(x.AsSpan(0, d), Math.Pow(10, 2 * rng.NextUniform() - 1), ref rng);
        ShamirLemma1.RandomVector(x.AsSpan(d), Math.Pow(10, 2 * rng.NextUniform() - 1), ref rng);
        new BacktrackingDescent(size).Run(objective, x, config.GdSteps);

        var (gradNorm, steps) = new LevenbergMarquardt(size).Minimize(objective, x, config.NewtonSteps, config.GradientTolerance);
        var w = x.AsSpan(0, d);
        var v = x.AsSpan(d);
        double f = objective.Value(w, v);
        var h = new double[size * size];
        ResidualHessian.Compute(objective, w, v, h);
        var eig = new double[size];
        SymmetricEigen.Eigenvalues(h, size, eig, threads: 1);
        double lambdaMin = eig.Min(), hNorm = eig.Max(Math.Abs);
        string kind = !(gradNorm <= config.GradientTolerance) ? "not-converged"
            : lambdaMin >= -config.CurvatureTolerance * Math.Max(1, hNorm) ? "local-min" : "saddle";
        double excess = f - fLinMin;
        return new LocalMinimaEnd(kind, excess, gradNorm, lambdaMin, steps, kind == "local-min" && excess > config.ValueTolerance);
    }
}
