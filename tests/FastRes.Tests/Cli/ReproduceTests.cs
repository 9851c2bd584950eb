using System.Text.Json.Nodes;
using FastRes.Cli.Output;
using FastRes.Experiments.Results;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// <c>fastres reproduce</c>: one-line refusals that write nothing, a second call that reuses what the first ran, a
/// run whose folder was left half-written run again, an experiment that cannot run reported (not checkable, exit 1)
/// while the others go on — and the report's three forms, from one crafted model.
/// </summary>
[TestFixture]
public sealed class ReproduceTests
{
    private const string Fast = "shamir-theorem2";

    [TestCase("--scale", "fast", "--scale")]
    [TestCase("--only", "nope", "--only")]
    [TestCase("--only", ",", "--only")]
    [TestCase("--data", "/no/such/folder", "--data")]
    public void Bad_input_is_one_line_exit_2_and_writes_nothing(string option, string value, string field)
    {
        string dir = CliHarness.TempPath("reproduce-bad");
        var o = CliHarness.Run("reproduce", option, value, "--out", dir);
        Assert.That(o.ExitCode, Is.EqualTo(2));
        Assert.That(o.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(o.ErrorLines[0], Does.StartWith($"error: {field}: "));
        Assert.That(Directory.Exists(dir), Is.False, "nothing written");
    }

    [Test]
    public void An_out_path_that_is_a_file_is_refused()
    {
        using var temp = TestData.Temp();
        string file = temp.File("report");
        File.WriteAllText(file, "x");
        var o = CliHarness.Run("reproduce", "--only", Fast, "--out", file);
        Assert.That(o.ExitCode, Is.EqualTo(2));
        Assert.That(o.Error, Does.StartWith("error: --out: "));
    }

    [Test]
    public void A_second_call_reuses_the_finished_run_and_a_half_written_one_runs_again()
    {
        using var temp = TestData.Temp();
        var first = CliHarness.Run("reproduce", "--scale", "quick", "--only", Fast, "--out", temp.Path);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Error);
        foreach (var f in new[] { "index.html", "report.md", "report.json", $"runs/{Fast}/results.json", $"logs/{Fast}.log" })
            Assert.That(File.Exists(Path.Combine(temp.Path, f)), Is.True, f);
        Assert.That(Status(temp.Path), Is.EqualTo("ran"));
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "runs", Fast, "results.json"));

        var second = CliHarness.Run("reproduce", "--scale", "quick", "--only", Fast, "--out", temp.Path);
        Assert.That(second.ExitCode, Is.EqualTo(0), second.Error);
        Assert.That(Status(temp.Path), Is.EqualTo("reused"));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(temp.Path, "runs", Fast, "results.json")), Is.EqualTo(stamp), "not recomputed");

        // Another scale is another config: run again, replacing the report's own run.
        var other = CliHarness.Run("reproduce", "--scale", "default", "--only", Fast, "--out", temp.Path);
        Assert.That(other.ExitCode, Is.EqualTo(0), other.Error);
        Assert.That(Status(temp.Path), Is.EqualTo(QuickEqualsDefault(Fast) ? "reused" : "ran"));

        // A run killed before its results.json: the folder is interrupted (no journal: this experiment keeps none), so it runs anew.
        File.Delete(Path.Combine(temp.Path, "runs", Fast, "results.json"));
        var again = CliHarness.Run("reproduce", "--scale", "default", "--only", Fast, "--out", temp.Path);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.Error);
        Assert.That(Status(temp.Path), Is.EqualTo("ran"));
        Assert.That(File.Exists(Path.Combine(temp.Path, "runs", Fast, "results.json")), Is.True);
    }

    [Test]
    public void A_run_merged_from_slurm_shards_is_taken_as_the_run()
    {
        // What `fastres slurm reproduce`'s merge job leaves: a finished run of the same config in slurm/NAME/merged.
        using var temp = TestData.Temp();
        var e = FastRes.Cli.Hosting.ExperimentRegistry.All.Single(x => x.Name == Fast);
        string merged = Path.Combine(temp.Path, "slurm", Fast, "merged");
        var run = CliHarness.Run(["run", Fast, .. e.ReproduceArgs(FastRes.Cli.Hosting.ReproduceScale.Quick, null), "--out", merged]);
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
        var o = CliHarness.Run("reproduce", "--scale", "quick", "--only", Fast, "--out", temp.Path);
        Assert.That(o.ExitCode, Is.EqualTo(0), o.Error);
        Assert.That(Status(temp.Path), Is.EqualTo("merged"));
        Assert.That(File.ReadAllText(Path.Combine(temp.Path, "runs", Fast, "results.json")), Is.EqualTo(File.ReadAllText(Path.Combine(merged, "results.json"))));

    }

    [Test]
    public void An_experiment_that_cannot_run_is_reported_not_checkable_and_the_others_still_run()
    {
        using var temp = TestData.Temp();
        // A folder without MNIST files: the Li et al. experiment refuses it as bad data; the Shamir one does not take --data.
        string empty = Directory.CreateDirectory(temp.File("not-mnist")).FullName;
        var o = CliHarness.Run("reproduce", "--scale", "quick", "--only", $"hessian-at-zero,{Fast}", "--data", empty, "--out", temp.File("report"));
        Assert.That(o.ExitCode, Is.EqualTo(1), o.Error);
        Assert.That(o.Error, Does.Contain("hessian-at-zero"));
        var report = JsonNode.Parse(File.ReadAllText(temp.File("report/report.json")))!;
        var runs = report["experiments"]!.AsArray();
        Assert.That(runs.Single(r => (string?)r!["experiment"] == "hessian-at-zero")!["status"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(runs.Single(r => (string?)r!["experiment"] == "hessian-at-zero")!["error"]!.GetValue<string>(), Does.Contain("data"));
        Assert.That(runs.Single(r => (string?)r!["experiment"] == Fast)!["status"]!.GetValue<string>(), Is.EqualTo("ran"));
        foreach (var c in report["claims"]!.AsArray().Where(c => (string?)c!["experiment"] == "hessian-at-zero"))
            Assert.That(c!["verdict"]!.GetValue<string>(), Is.EqualTo("not-checkable"));
        Assert.That(File.ReadAllText(temp.File("report/index.html")), Does.Contain("did not run"));
    }

    [Test]
    public void Slurm_reproduce_writes_an_array_job_per_shardable_experiment_and_a_report_job_after_them()
    {
        using var temp = TestData.Temp();
        string dir = temp.File("cluster report");
        var o = CliHarness.Run("slurm", "reproduce", "--scale", "quick", "--only", $"shortcut-cnn,{Fast}", "--shards", "3", "--partition", "cpu", "--out", dir);
        Assert.That(o.ExitCode, Is.EqualTo(0), o.Error);
        Assert.That(File.Exists(Path.Combine(dir, "slurm", "shortcut-cnn", "job.sbatch")), Is.True, "shortcut-cnn shards");
        Assert.That(File.ReadAllText(Path.Combine(dir, "slurm", "shortcut-cnn", "job.sbatch")), Does.Contain("#SBATCH --array=0-2").And.Contain("#SBATCH --partition=cpu"));
        Assert.That(Directory.Exists(Path.Combine(dir, "slurm", Fast)), Is.False, $"{Fast} does not shard: the report job runs it");
        string report = File.ReadAllText(Path.Combine(dir, "report.sbatch"));
        Assert.That(report, Does.Contain($"reproduce --scale quick --only shortcut-cnn,{Fast} --out '{Path.GetFullPath(dir)}'"));
        Assert.That(report, Does.Contain("#SBATCH --partition=cpu"));

        // Bad input: one line, nothing written.
        string other = temp.File("bad");
        var bad = CliHarness.Run("slurm", "reproduce", "--only", "shortcut-cnn", "--shards", "0", "--out", other);
        Assert.That(bad.ExitCode, Is.EqualTo(2));
        Assert.That(bad.Error, Does.StartWith("error: --shards: "));
        Assert.That(Directory.Exists(other), Is.False);
    }

    // ---- the report's forms, from a crafted model ----

    private static readonly PaperClaim Theorem = new("x/theorem", Paper.Li2016, "Theorem 2", "the Hessian at zero is <zero> & \"flat\"");
    private static readonly PaperClaim Figure = new("y/figure", Paper.Shamir2018, "Figure 1", "a saddle");
    private static readonly PaperClaim Beyond = new("y/beyond", Paper.FastRes, "atlas", "where it stops");

    private static ReproductionReport Crafted() => new("quick", "fastres reproduce --scale quick --out r", DateTimeOffset.Parse("2026-12-02T10:00:00Z"), 12.25, "0.1.0", "0123456789abcdef",
        [("cpu", "test cpu"), ("cores", "2")],
        [
            new("x", "experiment x", RunStatus.Ran, 3.25, "fastres run x --out runs/x", "mnist (10000 rows)", new string('a', 64), null,
                [new(Theorem, Verdict.Holds, "0 violations in 6 cases", [new("max |H|", 0), new("cases", 6, "cells")], ["k.png"])]),
            new("y", "experiment y", RunStatus.Failed, 0.5, "fastres run y --out runs/y", null, null, "--data: no IDX files",
                [ClaimFinding.NotCheckable(Figure, "the run did not complete here"), new(Beyond, Verdict.Partly, "2 of 3", [], [])]),
        ]);

    [Test]
    public void The_json_form_counts_verdicts_and_its_claims_read_back()
    {
        var json = Crafted().ToJson();
        Assert.That(json["summary"]!["claims"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(json["summary"]!["holds"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["summary"]!["partly"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["summary"]!["not_checkable"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(json["summary"]!["experiments_failed"]!.GetValue<int>(), Is.EqualTo(1));
        var back = json["claims"]!.AsArray().Select(c => ClaimFinding.FromJson(c!)).ToList();
        Assert.That(back.Select(b => b.Claim), Is.EqualTo(new[] { Theorem, Figure, Beyond }));
        Assert.That(back[0].Numbers, Is.EqualTo(Crafted().Experiments[0].Findings[0].Numbers));
        Assert.That(back[0].Figures, Is.EqualTo(new[] { "k.png" }));
    }

    [Test]
    public void The_page_is_grouped_by_paper_escaped_offline_and_has_a_contents_list()
    {
        string html = Crafted().ToHtml();
        Assert.That(html, Does.Contain("&lt;zero&gt; &amp; &quot;flat&quot;"), "statements are escaped");
        Assert.That(html, Does.Not.Contain("<zero>"));
        Assert.That(html, Does.Not.Contain("<script"), "no script: nothing to fail in the console");
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"), "no network");
        Assert.That(html, Does.Contain("<meta name=\"viewport\""));
        Assert.That(html, Does.Contain("<nav>"));
        Assert.That(html, Does.Contain("src=\"figures/x/k.png\""));
        Assert.That(html, Does.Contain("3 claims checked: 1 holds, 0 do not hold, 1 partly, 1 not checkable here"));
        Assert.That(html, Does.Contain("12 s this call, 4 s in the runs"), "a reused run's time is not passed off as this call's");
        Assert.That(html, Does.Contain("did not run: --data: no IDX files"));
        // Papers in report order: Li before Shamir before the claims beyond the papers.
        int li = html.IndexOf("id=\"li2016\"", StringComparison.Ordinal), shamir = html.IndexOf("id=\"shamir2018\"", StringComparison.Ordinal), beyond = html.IndexOf("id=\"fastres\"", StringComparison.Ordinal);
        Assert.That(li, Is.GreaterThan(0));
        Assert.That(shamir, Is.GreaterThan(li));
        Assert.That(beyond, Is.GreaterThan(shamir));
    }

    [Test]
    public void The_markdown_form_has_the_claim_table_and_each_figure()
    {
        string md = Crafted().ToMarkdown();
        Assert.That(md, Does.Contain("| li2016 | Theorem 2 |"));
        Assert.That(md, Does.Contain("**holds**"));
        Assert.That(md, Does.Contain("![k.png](figures/x/k.png)"));
        Assert.That(md, Does.Contain("the Hessian at zero is &lt;zero&gt; &amp; \"flat\""), "not read as HTML by a markdown renderer");
    }

    private static string Status(string dir)
        => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!["experiments"]![0]!["status"]!.GetValue<string>();

    private static bool QuickEqualsDefault(string name)
    {
        var e = FastRes.Cli.Hosting.ExperimentRegistry.All.Single(x => x.Name == name);
        return e.ReproduceArgs(FastRes.Cli.Hosting.ReproduceScale.Quick, null).Count == 0;
    }
}
