using System.Text.Json;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>defaults → --config file → flags, and the config hash that merge will match shards by.</summary>
public class CliConfigTests
{
    private string _scratch = null!;

    [SetUp]
    public void SetUp() { _scratch = CliHarness.TempPath("cfg"); Directory.CreateDirectory(_scratch); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true); }

    private static JsonElement DryRun(params string[] args)
    {
        var result = CliHarness.Run(["run", .. args, "--dry-run"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }

    private static string Hash(params string[] args) => DryRun(args).GetProperty("config_hash").GetString()!;

    [Test]
    public void Flags_override_the_config_file_and_the_file_overrides_defaults()
    {
        string file = Path.Combine(_scratch, "c.json");
        File.WriteAllText(file, """{ "p": 6, "k": [4, 8], "eta-scale": 0.5, "seed": 9, "methods": ["resnet", "resnet-ssw"], "warmup-iterations": 100 }""");
        var config = DryRun("shortcut-cnn", "--config", file, "--p", "10", "--seed", "11").GetProperty("config");
        Assert.Multiple(() =>
        {
            Assert.That(config.GetProperty("p").GetInt32(), Is.EqualTo(10), "flag beats file");
            Assert.That(config.GetProperty("seed").GetUInt64(), Is.EqualTo(11UL), "flag beats file");
            Assert.That(config.GetProperty("k").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 4, 8 }), "file's list");
            Assert.That(config.GetProperty("eta-scale").GetDouble(), Is.EqualTo(0.5), "file beats default");
            Assert.That(config.GetProperty("methods").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "resnet", "resnet-ssw" }));
            Assert.That(config.GetProperty("warmup-iterations").GetInt32(), Is.EqualTo(100));
            Assert.That(config.GetProperty("iterations").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null), "untouched default: T per k");
        });
    }

    [Test]
    public void Resolved_step_sizes_follow_spec_1_4()
    {
        var doc = DryRun("shortcut-cnn", "--k", "4", "--iterations", "1000");
        var steps = doc.GetProperty("resolved_steps")[0];
        double kk = 4 + Math.PI - 1;
        Assert.Multiple(() =>
        {
            Assert.That(steps.GetProperty("eta").GetDouble(), Is.EqualTo(0.25 * 5 * Math.PI * Math.PI / (4 * kk * kk)).Within(1e-15));
            Assert.That(steps.GetProperty("eta1").GetDouble(), Is.EqualTo(Math.PI / (20 * kk * kk)).Within(1e-15));
            Assert.That(steps.GetProperty("warmup_iterations").GetInt32(), Is.EqualTo(500));
        });
    }

    [Test]
    public void A_runs_own_config_json_is_a_valid_config_file_with_the_same_hash()
    {
        var first = CliHarness.Run("run", "shortcut-cnn-atlas", "--k", "2,4", "--caps", "45,90", "--seed", "5", "--dry-run");
        string file = Path.Combine(_scratch, "config.json");
        File.WriteAllText(file, first.Out);
        var again = DryRun("shortcut-cnn-atlas", "--config", file);
        Assert.That(again.GetProperty("config_hash").GetString(), Is.EqualTo(JsonDocument.Parse(first.Out).RootElement.GetProperty("config_hash").GetString()));
    }

    [Test]
    public void Config_of_another_experiment_is_refused()
    {
        var atlas = CliHarness.Run("run", "shortcut-cnn-atlas", "--dry-run");
        string file = Path.Combine(_scratch, "config.json");
        File.WriteAllText(file, atlas.Out);
        var result = CliHarness.Run("run", "shortcut-cnn", "--config", file, "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("shortcut-cnn-atlas"));
    }

    [Test]
    public void Config_hash_ignores_threads_simd_and_shard_but_not_seed_or_k()
    {
        string baseline = Hash("shortcut-cnn", "--k", "2,4");
        Assert.Multiple(() =>
        {
            Assert.That(Hash("shortcut-cnn", "--k", "2,4", "--threads", "1"), Is.EqualTo(baseline));
            Assert.That(Hash("shortcut-cnn", "--k", "2,4", "--simd", "scalar"), Is.EqualTo(baseline));
            Assert.That(Hash("shortcut-cnn", "--k", "2,4", "--shard", "1/4"), Is.EqualTo(baseline), "shards of one run must match for merge");
            Assert.That(Hash("shortcut-cnn", "--k", "2,4", "--seed", "2"), Is.Not.EqualTo(baseline));
            Assert.That(Hash("shortcut-cnn", "--k", "2,8"), Is.Not.EqualTo(baseline));
            Assert.That(Hash("shortcut-cnn", "--k", "2,4", "--eta-scale", "0.5"), Is.Not.EqualTo(baseline));
            Assert.That(baseline, Does.Match("^[0-9a-f]{64}$"));
        });
    }

    [Test]
    public void Same_values_from_file_or_flags_give_the_same_hash()
    {
        string file = Path.Combine(_scratch, "c.json");
        File.WriteAllText(file, """{ "k": [2, 4], "tol": 1e-4 }""");
        Assert.That(Hash("shortcut-cnn", "--config", file), Is.EqualTo(Hash("shortcut-cnn", "--k", "2,4", "--tol", "0.0001")));
    }

    [Test]
    public void List_names_every_experiment_and_help_works_everywhere()
    {
        var list = CliHarness.Run("list");
        Assert.That(list.ExitCode, Is.EqualTo(0));
        Assert.That(list.Out, Does.Contain("shortcut-cnn ").And.Contain("shortcut-cnn-atlas").And.Contain("shortcut-cnn-trajectory"));
        foreach (string[] args in new[] { new[] { "--help" }, ["run", "--help"], ["run", "shortcut-cnn", "--help"], ["run", "shortcut-cnn-atlas", "--help"], ["list", "--help"] })
        {
            var help = CliHarness.Run(args);
            Assert.That(help.ExitCode, Is.EqualTo(0), string.Join(" ", args));
            Assert.That(help.Out, Does.Contain("Usage"), string.Join(" ", args));
        }
        Assert.That(CliHarness.Run("run", "shortcut-cnn-atlas", "--help").Out, Does.Contain("--caps"));
    }

    [Test]
    public void Version_prints_the_version()
    {
        var result = CliHarness.Run("--version");
        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(result.Out.Trim(), Does.Match(@"^\d+\.\d+\.\d+"));
    }
}
