using FastRes.Cli.Commands;
using FastRes.Experiments.Profiling;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>`bench sampled`: options reach the profiler, FastRes and torch figures sit in one table with their ratios.</summary>
public class BenchSampledTests
{
    private static readonly MachineInfo FakeMachine = new("Test CPU", 2, "AVX2 FMA", "Vector256", ".NET test", "TestOS");

    private static IReadOnlyList<BenchResult> FakePeak(int threads) =>
    [
        new("peak", "Vector256/double/1t", "chains=12", 0.3, 48.0, "GFLOP/s"),
        new("peak", $"Vector256/double/{threads}t", "chains=12", 0.3, 96.0, "GFLOP/s"),
        new("peak", $"Vector256/float/{threads}t", "chains=12", 0.3, 192.0, "GFLOP/s"),
    ];

    private static BenchResult Row(SampledRequest q, int n, string variant, double rate)
        => new(KernelProfiler.SampledKernel, variant, KernelProfiler.SampledSize(q.P, q.K, n, q.Trials), 0.1, rate, KernelProfiler.SampledUnit);

    /// <summary>Scalar 2.5 M/s, Vector256 four times that; torch 0.1 M/s (autograd) and 0.2 M/s (manual) on 1 thread, half on N.</summary>
    private static BenchCommand.Profiler Fake(List<(SampledRequest, int)> seen) =>
        new(FakePeak, (_, _) => [], (_, _) => [], () => FakeMachine)
        {
            Sampled = (q, t) => { seen.Add((q, t)); return q.Samples.SelectMany(n => new[] { Row(q, n, $"scalar/double/{t}t", 2.5e6), Row(q, n, $"Vector256/double/{t}t", 10e6) }).ToList(); },
            SampledPeer = (q, t) => q.Samples.SelectMany(n => new[]
            {
                Row(q, n, $"torch-1.13-autograd/double/{t}t", 0.05e6), Row(q, n, $"torch-1.13-manual/double/{t}t", 0.1e6),
                Row(q, n, "torch-1.13-autograd/double/1t", 0.1e6), Row(q, n, "torch-1.13-manual/double/1t", 0.2e6),
                // The step's normals alone: 0.04 s of the manual step's 0.1 s.
                new(TorchSampledPeer.NormalsKernel, "torch-1.13-manual/double/1t", KernelProfiler.SampledSize(q.P, q.K, n, q.Trials), 0.04, 1e9, TorchSampledPeer.NormalsUnit),
            }).ToList(),
        };

