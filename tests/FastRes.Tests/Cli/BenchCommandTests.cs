using System.Text.Json;
using FastRes.Cli.Commands;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

public class BenchCommandTests
{
    private static readonly MachineInfo FakeMachine = new("Test CPU", 2, "AVX2 FMA", "Vector256", ".NET test", "TestOS");

    private static IReadOnlyList<BenchResult> FakePeak(int threads) =>
    [
        new("peak", $"Vector256/double/{threads}t", "chains=12", 0.3, 28.1, "GFLOP/s"),
        new("peak", $"Vector256/float/{threads}t", "chains=12", 0.3, 56.2, "GFLOP/s"),
    ];

    /// <summary>Fake Monte Carlo with a chosen Vector256/scalar speedup; float is 1.8× double.</summary>
    private static Func<IReadOnlyList<int>, int, IReadOnlyList<BenchResult>> FakeMc(double speedup) => (sizes, threads) =>
        sizes.SelectMany(k => new BenchResult[]
        {
            new("mc", $"scalar/double/{threads}t", $"p=8,k={k}", 0.5, 10e6, "trial-iterations/s"),
            new("mc", $"Vector256/double/{threads}t", $"p=8,k={k}", 0.5, 10e6 * speedup, "trial-iterations/s"),
            new("mc", $"scalar/float/{threads}t", $"p=8,k={k}", 0.5, 18e6, "trial-iterations/s"),
            new("mc", $"Vector256/float/{threads}t", $"p=8,k={k}", 0.5, 18e6 * speedup, "trial-iterations/s"),
        }).ToList();

    private static BenchCommand.Profiler Fake(double speedup = 4)
        => new(FakePeak, FakeMc(speedup), FakeMc(speedup), () => FakeMachine);

