using FastRes.Cli.Commands;
using FastRes.Experiments;
using FastRes.Experiments.Profiling;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>`fastres bench eig --slq`: its options reach the profiler, its table and JSON carry every estimator and error.</summary>
public class BenchSlqTests
{
    private static readonly MachineInfo FakeMachine = new("Test CPU", 2, "AVX2 FMA", "Vector256", ".NET test", "TestOS");

    /// <summary>A comparison with a known exact spectrum and a known quadrature (diagonal-free: just the two stats records).</summary>
    private static SlqComparison Comparison(int steps, int probes)
    {
        var exact = SpectrumStats.From([-1.0, 0.5, 1, 2, 4, 4, 4, 4, 4, 4, 8]); // |λ|(0.1) = s[1] = 1, κ = 8, index 1/11
        var estimate = new SpectralQuadrature(11, [-1, 0.5, 2, 7.2], [0.05, 0.04, 0.5, 0.41], [4]).Stats();
        return new SlqComparison("test matrix", 11, steps, probes, exact, estimate, 0.5, 0.4, 0.25, 0.2);
    }

    private static (int Code, string Out, string Err, SlqRequest? Request, int Threads) Run(params string[] args)
    {
        SlqRequest? seen = null;
        int seenThreads = 0;
        var profiler = new BenchCommand.Profiler(_ => [], (_, _) => [], (_, _) => [], () => FakeMachine)
        {
            Slq = (SlqRequest request, int threads, out string source, CancellationToken _) =>
            {
                seen = request;
                seenThreads = threads;
                source = "fake data";
                return request.Steps.SelectMany(m => request.Probes.Select(p => Comparison(m, p))).ToList();
            },
        };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "eig", .. args], output, error, profiler);
        return (code, output.ToString(), error.ToString(), seen, seenThreads);
    }

    [Test]
    public void Options_reach_the_profiler_and_every_setting_gets_a_row()
    {
        var (code, output, error, request, threads) = Run("--slq", "--steps", "30,90", "--probes", "1,16", "--seed", "5",
            "--data", "some/dir", "--epochs", "7", "--threads", "1");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(request!.Steps, Is.EqualTo(new[] { 30, 90 }));
        Assert.That(request.Probes, Is.EqualTo(new[] { 1, 16 }));
        Assert.That((request.Seed, request.Data, request.TrainEpochs, threads), Is.EqualTo((5UL, "some/dir", 7, 1)));
        Assert.That(output, Does.Contain("fake data"));
        // |λ|max 8 → 7.2 (−10%), |λ|(0.1) 1 → 2 (cumulative weight first reaches 2/11 at |θ| = 2), index 1/11 → 0.05.
        Assert.That(output, Does.Contain("8 → 7.2 (−10.0%)"));
        Assert.That(output, Does.Contain("1 → 2 (+100.0%)"));
        Assert.That(output.Split('\n').Count(l => l.StartsWith("test matrix", StringComparison.Ordinal)), Is.EqualTo(4));
    }

    [Test]
    public void Defaults_are_PyHessians_settings()
    {
        var (code, _, error, request, _) = Run("--slq");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(request!.Steps, Is.EqualTo(new[] { StochasticLanczos.DefaultSteps }));
        Assert.That(request.Probes, Is.EqualTo(new[] { StochasticLanczos.DefaultProbes }));
        Assert.That(request.Data, Is.Null);
    }

    [Test]
    public void Json_holds_the_times_and_each_estimator_exact_estimated_and_its_error()
    {
        string json = Path.Combine(Path.GetTempPath(), $"fastres-slq-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, error, _, _) = Run("--slq", "--threads", "2", "--json", json);
            Assert.That(code, Is.EqualTo(0), error);
            var report = BenchReport.Parse(File.ReadAllText(json));
            var rows = report.Results;
            Assert.That(rows.Single(r => r.Kernel == "slq" && r.Variant == "exact/double/2t").Seconds, Is.EqualTo(0.5));
            Assert.That(rows.Single(r => r.Kernel == "slq" && r.Variant == "slq m=90 probes=4/double/2t").Seconds, Is.EqualTo(0.25));
            var kappa = rows.Where(r => r.Kernel == "slq-kappa").ToList();
            Assert.That(kappa.Select(r => r.Rate), Is.EqualTo(new[] { 8, 7.2 / 2, (7.2 / 2 - 8) / 8 }).Within(1e-12));
            var index = rows.Where(r => r.Kernel == "slq-index").ToList();
            Assert.That(index[2].Unit, Is.EqualTo("absolute error"));
            Assert.That(index[2].Rate, Is.EqualTo(0.05 - 1.0 / 11).Within(1e-15));
        }
        finally { File.Delete(json); }
    }

    [TestCase("--steps", "0")]
    [TestCase("--probes", "x")]
    [TestCase("--seed", "-1")]
    [TestCase("--epochs", "1,2")]
    [TestCase("--data", " ")]
    public void Bad_settings_are_bad_input(string option, string value)
    {
        var (code, _, error, request, _) = Run("--slq", option, value);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(option));
        Assert.That(request, Is.Null);
    }
}
