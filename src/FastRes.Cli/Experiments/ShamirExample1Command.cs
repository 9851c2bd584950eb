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
