using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run hessian-at-zero</c> (SPEC §2.6): the exact Hessian at w = 0 of 1-, 2-, 3-shortcut networks beside
/// Theorem 2's prediction. Figures: κ vs depth (measured, and predicted for n = 2); the n = 2 spectrum at the largest
/// depth, measured vs predicted. Shards slice the (n, depth) cells; each finished cell is journaled (its row and both
/// spectra), so <c>--resume</c> recomputes none of them.
/// </summary>
public sealed class HessianAtZeroCommand() : DataExperiment<HessianAtZeroConfig, HessianAtZeroResult>("hessian-at-zero",
    "Exact Hessian at w = 0 of n-shortcut networks vs Theorem 2 (Li et al., Demystifying ResNet)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--depths", "2,4", "--width", "4"];
    protected override string ProgressUnit => "Hessians";
    protected override bool Journals => true;
    protected override long SliceCount(HessianAtZeroConfig config) => HessianAtZero.Cells(config).Count;
    protected override long? Steps(HessianAtZeroConfig config) => HessianAtZero.TotalSteps(config);
    protected override string? DataOf(HessianAtZeroResult result) => result.DataSource;

    protected override HessianAtZeroResult Run(HessianAtZeroConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => HessianAtZero.Run(config, data, progress, cancellationToken, journal);

    // Set by Merge: the merged result and the shard folder holding its spectrum figure (results.json keeps no spectra).
    private (HessianAtZeroResult Result, string Shard)? _spectrumShard;

    /// <summary>
    /// Each shard holds the rows of its own slice of cells, so they concatenate in slice order (there is nothing to
    /// line up key by key, as <see cref="Experiment{TConfig, TResult}.Combine{TRow}"/> does for shards that all list
    /// every cell). The spectra are not in results.json (up to 2 × 6,400 eigenvalues a cell): the spectrum figure is
    /// the one the shard holding the deepest n = 2 cell drew, the same figure a single run draws.
    /// </summary>
    protected override HessianAtZeroResult Merge(HessianAtZeroConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var cells = HessianAtZero.Cells(whole);
        var rows = new List<HessianAtZeroRow>();
        var owners = new List<string>();
        foreach (var shard in shards.OrderBy(s => s.Slice.TrialStart).ThenBy(s => s.Slice.Index))
        {
            var own = ShardRows.Read(shard, "rows", HessianAtZeroRow.Columns).Select(r => r.WithInfinities()).ToList();
            var slice = cells.Skip((int)shard.Slice.TrialStart).Take((int)(shard.Slice.TrialEnd - shard.Slice.TrialStart)).ToList();
            if (!own.Select(r => (r.N, r.Depth)).SequenceEqual(slice.Select(c => (c.N, c.Units * c.N))))
                throw ShardRows.Corrupt(shard, $"its rows are not exactly the cells [{shard.Slice.TrialStart}, {shard.Slice.TrialEnd}) of its slice");
            if (own.FirstOrDefault(r => r.Activation != HessianAtZero.ActivationName(whole) || r.Params != r.Depth * whole.Width * whole.Width
                                        || r.Deviation != HessianAtZero.DeviationMeasure(r.N)) is { } bad)
                throw ShardRows.Corrupt(shard, $"n {bad.N} depth {bad.Depth} does not fit the config (activation, params or deviation measure)");
            rows.AddRange(own);
            owners.AddRange(own.Select(_ => shard.Dir));
        }
        // As SpectrumFigure picks it: the last of the deepest n = 2 rows.
        var merged = new HessianAtZeroResult(whole, SameText(shards, "data_source"), rows, [], SecondsOf(shards));
        string? owner = rows.Zip(owners).Where(x => x.First.N == 2).OrderBy(x => x.First.Depth).Select(x => x.Second).LastOrDefault();
        _spectrumShard = owner is null ? null : (merged, owner);
        return merged;
    }

    protected override void Summarize(Summary md, HessianAtZeroResult result)
    {
        md.Paragraph("Exact Hessian of the loss at w = 0 beside Theorem 2 of Li et al.: n ≥ 3 → H = 0; n = 2 → eigenvalues ±σ'σ'·s_i(M), each d·R times, κ depth-invariant; " +
                     "n = 1 → block Toeplitz (eqs. 28–32). κ = max|λ| / |λ|_(0.1); — where undefined (all-zero spectrum).");
        md.Tables(Layout, result);
    }

    protected override IEnumerable<string> DrawFigures(HessianAtZeroResult result, string folder, List<string> notes)
        => KappaFigure(result, folder, notes).Concat(SpectrumFigure(result, folder, notes)).ToList();

    private static IEnumerable<string> KappaFigure(HessianAtZeroResult result, string folder, List<string> notes)
    {
        var plot = new Plot();
        int colour = 0;
        foreach (var group in result.Rows.GroupBy(r => r.N))
        {
            var rows = group.OrderBy(r => r.Depth).ToList();
            var color = plot.Add.Palette.GetColor(colour++);
            Figures.Line(plot, rows, r => Math.Log2(r.Depth), r => r.Kappa, $"n = {group.Key} measured", color, notes, scale: Math.Log10, lineWidth: 0, markerSize: 9);
            // The theorem predicts κ only for n = 2 (n = 1: the Toeplitz matrix's own; n ≥ 3: none), so missing points elsewhere are by design.
            Figures.Line(plot, rows, r => Math.Log2(r.Depth), r => r.PredictedKappa, $"n = {group.Key} Theorem 2", color, group.Key == 2 ? notes : [],
                         scale: Math.Log10, dashed: true, markerSize: 0);
        }
        Figures.Log2DepthAxis(plot);
        Figures.Log10Axis(plot.Axes.Left);
        plot.Title($"κ of the Hessian at w = 0 vs depth ({DataCache.ShortName(result.DataSource)})");
        plot.XLabel("depth");
        plot.YLabel("κ = max|λ| / |λ|₍₀.₁₎");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "kappa_vs_depth");
    }

    private IEnumerable<string> SpectrumFigure(HessianAtZeroResult result, string folder, List<string> notes)
    {
        var spectrum = result.Spectra.Where(s => s.N == 2 && s.Predicted is not null).OrderBy(s => s.Depth).LastOrDefault();
        if (spectrum is null)
            return _spectrumShard is { } from && ReferenceEquals(from.Result, result) ? CopiedSpectrumFigure(from.Shard, folder, notes) : [];
        var plot = new Plot();
        double[] index = Enumerable.Range(0, spectrum.Measured.Length).Select(i => (double)i).ToArray();
        var measured = plot.Add.Scatter(index, spectrum.Measured);
        measured.LineWidth = 0; measured.MarkerSize = 4; measured.LegendText = "measured (exact Hessian)";
        var predicted = plot.Add.Scatter(index, spectrum.Predicted!);
        predicted.MarkerSize = 0; predicted.LineWidth = 2; predicted.LinePattern = LinePattern.Dashed;
        predicted.LegendText = "Theorem 2: ±σ'σ'·s_i(M), multiplicity d·R";
        plot.Title($"n = 2, depth {spectrum.Depth}: sorted eigenvalues of the Hessian at w = 0");
        plot.XLabel("eigenvalue index (ascending)");
        plot.YLabel("λ");
        plot.ShowLegend(Alignment.UpperLeft);
        return Figures.Save(plot, folder, "spectrum_n2");
    }

    private static IEnumerable<string> CopiedSpectrumFigure(string shard, string folder, List<string> notes)
    {
        string[] files = ["spectrum_n2.png", "spectrum_n2.svg"];
        if (files.Any(f => !File.Exists(Path.Combine(shard, f))))
        {
            notes.Add($"spectrum_n2 is missing from {shard}, the shard holding the deepest n = 2 cell: not drawn");
            return [];
        }
        foreach (string f in files) File.Copy(Path.Combine(shard, f), Path.Combine(folder, f));
        return files;
    }
}
