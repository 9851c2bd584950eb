using FastRes.Experiments;
using FastRes.Cli.Hosting;
using ScottPlot;
using SkiaSharp;

namespace FastRes.Cli.Output;

/// <summary>
/// Saving ScottPlot figures as PNG + SVG, atomically, and the bookkeeping that keeps NaN out of them: callers
/// filter points through <see cref="Finite"/> and the skipped ones end up as a note in summary.md.
/// </summary>
public static class Figures
{
    public const int Width = 900;
    public const int Height = 600;

    /// <summary>Writes NAME.png and NAME.svg into <paramref name="folder"/>; returns both file names.</summary>
    public static IEnumerable<string> Save(Plot plot, string folder, string name, int width = Width, int height = Height)
    {
        AtomicFile.WriteBytes(Path.Combine(folder, name + ".png"), plot.GetImageBytes(width, height, ImageFormat.Png));
        // Skia's SVG backend cannot draw dash effects: it draws them solid and prints "Unsupported path effect in
        // addPaint" on the console for each. Draw them solid on purpose for the SVG, then restore the PNG's patterns.
        var dashed = plot.GetPlottables().OfType<IHasLine>().Where(p => p.LinePattern.Name != LinePattern.Solid.Name)
                         .Select(p => (Plottable: p, Pattern: p.LinePattern)).ToList();
        foreach (var (p, _) in dashed) p.LinePattern = LinePattern.Solid;
        AtomicFile.WriteText(Path.Combine(folder, name + ".svg"), plot.GetSvgXml(width, height));
        foreach (var (p, pattern) in dashed) p.LinePattern = pattern;
        return [name + ".png", name + ".svg"];
    }