    private static (int Code, string Out, string Err) Run(BenchCommand.Profiler profiler, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", .. args], output, error, profiler);
        return (code, output.ToString(), error.ToString());
    }

    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"fastres-bench-{Guid.NewGuid():N}"));
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Mc_json_has_the_spec_shape_and_holds_the_peak_it_is_quoted_against()
    {
        string json = Path.Combine(_dir, "sub", "mc.json");
        var (code, output, error) = Run(Fake(), "mc", "--sizes", "8,16", "--threads", "2", "--json", json);
        Assert.That(code, Is.EqualTo(0), error);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "machine", "results" }));
        var machine = root.GetProperty("machine");
        Assert.That(machine.GetProperty("cpu").GetString(), Is.EqualTo("Test CPU"));
        Assert.That(machine.GetProperty("cores").GetInt32(), Is.EqualTo(2));
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.That(results, Has.Count.EqualTo(2 + 2 * 4));
        foreach (var r in results)
        {
            Assert.That(r.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "kernel", "variant", "size", "seconds", "rate", "unit", "samples" }));
            Assert.That(r.GetProperty("rate").ValueKind, Is.EqualTo(JsonValueKind.Number));
            // Without --repeat every result is its one measurement.
            Assert.That(r.GetProperty("samples").EnumerateArray().Select(x => x.GetDouble()), Is.EqualTo(new[] { r.GetProperty("rate").GetDouble() }));
        }
        Assert.That(results.Count(r => r.GetProperty("kernel").GetString() == "peak"), Is.EqualTo(2));
        Assert.That(results.Where(r => r.GetProperty("kernel").GetString() == "mc").Select(r => r.GetProperty("unit").GetString()).Distinct(),
            Is.EqualTo(new[] { "trial-iterations/s" }));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "sub")), Has.Length.EqualTo(1), "no temp file left behind");

        // The table: 40 M trial-iterations/s × 281 flops / 28.1 GFLOP/s = 40 % of peak.
        Assert.That(output, Does.Contain("Vector256/double/2t").And.Contain("40.0 %"));
    }

    [Test]
    public void Repeat_keeps_every_repetition_as_samples_and_reports_their_median()
    {
        // A fake whose rates change with every call: 1st, 2nd, 3rd … repetition give 10, 30, 20 × the base rate.
        int call = 0;
        double[] factors = [1, 3, 2];
        IReadOnlyList<BenchResult> Peak(int threads)
        {
            double f = factors[call++ % factors.Length];
            return [.. FakePeak(threads).Select(r => r with { Rate = r.Rate * f, Seconds = r.Seconds * f })];
        }
        string json = Path.Combine(_dir, "peak.json");
        var profiler = new BenchCommand.Profiler(Peak, FakeMc(4), FakeMc(4), () => FakeMachine);
        var (code, _, error) = Run(profiler, "peak", "--threads", "1", "--repeat", "3", "--json", json);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(call, Is.EqualTo(3));
        var report = BenchReport.Parse(File.ReadAllText(json));
        var d = report.Results.Single(r => r.Variant == "Vector256/double/1t");
        Assert.That(d.Samples, Is.EqualTo(new[] { 28.1, 3 * 28.1, 2 * 28.1 }).Within(1e-12), "in the order measured");
        Assert.That(d.Rate, Is.EqualTo(2 * 28.1).Within(1e-12), "the median");
        Assert.That(d.Seconds, Is.EqualTo(0.6).Within(1e-12), "the median of the seconds");

        foreach (string bad in new[] { "0", "-1", "x", "10001" })
        {
            var (c, _, e) = Run(profiler, "peak", "--repeat", bad);
            Assert.That(c, Is.EqualTo(2));
            Assert.That(e.Trim(), Does.StartWith("error: --repeat: must be an integer between 1 and 10000").And.Not.Contain("\n"));
        }
    }

    [Test]
    public void A_report_without_samples_or_host_still_parses_and_bad_samples_are_named()
    {
        const string old = """{"machine": {"cpu": "c", "cores": 2}, "results": [{"kernel": "mc", "variant": "v", "size": "s", "seconds": 1, "rate": 5, "unit": "u"}]}""";
        var report = BenchReport.Parse(old);
        Assert.That(report.Results[0].RateSamples, Is.EqualTo(new[] { 5.0 }));
        Assert.That(report.Machine.Host, Is.EqualTo(""));
        Assert.That(report.Machine.Identity, Is.Null);
        foreach (string samples in new[] { "[]", "[1, \"x\"]", "3" })
        {
            string bad = old.Replace("\"unit\": \"u\"", $"\"unit\": \"u\", \"samples\": {samples}");
            var e = Assert.Throws<InvalidDataException>(() => BenchReport.Parse(bad))!;
            Assert.That(e.Message, Is.EqualTo("results[0].samples must be a non-empty array of finite numbers"));
        }
    }

    [Test]
    public void The_machine_block_names_the_host_and_the_cpu_identity_and_round_trips()
    {
        var machine = FakeMachine with { Host = "node17", Identity = new CpuIdentity("AMD", 26, 2, 1, "Zen 5", 24L << 30) };
        var back = BenchReport.Parse(new BenchReport(machine, [new("mc", "v", "s", 1, 2, "u") { Samples = [1, 2, 3] }]).ToJson());
        Assert.That(back.Machine.Host, Is.EqualTo("node17"));
        Assert.That(back.Machine.Identity, Is.EqualTo(machine.Identity));
        Assert.That(back.Results[0].Samples, Is.EqualTo(new[] { 1.0, 2, 3 }));
    }

    [Test]
    public void The_json_round_trips_through_the_baseline_reader()
    {
        string json = Path.Combine(_dir, "peak.json");
        Assert.That(Run(Fake(), "peak", "--threads", "1", "--json", json).Code, Is.EqualTo(0));
        var report = BenchReport.Parse(File.ReadAllText(json));
        Assert.That(report.Machine, Is.EqualTo(FakeMachine));
        Assert.That(report.Results, Is.EqualTo(FakePeak(1)));
    }

    [Test]
    public void Smoke_exits_0_on_equal_ratios_and_1_on_a_regression()
    {
        string baseline = Path.Combine(_dir, "baseline.json");
        var (written, writeOut, _) = Run(Fake(4), "smoke", "--write-baseline", baseline);
        Assert.That(written, Is.EqualTo(0));
        Assert.That(writeOut, Does.Contain("Vector256/scalar: 4.00"));

        var (same, sameOut, _) = Run(Fake(4), "smoke", "--baseline", baseline);
        Assert.That(same, Is.EqualTo(0), sameOut);
        Assert.That(sameOut.Split('\n').Count(l => l.StartsWith("ok")), Is.EqualTo(4));

        var (worse, worseOut, _) = Run(Fake(2), "smoke", "--baseline", baseline); // 2 < 4 × 0.6
        Assert.That(worse, Is.EqualTo(1), worseOut);
        Assert.That(worseOut.Split('\n').Count(l => l.StartsWith("REGRESSED")), Is.EqualTo(2));

        Assert.That(Run(Fake(2), "smoke", "--baseline", baseline, "--tolerance", "0.6").Code, Is.EqualTo(0), "2 ≥ 4 × 0.4");
    }

    [TestCase("mc --sizes 8,x", "--sizes")]
    [TestCase("mc --sizes 0", "--sizes")]
    [TestCase("peak --threads 0", "--threads")]
    [TestCase("mc --threads two", "--threads")]
    [TestCase("smoke", "--baseline")]
    [TestCase("smoke --baseline /nonexistent/baseline.json", "--baseline")]
    [TestCase("smoke --write-baseline b.json --tolerance 1.5", "--tolerance")]
    [TestCase("peak --bogus", "--bogus")]
    public void Bad_input_is_one_line_on_stderr_naming_the_option_with_exit_2(string args, string option)
    {
        var (code, output, error) = Run(Fake(), args.Split(' '));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), error);
        Assert.That(error, Does.Contain(option));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void A_malformed_baseline_is_bad_input()
    {
        string baseline = Path.Combine(_dir, "baseline.json");
        File.WriteAllText(baseline, "{\"results\": [{\"kernel\": \"mc\"}]}");
        var (code, _, error) = Run(Fake(), "smoke", "--baseline", baseline);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--baseline").And.Contain("variant"));
    }

    [Test]
    public void A_failing_measurement_exits_3_never_1_so_CI_cannot_read_it_as_a_regression()
    {
        string baseline = Path.Combine(_dir, "baseline.json");
        Assert.That(Run(Fake(), "smoke", "--write-baseline", baseline).Code, Is.EqualTo(0));
        var broken = Fake() with { SmokeMonteCarlo = (_, _) => throw new NotImplementedException("no kernel") };
        var (code, _, error) = Run(broken, "smoke", "--baseline", baseline);
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error, Does.Contain("no kernel"));
    }
}

