using FastRes.Experiments.Profiling;
using NUnit.Framework;
using static FastRes.Tests.Experiments.Statistics.RankTestTests;

namespace FastRes.Tests.Experiments.Profiling;

/// <summary>
/// The compare verdicts on synthetic samples (issue 14 item 2): shifts beyond the threshold detected, no shift never
/// flagged, noisy, heavy-tailed and bimodal samples handled, and the paired design against a drifting machine.
/// </summary>
public class BenchComparisonTests
{
    private static BenchResult Result(IEnumerable<double> samples, string variant = "Vector512/double/1t")
    {
        double[] s = [.. samples];
        return new BenchResult("mc", variant, "p=8,k=16", 0.1, FastRes.Experiments.Statistics.Robust.Median(s), "trial-iterations/s") { Samples = s };
    }

    /// <summary>n rates around <paramref name="level"/> with lognormal noise of relative size <paramref name="noise"/>.</summary>
    private static IEnumerable<double> Rates(Random random, int n, double level, double noise)
        => Enumerable.Range(0, n).Select(_ => level * Math.Exp(noise * Normal(random)));

    // The verdict needs the test and the ratio, not the interval: fewer resamples keep the many-seed loops quick.
    private static readonly BenchCompareOptions Quick = new(Resamples: 200);

    private static CompareVerdict Verdict(IEnumerable<double> a, IEnumerable<double> b, bool paired = false)
        => BenchComparison.Compare([Result(a)], [Result(b)], Quick, paired: paired).Kernels.Single().Verdict;