    /// <summary>The same for a multi-panel figure (ScottPlot has no SVG export for those, so draw on Skia's SVG canvas).</summary>
    public static IEnumerable<string> Save(Multiplot multiplot, string folder, string name, int width, int height)
    {
        using (var surface = SKSurface.Create(new SKImageInfo(width, height)))
        {
            multiplot.Render(surface.Canvas, new PixelRect(0, width, height, 0));
            using var image = surface.Snapshot();
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            AtomicFile.WriteBytes(Path.Combine(folder, name + ".png"), png.ToArray());
        }
        AtomicFile.Write(Path.Combine(folder, name + ".svg"), stream =>
        {
            // The SVG canvas writes its closing tags when disposed, so it must be gone before the stream is flushed.
            using var managed = new SKManagedWStream(stream);
            using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), managed))
            {
                multiplot.Render(canvas, new PixelRect(0, width, height, 0));
            }
            managed.Flush();
        });
        return [name + ".png", name + ".svg"];
    }

    /// <summary>A bottom axis whose coordinate is log₂ of a depth, labelled with the depth itself (1, 2, 4, …).</summary>
    public static void Log2DepthAxis(Plot plot) => plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        IntegerTicksOnly = true,
        LabelFormatter = x => Math.Pow(2, x).ToString("0", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The finite (x, y) pairs, for plotting; every dropped point is described in <paramref name="notes"/> so that
    /// a gap in a curve is explained in summary.md instead of being silent.
    /// </summary>
    public static (double[] X, double[] Y) Finite(IReadOnlyList<double> xs, IReadOnlyList<double> ys, string series, List<string> notes, Func<double, bool>? allowed = null)
    {
        var x = new List<double>(xs.Count);
        var y = new List<double>(ys.Count);
        int dropped = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i]) && (allowed?.Invoke(ys[i]) ?? true)) { x.Add(xs[i]); y.Add(ys[i]); }
            else dropped++;
        }
        if (dropped > 0) notes.Add($"{series}: {dropped} non-finite point{(dropped == 1 ? "" : "s")} left out of the figure");
        return (x.ToArray(), y.ToArray());
    }

    /// <summary>
    /// One series of a figure: a line with markers through (x(row), y(row)), non-finite points left out (and said in
    /// <paramref name="notes"/>, under <paramref name="series"/> if the legend alone does not say which panel), with
    /// optional error bars from an interval. <paramref name="scale"/> maps values to the axis (log10 for a log axis);
    /// an interval end it cannot map (≤ 0 on a log axis) is clipped to the point. <paramref name="marker"/> (default a filled
    /// circle) tells apart series whose lines coincide.
    /// </summary>
    public static ScottPlot.Plottables.Scatter? Line<TRow>(Plot plot, IEnumerable<TRow> rows, Func<TRow, double> x, Func<TRow, double> y, string legend, Color color,
                                      List<string> notes, Func<TRow, (double Lo, double Hi)>? error = null, Func<double, double>? scale = null,
                                      bool dashed = false, float lineWidth = 2, float markerSize = 7, string? series = null,
                                      MarkerShape marker = MarkerShape.FilledCircle)
    {
        scale ??= v => v;
        var kept = new List<(double X, double Y, TRow Row)>();
        int dropped = 0;
        foreach (var r in rows)
        {
            double px = x(r), py = scale(y(r));
            if (double.IsFinite(px) && double.IsFinite(py)) kept.Add((px, py, r)); else dropped++;
        }
        if (dropped > 0) notes.Add($"{series ?? legend}: {dropped} non-finite point{(dropped == 1 ? "" : "s")} left out of the figure");
        if (kept.Count == 0) return null;
        double[] xs = kept.Select(k => k.X).ToArray(), ys = kept.Select(k => k.Y).ToArray();
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = legend;
        line.LineWidth = lineWidth;
        line.MarkerSize = markerSize;
        line.MarkerShape = marker;
        line.MarkerLineWidth = 2; // open markers: an outline as heavy as the line, visible over a filled one
        if (dashed) line.LinePattern = LinePattern.Dashed;
        if (error is not null)
        {
            double End(double v, double at) { double s = scale(v); return double.IsFinite(s) ? s : at; }
            var bars = plot.Add.ErrorBar(xs, ys, xs.Select(_ => 0.0).ToArray());
            bars.YErrorPositive = kept.Select(k => Math.Max(0, End(error(k.Row).Hi, k.Y) - k.Y)).ToArray();
            bars.YErrorNegative = kept.Select(k => Math.Max(0, k.Y - End(error(k.Row).Lo, k.Y))).ToArray();
            bars.Color = color;
            bars.CapSize = 5;
        }
        return line;
    }

    /// <summary>
    /// One series of separate points (where optimizers ended, one per start): markers at (x(row), y(row)), no line,
    /// non-finite points left out and said in <paramref name="notes"/> under <paramref name="series"/> (default: the legend).
    /// </summary>
    public static ScottPlot.Plottables.Markers? Markers<TRow>(Plot plot, IEnumerable<TRow> rows, Func<TRow, double> x, Func<TRow, double> y, string legend, Color color,
                                                           List<string> notes, MarkerShape shape = MarkerShape.FilledCircle, float size = 6, string? series = null)
    {
        var list = rows.ToList();
        var (xs, ys) = Finite(list.Select(x).ToArray(), list.Select(y).ToArray(), series ?? legend, notes);
        if (xs.Length == 0) return null;
        var markers = plot.Add.Markers(xs, ys, shape, size, color);
        markers.LegendText = legend;
        return markers;
    }

    /// <summary>A band filled between an interval's ends (a confidence band), where both ends are finite.</summary>
    public static void Band<TRow>(Plot plot, IEnumerable<TRow> rows, Func<TRow, double> x, Func<TRow, (double Lo, double Hi)> interval, Color color)
    {
        var kept = rows.Where(r => double.IsFinite(x(r)) && double.IsFinite(interval(r).Lo) && double.IsFinite(interval(r).Hi)).ToList();
        if (kept.Count < 2) return;
        var band = plot.Add.FillY(kept.Select(x).ToArray(), kept.Select(r => interval(r).Lo).ToArray(), kept.Select(r => interval(r).Hi).ToArray());
        band.FillColor = color.WithAlpha(0.2);
        band.LineWidth = 0;
    }

    /// <summary>A horizontal reference line (a bound, a theorem's value) with its legend.</summary>
    public static void Reference(Plot plot, double y, string legend, LinePattern? pattern = null)
    {
        var line = plot.Add.HorizontalLine(y);
        line.LineColor = Colors.Black;
        line.LinePattern = pattern ?? LinePattern.Dotted;
        line.LineWidth = 2;
        line.LegendText = legend;
    }

    /// <summary>A left axis whose coordinate is log10 of the value, labelled 1e-3, 1e0, 1e3, … with log minor ticks.</summary>
    public static void Log10Axis(IAxis axis) => axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = y => $"1e{y:0}",
    };
}
