using System.Collections.Concurrent;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Profiling;

/// <summary>`bench sampled`'s profiler: its flop count and fraction of peak, the trials its feed hands out, the work it reports.</summary>
public class SampledProfilerTests
{
    [Test]
    public void A_sample_trial_iteration_is_three_kp_fmas()
    {
        Assert.That(KernelProfiler.SampledFlopsPerSampleTrial(8, 16), Is.EqualTo(768));
        Assert.That(KernelProfiler.SampledFlopsPerSampleTrial(3, 5), Is.EqualTo(90));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelProfiler.SampledFlopsPerSampleTrial(0, 4));
    }

    [Test]
    public void The_size_round_trips_and_nothing_else_parses()
    {
        string size = KernelProfiler.SampledSize(8, 16, 1024, 64);
        Assert.That(size, Is.EqualTo("p=8,k=16,n=1024,trials=64"));
        Assert.That(KernelProfiler.TryParseSampledSize(size, out int p, out int k, out int n, out int trials), Is.True);
        Assert.That((p, k, n, trials), Is.EqualTo((8, 16, 1024, 64)));
        foreach (string bad in new[] { "p=8,k=16", "p=8,k=16,n=0,trials=64", "k=16,p=8,n=4,trials=64", "p=8,k=16,n=4,trials=x" })
            Assert.That(KernelProfiler.TryParseSampledSize(bad, out _, out _, out _, out _), Is.False, bad);
    }

    [Test]
    public void Fraction_of_peak_is_6kp_flops_per_sample_trial_iteration_over_the_peak_of_the_same_threads()
    {
        var peaks = new List<BenchResult>
        {
            new(KernelProfiler.PeakKernel, "Vector512/double/1t", "chains=12", 0.3, 96.0, KernelProfiler.PeakUnit),
            new(KernelProfiler.PeakKernel, "Vector256/double/1t", "chains=12", 0.3, 48.0, KernelProfiler.PeakUnit),
            new(KernelProfiler.PeakKernel, "Vector512/double/2t", "chains=12", 0.3, 192.0, KernelProfiler.PeakUnit),
            new(KernelProfiler.PeakKernel, "Vector512/float/2t", "chains=12", 0.3, 384.0, KernelProfiler.PeakUnit),
        };
        BenchResult Row(string variant, double rate) => new(KernelProfiler.SampledKernel, variant, KernelProfiler.SampledSize(8, 16, 64, 64), 0.1, rate, KernelProfiler.SampledUnit);
        // 25 M sample-trial-iterations/s × 768 flops = 19.2 GFLOP/s: a fifth of one thread's best (widest) double peak.
        Assert.That(KernelProfiler.SampledFractionOfPeak(Row("scalar/double/1t", 25e6), peaks), Is.EqualTo(0.2).Within(1e-12));
        Assert.That(KernelProfiler.SampledFractionOfPeak(Row("Vector512/double/2t", 25e6), peaks), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(KernelProfiler.SampledFractionOfPeak(Row("torch-1.13.0-manual/double/1t", 25e6), peaks), Is.EqualTo(0.2).Within(1e-12), "torch rows: the same flops");
        Assert.That(KernelProfiler.SampledFractionOfPeak(Row("Vector512/double/4t", 25e6), peaks), Is.Null, "no 4-thread peak");
    }

    /// <summary>A stand-in engine: drains its feed, records every trial it was handed, and does no arithmetic.</summary>
    private sealed class RecordingEngine
    {
        public ConcurrentBag<(long Tag, ulong SampleTrial, double[] U0, double[] VStar, double[] AStar, double[] A0, double EtaW1, double EtaA1, int Warmup)> Trials { get; } = [];
        public ConcurrentBag<(SimdWidth Width, ShortcutCnnSampledSettings Settings)> Calls { get; } = [];
        public int Shortfall { get; init; }

        public long Run(SimdWidth width, ShortcutCnnSampledSettings settings, IShortcutCnnSampledFeed feed)
        {
            Calls.Add((width, settings));
            int p = settings.Gd.P, k = settings.Gd.K;
            long work = 0;
            while (true)
            {
                double[] u0 = new double[p], vStar = new double[p], aStar = new double[k], a0 = new double[k];
                if (!feed.TryNext(out long tag, u0, vStar, aStar, a0, out double etaW1, out double etaA1, out int warmup)) break;
                Trials.Add((tag, feed.SampleTrial(tag), u0, vStar, aStar, a0, etaW1, etaA1, warmup));
                int done = settings.Gd.Iterations - (tag == 0 ? Shortfall : 0);
                feed.Complete(tag, TrialOutcome.Undecided, done);
                work += done;
            }
            return work;
        }
    }

    [Test]
    public void Every_trial_is_run_once_across_threads_with_the_shortcut_cnn_teacher_and_resnet_without_warmup()
    {
        var engine = new RecordingEngine();
        var request = new SampledRequest(P: 5, K: 3, Samples: [16, 32], Trials: 11, Iterations: 7, Seed: 42);
        var results = KernelProfiler.Sampled(request, 2, engine.Run);

        var widths = KernelProfiler.SampledWidths();
        Assert.That(results.Select(r => r.Variant), Is.EqualTo(new[] { 16, 32 }.SelectMany(_ => widths.Select(w => new BenchVariant(w, Precision.Double, 2).ToString()))));
        foreach (var r in results)
        {
            Assert.That(r.Kernel, Is.EqualTo(KernelProfiler.SampledKernel));
            KernelProfiler.TryParseSampledSize(r.Size, out _, out _, out int n, out _);
            Assert.That(r.Rate * r.Seconds, Is.EqualTo(11.0 * 7 * n).Within(1e-9).Percent, "rate = samples × trials × iterations / seconds");
        }

        // Per (n, width): 1 untimed + 3 timed runs, each on 2 workers; every run hands out trials 0..10 exactly once.
        int runs = 2 * widths.Count * (1 + KernelProfiler.SampledRepeats);
        Assert.That(engine.Calls, Has.Count.EqualTo(2 * runs));
        Assert.That(engine.Trials.GroupBy(t => t.Tag).Select(g => (g.Key, g.Count())).OrderBy(x => x.Key),
            Is.EqualTo(Enumerable.Range(0, 11).Select(i => ((long)i, runs))));
        double eta = new ShortcutCnnConfig().ResolveSteps(3).Eta;
        foreach (var (width, settings) in engine.Calls)
        {
            Assert.That(settings.Mode, Is.EqualTo(ShortcutCnnSampleMode.Fresh));
            Assert.That(settings.Seed, Is.EqualTo(42UL));
            Assert.That(settings.Gd.RetireLoss, Is.EqualTo(0), "no trial may retire: the work is trials × iterations");
            Assert.That(settings.Gd.Eta, Is.EqualTo(eta));
            Assert.That((settings.Gd.P, settings.Gd.K), Is.EqualTo((5, 3)));
            Assert.That(settings.Samples, Is.AnyOf(16, 32));
            Assert.That(settings.Gd.Iterations, Is.AnyOf(1, 7), "1 for the untimed JIT run, else the requested T");
        }

        var cap = new SphericalCap(5, 60 * Math.PI / 180);
        double[] vStar = new double[5], aStar = new double[3], a0 = new double[3], w0 = new double[5];
        foreach (var t in engine.Trials.DistinctBy(t => t.Tag))
        {
            ShortcutCnnTrialSetup.Sample(42, t.Tag, cap, vStar, aStar, a0, w0);
            Assert.That(t.VStar, Is.EqualTo(vStar), "shortcut-cnn's teacher of the same trial index");
            Assert.That(t.AStar, Is.EqualTo(aStar));
            Assert.That(t.A0, Is.EqualTo(a0));
            Assert.That(t.U0, Is.All.EqualTo(1 / Math.Sqrt(5)), "resnet starts at w = 0: u0 = e");
            Assert.That((t.EtaW1, t.EtaA1, t.Warmup), Is.EqualTo((eta, eta, 0)), "no Stage I");
            Assert.That(t.SampleTrial, Is.EqualTo((ulong)t.Tag));
        }
    }

    [Test]
    public void A_run_that_does_less_than_trials_times_iterations_is_an_error_not_a_rate()
    {
        var engine = new RecordingEngine { Shortfall = 3 };
        var e = Assert.Throws<InvalidOperationException>(() => KernelProfiler.Sampled(new SampledRequest(4, 2, [8], 4, Iterations: 5), 1, engine.Run));
        Assert.That(e!.Message, Does.Contain("trials × iterations"));
    }

    [Test]
    public void Without_iterations_each_figure_is_sized_and_its_timed_runs_share_one_iteration_count()
    {
        var engine = new RecordingEngine();
        long Slow(SimdWidth w, ShortcutCnnSampledSettings s, IShortcutCnnSampledFeed f)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(0.2 * s.Gd.Iterations)); // 0.2 ms per iteration, whatever the trials
            return engine.Run(w, s, f);
        }
        var results = KernelProfiler.Sampled(new SampledRequest(4, 2, [8], 3), 1, Slow);
        foreach (var r in results)
        {
            var timed = engine.Calls.Where(c => c.Width == BenchVariantWidth(r.Variant)).Select(c => c.Settings.Gd.Iterations).ToList();
            // The last three calls of a width are its timed runs: the same T, which the row's work reflects.
            double t = r.Rate * r.Seconds / (3.0 * 8);
            Assert.That(t, Is.EqualTo(Math.Round(t)).Within(1e-6));
            Assert.That(timed.Count(x => x == (int)Math.Round(t)), Is.GreaterThanOrEqualTo(KernelProfiler.SampledRepeats));
            Assert.That(t, Is.GreaterThan(4), "sized up from a single iteration");
        }
    }

    private static SimdWidth BenchVariantWidth(string variant)
    {
        Assert.That(BenchVariant.TryParse(variant, out var v), Is.True);
        return v.Width;
    }

    [Test]
    public void The_real_engine_does_exactly_trials_times_iterations_at_every_width()
    {
        // Tiny and fixed: the engine's own work count must match, or Sampled throws (no trial retires at RetireLoss = 0).
        var results = KernelProfiler.Sampled(new SampledRequest(4, 2, [8, 3], 9, Iterations: 5), 2);
        Assert.That(results, Has.Count.EqualTo(2 * KernelProfiler.SampledWidths().Count));
        Assert.That(results.Select(r => r.Rate), Is.All.GreaterThan(0));
    }
}