    [Test]
    public void A_ten_percent_slowdown_is_flagged_and_no_shift_never_is()
    {
        int caught = 0, falseAlarms = 0;
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            if (Verdict(Rates(random, 30, 100, 0.03), Rates(random, 30, 90, 0.03)) == CompareVerdict.Slower) caught++;
            if (Verdict(Rates(random, 30, 100, 0.03), Rates(random, 30, 100, 0.03)) != CompareVerdict.Same) falseAlarms++;
        }
        Assert.That(caught, Is.EqualTo(300), "10% at 3% noise, 30 samples a side");
        Assert.That(falseAlarms, Is.Zero);
    }

    [Test]
    public void A_faster_build_is_faster_not_a_regression_and_changes_within_the_threshold_are_same()
    {
        var random = new Random(1);
        var faster = BenchComparison.Compare([Result(Rates(random, 30, 100, 0.02))], [Result(Rates(random, 30, 115, 0.02))]);
        Assert.That(faster.Kernels[0].Verdict, Is.EqualTo(CompareVerdict.Faster));
        Assert.That(faster.Regressed, Is.False);
        // 2% slower with little noise: significant, but within the 5% threshold.
        var small = BenchComparison.Compare([Result(Rates(random, 60, 100, 0.005))], [Result(Rates(random, 60, 98, 0.005))]).Kernels[0];
        Assert.That(small.P, Is.LessThan(1e-6));
        Assert.That(small.Verdict, Is.EqualTo(CompareVerdict.Same));
        Assert.That(small.Reason, Does.Contain("within the 5% threshold"));
        // …and flagged once the threshold is tighter than the change.
        var tight = BenchComparison.Compare([Result(Rates(new Random(2), 60, 100, 0.005))], [Result(Rates(new Random(3), 60, 98, 0.005))],
            new BenchCompareOptions(Threshold: 0.01)).Kernels[0];
        Assert.That(tight.Verdict, Is.EqualTo(CompareVerdict.Slower));
    }

    [Test]
    public void Noisy_samples_are_not_flagged_and_say_they_are_noisy()
    {
        int flagged = 0, noisy = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var k = BenchComparison.Compare([Result(Rates(random, 10, 100, 0.25))], [Result(Rates(random, 10, 100, 0.25))], Quick).Kernels[0];
            if (k.Verdict != CompareVerdict.Same) flagged++;
            if (k.Noisy) noisy++;
        }
        Assert.That(flagged, Is.Zero);
        Assert.That(noisy, Is.GreaterThan(190), "25% noise in 10 samples cannot resolve 5%");
    }

    [Test]
    public void A_few_descheduled_repetitions_are_not_a_regression()
    {
        // B's samples are A's distribution, but a fifth of them were descheduled and ran at half speed: the means
        // differ by 10%, the medians by ~1%.
        int flagged = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var b = Rates(random, 30, 100, 0.02).Select((x, i) => i % 5 == 0 ? x / 2 : x);
            if (Verdict(Rates(random, 30, 100, 0.02), b) == CompareVerdict.Slower) flagged++;
        }
        Assert.That(flagged, Is.Zero);
    }

    [Test]
    public void Bimodal_samples_are_compared_by_their_medians()
    {
        // Both builds bimodal (a third of the repetitions on a slow core, 0.7×): same mixture never flagged, the
        // mixture 10% slower always.
        IEnumerable<double> Mixture(Random random, double level)
            => Enumerable.Range(0, 30).Select(i => (i % 3 == 0 ? 0.7 : 1.0) * level * Math.Exp(0.01 * Normal(random)));
        int same = 0, caught = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            if (Verdict(Mixture(random, 100), Mixture(random, 100)) != CompareVerdict.Same) same++;
            if (Verdict(Mixture(random, 100), Mixture(random, 90)) == CompareVerdict.Slower) caught++;
        }
        Assert.That(same, Is.Zero);
        Assert.That(caught, Is.EqualTo(200));
    }

    [Test]
    public void Pairs_cancel_a_drifting_machine_that_hides_the_change_from_the_unpaired_test()
    {
        // Each pair meets the machine in its own state (load factor 0.5–1.1, as in a busy CI run); B is 10% slower.
        int paired = 0, unpaired = 0, pairedFalse = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var load = Enumerable.Range(0, 30).Select(_ => 0.5 + 0.6 * random.NextDouble()).ToArray();
            double[] a = [.. load.Select(f => 100 * f * Math.Exp(0.02 * Normal(random)))];
            double[] b = [.. load.Select(f => 90 * f * Math.Exp(0.02 * Normal(random)))];
            double[] same = [.. load.Select(f => 100 * f * Math.Exp(0.02 * Normal(random)))];
            if (Verdict(a, b, paired: true) == CompareVerdict.Slower) paired++;
            if (Verdict(a, b, paired: false) == CompareVerdict.Slower) unpaired++;
            if (Verdict(a, same, paired: true) != CompareVerdict.Same) pairedFalse++;
        }
        Assert.That(paired, Is.EqualTo(200));
        Assert.That(pairedFalse, Is.Zero);
        Assert.That(unpaired, Is.LessThan(100), "without the pairing the drift drowns the change");
    }

    [Test]
    public void The_interval_covers_the_true_ratio_about_as_often_as_it_says()
    {
        int covered = 0, coveredPaired = 0;
        const int trials = 150;
        for (int seed = 0; seed < trials; seed++)
        {
            var random = new Random(seed);
            var k = BenchComparison.Compare([Result(Rates(random, 40, 100, 0.05))], [Result(Rates(random, 40, 92, 0.05))]).Kernels[0];
            if (k.CiLow <= 0.92 && 0.92 <= k.CiHigh) covered++;
            var p = BenchComparison.Compare([Result(Rates(random, 40, 100, 0.05))], [Result(Rates(random, 40, 92, 0.05))], paired: true).Kernels[0];
            if (p.CiLow <= 0.92 && 0.92 <= p.CiHigh) coveredPaired++;
        }
        // Nominal 95%; the percentile bootstrap of a median undercovers a little at n = 40.
        Assert.That(covered / (double)trials, Is.GreaterThan(0.87));
        Assert.That(coveredPaired / (double)trials, Is.GreaterThan(0.87));
    }

    [Test]
    public void Too_few_samples_is_said_and_never_a_regression()
    {
        var c = BenchComparison.Compare([Result([100, 101, 99])], [Result([50, 51, 49])]);
        Assert.That(c.Kernels[0].Verdict, Is.EqualTo(CompareVerdict.TooFewSamples));
        Assert.That(c.Kernels[0].Reason, Does.Contain("3 and 3 samples"));
        Assert.That(c.Regressed, Is.False);
    }

    [Test]
    public void Figures_are_matched_by_kernel_variant_size_and_unit_and_the_rest_listed()
    {
        var random = new Random(4);
        var a = new[] { Result(Rates(random, 10, 1, 0.01)), Result(Rates(random, 10, 1, 0.01), "Vector256/double/1t") };
        var b = new[] { Result(Rates(random, 10, 1, 0.01)), Result(Rates(random, 10, 1, 0.01), "scalar/double/1t") };
        var c = BenchComparison.Compare(a, b);
        Assert.That(c.Kernels.Select(k => k.Variant), Is.EqualTo(new[] { "Vector512/double/1t" }));
        Assert.That(c.OnlyInA, Is.EqualTo(new[] { "mc Vector256/double/1t p=8,k=16 [trial-iterations/s]" }));
        Assert.That(c.OnlyInB, Is.EqualTo(new[] { "mc scalar/double/1t p=8,k=16 [trial-iterations/s]" }));
        Assert.That(c.Table().Last(), Does.StartWith("1 compared: 0 slower"));
    }

    [Test]
    public void The_same_samples_always_give_the_same_report()
    {
        var random = new Random(9);
        var a = new[] { Result(Rates(random, 20, 100, 0.05)) };
        var b = new[] { Result(Rates(random, 20, 95, 0.05)) };
        Assert.That(BenchComparison.Compare(a, b).ToJson(), Is.EqualTo(BenchComparison.Compare(a, b).ToJson()));
        Assert.That(string.Join("\n", BenchComparison.Compare(a, b, paired: true).Table()), Is.EqualTo(string.Join("\n", BenchComparison.Compare(a, b, paired: true).Table())));
    }

    [Test]
    public void Options_are_validated()
    {
        Assert.That(new BenchCompareOptions(Threshold: 1).Validate().Single(), Does.StartWith("threshold must be"));
        Assert.That(new BenchCompareOptions(Alpha: 0).Validate().Single(), Does.StartWith("alpha must be"));
        Assert.That(new BenchCompareOptions(MinSamples: 1).Validate().Single(), Does.StartWith("min-samples must be"));
        Assert.Throws<ArgumentException>(() => BenchComparison.Compare([], [], new BenchCompareOptions(Resamples: 10)));
    }
}
