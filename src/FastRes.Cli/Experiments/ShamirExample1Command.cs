using System.Text;
using System.Text.Json.Nodes;
using FastRes.Cli.Hosting;
using FastRes.Cli.Output;
using FastRes.Experiments;
using FastRes.Experiments.Shamir;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shamir-example1</c>: Shamir 2018 Example 1 (the stationary point (0, −1/ε) of ½(w(1+εv) − 1)²) and
/// Figure 1 (critical points of F, F + ¼(w² + v²), and F on the disc), with the three panels redrawn.
/// </summary>
public sealed class ShamirExample1Command : ExperimentBinding<ShamirExample1Config, ShamirExample1Result>
{
    public override string Name => "shamir-example1";
    public override string Description => "Example 1 and Figure 1 of Shamir 2018: the flat saddle (0, −1/ε) and the spurious minima regularization creates";
    public override ShamirExample1Config Defaults { get; } = new();
    public override IReadOnlyList<FlagSetting<ShamirExample1Config>> Settings { get; }
    public override IReadOnlyCollection<string> NotInHash => [];

    public ShamirExample1Command()
    {
        var d = Defaults;
        Settings =
        [
            new("epsilons", "LIST", $"ε of the text's ½(w(1+εv) − 1)² (default {string.Join(",", d.Epsilons.Select(Values.Format))})",
                (c, t) => c with { Epsilons = Values.DoubleList("epsilons", t) }),
            new("regularization", "C", $"c in panel (b)'s F + c(w² + v²) (default {Values.Format(d.Regularization)}, the paper's λ/2 with λ = 1/2)",
                (c, t) => c with { Regularization = Values.Double("regularization", t) }),
            new("radius", "R", $"Panel (c)'s constraint ‖(w, v)‖ ≤ R (default {Values.Format(d.Radius)})", (c, t) => c with { Radius = Values.Double("radius", t) }),
            new("grid", "N", $"Newton starts per axis (default {d.Grid})", (c, t) => c with { Grid = Values.Int("grid", t) }),
            new("extent", "X", $"Starts and figures cover [−X, X]² (default {Values.Format(d.Extent)})", (c, t) => c with { Extent = Values.Double("extent", t) }),
            new("boundary-samples", "N", $"Angles scanned on the circle before bisection (default {d.BoundarySamples})",
                (c, t) => c with { BoundarySamples = Values.Int("boundary-samples", t) }),
            new("tolerance", "X", $"Tolerance of the claimed equalities (default {Values.Format(d.Tolerance)})", (c, t) => c with { Tolerance = Values.Double("tolerance", t) }),
        ];
    }

    public override IReadOnlyList<ConfigError> Validate(ShamirExample1Config config) => config.Validate();

    public override JsonObject ConfigJson(ShamirExample1Config c) => new()
    {
        ["epsilons"] = new JsonArray(c.Epsilons.Select(e => (JsonNode)e).ToArray()),
        ["regularization"] = c.Regularization,
        ["radius"] = c.Radius,
        ["grid"] = c.Grid,
        ["extent"] = c.Extent,
        ["boundary-samples"] = c.BoundarySamples,
        ["tolerance"] = c.Tolerance,
    };

    protected override ShamirExample1Result Execute(ShamirExample1Config config, IProgress<long> progress, CancellationToken cancellationToken)
        => ShamirExample1.Run(config, cancellationToken);

    private static List<IReadOnlyList<(string, object?)>> PointRows(ShamirExample1Result r) => r.Points.Select(p => (IReadOnlyList<(string, object?)>)
    [
        ("panel", p.Panel), ("w", p.W), ("v", p.V), ("value", p.Value), ("kind", p.Kind),
        ("hessian_lambda1", p.Lambda1), ("hessian_lambda2", p.Lambda2), ("kkt_multiplier", p.Multiplier), ("spurious", p.Spurious),
    ]).ToList();

    private static List<IReadOnlyList<(string, object?)>> TextRows(ShamirExample1Result r) => r.TextCases.Select(t => (IReadOnlyList<(string, object?)>)
    [
        ("epsilon", t.Epsilon), ("w", t.W), ("v", t.V), ("value", t.Value), ("gradient_norm", t.GradientNorm),
        ("hessian_ww", t.Hww), ("hessian_wv", t.Hwv), ("hessian_vv", t.Hvv), ("lambda_min", t.LambdaMin), ("lambda_max", t.LambdaMax),
        ("f_lin_at_1", t.FLinAtOne), ("hessian_deviation", t.HessianDeviation), ("holds", t.Holds),
    ]).ToList();

    private static List<IReadOnlyList<(string, object?)>> ClaimRows(ShamirExample1Result r) => r.Claims.Select(c => (IReadOnlyList<(string, object?)>)
    [
        ("claim", c.Claim), ("holds", c.Holds), ("detail", c.Detail),
    ]).ToList();

