using System.Text.Json;
using System.Xml.Linq;
using FastRes.Cli.Experiments;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>The results folder contract (SPEC §1.7, §6) on results built by hand: the records are plain data.</summary>
public class CliWriterTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private string _dir = null!;

    [SetUp]
    public void SetUp() { _dir = CliHarness.TempPath("writers"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private static ShortcutCnnRow Row(int k, string method, long success, long spurious, long undecided, long diverged, double cap = 60) => new()
    {
        P = 8, K = k, CapDeg = cap, Method = method, Trials = success + spurious + undecided + diverged,
        Success = success, Spurious = spurious, Undecided = undecided, Diverged = diverged,
        TrialIterations = 1000 * (success + spurious + undecided + diverged), Seconds = 0.25,
    };

    private static RunHeader Header<TConfig, TResult>(Experiment<TConfig, TResult> binding, TConfig config, string dir)
        where TConfig : IExperimentConfig<TConfig>, new() where TResult : IExperimentResult<TResult>
        => new(binding.Name, binding.Schema.ToJson(config), binding.ConfigHashOf(config), "test", null, dir);

    [Test]
    public void Shortcut_cnn_folder_has_the_contracts_json_csv_figures_and_warnings()
    {
        var config = new ShortcutCnnConfig { K = [2, 4, 8], Methods = [ShortcutCnnMethod.Cnn, ShortcutCnnMethod.Resnet], Trials = 100 };
        ShortcutCnnRow[] rows =
        [
            Row(2, "cnn", 60, 40, 0, 0), Row(4, "cnn", 50, 45, 5, 0), Row(8, "cnn", 30, 50, 20, 0),
            Row(2, "resnet", 99, 1, 0, 0), Row(4, "resnet", 97, 0, 0, 3), Row(8, "resnet", 90, 10, 0, 0),
        ];
        var binding = new ShortcutCnnCommand();
        var files = binding.WriteResults(Header(binding, config, _dir), new ShortcutCnnResult(config, rows, 1.5));

        Assert.That(files, Is.SupersetOf(new[] { "results.json", "results.csv", "summary.md", "success_vs_k.png", "success_vs_k.svg" }));
        foreach (string f in files) Assert.That(File.Exists(Path.Combine(_dir, f)), f);
        Assert.That(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temp files left behind");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        var root = json.RootElement;
        Assert.That(root.GetProperty("experiment").GetString(), Is.EqualTo("shortcut-cnn"));
        Assert.That(root.GetProperty("config_hash").GetString(), Is.EqualTo(binding.ConfigHashOf(config)));
        Assert.That(root.GetProperty("version").GetString(), Is.EqualTo("test"));
        Assert.That(root.GetProperty("config").GetProperty("k").GetArrayLength(), Is.EqualTo(3));
        var jsonRows = root.GetProperty("rows").EnumerateArray().ToArray();
        Assert.That(jsonRows, Has.Length.EqualTo(rows.Length));
        string[] keys = ["p", "k", "cap_deg", "method", "trials", "success", "spurious", "undecided", "diverged", "success_rate",
            "success_ci95", "spurious_rate", "trial_iterations", "seconds"];
        for (int i = 0; i < rows.Length; i++)
        {
            var j = jsonRows[i];
            foreach (string key in keys) Assert.That(j.TryGetProperty(key, out _), Is.True, key);
            Assert.That(j.GetProperty("k").GetInt32(), Is.EqualTo(rows[i].K));
            Assert.That(j.GetProperty("method").GetString(), Is.EqualTo(rows[i].Method));
            Assert.That(j.GetProperty("success").GetInt64(), Is.EqualTo(rows[i].Success));
            Assert.That(j.GetProperty("diverged").GetInt64(), Is.EqualTo(rows[i].Diverged));
            Assert.That(j.GetProperty("success_rate").GetDouble(), Is.EqualTo((double)rows[i].Success / rows[i].Trials).Within(1e-15));
            var ci = j.GetProperty("success_ci95");
            Assert.That(ci[0].GetDouble(), Is.EqualTo(rows[i].SuccessCi95.Lo).Within(1e-15));
            Assert.That(ci[1].GetDouble(), Is.EqualTo(rows[i].SuccessCi95.Hi).Within(1e-15));
        }

        string[] csv = File.ReadAllLines(Path.Combine(_dir, "results.csv"));
        Assert.That(csv[0], Does.StartWith("p,k,cap_deg,method,trials,success,spurious,undecided,diverged,success_rate"));
        Assert.That(csv, Has.Length.EqualTo(rows.Length + 1));
        Assert.That(csv[5].Split(',')[3], Is.EqualTo("resnet"));
        Assert.That(csv[5].Split(',')[8], Is.EqualTo("3"), "diverged column of k=4 resnet");

        AssertFigure(Path.Combine(_dir, "success_vs_k"));

        string summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.That(summary, Does.Contain("--iterations"), "k=8 cnn is 20% undecided: suggest more iterations");
        Assert.That(summary, Does.Contain("k=8 cnn"));
        Assert.That(summary, Does.Not.Contain("k=4 cnn:"), "5% undecided is not above the threshold");
        Assert.That(summary, Does.Contain("diverged").And.Contain("k=4 resnet: 3"));
        Assert.That(summary, Does.Contain("60.0% ["), "rates with intervals");
    }

    [Test]
    public void Summary_is_quiet_when_all_cells_settled_and_nothing_diverged()
    {
        var config = new ShortcutCnnConfig { K = [2], Methods = [ShortcutCnnMethod.Cnn] };
        var binding = new ShortcutCnnCommand();
        binding.WriteResults(Header(binding, config, _dir), new ShortcutCnnResult(config, [Row(2, "cnn", 70, 30, 0, 0)], 0.1));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "summary.md")), Does.Not.Contain("## Warnings"));
    }

    [Test]
    public void An_empty_cell_is_null_in_json_and_flagged_not_plotted()
    {
        // A shard can hold zero trials of a cell; its rate is NaN, which JSON cannot carry and a figure must not hide.
        var config = new ShortcutCnnConfig { K = [2, 4], Methods = [ShortcutCnnMethod.Cnn] };
        var binding = new ShortcutCnnCommand();
        binding.WriteResults(Header(binding, config, _dir), new ShortcutCnnResult(config, [Row(2, "cnn", 7, 3, 0, 0), Row(4, "cnn", 0, 0, 0, 0)], 0.1));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        var empty = json.RootElement.GetProperty("rows")[1];
        Assert.That(empty.GetProperty("success_rate").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "summary.md")), Does.Contain("non-finite"));
    }

    [Test]
    public void Atlas_writes_a_heat_map_per_method_and_the_warm_up_difference()
    {
        var config = new ShortcutCnnAtlasConfig { Shared = new ShortcutCnnConfig { K = [2, 4, 8], Methods = [ShortcutCnnMethod.Resnet, ShortcutCnnMethod.ResnetSsw] }, CapDegs = [30, 90, 180] };
        var rows = new List<ShortcutCnnRow>();
        foreach (double cap in config.CapDegs)
            foreach (int k in config.Shared.K)
            {
                rows.Add(Row(k, "resnet", (long)(100 - cap / 2 - k), (long)(cap / 2 + k), 0, 0, cap));
                rows.Add(Row(k, "resnet-ssw", (long)(100 - cap / 4), (long)(cap / 4), 0, 0, cap));
            }
        var binding = new ShortcutCnnAtlasCommand();
        var files = binding.WriteResults(Header(binding, config, _dir), new ShortcutCnnResult(config.Shared, rows, 2));
        Assert.That(files, Is.SupersetOf(new[] { "heatmap_resnet.png", "heatmap_resnet-ssw.svg", "heatmap_resnet-ssw_minus_resnet.png", "heatmap_resnet-ssw_minus_resnet.svg" }));
        AssertFigure(Path.Combine(_dir, "heatmap_resnet"));
        AssertFigure(Path.Combine(_dir, "heatmap_resnet-ssw_minus_resnet"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        Assert.That(json.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("cap_deg").GetDouble()).Distinct(), Is.EquivalentTo(new[] { 30.0, 90, 180 }));
        Assert.That(json.RootElement.GetProperty("config").GetProperty("caps").GetArrayLength(), Is.EqualTo(3));
    }

    [Test]
    public void Trajectory_writes_the_contract_long_csv_and_panels_and_flags_non_finite_points()
    {
        var config = new ShortcutCnnTrajectoryConfig();
        TrajectoryPoint P(int t, double loss, double phi) => new(t, loss, phi, 1 - phi, phi / 2);
        Trajectory[] traces =
        [
            new("resnet", 0, "trial 0", TrialOutcome.Success, [P(0, 1.0, 1.0), P(5, 1e-3, 0.1), P(10, 1e-9, 1e-4)]),
            new("resnet", 17, "trapped", TrialOutcome.Spurious, [P(0, 1.0, 2.0), P(5, 0.5, 2.5), P(10, 0.4, 3.0)]),
            new("resnet-ssw", 0, "trial 0", TrialOutcome.Diverged, [P(0, 1.0, 1.0), P(5, double.PositiveInfinity, double.NaN)]),
        ];
        var binding = new ShortcutCnnTrajectoryCommand();
        var files = binding.WriteResults(Header(binding, config, _dir), new ShortcutCnnTrajectoryResult(config, traces, 0.5));
        Assert.That(files, Is.SupersetOf(new[] { "trajectory_resnet.png", "trajectory_resnet.svg", "trajectory_resnet-ssw.png" }));
        AssertFigure(Path.Combine(_dir, "trajectory_resnet"));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        var t = json.RootElement.GetProperty("trajectories");
        Assert.That(t.GetArrayLength(), Is.EqualTo(3));
        Assert.That(t[1].GetProperty("outcome").GetString(), Is.EqualTo("spurious"));
        Assert.That(t[1].GetProperty("trial").GetInt64(), Is.EqualTo(17));
        var point = t[0].GetProperty("points")[1];
        foreach (string key in new[] { "iteration", "loss", "phi", "a_dot_astar", "a_error" }) Assert.That(point.TryGetProperty(key, out _), key);
        Assert.That(point.GetProperty("loss").GetDouble(), Is.EqualTo(1e-3));
        Assert.That(t[2].GetProperty("points")[1].GetProperty("loss").ValueKind, Is.EqualTo(JsonValueKind.Null));

        string[] csv = File.ReadAllLines(Path.Combine(_dir, "results.csv"));
        Assert.That(csv[0], Is.EqualTo("method,trial,label,outcome,iteration,loss,phi,a_dot_astar,a_error"));
        Assert.That(csv, Has.Length.EqualTo(1 + 3 + 3 + 2));
        string summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.That(summary, Does.Contain("non-finite").And.Contain("diverged"));
    }

    private static void AssertFigure(string basePath)
    {
        byte[] png = File.ReadAllBytes(basePath + ".png");
        Assert.That(png.Take(8), Is.EqualTo(PngSignature), basePath + ".png");
        var svg = XDocument.Load(basePath + ".svg");
        Assert.That(svg.Root!.Name.LocalName, Is.EqualTo("svg"));
    }
}
