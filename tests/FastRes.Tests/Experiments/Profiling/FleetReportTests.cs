using System.Text.Json;
using FastRes.Experiments.Profiling;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Profiling;

/// <summary>
/// `bench fleet collect`'s logic on crafted node reports: groups by node type (and partition), the outlier rule's band
/// median ± max(k·1.4826·MAD, 5% of median) and its ≥ 3-node condition, missing figures, duplicate hosts, references.
/// </summary>
public class FleetReportTests
{
    /// <summary>A Zen 5 two-core node whose figures are <paramref name="scale"/> × a typical node's, the triad × <paramref name="triad"/>.</summary>
    internal static BenchReport Node(string host, double scale = 1, double triad = 1, string uarch = "Zen 5", int cores = 2,
                                     string partition = "", DateTimeOffset? at = null, params string[] without)
    {
        var machine = new MachineInfo("AMD EPYC 9005", cores, "AVX-512F AVX2 FMA", "Vector512", ".NET 10", "Linux")
        {
            Host = host,
            Partition = partition,
            Identity = new CpuIdentity("AMD", 26, 2, 1, uarch, 1L << 34),
        };
        var results = new List<BenchResult>
        {
            new("peak", $"Vector512/double/{cores}t", "chains=12", 0.2, 200 * scale, "GFLOP/s"),
            new("mc", $"Vector512/double/{cores}t", "p=8,k=16", 0.5, 75e6 * scale, "trial-iterations/s"),
            new("hessian", $"tanh-mid/double/{cores}t", "depth=16,n=2,d=10,m=4000", 0.6, 1.5 * scale, "Hessians/s"),
            new("triad", $"Vector512/double/{cores}t", "n=8388608 (3×64 MiB)", 0.02, 30 * scale * triad, "GB/s"),
        };
        return new BenchReport(machine, [.. results.Where(r => !without.Contains(r.Kernel))]) { MeasuredAt = at };
    }

    internal static FleetInput In(BenchReport report, string? source = null, DateTimeOffset? fileTime = null)
        => new(source ?? report.Machine.Host + ".json", report, fileTime ?? DateTimeOffset.UnixEpoch);

    private static FleetCell Cell(FleetReport report, string host, string kernel)
        => report.Nodes.Single(n => n.Host == host).Cells.Single(c => c.Figure.Kernel == kernel);

    [Test]
    public void A_slow_node_among_four_is_flagged_and_only_in_the_figure_that_is_slow()
    {
        var report = FleetReport.Build([In(Node("n1", 1.00)), In(Node("n2", 0.99)), In(Node("n3", 1.01)), In(Node("n4", 1.00, triad: 0.6))], new FleetRule());
        Assert.Multiple(() =>
        {
            Assert.That(report.Groups.Single().Name, Is.EqualTo("Zen 5/2 cores"));
            Assert.That(Cell(report, "n4", "triad").Verdict, Is.EqualTo(FleetVerdict.Slow));
            Assert.That(Cell(report, "n4", "triad").RatioToMedian, Is.EqualTo(18 / 29.85).Within(1e-12), "median of 30.3, 30, 29.7, 18 is 29.85");
            Assert.That(Cell(report, "n4", "peak").Verdict, Is.EqualTo(FleetVerdict.Ok));
            Assert.That(report.Nodes.Where(n => n.Host != "n4").SelectMany(n => n.Cells).Select(c => c.Verdict), Is.All.EqualTo(FleetVerdict.Ok));
            Assert.That(report.Failed, Is.False, "outliers alone do not fail the run; only references do");
        });
    }

    [Test]
    public void The_ratio_is_to_the_group_median()
    {
        var report = FleetReport.Build([In(Node("a", 1.0)), In(Node("b", 0.5)), In(Node("c", 2.0))], new FleetRule());
        Assert.That(Cell(report, "b", "peak").GroupMedian, Is.EqualTo(200));
        Assert.That(Cell(report, "b", "peak").RatioToMedian, Is.EqualTo(0.5));
        Assert.That(Cell(report, "c", "peak").RatioToMedian, Is.EqualTo(2.0));
    }

