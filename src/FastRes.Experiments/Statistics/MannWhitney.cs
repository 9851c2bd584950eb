namespace FastRes.Experiments.Statistics;

/// <summary>
/// The Mann–Whitney U test (Wilcoxon rank-sum) of two independent samples: does one tend to be larger than the other?
/// A rank test, so it needs no model of the noise — the reason airspeed velocity's <c>asv compare</c> uses it for
/// benchmark timings, whose noise is skewed, heavy-tailed and now and then bimodal.
/// </summary>
/// <remarks>
/// U counts the pairs (a, b) with a &gt; b, ties counting ½. Without ties and with at most
/// <see cref="ExactLimit"/> values in all, the p-value is exact: the null distribution of U is counted by the
/// recurrence of Mann &amp; Whitney (1947), N(m, n, u) = N(m − 1, n, u − n) + N(m, n − 1, u). Otherwise it is the normal
/// approximation with the tie correction of the variance and a continuity correction of ½ (Lehmann, Nonparametrics §1.4).
/// </remarks>
public static class MannWhitney
{
    /// <summary>Largest m + n whose p-value is counted exactly (the count is O(m²n²), ≈ 10⁶ steps here).</summary>
    public const int ExactLimit = 60;

    /// <summary>The statistic, its z-score (0 for the exact path's symmetric centre) and the two-sided p-value.</summary>
    /// <param name="U">Pairs with a &gt; b (ties ½): 0 … m·n; m·n/2 when neither sample tends to be larger.</param>
    /// <param name="Exact">Whether <paramref name="P"/> was counted exactly or approximated.</param>
    public readonly record struct Result(double U, double Z, double P, bool Exact);

    /// <summary>Two-sided test of <paramref name="a"/> against <paramref name="b"/>; both need at least one value.</summary>
    public static Result Test(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int m = a.Length, n = b.Length;
        if (m == 0 || n == 0) throw new ArgumentException("both samples need at least one value");
        foreach (double x in a) if (double.IsNaN(x)) throw new ArgumentException("a sample holds NaN", nameof(a));
        foreach (double x in b) if (double.IsNaN(x)) throw new ArgumentException("a sample holds NaN", nameof(b));

        // Ranks of the pooled sample, ties given their average rank; T = Σ(t³ − t) over tie groups.
        var pooled = new (double Value, bool FromA)[m + n];
        for (int i = 0; i < m; i++) pooled[i] = (a[i], true);
        for (int j = 0; j < n; j++) pooled[m + j] = (b[j], false);
        Array.Sort(pooled, (x, y) => x.Value.CompareTo(y.Value));
        double rankSumA = 0, tieTerm = 0;
        for (int i = 0; i < pooled.Length;)
        {
            int j = i;
            while (j + 1 < pooled.Length && pooled[j + 1].Value == pooled[i].Value) j++;
            double rank = 0.5 * (i + j) + 1; // ranks i+1 … j+1, averaged
            for (int t = i; t <= j; t++) if (pooled[t].FromA) rankSumA += rank;
            double size = j - i + 1;
            tieTerm += size * size * size - size;
            i = j + 1;
        }
        double u = rankSumA - m * (m + 1) / 2.0;
        double mean = m * (double)n / 2;
        double total = m + n;
        double variance = m * (double)n / 12 * (total + 1 - tieTerm / (total * (total - 1)));

        if (tieTerm == 0 && m + n <= ExactLimit)
        {
            double p = ExactTwoSided(m, n, (long)Math.Round(u));
            return new Result(u, variance > 0 ? (u - mean) / Math.Sqrt(variance) : 0, p, Exact: true);
        }
        if (!(variance > 0)) return new Result(u, 0, 1, Exact: false); // every value equal: no evidence either way
        double z = (Math.Abs(u - mean) - 0.5) / Math.Sqrt(variance);
        double pNormal = Math.Min(1, 2 * NormalUpperTail(Math.Max(z, 0)));
        return new Result(u, Math.Sign(u - mean) * Math.Max(z, 0), pNormal, Exact: false);
    }

    /// <summary>P(|U − mn/2| ≥ |u − mn/2|) under the null for samples of m and n distinct values.</summary>
    internal static double ExactTwoSided(int m, int n, long u)
    {
        var counts = Distribution(m, n);
        long maxU = (long)m * n;
        long lower = Math.Min(u, maxU - u); // the distribution is symmetric about mn/2
        double tail = 0, all = 0;
        for (long k = 0; k <= maxU; k++)
        {
            all += counts[k];
            if (k <= lower) tail += counts[k];
        }
        return Math.Min(1, 2 * tail / all);
    }

    /// <summary>N(m, n, u) for u = 0 … m·n: how many of the C(m+n, m) orderings give U = u (as doubles: C(60, 30) ≈ 1.2·10¹⁷).</summary>
    internal static double[] Distribution(int m, int n)
    {
        // f[i][j] over u, built up from f(0, j) = f(i, 0) = [1]; row by row in i, keeping one row of j's.
        var row = new double[n + 1][];
        for (int j = 0; j <= n; j++) row[j] = [1];
        for (int i = 1; i <= m; i++)
        {
            var next = new double[n + 1][];
            next[0] = [1];
            for (int j = 1; j <= n; j++)
            {
                var f = new double[i * j + 1];
                // The largest of the i + j values is from the first sample (it beats all j others: u − j) or from the second.
                var fromA = row[j];        // f(i − 1, j)
                var fromB = next[j - 1];   // f(i, j − 1)
                for (int k = 0; k < fromA.Length; k++) f[k + j] += fromA[k];
                for (int k = 0; k < fromB.Length; k++) f[k] += fromB[k];
                next[j] = f;
            }
            row = next;
        }
        return row[n];
    }

    /// <summary>Q(z) = P(Z &gt; z) of the standard normal, from the complementary error function.</summary>
    internal static double NormalUpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>erfc(x), relative error below 1.2·10⁻⁷ (Numerical Recipes' Chebyshev fit, §6.2): ample for p-values.</summary>
    private static double Erfc(double x)
    {
        double t = 1 / (1 + 0.5 * Math.Abs(x));
        double y = t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                   + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : 2 - y;
    }
}