/// <summary>`bench hessian` and `bench eig` on the real kernels at tiny sizes: they run, and report what they measured.</summary>
public class BenchHessianAndEigTests
{
    [Test]
    public void Bench_hessian_reports_both_variants_with_positive_rates()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string json = Path.Combine(Path.GetTempPath(), $"fastres-bench-h-{Guid.NewGuid():N}.json");
        try
        {
            int code = BenchCommand.Invoke(["bench", "hessian", "--samples", "64", "--threads", "1", "--json", json], output, error);
            Assert.That(code, Is.EqualTo(0), error.ToString());
            var report = FastRes.Experiments.Profiling.BenchReport.Parse(File.ReadAllText(json));
            Assert.That(report.Results.Select(r => r.Variant), Is.EquivalentTo(new[] { "linear/double/1t", "tanh-mid/double/1t" }));
            Assert.That(report.Results.Select(r => r.Rate), Is.All.GreaterThan(0));
        }
        finally { File.Delete(json); }
    }

    [Test]
    public void Bench_eig_measures_fastres_and_says_whether_lapack_ran()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "eig", "--sizes", "40", "--threads", "1"], output, error);
        Assert.That(code, Is.EqualTo(0), error.ToString());
        string text = output.ToString();
        Assert.That(text, Does.Contain("eig"));
        Assert.That(text.Contains("LAPACK-dsyevd"), Is.EqualTo(FastRes.Kernels.Spectrum.LapackEigen.IsAvailable));
    }

    [Test]
    public void Bench_hessian_rejects_a_non_numeric_sample_count()
    {
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "hessian", "--samples", "many"], new StringWriter(), error);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
    }
}

