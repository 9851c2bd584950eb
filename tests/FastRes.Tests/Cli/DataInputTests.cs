using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// Issue 10: every data input is recorded (rows read, SHA-256 of the file as given) in config.json and results.json,
/// shards of different inputs do not merge, and a truncated file is refused before anything is written.
/// </summary>
public class DataInputTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() { _dir = CliHarness.TempPath("data"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void TearDown() { if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true); }

    private static readonly string[] Small = ["--depths", "2", "--runs", "2"];

    [Test]
    public void A_run_records_the_rows_and_hash_of_its_data_in_config_json_and_results_json()
    {
        string outDir = Path.Combine(_dir, "run");
        var r = CliHarness.Run(["run", "initial-condition", .. Small, "--data", "digits:" + TestData.DigitsFixture, "--out", outDir]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
        string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(TestData.DigitsFixture)));
        foreach (string file in new[] { "config.json", "results.json" })
        {
            var data = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, file)))!["data"]!;
            Assert.That((int)data["rows"]!, Is.EqualTo(200), file);
            Assert.That((string)data["sha256"]!, Is.EqualTo(sha), file);
        }
    }

    [Test]
    public void Shards_of_different_data_files_do_not_merge()
    {
        string[] shards = Enumerable.Range(0, 2).Select(i =>
        {
            string dir = Path.Combine(_dir, $"s{i}");
            var r = CliHarness.Run(["run", "initial-condition", .. Small, "--data", "digits:" + TestData.DigitsFixture, "--shard", $"{i}/2", "--out", dir]);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
            return dir;
        }).ToArray();
        // Shard 1 as if its file had other bytes under the same name.
        string path = Path.Combine(shards[1], "results.json");
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        doc["data"]!["sha256"] = new string('0', 64);
        File.WriteAllText(path, doc.ToJsonString());
        var merge = CliHarness.Run(["merge", .. shards, "--out", Path.Combine(_dir, "m")]);
        Assert.That(merge.ExitCode, Is.EqualTo(ExitCodes.BadInput), merge.Error);
        Assert.That(merge.Error, Does.Contain("different inputs"));
    }

    [Test]
    public void A_truncated_gzip_is_refused_in_one_line_and_nothing_is_written()
    {
        // The case: the 8×8 digits CSV without its gzip trailer was read as a shorter data set.
        byte[] bytes = File.ReadAllBytes(TestData.DigitsFixture);
        string cut = Path.Combine(_dir, "cut.csv.gz");
        File.WriteAllBytes(cut, bytes[..^8]);
        string outDir = Path.Combine(_dir, "out");
        var r = CliHarness.Run(["run", "initial-condition", .. Small, "--data", "digits:" + cut, "--out", outDir]);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.BadInput), r.Error);
        Assert.That(r.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(r.Error, Does.StartWith("error: --data:").And.Contain("truncated"));
        Assert.That(Directory.Exists(outDir), Is.False);
    }
}
