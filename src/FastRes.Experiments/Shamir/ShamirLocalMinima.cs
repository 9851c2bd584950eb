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
/// shamir-local-minima (Shamir 2018, Corollary 1 via Theorem 3): from random (w, V, θ), θ frozen, backtracking GD on
/// (w, V) and then damped Newton (Levenberg–Marquardt on the exact Hessian) down to ‖∇F_θ‖ ≤ gradient-tolerance. An end
/// point with λ_min(∇²F_θ) ≥ −curvature-tolerance·max(1, ‖∇²F_θ‖) is an approximate local minimum, and Corollary 1 says
/// its value is ≤ min F_lin (Theorem 3 needs only (w, V)-stationarity, so a frozen θ is within its reach). A violation
/// is such a point with F_θ − min F_lin &gt; value-tolerance.
/// </summary>
public sealed record ShamirLocalMinimaConfig : IShamirModelConfig, IExperimentConfig<ShamirLocalMinimaConfig>
{
    /// <summary>Smaller than the other experiments' model: Newton factors the dense Hessian at every step.</summary>
    public ShamirModel Model { get; init; } = new() { Dimension = 4, Width = 6, Hidden = 8, Layers = 1, Samples = 256 };
    public int Points { get; init; } = 32;
    public int GdSteps { get; init; } = 200;
    public int NewtonSteps { get; init; } = 300;
    public double GradientTolerance { get; init; } = 1e-8;
    public double CurvatureTolerance { get; init; } = 1e-6;
    public double ValueTolerance { get; init; } = 1e-6;