    private static (int Code, string Out, string Err) Run(BenchCommand.Profiler profiler, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "sampled", .. args], output, error, profiler);
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void Options_reach_the_profiler_and_defaults_are_the_spec_target()
    {
        var seen = new List<(SampledRequest, int)>();
        Assert.That(Run(Fake(seen), "--p", "4", "--k", "6", "--samples", "8,32", "--trials", "12", "--iterations", "9", "--threads", "2").Code, Is.EqualTo(0));
        Assert.That(Run(Fake(seen), "--threads", "1").Code, Is.EqualTo(0));
        var (given, t) = seen[0];
        Assert.That((given.P, given.K, given.Trials, given.Iterations, t), Is.EqualTo((4, 6, 12, (int?)9, 2)));
        Assert.That(given.Samples, Is.EqualTo(new[] { 8, 32 }));
        var (defaults, _) = seen[1];
        Assert.That((defaults.P, defaults.K, defaults.Trials, defaults.Iterations), Is.EqualTo((8, 16, 64, (int?)null)));
        Assert.That(defaults.Samples, Is.EqualTo(new[] { 64, 1024 }));
    }

    [Test]
    public void The_table_has_the_simd_ratio_the_fraction_of_peak_and_the_speed_up_over_each_torch_variant()
    {
        string json = Path.Combine(Path.GetTempPath(), $"fastres-bench-s-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, error) = Run(Fake([]), "--samples", "64", "--threads", "2", "--peer", "--json", json);
            Assert.That(code, Is.EqualTo(0), error);
            // Vector256 on 2 threads: 10 M/s × 6·16·8 flops = 7.68 GFLOP/s = 8.0 % of the 96 GFLOP/s 2-thread peak.
            string TableRow(string variant) => output.Split('\n').Single(l => l.TrimStart().StartsWith("64 ", StringComparison.Ordinal) && l.Contains(variant));
            string v256 = TableRow("Vector256/double/2t");
            Assert.That(v256, Does.Contain("10.00 M").And.Contain("7.68").And.Contain("8.0 %").And.Contain("4.00×"));
            // torch manual on 1 thread: 0.2 M/s × 768 = 0.15 GFLOP/s of the 48 GFLOP/s 1-thread peak.
            Assert.That(TableRow("torch-1.13-manual/double/1t"), Does.Contain("0.3 %"));
            Assert.That(output, Does.Contain("n = 64: FastRes Vector256/double/2t ÷ torch autograd (1t): 100.0×"));
            Assert.That(output, Does.Contain("n = 64: FastRes Vector256/double/2t ÷ torch manual (1t): 50.0×"));
            Assert.That(output, Does.Contain("768 flops per sample-trial-iteration"));
            Assert.That(output, Does.Contain("torch-1.13-manual/double/1t, n = 64: normals alone 0.0400 s of the 0.1000 s step (40 %)"));
            var report = BenchReport.Parse(File.ReadAllText(json));
            Assert.That(report.Results.Count(r => r.Kernel == KernelProfiler.SampledKernel), Is.EqualTo(6));
            Assert.That(report.Results.Count(r => r.Kernel == TorchSampledPeer.NormalsKernel), Is.EqualTo(1));
            Assert.That(report.Results.Count(r => r.Kernel == KernelProfiler.PeakKernel), Is.EqualTo(2), "the double peaks it is quoted against");
            // The SIMD ratio is one the smoke check can compare (same kernel, size and threads).
            Assert.That(KernelProfiler.Ratios(report.Results).Select(r => r.Name),
                Is.EquivalentTo(new[] { "sampled p=8,k=16,n=64,trials=64 2t double: Vector256/scalar" }));
        }
        finally { File.Delete(json); }
    }

    [Test]
    public void Without_peer_no_torch_row_or_speed_up_line()
    {
        var (code, output, _) = Run(Fake([]), "--samples", "64");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Not.Contain("torch"));
    }

    [TestCase("--samples", "0")]
    [TestCase("--samples", "8,,16")]
    [TestCase("--trials", "x")]
    [TestCase("--p", "0")]
    [TestCase("--k", "2,3")]
    [TestCase("--iterations", "-1")]
    [TestCase("--threads", "0")]
    public void Bad_input_is_one_line_naming_the_option_with_exit_2(string option, string value)
    {
        var (code, output, error) = Run(Fake([]), option, value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Contain(option));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void On_the_real_engine_at_a_tiny_size_every_path_reports_a_positive_rate()
    {
        string json = Path.Combine(Path.GetTempPath(), $"fastres-bench-s-{Guid.NewGuid():N}.json");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = BenchCommand.Invoke(["bench", "sampled", "--p", "4", "--k", "2", "--samples", "8", "--trials", "9", "--iterations", "3",
                "--threads", "1", "--json", json], output, error);
            Assert.That(code, Is.EqualTo(0), error.ToString());
            var rows = BenchReport.Parse(File.ReadAllText(json)).Results.Where(r => r.Kernel == KernelProfiler.SampledKernel).ToList();
            Assert.That(rows.Select(r => r.Variant), Is.EqualTo(KernelProfiler.SampledWidths().Select(w => new BenchVariant(w, FastRes.Experiments.Precision.Double, 1).ToString())));
            Assert.That(rows.Select(r => r.Rate), Is.All.GreaterThan(0));
            Assert.That(rows.Select(r => r.Size), Is.All.EqualTo("p=4,k=2,n=8,trials=9"));
        }
        finally { File.Delete(json); }
    }
}
