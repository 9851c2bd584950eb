namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Eigenvalues of a symmetric tridiagonal matrix by the square-root-free implicit QL/QR iteration of
/// Pal, Walker and Kahan, as organised in Reference-LAPACK's DSTERF (our own C# transcription of the algorithm,
/// not a copy of its code): the matrix splits where an off-diagonal is negligible, each block runs QL when its
/// top diagonal entry is the smaller in magnitude and QR otherwise (so the iteration chases the small end), and
/// 2×2 blocks are finished in closed form (DLAE2).
/// </summary>
/// <remarks>
/// Working on e² instead of e saves the square root in every rotation: the rotation's c², s² and the new e² are
/// rational in d and e². Each block is scaled into [√safmin/eps², √safmax/3] first (DSTERF's SSFMIN, SSFMAX) so
/// that e² neither overflows nor underflows. Cost O(n²) with about 2 sweeps per eigenvalue: negligible next to
/// the O(n³) reduction.
/// </remarks>
internal static class TridiagonalEigenvalues
{
    private const int MaxIterationsPerEigenvalue = 30; // DSTERF's MAXIT

    /// <summary>
    /// Sweeps between two polls of the cancellation token: at most 32·n rotations (milliseconds at n = 6,400) out of
    /// the ~2n sweeps of a whole QL phase.
    /// </summary>
    internal const int SweepsPerPoll = 32;

    /// <summary>
    /// Overwrites <paramref name="d"/> (length n) with the eigenvalues in ascending order; <paramref name="e"/>
    /// (length ≥ n − 1, the off-diagonal) is destroyed.
    /// </summary>
    /// <param name="cancellationToken">Polled every <see cref="SweepsPerPoll"/> sweeps (each O(block length)).</param>
    /// <returns>False when the iteration failed to converge within 30·n sweeps (eigenvalues then unreliable).</returns>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static bool Compute(Span<double> d, Span<double> e, CancellationToken cancellationToken = default)
    {
        int n = d.Length;
        if (n <= 1) return true;

        const double eps = 1.1102230246251565e-16; // DLAMCH('E') = 2^-53 (rounding mode)
        const double eps2 = eps * eps;
        const double safmin = 2.2250738585072014e-308; // DLAMCH('S')
        double safmax = 1 / safmin;
        double ssfmax = Math.Sqrt(safmax) / 3;
        double ssfmin = Math.Sqrt(safmin) / eps2;

        int maxIterations = n * MaxIterationsPerEigenvalue;
        int iterations = 0;
        int l1 = 0;

        while (l1 < n)
        {
            if (l1 > 0) e[l1 - 1] = 0;

            // Split: the first m ≥ l1 with a negligible e[m] ends the block [l1, m].
            int m = l1;
            for (; m < n - 1; m++)
            {
                if (Math.Abs(e[m]) <= Math.Sqrt(Math.Abs(d[m])) * Math.Sqrt(Math.Abs(d[m + 1])) * eps)
                {
                    e[m] = 0;
                    break;
                }
            }

            int l = l1, lsv = l, lend = m, lendsv = lend;
            l1 = m + 1;
            if (lend == l) continue;

            // Scale the block into the safe range for squaring.
            double anorm = 0;
            for (int i = l; i <= lend; i++) anorm = Math.Max(anorm, Math.Abs(d[i]));
            for (int i = l; i < lend; i++) anorm = Math.Max(anorm, Math.Abs(e[i]));
            if (double.IsNaN(anorm)) return false;
            if (anorm == 0) continue;
            double scaleTo = anorm > ssfmax ? ssfmax : anorm < ssfmin ? ssfmin : anorm;
            bool scaled = scaleTo != anorm;
            if (scaled) Rescale(d, e, l, lend, scaleTo / anorm);

            for (int i = l; i < lend; i++) e[i] *= e[i];

            if (Math.Abs(d[lend]) < Math.Abs(d[l]))
            {
                lend = lsv;
                l = lendsv;
            }

            if (lend >= l)
            {
                // QL: deflate from the top.
                while (true)
                {
                    for (m = l; m < lend; m++)
                        if (Math.Abs(e[m]) <= eps2 * Math.Abs(d[m] * d[m + 1])) break;
                    if (m < lend) e[m] = 0;

                    double p = d[l];
                    if (m == l)
                    {
                        d[l] = p;
                        l++;
                        if (l <= lend) continue;
                        break;
                    }
                    if (m == l + 1)
                    {
                        Eigenvalues2x2(d[l], Math.Sqrt(e[l]), d[l + 1], out d[l], out d[l + 1]);
                        e[l] = 0;
                        l += 2;
                        if (l <= lend) continue;
                        break;
                    }
                    if (iterations == maxIterations) break;
                    if (++iterations % SweepsPerPoll == 0) cancellationToken.ThrowIfCancellationRequested();

                    // Wilkinson-like shift from the leading 2×2 (DSTERF's "form shift").
                    double rte = Math.Sqrt(e[l]);
                    double sigma = (d[l + 1] - p) / (2 * rte);
                    double r = Hypot(sigma, 1);
                    sigma = p - rte / (sigma + Math.CopySign(r, sigma));

                    double c = 1, s = 0, gamma = d[m] - sigma;
                    p = gamma * gamma;
                    for (int i = m - 1; i >= l; i--)
                    {
                        double bb = e[i];
                        r = p + bb;
                        if (i != m - 1) e[i + 1] = s * r;
                        double oldc = c;
                        c = p / r;
                        s = bb / r;
                        double oldgam = gamma;
                        double alpha = d[i];
                        gamma = c * (alpha - sigma) - s * oldgam;
                        d[i + 1] = oldgam + (alpha - gamma);
                        p = c != 0 ? gamma * gamma / c : oldc * bb;
                    }
                    e[l] = s * p;
                    d[l] = sigma + gamma;
                }
            }
            else
            {
                // QR: deflate from the bottom.
                while (true)
                {
                    for (m = l; m > lend; m--)
                        if (Math.Abs(e[m - 1]) <= eps2 * Math.Abs(d[m] * d[m - 1])) break;
                    if (m > lend) e[m - 1] = 0;

                    double p = d[l];
                    if (m == l)
                    {
                        d[l] = p;
                        l--;
                        if (l >= lend) continue;
                        break;
                    }
                    if (m == l - 1)
                    {
                        Eigenvalues2x2(d[l], Math.Sqrt(e[l - 1]), d[l - 1], out d[l], out d[l - 1]);
                        e[l - 1] = 0;
                        l -= 2;
                        if (l >= lend) continue;
                        break;
                    }
                    if (iterations == maxIterations) break;
                    if (++iterations % SweepsPerPoll == 0) cancellationToken.ThrowIfCancellationRequested();

                    double rte = Math.Sqrt(e[l - 1]);
                    double sigma = (d[l - 1] - p) / (2 * rte);
                    double r = Hypot(sigma, 1);
                    sigma = p - rte / (sigma + Math.CopySign(r, sigma));

                    double c = 1, s = 0, gamma = d[m] - sigma;
                    p = gamma * gamma;
                    for (int i = m; i < l; i++)
                    {
                        double bb = e[i];
                        r = p + bb;
                        if (i != m) e[i - 1] = s * r;
                        double oldc = c;
                        c = p / r;
                        s = bb / r;
                        double oldgam = gamma;
                        double alpha = d[i + 1];
                        gamma = c * (alpha - sigma) - s * oldgam;
                        d[i] = oldgam + (alpha - gamma);
                        p = c != 0 ? gamma * gamma / c : oldc * bb;
                    }
                    e[l - 1] = s * p;
                    d[l] = sigma + gamma;
                }
            }

            if (scaled) Rescale(d, e, lsv, lendsv, anorm / scaleTo, offDiagonal: false);
            if (iterations >= maxIterations)
            {
                for (int i = 0; i < n - 1; i++)
                    if (e[i] != 0) return false;
            }
        }

        d.Sort();
        return true;
    }