    public static Schema<ShamirLocalMinimaConfig> Schema { get; } = ShamirModel.Around<ShamirLocalMinimaConfig>(c => c.Model, (c, m) => c with { Model = m }, new()
    {
        { "points", "N", "Random starts per loss and activation", c => c.Points, (c, v) => c with { Points = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "gd-steps", "N", "Backtracking GD steps before Newton", c => c.GdSteps, (c, v) => c with { GdSteps = v }, Kinds.Int, Rules.Between(0, 1_000_000) },
        { "newton-steps", "N", "Damped Newton steps at most", c => c.NewtonSteps, (c, v) => c with { NewtonSteps = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "gradient-tolerance", "X", "Converged when ‖∇F_θ‖ ≤ X", c => c.GradientTolerance, (c, v) => c with { GradientTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1e-2) },
        { "curvature-tolerance", "X", "A minimum when λ_min ≥ −X·max(1, ‖H‖)", c => c.CurvatureTolerance, (c, v) => c with { CurvatureTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1e-1) },
        { "value-tolerance", "X", "A violation when F_θ − min F_lin > X at a minimum", c => c.ValueTolerance, (c, v) => c with { ValueTolerance = v },
          Kinds.Double, Rules.AboveUpTo(0, 1) },
    });

    public IReadOnlyList<ConfigError> Validate()
    {
        List<ConfigError> errors = [.. Schema.Check(this), .. Model.Relations()];
        if (errors.Count == 0 && (long)Model.Dimension * (Model.Width + 1) > 600)
            errors.Add(new("width", $"Newton uses the dense Hessian with d(k + 1) rows; keep it ≤ 600 (got {Model.Dimension * (Model.Width + 1)})"));
        return errors;
    }
}

/// <summary>Where one start ended. Kind: local-min, saddle, not-converged.</summary>
public readonly record struct LocalMinimaEnd(string Kind, double Excess, double GradientNorm, double LambdaMin, int NewtonSteps, bool Violation);

public sealed record ShamirLocalMinimaRow(string Loss, string Activation, int Points, int LocalMinima, int Saddles, int NotConverged,
    int Violations, double MaxExcessAtMinima, double MinExcessAtMinima, double MaxGradientNorm, double MinLambdaMinAtMinima, double FLinMin)
{
    public static Table<ShamirLocalMinimaRow> Columns { get; } = new()
    {
        { "loss", r => r.Loss, "loss", ColumnFlags.Console },
        { "activation", r => r.Activation, "σ", ColumnFlags.Console },
        { "points", r => r.Points, "starts" },
        { "local_minima", r => r.LocalMinima, "local minima", ColumnFlags.Console },
        { "saddles", r => r.Saddles, "saddles", ColumnFlags.Console },
        { "not_converged", r => r.NotConverged, "not converged", ColumnFlags.Console },
        { "violations", r => r.Violations, "violations", ColumnFlags.Console },
        { "max_f_minus_min_flin_at_minima", r => r.MaxExcessAtMinima, "max F − min F_lin", ColumnFlags.Console },
        { "min_f_minus_min_flin_at_minima", r => r.MinExcessAtMinima, "min F − min F_lin" },
        { "max_final_gradient_norm", r => r.MaxGradientNorm, "max final ‖∇F‖" },
        { "min_lambda_min_at_minima", r => r.MinLambdaMinAtMinima, "min λ_min at minima" },
        { "min_flin", r => r.FLinMin, "min F_lin" },
    };
}

/// <param name="Ends">Every start's end point, grouped as the rows are (Rows[i] holds Ends[i]).</param>
public sealed record ShamirLocalMinimaResult(ShamirLocalMinimaConfig Config, IReadOnlyList<ShamirLocalMinimaRow> Rows,
    IReadOnlyList<IReadOnlyList<LocalMinimaEnd>> Ends, double Seconds) : IClaimCheck, IExperimentResult<ShamirLocalMinimaResult>
{
    public int CaseCount => Rows.Sum(r => r.LocalMinima);
    public int Violations => Rows.Sum(r => r.Violations);
    public string CaseNoun => "local minima";
    public int Starts => Rows.Sum(r => r.Points);
    public int Saddles => Rows.Sum(r => r.Saddles);
    public int NotConverged => Rows.Sum(r => r.NotConverged);

    public static ResultLayout<ShamirLocalMinimaResult> Layout { get; } = new(r => r.Seconds)
    {
        { "starts", r => r.Starts }, { "not_converged", r => r.NotConverged },
        { "rows", ShamirLocalMinimaRow.Columns, r => r.Rows },
    };
}

public static class ShamirLocalMinima
{
    public static long TotalSteps(ShamirLocalMinimaConfig c) => (long)c.Model.Losses.Length * c.Model.Activations.Length * c.Points;

    public static ShamirLocalMinimaResult Run(ShamirLocalMinimaConfig config, Dataset? digits = null, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var rows = new List<ShamirLocalMinimaRow>();
        var allEnds = new List<IReadOnlyList<LocalMinimaEnd>>();
        int group = 0;
        foreach (var loss in config.Model.Losses)
        {
            var data = config.Model.DataFor(loss, digits);
            double fLinMin = LinearPredictor.Value(data, LinearPredictor.Minimizer(data));
            foreach (var activation in config.Model.Activations)
            {
                int g = group++;
                var ends = new LocalMinimaEnd[config.Points];
                var options = new ParallelOptions
                {
                    MaxDegreeOfParallelism = config.Model.Threads > 0 ? config.Model.Threads : Environment.ProcessorCount,
                    CancellationToken = cancellationToken,
                };
                Parallel.For(0, config.Points, options, i =>
                {
                    ends[i] = Point(config, data, activation, fLinMin, (ulong)g << 32 | (uint)i, cancellationToken);
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

    internal static LocalMinimaEnd Point(ShamirLocalMinimaConfig config, PredictorData data, Activation activation, double fLinMin, ulong trial,
        CancellationToken cancellationToken = default)
    {
        var rng = new PhiloxStream(config.Model.Seed, trial, 0x10CA1);
        int d = config.Model.Dimension, k = config.Model.Width, size = d + d * k;
        var features = ResidualFeatures.Random(data, activation, config.Model.Hidden, config.Model.Layers, k, Math.Pow(10, rng.NextUniform() - 0.5), ref rng);
        var objective = new ResidualObjective(data, features, k);
        var x = new double[size]; // (w, vec V), as the optimizers see it
        ShamirLemma1.RandomVector(x.AsSpan(0, d), Math.Pow(10, 2 * rng.NextUniform() - 1), ref rng);
        ShamirLemma1.RandomVector(x.AsSpan(d), Math.Pow(10, 2 * rng.NextUniform() - 1), ref rng);
        new BacktrackingDescent(size).Run(objective, x, config.GdSteps, cancellationToken: cancellationToken);

        var (gradNorm, steps) = new LevenbergMarquardt(size).Minimize(objective, x, config.NewtonSteps, config.GradientTolerance, cancellationToken);
        var w = x.AsSpan(0, d);
        var v = x.AsSpan(d);
        double f = objective.Value(w, v);
        var h = new double[size * size];
        ResidualHessian.Compute(objective, w, v, h, cancellationToken);
        var eig = new double[size];
        SymmetricEigen.Eigenvalues(h, size, eig, threads: 1, cancellationToken);
        double lambdaMin = eig.Min(), hNorm = eig.Max(Math.Abs);
        string kind = !(gradNorm <= config.GradientTolerance) ? "not-converged"
            : lambdaMin >= -config.CurvatureTolerance * Math.Max(1, hNorm) ? "local-min" : "saddle";
        double excess = f - fLinMin;
        return new LocalMinimaEnd(kind, excess, gradNorm, lambdaMin, steps, kind == "local-min" && excess > config.ValueTolerance);
    }
}
