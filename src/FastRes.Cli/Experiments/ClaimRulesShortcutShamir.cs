using System.Globalization;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Experiments.Statistics;

namespace FastRes.Cli.Experiments;

/// <summary>
/// A share of trials with its Wilson 95% interval (Wilson 1927): the unit in which the shortcut-CNN verdicts compare
/// methods. Two shares differ only when their intervals separate; overlapping intervals are "no measurable difference".
/// </summary>
internal readonly record struct TrialShare(long Part, long Of)
{
    public double Rate => Of == 0 ? double.NaN : (double)Part / Of;
    public (double Lo, double Hi) Ci95 => Wilson.Interval95(Part, Of);
    public bool Below(TrialShare other) => Of > 0 && other.Of > 0 && Ci95.Hi < other.Ci95.Lo;
    public bool Overlaps(TrialShare other) => !Below(other) && !other.Below(this);

    /// <summary>"19.1% [18.5, 19.7]"; below 1% two decimals and the count ("0.10% [0.07, 0.16] = 20/19800").</summary>
    public override string ToString()
    {
        if (Of == 0) return "n/a";
        var (lo, hi) = Ci95;
        return hi < 0.01
            ? string.Create(CultureInfo.InvariantCulture, $"{Rate * 100:0.00}% [{lo * 100:0.00}, {hi * 100:0.00}] = {Part}/{Of}")
            : string.Create(CultureInfo.InvariantCulture, $"{Rate * 100:0.0}% [{lo * 100:0.0}, {hi * 100:0.0}]");
    }
}

/// <summary>What the verdicts of the shortcut-CNN and Shamir experiments share (their rules, stated in each Evidence).</summary>
internal static class ClaimRulesShortcutShamir
{
    /// <summary>Whether a cell settled: one whose undecided share exceeds <see cref="ShortcutCnnCommand.UndecidedWarning"/>
    /// (summary.md warns of it) needed more iterations and decides nothing.</summary>
    public static bool Settled(ShortcutCnnRow r) => r.Trials > 0 && r.UndecidedRate <= ShortcutCnnCommand.UndecidedWarning;

    /// <summary>Failures (spurious or diverged) among the trials that ended: undecided runs are left out, since more
    /// iterations, not the landscape, decide them.</summary>
    public static TrialShare Failures(ShortcutCnnRow r) => new(r.Trials - r.Undecided - r.Success, r.Trials - r.Undecided);

    /// <summary>Runs ending in the spurious basin among the trials that ended.</summary>
    public static TrialShare Trapped(ShortcutCnnRow r) => new(r.Spurious, r.Trials - r.Undecided);

    /// <summary>The PNGs among this run's figures whose names start with one of <paramref name="stems"/>.</summary>
    public static IReadOnlyList<string> Png(IReadOnlyList<string> figures, params string[] stems)
        => figures.Where(f => f.EndsWith(".png", StringComparison.Ordinal) && stems.Any(s => f.StartsWith(s, StringComparison.Ordinal))).ToList();

    /// <summary>
    /// A universal statement (a theorem's inequality at every point tried): one counterexample refutes it, so any
    /// violation is "does not hold"; no case at all is "not checkable".
    /// </summary>
    public static ClaimFinding ForAll(PaperClaim claim, int cases, int violations, string noun, string detail,
        IReadOnlyList<KeyNumber> numbers, IReadOnlyList<string> figures)
    {
        if (cases == 0) return ClaimFinding.NotCheckable(claim, $"the run checked no {noun}");
        var verdict = violations == 0 ? Verdict.Holds : Verdict.DoesNotHold;
        string rule = violations == 0 ? $"0 violations in {cases:N0} {noun}" : $"{violations:N0} violation(s) in {cases:N0} {noun}: a theorem fails at a single counterexample";
        return new ClaimFinding(claim, verdict, $"{rule}. {detail}",
            [new KeyNumber(noun, cases, "checked"), new KeyNumber("violations", violations, noun), .. numbers], figures);
    }

    /// <summary>The verdict of a comparison over cells: each agreeing, contradicting or tied (intervals overlap).</summary>
    public static Verdict OfCells(int agreeing, int contradicting, int cases)
        => contradicting > 0 && agreeing == 0 ? Verdict.DoesNotHold : ClaimFinding.OfCounts(agreeing, cases);

    public static string Num(double v) => Cells.Number(v);
    public static string Deg(double v) => Kinds.Format(v) + "°";
}

/// <summary>Cells of a comparison judged one by one: agreeing, contradicting, or tied (intervals overlap); those left out are not cases.</summary>
internal sealed record CellTally(int Agreeing, int Contradicting, int Cases, int LeftOut, string Listing)
{
    public Verdict Verdict => ClaimRulesShortcutShamir.OfCells(Agreeing, Contradicting, Cases);
    public string Counts => $"agreeing {Agreeing} of {Cases}, contradicting {Contradicting}, within noise {Cases - Agreeing - Contradicting}";

    /// <summary><paramref name="judge"/>: +1 agrees, −1 contradicts, 0 within noise, null not a case.</summary>
    public static CellTally Of<T>(IEnumerable<T> cells, Func<T, int?> judge, Func<T, string> show)
    {
        int agree = 0, contra = 0, cases = 0, left = 0;
        var shown = new List<string>();
        foreach (var cell in cells)
        {
            int? j = judge(cell);
            if (j is null) { left++; continue; }
            cases++;
            if (j > 0) agree++;
            else if (j < 0) contra++;
            shown.Add(show(cell) + (j > 0 ? "" : j < 0 ? " (contradicts)" : " (within noise)"));
        }
        return new CellTally(agree, contra, cases, left, string.Join("; ", shown));
    }
}
