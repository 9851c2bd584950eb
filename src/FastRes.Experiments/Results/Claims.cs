using System.Globalization;
using System.Text.Json.Nodes;

namespace FastRes.Experiments.Results;

/// <summary>The papers whose claims FastRes checks, and FastRes itself for what goes beyond them.</summary>
public enum Paper { Liu2019, Du2018, Li2016, Shamir2018, Yun2019, FastRes }

/// <summary>A paper as the reproduction report cites it.</summary>
public sealed record PaperInfo(Paper Key, string Id, string Authors, string Title, string Venue)
{
    public static IReadOnlyList<PaperInfo> All { get; } =
    [
        new(Paper.Liu2019, "liu2019", "T. Liu, M. Chen, M. Zhou, S. S. Du, E. Zhou, T. Zhao",
            "Towards Understanding the Importance of Shortcut Connections in Residual Networks", "NeurIPS 2019"),
        new(Paper.Du2018, "du2018", "S. S. Du, J. D. Lee, Y. Tian, B. Póczos, A. Singh",
            "Gradient Descent Learns One-hidden-layer CNN: Don't be Afraid of Spurious Local Minima", "ICML 2018 (as restated by Liu et al.)"),
        new(Paper.Li2016, "li2016", "S. Li, J. Jiao, Y. Han, T. Weissman", "Demystifying ResNet", "arXiv:1611.01186, 2016"),
        new(Paper.Shamir2018, "shamir2018", "O. Shamir", "Are ResNets Provably Better than Linear Predictors?", "NeurIPS 2018"),
        new(Paper.Yun2019, "yun2019", "C. Yun, S. Sra, A. Jadbabaie", "Are deep ResNets provably better than linear predictors?", "NeurIPS 2019"),
        new(Paper.FastRes, "fastres", "FastRes", "Beyond the papers: questions the papers raise and FastRes measures", "this repository"),
    ];

    public static PaperInfo Of(Paper key) => All.First(p => p.Key == key);
}

/// <summary>
/// One claim an experiment checks: the paper, where in it (section, theorem, figure), and its statement quoted (or,
/// for a figure, what the figure shows, in the paper's words where it has them). <paramref name="Id"/> is unique
/// across the report (experiment name + a short suffix).
/// </summary>
public sealed record PaperClaim(string Id, Paper Paper, string Where, string Statement);

/// <summary>What FastRes found about a claim.</summary>
public enum Verdict { Holds, DoesNotHold, Partly, NotCheckable }

/// <summary>A number a verdict rests on, as the report shows it: a name, the value, and its unit or what it counts.</summary>
public sealed record KeyNumber(string Name, double Value, string Unit = "")
{
    public string Shown => Value.ToString(Math.Abs(Value) is >= 1e-3 and < 1e6 || Value == 0 ? "0.####" : "0.###e+0", CultureInfo.InvariantCulture)
                           + (Unit.Length > 0 ? " " + Unit : "");
}

/// <summary>
/// An experiment's verdict on one of its claims, from its own result: the verdict, one or two sentences saying what
/// was measured and why that verdict, the key numbers, and the figure files (in the run folder) that show it.
/// </summary>
public sealed record ClaimFinding(PaperClaim Claim, Verdict Verdict, string Evidence, IReadOnlyList<KeyNumber> Numbers, IReadOnlyList<string> Figures)
{
    public static string Name(Verdict v) => v switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does not hold",
        Verdict.Partly => "partly",
        _ => "not checkable here",
    };

    public static string Token(Verdict v) => v switch
    {
        Verdict.Holds => "holds",
        Verdict.DoesNotHold => "does-not-hold",
        Verdict.Partly => "partly",
        _ => "not-checkable",
    };

    public static Verdict Parse(string token) => token switch
    {
        "holds" => Verdict.Holds,
        "does-not-hold" => Verdict.DoesNotHold,
        "partly" => Verdict.Partly,
        "not-checkable" => Verdict.NotCheckable,
        _ => throw new FormatException($"unknown verdict \"{token}\" (holds, does-not-hold, partly, not-checkable)"),
    };

    /// <summary>A claim that could not be judged here, with the reason (data absent, the run failed or was too small).</summary>
    public static ClaimFinding NotCheckable(PaperClaim claim, string why) => new(claim, Verdict.NotCheckable, why, [], []);

    /// <summary>Holds when every case agrees, does not hold when none does, partly in between (a claim over several cases).</summary>
    public static Verdict OfCounts(int agreeing, int cases)
        => cases == 0 ? Verdict.NotCheckable : agreeing == cases ? Verdict.Holds : agreeing == 0 ? Verdict.DoesNotHold : Verdict.Partly;

    public JsonObject ToJson() => new()
    {
        ["id"] = Claim.Id,
        ["paper"] = PaperInfo.Of(Claim.Paper).Id,
        ["where"] = Claim.Where,
        ["statement"] = Claim.Statement,
        ["verdict"] = Token(Verdict),
        ["evidence"] = Evidence,
        ["numbers"] = new JsonArray(Numbers.Select(n => (JsonNode)new JsonObject
        {
            ["name"] = n.Name, ["value"] = double.IsFinite(n.Value) ? n.Value : null, ["unit"] = n.Unit,
        }).ToArray()),
        ["figures"] = new JsonArray(Figures.Select(f => (JsonNode)f).ToArray()),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote; throws <see cref="FormatException"/> naming what is missing.</summary>
    public static ClaimFinding FromJson(JsonNode node)
    {
        string Text(string key) => node[key]?.GetValue<string>() ?? throw new FormatException($"claim lacks \"{key}\"");
        string paperId = Text("paper");
        var paper = PaperInfo.All.FirstOrDefault(p => p.Id == paperId) ?? throw new FormatException($"unknown paper \"{paperId}\"");
        var claim = new PaperClaim(Text("id"), paper.Key, Text("where"), Text("statement"));
        var numbers = (node["numbers"] as JsonArray ?? throw new FormatException("claim lacks \"numbers\""))
            .Select(n => new KeyNumber(n!["name"]!.GetValue<string>(), n["value"] is { } v ? v.GetValue<double>() : double.NaN, n["unit"]?.GetValue<string>() ?? ""))
            .ToList();
        var figures = (node["figures"] as JsonArray ?? throw new FormatException("claim lacks \"figures\"")).Select(f => f!.GetValue<string>()).ToList();
        return new ClaimFinding(claim, Parse(Text("verdict")), Text("evidence"), numbers, figures);
    }
}
