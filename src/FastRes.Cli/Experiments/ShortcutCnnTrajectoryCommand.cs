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

    public static readonly PaperClaim PhaseTransition = new("shortcut-cnn-trajectory/phase-transition", Paper.Liu2019,
        "Experiments (\"Empirical Convergence\"), first row of the figure; Theorems 1 and 2 (Stage I, Stage II)",
        "1st Row: The algorithm has a phase transition.");
    public static readonly PaperClaim TrappedWithoutWarmup = new("shortcut-cnn-trajectory/trapped-without-warmup", Paper.Liu2019,
        "Experiments (\"Empirical Convergence\"), second row of the figure",
        "2nd Row: GD w/o SSW is trapped in the spurious local optimum.");

    public override IReadOnlyList<PaperClaim> Claims => [PhaseTransition, TrappedWithoutWarmup];

    /// <summary>The defaults (3 traced trials per method and a 20,000-trial search for a trapped run) take about 2 s: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The poster shows a few traced runs and names neither their number nor the teacher's cap: the defaults.</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>Stage II must take the loss down at least this many times faster per iteration than Stage I for a phase transition.</summary>
    public const double TransitionRatio = 10;

    /// <summary>A search of at least this many trials that finds no trapped run says the trap does not occur (fewer decide nothing).</summary>
    public const int DecisiveSearch = 1000;

    protected override IEnumerable<ClaimFinding> Judge(ShortcutCnnTrajectoryResult result, IReadOnlyList<string> figures)
    {
        string ssw = ShortcutCnnMethod.ResnetSsw.Name(), resnet = ShortcutCnnMethod.Resnet.Name();
        yield return JudgePhaseTransition(result, ClaimRulesShortcutShamir.Png(figures, $"trajectory_{ssw}."));
        yield return JudgeTrapped(result, ClaimRulesShortcutShamir.Png(figures, $"trajectory_{resnet}.", $"trajectory_{ssw}."));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(ShortcutCnnTrajectoryResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>
    /// Per successful resnet-ssw trace: the loss's fall in decades per iteration during Stage I (0..T₁) against Stage II
    /// (T₁..end); a phase transition when Stage II is at least <see cref="TransitionRatio"/> times faster.
    /// </summary>
    private static ClaimFinding JudgePhaseTransition(ShortcutCnnTrajectoryResult result, IReadOnlyList<string> figures)
    {
        var claim = PhaseTransition;
        var shared = result.Config.Shared;
        int t1 = shared.ResolveSteps(shared.K[0]).WarmupIterations;
        var traces = result.Trajectories.Where(t => t.Method == ShortcutCnnMethod.ResnetSsw.Name()).ToList();
        if (traces.Count == 0) return ClaimFinding.NotCheckable(claim, "the run traced no resnet-ssw trial (--methods)");
        if (t1 <= 0) return ClaimFinding.NotCheckable(claim, "Stage I is empty (--warmup-iterations 0): there is no warm-up whose end could be a transition");
        var succeeded = traces.Where(t => t.Outcome == TrialOutcome.Success && t.Points.Count > 1 && t.Last.Iteration > t1).ToList();
        if (succeeded.Count == 0)
            return ClaimFinding.NotCheckable(claim, $"none of the {traces.Count} resnet-ssw trace(s) succeeded after Stage I (T₁ = {t1}): there is no Stage II to compare");
        var stages = succeeded.Select(t =>
        {
            var atT1 = t.Points.MinBy(p => Math.Abs(p.Iteration - t1));
            var (first, last) = (t.Points[0], t.Last);
            double stageI = (Math.Log10(first.Loss) - Math.Log10(atT1.Loss)) / Math.Max(1, atT1.Iteration - first.Iteration);
            double stageII = (Math.Log10(atT1.Loss) - Math.Log10(last.Loss)) / Math.Max(1, last.Iteration - atT1.Iteration);
            return (Trace: t, AtT1: atT1, StageI: stageI, StageII: stageII, Ratio: stageI > 0 ? stageII / stageI : double.PositiveInfinity);
        }).ToList();
        var tally = CellTally.Of(stages, s => s.StageII >= TransitionRatio * Math.Max(s.StageI, 0) && s.StageII > 0 ? 1 : -1,
            s => string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"trial {s.Trace.Trial}: {s.StageI:0.###e0} vs {s.StageII:0.###e0} decades/iteration (×{(double.IsFinite(s.Ratio) ? s.Ratio.ToString("0") : "∞")}), φ = {s.AtT1.Phi:0.###} and aᵀa* = {s.AtT1.ADotAStar:0.##} at T₁"));
        string evidence = $"Loss of the successful resnet-ssw traces (k = {shared.K[0]}, θ_cap = {ClaimRulesShortcutShamir.Deg(shared.CapDeg)}), its fall in decades per iteration " +
                          $"in Stage I (0..T₁ = {t1}) vs Stage II (T₁..the end): {tally.Listing}. Rule: a phase transition when Stage II is at least " +
                          $"{TransitionRatio:0}× faster; {tally.Counts}. Theorem 1's Stage-I output is φ ≤ 5π/12 ≈ 1.309 and aᵀa* ≥ m > 0 at T₁ (shown, not counted: " +
                          "the theorem assumes the skip-layer prior, θ_cap ≤ 60°)." +
                          (succeeded.Count < traces.Count ? $" {traces.Count - succeeded.Count} resnet-ssw trace(s) did not succeed and were left out." : "");
        return new ClaimFinding(claim, tally.Verdict, evidence,
        [
            new("traces with a transition", tally.Agreeing, $"of {tally.Cases} successful resnet-ssw traces"),
            new("smallest Stage II ÷ Stage I speed", stages.Min(s => s.Ratio), "×"),
            new("largest φ at T₁", stages.Max(s => s.AtT1.Phi), "rad (Theorem 1: ≤ 5π/12 ≈ 1.309)"),
            new("smallest aᵀa* at T₁", stages.Min(s => s.AtT1.ADotAStar), "(Theorem 1: ≥ m > 0)"),
            new("T₁", t1, "iterations"),
        ], figures);
    }

    /// <summary>Holds when a traced trial ends spurious without warm-up and succeeds with it; a search of
    /// <see cref="DecisiveSearch"/> trials or more that finds none is "does not hold".</summary>
    private static ClaimFinding JudgeTrapped(ShortcutCnnTrajectoryResult result, IReadOnlyList<string> figures)
    {
        var claim = TrappedWithoutWarmup;
        var c = result.Config;
        string resnet = ShortcutCnnMethod.Resnet.Name(), ssw = ShortcutCnnMethod.ResnetSsw.Name();
        if (!c.Shared.Methods.Contains(ShortcutCnnMethod.Resnet) || !c.Shared.Methods.Contains(ShortcutCnnMethod.ResnetSsw))
            return ClaimFinding.NotCheckable(claim, "the run traced not both resnet and resnet-ssw (--methods)");
        var trapped = result.Trajectories.Where(t => t.Method == resnet && t.Outcome == TrialOutcome.Spurious)
            .Select(t => (Resnet: t, Ssw: result.Trajectories.FirstOrDefault(o => o.Method == ssw && o.Trial == t.Trial)))
            .FirstOrDefault(p => p.Ssw?.Outcome == TrialOutcome.Success);
        int searched = c.FindTrapped ? c.SearchTrials : 0;
        string where = $"k = {c.Shared.K[0]}, θ_cap = {ClaimRulesShortcutShamir.Deg(c.Shared.CapDeg)}";
        if (trapped.Resnet is null)
        {
            string none = $"No traced trial ({where}) ends in the spurious basin without warm-up and succeeds with it";
            return searched >= DecisiveSearch
                ? new ClaimFinding(claim, Verdict.DoesNotHold, $"{none}, among the first {searched:N0} trials searched.", [new("trials searched", searched, "trials")], figures)
                : ClaimFinding.NotCheckable(claim, $"{none}, and the search (--find-trapped, --search-trials {searched}) was shorter than {DecisiveSearch:N0} trials");
        }
        var (r, s) = (trapped.Resnet, trapped.Ssw!);
        var early = r.Points.TakeWhile(p => p.Iteration <= Math.Max(1, r.Last.Iteration / 10)).ToList();
        double earlyMin = early.Count > 0 ? early.Min(p => p.ADotAStar) : double.NaN;
        string evidence = FormattableString.Invariant(
            $"Trial {r.Trial} ({where}): resnet without warm-up ends in the spurious basin (φ = {r.Last.Phi:0.###} rad > π/2, loss {r.Last.Loss:0.###e0} at iteration {r.Last.Iteration}), ") +
            FormattableString.Invariant($"resnet-ssw from the same start succeeds (loss {s.Last.Loss:0.###e0}). Rule: holds when some trial is trapped without warm-up and escapes with it") +
            (searched > 0 ? FormattableString.Invariant($" (found by searching the first {searched:N0} trials).") : ".") +
            (earlyMin < 0 ? FormattableString.Invariant($" Its aᵀa* is negative early (min {earlyMin:0.##} in the first tenth), which drives φ toward π.") : "");
        return new ClaimFinding(claim, Verdict.Holds, evidence,
        [
            new("trapped trial", r.Trial, "index"),
            new("resnet final φ", r.Last.Phi, "rad (spurious: > π/2)"),
            new("resnet final loss", r.Last.Loss, ""),
            new("resnet-ssw final loss", s.Last.Loss, ""),
            new("earliest-tenth min aᵀa* (resnet)", earlyMin, ""),
        ], figures);
    }

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
