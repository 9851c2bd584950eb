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
