using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Experiments.Profiling;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Profiling;

public class KernelProfilerTests
{
    private static BenchResult Mc(string variant, double rate, int k = 16)
        => new(KernelProfiler.MonteCarloKernel, variant, KernelProfiler.MonteCarloSize(8, k), 0.5, rate, KernelProfiler.MonteCarloUnit);

    private static List<BenchResult> Run(double scalar, double v512, double floatV512) =>
    [
        Mc("scalar/double/1t", scalar),
        Mc("Vector512/double/1t", v512),
        Mc("Vector512/float/1t", floatV512),
    ];

    [Test]
    public void Ratios_pair_vector_with_scalar_and_float_with_double_within_one_run()
    {
        var ratios = KernelProfiler.Ratios(Run(10e6, 80e6, 150e6)).ToDictionary(r => r.Name, r => r.Value);
        Assert.That(ratios, Has.Count.EqualTo(2));
        Assert.That(ratios["mc p=8,k=16 1t double: Vector512/scalar"], Is.EqualTo(8.0).Within(1e-12));
        Assert.That(ratios["mc p=8,k=16 1t Vector512: float/double"], Is.EqualTo(1.875).Within(1e-12));
    }

    [Test]
    public void Ratios_never_pair_different_sizes_or_thread_counts()
    {
        var results = new List<BenchResult> { Mc("scalar/double/1t", 1, k: 8), Mc("Vector512/double/1t", 8, k: 16), Mc("Vector512/double/2t", 8, k: 8) };
        Assert.That(KernelProfiler.Ratios(results), Is.Empty);
    }

    [Test]
    public void Equal_ratios_pass_even_when_every_absolute_rate_halved()
    {
        var baseline = Run(10e6, 80e6, 150e6);
        var slowerMachine = Run(5e6, 40e6, 75e6);
        var lines = KernelProfiler.CompareWithBaseline(slowerMachine, baseline, 0.4, out bool regressed);
        Assert.That(regressed, Is.False);
        Assert.That(lines, Has.Count.EqualTo(2));
        Assert.That(lines, Has.All.StartsWith("ok"));
    }

    [Test]
    public void A_vector_path_losing_half_its_speedup_is_a_regression()
    {
        var baseline = Run(10e6, 80e6, 150e6);
        var current = Run(10e6, 40e6, 75e6); // Vector512/scalar 4 < 8 × 0.6; float/double unchanged
        var lines = KernelProfiler.CompareWithBaseline(current, baseline, 0.4, out bool regressed);
        Assert.That(regressed, Is.True);
        Assert.That(lines.Single(l => l.Contains("Vector512/scalar")), Does.StartWith("REGRESSED"));
        Assert.That(lines.Single(l => l.Contains("float/double")), Does.StartWith("ok"));
    }

    [Test]
    public void The_floor_is_baseline_times_one_minus_tolerance()
    {
        var baseline = Run(10e6, 80e6, 160e6);
        KernelProfiler.CompareWithBaseline(Run(10e6, 48.1e6, 96.2e6), baseline, 0.4, out bool above);
        KernelProfiler.CompareWithBaseline(Run(10e6, 47.9e6, 95.8e6), baseline, 0.4, out bool below);
        Assert.That(above, Is.False);
        Assert.That(below, Is.True);
    }

    [Test]
    public void Ratios_missing_on_one_side_are_reported_but_never_regress()
    {
        // A baseline from an AVX-512 machine compared on one without it: the Vector512 ratio is skipped.
        var baseline = Run(10e6, 80e6, 150e6);
        var current = new List<BenchResult> { Mc("scalar/double/1t", 10e6), Mc("Vector256/double/1t", 40e6) };
        var lines = KernelProfiler.CompareWithBaseline(current, baseline, 0.4, out bool regressed);
        Assert.That(regressed, Is.False);
        Assert.That(lines.Count(l => l.StartsWith("skip")), Is.EqualTo(2));
        Assert.That(lines.Count(l => l.StartsWith("new")), Is.EqualTo(1));
    }

