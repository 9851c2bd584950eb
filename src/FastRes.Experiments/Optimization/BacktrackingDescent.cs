namespace FastRes.Experiments.Optimization;

/// <summary>
/// Gradient descent with backtracking on the Armijo condition (Armijo 1966; Nocedal and Wright, Numerical
/// Optimization, Algorithm 3.1): from the step size t carried over from the previous step, try x − t∇F(x) and
/// accept the first t with F(x − t∇F) ≤ F(x) − c·t·‖∇F‖², halving t otherwise; after a success the next step
/// starts from 2t, so t tracks the local curvature instead of restarting at 1. The experiments use it to bring
/// random starts near a critical point before <see cref="LevenbergMarquardt"/> polishes them.
/// </summary>
/// <remarks>
/// Holds its gradient and trial buffers, so one instance serves one start and allocates nothing per step. The
/// constants are properties with the experiments' values as defaults: changing one changes their results.
/// </remarks>
public sealed class BacktrackingDescent
{
    private readonly double[] _gradient;
    private readonly double[] _trial;

    public BacktrackingDescent(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _gradient = new double[size];
        _trial = new double[size];
    }

    /// <summary>c of the Armijo condition.</summary>
    public double SufficientDecrease { get; init; } = 1e-4;

    /// <summary>The factor t shrinks by after a rejected trial.</summary>
    public double Shrink { get; init; } = 0.5;

    /// <summary>The factor t grows by after an accepted one.</summary>
    public double Growth { get; init; } = 2;

    /// <summary>Trials per step; when all fail, x stays put and the shrunken t is returned.</summary>
    public int MaxTrials { get; init; } = 60;

    /// <summary>
    /// One step from <paramref name="x"/> (updated in place) with initial step size <paramref name="step"/>;
    /// returns the step size the next step should start from. At ∇F = 0 nothing moves and t is returned as is.
    /// </summary>
    public double Step<TObjective>(TObjective objective, Span<double> x, double step) where TObjective : ISmoothObjective
    {
        int n = CheckSize(objective, x);
        Span<double> gradient = _gradient, trial = _trial;
        double f = objective.Gradient(x, gradient);
        double g2 = objective.SquaredNorm(gradient);
        if (g2 == 0) return step;
        for (int attempt = 0; attempt < MaxTrials; attempt++)
        {
            for (int j = 0; j < n; j++) trial[j] = x[j] - step * gradient[j];
            if (objective.Value(trial) <= f - SufficientDecrease * step * g2)
            {
                trial.CopyTo(x);
                return step * Growth;
            }
            step *= Shrink;
        }
        return step;
    }

    /// <summary><paramref name="steps"/> steps from step size <paramref name="step"/>; returns the step size reached.</summary>
    /// <param name="cancellationToken">Polled before every step (a step evaluates F and ∇F at least once).</param>
    public double Run<TObjective>(TObjective objective, Span<double> x, int steps, double step = 1,
        CancellationToken cancellationToken = default) where TObjective : ISmoothObjective
    {
        for (int s = 0; s < steps; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            step = Step(objective, x, step);
        }
        return step;
    }

    private int CheckSize<TObjective>(TObjective objective, ReadOnlySpan<double> x) where TObjective : ISmoothObjective
    {
        if (objective.Size != _gradient.Length || x.Length != _gradient.Length)
            throw new ArgumentException($"built for {_gradient.Length} parameters; the objective has {objective.Size} and x {x.Length}");
        return _gradient.Length;
    }
}
