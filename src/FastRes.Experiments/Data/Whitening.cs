using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Data;

/// <summary>
/// Centres and whitens a sample in place so that its mean is 0 and its 1/m covariance
/// Σ^{XX} = (1/m) Σ_μ x^μ x^μᵀ is the identity to rounding — the normalisation under which Li et al.'s linear-network
/// Hessian (SPEC §2.3, §2.5) depends on the data only through Σ^{XX} = I and Σ^{XY}.
/// </summary>
/// <remarks>
/// <para>PCA whitening x ↦ Λ^{-1/2}Aᵀ(x − x̄) is exact only as far as the big eigen-decomposition is; the residual error
/// would show up directly in Σ^{XX}. So the whitening is computed again from the d×d covariance C of the data it is
/// applied to: z ↦ C^{-1/2}(z − z̄), whose covariance is C^{-1/2} C C^{-1/2} = I up to the rounding of this last,
/// well-conditioned d×d step.</para>
/// <para>C^{-1/2} is the symmetric (ZCA) inverse square root U Λ^{-1/2} Uᵀ, not Λ^{-1/2} Uᵀ: on nearly white input
/// (PCA scores already divided by their standard deviations) C ≈ I has nearly equal eigenvalues, so its eigenvectors
/// U are arbitrary — with them, last-bit differences between SIMD widths changed MNIST's whitened inputs in the second digit —
/// while U Λ^{-1/2} Uᵀ ≈ I is a continuous function of C and leaves the principal axes where they are.</para>
/// </remarks>
public static class Whitening
{
    /// <summary>
    /// Whitens <paramref name="z"/> (<paramref name="samples"/> × <paramref name="dim"/>, row-major) in place:
    /// z ↦ C^{-1/2}(z − z̄), the whitening that moves the data least.
    /// </summary>
    /// <returns>The map it applied, to bring other samples (a test set) into the same coordinates.</returns>
    /// <exception cref="DataFormatException">The sample's covariance is singular (fewer than dim + 1 samples, or
    /// linearly dependent columns): there is no unit-variance version of it. <paramref name="source"/> names the data.</exception>
    public static WhiteningMap Apply(Span<double> z, int samples, int dim, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        if (z.Length != (long)samples * dim) throw new ArgumentException($"expected {samples}×{dim} values", nameof(z));
        if (samples < dim + 1)
            throw new DataFormatException(source, $"{samples} samples cannot be whitened in {dim} dimensions (needs {dim + 1})");

        // Two passes: the first leaves Σ = I + O(ε·κ(C)) for an ill-conditioned input (κ ~ 1e6 gives ~1e-12); the
        // second sees C ≈ I and brings that down to O(ε). On PCA scores the first pass alone is already that good.
        var first = WhitenOnce(z, samples, dim, source);
        var second = WhitenOnce(z, samples, dim, source);
        return new WhiteningMap(dim, [first, second]);
    }

    private static (double[] Mean, double[] Matrix) WhitenOnce(Span<double> z, int samples, int dim, string source)
    {
        int d = dim;
        var mean = new double[d];
        for (int mu = 0; mu < samples; mu++)
            for (int k = 0; k < d; k++) mean[k] += z[mu * d + k];
        for (int k = 0; k < d; k++) mean[k] /= samples;
        for (int mu = 0; mu < samples; mu++)
            for (int k = 0; k < d; k++) z[mu * d + k] -= mean[k];

        var covariance = new double[d * d];
        Covariance.Product(z, d, z, d, samples, covariance);
        var values = new double[d];
        var vectors = new double[d * d];
        SymmetricEigenvectors.Decompose(covariance, d, values, vectors);
        if (!(values[d - 1] > 1e-12 * values[0] * d))
            throw new DataFormatException(source,
                $"the {d}×{d} input covariance is singular (eigenvalue {values[d - 1]:G3} against {values[0]:G3}): cannot whiten");

        // W = C^{-1/2} = Σ_k λ_k^{-1/2} u_k u_kᵀ (rows of `vectors` are the u_k).
        var w = new double[d * d];
        for (int k = 0; k < d; k++)
        {
            ReadOnlySpan<double> u = vectors.AsSpan(k * d, d);
            double scale = 1.0 / Math.Sqrt(values[k]);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) w[i * d + j] += scale * u[i] * u[j];
        }
        Transform(z, samples, d, w);
        return (mean, w);
    }

    /// <summary>Each row z ↦ W z (W d×d row-major), with the same operations wherever it is applied: a training set and
    /// <see cref="WhiteningMap.Apply"/> on the same rows give the same bits.</summary>
    internal static void Transform(Span<double> z, int samples, int d, double[] w)
    {
        var original = new double[d];
        for (int mu = 0; mu < samples; mu++)
        {
            Span<double> row = z.Slice(mu * d, d);
            row.CopyTo(original);
            for (int k = 0; k < d; k++)
                row[k] = Dot.Sequential(w.AsSpan(k * d, d), original);
        }
    }
}

/// <summary>
/// The affine map <see cref="Whitening.Apply"/> fitted on one sample (its passes z ↦ W(z − z̄), in order), to apply
/// unchanged to other samples: a test set preprocessed with its training set's statistics, not its own, so it is
/// white only approximately — as a held-out set should be.
/// </summary>
public sealed class WhiteningMap(int dim, IReadOnlyList<(double[] Mean, double[] Matrix)> passes)
{
    public int Dim { get; } = dim;

    /// <summary>Maps <paramref name="z"/> (samples × <see cref="Dim"/>, row-major) in place.</summary>
    public void Apply(Span<double> z, int samples)
    {
        if (z.Length != (long)samples * Dim) throw new ArgumentException($"expected {samples}×{Dim} values", nameof(z));
        foreach (var (mean, matrix) in passes)
        {
            for (int mu = 0; mu < samples; mu++)
                for (int k = 0; k < Dim; k++) z[mu * Dim + k] -= mean[k];
            Whitening.Transform(z, samples, Dim, matrix);
        }
    }
}
