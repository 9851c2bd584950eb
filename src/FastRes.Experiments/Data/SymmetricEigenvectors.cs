using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Data;

/// <summary>
/// All eigenvalues and eigenvectors of a dense symmetric matrix: Householder tridiagonalization with accumulated
/// transformations, then the implicit QL algorithm on the tridiagonal — EISPACK's tred2 and tql2 (Bowdler, Martin,
/// Reinsch and Wilkinson, Numer. Math. 11, 1968; Wilkinson and Reinsch, Handbook for Automatic Computation II), in the
/// form of the public-domain JAMA port. O(n³): PCA runs it once per data set on the 784×784 (MNIST) or 64×64
/// (8×8 digits) covariance and on d×d whitening matrices, which is why a simple, exact-to-rounding solver is enough
/// here; the eigenvalue-only solver of SPEC §2.4 lives with the kernels.
/// </summary>
/// <remarks>
/// JAMA indexes V[k][j] with k in the inner loops, which is a column walk in a row-major array. This port stores
/// Vᵀ instead (row j of the working array is column j of V), so every inner loop runs over contiguous memory and
/// the final eigenvectors come out as contiguous rows. The input is symmetric, so Aᵀ = A needs no transposition.
/// </remarks>
internal static class SymmetricEigenvectors
{
    /// <summary>
    /// Decomposes the symmetric n×n matrix <paramref name="matrix"/> (row-major; only symmetric input is meaningful)
    /// into eigenvalues sorted in decreasing order and orthonormal eigenvectors: row j of <paramref name="vectors"/>
    /// is the eigenvector of <c>values[j]</c>. <paramref name="matrix"/> is not modified.
    /// </summary>
    public static void Decompose(ReadOnlySpan<double> matrix, int n, Span<double> values, Span<double> vectors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (matrix.Length != n * n || vectors.Length != n * n || values.Length != n)
            throw new ArgumentException($"expected an {n}×{n} matrix, {n} values and {n}×{n} vectors");
        foreach (double x in matrix)
            if (!double.IsFinite(x)) throw new ArgumentException("the matrix has a non-finite entry", nameof(matrix));
        if (n == 0) return;

        matrix.CopyTo(vectors);
        var e = new double[n];
        Tred2(vectors, values, e, n);
        Tql2(vectors, values, e, n);
        SortDescending(vectors, values, n);
    }

    // Householder reduction to tridiagonal form; on exit v holds Qᵀ (rows = columns of the orthogonal Q with
    // QᵀAQ tridiagonal), d the diagonal and e[1..n-1] the subdiagonal.
    private static void Tred2(Span<double> v, Span<double> d, Span<double> e, int n)
    {
        // vt(row, col) = V[col][row]: row j of v is column j of JAMA's V.
        for (int j = 0; j < n; j++) d[j] = v[j * n + (n - 1)];

        for (int i = n - 1; i > 0; i--)
        {
            double scale = 0.0, h = 0.0;
            for (int k = 0; k < i; k++) scale += Math.Abs(d[k]);
            if (scale == 0.0)
            {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++)
                {
                    d[j] = v[j * n + (i - 1)];
                    v[j * n + i] = 0.0;
                    v[i * n + j] = 0.0;
                }
            }
            else
            {
                // Householder vector from row i, scaled to avoid under/overflow.
                for (int k = 0; k < i; k++)
                {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.Sqrt(h);
                if (f > 0) g = -g;
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                e[..i].Clear();

                // e = A·u over the leading i×i block, using its lower triangle.
                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    v[i * n + j] = f;
                    Span<double> column = v.Slice(j * n, i);
                    g = e[j] + column[j] * f;
                    for (int k = j + 1; k < i; k++)
                    {
                        g += column[k] * d[k];
                        e[k] += column[k] * f;
                    }
                    e[j] = g;
                }
                f = 0.0;
                for (int j = 0; j < i; j++)
                {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) e[j] -= hh * d[j];

                // Rank-2 update A ← A − u·eᵀ − e·uᵀ of the lower triangle (column j, rows j..i-1).
                for (int j = 0; j < i; j++)
                {
                    f = d[j];
                    g = e[j];
                    Blas1.SubtractTwoAxpy(v.Slice(j * n + j, i - j), f, e.Slice(j, i - j), g, d.Slice(j, i - j));
                    d[j] = v[j * n + (i - 1)];
                    v[j * n + i] = 0.0;
                }
            }
            d[i] = h;
        }

