using System.Globalization;
using System.Text;
using System.Text.Json;
using FastRes.Experiments.Statistics;

namespace FastRes.Experiments.Profiling;

/// <summary>One node's bench report as `bench fleet collect` read it: the file it came from and that file's time.</summary>
public sealed record FleetInput(string Source, BenchReport Report, DateTimeOffset FileTime);

/// <summary>A measured figure, the same on every node of a group: kernel, variant, size and unit.</summary>
public readonly record struct FleetFigure(string Kernel, string Variant, string Size, string Unit)
{
    public override string ToString() => $"{Kernel} {Variant} {Size}";
}

/// <summary>What the outlier rule says of one node's figure.</summary>
public enum FleetVerdict { Ok, Slow, Fast, NotJudged, Missing }

/// <summary>One node's figure: its rate (null when the node's report lacks it), the rate as a fraction of the node's own FMA
/// peak where that is defined, its group's median and the ratio to it, the verdict, and the reference check when one applies.</summary>
public sealed record FleetCell(FleetFigure Figure, double? Rate, int Samples, double? FractionOfPeak, double? GroupMedian,
                               FleetVerdict Verdict, FleetReferenceValue? Reference, bool ReferenceFailed)
{
    public double? RatioToMedian => Rate is { } r && GroupMedian is > 0 ? r / GroupMedian.Value : null;
}

/// <summary>A node of the fleet: who it is (from its report's machine block), its type and group, and its figures.</summary>
public sealed record FleetNode(string Source, MachineInfo Machine, string NodeType, string Group, IReadOnlyList<FleetCell> Cells)
{
    public string Host => Machine.Host;
    public IEnumerable<FleetCell> Outliers => Cells.Where(c => c.Verdict is FleetVerdict.Slow or FleetVerdict.Fast);
    public IEnumerable<FleetCell> Missing => Cells.Where(c => c.Verdict == FleetVerdict.Missing);
    public IEnumerable<FleetCell> ReferenceFailures => Cells.Where(c => c.ReferenceFailed);
}

/// <summary>Nodes compared with each other: one node type, in one partition when the reports name it.</summary>
public sealed record FleetGroup(string Name, string NodeType, string Partition, IReadOnlyList<string> Hosts, bool Judged);

/// <summary>
/// The outlier rule: a figure of a node is an outlier when its rate lies outside median ± max(k · 1.4826 · MAD, 5 % of the
/// median) of the rates of that figure in the node's group. MAD is the median absolute deviation from the median, and
/// 1.4826 · MAD estimates the standard deviation of normal noise while one or two slow nodes barely move it (unlike the
/// standard deviation they would inflate); the 5 % floor keeps a group of near-identical nodes (MAD ≈ 0) from flagging
/// run-to-run noise. Judged only where at least <see cref="MinNodes"/> nodes of the group have the figure: with two, the
/// median cannot tell which of them is off.
/// </summary>
public sealed record FleetRule(double K = FleetRule.DefaultK)
{
    public const double DefaultK = 3;
    public const double Consistency = 1.4826;
    public const double MinBandFraction = 0.05;
    public const int MinNodes = 3;

    /// <summary>The half-width of the band around <paramref name="median"/>.</summary>
    public double HalfWidth(double median, double mad) => Math.Max(K * Consistency * mad, MinBandFraction * Math.Abs(median));

    public string Describe()
        => $"a rate is an outlier when outside median ± max({K.ToString(CultureInfo.InvariantCulture)}·1.4826·MAD, 5% of median) of its group " +
           $"(MAD: median absolute deviation; judged only in groups where ≥ {MinNodes} nodes have the figure)";
}

