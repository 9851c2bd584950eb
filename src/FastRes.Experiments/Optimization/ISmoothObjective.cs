namespace FastRes.Experiments.Optimization;

/// <summary>
/// A twice-differentiable F: ℝ^<see cref="Size"/> → ℝ with its exact gradient and Hessian, what
/// <see cref="BacktrackingDescent"/> and <see cref="LevenbergMarquardt"/> minimize: Shamir's F_θ(w, V) with θ
/// frozen (<c>ResidualObjective</c>) and Yun, Sra and Jadbabaie's ResNet risk R(θ) (<c>YunResNet</c>).
/// </summary>
public interface ISmoothObjective
{
    /// <summary>The number of parameters.</summary>
    int Size { get; }

    double Value(ReadOnlySpan<double> x);

    /// <summary>F(x), with ∇F(x) written into <paramref name="gradient"/>: one pass gives both in the objectives here.</summary>
    double Gradient(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>∇²F(x) into <paramref name="hessian"/> (Size × Size, row-major, symmetric; every entry overwritten).</summary>
    void Hessian(ReadOnlySpan<double> x, Span<double> hessian);

    /// <summary>
    /// ‖g‖² of a gradient-shaped vector in the objective's own summation order. The optimizers' step rules compare
    /// ‖∇F‖ against tolerances and Armijo's bound, so the order of this sum is part of an experiment's results: the
    /// objective, which knows how its parameters are laid out in blocks, decides it.
    /// </summary>
    double SquaredNorm(ReadOnlySpan<double> g);
}
