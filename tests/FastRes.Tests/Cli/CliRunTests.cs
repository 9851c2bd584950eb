using System.Text.Json;
using FastRes.Cli;
using FastRes.Cli.Hosting;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>Running experiments through the host: progress, cancellation, and small end-to-end runs.</summary>
public class CliRunTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = CliHarness.TempPath("run");

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    [Test]
    public void Plain_progress_line_has_count_percentage_rate_and_eta()
    {
        string line = TrialProgress.PlainLine("shortcut-cnn", 120_000, 420_000, TimeSpan.FromSeconds(600));
        Assert.That(line, Is.EqualTo("shortcut-cnn: 120000/420000 trials (28.6%), 2.0e2 trials/s, ETA 25m00s"));
        Assert.That(TrialProgress.PlainLine("x", 10, null, TimeSpan.FromSeconds(5)), Is.EqualTo("x: 10 trials, 2.0e0 trials/s"));
    }

    [Test]
    public void Trial_counter_sums_reports_from_many_threads()
    {
        var counter = new TrialCounter();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => counter.Report(i % 3));
        Assert.That(counter.Done, Is.EqualTo(Enumerable.Range(0, 20_000).Sum(i => (long)(i % 3))));
    }

    [Test]
    public void Cancelled_run_exits_130_with_one_line_and_no_results()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["run", "shortcut-cnn", "--k", "2", "--trials", "8", "--iterations", "10", "--out", _dir], stdout, stderr, cancelled.Token);
        Assert.That(code, Is.EqualTo(ExitCodes.Cancelled), stderr.ToString());
        Assert.That(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(_dir, "results.json")), Is.False);
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty);
    }

    [Test]

    public void Small_shortcut_cnn_run_writes_a_consistent_folder()
    {
        var result = CliHarness.Run("run", "shortcut-cnn", "--k", "2,4", "--trials", "64", "--iterations", "200", "--out", _dir);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        Assert.That(config.RootElement.GetProperty("config_hash").GetString(), Is.EqualTo(results.RootElement.GetProperty("config_hash").GetString()));
        Assert.That(config.RootElement.GetProperty("resolved_steps").GetArrayLength(), Is.EqualTo(2));

        var rows = results.RootElement.GetProperty("rows").EnumerateArray().ToArray();
        Assert.That(rows, Has.Length.EqualTo(2 * 3), "2 values of k × 3 methods");
        foreach (var row in rows)
        {
            long trials = row.GetProperty("trials").GetInt64();
            Assert.That(trials, Is.EqualTo(64));
            Assert.That(row.GetProperty("success").GetInt64() + row.GetProperty("spurious").GetInt64()
                + row.GetProperty("undecided").GetInt64() + row.GetProperty("diverged").GetInt64(), Is.EqualTo(trials));
        }
        Assert.That(File.ReadAllLines(Path.Combine(_dir, "results.csv")), Has.Length.EqualTo(1 + rows.Length));
        Assert.That(File.Exists(Path.Combine(_dir, "success_vs_k.png")) && File.Exists(Path.Combine(_dir, "success_vs_k.svg")));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "summary.md")), Does.Contain("| method |"));
        Assert.That(result.Out, Does.Contain("resnet-ssw"), "short table of rates on stdout");
    }

    [Test]

    public void Small_atlas_and_trajectory_runs_write_their_figures()
    {
        var atlas = CliHarness.Run("run", "shortcut-cnn-atlas", "--k", "2,4", "--caps", "60,180", "--trials", "32", "--iterations", "100", "--out", Path.Combine(_dir, "atlas"));
        Assert.That(atlas.ExitCode, Is.EqualTo(0), atlas.Error);
        Assert.That(File.Exists(Path.Combine(_dir, "atlas", "heatmap_resnet-ssw_minus_resnet.png")));

        var traj = CliHarness.Run("run", "shortcut-cnn-trajectory", "--k", "4", "--traces", "2", "--iterations", "100", "--search-trials", "200", "--out", Path.Combine(_dir, "traj"));
        Assert.That(traj.ExitCode, Is.EqualTo(0), traj.Error);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "traj", "results.json")));
        Assert.That(results.RootElement.GetProperty("trajectories").GetArrayLength(), Is.GreaterThanOrEqualTo(2 * 3));
        Assert.That(File.Exists(Path.Combine(_dir, "traj", "trajectory_resnet.svg")));
    }
}