        // Accumulate the transformations.
        for (int i = 0; i < n - 1; i++)
        {
            v[i * n + (n - 1)] = v[i * n + i];
            v[i * n + i] = 1.0;
            double h = d[i + 1];
            ReadOnlySpan<double> u = v.Slice((i + 1) * n, i + 1);
            if (h != 0.0)
            {
                for (int k = 0; k <= i; k++) d[k] = u[k] / h;
                for (int j = 0; j <= i; j++)
                {
                    Span<double> column = v.Slice(j * n, i + 1);
                    double g = ColumnDot(u, column);
                    Blas1.Axpy(-g, d[..(i + 1)], column);
                }
            }
            v.Slice((i + 1) * n, i + 1).Clear();
        }
        for (int j = 0; j < n; j++)
        {
            d[j] = v[j * n + (n - 1)];
            v[j * n + (n - 1)] = 0.0;
        }
        v[(n - 1) * n + (n - 1)] = 1.0;
        e[0] = 0.0;
    }

    // Implicit QL with Wilkinson-like shifts on the tridiagonal (d, e), applying every rotation to the vectors.
    private static void Tql2(Span<double> v, Span<double> d, Span<double> e, int n)
    {
        for (int i = 1; i < n; i++) e[i - 1] = e[i];
        e[n - 1] = 0.0;

        double f = 0.0, tst1 = 0.0;
        const double eps = 1.0 / (1L << 52);
        // QL converges in one to two iterations per eigenvalue in practice; the cap only turns a pathological
        // input into an exception instead of an endless loop.
        int budget = 64 * n + 64;
        for (int l = 0; l < n; l++)
        {
            tst1 = Math.Max(tst1, Math.Abs(d[l]) + Math.Abs(e[l]));
            int m = l;
            while (m < n - 1 && Math.Abs(e[m]) > eps * tst1) m++; // e[n-1] = 0 ends the search

            if (m > l)
            {
                do
                {
                    if (--budget < 0) throw new ArithmeticException("tql2: the QL iteration did not converge");
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = Hypot(p, 1.0);
                    if (p < 0) r = -r;
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) d[i] -= h;
                    f += h;

                    p = d[m];
                    double c = 1.0, c2 = c, c3 = c;
                    double el1 = e[l + 1];
                    double s = 0.0, s2 = 0.0;
                    for (int i = m - 1; i >= l; i--)
                    {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        Blas1.Rotate(v.Slice(i * n, n), v.Slice((i + 1) * n, n), c, s);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.Abs(e[l]) > eps * tst1);
            }
            d[l] += f;
            e[l] = 0.0;
        }
    }

    private static void SortDescending(Span<double> v, Span<double> d, int n)
    {
        var tmp = new double[n];
        for (int i = 0; i < n - 1; i++)
        {
            int k = i;
            for (int j = i + 1; j < n; j++)
                if (d[j] > d[k]) k = j;
            if (k == i) continue;
            (d[k], d[i]) = (d[i], d[k]);
            v.Slice(i * n, n).CopyTo(tmp);
            v.Slice(k * n, n).CopyTo(v.Slice(i * n, n));
            tmp.CopyTo(v.Slice(k * n, n));
        }
    }

    private static double Hypot(double a, double b)
    {
        // √(a² + b²) without overflow or harmful underflow, as JAMA's Maths.hypot.
        double x = Math.Abs(a), y = Math.Abs(b);
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        double t = y / x;
        return x * Math.Sqrt(1 + t * t);
    }

    // The O(n³) inner loops are Kernels' Blas1 (axpy, the rank-2 column update, the rotation) and Dot: they are the
    // whole cost of MNIST preprocessing (784×784). The element-wise ones give the same bits at every vector width.
    // The vectorized dot (Dot.Lanewise) sums in lanes, which changes the last bits, so it is used only from
    // VectorizeFrom on: the 64×64 digits PCA and the d×d whitening then give the same bits at every SIMD width and
    // with DOTNET_EnableHWIntrinsic=0, i.e. the 8×8 and synthetic data sets are identical on every machine
    // configuration; MNIST's may differ in the last bits.
    internal const int VectorizeFrom = 128;

    private static double ColumnDot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
        => x.Length >= VectorizeFrom ? Dot.Lanewise(x, y) : Dot.Sequential(x, y);
}
