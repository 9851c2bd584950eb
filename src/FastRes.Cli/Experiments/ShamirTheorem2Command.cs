using FastRes.Experiments.Shamir;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-theorem2</c>: Theorem 2 of Shamir 2018 at w = 0 with the exact Hessian in (w, V): λ_min ≤ 0 and
/// the bound of F(0, V, θ) − F_lin(w*) by the gradient and |λ_min|. Figure: both as scatter plots against y = x.
/// </summary>
public sealed class ShamirTheorem2Command() : ShamirModelExperiment<ShamirTheorem2Config, ShamirTheorem2Result>("shamir-theorem2",
    "Theorem 2 of Shamir 2018: at w = 0 the exact Hessian in (w, V) has λ_min ≤ 0, and F(0, V, θ) − F_lin(w*) is bounded by ‖∇F‖ and |λ_min|")
{
    public override IReadOnlyList<string> SmokeArgs => ["--points", "4"];
    protected override long? Steps(ShamirTheorem2Config config) => ShamirTheorem2.TotalSteps(config);
    protected override string? DataOf(ShamirTheorem2Result result) => ShamirOutput.DataLabel(result.Config.Model);

    protected override ShamirTheorem2Result Run(ShamirTheorem2Config config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShamirTheorem2.Run(config, Digits(config), progress, cancellationToken);

    public static readonly PaperClaim LambdaMin = new("shamir-theorem2/lambda-min", Paper.Shamir2018, "Section 3, Theorem 2 (first inequality)",
        "For any V, θ, w*, λ_min(∇²F_θ(0, V)) ≤ 0 [...] where λ_min(M) denotes the minimal eigenvalue of a symmetric matrix M.");
    public static readonly PaperClaim Bound = new("shamir-theorem2/bound", Paper.Shamir2018, "Section 3, Theorem 2 (second inequality)",
        "For any V, θ, w*, [...] ‖w*‖(‖∇F_θ(0, V)‖ + ‖V‖·√(|λ_min(∇²F_θ(0, V))|·‖∂²F_θ(0, V)/∂w²‖ + λ_min(∇²F_θ(0, V))²)) ≥ F(0, V, θ) − F_lin(w*) " +
        "(the extracted text garbles the inequality's layout; this is its pieces in the order the proof idea gives)");

    public override IReadOnlyList<PaperClaim> Claims => [LambdaMin, Bound];

    /// <summary>The defaults take a few seconds on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper is theory and gives no experimental protocol: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShamirTheorem2Result result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "theorem2.");
        var rows = result.Rows;
        string where = $"At w = 0 with the exact Hessian in (w, V), {result.Config.Points} random (V, θ) per loss and σ ({string.Join(", ", rows.Select(r => r.Loss + "/" + r.Activation))})";
        double Max(Func<ShamirTheorem2Row, double> f) => rows.Select(f).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
        double Min(Func<ShamirTheorem2Row, double> f) => rows.Select(f).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
        yield return ClaimRulesShortcutShamir.ForAll(LambdaMin, rows.Sum(r => r.Points), result.SignViolations, "points", where + ".",
            [
                new("largest λ_min", Max(r => r.MaxLambdaMin), "(≤ 0 holds)"),
                new("smallest λ_min", Min(r => r.MinLambdaMin)),
                new("largest |H_VV| entry", Max(r => r.MaxHvvAbs), "(0 at w = 0)"),
            ], shown);
        yield return ClaimRulesShortcutShamir.ForAll(Bound, rows.Sum(r => r.Cases), result.InequalityViolations, "(point, w*) pairs",
            where + $", each with F_lin's minimizer and {result.Config.RandomWStar} random w*; {rows.Sum(r => r.Nontrivial):N0} pairs have F(0, V, θ) > F_lin(w*).",
            [
                new("tightest ratio", Min(r => r.MinRatio), "left ÷ right side, ≥ 1 holds"),
                new("nontrivial pairs", rows.Sum(r => r.Nontrivial), "F(0, V, θ) > F_lin(w*)"),
            ], shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShamirTheorem2Result result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(ShamirTheorem2Result result) =>
        $"λ_min ≤ 0: {result.SignViolations} of {result.Rows.Sum(r => r.Points)} points; " +
        $"inequality: {result.InequalityViolations} of {result.Rows.Sum(r => r.Cases)} (point, w*) pairs";

    protected override void Summarize(Summary md, ShamirTheorem2Result result)
    {
        md.Paragraph("At w = 0 with the exact Hessian H of F_θ in (w, V) (analytic, checked against differences in the tests): (i) λ_min(H) ≤ 0; " +
                     "(ii) ‖w*‖(‖∇F_θ(0, V)‖ + ‖V‖·√(|λ_min|·‖∂²F_θ/∂w²‖ + λ_min²)) ≥ F(0, V, θ) − F_lin(w*). The extracted paper text garbles (ii)'s layout; this is the form its pieces and the proof idea give. " +
                     "Also shown: λ_min minus the bound −(√(‖H_ww‖² + 4‖E[ℓ'(0)f]‖²) − ‖H_ww‖)/2 from the block [[H_ww, I⊗E[ℓ'f]ᵀ], [·, 0]] (≤ 0 expected; not counted), and max |H_VV| (exactly 0 at w = 0).");
        md.Tables(Layout, result);
    }


    /// <summary>theorem2.png/.svg: −λ_min against the block bound, and the inequality's two sides, log–log.</summary>
    protected override IEnumerable<string> DrawFigures(ShamirTheorem2Result result, string folder, List<string> notes)
    {
        var points = result.Cases.Where(c => c.OptimalWStar).ToList(); // one per point
        var nontrivial = result.Cases.Where(c => c.Gap > 0).ToList();
        const string Sign = "(i) λ_min ≤ 0", Bound = "(ii) F(0, V, θ) − F_lin(w*) bound";
        return ShamirOutput.Inequalities(folder, "theorem2",
            new(Sign, "log10 of the block bound (√(‖H_ww‖² + 4‖b‖²) − ‖H_ww‖)/2", "log10(−λ_min)", plot =>
                Figures.Markers(plot, points, c => Math.Log10(-c.SharperBound), c => Math.Log10(-c.LambdaMin), "points (w = 0)", plot.Add.Palette.GetColor(0), notes, series: Sign)),
            new(Bound, "log10(F(0, V, θ) − F_lin(w*))", "log10 of the left-hand side", plot =>
                Figures.Markers(plot, nontrivial, c => Math.Log10(c.Gap), c => Math.Log10(c.Lhs), "(point, w*) with F > F_lin(w*)", plot.Add.Palette.GetColor(1), notes, series: Bound)));
    }
}
