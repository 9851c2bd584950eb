using System.Text.Json;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Results;
using FastRes.Experiments.Training;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run training-spectrum</c> (Li et al. Section 5.2, Figures 5 and 6): depth-16 xavier / orthogonal / 2-shortcut
/// networks trained by full-batch GD with the exact Hessian spectrum along the way. Cells are (net, run), sharded and
/// journaled one per finished run; merge concatenates the shards' runs in cell order and recomputes the loss grid.
/// </summary>
public sealed class TrainingSpectrumCommand() : DataExperiment<TrainingSpectrumConfig, TrainingSpectrumResult>("training-spectrum",
    "Hessian spectrum (max|λ|, |λ|(0.1), index) along GD training of depth-16 plain vs 2-shortcut nets (Li et al. Figs. 5–6)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depth", "4", "--width", "4", "--runs", "2", "--epochs", "20", "--every", "5", "--eta-xavier", "0.01", "--eta-orthogonal", "0.05", "--eta-shortcut", "0.2"];
    protected override string ProgressUnit => "spectra";
    protected override bool Journals => true;
    protected override long? Steps(TrainingSpectrumConfig config) => TrainingSpectrum.TotalSteps(config);
    protected override long SliceCount(TrainingSpectrumConfig config) => config.CellCount;
    protected override string? DataOf(TrainingSpectrumResult result) => result.DataSource;

    protected override TrainingSpectrumResult Run(TrainingSpectrumConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => TrainingSpectrum.Run(config, data, progress, cancellationToken, journal);

    /// <summary>The shards' runs and spectra concatenated in cell order (each shard must hold exactly its slice's cells), then assembled as a run is: bit for bit a single run.</summary>
    protected override TrainingSpectrumResult Merge(TrainingSpectrumConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var runs = new List<TrainingSpectrumRun>();
        var rows = new List<TrainingSpectrumRow>();
        foreach (var shard in shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index))
        {
            var own = ShardRows.Read(shard, "runs", TrainingSpectrumRun.Columns);
            var expected = Enumerable.Range((int)shard.Slice.TrialStart, (int)(shard.Slice.TrialEnd - shard.Slice.TrialStart))
                                     .Select(i => TrainingSpectrum.Cell(whole, i)).Select(c => (c.Net.Name(), c.Run));
            if (!own.Select(r => (r.Net, r.Run)).SequenceEqual(expected))
                throw ShardRows.Corrupt(shard, $"its runs are not exactly the cells [{shard.Slice.TrialStart}, {shard.Slice.TrialEnd}) of its slice");
            var spectra = ShardRows.Read(shard, "rows", TrainingSpectrumRow.Columns);
            if (spectra.Any(r => !own.Any(o => o.Net == r.Net && o.Run == r.Run)))
                throw ShardRows.Corrupt(shard, "a spectrum belongs to no run of the shard");
            runs.AddRange(own);
            rows.AddRange(spectra);
        }
        return TrainingSpectrum.Assemble(whole, SameText(shards, "data_source"), runs, rows, SecondsOf(shards));
    }

    public static readonly PaperClaim KappaSmaller = new("training-spectrum/kappa-smaller", Paper.Li2016, "Section 5.2, Figure 5",
        "As shown in Figure 5, the condition numbers of 2-shortcut networks at different losses are always smaller, especially when the loss is large.");
    public static readonly PaperClaim KappaSameEnd = new("training-spectrum/kappa-same-end", Paper.Li2016, "Section 5.2, Figure 5",
        "Also, notice that the condition numbers roughly evolved to the same value for both orthogonal and 2-shortcut linear networks.");
    public static readonly PaperClaim IndexSmaller = new("training-spectrum/index-smaller", Paper.Li2016, "Section 5.2, Figure 6 (left)",
        "In our experiments, the index of a 2-shortcut network is always smaller, and drops dramatically at the beginning, as shown in Figure 6, left.");
    public static readonly PaperClaim PeakAtDrop = new("training-spectrum/gradient-peak-at-index-drop", Paper.Li2016, "Section 5.2, Figure 6 (right)",
        "This is because the initial point is near a saddle point, thus it tends to go towards negative curvature directions, eliminating some negative eigenvalues at the beginning. " +
        "This phenomenon matches the observation that the gradient reaches its maximum when the index drops dramatically, as shown in Figure 6, right.");

    public override IReadOnlyList<PaperClaim> Claims => [KappaSmaller, KappaSameEnd, IndexSmaller, PeakAtDrop];

    /// <summary>The defaults (96 spectra of order 1,600) take ≈ 35 s on 2 cores; quick keeps them, since the end-of-training claim needs the 300 epochs.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>
    /// The paper gives 10 runs and a spectrum every epoch ("For every epoch, the Hessians of the networks were calculated", Appendix B) but
    /// not its epochs or rates for these figures: 10 runs, every epoch, 1,000 epochs (its §5.3 budget), the defaults' rates — ≈ 2 h on 2 cores.
    /// </summary>
    protected override IReadOnlyList<string> PaperArgs => ["--runs", "10", "--epochs", "1000", "--every", "1"];

    /// <summary>"Roughly the same value": the geometric means of the final κ within half a decade (a factor √10).</summary>
    public const double SameDecades = 0.5;

    protected override IEnumerable<ClaimFinding> Judge(TrainingSpectrumResult result, IReadOnlyList<string> figures)
    {
        var logKappa = LogKappaOnGrid(result);
        yield return JudgeBelow(KappaSmaller, result, "log10 κ", g => logKappa.TryGetValue((g.Net, g.Loss), out var e) ? e : new Estimate(double.NaN, 0), ClaimRulesShortcutShamir.Png(figures, "spectrum_vs_loss"));
        yield return JudgeSameEnd(result, ClaimRulesShortcutShamir.Png(figures, "spectrum_vs_loss"));
        yield return JudgeBelow(IndexSmaller, result, "index", g => Estimate.OfRuns(g.IndexMean, g.IndexStd, g.Runs), ClaimRulesShortcutShamir.Png(figures, "index_vs_loss"),
                                $" The drop at the beginning is judged in {PeakAtDrop.Id}.");
        yield return JudgePeak(result, ClaimRulesShortcutShamir.Png(figures, "shortcut2_dynamics"));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(TrainingSpectrumResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>
    /// log10 κ per (net, grid loss) over the runs that reached it: each run's κ interpolated linearly in the loss as the grid
    /// does (<see cref="LossGrid.Resample"/>), then its log taken. κ spans decades between runs (xavier: 10⁸ and 10⁹), where a
    /// mean ± 2 SE of κ itself would reach below zero; on the log scale the runs' spread is what it looks like in Figure 5.
    /// </summary>
    private static Dictionary<(string Net, double Loss), Estimate> LogKappaOnGrid(TrainingSpectrumResult result)
    {
        var grid = result.Grid.Select(g => g.Loss).Distinct().ToArray();
        var byNet = new Dictionary<(string, double), Estimate>();
        foreach (var net in result.Rows.GroupBy(r => r.Net))
        {
            var runs = net.GroupBy(r => r.Run).Select(g => g.OrderBy(r => r.Epoch).ToList())
                          .Select(run => LossGrid.Resample(run.Select(r => r.Loss).ToArray(), run.Select(r => r.Kappa).ToArray(), grid)).ToList();
            for (int g = 0; g < grid.Length; g++)
                byNet[(net.Key, grid[g])] = Estimate.Of(runs.Select(v => v[g] > 0 ? Math.Log10(v[g]) : double.NaN));
        }
        return byNet;
    }

    /// <summary>At every grid loss both nets reached: shortcut2's interval wholly below the other net's agrees, wholly above contradicts.</summary>
    private static ClaimFinding JudgeBelow(PaperClaim claim, TrainingSpectrumResult result, string what, Func<TrainingSpectrumGridPoint, Estimate> value, IReadOnlyList<string> figures, string tail = "")
    {
        var mine = result.Grid.Where(g => g.Net == TrainingSpectrum.Reference).ToDictionary(g => g.Loss);
        var pairs = result.Grid.Where(g => g.Net != TrainingSpectrum.Reference && mine.ContainsKey(g.Loss))
                               .Select(g => (Other: g, Mine: mine[g.Loss])).Where(p => value(p.Other).Known && value(p.Mine).Known).ToList();
        if (pairs.Count == 0) return ClaimFinding.NotCheckable(claim, $"no grid loss was reached by shortcut2 and another net (--nets must hold shortcut2 and a plain net)");
        var tally = CellTally.Of(pairs, p => -value(p.Mine).Against(value(p.Other)), p => $"{p.Other.Net} at loss {ClaimRulesLiYun.N(p.Other.Loss)}: {value(p.Mine)} vs {value(p.Other)}");
        var high = pairs.MaxBy(p => p.Other.Loss);
        var low = pairs.MinBy(p => p.Other.Loss);
        return ClaimRulesLiYun.OfTally(claim, tally, $"Mean {what} at the common grid losses, shortcut2 vs each plain net (depth {result.Config.Depth}, {result.Config.Runs} run(s) per net)",
            $"a loss agrees when shortcut2's interval lies wholly below the other's, contradicts when wholly above ({ClaimRulesLiYun.IntervalRule}{(result.Config.Runs < 2 ? "; with 1 run the intervals are points" : "")})",
            [
                new KeyNumber($"{high.Other.Net} − shortcut2 {what}", value(high.Other).Mean - value(high.Mine).Mean, $"{Gap(what)} at the highest common loss {ClaimRulesLiYun.N(high.Other.Loss)}"),
                new KeyNumber($"{low.Other.Net} − shortcut2 {what}", value(low.Other).Mean - value(low.Mine).Mean, $"{Gap(what)} at the lowest common loss {ClaimRulesLiYun.N(low.Other.Loss)}"),
                new KeyNumber("runs per net", result.Config.Runs, "runs"),
            ], figures, tail);
    }

    private static string Gap(string what) => what.StartsWith("log10", StringComparison.Ordinal) ? "decades" : "share of eigenvalues";

    /// <summary>Each net's κ at the last spectrum of each run, as a geometric mean over runs; shortcut2 and orthogonal agree within half a decade.</summary>
    private static ClaimFinding JudgeSameEnd(TrainingSpectrumResult result, IReadOnlyList<string> figures)
    {
        const string orthogonal = "orthogonal";
        var last = result.Rows.GroupBy(r => (r.Net, r.Run)).Select(g => g.MaxBy(r => r.Epoch)!).ToList();
        var logs = new[] { TrainingSpectrum.Reference, orthogonal }.Select(n => last.Where(r => r.Net == n && r.Kappa > 0 && double.IsFinite(r.Kappa)).ToList()).ToList();
        if (logs.Any(l => l.Count == 0)) return ClaimFinding.NotCheckable(KappaSameEnd, "the run lacks a finished shortcut2 or orthogonal run with a finite κ (--nets)");
        double Geo(List<TrainingSpectrumRow> rows) => Math.Pow(10, rows.Average(r => Math.Log10(r.Kappa)));
        double mine = Geo(logs[0]), theirs = Geo(logs[1]), apart = Math.Abs(Math.Log10(mine / theirs));
        double start = result.Rows.Where(r => r.Net == TrainingSpectrum.Reference && r.Epoch == 0).Select(r => r.Kappa).DefaultIfEmpty(double.NaN).Average();
        return new ClaimFinding(KappaSameEnd, apart <= SameDecades ? Verdict.Holds : Verdict.DoesNotHold,
            $"κ at the last spectrum (epoch {logs[0].Max(r => r.Epoch)}): shortcut2 {string.Join(", ", logs[0].Select(r => ClaimRulesLiYun.N(r.Kappa)))}, orthogonal {string.Join(", ", logs[1].Select(r => ClaimRulesLiYun.N(r.Kappa)))} " +
            $"(final losses {ClaimRulesLiYun.N(logs[0].Average(r => r.Loss))} and {ClaimRulesLiYun.N(logs[1].Average(r => r.Loss))}); geometric means {ClaimRulesLiYun.N(mine)} and {ClaimRulesLiYun.N(theirs)}, {ClaimRulesLiYun.N(apart)} decades apart " +
            $"(shortcut2 started at {ClaimRulesLiYun.N(start)}). Rule: roughly the same when within {ClaimRulesLiYun.N(SameDecades)} decades.",
            [
                new KeyNumber("shortcut2 final κ", mine, "geometric mean over runs"),
                new KeyNumber("orthogonal final κ", theirs, "geometric mean over runs"),
                new KeyNumber("apart", apart, "decades"),
                new KeyNumber("epochs", result.Config.Epochs, "epochs"),
            ], figures);
    }

    /// <summary>
    /// Per shortcut2 run: the steepest index drop between consecutive spectra falls in the first quarter of training ("at the
    /// beginning") and the gradient norm peaks within two spectrum intervals of it.
    /// </summary>
    private static ClaimFinding JudgePeak(TrainingSpectrumResult result, IReadOnlyList<string> figures)
    {
        var c = result.Config;
        var runs = result.Rows.Where(r => r.Net == TrainingSpectrum.Reference).GroupBy(r => r.Run).Select(g => g.OrderBy(r => r.Epoch).ToList())
                              .Select(run => (Run: run, At: TrainingSpectrum.PeakAndDrop(run))).Where(x => x.At.DropEpoch >= 0).ToList();
        if (runs.Count == 0) return ClaimFinding.NotCheckable(PeakAtDrop, "no shortcut2 run has two spectra with a falling index between them");
        bool Agrees((List<TrainingSpectrumRow> Run, (double PeakEpoch, double DropEpoch) At) x) => x.At.DropEpoch <= c.Epochs / 4.0 && Math.Abs(x.At.PeakEpoch - x.At.DropEpoch) <= 2 * c.Every;
        int agreeing = runs.Count(Agrees);
        double fall = runs.Average(x => x.Run[0].Index - x.Run.Min(r => r.Index));
        return new ClaimFinding(PeakAtDrop, ClaimFinding.OfCounts(agreeing, runs.Count),
            "Per shortcut2 run (spectra every " + c.Every + " epochs): " + string.Join("; ", runs.Select(x =>
                $"run {x.Run[0].Run}: ‖∇L‖ peaks at epoch {x.At.PeakEpoch:0}, the index falls fastest around epoch {x.At.DropEpoch:0} ({ClaimRulesLiYun.N(x.Run[0].Index)} → {ClaimRulesLiYun.N(x.Run.Min(r => r.Index))} over the run)")) +
            $". Rule: a run agrees when the steepest drop is in the first quarter of the {c.Epochs} epochs and the peak within 2 × {c.Every} epochs of it; {agreeing} of {runs.Count} runs agree. " +
            $"How large a drop is \"dramatic\" the paper does not say: here the index falls by {ClaimRulesLiYun.N(fall)} on average ({ClaimRulesLiYun.N(fall * result.Parameters)} of {result.Parameters} eigenvalues change sign).",
            [
                new KeyNumber("runs agreeing", agreeing, $"of {runs.Count}"),
                new KeyNumber("mean index fall", fall, "share of eigenvalues, start to lowest"),
                new KeyNumber("index at epoch 0", runs.Average(x => x.Run[0].Index), "share of eigenvalues"),
                new KeyNumber("spectrum interval", c.Every, "epochs"),
            ], figures);
    }

    protected override string VerdictDetail(TrainingSpectrumResult r) =>
        $"κ of shortcut2 below the other nets' at a common loss: {r.Claims.KappaViolations} violation(s) in {r.Claims.KappaCases}; " +
        $"index of shortcut2 below theirs: {r.Claims.IndexViolations} in {r.Claims.IndexCases}; " +
        $"the gradient-norm peak within 2·{r.Config.Every} epochs of the steepest index drop (shortcut2 runs): {r.Claims.PeakViolations} in {r.Claims.PeakCases}";

    protected override void Summarize(Summary md, TrainingSpectrumResult result)
    {
        var c = result.Config;
        md.Paragraph("Claim (Li et al. Section 5.2, Figures 5–6): along training, the 2-shortcut network's condition number κ = max|λ|/|λ|₍₀.₁₎ " +
                     "is always smaller than the plain xavier/orthogonal networks', especially at large loss, and ends near orthogonal's; its index " +
                     "(fraction of negative eigenvalues) is always smaller and drops dramatically at the beginning, when the gradient norm peaks " +
                     "(the start is near a strict saddle, and GD escapes along negative curvature).");
        md.Paragraph($"Method: depth {result.Rows.FirstOrDefault()?.Depth ?? c.Depth} ({result.Parameters} parameters), {(c.Mid == FastRes.Kernels.Networks.Activation.Relu ? "ReLU at the mid positions" : "linear")}, " +
                     $"full-batch GD with η = {string.Join(", ", c.Nets.Select(n => $"{Kinds.Format(c.EtaOf(n))} ({n.Name()})"))} for {c.Epochs} epochs, the exact Hessian and all its eigenvalues at epoch 0, every {c.Every} epochs and at the end; " +
                     $"{c.Runs} run(s) per net (the paper: 10 runs; its epoch count for these figures is not given). Per run, each quantity is interpolated linearly in the loss onto " +
                     $"{c.GridPoints} log-spaced losses between the lowest and highest loss seen, then averaged over the runs that reached that loss.");
        if (result.Rows.Count > 0)
            md.Paragraph($"Cost: {result.Rows.Count} spectra of order {result.Parameters}, {Cells.Number(result.Rows.Average(r => r.Seconds))} s each on one thread " +
                         (c.Mid == FastRes.Kernels.Networks.Activation.Identity
                             ? "(Hessian + eigenvalues; the eigenvalues dominate: a linear net's Hessian comes from Σ^XX, Σ^XY alone, in milliseconds)."
                             : "(Hessian + eigenvalues; the Hessian dominates: a ReLU-mid net's is summed sample by sample)."));
        var table = new Table<(string Net, TrainingSpectrumRow First, TrainingSpectrumRow Last)>
        {
            { "net", x => x.Net, "net" },
            { null, x => x.First.Kappa, "κ at epoch 0" },
            { null, x => x.First.AbsP10, "abs λ 10th pct at epoch 0" },
            { null, x => x.First.Index, "index at epoch 0" },
            { null, x => x.Last.Loss, "final loss" },
            { null, x => x.Last.Kappa, "κ at the end" },
            { null, x => x.Last.Index, "index at the end" },
        };
        md.Paragraph("Run 0 of each net, first and last spectrum:");
        md.Table(table, c.Nets.Select(n => n.Name()).Select(n => (n, result.Rows.Where(r => r.Net == n && r.Run == 0).ToList()))
                               .Where(x => x.Item2.Count > 0).Select(x => (x.n, x.Item2[0], x.Item2[^1])));
        md.Table(TrainingSpectrumRun.Columns, result.Runs);
        md.Paragraph("The loss grid (mean over runs; std in results.json):");
        md.Table(TrainingSpectrumGridPoint.Columns, result.Grid);
        foreach (var run in result.Runs.Where(r => r.Diverged))
            md.Notes.Add($"{run.Net} run {run.Run} diverged at epoch {run.DivergedAt}: its spectra stop there");
    }

    /// <summary>
    /// spectrum_vs_loss (Fig. 5: max|λ| and |λ|₍₀.₁₎ vs loss per net), index_vs_loss (Fig. 6 left) and
    /// shortcut2_dynamics (Fig. 6 right: gradient norm and index vs epoch of shortcut2's run 0), log axes where the
    /// values span decades. The loss axis runs from high to low, the direction of training.
    /// </summary>
    protected override IEnumerable<string> DrawFigures(TrainingSpectrumResult result, string folder, List<string> notes)
    {
        string data = DataCache.ShortName(result.DataSource);
        var nets = result.Config.Nets.Select(n => n.Name()).ToList();
        var files = new List<string>();

        var spectrum = new Plot();
        for (int i = 0; i < nets.Count; i++)
        {
            var points = result.Grid.Where(g => g.Net == nets[i]).ToList();
            var color = spectrum.Add.Palette.GetColor(i);
            Figures.Line(spectrum, points, g => -Math.Log10(g.Loss), g => g.AbsMaxMean, $"{nets[i]} max|λ|", color, notes, scale: Math.Log10);
            Figures.Line(spectrum, points, g => -Math.Log10(g.Loss), g => g.AbsP10Mean, $"{nets[i]} |λ|₍₀.₁₎", color, notes, scale: Math.Log10, dashed: true);
        }
        Figures.Log10Axis(spectrum.Axes.Left);
        LossAxis(spectrum);
        spectrum.Title($"Hessian spectrum vs loss, depth {result.Config.Depth} ({data}, mean of {result.Config.Runs} run(s))");
        spectrum.YLabel("|λ| (max solid, 10th percentile dashed)");
        spectrum.ShowLegend(Alignment.LowerLeft);
        files.AddRange(Figures.Save(spectrum, folder, "spectrum_vs_loss"));

        var index = new Plot();
        for (int i = 0; i < nets.Count; i++)
            Figures.Line(index, result.Grid.Where(g => g.Net == nets[i]), g => -Math.Log10(g.Loss), g => g.IndexMean, nets[i], index.Add.Palette.GetColor(i), notes,
                         g => (g.IndexMean - g.IndexStd, g.IndexMean + g.IndexStd), series: $"index of {nets[i]}");
        LossAxis(index);
        index.Title($"Index (fraction of negative eigenvalues) vs loss, depth {result.Config.Depth} ({data})");
        index.YLabel("index");
        index.ShowLegend(Alignment.UpperRight);
        files.AddRange(Figures.Save(index, folder, "index_vs_loss"));

        var run = result.Rows.Where(r => r.Net == TrainingSpectrum.Reference && r.Run == 0).OrderBy(r => r.Epoch).ToList();
        if (run.Count > 0)
        {
            var dynamics = new Plot();
            var grad = Figures.Line(dynamics, run, r => r.Epoch, r => r.GradNorm, "‖∇L‖ (left)", dynamics.Add.Palette.GetColor(0), notes);
            var idx = Figures.Line(dynamics, run, r => r.Epoch, r => r.Index, "index (right)", dynamics.Add.Palette.GetColor(1), notes);
            if (idx is not null) idx.Axes.YAxis = dynamics.Axes.Right;
            dynamics.Axes.Right.Label.Text = "index";
            dynamics.Title($"shortcut2, run 0: gradient norm and index vs epoch ({data})");
            dynamics.XLabel("epoch");
            dynamics.YLabel("‖∇L‖");
            dynamics.ShowLegend(Alignment.UpperRight);
            files.AddRange(Figures.Save(dynamics, folder, "shortcut2_dynamics"));
        }
        return files;
    }

    /// <summary>The loss axis: x = −log10(loss), so that training runs left to right; labelled with the loss.</summary>
    private static void LossAxis(Plot plot)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = x => Math.Pow(10, -x).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.XLabel("training loss (log scale, decreasing →)");
    }
}

/// <summary>Reading a shard's own rows back (experiments whose shards hold different cells, so they concatenate rather than line up).</summary>
internal static class ShardRows
{
    public static BadInputException Corrupt(ShardInput shard, string what) => new("merge", $"{shard.ResultsPath} is corrupt: {what}");

    public static List<TRow> Read<TRow>(ShardInput shard, string name, Table<TRow> table)
    {
        if (!shard.Results.TryGetProperty(name, out var rows) || rows.ValueKind != JsonValueKind.Array) throw Corrupt(shard, $"no \"{name}\" array");
        var list = new List<TRow>();
        foreach (var element in rows.EnumerateArray())
        {
            try { list.Add(table.Read(table.Blank!, element)); }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or InvalidCastException)
            {
                throw Corrupt(shard, $"{name} row {list.Count + 1} lacks a field or has one of the wrong type");
            }
        }
        return list;
    }
}
