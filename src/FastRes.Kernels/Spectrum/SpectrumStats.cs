namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Summary statistics of a symmetric matrix's spectrum (SPEC §2.4), as used for Hessians by Li, Jiao, Han and
/// Weissman (Appendix B: the condition proxy κ).
/// </summary>
/// <param name="Count">Number of eigenvalues n.</param>
/// <param name="LambdaMin">Smallest eigenvalue.</param>
/// <param name="LambdaMax">Largest eigenvalue.</param>
/// <param name="AbsMax">max |λ| (= ‖A‖₂).</param>
/// <param name="AbsMin">min |λ|.</param>
/// <param name="AbsP10">|λ|_(0.1), the 10th percentile of |λ|: with |λ| sorted ascending as s[0] ≤ … ≤ s[n−1], the
/// order statistic s[⌊0.1·(n−1)⌋] (no interpolation, so it is always one of the eigenvalues' magnitudes).</param>
/// <param name="Kappa">κ = max|λ| / |λ|_(0.1): +∞ when |λ|_(0.1) = 0 &lt; max|λ|; NaN for the all-zero spectrum.</param>
/// <param name="Condition">max|λ| / min|λ|: +∞ when some eigenvalue is exactly 0 (singular) and max|λ| &gt; 0; NaN for the
/// all-zero spectrum. Not thresholded: a numerically singular matrix gives a huge finite value, read it with care.</param>
/// <param name="NegativeCount">Eigenvalues counted negative: λ &lt; −τ·max|λ| with τ the relative zero tolerance.</param>
/// <param name="ZeroCount">Eigenvalues with |λ| ≤ τ·max|λ| (numerically zero: neither negative nor positive).</param>
/// <param name="Index">NegativeCount / n, the fraction of negative eigenvalues (the Morse index over n).</param>
public sealed record SpectrumStats(
    int Count,
    double LambdaMin,
    double LambdaMax,
    double AbsMax,
    double AbsMin,
    double AbsP10,
    double Kappa,
    double Condition,
    int NegativeCount,
    int ZeroCount,
    double Index)
{
    /// <summary>
    /// The default relative zero tolerance for n eigenvalues: n·ε (ε = 2⁻⁵² ≈ 2.2e−16), the size of the backward
    /// error of a stable eigensolver relative to ‖A‖₂ — eigenvalues below it in magnitude are indistinguishable
    /// from 0 (e.g. the exact zeros of a rank-deficient Hessian, which come out as ±1e−16-ish).
    /// </summary>
    public static double DefaultZeroTolerance(int n) => Math.Max(1, n) * 2.220446049250313e-16;

    /// <summary>Statistics of <paramref name="eigenvalues"/> (any order). Allocates one n-element buffer.</summary>
    /// <param name="relativeZeroTolerance">τ for <see cref="NegativeCount"/> / <see cref="ZeroCount"/>; NaN (default)
    /// means <see cref="DefaultZeroTolerance"/>; 0 counts every λ &lt; 0 as negative.</param>
    /// <exception cref="ArgumentException">The spectrum is empty or has a NaN.</exception>
    public static SpectrumStats From(ReadOnlySpan<double> eigenvalues, double relativeZeroTolerance = double.NaN)
        => From(eigenvalues, new double[eigenvalues.Length], relativeZeroTolerance);

    /// <summary>As <see cref="From(ReadOnlySpan{double}, double)"/> with a caller's scratch buffer (length ≥ n) for the sorted |λ|.</summary>
    public static SpectrumStats From(ReadOnlySpan<double> eigenvalues, Span<double> scratch, double relativeZeroTolerance = double.NaN)
    {
        int n = eigenvalues.Length;
        if (n == 0) throw new ArgumentException("The spectrum is empty.", nameof(eigenvalues));
        if (scratch.Length < n) throw new ArgumentException($"scratch has length {scratch.Length}; it needs {n}.", nameof(scratch));
        if (double.IsNaN(relativeZeroTolerance)) relativeZeroTolerance = DefaultZeroTolerance(n);
        ArgumentOutOfRangeException.ThrowIfNegative(relativeZeroTolerance);

        Span<double> abs = scratch[..n];
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            double x = eigenvalues[i];
            if (double.IsNaN(x)) throw new ArgumentException($"Eigenvalue {i} is NaN.", nameof(eigenvalues));
            min = Math.Min(min, x);
            max = Math.Max(max, x);
            abs[i] = Math.Abs(x);
        }
        abs.Sort();
        double absMin = abs[0], absMax = abs[n - 1];
        double p10 = abs[(int)Math.Floor(0.1 * (n - 1))];

        double zero = relativeZeroTolerance * absMax;
        int negative = 0, zeros = 0;
        foreach (double x in eigenvalues)
        {
            if (Math.Abs(x) <= zero) zeros++;
            else if (x < 0) negative++;
        }

        return new SpectrumStats(n, min, max, absMax, absMin, p10,
            Kappa: Ratio(absMax, p10), Condition: Ratio(absMax, absMin),
            NegativeCount: negative, ZeroCount: zeros, Index: (double)negative / n);
    }

    /// <summary>a / b with 0/0 = NaN and x/0 = +∞ (x &gt; 0), which IEEE division already gives for non-negative inputs.</summary>
    private static double Ratio(double a, double b) => a / b;
}