/// <summary>
/// `fastres bench fleet collect` (issue 14 item 4): per-node bench reports combined into one fleet report — per node its CPU
/// (model, vendor, family/model/stepping, microarchitecture), ISA and cores; per figure its rate, fraction of the node's own
/// peak, ratio to its group's median and the <see cref="FleetRule"/>'s verdict; and the <see cref="FleetReferences"/> check.
/// </summary>
/// <remarks>
/// A node type is "microarchitecture (or CPU model)/N cores"; a group is a node type, within a partition when the
/// report names one (SLURM_JOB_PARTITION, recorded by `bench fleet profile`). Two reports of the same host: the later
/// (by measured_at, else by file time) is kept and the other named in <see cref="Notes"/>. A figure that some nodes of a
/// group have and another lacks is that node's "missing" figure, not an error.
/// </remarks>
public sealed partial record FleetReport(FleetRule Rule, IReadOnlyList<FleetGroup> Groups, IReadOnlyList<FleetNode> Nodes,
                                         IReadOnlyList<string> Notes, string? ReferenceSource)
{
    /// <summary>True when a node fell below a reference value (or lacks a figure a reference asks for): exit 1.</summary>
    public bool Failed => Nodes.Any(n => n.ReferenceFailures.Any());

    /// <summary>"Zen 5/2 cores": the microarchitecture where known, else the CPU model, and the core count.</summary>
    public static string NodeType(MachineInfo m)
        => $"{m.Identity?.Microarchitecture ?? (m.Cpu.Length > 0 ? m.Cpu : "unknown CPU")}/{m.Cores} cores";

    /// <summary>Combines <paramref name="inputs"/>; throws <see cref="InvalidDataException"/> (naming the file) on a report
    /// without a host or a reference whose unit differs from the node's.</summary>
    public static FleetReport Build(IReadOnlyList<FleetInput> inputs, FleetRule rule, FleetReferences? references = null, string? referenceSource = null)
    {
        if (inputs.Count == 0) throw new InvalidDataException("no reports to collect");
        var notes = new List<string>();
        var kept = new List<FleetInput>();
        foreach (var input in inputs)
        {
            if (input.Report.Machine.Host.Length == 0)
                throw new InvalidDataException($"{input.Source}: machine.host is missing or empty; a fleet report must name its host (`fastres bench fleet profile` writes it)");
        }
        foreach (var sameHost in inputs.Select((input, order) => (input, order)).GroupBy(x => x.input.Report.Machine.Host, StringComparer.OrdinalIgnoreCase))
        {
            var list = sameHost.ToList();
            bool byMeasurement = list.All(x => x.input.Report.MeasuredAt is not null);
            var latest = list.OrderBy(x => byMeasurement ? x.input.Report.MeasuredAt!.Value : x.input.FileTime).ThenBy(x => x.order).Last();
            kept.Add(latest.input);
            if (list.Count > 1)
                notes.Add($"host {sameHost.Key}: {list.Count} reports ({string.Join(", ", list.Select(x => x.input.Source))}); kept the latest by " +
                          $"{(byMeasurement ? "measured_at" : "file time")}, {latest.input.Source}");
        }

        var nodes = new List<FleetNode>();
        var groups = new List<FleetGroup>();
        foreach (var group in kept.GroupBy(GroupName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.OrderBy(x => x.Report.Machine.Host, StringComparer.Ordinal).ToList();
            string type = NodeType(members[0].Report.Machine);
            bool judged = members.Count >= FleetRule.MinNodes;
            groups.Add(new FleetGroup(group.Key, type, members[0].Report.Machine.Partition, [.. members.Select(m => m.Report.Machine.Host)], judged));
            if (!judged)
                notes.Add($"group {group.Key}: {members.Count} node{(members.Count == 1 ? "" : "s")}, not judged for outliers (the rule needs ≥ {FleetRule.MinNodes})");

            var figures = members.SelectMany(m => m.Report.Results.Select(Figure)).Distinct().ToList();
            var medians = new Dictionary<FleetFigure, (double Median, FleetVerdict? Unjudged, double Half)>();
            foreach (var f in figures)
            {
                var rates = members.Select(m => Find(m.Report, f)).Where(r => r is not null).Select(r => r!.Rate).ToArray();
                double median = Robust.Median(rates);
                medians[f] = rates.Length >= FleetRule.MinNodes
                    ? (median, null, rule.HalfWidth(median, Robust.MedianAbsoluteDeviation(rates)))
                    : (median, FleetVerdict.NotJudged, 0);
            }
            foreach (var m in members)
            {
                var peaks = m.Report.Results.Where(r => r.Kernel == KernelProfiler.PeakKernel).ToList();
                var cells = new List<FleetCell>();
                foreach (var f in figures)
                {
                    var (median, unjudged, half) = medians[f];
                    if (Find(m.Report, f) is not { } r)
                    {
                        cells.Add(new FleetCell(f, null, 0, null, median, FleetVerdict.Missing, null, false));
                        continue;
                    }
                    var verdict = unjudged ?? (r.Rate < median - half ? FleetVerdict.Slow : r.Rate > median + half ? FleetVerdict.Fast : FleetVerdict.Ok);
                    cells.Add(new FleetCell(f, r.Rate, r.RateSamples.Count, KernelProfiler.FractionOfPeak(r, peaks), median, verdict, null, false));
                }
                if (references is not null) Check(cells, references.For(type), m, referenceSource ?? "reference");
                nodes.Add(new FleetNode(m.Source, m.Report.Machine, type, group.Key, cells));
            }
        }
        if (references is not null)
            foreach (string t in references.Values.Select(v => v.NodeType).Distinct().Where(t => groups.All(g => g.NodeType != t)))
                notes.Add($"reference node type \"{t}\": no node of that type in these reports");
        return new FleetReport(rule, groups, nodes, notes, referenceSource);
    }

    private static string GroupName(FleetInput input)
        => input.Report.Machine.Partition.Length > 0 ? $"{NodeType(input.Report.Machine)} · {input.Report.Machine.Partition}" : NodeType(input.Report.Machine);

    private static FleetFigure Figure(BenchResult r) => new(r.Kernel, r.Variant, r.Size, r.Unit);

    private static BenchResult? Find(BenchReport report, FleetFigure f) => report.Results.FirstOrDefault(r => Figure(r) == f);

    /// <summary>Every reference of the node's type against each of its figures of that kernel and variant (any size); a
    /// reference none of them matches is a missing figure that fails.</summary>
    private static void Check(List<FleetCell> cells, IEnumerable<FleetReferenceValue> references, FleetInput node, string source)
    {
        foreach (var reference in references)
        {
            bool any = false;
            for (int i = 0; i < cells.Count; i++)
            {
                var c = cells[i];
                if (c.Figure.Kernel != reference.Kernel || c.Figure.Variant != reference.Variant || c.Rate is null) continue;
                if (reference.Unit is { } unit && unit != c.Figure.Unit)
                    throw new InvalidDataException($"{source}: node_types.\"{reference.NodeType}\".{reference.Kernel}.\"{reference.Variant}\".unit is \"{unit}\" " +
                                                   $"but {node.Source} measures it in \"{c.Figure.Unit}\"");
                cells[i] = c with { Reference = reference, ReferenceFailed = c.Rate < reference.Floor };
                any = true;
            }
            if (!any)
                cells.Add(new FleetCell(new FleetFigure(reference.Kernel, reference.Variant, "", reference.Unit ?? ""), null, 0, null, null,
                                        FleetVerdict.Missing, reference, true));
        }
    }

    public static string VerdictText(FleetVerdict v) => v switch
    {
        FleetVerdict.Ok => "ok",
        FleetVerdict.Slow => "SLOW outlier",
        FleetVerdict.Fast => "fast outlier",
        FleetVerdict.NotJudged => "not judged",
        _ => "missing",
    };

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartObject("rule");
            w.WriteNumber("k", Rule.K);
            w.WriteNumber("consistency", FleetRule.Consistency);
            w.WriteNumber("min_band_fraction", FleetRule.MinBandFraction);
            w.WriteNumber("min_nodes", FleetRule.MinNodes);
            w.WriteString("text", Rule.Describe());
            w.WriteEndObject();
            if (ReferenceSource is null) w.WriteNull("reference"); else w.WriteString("reference", ReferenceSource);
            w.WriteBoolean("failed", Failed);
            w.WriteStartArray("groups");
            foreach (var g in Groups)
            {
                w.WriteStartObject();
                w.WriteString("name", g.Name);
                w.WriteString("node_type", g.NodeType);
                w.WriteString("partition", g.Partition);
                w.WriteBoolean("judged", g.Judged);
                w.WriteStartArray("hosts");
                foreach (string h in g.Hosts) w.WriteStringValue(h);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("nodes");
            foreach (var n in Nodes) WriteNode(w, n);
            w.WriteEndArray();
            w.WriteStartArray("notes");
            foreach (string note in Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteNode(Utf8JsonWriter w, FleetNode n)
    {
        var m = n.Machine;
        w.WriteStartObject();
        w.WriteString("host", m.Host);
        w.WriteString("partition", m.Partition);
        w.WriteString("source", n.Source);
        w.WriteString("node_type", n.NodeType);
        w.WriteString("group", n.Group);
        w.WriteString("cpu", m.Cpu);
        w.WriteString("vendor", m.Identity?.Vendor ?? "");
        Optional(w, "family", m.Identity?.Family);
        Optional(w, "model", m.Identity?.Model);
        Optional(w, "stepping", m.Identity?.Stepping);
        if (m.Identity?.Microarchitecture is { } u) w.WriteString("microarchitecture", u); else w.WriteNull("microarchitecture");
        w.WriteString("isa", m.Isa);
        w.WriteString("vector_width", m.VectorWidth);
        w.WriteNumber("cores", m.Cores);
        w.WriteNumber("outliers", n.Outliers.Count());
        w.WriteNumber("missing", n.Missing.Count());
        w.WriteNumber("reference_failures", n.ReferenceFailures.Count());
        w.WriteStartArray("figures");
        foreach (var c in n.Cells)
        {
            w.WriteStartObject();
            w.WriteString("kernel", c.Figure.Kernel);
            w.WriteString("variant", c.Figure.Variant);
            w.WriteString("size", c.Figure.Size);
            w.WriteString("unit", c.Figure.Unit);
            Optional(w, "rate", c.Rate);
            w.WriteNumber("samples", c.Samples);
            Optional(w, "fraction_of_peak", c.FractionOfPeak);
            Optional(w, "group_median", c.GroupMedian);
            Optional(w, "ratio_to_median", c.RatioToMedian);
            w.WriteString("verdict", VerdictText(c.Verdict));
            if (c.Reference is { } r)
            {
                w.WriteStartObject("reference");
                w.WriteNumber("rate", r.Rate);
                w.WriteNumber("tolerance", r.Tolerance);
                w.WriteNumber("floor", r.Floor);
                w.WriteBoolean("failed", c.ReferenceFailed);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }

    private static void Optional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v) w.WriteNumber(name, v); else w.WriteNull(name);
    }
}
