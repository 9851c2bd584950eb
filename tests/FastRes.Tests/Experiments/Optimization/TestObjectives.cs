using FastRes.Experiments.Optimization;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Tests.Experiments.Optimization;

/// <summary>
/// F(x) = ½xᵀAx − bᵀx + c for symmetric A (positive definite: the unique minimizer is A⁻¹b). Counts evaluations.
/// </summary>
internal sealed class Quadratic(double[] a, double[] b, double c = 0) : ISmoothObjective
{
    public int Size => b.Length;
    public int Values { get; private set; }
    public int Gradients { get; private set; }

    /// <summary>
    /// A = [[4, 1, 0], [1, 3, 1], [0, 1, 2]], b = A·(1, −2, ½) = (2, −4.5, −1): minimizer (1, −2, ½), where
    /// ½xᵀAx − bᵀx = −5.25; c = 5.5 lifts the minimum to F = ¼ &gt; 0, as the experiments' risks are (Levenberg–Marquardt's
    /// relative value slack assumes F &gt; 0).
    /// </summary>
    public static Quadratic ThreeByThree() => new([4, 1, 0, 1, 3, 1, 0, 1, 2], [2, -4.5, -1], 5.5);
    public static readonly double[] ThreeByThreeMinimizer = [1, -2, 0.5];

    public double Value(ReadOnlySpan<double> x)
    {
        Values++;
        return Evaluate(x, null);
    }

    public double Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        Gradients++;
        return Evaluate(x, gradient);
    }

    private double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
    {
        int n = Size;
        double f = c;
        for (int i = 0; i < n; i++)
        {
            double ax = Dot.Sequential(a.AsSpan(i * n, n), x);
            f += 0.5 * x[i] * ax - b[i] * x[i];
            if (!gradient.IsEmpty) gradient[i] = ax - b[i];
        }
        return f;
    }

    public void Hessian(ReadOnlySpan<double> x, Span<double> hessian) => a.CopyTo(hessian);

    public double SquaredNorm(ReadOnlySpan<double> g) => Dot.Sequential(g, g);
}

/// <summary>Rosenbrock's banana F(x, y) = (1 − x)² + 100(y − x²)²: minimum 0 at (1, 1) at the end of a curved valley.</summary>
internal sealed class Rosenbrock : ISmoothObjective
{
    public int Size => 2;

    public double Value(ReadOnlySpan<double> p)
    {
        double x = p[0], y = p[1];
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    }

    public double Gradient(ReadOnlySpan<double> p, Span<double> g)
    {
        double x = p[0], y = p[1];
        g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
        g[1] = 200 * (y - x * x);
        return Value(p);
    }

    public void Hessian(ReadOnlySpan<double> p, Span<double> h)
    {
        double x = p[0], y = p[1];
        h[0] = 2 - 400 * (y - x * x) + 800 * x * x;
        h[1] = h[2] = -400 * x;
        h[3] = 200;
    }

    public double SquaredNorm(ReadOnlySpan<double> g) => Dot.Sequential(g, g);
}

/// <summary>
/// An objective whose gradient lies: F(x) = ‖x − x₀‖² (minimum 0 at x₀), but the reported gradient is a constant
/// (1, …, 1) and the Hessian the identity. No step from x₀ lowers F or the reported gradient's norm, so every trial
/// is rejected — the optimizers' give-up rules.
/// </summary>
internal sealed class LyingGradient(double[] x0) : ISmoothObjective
{
    public int Size => x0.Length;

    public double Value(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += (x[i] - x0[i]) * (x[i] - x0[i]);
        return s;
    }

    public double Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        gradient.Fill(1);
        return Value(x);
    }

    public void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
    {
        hessian.Clear();
        for (int i = 0; i < Size; i++) hessian[i * Size + i] = 1;
    }

    public double SquaredNorm(ReadOnlySpan<double> g) => Dot.Sequential(g, g);
}
