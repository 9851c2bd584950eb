using System.Text.Json;
using FastRes.Cli.Commands;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Profiling;
using NUnit.Framework;
using static FastRes.Tests.Experiments.Statistics.RankTestTests;

namespace FastRes.Tests.Cli;

/// <summary>`fastres bench compare` and `bench probe`: saved files, two (fake) builds interleaved, the serve protocol, exit codes.</summary>
public class BenchCompareTests
{
    private static readonly MachineInfo FakeMachine = new("Test CPU", 2, "AVX2 FMA", "Vector256", ".NET test", "TestOS");

    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"fastres-compare-{Guid.NewGuid():N}"));
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    /// <summary>A fake build: every figure's rate is level × factor × lognormal noise; calls are logged as "name:id".</summary>
    private sealed class FakeBuild(string name, double factor, List<string> log, int seed, string[]? ids = null) : IProbeSampler
    {
        private readonly Random _random = new(seed);

        public IReadOnlyList<ProbeFigure> Figures { get; } =
            [.. (ids ?? ["mc-double-512", "eig"]).Select(id => new ProbeFigure(id, id.StartsWith("mc", StringComparison.Ordinal) ? "mc" : "eig", "Vector512/double/1t", "n=800", "per CPU-second"))];

        public (double Rate, double Seconds) Sample(string id)
        {
            log.Add($"{name}:{id}");
            double rate = 100 * (id == "eig" ? 1 : factor) * Math.Exp(0.02 * Normal(_random));
            return (rate, 0.1);
        }

        public void Dispose() => log.Add($"{name}:quit");
    }

    private static BenchCommand.Profiler Profiler(double factorB, List<string> log) => new(_ => [], (_, _) => [], (_, _) => [], () => FakeMachine)
    {
        StartBuild = (dll, kernels, seconds, clock) =>
        {
            string name = Path.GetFileNameWithoutExtension(dll);
            log.Add($"start {name}");
            return new FakeBuild(name, name == "b" ? factorB : 1, log, log.Count);
        },
    };

    private (int Code, string Out, string Err) Run(BenchCommand.Profiler profiler, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", .. args], output, error, profiler);
        return (code, output.ToString(), error.ToString());
    }

    private (string A, string B) Dlls()
    {
        string a = Path.Combine(_dir, "a.dll"), b = Path.Combine(_dir, "b.dll");
        File.WriteAllText(a, "");
        File.WriteAllText(b, "");
        return (a, b);
    }

    [Test]
    public void Two_builds_are_measured_sample_by_sample_in_alternating_order_and_a_slowdown_fails()
    {
        var log = new List<string>();
        var (a, b) = Dlls();
        string json = Path.Combine(_dir, "out", "compare.json");
        var (code, output, error) = Run(Profiler(0.9, log), "compare", "--builds", a, b, "--kernels", "mc-double-512,eig", "--rounds", "2", "--pairs", "8",
            "--save", Path.Combine(_dir, "saved"), "--json", json);
        Assert.That(code, Is.EqualTo(1), output + error);
        Assert.That(output, Does.Contain("bench compare: REGRESSION"));
        Assert.That(error, Does.Contain("compare: round 2/2"));

        // Round 1 starts A then B, round 2 B then A; within a round the pairs alternate A,B then B,A, kernel by kernel.
        Assert.That(log.Where(l => l.StartsWith("start", StringComparison.Ordinal)), Is.EqualTo(new[] { "start a", "start b", "start b", "start a" }));
        var round1 = log.SkipWhile(l => l != "start b").Skip(1).TakeWhile(l => !l.EndsWith("quit", StringComparison.Ordinal)).ToList();
        Assert.That(round1.Take(8), Is.EqualTo(new[] { "a:mc-double-512", "b:mc-double-512", "a:eig", "b:eig", "b:mc-double-512", "a:mc-double-512", "b:eig", "a:eig" }));
        Assert.That(log.Count(l => l == "a:quit"), Is.EqualTo(2), "every probe process is stopped");

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var kernels = doc.RootElement.GetProperty("kernels").EnumerateArray().ToList();
        var mc = kernels.Single(k => k.GetProperty("kernel").GetString() == "mc");
        Assert.That(mc.GetProperty("verdict").GetString(), Is.EqualTo("slower"));
        Assert.That(mc.GetProperty("test").GetString(), Does.StartWith("wilcoxon"));
        Assert.That(mc.GetProperty("samples_a").GetInt32(), Is.EqualTo(16));
        Assert.That(mc.GetProperty("ratio").GetDouble(), Is.EqualTo(0.9).Within(0.02));
        Assert.That(kernels.Single(k => k.GetProperty("kernel").GetString() == "eig").GetProperty("verdict").GetString(), Is.EqualTo("same"));
        Assert.That(doc.RootElement.GetProperty("regressed").GetBoolean(), Is.True);

        // The saved measurements compare again as files (unpaired), to the same verdict.
        var again = Run(Profiler(1, []), "compare", Path.Combine(_dir, "saved", "a.json"), Path.Combine(_dir, "saved", "b.json"));
        Assert.That(again.Code, Is.EqualTo(1), again.Out + again.Err);
    }

    [Test]
    public void A_build_compared_with_itself_passes()
    {
        var (a, b) = Dlls();
        var (code, output, error) = Run(Profiler(1, []), "compare", "--builds", a, b, "--kernels", "mc-double-512,eig", "--rounds", "2", "--pairs", "10");
        Assert.That(code, Is.EqualTo(0), output + error);
        Assert.That(output, Does.Contain("2 compared: 0 slower, 0 faster, 2 same").And.Contain("bench compare: no regression"));
    }

    [Test]
    public void Saved_reports_compare_by_their_samples_and_a_faster_b_exits_zero()
    {
        string Report(string name, double level)
        {
            var random = new Random(name.Length);
            double[] samples = [.. Enumerable.Range(0, 20).Select(_ => level * Math.Exp(0.02 * Normal(random)))];
            string path = Path.Combine(_dir, name);
            new BenchReport(FakeMachine, [new BenchResult("mc", "Vector512/double/1t", "p=8,k=16", 0.1, samples.Order().ElementAt(10), "u") { Samples = samples }]).WriteAtomically(path);
            return path;
        }
        string a = Report("a.json", 100), slow = Report("slow.json", 85), fast = Report("faster.json", 120);
        var r = Run(Profiler(1, []), "compare", a, slow);
        Assert.That(r.Code, Is.EqualTo(1));
        Assert.That(r.Out, Does.Contain("slower").And.Contain("B/A"));
        Assert.That(Run(Profiler(1, []), "compare", a, fast).Code, Is.EqualTo(0));
        // A threshold wider than the change: not a regression.
        Assert.That(Run(Profiler(1, []), "compare", a, slow, "--threshold", "0.2").Code, Is.EqualTo(0));
    }

    [Test]
    public void Bad_input_is_one_line_and_exit_2()
    {
        var (a, b) = Dlls();
        string report = Path.Combine(_dir, "r.json");
        new BenchReport(FakeMachine, [new BenchResult("mc", "v", "s", 1, 2, "u")]).WriteAtomically(report);
        string other = Path.Combine(_dir, "other.json");
        new BenchReport(FakeMachine, [new BenchResult("eig", "v", "s", 1, 2, "u")]).WriteAtomically(other);
        string garbage = Path.Combine(_dir, "garbage.json");
        File.WriteAllText(garbage, "{");
        var cases = new (string[] Args, string Expected)[]
        {
            (["compare", report], "error: compare: give two bench JSONs"),
            (["compare", report, Path.Combine(_dir, "missing.json")], "error: compare: file not found"),
            (["compare", report, garbage], "error: compare: cannot read"),
            (["compare", report, other], "error: compare: A and B have no figure in common"),
            (["compare", report, report, "--threshold", "1.5"], "error: --threshold: must be a number in [0, 1)"),
            (["compare", report, report, "--alpha", "0"], "error: --alpha: must be a number in (0, 1)"),
            (["compare", report, report, "--builds", a, b], "error: --builds: measures two builds"),
            (["compare", "--builds", a, Path.Combine(_dir, "nope.dll")], "error: --builds: file not found"),
            (["compare", "--builds", a, b, "--kernels", "mc,eig"], "error: --kernels: must be a comma-separated list of"),
            (["compare", "--builds", a, b, "--pairs", "0"], "error: --pairs: must be an integer between 1 and 10000"),
            (["compare", "--builds", a, b, "--clock", "sundial"], "error: --clock: must be cpu or wall"),
            (["probe", "--seconds", "0"], "error: --seconds: must be a number of seconds"),
        };
        foreach (var (args, expected) in cases)
        {
            var (code, output, error) = Run(Profiler(1, []), args);
            Assert.That(code, Is.EqualTo(2), string.Join(' ', args) + ": " + output + error);
            Assert.That(error.Trim(), Does.StartWith(expected).And.Not.Contain("\n"), string.Join(' ', args));
        }
        var one = Run(Profiler(1, []), "compare", "--builds", a);
        Assert.That(one.Code, Is.EqualTo(2));
    }

    [Test]
    public void Probe_serve_speaks_one_json_line_per_request()
    {
        var log = new List<string>();
        var profiler = new BenchCommand.Profiler(_ => [], (_, _) => [], (_, _) => [], () => FakeMachine)
        {
            OpenProbe = (kernels, seconds, clock) => new FakeBuild("p", 1, log, 1, [.. kernels]),
            Input = () => new StringReader("eig\n\nmc-double-512\nquit\neig\n"),
        };
        var (code, output, error) = Run(profiler, "probe", "--serve", "--kernels", "eig,mc-double-512");
        Assert.That(code, Is.EqualTo(0), error);
        var lines = output.Trim().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(3), "ready, then one answer per request until quit");
        using (var ready = JsonDocument.Parse(lines[0]))
            Assert.That(ready.RootElement.GetProperty("ready").EnumerateArray().Select(f => f.GetProperty("id").GetString()), Is.EqualTo(new[] { "eig", "mc-double-512" }));
        using var answer = JsonDocument.Parse(lines[2]);
        Assert.That(answer.RootElement.GetProperty("id").GetString(), Is.EqualTo("mc-double-512"));
        Assert.That(answer.RootElement.GetProperty("rate").GetDouble(), Is.GreaterThan(0));
        Assert.That(log, Is.EqualTo(new[] { "p:eig", "p:mc-double-512", "p:quit" }));
    }

    [Test]
    public void Probe_without_serve_reports_every_repetition()
    {
        string json = Path.Combine(_dir, "probe.json");
        var profiler = new BenchCommand.Profiler(_ => [], (_, _) => [], (_, _) => [], () => FakeMachine)
        {
            OpenProbe = (kernels, seconds, clock) => new FakeBuild("p", 1, [], 1, [.. kernels]),
        };
        var (code, _, error) = Run(profiler, "probe", "--kernels", "eig", "--repeat", "4", "--json", json);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(BenchReport.Parse(File.ReadAllText(json)).Results.Single().Samples, Has.Count.EqualTo(4));
    }

    [Test]
    public void A_real_build_that_cannot_serve_fails_with_its_own_error_and_exit_3()
    {
        // The real process client against a dll that is not a program: dotnet exits at once, before any ready line.
        var (a, _) = Dlls();
        var profiler = new BenchCommand.Profiler(_ => [], (_, _) => [], (_, _) => [], () => FakeMachine) { StartBuild = ProbeServerProcessStart };
        var (code, _, error) = Run(profiler, "compare", "--builds", a, a, "--kernels", "eig", "--rounds", "1", "--pairs", "1");
        Assert.That(code, Is.EqualTo(3), error);
        Assert.That(error.Trim(), Does.StartWith("error: bench: InvalidOperationException: build A").And.Contain("exited with"));
    }

    [Test]
    public void Two_real_builds_compare_end_to_end_through_serving_processes()
    {
        // This very build as both A and B, through `dotnet fastres.dll bench probe --serve`: the protocol, the
        // process handling and the real probe, on the shortest kernel and settings (a few seconds).
        string dll = SlurmJob.Launcher()[1];
        string json = Path.Combine(_dir, "real.json");
        var (code, output, error) = Run(BenchCommand.Profiler.Real, "compare", "--builds", dll, dll, "--kernels", "eig", "--rounds", "2", "--pairs", "3",
            "--seconds", "0.01", "--min-samples", "5", "--json", json);
        Assert.That(code, Is.EqualTo(0), output + error);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var eig = doc.RootElement.GetProperty("kernels").EnumerateArray().Single();
        Assert.That(eig.GetProperty("samples_a").GetInt32(), Is.EqualTo(6));
        Assert.That(eig.GetProperty("unit").GetString(), Is.EqualTo("GFLOP (4n³/3) per CPU-second"));
        Assert.That(eig.GetProperty("ratio").GetDouble(), Is.GreaterThan(0.5).And.LessThan(2));
    }

    private static IProbeSampler ProbeServerProcessStart(string dll, IReadOnlyList<string> kernels, double seconds, ProbeClock clock)
        => BenchCommand.Profiler.Real.StartBuild(dll, kernels, seconds, clock);
}
