using FastRes.Experiments.Shamir;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-lemma1</c>: Lemma 1 and Theorem 1 of Shamir 2018 checked at random and GD-trained (w, V, θ)
/// for squared and logistic losses, ReLU and tanh f_θ. Figure: both inequalities as scatter plots against y = x.
/// </summary>
public sealed class ShamirLemma1Command() : ShamirModelExperiment<ShamirLemma1Config, ShamirLemma1Result>("shamir-lemma1",
    "Lemma 1 and Theorem 1 of Shamir 2018: ⟨G, ∇F_θ⟩ ≥ F − F_lin(w*) and the gradient lower bound, at random and trained points")
{
    public override IReadOnlyList<string> SmokeArgs => ["--points", "4"];
    protected override long? Steps(ShamirLemma1Config config) => ShamirLemma1.TotalSteps(config);
    protected override string? DataOf(ShamirLemma1Result result) => ShamirOutput.DataLabel(result.Config.Model);

    protected override ShamirLemma1Result Run(ShamirLemma1Config config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShamirLemma1.Run(config, Digits(config), progress, cancellationToken);

    public static readonly PaperClaim Lemma1 = new("shamir-lemma1/lemma1", Paper.Shamir2018, "Section 3, Lemma 1",
        "Fix some w, V (where w ≠ 0) and a vector w* of the same size as w. Define the matrix G = (w − w* ; (1/‖w‖²) w(w*)ᵀV). " +
        "Then ⟨vec(G), ∇F_θ(w, V)⟩ ≥ F(w, V, θ) − F_lin(w*).");
    public static readonly PaperClaim Theorem1 = new("shamir-lemma1/theorem1", Paper.Shamir2018, "Section 3, Theorem 1",
        "At any point (w, V, θ) such that w ≠ 0, and for any vector w* of the same dimension as w, " +
        "‖∇F_θ(w, V)‖ ≥ (F(w, V, θ) − F_lin(w*)) / √(2‖w‖² + ‖w*‖²(2 + ‖V‖²/‖w‖²)).");

    public override IReadOnlyList<PaperClaim> Claims => [Lemma1, Theorem1];

    /// <summary>The defaults take a few seconds on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper is theory and gives no experimental protocol: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShamirLemma1Result result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "lemma1.");
        var rows = result.Rows;
        int nontrivial = rows.Sum(r => r.Nontrivial);
        string where = $"{result.Config.Points} random (w, V, θ) per loss and σ ({string.Join(", ", rows.Select(r => r.Loss).Distinct())}; {string.Join(", ", rows.Select(r => r.Activation).Distinct())}), " +
                       $"each at {string.Join(", ", rows.Select(r => r.Checkpoint).Distinct())} GD steps, with F_lin's minimizer and {result.Config.RandomWStar} random w*; " +
                       $"{nontrivial:N0} cases have F > F_lin(w*), where the bound says something.";
        double Min(Func<ShamirLemma1Row, double> f) => rows.Select(f).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
        yield return ClaimRulesShortcutShamir.ForAll(Lemma1, result.CaseCount, result.LemmaViolations, "cases", where,
            [
                new("tightest ratio", Min(r => r.MinLemmaRatio), "⟨vec G, ∇F⟩ ÷ (F − F_lin(w*)), ≥ 1 holds"),
                new("largest identity deviation", rows.Select(r => r.MaxIdentityDeviation).DefaultIfEmpty(double.NaN).Max(), "relative, the proof's equality"),
                new("nontrivial cases", nontrivial, "F > F_lin(w*)"),
            ], shown);
        yield return ClaimRulesShortcutShamir.ForAll(Theorem1, result.CaseCount, result.Theorem1Violations, "cases", where,
            [
                new("tightest ratio", Min(r => r.MinTheorem1Ratio), "‖∇F_θ‖ ÷ bound, ≥ 1 holds"),
                new("smallest median ‖∇F_θ‖", Min(r => r.MedianGradientNorm), "over (loss, σ, GD steps)"),
                new("nontrivial cases", nontrivial, "F > F_lin(w*)"),
            ], shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShamirLemma1Result result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    protected override string VerdictDetail(ShamirLemma1Result result) =>
        $"Lemma 1: {result.LemmaViolations}, Theorem 1: {result.Theorem1Violations}; each case checks both";

    protected override void Summarize(Summary md, ShamirLemma1Result result)
    {
        var (c, m) = (result.Config, result.Config.Model);
        md.Paragraph("Lemma 1: ⟨vec G, ∇F_θ(w, V)⟩ ≥ F(w, V, θ) − F_lin(w*), G = (w − w*; w(w*)ᵀV/‖w‖²). Theorem 1: ‖∇F_θ(w, V)‖ ≥ (F − F_lin(w*)) / √(2‖w‖² + ‖w*‖²(2 + ‖V‖²/‖w‖²)). " +
                     $"Points: ‖w‖, ‖V‖_F log-uniform in [0.01, 10], random f_θ ({m.Layers} hidden layers of {m.Hidden}, k = {m.Width}), d = {m.Dimension}, n = {m.Samples}; " +
                     $"each checked at the random start and after backtracking GD on (w, V) (θ frozen); w* = F_lin's exact minimizer and {c.RandomWStar} random vectors. " +
                     "Ratios (≥ 1 = holds) are over the nontrivial cases F > F_lin(w*); identity = |⟨vec G, ∇F⟩ − E[ℓ'(p)(p − w*ᵀx)]| relative.");
        md.Tables(Layout, result);
    }


    /// <summary>lemma1.png/.svg: log–log scatter of each inequality's two sides over the nontrivial cases, one colour per GD checkpoint.</summary>
    protected override IEnumerable<string> DrawFigures(ShamirLemma1Result result, string folder, List<string> notes)
    {
        var checkpoints = result.Cases.Select(c => c.Checkpoint).Distinct().Order().ToArray();
        ShamirOutput.Panel Panel(string title, string x, string y, Func<Lemma1Case, double> lhs, Func<Lemma1Case, double> rhs) => new(title, x, y, plot =>
        {
            for (int c = 0; c < checkpoints.Length; c++)
                Figures.Markers(plot, result.Cases.Where(k => k.Checkpoint == checkpoints[c] && k.Gap > 0), k => Math.Log10(rhs(k)), k => Math.Log10(lhs(k)),
                                $"{checkpoints[c]} GD steps", plot.Add.Palette.GetColor(c), notes, size: 4, series: $"{title}, {checkpoints[c]} GD steps");
        });
        return ShamirOutput.Inequalities(folder, "lemma1",
            Panel("Lemma 1", "log10(F − F_lin(w*))", "log10⟨vec G, ∇F_θ⟩", k => k.Inner, k => k.Gap),
            Panel("Theorem 1", "log10(bound)", "log10‖∇F_θ(w, V)‖", k => k.GradientNorm, k => k.Theorem1Bound));
    }
}