    [TestCase(0.96, FleetVerdict.Ok, TestName = "4% below a MAD-0 group: inside the 5% floor")]
    [TestCase(0.94, FleetVerdict.Slow, TestName = "6% below a MAD-0 group: outside the 5% floor")]
    [TestCase(1.06, FleetVerdict.Fast, TestName = "6% above a MAD-0 group: a fast outlier")]
    public void Identical_nodes_flag_only_beyond_five_percent(double scale, FleetVerdict expected)
    {
        var report = FleetReport.Build([In(Node("a")), In(Node("b")), In(Node("c")), In(Node("d", scale))], new FleetRule());
        Assert.That(Cell(report, "d", "peak").Verdict, Is.EqualTo(expected));
    }

    [Test]
    public void A_noisy_group_widens_the_band_by_k_times_the_scaled_MAD()
    {
        // Rates 100, 90, 110, 95, 105, 75 (× 200): median 97.5, |deviations| 2.5, 7.5, 12.5, 2.5, 7.5, 22.5 → MAD 7.5;
        // k = 3 gives a half-width of 3 · 1.4826 · 7.5 = 33.4 (75 and 110 are inside), k = 1 gives 11.1 (75 is out below,
        // 110 out above, 105 inside).
        double[] scales = [1.00, 0.90, 1.10, 0.95, 1.05, 0.75];
        var inputs = scales.Select((s, i) => In(Node($"n{i}", s))).ToList();
        var wide = FleetReport.Build(inputs, new FleetRule(3));
        var narrow = FleetReport.Build(inputs, new FleetRule(1));
        Assert.Multiple(() =>
        {
            Assert.That(Cell(wide, "n5", "peak").Verdict, Is.EqualTo(FleetVerdict.Ok));
            Assert.That(Cell(narrow, "n5", "peak").Verdict, Is.EqualTo(FleetVerdict.Slow));
            Assert.That(Cell(wide, "n2", "peak").Verdict, Is.EqualTo(FleetVerdict.Ok));
            Assert.That(Cell(narrow, "n2", "peak").Verdict, Is.EqualTo(FleetVerdict.Fast));
            Assert.That(Cell(narrow, "n4", "peak").Verdict, Is.EqualTo(FleetVerdict.Ok));
            Assert.That(new FleetRule(1).HalfWidth(97.5, 7.5), Is.EqualTo(1.4826 * 7.5).Within(1e-12));
        });
    }

    [Test]
    public void A_two_node_group_is_not_judged_and_the_report_says_so()
    {
        var report = FleetReport.Build(
            [In(Node("z1")), In(Node("z2")), In(Node("z3")), In(Node("g1", uarch: "Zen 4", cores: 64)), In(Node("g2", 0.5, uarch: "Zen 4", cores: 64))],
            new FleetRule());
        var zen4 = report.Groups.Single(g => g.NodeType == "Zen 4/64 cores");
        Assert.Multiple(() =>
        {
            Assert.That(report.Groups, Has.Count.EqualTo(2));
            Assert.That(zen4.Judged, Is.False);
            Assert.That(Cell(report, "g2", "peak").Verdict, Is.EqualTo(FleetVerdict.NotJudged), "half the other node's rate, but two nodes cannot say which is off");
            Assert.That(Cell(report, "g2", "peak").RatioToMedian, Is.EqualTo(0.5 / 0.75).Within(1e-12));
            Assert.That(report.Notes, Has.Some.Contains("Zen 4/64 cores: 2 nodes, not judged"));
            Assert.That(report.ToMarkdown(), Does.Contain("not judged (fewer than 3)"));
            Assert.That(report.Groups.Single(g => g.NodeType == "Zen 5/2 cores").Judged, Is.True);
        });
    }

    [Test]
    public void The_same_type_in_two_partitions_is_two_groups()
    {
        var report = FleetReport.Build([In(Node("a", partition: "cpu")), In(Node("b", partition: "cpu")), In(Node("c", partition: "big"))], new FleetRule());
        Assert.That(report.Groups.Select(g => g.Name), Is.EquivalentTo(new[] { "Zen 5/2 cores · cpu", "Zen 5/2 cores · big" }));
    }

