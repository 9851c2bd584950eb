using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments.Results;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>The claims.json every experiment's run writes, checked the same way for each: what the claims tests share.</summary>
internal static class ClaimsFiles
{
    /// <summary>Runs <paramref name="name"/> with <paramref name="args"/> and checks its claims.json: every declared claim once, in order, as declared, with evidence, numbers and only figures the run drew.</summary>
    public static void Check(string name, string[] args)
    {
        var experiment = ExperimentRegistry.All.Single(e => e.Name == name);
        string dir = CliHarness.TempPath("claims-" + name);
        try
        {
            var r = CliHarness.Run(["run", name, .. args, "--out", dir]);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Error);
            var doc = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, RunFolder.ClaimsName)))!;
            var results = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "results.json")))!;
            var findings = doc["claims"]!.AsArray().Select(c => ClaimFinding.FromJson(c!)).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(doc["experiment"]!.GetValue<string>(), Is.EqualTo(name));
                Assert.That(doc["config_hash"]!.GetValue<string>(), Is.EqualTo(results["config_hash"]!.GetValue<string>()));
                Assert.That(experiment.Claims, Is.Not.Empty);
                Assert.That(findings.Select(f => f.Claim.Id), Is.EqualTo(experiment.Claims.Select(c => c.Id)), "every declared claim once, in order");
                Assert.That(findings.Select(f => f.Claim), Is.EqualTo(experiment.Claims), "the statement as declared");
                Assert.That(experiment.Claims.Select(c => c.Id), Has.All.StartWith(name + "/"));
                foreach (var f in findings)
                {
                    Assert.That(f.Evidence, Is.Not.Empty, f.Claim.Id);
                    foreach (string figure in f.Figures)
                    {
                        Assert.That(figure, Does.EndWith(".png"), f.Claim.Id);
                        Assert.That(File.Exists(Path.Combine(dir, figure)), Is.True, $"{f.Claim.Id} shows {figure}");
                    }
                    if (f.Verdict != Verdict.NotCheckable) Assert.That(f.Numbers, Is.Not.Empty, f.Claim.Id);
                }
            });
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

}
