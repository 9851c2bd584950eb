using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run shortcut-cnn-trajectory</c> (SPEC §1.6): per-iteration traces of a few trials for each method —
/// the two-phase convergence and, with --find-trapped, a run caught in the spurious basin. Figure per method: loss
/// (log scale), φ, aᵀa* and ‖a − a*‖ vs iteration, one curve per traced trial labelled with its outcome.
/// --trials and --shard are not options here (the traced trials are --traces and --search-trials).
/// </summary>
public sealed class ShortcutCnnTrajectoryCommand() : Experiment<ShortcutCnnTrajectoryConfig, ShortcutCnnTrajectoryResult>("shortcut-cnn-trajectory",
    "Loss, φ, aᵀa*, ‖a − a*‖ vs iteration for a few traced trials: two-phase convergence and the spurious trap")
{
    public override IReadOnlyList<string> SmokeArgs => ["--k", "4", "--traces", "2", "--iterations", "100", "--search-trials", "200"];
    protected override void AddDerived(System.Text.Json.Nodes.JsonObject doc, ShortcutCnnTrajectoryConfig config) => doc["resolved_steps"] = ShortcutCnnCommand.ResolvedSteps(config.Shared);

    protected override ShortcutCnnTrajectoryResult Run(ShortcutCnnTrajectoryConfig config, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => ShortcutCnnTrajectories.Run(config, progress, cancellationToken);

    protected override void Summarize(Summary md, ShortcutCnnTrajectoryResult result)
    {
        md.Tables(Layout, result);
        int diverged = result.Trajectories.Count(t => t.Outcome == TrialOutcome.Diverged);
        if (diverged > 0) md.Warning($"{diverged} traced trial(s) diverged (NaN/∞): the step sizes may be too large (see --eta-scale, --eta, --eta1).");
    }

    protected override IEnumerable<string> DrawFigures(ShortcutCnnTrajectoryResult result, string folder, List<string> notes)
        => result.Trajectories.GroupBy(t => t.Method).SelectMany(g => Panels(g.Key, g.ToList(), folder, notes)).ToList();

    /// <summary>trajectory_METHOD.png/.svg: a 2 × 2 grid of panels sharing the iteration axis.</summary>
    public static IEnumerable<string> Panels(string method, IReadOnlyList<Trajectory> traces, string folder, List<string> notes)
    {
        var figure = new Multiplot();
        figure.AddPlots(4);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(2, 2);
        (string Title, Func<TrajectoryPoint, double> Value, bool Log)[] panels =
        [
            ("loss L(w, a)", p => p.Loss, true),
            ("φ = ∠(v, v*) (rad)", p => p.Phi, false),
            ("a·a* (alignment with the teacher)", p => p.ADotAStar, false),
            ("‖a − a*‖", p => p.AError, false),
        ];
        for (int panel = 0; panel < panels.Length; panel++)
        {
            var (title, value, log) = panels[panel];
            var plot = figure.GetPlot(panel);
            for (int i = 0; i < traces.Count; i++)
            {
                var t = traces[i];
                double[] xs = t.Points.Select(p => (double)p.Iteration).ToArray();
                // The loss panel is log-scaled: plot log10, and a loss of exactly 0 cannot be drawn either.
                double[] ys = t.Points.Select(p => log ? Math.Log10(value(p)) : value(p)).ToArray();
                var (x, y) = Figures.Finite(xs, ys, $"{method} trial {t.Trial} {title}", notes);
                if (x.Length == 0) continue;
                var line = plot.Add.Scatter(x, y, plot.Add.Palette.GetColor(i));
                line.MarkerSize = 0;
                line.LineWidth = 1.5f;
                if (panel == 0) line.LegendText = $"{t.Label} ({t.OutcomeName})";
            }
            if (log) Figures.Log10Axis(plot.Axes.Left);
            plot.Title(title);
            plot.XLabel("iteration");
            if (panel == 0) plot.ShowLegend(Alignment.LowerLeft);
        }
        figure.GetPlot(0).Title($"{method}: loss L(w, a)");
        return Figures.Save(figure, folder, $"trajectory_{method}", 1400, 1000);
    }
}
