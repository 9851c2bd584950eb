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
}
