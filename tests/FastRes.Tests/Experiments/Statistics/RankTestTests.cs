using FastRes.Experiments.Statistics;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Statistics;

/// <summary>
/// Mann–Whitney and Wilcoxon signed-rank against brute force (every ordering / every sign pattern enumerated), their
/// normal approximations against the exact counts, and their calibration under the null.
/// </summary>
public class RankTestTests
{
    [Test]
    public void The_exact_U_distribution_is_the_count_of_all_orderings()
    {
        for (int m = 1; m <= 6; m++)
            for (int n = 1; n <= 6; n++)
            {
                // Every way of choosing which m of the m + n ranked positions belong to the first sample.
                var brute = new double[m * n + 1];
                for (int mask = 0; mask < 1 << (m + n); mask++)
                {
                    if (System.Numerics.BitOperations.PopCount((uint)mask) != m) continue;
                    int u = 0, below = 0;
                    for (int pos = 0; pos < m + n; pos++)
                        if ((mask >> pos & 1) == 1) u += below; // a first-sample value beats every second-sample value below it
                        else below++;
                    brute[u]++;
                }
                Assert.That(MannWhitney.Distribution(m, n), Is.EqualTo(brute), $"m = {m}, n = {n}");
            }
    }

    [Test]
    public void Exact_p_values_equal_a_permutation_count()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 40; trial++)
        {
            int m = random.Next(2, 7), n = random.Next(2, 7);
            double[] a = [.. Enumerable.Range(0, m).Select(_ => random.NextDouble() + 0.3)];
            double[] b = [.. Enumerable.Range(0, n).Select(_ => random.NextDouble())];
            var result = MannWhitney.Test(a, b);
            Assert.That(result.Exact, Is.True);
            // Permutation p: the share of relabellings of the pooled values whose |U − mn/2| is at least the observed.
            double[] pooled = [.. a, .. b];
            double observed = Math.Abs(U(a, b) - m * n / 2.0), hits = 0, all = 0;
            for (int mask = 0; mask < 1 << (m + n); mask++)
            {
                if (System.Numerics.BitOperations.PopCount((uint)mask) != m) continue;
                var x = pooled.Where((_, i) => (mask >> i & 1) == 1).ToArray();
                var y = pooled.Where((_, i) => (mask >> i & 1) == 0).ToArray();
                all++;
                if (Math.Abs(U(x, y) - m * n / 2.0) >= observed - 1e-9) hits++;
            }
            Assert.That(result.P, Is.EqualTo(hits / all).Within(1e-12), $"trial {trial}");
            Assert.That(result.U, Is.EqualTo(U(a, b)));
        }
    }

    private static double U(double[] a, double[] b) => a.Sum(x => b.Sum(y => x > y ? 1.0 : x == y ? 0.5 : 0));

    [Test]
    public void The_normal_approximation_agrees_with_the_exact_count_where_both_apply()
    {
        var random = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            double shift = 0.1 * trial / 20;
            double[] a = [.. Enumerable.Range(0, 30).Select(_ => random.NextDouble() + shift)];
            double[] b = [.. Enumerable.Range(0, 30).Select(_ => random.NextDouble())];
            var exact = MannWhitney.Test(a, b);
            // The same samples with one tie added to each take the approximate path; the added pair barely moves p.
            double[] ta = [.. a, 0.5], tb = [.. b, 0.5];
            var approx = MannWhitney.Test(ta, tb);
            Assert.That(exact.Exact, Is.True);
            Assert.That(approx.Exact, Is.False);
            Assert.That(approx.P, Is.EqualTo(exact.P).Within(0.03 + 0.1 * exact.P), $"trial {trial}");
        }
    }

    [Test]
    public void Identical_values_give_no_evidence_and_bad_input_is_refused()
    {
        Assert.That(MannWhitney.Test([1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1]).P, Is.EqualTo(1));
        Assert.That(WilcoxonSignedRank.Test([0, 0, 0]).P, Is.EqualTo(1));
        Assert.Throws<ArgumentException>(() => MannWhitney.Test([], [1]));
        Assert.Throws<ArgumentException>(() => MannWhitney.Test([double.NaN], [1]));
        Assert.Throws<ArgumentException>(() => WilcoxonSignedRank.Test([1, double.NaN]));
    }

    [Test]
    public void Under_the_null_p_below_five_percent_is_at_most_five_percent_of_the_time()
    {
        // 2,000 pairs of same-distribution samples (skewed: timing noise is), sizes on both the exact and the
        // approximate path; the rejection rate must not exceed 5% beyond binomial noise (3σ ≈ 1.5%).
        var random = new Random(11);
        int rejectMw = 0, rejectW = 0;
        const int trials = 2000;
        for (int t = 0; t < trials; t++)
        {
            int m = t % 2 == 0 ? 10 : 40;
            double[] a = [.. Enumerable.Range(0, m).Select(_ => Math.Exp(0.2 * Normal(random)))];
            double[] b = [.. Enumerable.Range(0, m).Select(_ => Math.Exp(0.2 * Normal(random)))];
            if (MannWhitney.Test(a, b).P < 0.05) rejectMw++;
            if (WilcoxonSignedRank.Test([.. a.Zip(b, (x, y) => Math.Log(y / x))]).P < 0.05) rejectW++;
        }
        Assert.That(rejectMw / (double)trials, Is.LessThan(0.065).And.GreaterThan(0.02), "Mann–Whitney");
        Assert.That(rejectW / (double)trials, Is.LessThan(0.065).And.GreaterThan(0.02), "signed rank");
    }

    [Test]
    public void The_exact_signed_rank_distribution_is_the_count_of_all_sign_patterns()
    {
        for (int n = 1; n <= 12; n++)
        {
            var brute = new double[n * (n + 1) / 2 + 1];
            for (int mask = 0; mask < 1 << n; mask++)
            {
                int w = 0;
                for (int r = 1; r <= n; r++) if ((mask >> (r - 1) & 1) == 1) w += r;
                brute[w]++;
            }
            Assert.That(WilcoxonSignedRank.Distribution(n), Is.EqualTo(brute), $"n = {n}");
        }
    }

    [Test]
    public void Signed_rank_p_values_equal_a_sign_flip_count_and_zeros_are_dropped()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 30; trial++)
        {
            int n = random.Next(3, 13);
            double[] d = [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.35)];
            var result = WilcoxonSignedRank.Test([.. d, 0, 0]);
            Assert.That(result.N, Is.EqualTo(n), "zeros dropped");
            Assert.That(result.Exact, Is.True);
            double Wplus(double[] x) => x.Select((v, i) => (v, rank: x.Count(y => Math.Abs(y) < Math.Abs(v)) + 1)).Where(t => t.v > 0).Sum(t => t.rank);
            double mean = n * (n + 1) / 4.0, observed = Math.Abs(Wplus(d) - mean), hits = 0;
            for (int mask = 0; mask < 1 << n; mask++)
            {
                var flipped = d.Select((v, i) => (mask >> i & 1) == 1 ? -v : v).ToArray();
                if (Math.Abs(Wplus(flipped) - mean) >= observed - 1e-9) hits++;
            }
            Assert.That(result.P, Is.EqualTo(hits / (1 << n)).Within(1e-12), $"trial {trial}");
            Assert.That(result.W, Is.EqualTo(Wplus(d)));
        }
    }

    [Test]
    public void Robust_median_and_mad()
    {
        Assert.That(Robust.Median([3.0, 1, 2]), Is.EqualTo(2));
        Assert.That(Robust.Median([4.0, 1, 3, 2]), Is.EqualTo(2.5));
        Assert.That(double.IsNaN(Robust.Median(ReadOnlySpan<double>.Empty)), Is.True);
        // |x − 3| = 2, 1, 0, 1, 97: median 1, whatever the wild value.
        Assert.That(Robust.MedianAbsoluteDeviation([1.0, 2, 3, 4, 100]), Is.EqualTo(1));
    }

    public static double Normal(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