/// <summary>`bench train`: the real epoch kernels at a tiny size, the flop count behind its fraction of peak, the torch pairing.</summary>
public class BenchTrainTests
{
    [Test]
    public void Bench_train_reports_every_path_with_positive_rates_and_a_fraction_of_peak()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string json = Path.Combine(Path.GetTempPath(), $"fastres-bench-t-{Guid.NewGuid():N}.json");
        try
        {
            int code = BenchCommand.Invoke(["bench", "train", "--samples", "256", "--depth", "4", "--threads", "1", "--json", json], output, error);
            Assert.That(code, Is.EqualTo(0), error.ToString());
            var train = BenchReport.Parse(File.ReadAllText(json)).Results.Where(r => r.Kernel == KernelProfiler.TrainKernel).ToList();
            Assert.That(train.Select(r => r.Size), Is.EquivalentTo(new[]
            {
                "linear,sample,D=4,d=10,m=256", "linear,moment,D=4,d=10,m=256", "relu-mid,sample,D=4,d=10,m=256", "tanh-mid,sample,D=4,d=10,m=256",
            }));
            Assert.That(train.Select(r => r.Rate), Is.All.GreaterThan(0));
            Assert.That(output.ToString(), Does.Contain(" %"), "per-sample rows are quoted against the measured peak");
        }
        finally { File.Delete(json); }
    }

    [Test]
    public void The_epoch_flop_count_is_six_d_squared_per_layer_and_sample_and_the_moment_path_has_none()
    {
        Assert.That(KernelProfiler.TrainFlops("relu-mid,sample,D=16,d=10,m=10000"), Is.EqualTo(6.0 * 100 * 16 * 10_000));
        Assert.That(KernelProfiler.TrainFlops("linear,moment,D=16,d=10,m=10000"), Is.Null);
        var peak = new BenchResult("peak", "Vector512/double/1t", "chains=12", 0.3, 96.0, "GFLOP/s");
        var row = new BenchResult(KernelProfiler.TrainKernel, "Vector512/double/1t", "relu-mid,sample,D=16,d=10,m=10000", 0.002, 500, KernelProfiler.TrainUnit);
        Assert.That(KernelProfiler.FractionOfPeak(row, [peak]), Is.EqualTo(500 * 96e6 / 96e9).Within(1e-12));
    }

    [Test]
    public void Speed_ups_set_the_fastest_of_each_side_per_net()
    {
        BenchResult Row(string variant, string size, double seconds) => new(KernelProfiler.TrainKernel, variant, size, seconds, 1 / seconds, KernelProfiler.TrainUnit);
        var rows = new[]
        {
            Row("Vector512/double/2t", "relu-mid,sample,D=16,d=10,m=10000", 0.01),
            Row("Vector512/double/1t", "relu-mid,sample,D=16,d=10,m=10000", 0.02),
            Row("Vector512/double/1t", "linear,moment,D=16,d=10,m=10000", 0.0005),
            Row("torch-1.13/double/2t", "relu-mid,sample,D=16,d=10,m=10000", 0.25),
            Row("torch-1.13/double/1t", "relu-mid,sample,D=16,d=10,m=10000", 0.2),
            Row("torch-1.13/double/2t", "linear,sample,D=16,d=10,m=10000", 0.2),
        };
        Assert.That(TorchTrainingPeer.SpeedUps(rows), Is.EqualTo(new[]
        {
            "speed-up relu-mid (per-sample, 2t) over torch (1t): 20.0×",
            "speed-up linear (Σ path, 1t) over torch (2t): 400.0×",
        }));
    }

    [TestCase("--depth", "1")]
    [TestCase("--depth", "2000")]
    [TestCase("--samples", "0")]
    public void Bench_train_refuses_a_bad_size_in_one_line(string option, string value)
    {
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "train", option, value], new StringWriter(), error);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain(option));
    }
}
