using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FastRes.Cli.Hosting;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// Walks the experiment registry (issue 9): for every experiment, every setting its --dry-run config lists
/// round-trips flag → config.json → --config with the same config_hash, every setting has a bad value that is
/// refused in one line naming it (exit 2, nothing written), and a smoke run (the experiment's own SmokeArgs) writes
/// files that parse and whose config.json reproduces its hash. A new experiment is covered by being registered.
/// </summary>
public partial class RegistryTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() { _dir = CliHarness.TempPath("registry"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private static IEnumerable<string> Experiments() => ExperimentRegistry.All.Select(e => e.Name);

    /// <summary>An experiment whose default data set is a system package (shortcut-depth: Fashion-MNIST) skips, saying so, where it is not installed.</summary>
    private static void SkipWithoutInstalledData(string experiment)
    {
        var r = CliHarness.Run("run", experiment, "--dry-run");
        if (r.ExitCode == ExitCodes.BadInput && r.Error.Contains("apt-get install", StringComparison.Ordinal)) Assert.Ignore(r.Error.Trim());
    }

    private static JsonObject DryRun(params string[] args)
    {
        var r = CliHarness.Run([.. args, "--dry-run"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), $"{string.Join(" ", args)}: {r.Error}");
        return JsonNode.Parse(r.Out)!.AsObject();
    }

    [TestCaseSource(nameof(Experiments))]
    public void Every_setting_round_trips_flag_config_json_and_config_file(string experiment)
    {
        SkipWithoutInstalledData(experiment);
        var defaults = DryRun("run", experiment)["config"]!.AsObject();
        Assert.That(defaults.Count, Is.GreaterThan(0));
        var unvaried = new List<string>();
        foreach (var (name, value) in defaults)
        {
            // A value other than the default, so the flag visibly lands in config.json; the default itself if none is accepted.
            string? text = Variations(experiment, name, value).FirstOrDefault(t => Accepted(experiment, name, t, value));
            // Unless a relation pins it at the others' defaults (yun-critical-points: (blocks − 1)·block-width < dimension):
            // then its refusals name another setting.
            if (text is null && !Variations(experiment, name, value).Any(t => RefusalNamesAnother(experiment, name, t, defaults))) unvaried.Add(name);
            var written = DryRun("run", experiment, "--" + name, text ?? Text(value));
            string file = Path.Combine(_dir, $"{experiment}-{name}.json");
            File.WriteAllText(file, written.ToJsonString());
            var reread = DryRun("run", experiment, "--config", file);
            Assert.That((string?)reread["config_hash"], Is.EqualTo((string?)written["config_hash"]), $"--{name} {text}: config.json read back through --config");
            Assert.That(JsonNode.DeepEquals(reread["config"], written["config"]), Is.True, $"--{name} {text}: same config");
        }
        TestContext.Out.WriteLine($"{experiment}: {defaults.Count} settings, round-tripped with their default only: {string.Join(", ", unvaried)}");
        // A setting that accepts no other value than its default could as well not exist. The one exception: a data
        // setting whose experiment needs more data than the committed fixture holds, on a checkout without ../shared.
        if (SharedMnist is null) unvaried.Remove("data");
        Assert.That(unvaried, Is.Empty, "settings no other value was found for");
    }

    [TestCaseSource(nameof(Experiments))]
    public void Every_setting_refuses_a_bad_value_in_one_line_naming_it(string experiment)
    {
        SkipWithoutInstalledData(experiment);
        var defaults = DryRun("run", experiment)["config"]!.AsObject();
        foreach (var (name, _) in defaults)
        {
            string outDir = Path.Combine(_dir, "out-" + name);
            bool refused = false;
            foreach (string bad in BadValues)
            {
                var r = CliHarness.Run("run", experiment, "--" + name, bad, "--out", outDir);
                if (r.ExitCode == 0) { Directory.Delete(outDir, recursive: true); continue; }
                Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), $"--{name} {bad}: {r.Error}");
                Assert.That(r.ErrorLines, Has.Length.EqualTo(1), $"--{name} {bad}: one line");
                Assert.That(r.Error, Does.StartWith($"error: --{name}:"), $"--{name} {bad}: names the field");
                Assert.That(Directory.Exists(outDir), Is.False, $"--{name} {bad}: nothing written");
                refused = true;
                break;
            }
            Assert.That(refused, Is.True, $"--{name} accepted every one of {string.Join(" ", BadValues)}");
        }
    }

    [TestCaseSource(nameof(Experiments))]
    public void Every_numeric_setting_has_an_upper_bound(string experiment)
    {
        SkipWithoutInstalledData(experiment);
        // Issue 10: a huge count or size must be refused up front (one line, exit 2), never reach an allocation or an
        // int overflow in a kernel. A seed is a key: every 64-bit value is a valid seed, so it alone is unbounded.
        var defaults = DryRun("run", experiment)["config"]!.AsObject();
        foreach (var (name, value) in defaults)
        {
            if (name == "seed" || !IsNumeric(value)) continue;
            // A 64-bit count (trials) may take 2³¹ − 1 — billions of trials on a cluster — if it bounds 2⁶³ − 1 by its range.
            var longMax = CliHarness.Run("run", experiment, "--" + name, long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dry-run");
            bool wide = longMax.ExitCode == ExitCodes.BadInput && longMax.Error.Contains("between", StringComparison.Ordinal);
            foreach (string huge in wide ? new[] { "1e308" } : new[] { "2147483647", "1e308" })
            {
                var r = CliHarness.Run("run", experiment, "--" + name, huge, "--dry-run");
                Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), $"--{name} {huge} was accepted");
                Assert.That(r.Error, Does.StartWith($"error: --{name}:"), $"--{name} {huge}");
            }
        }
    }

    private static bool IsNumeric(JsonNode? value) => value switch
    {
        JsonValue v => v.GetValueKind() == JsonValueKind.Number,
        JsonArray a => a.Count > 0 && a.All(IsNumeric),
        _ => false,
    };

    [TestCaseSource(nameof(Experiments))]
    public void A_smoke_run_writes_files_that_parse(string experiment)
    {
        SkipWithoutInstalledData(experiment);
        var e = ExperimentRegistry.All.Single(x => x.Name == experiment);
        string outDir = Path.Combine(_dir, "smoke");
        var r = CliHarness.Run(["run", experiment, .. e.SmokeArgs, "--out", outDir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!.AsObject();
        Assert.That((string?)results["experiment"], Is.EqualTo(experiment));
        Assert.That(results["seconds"]!.GetValue<double>(), Is.GreaterThanOrEqualTo(0));
        var tables = results.Where(p => p.Value is JsonArray { Count: > 0 } a && a.All(x => x is JsonObject)).ToList();
        Assert.That(tables, Is.Not.Empty, "at least one table of rows");

        string[] csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.That(csv, Has.Length.GreaterThan(1), "a header and rows");
        int columns = CsvCells(csv[0]).Count;
        Assert.That(csv.Skip(1).Select(l => CsvCells(l).Count), Is.All.EqualTo(columns), "every CSV line has the header's columns");

        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.That(summary, Does.StartWith($"# {experiment}\n").And.Contain((string)results["config_hash"]!).And.Contain("## Config"));
        foreach (Match image in ImageLink().Matches(summary))
            Assert.That(File.Exists(Path.Combine(outDir, image.Groups[1].Value)), image.Value);
        Assert.That(Directory.GetFiles(outDir, "*.png"), Is.Not.Empty, "a figure");
        foreach (string png in Directory.GetFiles(outDir, "*.png"))
            Assert.That(File.ReadAllBytes(png).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), png);
        foreach (string svg in Directory.GetFiles(outDir, "*.svg")) Assert.DoesNotThrow(() => System.Xml.Linq.XDocument.Load(svg), svg);
        Assert.That(Directory.GetFiles(outDir, CheckpointFile.FileName), Is.Empty, "a finished run keeps no journal");
        Assert.That(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temp files");
        Assert.That(r.Out, Does.Contain("results in"));

        // The folder's config.json repeats the run exactly.
        var again = DryRun("run", experiment, "--config", Path.Combine(outDir, "config.json"));
        Assert.That((string?)again["config_hash"], Is.EqualTo((string?)results["config_hash"]));
    }

    [TestCaseSource(nameof(Experiments))]
    public void A_finished_folder_is_never_replaced_silently(string experiment)
    {
        SkipWithoutInstalledData(experiment);
        // Issue 10: every experiment's finished run stays as it is: the same run again is not recomputed, another
        // config is refused naming the difference. (The folder rules live in the host: RunFolderTests tests them in depth.)
        var e = ExperimentRegistry.All.Single(x => x.Name == experiment);
        string outDir = Path.Combine(_dir, "finished");
        Assert.That(CliHarness.Run(["run", experiment, .. e.SmokeArgs, "--out", outDir]).ExitCode, Is.EqualTo(0));
        byte[] results = File.ReadAllBytes(Path.Combine(outDir, "results.json"));

        var same = CliHarness.Run(["run", experiment, .. e.SmokeArgs, "--out", outDir]);
        Assert.That(same.ExitCode, Is.EqualTo(0), same.Error);
        Assert.That(same.Error, Does.Contain("already holds this finished run"));

        var other = CliHarness.Run(["run", experiment, .. e.SmokeArgs, "--seed", "12345", "--out", outDir]);
        if (!e.SmokeArgs.Contains("--seed") && DryRun("run", experiment)["config"]!.AsObject().ContainsKey("seed"))
        {
            Assert.That(other.ExitCode, Is.EqualTo(ExitCodes.BadInput), other.Error);
            Assert.That(other.Error, Does.StartWith("error: --out:").And.Contain("seed").And.Contain("--force"));
        }
        Assert.That(File.ReadAllBytes(Path.Combine(outDir, "results.json")), Is.EqualTo(results), "the finished run is untouched");
    }

    /// <summary>Values no setting should take: not a number, negative, zero, an empty list item, an unknown word, overflow, a missing file.</summary>
    private static readonly string[] BadValues = ["abc", "-1", "0", "1,,2", "bogus", "1e400", "/no/such/folder/x"];

    /// <summary>../shared/data/mnist-10k where this checkout sits beside it, else null.</summary>
    private static string? SharedMnist
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(TestData.RepoRoot, "..", "shared", "data", "mnist-10k"));
            return Directory.Exists(path) ? path : null;
        }
    }

    private static bool RefusalNamesAnother(string experiment, string name, string text, JsonObject defaults)
    {
        var r = CliHarness.Run("run", experiment, "--" + name, text, "--dry-run");
        return r.ExitCode == ExitCodes.BadInput && defaults.Select(d => d.Key).Any(other => other != name && r.Error.Contains(other, StringComparison.Ordinal));
    }

    private static bool Accepted(string experiment, string name, string text, JsonNode? original)
    {
        var r = CliHarness.Run("run", experiment, "--" + name, text, "--dry-run");
        return r.ExitCode == 0 && !JsonNode.DeepEquals(JsonNode.Parse(r.Out)!["config"]![name], original);
    }

    /// <summary>Other values of the kind of <paramref name="value"/>; words come from the setting's own "one of …" message.</summary>
    private static IEnumerable<string> Variations(string experiment, string name, JsonNode? value)
    {
        switch (value)
        {
            case null:
                return ["1", "2", "0.5", "100", "digits:" + TestData.DigitsFixture, .. SharedMnist is { } mnist ? [mnist] : Array.Empty<string>()];
            case JsonArray list:
                var items = list.Select(Text).ToList();
                var next = items.Select(i => int.TryParse(i, out int n) ? (n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : i).ToList();
                return [items[0], string.Join(",", Enumerable.Reverse(items)), string.Join(",", items.Take(Math.Max(1, items.Count - 1))), string.Join(",", next),
                        .. Words(experiment, name).Where(w => !items.Contains(w))];
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                double x = v.GetValue<double>();
                bool integer = Math.Floor(x) == x && !v.ToJsonString().Contains('.') && !v.ToJsonString().Contains('E', StringComparison.OrdinalIgnoreCase);
                return integer ? [Format(x + 1), Format(x * 2), Format(x - 1), "1", "2"] : [Format(x * 2), Format(x / 2), Format(x * 10), "0.5"];
            case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                return [v.GetValue<bool>() ? "false" : "true"];
            default:
                string s = Text(value);
                return s.Contains('/') && s.Split('/').All(p => int.TryParse(p, out _)) ? ["1/2", "0/2"] : Words(experiment, name).Where(w => w != s);
        }
    }

    /// <summary>The words a setting allows, read off its own refusal of a word it cannot know.</summary>
    private static IEnumerable<string> Words(string experiment, string name)
    {
        var r = CliHarness.Run("run", experiment, "--" + name, "bogus", "--dry-run");
        var m = AllowedWords().Match(r.Error);
        return m.Success ? m.Groups[1].Value.Split(", ") : [];
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray a => string.Join(",", a.Select(Text)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static string Format(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> CsvCells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted) { if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; } else if (c == '"') quoted = false; else cell.Append(c); }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    [GeneratedRegex(@"one of (.+?) \(got")]
    private static partial Regex AllowedWords();

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+)\)")]
    private static partial Regex ImageLink();
}
