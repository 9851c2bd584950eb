using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>The Hessian experiments through the host: bad --data is bad input, a small run writes its files.</summary>
public class CliHessianTests
{
    [TestCase("hessian-at-zero", "--data", "/nonexistent/folder")]
    [TestCase("initial-condition", "--data", "digits:/nonexistent.csv")]
    [TestCase("hessian-at-zero", "--activation", "relu")]
    [TestCase("hessian-at-zero", "--shortcut", "0")]
    [TestCase("initial-condition", "--nets", "resnet")]
    [TestCase("initial-condition", "--runs", "0")]
    public void Bad_input_is_one_line_exit_2_and_nothing_written(string experiment, string flag, string value)
    {
        string outDir = Path.Combine(Path.GetTempPath(), "fastres-bad-" + Guid.NewGuid().ToString("N"));
        var r = CliHarness.Run("run", experiment, flag, value, "--out", outDir);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(2), r.Error);
            Assert.That(r.Error.Trim().Split('\n'), Has.Length.EqualTo(1), r.Error);
            Assert.That(r.Error, Does.Contain(flag.TrimStart('-')));
            Assert.That(Directory.Exists(outDir), Is.False);
        });
    }

    [Test]
    public void Small_runs_write_parseable_results()
    {
        foreach (var args in new[]
        {
            new[] { "run", "hessian-at-zero", "--depths", "2,4", "--width", "4" },
            new[] { "run", "initial-condition", "--depths", "2,4", "--runs", "2", "--width", "4" },
        })
        {
            string outDir = Path.Combine(Path.GetTempPath(), "fastres-h-" + Guid.NewGuid().ToString("N"));
            try
            {
                var r = CliHarness.Run([.. args, "--out", outDir]);
                Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
                using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
                Assert.That(doc.RootElement.GetProperty("rows").GetArrayLength(), Is.GreaterThan(0));
                Assert.That(File.ReadAllBytes(Path.Combine(outDir, "kappa_vs_depth.png")).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }));
            }
            finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, true); }
        }
    }
}