    public override IReadOnlyList<string> WriteResults(RunHeader header, ShamirExample1Result result)
    {
        var points = PointRows(result);
        VerdictFiles.WriteJson(header, result.Seconds, result.Cases, result.Violations, [("valley_starts", result.ValleyStarts)],
            [("rows", points), ("text_objective", TextRows(result)), ("claims", ClaimRows(result))]);
        TableFiles.WriteCsv(header, points);
        var figures = Figure(result, header.OutDir).ToList();

        var md = new StringBuilder();
        md.AppendLine("# shamir-example1").AppendLine();
        md.AppendLine($"fastres {header.Version}, commit {header.GitCommit ?? "unknown"}, config_hash `{header.ConfigHash}`, {result.Seconds:F2} s.").AppendLine();
        md.AppendLine($"**Verdict: {result.Violations} violation(s) in {result.Cases} checked claims.**").AppendLine();
        md.AppendLine("## Example 1: ½(w(1+εv) − 1)² at (0, −1/ε)").AppendLine();
        md.AppendLine("Hessian by central differences of the analytic gradient; the paper: ∇ = 0, ∇² = [[0, −ε], [−ε, 0]], F = ½ > 0 = F_lin(1).").AppendLine();
        md.AppendLine("| ε | v = −1/ε | F | ‖∇F‖ | H_ww | H_wv | H_vv | λ_min | λ_max | F_lin(1) | holds |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|");
        foreach (var t in result.TextCases)
            md.AppendLine($"| {TableFiles.Show(t.Epsilon)} | {TableFiles.Show(t.V)} | {TableFiles.Show(t.Value)} | {TableFiles.Show(t.GradientNorm)} | {TableFiles.Show(t.Hww)} | {TableFiles.Show(t.Hwv)} | {TableFiles.Show(t.Hvv)} | {TableFiles.Show(t.LambdaMin)} | {TableFiles.Show(t.LambdaMax)} | {TableFiles.Show(t.FLinAtOne)} | {(t.Holds ? "yes" : "**no**")} |");
        md.AppendLine().AppendLine("## Figure 1: F(w, v) = (w(1+v) − 1)²").AppendLine();
        md.AppendLine($"(a) F; (b) F + {TableFiles.Show(result.Config.Regularization)}(w² + v²); (c) F on ‖(w, v)‖ ≤ {TableFiles.Show(result.Config.Radius)}. " +
                      $"Newton from a {result.Config.Grid}² grid over [−{TableFiles.Show(result.Config.Extent)}, {TableFiles.Show(result.Config.Extent)}]²; {result.ValleyStarts} starts of (a) ended on the valley w(1+v) = 1 (F = 0, global minima, not listed). " +
                      "Boundary points of (c): local minima of F(R cos t, R sin t), kept as minima when the KKT multiplier μ = −∇F·x̂ ≥ 0.").AppendLine();
        md.AppendLine("| panel | w | v | F | kind | Hessian λ₁ | λ₂ | KKT μ | spurious |");
        md.AppendLine("|:--|---:|---:|---:|:--|---:|---:|---:|:--|");
        foreach (var p in result.Points)
            md.AppendLine($"| {p.Panel} | {VerdictFiles.Fixed(p.W)} | {VerdictFiles.Fixed(p.V)} | {VerdictFiles.Fixed(p.Value, 6)} | {p.Kind} | {TableFiles.Show(p.Lambda1)} | {TableFiles.Show(p.Lambda2)} | {TableFiles.Show(p.Multiplier)} | {(p.Spurious ? "**yes**" : "")} |");
        md.AppendLine().AppendLine("## Claims").AppendLine();
        foreach (var c in result.Claims) md.AppendLine($"- {(c.Holds ? "holds" : "**VIOLATED**")}: {c.Claim} — {c.Detail}");
        md.AppendLine().AppendLine("Inside the open disc, F's only critical points are the saddle (0, −1) and the valley (global minima, F = 0): a spurious local minimum of (c) can only sit on the circle, where it is a KKT point (μ > 0: F would decrease outward, the constraint holds it).");
        md.AppendLine().AppendLine("Note: the paper's text calls the saddle of F \"(w, v) = (1, −1/ε)\"; with ε = 1 the saddle is at (0, −1), as the example's own (0, −1/ε) says.");
        md.AppendLine().AppendLine("Figures: " + string.Join(", ", figures.Select(f => $"`{f}`")));
        AtomicFile.WriteText(header.PathOf("summary.md"), md.ToString());
        return ["results.json", "results.csv", "summary.md", .. figures];
    }

    protected override void PrintSummary(TextWriter output, ShamirExample1Result result)
    {
        output.WriteLine($"{result.Violations} violation(s) in {result.Cases} claims");
        foreach (var p in result.Points)
            output.WriteLine($"  ({p.Panel}) {p.Kind,-17} w = {p.W,9:F4}  v = {p.V,9:F4}  F = {p.Value:G6}{(p.Spurious ? "  spurious" : "")}");
    }

    /// <summary>figure1.png/.svg: three heat maps of log10(F + 10⁻³) (the contour levels of the paper's panels as colour), critical points marked.</summary>
    private static IEnumerable<string> Figure(ShamirExample1Result result, string folder)
    {
        var c = result.Config;
        var figure = new Multiplot();
        figure.AddPlots(3);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        (string Panel, string Title, FigureObjective F)[] panels =
        [
            ("a", "(a) F = (w(1+v) − 1)²", new FigureObjective(0)),
            ("b", $"(b) F + {TableFiles.Show(c.Regularization)}(w² + v²)", new FigureObjective(c.Regularization)),
            ("c", $"(c) F on ‖(w, v)‖ ≤ {TableFiles.Show(c.Radius)}", new FigureObjective(0)),
        ];
        const int cells = 200;
        for (int k = 0; k < panels.Length; k++)
        {
            var (panel, title, f) = panels[k];
            var plot = figure.GetPlot(k);
            var grid = new double[cells, cells];
            for (int i = 0; i < cells; i++)
            {
                double v = c.Extent - 2 * c.Extent * (i + 0.5) / cells; // heat-map rows run top to bottom
                for (int j = 0; j < cells; j++)
                {
                    double w = -c.Extent + 2 * c.Extent * (j + 0.5) / cells;
                    bool outside = panel == "c" && w * w + v * v > c.Radius * c.Radius;
                    grid[i, j] = outside ? double.NaN : Math.Log10(f.Value(w, v) + 1e-3);
                }
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
                var points = plot.Add.Markers(group.Select(p => p.W).ToArray(), group.Select(p => p.V).ToArray(), marker, 10, colour);
                points.LegendText = group.Key;
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
