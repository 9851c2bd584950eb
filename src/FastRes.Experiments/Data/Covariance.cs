namespace FastRes.Experiments.Data;

/// <summary>Σ^{XX} (d × d) and Σ^{XY} (d × c), row-major, of one data set.</summary>
public sealed record CrossCovariance(double[] XX, double[] XY, int InputDim, int OutputDim);

/// <summary>
/// The data moments of Li et al. (Demystifying ResNet, Theorem 2 and eqs. (28)-(32)): Σ^{AB}_{ij} = (1/m) Σ_μ a^μ_i b^μ_j,
/// uncentred by definition (the squared loss of a linear network depends on the data only through Σ^{XX}, Σ^{XY}
/// and Σ^{YY}, SPEC §2.3).
/// </summary>
public static class Covariance
{
    /// <summary>Σ^{XX} and Σ^{XY} of <paramref name="data"/>.</summary>
    public static CrossCovariance Cross(Dataset data)
    {
        var xx = new double[data.InputDim * data.InputDim];
        var xy = new double[data.InputDim * data.OutputDim];
        Cross(data, xx, xy);
        return new CrossCovariance(xx, xy, data.InputDim, data.OutputDim);
    }

    /// <summary>Σ^{XX} into <paramref name="xx"/> (d × d) and Σ^{XY} into <paramref name="xy"/> (d × c).</summary>
    public static void Cross(Dataset data, Span<double> xx, Span<double> xy)
    {
        Product(data.X, data.InputDim, data.X, data.InputDim, data.Samples, xx);
        Product(data.X, data.InputDim, data.Y, data.OutputDim, data.Samples, xy);
    }

    /// <summary>
    /// Σ^{AB} = (1/m) Aᵀ B for row-major samples <paramref name="a"/> (m × p) and <paramref name="b"/> (m × q), into
    /// <paramref name="destination"/> (p × q, row-major, overwritten). Used as well for moments such as
    /// Σ^{X σ(X)} of Theorem 2, with b the activated inputs.
    /// </summary>
    public static void Product(ReadOnlySpan<double> a, int p, ReadOnlySpan<double> b, int q, int samples, Span<double> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (a.Length != (long)samples * p || b.Length != (long)samples * q || destination.Length != (long)p * q)
            throw new ArgumentException($"expected {samples}×{p} and {samples}×{q} samples and a {p}×{q} destination");

        // Accumulate sample by sample: p·q is small (d = 10 by default) and each rank-one update reads contiguous rows.
        destination.Clear();
        for (int mu = 0; mu < samples; mu++)
        {
            ReadOnlySpan<double> ar = a.Slice(mu * p, p), br = b.Slice(mu * q, q);
            for (int i = 0; i < p; i++)
            {
                double ai = ar[i];
                if (ai == 0) continue;
                Span<double> row = destination.Slice(i * q, q);
                for (int j = 0; j < q; j++) row[j] += ai * br[j];
            }
        }
        for (int i = 0; i < destination.Length; i++) destination[i] /= samples;
    }
}
