using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Optimization;

/// <summary>Where <see cref="LevenbergMarquardt.Minimize"/> stopped: ‖∇F‖ there and the Newton steps taken.</summary>
public readonly record struct NewtonResult(double GradientNorm, int Steps);

/// <summary>
/// Damped Newton on the exact Hessian (Levenberg 1944, Marquardt 1963; Nocedal and Wright, §10.3): solve
/// (H + μI)s = ∇F by Cholesky and try x − s. μ grows ×10 while H + μI is not positive definite and ×4 after a trial
/// that is rejected, and shrinks ÷3 (down to a floor) after one that is taken, so far from a minimum the step is a
/// short gradient step and near one it is Newton's, converging quadratically. A trial is taken when it lowers F —
/// or, near a minimum where F changes at rounding level, when it keeps F within a relative few ulps and lowers
/// ‖∇F‖. Stops when ‖∇F‖ ≤ tolerance, after the step budget, or when no μ within the attempt budget gives an
/// acceptable trial.
/// </summary>
/// <remarks>
/// Holds the Hessian, the damped factor and the trial buffers (Size² each for the matrices), so one instance
/// serves one start and allocates nothing per step. The constants are properties with the experiments' values as
/// defaults: changing one changes their results.
/// </remarks>
public sealed class LevenbergMarquardt
{
    private readonly int _size;
    private readonly double[] _gradient, _trialGradient, _trial, _step;
    private readonly double[] _hessian, _damped;

    public LevenbergMarquardt(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _size = size;
        _gradient = new double[size];
        _trialGradient = new double[size];
        _trial = new double[size];
        _step = new double[size];
        _hessian = new double[size * size];
        _damped = new double[size * size];
    }

    /// <summary>μ at the first step.</summary>
    public double InitialDamping { get; init; } = 1e-3;

    /// <summary>μ never shrinks below this.</summary>
    public double DampingFloor { get; init; } = 1e-12;

    /// <summary>μ ← max(μ / this, floor) after a trial is taken.</summary>
    public double Relief { get; init; } = 3;

    /// <summary>μ ← μ·this after a trial is rejected.</summary>
    public double Penalty { get; init; } = 4;

    /// <summary>μ ← μ·this when H + μI has no Cholesky factor.</summary>
    public double IndefinitePenalty { get; init; } = 10;

    /// <summary>Values of μ tried per step before giving up.</summary>
    public int MaxAttempts { get; init; } = 60;

    /// <summary>
    /// A trial with F ≤ F(x)·(1 + this) is still taken when it lowers ‖∇F‖. Relative to F, which assumes F &gt; 0 as
    /// the experiments' risks are; for F &lt; 0 the slack turns into a margin and polishing near the minimum stalls.
    /// </summary>
    public double ValueSlack { get; init; } = 1e-14;

    /// <summary>
    /// Minimizes from <paramref name="x"/> (updated in place) for at most <paramref name="maxSteps"/> Newton steps,
    /// until ‖∇F‖ ≤ <paramref name="tolerance"/>.
    /// </summary>
    /// <param name="cancellationToken">Polled before every Cholesky attempt (each O(Size³/3), after an O(Size²) copy).</param>
    public NewtonResult Minimize<TObjective>(TObjective objective, Span<double> x, int maxSteps, double tolerance,
        CancellationToken cancellationToken = default) where TObjective : ISmoothObjective
    {
        int n = _size;
        if (objective.Size != n || x.Length != n)
            throw new ArgumentException($"built for {n} parameters; the objective has {objective.Size} and x {x.Length}");
        Span<double> g = _gradient, tg = _trialGradient, t = _trial, s = _step, damped = _damped;
        double f = objective.Gradient(x, g);
        double norm = Math.Sqrt(objective.SquaredNorm(g)), mu = InitialDamping;
        int step = 0;
        for (; step < maxSteps && norm > tolerance; step++)
        {
            objective.Hessian(x, _hessian);
            bool moved = false;
            for (int attempt = 0; attempt < MaxAttempts && !moved; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _hessian.CopyTo(damped);
                for (int i = 0; i < n; i++) damped[i * n + i] += mu;
                if (!Cholesky.TrySolve(damped, n, g, damped, s)) { mu *= IndefinitePenalty; continue; }
                for (int i = 0; i < n; i++) t[i] = x[i] - s[i];
                double ft = objective.Gradient(t, tg);
                double nt = Math.Sqrt(objective.SquaredNorm(tg));
                if (ft < f || (ft <= f * (1 + ValueSlack) && nt < norm))
                {
                    t.CopyTo(x);
                    tg.CopyTo(g);
                    (f, norm) = (ft, nt);
                    mu = Math.Max(mu / Relief, DampingFloor);
                    moved = true;
                }
                else mu *= Penalty;
            }
            if (!moved) break;
        }
        return new NewtonResult(norm, step);
    }
}
