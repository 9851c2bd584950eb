using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Predictors;

/// <summary>
/// F_lin(w) = E ℓ(wᵀx; y) (Shamir 2018, §2) and its exact minimizer: the least-squares normal equations
/// (XᵀX)w = Xᵀy for the squared loss, Newton's method (Cholesky solves of the exact Hessian E[ℓ''xxᵀ]) for the
/// logistic loss, run until the gradient is at rounding level.
/// </summary>
public static class LinearPredictor
{
    public static double Value(PredictorData data, ReadOnlySpan<double> w)
    {
        int n = data.Samples, d = data.Dimension;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Losses.Value(data.Loss, Dot.FourPartial(data.X.AsSpan(i * d, d), w), data.Y[i]);
        return sum / n;
    }

    /// <summary>∇F_lin(w) = E[ℓ'(wᵀx) x] into <paramref name="gradient"/>.</summary>
    public static void Gradient(PredictorData data, ReadOnlySpan<double> w, Span<double> gradient)
    {
        int n = data.Samples, d = data.Dimension;
        gradient.Clear();
        for (int i = 0; i < n; i++)
        {
            var x = data.X.AsSpan(i * d, d);
            double s = Losses.Slope(data.Loss, Dot.FourPartial(x, w), data.Y[i]) / n;
            for (int j = 0; j < d; j++) gradient[j] += s * x[j];
        }
    }

    public static double[] Minimizer(PredictorData data)
    {
        int n = data.Samples, d = data.Dimension;
        var w = new double[d];
        var g = new double[d];
        var h = new double[d * d];
        var delta = new double[d];
        int maxSteps = data.Loss == Loss.Squared ? 2 : 100; // squared: one Newton step is the normal equations; a second polishes rounding
        for (int step = 0; step < maxSteps; step++)
        {
            Gradient(data, w, g);
            Array.Clear(h);
            for (int i = 0; i < n; i++)
            {
                var x = data.X.AsSpan(i * d, d);
                double c = Losses.Curvature(data.Loss, Dot.FourPartial(x, w), data.Y[i]) / n;
                for (int r = 0; r < d; r++)
                    for (int col = 0; col <= r; col++) h[r * d + col] += c * x[r] * x[col];
            }
            for (int r = 0; r < d; r++) for (int col = 0; col < r; col++) h[col * d + r] = h[r * d + col];
            NewtonStep(h, g, d, delta);
            double norm = 0;
            for (int j = 0; j < d; j++) { w[j] -= delta[j]; norm += delta[j] * delta[j]; }
            if (Math.Sqrt(norm) <= 1e-15 * (1 + Math.Sqrt(Dot.FourPartial(w, w)))) break;
        }
        Gradient(data, w, g);
        // Linearly separable data (logistic) has no minimizer: Newton walks off to infinity instead of converging.
        if (!(Math.Sqrt(Dot.FourPartial(g, g)) <= 1e-8))
            throw new InvalidOperationException($"F_lin has no minimizer here (‖∇F_lin‖ = {Math.Sqrt(Dot.FourPartial(g, g)):G3} after Newton): the data are linearly separable");
        return w;
    }

    /// <summary>
    /// The Newton step δ = H⁻¹g of F_lin (or of a ridge-regularized F_lin) by Cholesky; <paramref name="hessian"/>
    /// (d × d, lower triangle read) is overwritten by its factor.
    /// </summary>
    /// <exception cref="InvalidOperationException">H is not positive definite.</exception>
    internal static void NewtonStep(Span<double> hessian, ReadOnlySpan<double> gradient, int d, Span<double> delta)
    {
        if (!Cholesky.TrySolve(hessian, d, gradient, hessian, delta))
            throw new InvalidOperationException("F_lin's Hessian is not positive definite (separable data or too few samples)");
    }
}
