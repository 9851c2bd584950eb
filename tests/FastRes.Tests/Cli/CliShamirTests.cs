using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>The Shamir experiments through the host: bad input is exit 2 with nothing written; a default run writes its files.</summary>
public class CliShamirTests
{
    [TestCase("shamir-example1", "--epsilons", "0,1")]
    [TestCase("shamir-example1", "--grid", "1")]
    [TestCase("shamir-example1", "--radius", "abc")]
    [TestCase("shamir-lemma1", "--losses", "hinge")]
    [TestCase("shamir-lemma1", "--samples", "3")]
    [TestCase("shamir-lemma1", "--label-noise", "0.5")]
    [TestCase("shamir-theorem2", "--activations", "identity")]
    [TestCase("shamir-theorem2", "--points", "0")]
    [TestCase("shamir-theorem2", "--digits", "3,3")]
    [TestCase("shamir-lemma1", "--data", "/nonexistent/folder")]
    [TestCase("shamir-local-minima", "--gradient-tolerance", "0")]
    [TestCase("shamir-local-minima", "--newton-steps", "x")]
    [TestCase("shamir-sgd", "--horizons", "0")]
    [TestCase("shamir-sgd", "--architectures", "plain")]
    [TestCase("shamir-lemma1", "--data", "digits:/nonexistent.csv")]
    [TestCase("yun-critical-points", "--block-width", "3")]
    [TestCase("yun-critical-points", "--activation", "relu")]
    [TestCase("yun-critical-points", "--search", "sideways")]
    [TestCase("yun-critical-points", "--perturbation", "-1")]
    [TestCase("yun-near-identity", "--depths", "0,4")]
    [TestCase("yun-near-identity", "--activations", "sigmoid")]
    [TestCase("yun-near-identity", "--stall-tolerance", "-1")]
    [TestCase("yun-rademacher", "--depths", "0,4")]
    [TestCase("yun-rademacher", "--contrast-radius", "-1")]
    public void Bad_input_is_one_line_exit_2_and_nothing_written(string experiment, string flag, string value)
    {
        string outDir = CliHarness.TempPath("shamir-bad");
        var r = CliHarness.Run("run", experiment, flag, value, "--out", outDir);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(2), r.Error);
            Assert.That(r.Error.Trim().Split('\n'), Has.Length.EqualTo(1), r.Error);
            Assert.That(r.Error, Does.Contain(flag.TrimStart('-')));
            Assert.That(Directory.Exists(outDir), Is.False);
        });
    }

    [TestCase("shamir-example1", "figure1.png", new[] { "w", "v", "value", "kind" }, new string[0])]
    [TestCase("shamir-lemma1", "lemma1.png", new[] { "loss", "min_lemma1_slack", "min_theorem1_slack", "lemma1_violations" }, new[] { "--points", "4" })]
    [TestCase("shamir-theorem2", "theorem2.png", new[] { "loss", "max_lambda_min", "min_inequality_slack", "inequality_violations" }, new[] { "--points", "4" })]
    [TestCase("shamir-local-minima", "local_minima.png", new[] { "loss", "local_minima", "violations", "max_f_minus_min_flin_at_minima" }, new[] { "--points", "3" })]
    [TestCase("yun-critical-points", "critical_points.png", new[] { "setting", "better_than_linear", "strict_saddles", "neither", "conditions_hold", "violations" },
        new[] { "--points", "2", "--losses", "logistic", "--samples", "40", "--gd-steps", "100", "--saddle-starts", "1", "--gradient-norm-steps", "30" })]
    [TestCase("yun-near-identity", "near_identity.png", new[] { "activation", "loss", "L", "critical", "stalled", "max_r_minus_rlin_adversarial", "min_bound_slack", "violations" },
        new[] { "--depths", "1,4", "--points", "1", "--adversarial-points", "1", "--samples", "40", "--steps", "300" })]
    [TestCase("yun-rademacher", "rademacher.png", new[] { "L", "estimate_mean", "estimate_se", "linear_mean", "bound", "violation", "contrast_mean" },
        new[] { "--depths", "1,4", "--signs", "4", "--samples", "20", "--dimension", "3", "--width", "2", "--steps", "50", "--contrast-max-blocks", "4" })]
    [TestCase("shamir-sgd", "sgd.png", new[] { "architecture", "T", "bound", "violations" }, new[] { "--horizons", "100,1000", "--repeats", "1" })]
    public void Small_run_writes_results_with_zero_violations(string experiment, string figure, string[] keys, string[] extra)
    {
        string outDir = CliHarness.TempPath("shamir");
        try
        {
            var r = CliHarness.Run(["run", experiment, .. extra, "--out", outDir]);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
            var root = doc.RootElement;
            Assert.Multiple(() =>
            {
                Assert.That(root.GetProperty("violations").GetInt32(), Is.EqualTo(0));
                Assert.That(root.GetProperty("cases").GetInt32(), Is.GreaterThan(0));
                Assert.That(root.GetProperty("rows").GetArrayLength(), Is.GreaterThan(0));
                var row = root.GetProperty("rows")[0];
                foreach (var key in keys) Assert.That(row.TryGetProperty(key, out _), Is.True, key);
                Assert.That(File.ReadAllText(Path.Combine(outDir, "summary.md")), Does.Contain("0 violation"));
                if (figure.EndsWith(".png"))
                    Assert.That(File.ReadAllBytes(Path.Combine(outDir, figure)).Take(4), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }));
                Assert.That(File.Exists(Path.Combine(outDir, "results.csv")), Is.True);
            });
        }
        finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, true); }
    }
}