    [Test]
    public void CompareWithBaseline_reads_the_bench_json_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fastres-baseline-{Guid.NewGuid():N}.json");
        try
        {
            new BenchReport(KernelProfiler.Machine(), Run(10e6, 80e6, 150e6)).WriteAtomically(path);
            KernelProfiler.CompareWithBaseline(Run(10e6, 30e6, 60e6), path, KernelProfiler.DefaultTolerance, out bool regressed);
            Assert.That(regressed, Is.True);
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Resnet_flop_count_is_the_documented_15p_plus_9k_plus_17()
    {
        Assert.That(KernelProfiler.FlopsPerTrialIteration(ShortcutCnnMethod.Resnet, 8, 16), Is.EqualTo(281));
        Assert.That(KernelProfiler.FlopsPerTrialIteration(ShortcutCnnMethod.ResnetSsw, 8, 16), Is.EqualTo(281));
        Assert.That(KernelProfiler.FlopsPerTrialIteration(ShortcutCnnMethod.Cnn, 8, 16), Is.EqualTo(257));
        Assert.That(KernelProfiler.FlopsPerTrialIteration(ShortcutCnnMethod.Resnet, 4, 2), Is.EqualTo(95));
    }

    [Test]
    public void Fraction_of_peak_divides_useful_flops_by_the_matching_peak()
    {
        var peaks = new List<BenchResult>
        {
            new(KernelProfiler.PeakKernel, "Vector512/double/1t", "chains=12", 0.3, 56.2, KernelProfiler.PeakUnit),
            new(KernelProfiler.PeakKernel, "Vector512/float/1t", "chains=12", 0.3, 112.4, KernelProfiler.PeakUnit),
        };
        // 100 M trial-iterations/s × 281 flops = 28.1 GFLOP/s = half the double peak, a quarter of float's.
        Assert.That(KernelProfiler.FractionOfPeak(Mc("Vector512/double/1t", 100e6), peaks), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(KernelProfiler.FractionOfPeak(Mc("scalar/float/1t", 100e6), peaks), Is.EqualTo(0.25).Within(1e-12));
        Assert.That(KernelProfiler.FractionOfPeak(Mc("Vector512/double/2t", 100e6), peaks), Is.Null, "no 2-thread peak measured");
    }

    [Test]
    public void MonteCarlo_sizes_runs_and_sums_trial_iterations_per_path_and_precision()
    {
        var seen = new List<ShortcutCnnConfig>();
        // A fake runner at 1 µs per trial-iteration: the profiler must size trials up and report that rate.
        ShortcutCnnResult Fake(ShortcutCnnConfig c)
        {
            seen.Add(c);
            long ti = c.Trials * c.IterationsFor(c.K[0]);
            var row = new ShortcutCnnRow { P = c.P, K = c.K[0], CapDeg = c.CapDeg, Method = "resnet", Trials = c.Trials, Success = c.Trials,
                Spurious = 0, Undecided = 0, Diverged = 0, TrialIterations = ti, Seconds = ti * 1e-6 };
            return new ShortcutCnnResult(c, [row], ti * 1e-6);
        }
        var results = KernelProfiler.MonteCarlo([4, 16], 1, 0.5, Fake);
        int widths = KernelProfiler.MonteCarloWidths().Count;
        Assert.That(results, Has.Count.EqualTo(2 * 2 * widths));
        foreach (var r in results)
        {
            Assert.That(r.Rate, Is.EqualTo(1e6).Within(1e-3));
            Assert.That(r.Unit, Is.EqualTo("trial-iterations/s"));
        }
        Assert.That(results.Select(r => r.Size).Distinct(), Is.EqualTo(new[] { "p=8,k=4", "p=8,k=16" }));
        foreach (var c in seen)
        {
            Assert.That(c.P, Is.EqualTo(8));
            Assert.That(c.Methods, Is.EqualTo(new[] { ShortcutCnnMethod.Resnet }));
            Assert.That(c.Threads, Is.EqualTo(1));
        }
        Assert.That(results.Max(r => r.Seconds), Is.LessThan(0.5 * 1.2), "measured run sized to about the target");
        Assert.That(results.Min(r => r.Seconds), Is.GreaterThan(0.5 * 0.8));
        Assert.That(results.Select(r => r.Variant), Does.Contain("scalar/float/1t"));
    }

    [Test]
    public void Machine_reports_cores_and_the_width_in_use()
    {
        var m = KernelProfiler.Machine();
        Assert.That(m.Cores, Is.EqualTo(Environment.ProcessorCount));
        Assert.That(m.VectorWidth, Is.EqualTo(SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto))));
        Assert.That(m.Cpu, Is.Not.Empty);
    }

    [TestCase("Vector512/double/2t", SimdWidth.V512, Precision.Double, 2)]
    [TestCase("scalar/float/1t", SimdWidth.Scalar, Precision.Float, 1)]
    public void Variant_names_round_trip(string text, SimdWidth width, Precision precision, int threads)
    {
        Assert.That(BenchVariant.TryParse(text, out var v), Is.True);
        Assert.That(v, Is.EqualTo(new BenchVariant(width, precision, threads)));
        Assert.That(v.ToString(), Is.EqualTo(text));
    }

    [TestCase("Vector512/double")]
    [TestCase("Vector1024/double/1t")]
    [TestCase("scalar/half/1t")]
    [TestCase("scalar/double/0t")]
    public void Malformed_variants_do_not_parse(string text) => Assert.That(BenchVariant.TryParse(text, out _), Is.False);
}
