namespace FastRes.Experiments.Statistics;

/// <summary>
/// Wilson score interval for a binomial proportion (Wilson 1927): unlike the Wald interval it stays inside
/// [0, 1] and keeps its coverage for rates near 0 or 1, which success rates often are.
/// </summary>
public static class Wilson
{
    /// <summary>z for a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    public static (double Lo, double Hi) Interval95(long successes, long trials) => Interval(successes, trials, Z95);

    public static (double Lo, double Hi) Interval(long successes, long trials, double z)
    {
        if (trials <= 0) return (double.NaN, double.NaN);
        double n = trials;
        double phat = successes / n;
        double z2 = z * z;
        double denom = 1 + z2 / n;
        double centre = (phat + z2 / (2 * n)) / denom;
        double half = z * Math.Sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
