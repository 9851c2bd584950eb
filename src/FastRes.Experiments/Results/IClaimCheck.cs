namespace FastRes.Experiments.Results;

/// <summary>
/// A result that checks a paper's claim over a number of cases; its verdict is how many contradicted it. results.json
/// carries both as "cases" and "violations" right after "seconds" (where a reader looks first), and the host prints
/// them first on the terminal and in summary.md.
/// </summary>
public interface IClaimCheck
{
    int CaseCount { get; }
    int Violations { get; }
    /// <summary>What one case is, in the verdict line: "cases", "local minima", "runs".</summary>
    string CaseNoun => "cases";
}