    [Test]
    public void A_node_missing_a_kernel_is_reported_missing_and_the_others_still_judged()
    {
        var report = FleetReport.Build([In(Node("a")), In(Node("b")), In(Node("c", triad: 0.5)), In(Node("d", without: "triad"))], new FleetRule());
        var missing = Cell(report, "d", "triad");
        Assert.Multiple(() =>
        {
            Assert.That(missing.Verdict, Is.EqualTo(FleetVerdict.Missing));
            Assert.That(missing.Rate, Is.Null);
            Assert.That(Cell(report, "c", "triad").Verdict, Is.EqualTo(FleetVerdict.Slow), "judged among the three that have it");
            Assert.That(report.Summary(), Has.Some.StartsWith("missing  d  triad"));
        });
        using var json = JsonDocument.Parse(report.ToJson());
        var d = json.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("host").GetString() == "d");
        Assert.That(d.GetProperty("missing").GetInt32(), Is.EqualTo(1));
        var cell = d.GetProperty("figures").EnumerateArray().Single(f => f.GetProperty("kernel").GetString() == "triad");
        Assert.That(cell.GetProperty("rate").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(cell.GetProperty("verdict").GetString(), Is.EqualTo("missing"));
    }

    [Test]
    public void Two_reports_of_one_host_keep_the_later_measurement_and_say_so()
    {
        var early = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var report = FleetReport.Build(
            [In(Node("a", 2.0, at: early.AddHours(1)), "a-new.json"), In(Node("A", 1.0, at: early), "a-old.json"), In(Node("b")), In(Node("c"))],
            new FleetRule());
        Assert.Multiple(() =>
        {
            Assert.That(report.Nodes, Has.Count.EqualTo(3), "host names are case-insensitive");
            Assert.That(report.Nodes.Single(n => n.Source == "a-new.json").Cells[0].Rate, Is.EqualTo(400));
            Assert.That(report.Notes, Has.Some.Contains("2 reports (a-new.json, a-old.json); kept the latest by measured_at, a-new.json"));
        });
        // Without measured_at on both, the file time decides.
        var byFile = FleetReport.Build([In(Node("a", 2.0), "x.json", early.AddDays(1)), In(Node("a", 1.0), "y.json", early)], new FleetRule());
        Assert.That(byFile.Nodes.Single().Source, Is.EqualTo("x.json"));
        Assert.That(byFile.Notes, Has.Some.Contains("latest by file time, x.json"));
    }

