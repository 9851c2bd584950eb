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
        for (int i = 0; i < n; i++) sum += Losses.Value(data.Loss, Dot(data.X.AsSpan(i * d, d), w), data.Y[i]);
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
            double s = Losses.Slope(data.Loss, Dot(x, w), data.Y[i]) / n;
            for (int j = 0; j < d; j++) gradient[j] += s * x[j];
        }
    }

    public static double[] Minimizer(PredictorData data)
    {
        int n = data.Samples, d = data.Dimension;
        var w = new double[d];
        var g = new double[d];
        var h = new double[d * d];
        int maxSteps = data.Loss == Loss.Squared ? 2 : 100; // squared: one Newton step is the normal equations; a second polishes rounding
        for (int step = 0; step < maxSteps; step++)
        {
            Gradient(data, w, g);
            Array.Clear(h);
            for (int i = 0; i < n; i++)
            {
                var x = data.X.AsSpan(i * d, d);
                double c = Losses.Curvature(data.Loss, Dot(x, w), data.Y[i]) / n;
                for (int r = 0; r < d; r++)
                    for (int col = 0; col <= r; col++) h[r * d + col] += c * x[r] * x[col];
            }
            for (int r = 0; r < d; r++) for (int col = 0; col < r; col++) h[col * d + r] = h[r * d + col];
            var delta = CholeskySolve(h, g, d);
            double norm = 0;
            for (int j = 0; j < d; j++) { w[j] -= delta[j]; norm += delta[j] * delta[j]; }
            if (Math.Sqrt(norm) <= 1e-15 * (1 + Math.Sqrt(Dot(w, w)))) break;
        }
        Gradient(data, w, g);
        // Linearly separable data (logistic) has no minimizer: Newton walks off to infinity instead of converging.
        if (!(Math.Sqrt(Dot(g, g)) <= 1e-8))
            throw new InvalidOperationException($"F_lin has no minimizer here (‖∇F_lin‖ = {Math.Sqrt(Dot(g, g)):G3} after Newton): the data are linearly separable");
        return w;
    }

    /// <summary>Solves A z = b for symmetric positive definite A (d × d, row-major) by Cholesky.</summary>
    public static double[] CholeskySolve(double[] a, ReadOnlySpan<double> b, int d)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * d + j];
                for (int k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
                if (i == j)
                {
                    if (!(s > 0)) throw new InvalidOperationException("F_lin's Hessian is not positive definite (separable data or too few samples)");
                    l[i * d + i] = Math.Sqrt(s);
                }
                else l[i * d + j] = s / l[j * d + j];
            }
        }
        var z = new double[d];
        for (int i = 0; i < d; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * d + k] * z[k];
            z[i] = s / l[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int k = i + 1; k < d; k++) s -= l[k * d + i] * z[k];
            z[i] = s / l[i * d + i];
        }
        return z;
    }

    /// <summary>aᵀb with four partial sums (d and k are small here; this is not a hot kernel, see SPEC §5 for those).</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= a.Length; i += 4) { s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]; }
        for (; i < a.Length; i++) s0 += a[i] * b[i];
        return (s0 + s1) + (s2 + s3);
    }
}
