using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-example1</c>: Shamir 2018 Example 1 (the stationary point (0, −1/ε) of ½(w(1+εv) − 1)²) and
/// Figure 1 (critical points of F, F + ¼(w² + v²), and F on the disc), with the three panels redrawn.
/// </summary>
public sealed class ShamirExample1Command() : Experiment<ShamirExample1Config, ShamirExample1Result>("shamir-example1",
    "Example 1 and Figure 1 of Shamir 2018: the flat saddle (0, −1/ε) and the spurious minima regularization creates")
{
    protected override ShamirExample1Result Run(ShamirExample1Config config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShamirExample1.Run(config, cancellationToken);

    public static readonly PaperClaim FlatSaddle = new("shamir-example1/flat-saddle", Paper.Shamir2018, "Section 4, Example 1",
        "Fix some ε > 0. Suppose x, w, V, w* are all scalars, w* = 1, f_θ(x) = εx (with no dependence on a parameter θ), ℓ(p; y) = ½(p − y)² is the squared loss, " +
        "and x = y = 1 w.p. 1. Then the objective can be equivalently written as F(w, v) = ½(w(1 + εv) − 1)² [...] In particular, at (w, v) = (0, −1/ε), the gradient is 0 " +
        "and the Hessian equals [[0, −ε], [−ε, 0]], which is arbitrarily close to 0 if ε is small enough. However, the objective value at that point equals F(0, −1/ε) = ½ > 0 = F_lin(1).");
    public static readonly PaperClaim Figure1Stationary = new("shamir-example1/figure1-stationary", Paper.Shamir2018, "Section 4, Figure 1 (a)",
        "Whereas the stationary points of F(w, v) are either global minima (along two valleys, corresponding to {(w, v) : w(1 + v) = 1}) or a saddle point " +
        "(at (w, v) = (1, −1/ε)) [...]");
    public static readonly PaperClaim SpuriousMinima = new("shamir-example1/spurious-minima", Paper.Shamir2018, "Section 4, Figure 1 (b) and (c)",
        "[...] the regularization created a new spurious local minimum around (w, v) ≈ (−1, −1.6). [...] A similar issue can also occur if we impose a hard constraint [...] " +
        "Again, as Figure 1 illustrates, this optimization problem can have spurious local minima inside its constrained domain, using the same F as before. " +
        "(Figure 1: \"Both (b) and (c) exhibit a spurious local minima in the bottom left quadrant of the domain.\")");

    public override IReadOnlyList<PaperClaim> Claims => [FlatSaddle, Figure1Stationary, SpuriousMinima];

    /// <summary>The defaults take a few seconds on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper is theory and gives no experimental protocol: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    protected override IEnumerable<ClaimFinding> Judge(ShamirExample1Result result, IReadOnlyList<string> figures)
    {
        var shown = ClaimRulesShortcutShamir.Png(figures, "figure1.");
        var t = result.TextCases;
        yield return ClaimRulesShortcutShamir.ForAll(FlatSaddle, t.Count, t.Count(x => !x.Holds), "values of ε",
            $"At (0, −1/ε) of ½(w(1+εv) − 1)² for ε = {string.Join(", ", t.Select(x => ClaimRulesShortcutShamir.Num(x.Epsilon)))}: gradient, Hessian (central differences of the analytic gradient) " +
            $"and value against the paper's 0, [[0, −ε], [−ε, 0]] and ½ > 0 = F_lin(1), to {Kinds.Format(result.Config.Tolerance)}.",
            t.Count == 0 ? [] :
            [
                new("smallest ε", t.Min(x => x.Epsilon)),
                new("largest ‖∇F‖", t.Max(x => x.GradientNorm), "at (0, −1/ε)"),
                new("largest Hessian deviation", t.Max(x => x.HessianDeviation), "from [[0, −ε], [−ε, 0]]"),
                new("F at (0, −1/ε)", t.Min(x => x.Value), "(paper: ½; F_lin(1) = 0)"),
            ], shown);

        var a = result.Claims.FirstOrDefault(c => c.Claim.StartsWith("(a)", StringComparison.Ordinal));
        var saddles = result.Points.Where(p => p.Panel == "a" && p.Kind == "saddle").ToList();
        yield return a is null ? ClaimFinding.NotCheckable(Figure1Stationary, "the run did not classify panel (a)'s critical points")
            : new ClaimFinding(Figure1Stationary, a.Holds ? Verdict.Holds : Verdict.DoesNotHold,
                $"Newton from a {result.Config.Grid}² grid over [−{Kinds.Format(result.Config.Extent)}, {Kinds.Format(result.Config.Extent)}]², limits classified by the Hessian: {a.Detail}. " +
                "Rule: holds when every limit is on the valley w(1 + v) = 1 or is the single saddle. The saddle is at (0, −1), as Example 1's own (0, −1/ε) with ε = 1 says; the text's \"(1, −1/ε)\" is a typo.",
                [
                    new("starts ending on the valley", result.ValleyStarts, "Newton starts"),
                    new("critical points off the valley", result.Points.Count(p => p.Panel == "a" && p.Kind != "valley")),
                    new("saddle w", saddles.Count == 1 ? saddles[0].W : double.NaN),
                    new("saddle v", saddles.Count == 1 ? saddles[0].V : double.NaN),
                ], shown);

        yield return JudgeSpurious(result, shown);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShamirExample1Result result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>Panels (b) and (c) each a case: a spurious local minimum in the bottom-left quadrant, (b)'s near (−1, −1.6).</summary>
    private static ClaimFinding JudgeSpurious(ShamirExample1Result result, IReadOnlyList<string> figures)
    {
        var c = result.Config;
        if (c.Regularization != 0.25 || c.Radius != 2)
            return ClaimFinding.NotCheckable(SpuriousMinima, $"the run's panels are F + {Kinds.Format(c.Regularization)}(w² + v²) and ‖(w, v)‖ ≤ {Kinds.Format(c.Radius)}; the paper's Figure 1 is λ/2 = ¼ and radius 2");
        var b = result.Claims.FirstOrDefault(k => k.Claim.StartsWith("(b) F +", StringComparison.Ordinal));
        var cc = result.Claims.FirstOrDefault(k => k.Claim.StartsWith("(c)", StringComparison.Ordinal));
        if (b is null || cc is null) return ClaimFinding.NotCheckable(SpuriousMinima, "the run did not classify panels (b) and (c)");
        int holding = (b.Holds ? 1 : 0) + (cc.Holds ? 1 : 0);
        CriticalPoint? Spurious(string panel) => result.Points.Where(p => p.Panel == panel && p.Spurious && p.W < 0 && p.V < 0).MinBy(p => p.Value);
        var (sb, sc) = (Spurious("b"), Spurious("c"));
        double global = result.Points.Where(p => p.Panel == "b" && p.Kind == "min").Select(p => p.Value).DefaultIfEmpty(double.NaN).Min();
        return new ClaimFinding(SpuriousMinima, ClaimFinding.OfCounts(holding, 2),
            $"(b) {(b.Holds ? "holds" : "fails")}: {b.Detail}. (c) {(cc.Holds ? "holds" : "fails")}: {cc.Detail}. " +
            "Rule: each panel agrees when a local minimum above the global one lies in the bottom-left quadrant, (b)'s within 0.1 of (−1, −1.6); " +
            $"(c)'s may sit on the circle (a KKT point with multiplier ≥ 0); {holding} of 2 panels agree.",
            [
                new("(b) spurious minimum w", sb?.W ?? double.NaN), new("(b) spurious minimum v", sb?.V ?? double.NaN),
                new("(b) its F", sb?.Value ?? double.NaN, $"(global minimum {ClaimRulesShortcutShamir.Num(global)})"),
                new("(c) spurious minimum F", sc?.Value ?? double.NaN, "(global minimum 0)"),
            ], figures);
    }

    protected override string VerdictDetail(ShamirExample1Result result) =>
        "each case a claim of the paper, listed under Claims";

    protected override void Summarize(Summary md, ShamirExample1Result result)
    {
        var c = result.Config;
        md.Paragraph("## Example 1: ½(w(1+εv) − 1)² at (0, −1/ε)");
        md.Paragraph("Hessian by central differences of the analytic gradient; the paper: ∇ = 0, ∇² = [[0, −ε], [−ε, 0]], F = ½ > 0 = F_lin(1).");
        md.Table(TextObjectiveCase.Columns, result.TextCases);
        md.Paragraph("## Figure 1: F(w, v) = (w(1+v) − 1)²");
        md.Paragraph($"(a) F; (b) F + {Cells.Number(c.Regularization)}(w² + v²); (c) F on ‖(w, v)‖ ≤ {Cells.Number(c.Radius)}. " +
                     $"Newton from a {c.Grid}² grid over [−{Cells.Number(c.Extent)}, {Cells.Number(c.Extent)}]²; {result.ValleyStarts} starts of (a) ended on the valley w(1+v) = 1 (F = 0, global minima, not listed). " +
                     "Boundary points of (c): local minima of F(R cos t, R sin t), kept as minima when the KKT multiplier μ = −∇F·x̂ ≥ 0.");
        md.Table(CriticalPoint.Columns, result.Points);
        md.Paragraph("## Claims");
        md.Paragraph(string.Join("\n", result.Claims.Select(k => $"- {(k.Holds ? "holds" : "**VIOLATED**")}: {k.Claim} — {k.Detail}")));
        md.Paragraph("Inside the open disc, F's only critical points are the saddle (0, −1) and the valley (global minima, F = 0): a spurious local minimum of (c) can only sit on the circle, where it is a KKT point (μ > 0: F would decrease outward, the constraint holds it).");
        md.Notes.Add("the paper's text calls the saddle of F \"(w, v) = (1, −1/ε)\"; with ε = 1 the saddle is at (0, −1), as the example's own (0, −1/ε) says.");
    }


    /// <summary>figure1.png/.svg: three heat maps of log10(F + 10⁻³) (the contour levels of the paper's panels as colour), critical points marked.</summary>
    protected override IEnumerable<string> DrawFigures(ShamirExample1Result result, string folder, List<string> notes)
    {
        var c = result.Config;
        var figure = new Multiplot();
        figure.AddPlots(3);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        (string Panel, string Title, FigureObjective F)[] panels =
        [
            ("a", "(a) F = (w(1+v) − 1)²", new FigureObjective(0)),
            ("b", $"(b) F + {Cells.Number(c.Regularization)}(w² + v²)", new FigureObjective(c.Regularization)),
            ("c", $"(c) F on ‖(w, v)‖ ≤ {Cells.Number(c.Radius)}", new FigureObjective(0)),
        ];
        const int cells = 200;
        for (int k = 0; k < panels.Length; k++)
        {
            var (panel, title, f) = panels[k];
            var plot = figure.GetPlot(k);
            var grid = new double[cells, cells];
            for (int i = 0; i < cells; i++)
                for (int j = 0; j < cells; j++)
                {
                    // Heat-map rows run top to bottom.
                    double v = c.Extent - 2 * c.Extent * (i + 0.5) / cells, w = -c.Extent + 2 * c.Extent * (j + 0.5) / cells;
                    grid[i, j] = panel == "c" && w * w + v * v > c.Radius * c.Radius ? double.NaN : Math.Log10(f.Value(w, v) + 1e-3);
                }
            var map = plot.Add.Heatmap(grid);
            map.Colormap = new ScottPlot.Colormaps.Viridis();
            map.NaNCellColor = Colors.White;
            map.Rectangle = new CoordinateRect(-c.Extent, c.Extent, -c.Extent, c.Extent);
            if (panel == "c")
            {
                var circle = plot.Add.Circle(0, 0, c.Radius);
                circle.LineColor = Colors.Black; circle.LineWidth = 2; circle.FillColor = Colors.Transparent;
            }
            foreach (var group in result.Points.Where(p => p.Panel == panel).GroupBy(p => p.Spurious ? "spurious min" : p.Kind))
            {
                var (marker, colour) = group.Key switch
                {
                    "spurious min" => (MarkerShape.FilledDiamond, Colors.Red),
                    "min" or "boundary-min" => (MarkerShape.FilledCircle, Colors.White),
                    "saddle" => (MarkerShape.Cross, Colors.Orange),
                    "max" => (MarkerShape.FilledTriangleUp, Colors.Magenta),
                    _ => (MarkerShape.OpenCircle, Colors.Gray),
                };
                Figures.Markers(plot, group, p => p.W, p => p.V, group.Key, colour, notes, marker, 10, $"({panel}) {group.Key}");
            }
            plot.Axes.SetLimits(-c.Extent, c.Extent, -c.Extent, c.Extent);
            plot.Title(title);
            plot.XLabel("w");
            plot.YLabel("v");
            plot.ShowLegend(Alignment.UpperRight);
        }
        return Figures.Save(figure, folder, "figure1", 1800, 620);
    }
}