    [Test]
    public void A_report_without_a_host_is_refused_naming_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() => FleetReport.Build([In(Node("a")), In(Node(""), "old.json")], new FleetRule()));
        Assert.That(e!.Message, Does.StartWith("old.json: machine.host"));
    }

    [Test]
    public void The_fraction_of_peak_is_of_the_node_s_own_peak()
    {
        var report = FleetReport.Build([In(Node("a")), In(Node("b", 0.5))], new FleetRule());
        // mc at p = 8, k = 16 is quoted at KernelProfiler's flop count per trial-iteration against the node's double peak.
        double? a = Cell(report, "a", "mc").FractionOfPeak, b = Cell(report, "b", "mc").FractionOfPeak;
        Assert.That(a, Is.Not.Null.And.GreaterThan(0));
        Assert.That(b, Is.EqualTo(a).Within(1e-12), "half the rate on half the peak is the same fraction");
        Assert.That(Cell(report, "a", "triad").FractionOfPeak, Is.Null, "bandwidth is not a fraction of an FMA peak");
    }

    private static FleetReferences Refs(string body) => FleetReferences.Parse("{\"node_types\": {\"Zen 5/2 cores\": {" + body + "}}}", "refs.json");

    [Test]
    public void A_node_below_its_reference_fails_the_run_and_one_at_the_floor_passes()
    {
        // Floor 30 × (1 − 0.2) = 24 GB/s: 24 passes, 23.7 fails.
        var refs = Refs(""" "triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 0.2, "unit": "GB/s"}} """);
        var report = FleetReport.Build([In(Node("a")), In(Node("b", triad: 0.8)), In(Node("c", triad: 0.79))], new FleetRule(), refs, "refs.json");
        Assert.Multiple(() =>
        {
            Assert.That(Cell(report, "b", "triad").ReferenceFailed, Is.False);
            Assert.That(Cell(report, "c", "triad").ReferenceFailed, Is.True);
            Assert.That(Cell(report, "a", "peak").Reference, Is.Null);
            Assert.That(report.Failed, Is.True);
            Assert.That(report.Summary(), Has.Some.StartsWith("BELOW REFERENCE  c  triad"));
            Assert.That(report.ToMarkdown(), Does.Contain("**1 failure — FAILED**"));
        });
        using var json = JsonDocument.Parse(report.ToJson());
        Assert.That(json.RootElement.GetProperty("failed").GetBoolean(), Is.True);
    }

    [Test]
    public void A_figure_a_reference_asks_for_that_a_node_lacks_fails()
    {
        var refs = Refs(""" "hessian": {"tanh-mid/double/2t": {"rate": 1, "tolerance": 0.5}} """);
        var report = FleetReport.Build([In(Node("a")), In(Node("b", without: "hessian"))], new FleetRule(), refs, "refs.json");
        Assert.That(report.Nodes.Single(n => n.Host == "b").ReferenceFailures.Single().Verdict, Is.EqualTo(FleetVerdict.Missing));
        Assert.That(report.Nodes.Single(n => n.Host == "a").ReferenceFailures, Is.Empty);
        Assert.That(report.Failed, Is.True);
    }

    [Test]
    public void References_of_another_type_do_not_apply_and_are_noted()
    {
        var refs = FleetReferences.Parse("""{"node_types": {"Zen 4/64 cores": {"peak": {"Vector512/double/64t": {"rate": 1e6, "tolerance": 0}}}}}""", "refs.json");
        var report = FleetReport.Build([In(Node("a"))], new FleetRule(), refs, "refs.json");
        Assert.That(report.Failed, Is.False);
        Assert.That(report.Notes, Has.Some.Contains("reference node type \"Zen 4/64 cores\": no node of that type"));
    }

    [Test]
    public void A_reference_in_another_unit_is_refused()
    {
        var refs = Refs(""" "triad": {"Vector512/double/2t": {"rate": 30, "tolerance": 0.2, "unit": "MB/s"}} """);
        var e = Assert.Throws<InvalidDataException>(() => FleetReport.Build([In(Node("a"))], new FleetRule(), refs, "refs.json"));
        Assert.That(e!.Message, Does.Contain("unit is \"MB/s\" but a.json measures it in \"GB/s\""));
    }

    [Test]
    public void Node_type_is_the_microarchitecture_or_the_cpu_model_and_the_cores()
    {
        Assert.That(FleetReport.NodeType(Node("a").Machine), Is.EqualTo("Zen 5/2 cores"));
        var unknown = Node("a").Machine with { Identity = new CpuIdentity("Intel", 6, 0xFF, 0, null, null), Cores = 56 };
        Assert.That(FleetReport.NodeType(unknown), Is.EqualTo("AMD EPYC 9005/56 cores"));
    }

    [Test]
    public void Markdown_tables_escape_pipes_in_names()
    {
        var odd = Node("a") with { Machine = Node("a").Machine with { Cpu = "CPU | with pipe", Identity = null } };
        string md = FleetReport.Build([In(odd)], new FleetRule()).ToMarkdown();
        Assert.That(md, Does.Contain("CPU \\| with pipe"));
        Assert.That(md.Split('\n').Where(l => l.StartsWith('|')), Has.None.Contains("CPU | with"), "a table row split by the name's pipe");
    }

    [Test]
    public void A_node_report_round_trips_its_partition_and_time_and_an_older_one_parses_without()
    {
        var at = new DateTimeOffset(2025, 6, 1, 12, 30, 0, TimeSpan.FromHours(2));
        var back = BenchReport.Parse(Node("n1", partition: "cpu", at: at).ToJson());
        Assert.That(back.Machine.Partition, Is.EqualTo("cpu"));
        Assert.That(back.MeasuredAt, Is.EqualTo(at), "same instant (written in UTC)");
        Assert.That(back.Results, Is.EqualTo(Node("n1").Results));
        var old = BenchReport.Parse("""{"machine": {"cpu": "x", "cores": 2}, "results": []}""");
        Assert.That(old.Machine.Partition, Is.Empty);
        Assert.That(old.MeasuredAt, Is.Null);
        Assert.Throws<InvalidDataException>(() => BenchReport.Parse("""{"measured_at": "yesterday", "results": []}"""));
    }
}
