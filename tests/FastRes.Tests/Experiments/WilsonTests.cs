using FastRes.Experiments;
using FastRes.Experiments.Statistics;
using NUnit.Framework;

namespace FastRes.Tests.Experiments;

public class WilsonTests
{
    // Reference values from the closed form (Wilson 1927) evaluated independently, e.g. Agresti & Coull (1998):
    // 8 successes of 10 → [0.4902, 0.9433]; 0 of 20 → [0, 0.1611].
    [TestCase(8, 10, 0.4902, 0.9433)]
    [TestCase(0, 20, 0.0, 0.1611)]
    [TestCase(50, 100, 0.4038, 0.5962)]
    public void Interval95_matches_published_values(long s, long n, double lo, double hi)
    {
        var (l, h) = Wilson.Interval95(s, n);
        Assert.That(l, Is.EqualTo(lo).Within(1e-4));
        Assert.That(h, Is.EqualTo(hi).Within(1e-4));
    }

    [Test]
    public void Interval_covers_the_true_rate_about_95_percent_of_the_time()
    {
        // Coverage check by exact binomial enumeration (no sampling): p = 0.3, n = 200.
        const int n = 200; const double p = 0.3;
        double coverage = 0, logPmf;
        for (int s = 0; s <= n; s++)
        {
            logPmf = LogChoose(n, s) + s * Math.Log(p) + (n - s) * Math.Log(1 - p);
            var (lo, hi) = Wilson.Interval95(s, n);
            if (lo <= p && p <= hi) coverage += Math.Exp(logPmf);
        }
        Assert.That(coverage, Is.InRange(0.93, 0.97));
    }

    private static double LogChoose(int n, int k)
    {
        double r = 0;
        for (int i = 1; i <= k; i++) r += Math.Log(n - k + i) - Math.Log(i);
        return r;
    }
}
