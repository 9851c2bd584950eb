using FastRes.Experiments.Training;

namespace FastRes.Cli.Experiments;

/// <summary>
/// A mean over runs with its standard error, compared by the interval mean ± 2·SE (≈ 95%): the unit in which the
/// Li et al. and Yun verdicts compare continuous quantities (κ, index, norms, losses, accuracies). Two estimates
/// differ only when their intervals separate. With one run there is no spread to estimate: the interval is the point,
/// and the evidence says so.
/// </summary>
internal readonly record struct Estimate(double Mean, double Se)
{
    /// <summary>From a mean, a sample std and the runs behind them (SE = std/√runs; 0 with fewer than two runs).</summary>
    public static Estimate OfRuns(double mean, double std, int runs) => new(mean, runs > 1 && double.IsFinite(std) ? std / Math.Sqrt(runs) : 0);

    /// <summary>The finite values' mean and SE (NaN when there is none).</summary>
    public static Estimate Of(IEnumerable<double> values)
    {
        var (mean, std, runs) = LossGrid.Summarize(values);
        return OfRuns(mean, std, runs);
    }

    public double Lo => Mean - 2 * Se;
    public double Hi => Mean + 2 * Se;
    public bool Known => !double.IsNaN(Mean);

    /// <summary>This interval lies wholly below <paramref name="other"/>'s.</summary>
    public bool Below(Estimate other) => Known && other.Known && Hi < other.Lo;

    /// <summary>−1 wholly below, +1 wholly above, 0 the intervals overlap (within noise).</summary>
    public int Against(Estimate other) => Below(other) ? -1 : other.Below(this) ? 1 : 0;

    /// <summary>The difference of two independent estimates (SEs add in quadrature).</summary>
    public Estimate Minus(Estimate other) => new(Mean - other.Mean, Math.Sqrt(Se * Se + other.Se * other.Se));

    public override string ToString() => Se > 0 ? $"{Cells.Number(Mean)} ± {Cells.Number(2 * Se)}" : Cells.Number(Mean);
}

/// <summary>What the verdicts of the Li et al. and Yun experiments share (their rules, stated in each Evidence).</summary>
internal static class ClaimRulesLiYun
{
    /// <summary>The interval rule as the evidence states it.</summary>
    public const string IntervalRule = "intervals are mean ± 2 SE over runs and must separate";

    /// <summary>
    /// Why a depth sweep is too short to judge a trend (fewer than two depths, or the deepest less than
    /// <paramref name="factor"/> times the shallowest), or null when it is long enough.
    /// </summary>
    public static string? TooShort(IReadOnlyCollection<int> depths, int factor, string what)
        => depths.Count < 2 ? $"the run has {depths.Count} depth(s) of {what}; a trend needs at least two"
         : depths.Max() < factor * depths.Min() ? $"the depths of {what} span {depths.Min()}–{depths.Max()}, less than a factor {factor}: too short a range to judge a trend"
         : null;

    /// <summary>"n agreeing of m, contradicting c, within noise w" with a listing of the cases.</summary>
    public static ClaimFinding OfTally(PaperClaim claim, CellTally tally, string measured, string rule, IReadOnlyList<KeyNumber> numbers, IReadOnlyList<string> figures, string tail = "")
        => tally.Cases == 0
            ? ClaimFinding.NotCheckable(claim, $"no case to judge: {measured}.{tail}")
            : new ClaimFinding(claim, tally.Verdict, $"{measured}: {tally.Listing}. Rule: {rule}; {tally.Counts}.{tail}",
                [new KeyNumber("cases agreeing", tally.Agreeing, $"of {tally.Cases}"), new KeyNumber("cases contradicting", tally.Contradicting, $"of {tally.Cases}"), .. numbers], figures);

    /// <summary>Holds when every sub-check agrees, does not hold when none does, partly in between (<see cref="ClaimFinding.OfCounts"/>).</summary>
    public static Verdict AllOf(params bool[] checks) => ClaimFinding.OfCounts(checks.Count(c => c), checks.Length);

    public static string N(double v) => Cells.Number(v);
}
