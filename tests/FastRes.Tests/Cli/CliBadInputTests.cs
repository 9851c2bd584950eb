using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// SPEC §7: bad input → exactly one line on stderr naming the field, exit code 2, and nothing written (the --out
/// folder is not even created).
/// </summary>
public class CliBadInputTests
{
    private string _scratch = null!;

    [SetUp]
    public void SetUp() { _scratch = CliHarness.TempPath("bad"); Directory.CreateDirectory(_scratch); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true); }

    private static IEnumerable<TestCaseData> FlagCases()
    {
        TestCaseData Case(string field, params string[] args) => new TestCaseData(args, field).SetArgDisplayNames(string.Join(" ", args));
        yield return Case("run", "run", "no-such-experiment");
        yield return Case("--bogus", "run", "shortcut-cnn", "--bogus", "1");
        yield return Case("--p", "run", "shortcut-cnn", "--p", "abc");
        yield return Case("--p", "run", "shortcut-cnn", "--p", "1");
        yield return Case("--p", "run", "shortcut-cnn", "--p");
        yield return Case("--k", "run", "shortcut-cnn", "--k", "0,4");
        yield return Case("--k", "run", "shortcut-cnn", "--k", "4,x");
        yield return Case("--k", "run", "shortcut-cnn", "--k", "4,,8");
        yield return Case("--trials", "run", "shortcut-cnn", "--trials", "0");
        yield return Case("--trials", "run", "shortcut-cnn", "--trials", "-5");
        yield return Case("--iterations", "run", "shortcut-cnn", "--iterations", "1.5");
        yield return Case("--eta", "run", "shortcut-cnn", "--eta", "NaN");
        yield return Case("--eta", "run", "shortcut-cnn", "--eta", "-0.1");
        yield return Case("--eta", "run", "shortcut-cnn", "--eta", "0");
        yield return Case("--eta1", "run", "shortcut-cnn", "--eta1", "0");
        yield return Case("--eta-scale", "run", "shortcut-cnn", "--eta-scale", "-1");
        yield return Case("--eta-scale", "run", "shortcut-cnn", "--eta-scale", "Infinity");
        yield return Case("--warmup-c", "run", "shortcut-cnn", "--warmup-c", "0");
        yield return Case("--cap-deg", "run", "shortcut-cnn", "--cap-deg", "0");
        yield return Case("--cap-deg", "run", "shortcut-cnn", "--cap-deg", "180.5");
        yield return Case("--tol", "run", "shortcut-cnn", "--tol", "0");
        yield return Case("--shard", "run", "shortcut-cnn", "--shard", "2/2");
        yield return Case("--shard", "run", "shortcut-cnn", "--shard", "-1/2");
        yield return Case("--shard", "run", "shortcut-cnn", "--shard", "half");
        yield return Case("--methods", "run", "shortcut-cnn", "--methods", "cnn,densenet");
        yield return Case("--precision", "run", "shortcut-cnn", "--precision", "half");
        yield return Case("--simd", "run", "shortcut-cnn", "--simd", "64");
        yield return Case("--steps", "run", "shortcut-cnn", "--steps", "fast");
        yield return Case("--caps", "run", "shortcut-cnn-atlas", "--caps", "0,60");
        // The atlas sweeps --caps; a single --cap-deg would be silently ignored, so it is not an option there.
        yield return Case("--cap-deg", "run", "shortcut-cnn-atlas", "--cap-deg", "60");
        yield return Case("--p", "run", "shortcut-cnn", "--p", "--dry-run");
        yield return Case("--every", "run", "shortcut-cnn-trajectory", "--every", "0");
        yield return Case("--find-trapped", "run", "shortcut-cnn-trajectory", "--find-trapped", "maybe");
        yield return Case("--k", "run", "shortcut-cnn-trajectory", "--k", "4,8");
        yield return Case("--block-trials", "run", "shortcut-cnn", "--block-trials", "0");
        yield return Case("--block-trials", "run", "shortcut-cnn", "--block-trials", "many");
        // Issue 10: sizes the kernels cannot honour (they crashed with a .NET exception), angles at the edge of their domain,
        // a tolerance that would count spurious trials as successes.
        yield return Case("--k", "run", "shortcut-cnn", "--k", "2147483647");
        yield return Case("--k", "run", "shortcut-cnn", "--k", "100000000");
        yield return Case("--p", "run", "shortcut-cnn", "--p", "100000000");
        yield return Case("--search-trials", "run", "shortcut-cnn-trajectory", "--search-trials", "2147483647");
        yield return Case("--block-width", "run", "yun-critical-points", "--block-width", "2147483647");
        yield return Case("--cap-deg", "run", "shortcut-cnn", "--cap-deg", "5e-324");
        yield return Case("--tol", "run", "shortcut-cnn", "--tol", "1e308");
        yield return Case("--tol", "run", "shortcut-cnn", "--tol", "1.5708");
        yield return Case("--depths", "run", "hessian-at-zero", "--depths", "64,128,256");
        yield return Case("--trials", "run", "shortcut-cnn", "--trials", "9223372036854775807");
        // Empty paths are a mistake (an unset variable), never a default: one line naming the flag.
        yield return Case("--data", "run", "hessian-at-zero", "--data", "");
        yield return Case("--data", "run", "shamir-lemma1", "--data", " ");
        yield return Case("--config", "run", "shortcut-cnn", "--config", "");
        yield return Case("--config", "run", "shortcut-cnn", "--config", Path.GetTempPath());
        yield return Case("--resume", "run", "shortcut-cnn", "--resume", "");
        yield return Case("is a folder", "run", "initial-condition", "--data", "digits:" + Path.GetTempPath());
        // Scale-out commands (SPEC §7): checked before a script or a shard folder is written.
        yield return Case("--shards", "slurm", "run", "shortcut-cnn", "--shards", "0");
        yield return Case("--shards", "slurm", "run", "shortcut-cnn", "--shards", "four");
        yield return Case("--shards", "slurm", "run", "shortcut-cnn", "--k", "4");
        yield return Case("--shard", "slurm", "run", "shortcut-cnn", "--shards", "4", "--shard", "0/4");
        yield return Case("--threads", "slurm", "run", "shortcut-cnn", "--shards", "4", "--threads", "2");
        yield return Case("--wait", "slurm", "run", "shortcut-cnn", "--shards", "4", "--wait");
        yield return Case("--cpus-per-task", "slurm", "run", "shortcut-cnn", "--shards", "4", "--cpus-per-task", "0");
        yield return Case("--time", "slurm", "run", "shortcut-cnn", "--shards", "4", "--time", "1h; rm -rf /");
        yield return Case("--k", "slurm", "run", "shortcut-cnn", "--shards", "4", "--k", "0");
        yield return Case("run", "slurm", "run", "no-such-experiment");
        yield return Case("merge", "merge", "/no/such/shard/folder");
    }

    [TestCaseSource(nameof(FlagCases))]
    public void Bad_flag_gives_one_line_naming_the_field_exit_2_and_writes_nothing(string[] args, string field)
    {
        string outDir = Path.Combine(_scratch, "out");
        var result = CliHarness.Run([.. args, "--out", outDir]);
        AssertRejected(result, field, outDir);
    }

    [Test]
    public void Unknown_experiment_lists_the_known_ones()
    {
        var result = CliHarness.Run("run", "resnet50");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Contain("shortcut-cnn").And.Contain("shortcut-cnn-atlas").And.Contain("shortcut-cnn-trajectory"));
    }

    [Test]
    public void Unknown_option_is_a_single_line_not_the_parser_help_dump()
    {
        var result = CliHarness.Run("run", "shortcut-cnn", "--iterationz", "5");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Out, Is.Empty, "no help text on stdout either");
        Assert.That(result.Error, Does.Contain("--iterations"), "names what is allowed");
    }

    private static IEnumerable<TestCaseData> ConfigCases()
    {
        yield return new TestCaseData("{ \"p\": 8,\n  \"k\": [4, 8\n}", "line 3").SetArgDisplayNames("malformed");
        yield return new TestCaseData("{ \"p\": 8, \"iteratons\": 10 }", "iteratons").SetArgDisplayNames("unknown key");
        yield return new TestCaseData("{ \"p\": \"eight\" }", "\"p\"").SetArgDisplayNames("non-numeric");
        yield return new TestCaseData("{ \"k\": [0, 4] }", "--k").SetArgDisplayNames("k out of range");
        yield return new TestCaseData("[1, 2]", "object").SetArgDisplayNames("not an object");
        yield return new TestCaseData("{ \"p\": null }", "\"p\"").SetArgDisplayNames("null for a required value");
        // Issue 10: values typed exactly — a string is not a number, a scalar is not a list — and no key twice.
        yield return new TestCaseData("{ \"trials\": \"150\" }", "\"trials\": must be an integer (got the string").SetArgDisplayNames("string for a number");
        yield return new TestCaseData("{ \"trials\": [150] }", "\"trials\": must be an integer (got a list").SetArgDisplayNames("list for a number");
        yield return new TestCaseData("{ \"k\": 4 }", "\"k\": must be a list").SetArgDisplayNames("number for a list");
        yield return new TestCaseData("{ \"methods\": \"cnn\" }", "\"methods\": must be a list").SetArgDisplayNames("word for a list");
        yield return new TestCaseData("{ \"trials\": 150, \"trials\": 200 }", "\"trials\" is given twice").SetArgDisplayNames("duplicate key");
        yield return new TestCaseData("{ \"tol\": \"0.1\" }", "\"tol\": must be a number").SetArgDisplayNames("string for a real");
        yield return new TestCaseData("{ \"precision\": 1 }", "\"precision\": must be one of").SetArgDisplayNames("number for a word");
    }

    [TestCaseSource(nameof(ConfigCases))]
    public void Bad_config_file_gives_one_line_with_the_place_or_key(string json, string expected)
    {
        string file = Path.Combine(_scratch, "config.json");
        File.WriteAllText(file, json);
        string outDir = Path.Combine(_scratch, "out");
        var result = CliHarness.Run("run", "shortcut-cnn", "--config", file, "--out", outDir);
        AssertRejected(result, expected, outDir);
    }

    [Test]
    public void Unreadable_config_file_is_bad_input()
    {
        string outDir = Path.Combine(_scratch, "out");
        var result = CliHarness.Run("run", "shortcut-cnn", "--config", Path.Combine(_scratch, "missing.json"), "--out", outDir);
        AssertRejected(result, "--config", outDir);
    }

    [Test]
    public void Malformed_json_reports_line_and_position()
    {
        string file = Path.Combine(_scratch, "c.json");
        File.WriteAllText(file, "{\n  \"p\": 8,\n  \"k\": 4,,\n}");
        var result = CliHarness.Run("run", "shortcut-cnn", "--config", file, "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Error, Does.Match(@"line 3, position \d+"));
    }

    [Test]
    public void Out_that_is_a_file_is_bad_input_for_run_merge_and_slurm()
    {
        string file = Path.Combine(_scratch, "a-file");
        File.WriteAllText(file, "x");
        foreach (var args in new[]
        {
            new[] { "run", "shortcut-cnn", "--trials", "4", "--out", file },
            new[] { "run", "shortcut-cnn", "--trials", "4", "--out", Path.Combine(file, "below") },
            new[] { "slurm", "run", "shortcut-cnn", "--shards", "2", "--out", file },
        })
        {
            var r = CliHarness.Run(args);
            Assert.That(r.ExitCode, Is.EqualTo(2), string.Join(" ", args) + ": " + r.Error);
            Assert.That(r.ErrorLines, Has.Length.EqualTo(1), r.Error);
            Assert.That(r.Error, Does.StartWith("error: --out:"));
        }
        Assert.That(File.ReadAllText(file), Is.EqualTo("x"));
    }

    [Test]
    public void Resume_of_a_folder_that_is_not_a_run_is_bad_input()
    {
        var missing = CliHarness.Run("run", "shortcut-cnn", "--resume", Path.Combine(_scratch, "nothing-here"));
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.Error);
        Assert.That(missing.Error, Does.StartWith("error: --resume:").And.Contain("does not exist"));
        var empty = CliHarness.Run("run", "shortcut-cnn", "--resume", _scratch);
        Assert.That(empty.ExitCode, Is.EqualTo(2), empty.Error);
        Assert.That(empty.Error, Does.Contain("has no config.json"));
        Assert.That(Directory.GetFileSystemEntries(_scratch), Is.Empty, "nothing written");
    }

    [Test]
    public void Runtime_io_failure_is_one_line_exit_1_and_leaves_no_partial_file()
    {
        // results.json cannot replace a folder of that name: the rename that commits the result set fails after the
        // run. (Without --force the folder is refused up front: it holds files but no run.)
        string outDir = Path.Combine(_scratch, "out");
        Directory.CreateDirectory(Path.Combine(outDir, "results.json"));
        var r = CliHarness.Run("run", "shortcut-cnn", "--k", "2", "--trials", "8", "--iterations", "10", "--out", outDir, "--force");
        Assert.That(r.ExitCode, Is.EqualTo(1), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1), r.Error);
        Assert.That(r.Error, Does.StartWith("error: I/O:"));
        Assert.That(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty);
        Assert.That(Directory.GetDirectories(outDir, ".fastres-staging-*"), Is.Empty, "the staging folder goes with the failure");
        Assert.That(File.Exists(Path.Combine(outDir, "results.json")), Is.False, "no commit record: the folder does not look finished");
    }

    private static void AssertRejected(CliHarness.Outcome result, string field, string outDir)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.Error);
            Assert.That(result.ErrorLines, Has.Length.EqualTo(1), result.Error);
            Assert.That(result.Error, Does.StartWith("error: "));
            Assert.That(result.Error, Does.Contain(field));
            Assert.That(Directory.Exists(outDir), Is.False, "nothing may be written on bad input");
        });
    }
}
