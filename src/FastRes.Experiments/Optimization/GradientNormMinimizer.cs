using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Optimization;

/// <summary>
/// Finds critical points of every index of a smooth F by minimizing Φ(x) = ½‖∇F(x)‖² (McIver and Komornicki 1972,
/// who located transition states this way; Frye et al. 2019 for neural networks). ∇Φ = H g with g = ∇F and
/// H = ∇²F, and Levenberg–Marquardt treats g as the residual and H as its Jacobian: solve (H² + μI)δ = −H g (H is
/// symmetric, so HᵀH = H²; H² + μI is positive definite for every μ &gt; 0) and try x + δ. μ shrinks ÷3 (down to a
/// floor) after a trial that lowers Φ and grows ×4 after one that does not (×10 when rounding leaves H² + μI without a
/// Cholesky factor). As μ → 0 the step tends to −H⁻¹g, Newton's step on the equation g = 0, which converges
/// quadratically to a nondegenerate critical point whatever the signs of its Hessian's eigenvalues: unlike damped
/// Newton on F (<see cref="LevenbergMarquardt"/>), nothing pushes the iterate downhill in F, so saddles attract as
/// minima do. Stops when ‖g‖ ≤ tolerance, after the step budget, or when no μ within the attempt budget lowers Φ —
/// at a local minimum of Φ that is not a critical point (g ≠ 0 in the null space of H), the method's known trap.
/// </summary>
/// <remarks>
/// <para>Only products of H with vectors enter (H g, and H² through H·H): a matrix-free version runs conjugate
/// gradients on the normal equations, two Hessian–vector products per iteration. The objectives here form the exact
/// dense H from Size such products anyway (forward-over-reverse, one product per column), which costs what Size/2 CG
/// iterations would and makes each μ trial one O(Size³/3) Cholesky solve, so the dense form is used; H² costs
/// Size³ multiply–adds once per step (Size ≤ 400 here). Measured on yun-critical-points' nets (thread CPU time,
/// n = 300, Zen 5): one exact Hessian costs 26 gradient passes at Size = 28 and 49 at Size = 52, and a whole step
/// 5.1 and 9.1 ms, of which H², the Cholesky solves and the trial gradients are about 0.3–1.3 ms; CG on H² + μI,
/// whose condition number is κ(H)², would need more than Size/2 iterations near the degenerate critical points
/// these nets have.</para>
/// <para>Holds H, H², the damped normal matrix and the trial buffers, so one instance serves one start and allocates
/// nothing per step. The constants are properties with the experiments' values as defaults: changing one changes
/// their results.</para>
/// </remarks>
public sealed class GradientNormMinimizer
{
    private readonly int _size;
    private readonly double[] _gradient, _trialGradient, _trial, _step, _hg;
    private readonly double[] _hessian, _square, _damped;

    public GradientNormMinimizer(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        _size = size;
        _gradient = new double[size];
        _trialGradient = new double[size];
        _trial = new double[size];
        _step = new double[size];
        _hg = new double[size];
        _hessian = new double[size * size];
        _square = new double[size * size];
        _damped = new double[size * size];
    }

    /// <summary>μ at the first step.</summary>
    public double InitialDamping { get; init; } = 1e-3;

    /// <summary>
    /// μ never shrinks below this times max(1, the largest diagonal entry of H²): small enough that the step is
    /// Newton's to rounding, large enough that H² + μI keeps a Cholesky factor where H is singular (a degenerate
    /// critical point, a manifold of them).
    /// </summary>
    public double DampingFloor { get; init; } = 1e-14;

    /// <summary>μ ← max(μ / this, floor) after a trial is taken.</summary>
    public double Relief { get; init; } = 3;

    /// <summary>μ ← μ·this after a trial is rejected.</summary>
    public double Penalty { get; init; } = 4;

