using System.Text.Json;
using FastRes.Cli.Commands;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Profiling;
using FastRes.Tests.Experiments.Profiling;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// `fastres bench fleet profile|collect|submit` without a cluster: the report a node job writes, collect's files and exit
/// codes on crafted reports, and the scripts submit writes with --dry-run. (.ci/slurm-test runs the whole on a real Slurm.)
/// </summary>
[NonParallelizable] // sets SLURM_JOB_PARTITION and PATH for the duration of a test
public class BenchFleetTests
{
    private string _dir = "";

    [SetUp] public void MakeDir() => Directory.CreateDirectory(_dir = CliHarness.TempPath("fleet"));
    [TearDown] public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static readonly MachineInfo Machine = FleetReportTests.Node("node-7").Machine with { Partition = "" };

    private static BenchCommand.Profiler Fake(int[] calls) => new(_ => [], (_, _) => [], (_, _) => [], () => Machine)
    {
        FleetProfile = threads =>
        {
            calls[0]++;
            return [new BenchResult("triad", $"Vector512/double/{threads}t", "n=8388608 (3×64 MiB)", 0.02, 30 + calls[0], "GB/s")];
        },
    };

    private static (int Code, string Out, string Err) Run(params string[] args) => Run(Fake([0]), args);

    private static (int Code, string Out, string Err) Run(BenchCommand.Profiler profiler, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BenchCommand.Invoke(["bench", "fleet", .. args], output, error, profiler);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Crafted reports in a folder: four Zen 5 nodes, node-4's triad at 60%.</summary>
    private string Reports(params (string Host, double Triad)[] nodes)
    {
        string dir = Path.Combine(_dir, "reports");
        Directory.CreateDirectory(dir);
        if (nodes.Length == 0) nodes = [("node-1", 1.0), ("node-2", 0.99), ("node-3", 1.01), ("node-4", 0.6)];
        foreach (var (host, triad) in nodes) File.WriteAllText(Path.Combine(dir, host + ".json"), FleetReportTests.Node(host, triad: triad).ToJson());
        return dir;
    }

    [Test]
    public void Profile_writes_one_report_naming_its_host_partition_and_time_with_every_repetition()
    {
        string path = Path.Combine(_dir, "out", "node.json");
        int[] calls = [0];
        Environment.SetEnvironmentVariable("SLURM_JOB_PARTITION", "cpu");
        try
        {
            var (code, output, error) = Run(Fake(calls), "profile", "--threads", "2", "--repeat", "3", "--out", path);
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(output, Does.Contain("triad").And.Contain("wrote " + path));
        }
        finally { Environment.SetEnvironmentVariable("SLURM_JOB_PARTITION", null); }
        var report = BenchReport.Parse(File.ReadAllText(path));
        Assert.Multiple(() =>
        {
            Assert.That(calls[0], Is.EqualTo(3));
            Assert.That(report.Machine.Host, Is.EqualTo("node-7"));
            Assert.That(report.Machine.Partition, Is.EqualTo("cpu"));
            Assert.That(report.MeasuredAt, Is.Not.Null);
            Assert.That(report.Results.Single().Samples, Is.EqualTo(new[] { 31.0, 32.0, 33.0 }));
            Assert.That(report.Results.Single().Rate, Is.EqualTo(32.0));
            Assert.That(report.Results.Single().Variant, Is.EqualTo("Vector512/double/2t"));
        });
    }

    [Test]
    public void Collect_writes_json_markdown_and_figure_and_names_the_slow_node()
    {
        string outDir = Path.Combine(_dir, "fleet");
        var (code, output, error) = Run("collect", Reports(), "--out", outDir);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "fleet.json", "fleet.md", "fleet.png", "fleet.svg" }));
        Assert.That(output, Does.Contain("SLOW  node-4  triad"));
        Assert.That(output, Does.Contain("rule: a rate is an outlier when outside median ± max(3·1.4826·MAD, 5% of median)"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fleet.json")));
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.That(nodes.Select(n => n.GetProperty("host").GetString()), Is.EqualTo(new[] { "node-1", "node-2", "node-3", "node-4" }));
        Assert.That(nodes.Select(n => n.GetProperty("outliers").GetInt32()), Is.EqualTo(new[] { 0, 0, 0, 1 }));
        Assert.That(nodes[3].GetProperty("microarchitecture").GetString(), Is.EqualTo("Zen 5"));
        Assert.That(nodes[3].GetProperty("family").GetInt32(), Is.EqualTo(26));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "fleet.md")), Does.Contain("| node-4 | – | Zen 5/2 cores |"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "fleet.svg")), Does.StartWith("<?xml").Or.StartWith("<svg"));
    }

    [Test]
    public void Collect_exits_1_when_a_node_falls_below_its_reference()
    {
        string refs = Path.Combine(_dir, "refs.json");
        File.WriteAllText(refs, """{"node_types": {"Zen 5/2 cores": {"triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 0.2}}}}}""");
        string outDir = Path.Combine(_dir, "fleet");
        var (code, output, error) = Run("collect", Reports(), "--out", outDir, "--reference", refs);
        Assert.That(code, Is.EqualTo(1), error);
        Assert.That(output, Does.Contain("BELOW REFERENCE  node-4  triad"));
        Assert.That(output, Does.Contain("1 reference failure → FAILED"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "fleet.json")));
        Assert.That(json.RootElement.GetProperty("failed").GetBoolean(), Is.True);

        // The same fleet against a floor it clears: exit 0.
        File.WriteAllText(refs, """{"node_types": {"Zen 5/2 cores": {"triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 0.5}}}}}""");
        Assert.That(Run("collect", Reports(), "--out", outDir, "--reference", refs).Code, Is.EqualTo(0));
    }

    [TestCase("""{"node_types": {"Zen 5/2 cores": {"triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 2}}}}}""", "tolerance must be a number in [0, 1) (got 2)")]
    [TestCase("""not json""", "not valid JSON")]
    public void A_bad_reference_file_exits_2_in_one_line_and_writes_nothing(string text, string message)
    {
        string refs = Path.Combine(_dir, "refs.json");
        File.WriteAllText(refs, text);
        string outDir = Path.Combine(_dir, "fleet");
        var (code, _, error) = Run("collect", Reports(), "--out", outDir, "--reference", refs);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.TrimEnd(), Does.StartWith($"error: --reference: {refs}: ").And.Contain(message));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    [Test]
    public void A_malformed_or_hostless_report_exits_2_naming_the_file_and_writes_nothing()
    {
        string dir = Reports();
        string outDir = Path.Combine(_dir, "fleet");
        File.WriteAllText(Path.Combine(dir, "broken.json"), "{\"results\": [");
        var (code, _, error) = Run("collect", dir, "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("error: REPORTS: ").And.Contain("broken.json: not valid JSON"));
        File.WriteAllText(Path.Combine(dir, "broken.json"), FleetReportTests.Node("").ToJson());
        (code, _, error) = Run("collect", dir, "--out", outDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("broken.json: machine.host is missing or empty"));
        Assert.That(Directory.Exists(outDir), Is.False);
        Assert.That(Run("collect", Path.Combine(_dir, "nowhere"), "--out", outDir).Code, Is.EqualTo(2));
        Assert.That(Run("collect", dir, "--out", outDir, "--k", "0").Code, Is.EqualTo(2));
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    [Test]
    public void Submit_dry_run_writes_one_exclusive_job_per_node_and_a_collect_job_after_them()
    {
        string fleet = Path.Combine(_dir, "run");
        string refs = Path.Combine(_dir, "refs.json");
        File.WriteAllText(refs, """{"node_types": {}}""");
        var (code, output, error) = Run("submit", "--partitions", "debug", "--nodelist", "cn01,cn02", "--out", fleet, "--dry-run",
            "--time", "10:00", "--repeat", "3", "--reference", refs, "--k", "4");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetFiles(Path.Combine(fleet, "jobs")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "cn01.sbatch", "cn02.sbatch" }));
        string node = File.ReadAllText(Path.Combine(fleet, "jobs", "cn02.sbatch"));
        string collect = File.ReadAllText(Path.Combine(fleet, "collect.sbatch"));
        string dll = SlurmJob.Launcher()[1];
        Assert.Multiple(() =>
        {
            Assert.That(node, Does.StartWith("#!/bin/bash\n"));
            Assert.That(node, Does.Contain("#SBATCH --nodelist=cn02\n"));
            Assert.That(node, Does.Contain("#SBATCH --exclusive\n"));
            Assert.That(node, Does.Contain("#SBATCH --partition=debug\n"));
            Assert.That(node, Does.Contain("#SBATCH --time=10:00\n"));
            Assert.That(node, Does.Contain($"#SBATCH --output=\"{fleet}/logs/cn02.out\"\n"));
            Assert.That(node, Does.Contain(dll));
            Assert.That(node, Does.Contain($"bench fleet profile --repeat 3 --out {fleet}/reports/cn02.json"));
            Assert.That(node, Does.Not.Contain("cn01"));
            Assert.That(collect, Does.Contain($"bench fleet collect {fleet}/reports --out {fleet}/fleet --reference {refs} --k 4"));
            Assert.That(collect, Does.Contain("#SBATCH --partition=debug"));
            Assert.That(collect, Does.Not.Contain("--exclusive"));
            Assert.That(output, Does.Contain("submit with:").And.Contain("--dependency=afterok:"));
            Assert.That(Directory.Exists(Path.Combine(fleet, "reports")));
        });
    }

    [Test]
    public void Submit_refuses_bad_input_in_one_line_before_writing_anything()
    {
        string fleet = Path.Combine(_dir, "run");
        foreach (var (args, option) in new (string[], string)[]
                 {
                     (["--nodelist", "cn01;rm -rf /", "--dry-run"], "--nodelist"),
                     (["--nodelist", "cn01", "--partitions", "a,,b", "--dry-run"], "--partitions"),
                     (["--nodelist", "cn01", "--dry-run", "--wait"], "--wait"),
                     (["--nodelist", "cn01", "--time", "soon", "--dry-run"], "--time"),
                     (["--nodelist", "cn01", "--reference", Path.Combine(_dir, "none.json"), "--dry-run"], "--reference"),
                 })
        {
            var (code, _, error) = Run(["submit", "--out", fleet, .. args]);
            Assert.That(code, Is.EqualTo(2), string.Join(' ', args));
            Assert.That(error, Does.StartWith($"error: {option}: "), string.Join(' ', args));
            Assert.That(Directory.Exists(fleet), Is.False, string.Join(' ', args));
        }
        // A folder that already holds reports would mix two runs in one collect.
        Directory.CreateDirectory(Path.Combine(fleet, "reports"));
        File.WriteAllText(Path.Combine(fleet, "reports", "cn01.json"), "{}");
        Assert.That(Run("submit", "--out", fleet, "--nodelist", "cn01", "--dry-run").Err, Does.StartWith("error: --out: ").And.Contain("already holds the reports"));
    }

    [Test]
    public void Submit_without_slurm_says_which_program_is_missing_and_what_to_do()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        string empty = Path.Combine(_dir, "empty-path");
        Directory.CreateDirectory(empty);
        (int Code, string Out, string Err) sbatch, sinfo;
        try
        {
            Environment.SetEnvironmentVariable("PATH", empty);
            sbatch = Run("submit", "--nodelist", "cn01", "--out", Path.Combine(_dir, "a"));
            sinfo = Run("submit", "--partitions", "p1,p2", "--out", Path.Combine(_dir, "b"));
        }
        finally { Environment.SetEnvironmentVariable("PATH", path); }
        Assert.That(sbatch.Code, Is.EqualTo(3));
        Assert.That(sbatch.Err.TrimEnd(), Does.StartWith("error: slurm: sbatch not found on PATH — ").And.Contain("--dry-run"));
        Assert.That(sbatch.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(sbatch.Err, Does.Not.Contain("merge.sbatch"), "not slurm run's advice");
        Assert.That(File.Exists(Path.Combine(_dir, "a", "jobs", "cn01.sbatch")), "the scripts are there to submit by hand");
        Assert.That(sinfo.Code, Is.EqualTo(3));
        Assert.That(sinfo.Err.TrimEnd(), Does.StartWith("error: slurm: sinfo not found on PATH — ").And.Contain("--nodelist"));
        Assert.That(Directory.Exists(Path.Combine(_dir, "b")), Is.False, "nothing written before the nodes are known");
    }
}
