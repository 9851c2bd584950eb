namespace FastRes.Experiments.Statistics;

/// <summary>
/// The Wilcoxon signed-rank test of paired differences: is their distribution centred away from zero? The paired
/// counterpart of <see cref="MannWhitney"/>, for measurements taken in adjacent pairs (build A, then build B, a fraction
/// of a second apart), where a slow stretch of the machine hits both members of a pair and cancels in their difference.
/// </summary>
/// <remarks>
/// W⁺ is the sum of the ranks of |dᵢ| over the positive dᵢ (zeros dropped, Wilcoxon's convention; tied |dᵢ| get their
/// average rank). With no ties among the |dᵢ| and at most <see cref="ExactLimit"/> nonzero differences the two-sided
/// p-value is exact, from the count of subsets of {1 … n} with each rank sum; otherwise the normal approximation with
/// the tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³ − t)/48 and a continuity correction of ½.
/// </remarks>
public static class WilcoxonSignedRank
{
    /// <summary>Largest number of nonzero differences whose p-value is counted exactly (2ⁿ orderings, counted in O(n³)).</summary>
    public const int ExactLimit = 200;

    /// <param name="W">W⁺: 0 … n(n+1)/2, n(n+1)/4 when the differences are centred on zero.</param>
    /// <param name="N">Nonzero differences the test used.</param>
    public readonly record struct Result(double W, int N, double Z, double P, bool Exact);

    /// <summary>Two-sided test of the differences <paramref name="d"/> (e.g. log(bᵢ/aᵢ)).</summary>
    public static Result Test(ReadOnlySpan<double> d)
    {
        var nonzero = new List<double>(d.Length);
        foreach (double x in d)
        {
            if (double.IsNaN(x)) throw new ArgumentException("a difference is NaN", nameof(d));
            if (x != 0) nonzero.Add(x);
        }
        int n = nonzero.Count;
        if (n == 0) return new Result(0, 0, 0, 1, Exact: true);
        var order = nonzero.OrderBy(Math.Abs).ToArray();
        double wPlus = 0, tieTerm = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && Math.Abs(order[j + 1]) == Math.Abs(order[i])) j++;
            double rank = 0.5 * (i + j) + 1;
            for (int t = i; t <= j; t++) if (order[t] > 0) wPlus += rank;
            double size = j - i + 1;
            tieTerm += size * size * size - size;
            i = j + 1;
        }
        double mean = n * (n + 1) / 4.0;
        double variance = n * (n + 1) * (2.0 * n + 1) / 24 - tieTerm / 48;
        if (tieTerm == 0 && n <= ExactLimit)
        {
            var counts = Distribution(n);
            long max = (long)n * (n + 1) / 2, w = (long)Math.Round(wPlus), lower = Math.Min(w, max - w);
            double tail = 0, all = 0;
            for (long k = 0; k <= max; k++) { all += counts[k]; if (k <= lower) tail += counts[k]; }
            return new Result(wPlus, n, (wPlus - mean) / Math.Sqrt(variance), Math.Min(1, 2 * tail / all), Exact: true);
        }
        if (!(variance > 0)) return new Result(wPlus, n, 0, 1, Exact: false);
        double z = Math.Max(Math.Abs(wPlus - mean) - 0.5, 0) / Math.Sqrt(variance);
        return new Result(wPlus, n, Math.Sign(wPlus - mean) * z, Math.Min(1, 2 * MannWhitney.NormalUpperTail(z)), Exact: false);
    }

    /// <summary>How many of the 2ⁿ sign patterns give W⁺ = w, for w = 0 … n(n+1)/2 (subset sums of 1 … n).</summary>
    internal static double[] Distribution(int n)
    {
        var counts = new double[n * (n + 1) / 2 + 1];
        counts[0] = 1;
        int reach = 0;
        for (int r = 1; r <= n; r++)
        {
            reach += r;
            for (int w = reach; w >= r; w--) counts[w] += counts[w - r];
        }
        return counts;
    }
}
