namespace FastRes.Kernels.LinearAlgebra;

/// <summary>
/// A = LLᵀ for a symmetric positive definite d × d matrix (row-major), and solves of A z = b with the factor: the
/// Cholesky–Banachiewicz order (row by row, each entry's inner products left to right; Golub and Van Loan, Matrix
/// Computations, §4.2). Used for the Newton and Levenberg–Marquardt steps of the Shamir and Yun experiments, whose
/// results depend on this exact order of operations. O(d³/3); the matrices here have at most a few hundred rows.
/// </summary>
public static class Cholesky
{
    /// <summary>
    /// Writes L into the lower triangle of <paramref name="factor"/> (entries above the diagonal are neither read nor
    /// written). Only the lower triangle of <paramref name="matrix"/> is read, so <paramref name="factor"/> may be
    /// <paramref name="matrix"/> itself (each entry of A is read before L overwrites it).
    /// </summary>
    /// <returns>False when a pivot is not positive (A is not positive definite to working precision, or has a NaN);
    /// <paramref name="factor"/> then holds a partial factor.</returns>
    public static bool TryFactor(ReadOnlySpan<double> matrix, int d, Span<double> factor)
    {
        CheckSquare(matrix.Length, d, nameof(matrix));
        CheckSquare(factor.Length, d, nameof(factor));
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = matrix[i * d + j];
                for (int k = 0; k < j; k++) s -= factor[i * d + k] * factor[j * d + k];
                if (i == j)
                {
                    if (!(s > 0)) return false;
                    factor[i * d + i] = Math.Sqrt(s);
                }
                else factor[i * d + j] = s / factor[j * d + j];
            }
        }
        return true;
    }

    /// <summary>
    /// z = (LLᵀ)⁻¹b: forward substitution L y = b, then back substitution Lᵀ z = y, each entry's sum left to right
    /// from the right-hand side. <paramref name="z"/> may be <paramref name="b"/> itself.
    /// </summary>
    /// <param name="factor">L from <see cref="TryFactor"/> (only its lower triangle is read).</param>
    public static void Solve(ReadOnlySpan<double> factor, int d, ReadOnlySpan<double> b, Span<double> z)
    {
        CheckSquare(factor.Length, d, nameof(factor));
        if (b.Length != d || z.Length != d) throw new ArgumentException($"b and z must have {d} entries");
        for (int i = 0; i < d; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= factor[i * d + k] * z[k];
            z[i] = s / factor[i * d + i];
        }
        for (int i = d - 1; i >= 0; i--)
        {
            double s = z[i];
            for (int k = i + 1; k < d; k++) s -= factor[k * d + i] * z[k];
            z[i] = s / factor[i * d + i];
        }
    }

    /// <summary>
    /// <see cref="TryFactor"/> then <see cref="Solve"/>: A z = b, with the factor left in <paramref name="factor"/>
    /// (which may be <paramref name="matrix"/> itself).
    /// </summary>
    /// <returns>False, with <paramref name="z"/> untouched, when A is not positive definite.</returns>
    public static bool TrySolve(ReadOnlySpan<double> matrix, int d, ReadOnlySpan<double> b, Span<double> factor, Span<double> z)
    {
        if (!TryFactor(matrix, d, factor)) return false;
        Solve(factor, d, b, z);
        return true;
    }

    private static void CheckSquare(int length, int d, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(d);
        if (length != (long)d * d) throw new ArgumentException($"expected a {d}×{d} matrix ({(long)d * d} entries), got {length}", name);
    }
}