    /// <summary>μ ← μ·this when H² + μI has no Cholesky factor (rounding, as H² is positive semidefinite).</summary>
    public double IndefinitePenalty { get; init; } = 10;

    /// <summary>Values of μ tried per step before giving up.</summary>
    public int MaxAttempts { get; init; } = 60;

    /// <summary>Φ(x) = ½‖∇F(x)‖² in the objective's summation order, with ∇F written into <paramref name="gradient"/>.</summary>
    public static double Phi<TObjective>(TObjective objective, ReadOnlySpan<double> x, Span<double> gradient) where TObjective : ISmoothObjective
    {
        objective.Gradient(x, gradient);
        return 0.5 * objective.SquaredNorm(gradient);
    }

    /// <summary>∇Φ(x) = ∇²F(x)·∇F(x) into <paramref name="phiGradient"/>; returns Φ(x). Allocates H (tests, not the loop).</summary>
    public static double PhiGradient<TObjective>(TObjective objective, ReadOnlySpan<double> x, Span<double> phiGradient) where TObjective : ISmoothObjective
    {
        int n = objective.Size;
        var g = new double[n];
        var h = new double[n * n];
        double phi = Phi(objective, x, g);
        objective.Hessian(x, h);
        for (int i = 0; i < n; i++) phiGradient[i] = Dot.FourPartial(h.AsSpan(i * n, n), g);
        return phi;
    }

    /// <summary>
    /// Minimizes Φ from <paramref name="x"/> (updated in place) for at most <paramref name="maxSteps"/> steps, until
    /// ‖∇F‖ ≤ <paramref name="tolerance"/>; returns ‖∇F‖ there and the steps taken.
    /// </summary>
    /// <param name="cancellationToken">Polled before every Cholesky attempt (each O(Size³/3), after an O(Size²) copy).</param>
    public NewtonResult Minimize<TObjective>(TObjective objective, Span<double> x, int maxSteps, double tolerance,
        CancellationToken cancellationToken = default) where TObjective : ISmoothObjective
    {
        int n = _size;
        if (objective.Size != n || x.Length != n)
            throw new ArgumentException($"built for {n} parameters; the objective has {objective.Size} and x {x.Length}");
        Span<double> g = _gradient, tg = _trialGradient, t = _trial, s = _step, hg = _hg, h = _hessian, square = _square, damped = _damped;
        double phi = Phi(objective, x, g), mu = InitialDamping;
        int step = 0;
        for (; step < maxSteps && Math.Sqrt(2 * phi) > tolerance; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            objective.Hessian(x, h);
            double largest = 0;
            // H symmetric: (H²)_ij = row i · row j, and −∇Φ = −H g is row i · g.
            for (int i = 0; i < n; i++)
            {
                var hi = h.Slice(i * n, n);
                for (int j = 0; j <= i; j++) square[i * n + j] = square[j * n + i] = Dot.FourPartial(hi, h.Slice(j * n, n));
                largest = Math.Max(largest, square[i * n + i]);
                hg[i] = Dot.FourPartial(hi, g);
            }
            double floor = DampingFloor * Math.Max(1, largest);
            mu = Math.Max(mu, floor);
            bool moved = false;
            for (int attempt = 0; attempt < MaxAttempts && !moved; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                square.CopyTo(damped);
                for (int i = 0; i < n; i++) damped[i * n + i] += mu;
                if (!Cholesky.TrySolve(damped, n, hg, damped, s)) { mu *= IndefinitePenalty; continue; }
                for (int i = 0; i < n; i++) t[i] = x[i] - s[i];
                double pt = Phi(objective, t, tg);
                if (pt < phi)
                {
                    t.CopyTo(x);
                    tg.CopyTo(g);
                    phi = pt;
                    mu = Math.Max(mu / Relief, floor);
                    moved = true;
                }
                else mu *= Penalty;
            }
            if (!moved) break;
        }
        return new NewtonResult(Math.Sqrt(2 * phi), step);
    }
}
