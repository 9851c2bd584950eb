using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Experiments;
using FastRes.Experiments.Results;

namespace FastRes.Cli.Output;

/// <summary>How one experiment of a reproduction went: run now, reused (same config_hash), merged from Slurm shards, resumed, or failed/not run with the error.</summary>
public enum RunStatus { Ran, Reused, Merged, Resumed, Failed }

/// <summary>One experiment in the report: what ran, how long, the command that regenerates it, and its claims' verdicts.</summary>
/// <param name="Figures">Report-relative paths of the figures the claims show (copied into the report's figures/ folder).</param>
public sealed record ReportedExperiment(string Experiment, string Description, RunStatus Status, double Seconds, string Command, string? Data,
                                        string? ConfigHash, string? Error, IReadOnlyList<ClaimFinding> Findings);

/// <summary>
/// The reproduction report (<c>fastres reproduce</c>): every claim of the papers with FastRes's verdict, its numbers
/// and figures, grouped by paper, written three ways from one model — index.html (self-contained, offline: inline
/// CSS, no script, figures as relative files beside it), report.md (for a repository page) and report.json
/// (machine-readable). The verdicts are the experiments' own (their claims.json); this writer only lays them out.
/// </summary>
public sealed record ReproductionReport(string Scale, string Invocation, DateTimeOffset Started, double Seconds, string Version, string? GitCommit,
                                        IReadOnlyList<(string Name, string Value)> Machine, IReadOnlyList<ReportedExperiment> Experiments)
{
    public IEnumerable<(ReportedExperiment Experiment, ClaimFinding Finding)> Findings
        => Experiments.SelectMany(e => e.Findings.Select(f => (e, f)));

    public int Count(Verdict v) => Findings.Count(x => x.Finding.Verdict == v);

    /// <summary>The papers in report order, each with its findings (papers with none left out).</summary>
    public IEnumerable<(PaperInfo Paper, List<(ReportedExperiment Experiment, ClaimFinding Finding)> Findings)> ByPaper
        => PaperInfo.All.Select(p => (p, Findings.Where(x => x.Finding.Claim.Paper == p.Key).ToList())).Where(x => x.Item2.Count > 0);

    public string SummaryLine
        => $"{Findings.Count()} claims checked: {Count(Verdict.Holds)} {(Count(Verdict.Holds) == 1 ? "holds" : "hold")}, " +
           $"{Count(Verdict.DoesNotHold)} {(Count(Verdict.DoesNotHold) == 1 ? "does" : "do")} not hold, " +
           $"{Count(Verdict.Partly)} partly, {Count(Verdict.NotCheckable)} not checkable here";

    /// <summary>The runs' own seconds (reused runs count what they took when they ran), beside this call's wall time.</summary>
    public double RunSeconds => Experiments.Sum(e => e.Seconds);

    private string Timing => Math.Abs(RunSeconds - Seconds) < 0.05 * Math.Max(1, Seconds) ? $"{Seconds:0} s"
        : $"{Seconds:0} s this call, {RunSeconds:0} s in the runs (reused runs count the time they took)";

    // ---- report.json ----

    public JsonObject ToJson() => new()
    {
        ["fastres"] = Version,
        ["git_commit"] = GitCommit,
        ["scale"] = Scale,
        ["command"] = Invocation,
        ["started"] = Started.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
        ["seconds"] = Math.Round(Seconds, 1),
        ["run_seconds"] = Math.Round(RunSeconds, 1),
        ["machine"] = new JsonObject(Machine.Select(m => KeyValuePair.Create(m.Name, (JsonNode?)m.Value))),
        ["summary"] = new JsonObject
        {
            ["claims"] = Findings.Count(),
            ["holds"] = Count(Verdict.Holds),
            ["does_not_hold"] = Count(Verdict.DoesNotHold),
            ["partly"] = Count(Verdict.Partly),
            ["not_checkable"] = Count(Verdict.NotCheckable),
            ["experiments_failed"] = Experiments.Count(e => e.Status == RunStatus.Failed),
        },
        ["experiments"] = new JsonArray(Experiments.Select(e => (JsonNode)new JsonObject
        {
            ["experiment"] = e.Experiment,
            ["status"] = e.Status.ToString().ToLowerInvariant(),
            ["seconds"] = Math.Round(e.Seconds, 1),
            ["command"] = e.Command,
            ["data"] = e.Data,
            ["config_hash"] = e.ConfigHash,
            ["error"] = e.Error,
            ["folder"] = $"runs/{e.Experiment}",
        }).ToArray()),
        ["claims"] = new JsonArray(Findings.Select(x =>
        {
            var o = x.Finding.ToJson();
            o["experiment"] = x.Experiment.Experiment;
            return (JsonNode)o;
        }).ToArray()),
    };

    // ---- report.md ----

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# FastRes reproduction report").AppendLine();
        md.AppendLine($"**{SummaryLine}.** Scale `{Scale}`, {Timing}, fastres {Version}{Commit(", commit ")}, {Started:yyyy-MM-dd}; " +
                      $"regenerate with `{Invocation}`.").AppendLine();
        md.AppendLine("| paper | where | claim | verdict | experiment |").AppendLine("|---|---|---|---|---|");
        foreach (var (paper, findings) in ByPaper)
            foreach (var (e, f) in findings)
                md.AppendLine($"| {paper.Id} | {Cell(f.Claim.Where)} | {Cell(Md(Shorten(f.Claim.Statement, 110)))} | **{ClaimFinding.Name(f.Verdict)}** | [`{e.Experiment}`](#{Anchor(f.Claim.Id)}) |");
        md.AppendLine();
        foreach (var (paper, findings) in ByPaper)
        {
            md.AppendLine($"## {paper.Authors}, *{paper.Title}* ({paper.Venue})").AppendLine();
            foreach (var (e, f) in findings)
            {
                md.AppendLine($"<a id=\"{Anchor(f.Claim.Id)}\"></a>").AppendLine($"### {f.Claim.Where} — {ClaimFinding.Name(f.Verdict)}").AppendLine();
                md.AppendLine($"> {Md(f.Claim.Statement)}").AppendLine();
                md.AppendLine($"**Verdict: {ClaimFinding.Name(f.Verdict)}.** {Md(f.Evidence)}").AppendLine();
                if (f.Numbers.Count > 0)
                    md.AppendLine(string.Join("; ", f.Numbers.Select(n => $"{n.Name} = {n.Shown}")) + ".").AppendLine();
                foreach (var fig in f.Figures) md.AppendLine($"![{fig}]({FigurePath(e.Experiment, fig)})").AppendLine();
                md.AppendLine($"`{e.Command}` — {Describe(e)}.").AppendLine();
            }
        }
        md.AppendLine("## Machine").AppendLine();
        foreach (var (name, value) in Machine) md.AppendLine($"- {name}: {value}");
        return md.ToString();
    }

    // ---- index.html ----

    public string ToHtml()
    {
        var h = new StringBuilder();
        h.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        h.AppendLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        h.AppendLine($"<title>FastRes reproduction report — {E(SummaryLine)}</title>");
        h.AppendLine("<style>").AppendLine(Css).AppendLine("</style></head><body>");
        h.AppendLine("<header><h1>FastRes reproduction report</h1>");
        h.AppendLine($"<p class=\"meta\">Scale <code>{E(Scale)}</code> · {E(Timing)} · fastres {E(Version)}{E(Commit(" · commit "))} · {Started:yyyy-MM-dd HH:mm} UTC</p>");
        h.AppendLine("<div class=\"tally\">");
        foreach (var v in Enum.GetValues<Verdict>())
            h.AppendLine($"<div class=\"count v-{ClaimFinding.Token(v)}\"><b>{Count(v)}</b><span>{E(ClaimFinding.Name(v))}</span></div>");
        h.AppendLine("</div>");
        h.AppendLine($"<p class=\"summary\"><b>{E(SummaryLine)}</b> across {Experiments.Count} experiments" +
                     (Experiments.Count(e => e.Status == RunStatus.Failed) is var failed and > 0 ? $", <b>{failed} of which did not run</b> (their claims are not checkable here)" : "") +
                     $". Regenerate everything with <code>{E(Invocation)}</code>.</p></header>");

        h.AppendLine("<nav><h2>Contents</h2><ol>");
        foreach (var (paper, findings) in ByPaper)
        {
            h.AppendLine($"<li><a href=\"#{paper.Id}\">{E(paper.Authors)} ({E(paper.Venue)})</a><ol>");
            foreach (var (e, f) in findings)
                h.AppendLine($"<li><a href=\"#{Anchor(f.Claim.Id)}\">{E(f.Claim.Where)}</a> <small>{E(e.Experiment)}</small> <span class=\"pill v-{ClaimFinding.Token(f.Verdict)}\">{E(ClaimFinding.Name(f.Verdict))}</span></li>");
            h.AppendLine("</ol></li>");
        }
        h.AppendLine("<li><a href=\"#runs\">Runs and machine</a></li></ol></nav><main>");

        foreach (var (paper, findings) in ByPaper)
        {
            h.AppendLine($"<section id=\"{paper.Id}\"><h2>{E(paper.Authors)}: <i>{E(paper.Title)}</i> <small>({E(paper.Venue)})</small></h2>");
            foreach (var (e, f) in findings)
            {
                h.AppendLine($"<article id=\"{Anchor(f.Claim.Id)}\" class=\"claim\">");
                h.AppendLine($"<h3><span class=\"pill v-{ClaimFinding.Token(f.Verdict)}\">{E(ClaimFinding.Name(f.Verdict))}</span> {E(f.Claim.Where)}</h3>");
                h.AppendLine($"<blockquote>{E(f.Claim.Statement)}</blockquote>");
                h.AppendLine($"<p><b>Verdict: {E(ClaimFinding.Name(f.Verdict))}.</b> {E(f.Evidence)}</p>");
                if (f.Numbers.Count > 0)
                {
                    h.AppendLine("<table class=\"numbers\"><tbody>");
                    foreach (var n in f.Numbers) h.AppendLine($"<tr><th>{E(n.Name)}</th><td>{E(n.Shown)}</td></tr>");
                    h.AppendLine("</tbody></table>");
                }
                foreach (var fig in f.Figures)
                    h.AppendLine($"<figure><img src=\"{E(FigurePath(e.Experiment, fig))}\" alt=\"{E(e.Experiment)}: {E(fig)}\"><figcaption>{E(fig)}</figcaption></figure>");
                h.AppendLine($"<p class=\"run\"><code>{E(e.Command)}</code><br>{E(Describe(e))}</p>");
                h.AppendLine("</article>");
            }
            h.AppendLine("</section>");
        }

        h.AppendLine("<section id=\"runs\"><h2>Runs and machine</h2><div class=\"scroll\"><table class=\"runs\"><thead><tr><th>experiment</th><th>status</th><th>seconds</th><th>claims</th><th>command</th></tr></thead><tbody>");
        foreach (var e in Experiments)
            h.AppendLine($"<tr><td>{E(e.Experiment)}</td><td>{E(StatusText(e))}</td><td class=\"num\">{e.Seconds:0.0}</td><td>{E(string.Join(", ", e.Findings.Select(f => ClaimFinding.Name(f.Verdict))))}</td><td><code>{E(e.Command)}</code></td></tr>");
        h.AppendLine("</tbody></table></div><table class=\"numbers\"><tbody>");
        foreach (var (name, value) in Machine) h.AppendLine($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");
        h.AppendLine("</tbody></table></section></main>");
        h.AppendLine($"<footer>Written by <code>fastres reproduce</code> {E(Version)}. Each verdict is the experiment's own reading of its result (its claims.json); the runs' folders hold every number (results.json, summary.md).</footer>");
        h.AppendLine("</body></html>");
        return h.ToString();
    }

    /// <summary>Where a run's figure lives in the report folder (copied there so the report stands alone).</summary>
    public static string FigurePath(string experiment, string figure) => $"figures/{experiment}/{figure}";

    private string Commit(string prefix) => GitCommit is { Length: >= 12 } c ? prefix + c[..12] : "";

    private static string StatusText(ReportedExperiment e) => e.Status switch
    {
        RunStatus.Ran => "ran",
        RunStatus.Reused => "reused (same config_hash)",
        RunStatus.Resumed => "resumed",
        RunStatus.Merged => "merged from Slurm shards (compute seconds of all shards)",
        _ => "did not run: " + e.Error,
    };

    private static string Describe(ReportedExperiment e)
        => $"{e.Experiment}: {StatusText(e)}, {e.Seconds:0.0} s" + (e.Data is null ? "" : $", data {e.Data}") +
           (e.ConfigHash is { Length: >= 12 } hash ? $", config_hash {hash[..12]}…" : "");

    public static string Anchor(string id) => new(id.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Text a markdown renderer must not read as HTML (a quoted "x < y" or "<zero>").</summary>
    private static string Md(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";

    /// <summary>Readable from a phone (one column, figures scaled to the width) to a wide screen (a centred column).</summary>
    private const string Css = """
        :root { --fg: #1d232a; --muted: #5b6570; --line: #d8dde3; --bg: #fff; --holds: #1a7f37; --not: #c62828; --partly: #b26a00; --na: #6b7280; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 72rem; padding: 1rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
        h1 { font-size: 1.8rem; margin: .2rem 0; } h2 { font-size: 1.35rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
        h3 { font-size: 1.1rem; margin: .2rem 0 .5rem; } small, .meta, figcaption, .run { color: var(--muted); }
        code { font: .85em/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f5f7; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
        .tally { display: flex; flex-wrap: wrap; gap: .6rem; margin: .8rem 0; }
        .count { flex: 1 1 8rem; border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: .4rem .7rem; }
        .count b { display: block; font-size: 1.8rem; } .count span { color: var(--muted); }
        .v-holds { border-color: var(--holds); } .v-does-not-hold { border-color: var(--not); } .v-partly { border-color: var(--partly); } .v-not-checkable { border-color: var(--na); }
        .pill { display: inline-block; font-size: .8rem; font-weight: 600; color: #fff; border-radius: 999px; padding: .05rem .55rem; vertical-align: middle; white-space: nowrap; }
        .pill.v-holds { background: var(--holds); } .pill.v-does-not-hold { background: var(--not); } .pill.v-partly { background: var(--partly); } .pill.v-not-checkable { background: var(--na); }
        nav ol { padding-left: 1.3rem; } nav li { margin: .15rem 0; }
        .claim { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; }
        blockquote { margin: .4rem 0 .8rem; padding: .3rem .9rem; border-left: 4px solid var(--line); color: #333; font-style: italic; }
        figure { margin: .8rem 0; } img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
        table { border-collapse: collapse; margin: .5rem 0; } th, td { text-align: left; padding: .2rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .numbers th { font-weight: 500; color: var(--muted); } .num { text-align: right; font-variant-numeric: tabular-nums; }
        .scroll { overflow-x: auto; } footer { margin: 2rem 0 1rem; color: var(--muted); font-size: .9rem; }
        @media (min-width: 60rem) { figure img { max-width: 46rem; } }
        """;
}
