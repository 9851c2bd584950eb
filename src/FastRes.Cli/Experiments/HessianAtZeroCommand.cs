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

    public static readonly PaperClaim HigherOrderSaddle = new("hessian-at-zero/n3-zero-hessian", Paper.Li2016, "Theorem 2, item 1",
        "For the loss function of an n-shortcut network, at point zero, if n ≥ 2, it is an (n−1)th-order stationary point. In particular, if n ≥ 3, the Hessian is a zero matrix.");
    public static readonly PaperClaim DepthInvariant = new("hessian-at-zero/n2-depth-invariant", Paper.Li2016, "Theorem 2, item 2, and the paragraph after it",
        "Theorem 2 shows that the condition numbers of 2-shortcut networks are depth-invariant with a nice structure of eigenvalues. Indeed, the eigenvalues of the Hessian H " +
        "at the zero initial point are multiple copies of ±√eigs(AᵀA), and the number of copies is equal to the number of shortcut connections.");
    public static readonly PaperClaim ToeplitzGrows = new("hessian-at-zero/n1-toeplitz", Paper.Li2016, "Theorem 2, item 3, and the paragraph after it",
        "If n = 1, the Hessian can be written as H = [B Aᵀ Aᵀ ⋯ Aᵀ; A B Aᵀ ⋯ Aᵀ; A A B ⋯; ⋮; A A ⋯ A B] where A, B only depend on the training set and the activation functions. " +
        "[…] The Hessian at zero initial point for the 1-shortcut network follows block Toeplitz structure, which has been well studied in the literature. " +
        "In particular, its condition number tends to explode as the number of layers increase (Gray, 2006).");

    public override IReadOnlyList<PaperClaim> Claims => [HigherOrderSaddle, DepthInvariant, ToeplitzGrows];

    /// <summary>Depths 2–32 (3,200 parameters at most): every claim keeps a 16× depth range, without the order-6,400 spectra that take most of the defaults' 76 s.</summary>
    protected override IReadOnlyList<string> QuickArgs => ["--depths", "2,4,8,16,32"];

    /// <summary>Theorem 2 is exact: the paper gives no protocol beyond "at point zero" (its Figure 4 depths, 2–64, are the defaults).</summary>
    protected override IReadOnlyList<string> PaperArgs => [];

    /// <summary>An exact identity is confirmed when the measured Hessian meets the prediction to this relative deviation (rounding is ~1e-14).</summary>
    public const double ExactTolerance = 1e-8;

    /// <summary>"Depth-invariant": the n = 2 κ at every depth within this relative distance of the shallowest's.</summary>
    public const double InvariantTolerance = 1e-6;

    protected override IEnumerable<ClaimFinding> Judge(HessianAtZeroResult result, IReadOnlyList<string> figures)
    {
        var kappa = ClaimRulesShortcutShamir.Png(figures, "kappa_vs_depth");
        yield return JudgeZero(result);
        yield return JudgeInvariant(result, [.. kappa, .. ClaimRulesShortcutShamir.Png(figures, "spectrum_n2")]);
        yield return JudgeToeplitz(result, kappa);
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(HessianAtZeroResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>n ≥ 3: every entry of the Hessian at 0 is zero up to 1e-12 × the largest |λ| of the run (it is exactly 0 in practice).</summary>
    private static ClaimFinding JudgeZero(HessianAtZeroResult result)
    {
        var rows = result.Rows.Where(r => r.N >= 3).OrderBy(r => r.N).ThenBy(r => r.Depth).ToList();
        double scale = Math.Max(1, result.Rows.Select(r => r.AbsMax).Where(double.IsFinite).DefaultIfEmpty(0).Max());
        double tolerance = 1e-12 * scale;
        int bad = rows.Count(r => !(r.MaxDeviation <= tolerance));
        double worst = rows.Select(r => r.MaxDeviation).DefaultIfEmpty(double.NaN).Max();
        return ClaimRulesShortcutShamir.ForAll(HigherOrderSaddle, rows.Count, bad, "n ≥ 3 Hessians",
            $"The exact Hessian at w = 0 ({result.Rows.FirstOrDefault()?.Activation}, {DataCache.ShortName(result.DataSource)}) of n ≥ 3 networks at depths {string.Join(", ", rows.Select(r => r.Depth))}: " +
            $"the largest entry is {ClaimRulesLiYun.N(worst)}; a violation is an entry above 1e-12 × the run's largest |λ| ({ClaimRulesLiYun.N(tolerance)}). " +
            "The (n−1)th-order stationarity beyond the Hessian is not measured here.",
            [new KeyNumber("largest |H_ij| at n ≥ 3", worst), new KeyNumber("deepest n ≥ 3 net", rows.Select(r => r.Depth).DefaultIfEmpty(0).Max(), "layers")], []);
    }

    /// <summary>n = 2: at each depth the sorted spectrum meets ±s_i(M) (multiplicity d·R) to 1e-8 and κ equals the shallowest depth's to 1e-6.</summary>
    private static ClaimFinding JudgeInvariant(HessianAtZeroResult result, IReadOnlyList<string> figures)
    {
        var rows = result.Rows.Where(r => r.N == 2).OrderBy(r => r.Depth).ToList();
        if (ClaimRulesLiYun.TooShort(rows.Select(r => r.Depth).ToList(), 4, "n = 2") is { } why) return ClaimFinding.NotCheckable(DepthInvariant, why);
        double first = rows[0].Kappa;
        bool Agrees(HessianAtZeroRow r) => r.MaxDeviation <= ExactTolerance && Math.Abs(r.Kappa - first) <= InvariantTolerance * first;
        int agreeing = rows.Count(Agrees);
        double spread = rows.Max(r => r.Kappa) / rows.Min(r => r.Kappa) - 1;
        var n1 = result.Rows.Where(r => r.N == 1).OrderBy(r => r.Depth).ToList();
        string contrast = n1.Count >= 2 ? $" Beside it, the 1-shortcut κ goes {ClaimRulesLiYun.N(n1[0].Kappa)} → {ClaimRulesLiYun.N(n1[^1].Kappa)} over depths {n1[0].Depth}–{n1[^1].Depth}." : "";
        return new ClaimFinding(DepthInvariant, ClaimFinding.OfCounts(agreeing, rows.Count),
            $"n = 2 at depths {rows[0].Depth}–{rows[^1].Depth}: κ = {string.Join(", ", rows.Select(r => ClaimRulesLiYun.N(r.Kappa)))}; the sorted spectrum against ±√eigs(AᵀA), " +
            $"each d·R times, deviates by at most {ClaimRulesLiYun.N(rows.Max(r => r.MaxDeviation))} (relative). Rule: a depth agrees when its spectrum meets the prediction to {ClaimRulesLiYun.N(ExactTolerance)} " +
            $"and its κ equals depth {rows[0].Depth}'s to {ClaimRulesLiYun.N(InvariantTolerance)} (relative); {agreeing} of {rows.Count} depths agree.{contrast}",
            [
                new KeyNumber("depths agreeing", agreeing, $"of {rows.Count}"),
                new KeyNumber("κ at n = 2", first, $"depth {rows[0].Depth}"),
                new KeyNumber("relative κ spread over depths", spread, "max/min − 1"),
                new KeyNumber("largest spectrum deviation", rows.Max(r => r.MaxDeviation), "relative"),
                new KeyNumber("deepest n = 2 net", rows[^1].Depth, "layers"),
            ], figures);
    }

    /// <summary>n = 1: at each depth the Hessian equals the assembled block-Toeplitz matrix of eqs. 28–32 to 1e-8, and κ rises at every step of depth.</summary>
    private static ClaimFinding JudgeToeplitz(HessianAtZeroResult result, IReadOnlyList<string> figures)
    {
        var rows = result.Rows.Where(r => r.N == 1).OrderBy(r => r.Depth).ToList();
        if (ClaimRulesLiYun.TooShort(rows.Select(r => r.Depth).ToList(), 4, "n = 1") is { } why) return ClaimFinding.NotCheckable(ToeplitzGrows, why);
        int structure = rows.Count(r => r.MaxDeviation <= ExactTolerance);
        int rises = rows.Zip(rows.Skip(1)).Count(p => p.Second.Kappa > p.First.Kappa);
        double growth = rows[^1].Kappa / rows[0].Kappa, depthRatio = (double)rows[^1].Depth / rows[0].Depth;
        return new ClaimFinding(ToeplitzGrows, ClaimFinding.OfCounts(structure + rises, 2 * rows.Count - 1),
            $"n = 1 at depths {rows[0].Depth}–{rows[^1].Depth}: the exact Hessian against the block-Toeplitz matrix assembled from A and B deviates by at most " +
            $"{ClaimRulesLiYun.N(rows.Max(r => r.MaxDeviation))} (relative); κ = {string.Join(", ", rows.Select(r => ClaimRulesLiYun.N(r.Kappa)))}, {ClaimRulesLiYun.N(growth)}× over a {ClaimRulesLiYun.N(depthRatio)}× depth range. " +
            $"Rule: one case per depth (the structure to {ClaimRulesLiYun.N(ExactTolerance)}) and one per step of depth (κ rises); {structure} of {rows.Count} structures and {rises} of {rows.Count - 1} steps agree.",
            [
                new KeyNumber("depths matching the Toeplitz form", structure, $"of {rows.Count}"),
                new KeyNumber("depth steps where κ rises", rises, $"of {rows.Count - 1}"),
                new KeyNumber("κ growth", growth, $"× from depth {rows[0].Depth} to {rows[^1].Depth}"),
                new KeyNumber("largest Toeplitz deviation", rows.Max(r => r.MaxDeviation), "relative"),
            ], figures);
    }

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
