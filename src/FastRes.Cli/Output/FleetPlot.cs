using FastRes.Experiments.Profiling;
using ScottPlot;

namespace FastRes.Cli.Output;

/// <summary>
/// fleet.png / fleet.svg of `bench fleet collect`: one panel per kernel, one column per node (grouped as in the report),
/// each of the kernel's figures on that node as a point at its rate as a percentage of its group's median — the quantity
/// the outlier rule judges, comparable across node types whose absolute rates are not. Outliers are red crosses,
/// reference failures red squares; missing figures have no point.
/// </summary>
public static class FleetPlot
{
    public static IEnumerable<string> Save(FleetReport report, string folder, string name = "fleet")
    {
        var kernels = report.Nodes.SelectMany(n => n.Cells).Where(c => c.Rate is not null).Select(c => c.Figure.Kernel).Distinct().ToList();
        if (kernels.Count == 0) kernels.Add("(no figures)");
        var figure = new Multiplot();
        figure.AddPlots(kernels.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        double[] positions = [.. Enumerable.Range(0, report.Nodes.Count).Select(i => (double)i)];
        string[] hosts = [.. report.Nodes.Select(n => n.Host)];
        for (int p = 0; p < kernels.Count; p++)
        {
            var plot = figure.GetPlot(p);
            var ok = new List<Coordinates>();
            var outliers = new List<Coordinates>();
            var failed = new List<Coordinates>();
            for (int i = 0; i < report.Nodes.Count; i++)
            {
                foreach (var c in report.Nodes[i].Cells.Where(c => c.Figure.Kernel == kernels[p] && c.RatioToMedian is not null))
                {
                    var at = new Coordinates(i, 100 * c.RatioToMedian!.Value);
                    (c.Verdict is FleetVerdict.Slow or FleetVerdict.Fast ? outliers : ok).Add(at);
                    if (c.ReferenceFailed) failed.Add(at);
                }
            }
            Add(plot, ok, MarkerShape.FilledCircle, 7, Colors.SteelBlue, "within the rule (or not judged)");
            Add(plot, outliers, MarkerShape.Cross, 14, Colors.Red, "outlier");
            Add(plot, failed, MarkerShape.OpenSquare, 16, Colors.DarkRed, "below reference");
            var median = plot.Add.HorizontalLine(100);
            median.LineColor = Colors.Black;
            median.LinePattern = LinePattern.Dotted;
            median.LegendText = "group median";
            plot.Axes.Bottom.SetTicks(positions, hosts);
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            // Room for the slanted host names below the axis (ScottPlot sizes the axis for unrotated labels).
            plot.Axes.Bottom.MinimumSize = 30 + 6.5f * Math.Min(40, hosts.Select(h => h.Length).DefaultIfEmpty(0).Max());
            plot.Axes.SetLimitsX(-0.5, Math.Max(0.5, report.Nodes.Count - 0.5));
            plot.Title($"{kernels[p]}: rate per node");
            plot.YLabel("% of its group's median");
            plot.ShowLegend(Edge.Bottom); // outside the data: a corner legend would hide the nodes it covers
        }
        int width = Math.Max(500, Math.Min(2400, 120 + 40 * report.Nodes.Count)) * kernels.Count;
        return Figures.Save(figure, folder, name, Math.Min(width, 6000), 640);
    }

    private static void Add(Plot plot, List<Coordinates> points, MarkerShape shape, float size, Color color, string legend)
    {
        if (points.Count == 0) return;
        var markers = plot.Add.Markers(points.ToArray(), shape, size, color);
        markers.LegendText = legend;
    }
}