    private static void Rescale(Span<double> d, Span<double> e, int from, int to, double factor, bool offDiagonal = true)
    {
        for (int i = from; i <= to; i++) d[i] *= factor;
        if (offDiagonal)
            for (int i = from; i < to; i++) e[i] *= factor;
    }

    /// <summary>√(x² + y²) without destructive overflow (DLAPY2).</summary>
    private static double Hypot(double x, double y)
    {
        double ax = Math.Abs(x), ay = Math.Abs(y);
        double w = Math.Max(ax, ay), z = Math.Min(ax, ay);
        return z == 0 || double.IsInfinity(w) ? w : w * Math.Sqrt(1 + (z / w) * (z / w));
    }

    /// <summary>
    /// Eigenvalues of [[a, b], [b, c]], rt1 of larger magnitude (DLAE2): the smaller one comes from
    /// rt1·rt2 = ac − b² to avoid cancellation.
    /// </summary>
    internal static void Eigenvalues2x2(double a, double b, double c, out double rt1, out double rt2)
    {
        double sm = a + c, df = a - c, adf = Math.Abs(df), tb = b + b, ab = Math.Abs(tb);
        double acmx, acmn;
        if (Math.Abs(a) > Math.Abs(c)) { acmx = a; acmn = c; }
        else { acmx = c; acmn = a; }
        double rt = adf > ab ? adf * Math.Sqrt(1 + (ab / adf) * (ab / adf))
            : adf < ab ? ab * Math.Sqrt(1 + (adf / ab) * (adf / ab))
            : ab * Math.Sqrt(2.0);
        if (sm < 0)
        {
            rt1 = 0.5 * (sm - rt);
            rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
        }
        else if (sm > 0)
        {
            rt1 = 0.5 * (sm + rt);
            rt2 = (acmx / rt1) * acmn - (b / rt1) * b;
        }
        else
        {
            rt1 = 0.5 * rt;
            rt2 = -0.5 * rt;
        }
    }
}
