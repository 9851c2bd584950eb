using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Data;

/// <summary>
/// The top principal axes of a sample: <see cref="Mean"/> (length <see cref="InputDim"/>), <see cref="Axes"/> row-major
/// (<see cref="Components"/> × <see cref="InputDim"/>, orthonormal rows: the eigenvectors of the 1/m covariance with the
/// largest eigenvalues), <see cref="Variances"/> their eigenvalues in decreasing order, and
/// <see cref="TotalVariance"/> the covariance's trace, so that Σ Variances / TotalVariance is the variance captured.
/// </summary>
public sealed record PrincipalComponents(double[] Mean, double[] Axes, double[] Variances, int InputDim, int Components, double TotalVariance)
{
    /// <summary>
    /// Fits the top <paramref name="components"/> axes of <paramref name="x"/> (<paramref name="samples"/> ×
    /// <paramref name="inputDim"/>, row-major) from the full eigen-decomposition of its 1/m covariance.
    /// <paramref name="source"/> names the data in errors.
    /// </summary>
    /// <exception cref="DataFormatException">Fewer than components + 1 samples, more components than inputs, or a
    /// covariance whose rank is below <paramref name="components"/> (nothing to whiten).</exception>
    public static PrincipalComponents Fit(ReadOnlySpan<double> x, int samples, int inputDim, int components, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        if (x.Length != (long)samples * inputDim) throw new ArgumentException($"expected {samples}×{inputDim} values", nameof(x));
        // Centring costs one degree of freedom: m centred samples span at most m − 1 directions.
        if (samples < components + 1)
            throw new DataFormatException(source,
                $"{samples} samples, fewer than PCA to d = {components} needs ({components + 1})");
        if (components > inputDim)
            throw new DataFormatException(source, $"PCA to d = {components} asked of {inputDim}-pixel images");

        int n = inputDim;
        var mean = new double[n];
        for (int mu = 0; mu < samples; mu++) Add(x.Slice(mu * n, n), mean);
        for (int i = 0; i < n; i++) mean[i] /= samples;

        // Second moments first, centred afterwards: Σ = (1/m)Σ x xᵀ − x̄ x̄ᵀ. Images are mostly background, so skipping
        // zero pixels makes the 784×784 MNIST accumulation ~20× cheaper than a dense centred one; the cancellation
        // this risks is at the 1e-15 level for pixels in [0, 1], and Whitening re-imposes Σ = I on the result anyway.
        // The kernel shape is a rank-one update per sample (axpy along the row), not a dot over samples per entry:
        // each entry then sums its products in sample order, and axpy's lanes are separate entries, so the sum of
        // every entry has the same order — and the same bits — at every vector width (MNIST's whitened inputs
        // depend on it). A dot-per-entry kernel would vectorize across samples and reorder each entry's sum.
        var covariance = new double[n * n];
        for (int mu = 0; mu < samples; mu++)
        {
            ReadOnlySpan<double> row = x.Slice(mu * n, n);
            for (int i = 0; i < n; i++)
            {
                double xi = row[i];
                if (xi == 0) continue;
                Blas1.Axpy(xi, row[i..], covariance.AsSpan(i * n + i, n - i));
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = i; j < n; j++)
            {
                double c = covariance[i * n + j] / samples - mean[i] * mean[j];
                covariance[i * n + j] = c;
                covariance[j * n + i] = c;
            }
            total += covariance[i * n + i];
        }

        var values = new double[n];
        var vectors = new double[n * n];
        SymmetricEigenvectors.Decompose(covariance, n, values, vectors);

        // Below this the "component" is rounding noise in an exactly singular direction (constant pixels, or fewer
        // distinct images than d); whitening it would amplify noise by 1e8 or more.
        double floor = 1e-12 * Math.Max(values[0], double.Epsilon) * n;
        if (!(values[components - 1] > floor))
        {
            int rank = 0;
            while (rank < n && values[rank] > floor) rank++;
            throw new DataFormatException(source,
                $"the pixel covariance has rank {rank}, below the PCA dimension d = {components}: cannot whiten");
        }

        var axes = vectors.AsSpan(0, components * n).ToArray();
        for (int k = 0; k < components; k++) OrientPositive(axes.AsSpan(k * n, n));
        return new PrincipalComponents(mean, axes, values.AsSpan(0, components).ToArray(), n, components, total);
    }

    /// <summary>Scores z = A(x − x̄) of every sample: <paramref name="scores"/> is samples × <see cref="Components"/>.</summary>
    public void Project(ReadOnlySpan<double> x, int samples, Span<double> scores)
    {
        int n = InputDim, d = Components;
        if (x.Length != (long)samples * n || scores.Length != (long)samples * d)
            throw new ArgumentException($"expected {samples}×{n} inputs and {samples}×{d} scores");
        var centred = new double[n];
        for (int mu = 0; mu < samples; mu++)
        {
            ReadOnlySpan<double> row = x.Slice(mu * n, n);
            for (int i = 0; i < n; i++) centred[i] = row[i] - Mean[i];
            for (int k = 0; k < d; k++)
                scores[mu * d + k] = Dot.Sequential(Axes.AsSpan(k * n, n), centred);
        }
    }

    // An eigenvector's sign is arbitrary, and rounding differences between SIMD widths could flip it; fixing it
    // (largest-magnitude entry positive, first such entry on ties) makes the preprocessed data the same everywhere.
    internal static void OrientPositive(Span<double> axis)
    {
        int arg = 0;
        for (int i = 1; i < axis.Length; i++)
            if (Math.Abs(axis[i]) > Math.Abs(axis[arg]) * (1 + 1e-9)) arg = i;
        if (axis[arg] < 0)
            for (int i = 0; i < axis.Length; i++) axis[i] = -axis[i];
    }

    private static void Add(ReadOnlySpan<double> x, Span<double> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += x[i];
    }
}
