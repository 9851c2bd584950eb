namespace FastRes.Kernels.Networks;

/// <summary>
/// Dense products of small square row-major matrices (d ≈ 10): the linear-network Hessian is built from a few hundred
/// of them, so plain loops are enough (they cost microseconds; the N² output fill dominates).
/// </summary>
internal static class SmallMatrix
{
    public static void Identity(Span<double> a, int d)
    {
        a.Slice(0, d * d).Clear();
        for (int i = 0; i < d; i++) a[i * d + i] = 1.0;
    }

    /// <summary>c = op(a)·op(b) with op = transpose when the flag is set; c must not alias a or b.</summary>
    public static void Multiply(ReadOnlySpan<double> a, bool transA, ReadOnlySpan<double> b, bool transB, Span<double> c, int d)
    {
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++)
                    s += (transA ? a[k * d + i] : a[i * d + k]) * (transB ? b[j * d + k] : b[k * d + j]);
                c[i * d + j] = s;
            }
    }

    /// <summary>c = α·c + b.</summary>
    public static void ScaleAdd(Span<double> c, double alpha, ReadOnlySpan<double> b, int d)
    {
        for (int i = 0; i < d * d; i++) c[i] = alpha * c[i] + b[i];
    }
}
