using System.Globalization;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using ScottPlot;

namespace FastRes.Cli.Experiments;

/// <summary>
/// <c>fastres run final-loss</c> (Li et al. §5.3.1, Figures 7 and 8): full-batch GD of every net at every depth and
/// rate of a log grid; per (net, depth) the optimal rate and its mean final loss. A cell is one (net, activation,
/// depth, rate, run); shards slice the cells, the journal keeps finished cells, merge concatenates each row's runs.
/// </summary>
public sealed class FinalLossCommand() : DataExperiment<FinalLossConfig, FinalLossResult>("final-loss",
    "Optimal final loss and learning rate vs depth after full-batch GD over a log grid of rates, linear and ReLU-mid nets (Li et al. Figs. 7-8)")
{
    public override IReadOnlyList<string> SmokeArgs => ["--linear-nets", "xavier,shortcut2", "--relu-nets", "shortcut2", "--linear-depths", "2,4", "--relu-depths", "2",
                                                       "--etas", "2", "--epochs", "5", "--runs", "2", "--width", "4"];
    protected override string ProgressUnit => "runs";
    protected override bool Journals => true;
    protected override long SliceCount(FinalLossConfig config) => FinalLoss.TotalCells(config);
    protected override long? Steps(FinalLossConfig config) { var (a, b) = config.Shard.Range(FinalLoss.TotalCells(config)); return b - a; }
    protected override string? DataOf(FinalLossResult result) => result.DataSource;

    protected override FinalLossResult Run(FinalLossConfig config, Dataset data, IProgress<long> progress, ITrialBlockJournal? journal, CancellationToken cancellationToken)
        => FinalLoss.Run(config, data, progress, cancellationToken, journal);

    /// <summary>
    /// Every shard lists every (net, activation, depth, rate) row with the runs of its slice; a row's runs concatenated
    /// in slice order and summarized as a run does are bit for bit a single run's row, and the optima follow from the rows.
    /// </summary>
    protected override FinalLossResult Merge(FinalLossConfig whole, IReadOnlyList<ShardInput> shards)
    {
        var points = FinalLoss.Points(whole);
        var index = points.Select((p, k) => (Key: (p.Net.Name, p.Activation, p.Depth, p.Eta), k)).ToDictionary(x => x.Key, x => x.k);
        double optimal = SameNumber(shards, "optimal_loss");
        var rows = Combine(shards, FinalLossRow.Columns,
            cell => FinalLoss.Summarize(cell[0].Net, cell[0].Activation, cell[0].Depth, cell[0].Eta, cell.SelectMany(r => r.PerRun).ToList()),
            (row, slice) =>
            {
                if (!index.TryGetValue((row.Net, row.Activation, row.Depth, row.Eta), out int k)) return $"{row.Net} {row.Activation} depth {row.Depth} η {row.Eta} is not a point of this config";
                if (!row.PerRun.Select(v => v.Run).SequenceEqual(FinalLoss.RunsInSlice(whole, k, slice.TrialStart, slice.TrialEnd)))
                    return $"{row.Net} {row.Activation} depth {row.Depth} η {Kinds.Format(row.Eta)} does not hold exactly the runs of its slice";
                return FinalLoss.Summarize(row.Net, row.Activation, row.Depth, row.Eta, row.PerRun) with { PerRun = row.PerRun } == row with { PerRun = row.PerRun } ? null
                    : $"{row.Net} {row.Activation} depth {row.Depth} η {Kinds.Format(row.Eta)}: its summary and per-run values do not add up";
            });
        if (rows.Count != points.Count) throw new BadInputException("merge", $"the shards hold {rows.Count} rows, the config has {points.Count} points");
        return FinalLoss.Assemble(whole, SameText(shards, "data_source"), optimal, rows, SecondsOf(shards));
    }

    /// <summary>A top-level number every shard must hold bit for bit (the least-squares optimum of the data they all read).</summary>
    private static double SameNumber(IReadOnlyList<ShardInput> shards, string field)
    {
        double? value = null;
        foreach (var s in shards)
        {
            double v = s.Results.TryGetProperty(field, out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Number ? e.GetDouble()
                : throw new BadInputException("merge", $"{s.ResultsPath} is corrupt: no \"{field}\"");
            if (value is { } w && BitConverter.DoubleToInt64Bits(v) != BitConverter.DoubleToInt64Bits(w))
                throw new BadInputException("merge", $"{s.Dir} has {field} {Kinds.Format(v)}, another shard {Kinds.Format(w)}");
            value = v;
        }
        return value!.Value;
    }

    public static readonly PaperClaim LinearNearOptimal = new("final-loss/linear-near-optimal", Paper.Li2016, "Section 5.3.1, Figure 7 (left)",
        "Figure 7 shows the results for linear networks. Just like their depth-invariant initial condition numbers, the final losses of 2-shortcut linear networks stay close to optimal as the networks become deeper.");
    public static readonly PaperClaim HigherRates = new("final-loss/linear-higher-rates", Paper.Li2016, "Section 5.3.1, Figure 7 (right)",
        "Higher learning rates can also be applied, resulting in fast learning in deep networks.");
    public static readonly PaperClaim ReluFindsOptimum = new("final-loss/relu-finds-optimum", Paper.Li2016, "Section 5.3.1, Figure 8",
        "However, our experiments show that linear networks with Xavier or orthogonal initialization have difficulties finding these optimal points, while 2-shortcut networks find these optimal points easily as they did without nonlinear units.");

    public override IReadOnlyList<PaperClaim> Claims => [LinearNearOptimal, HigherRates, ReluFindsOptimum];

    /// <summary>The defaults take ≈ 25 s on 2 cores: quick needs no flags.</summary>
    protected override IReadOnlyList<string> QuickArgs => [];

    /// <summary>The paper's protocol (<see cref="PaperProtocol"/>): its depths (linear to 96, ReLU-mid to 64), 1,000 epochs, 10 runs; the rate grid is FastRes's (≈ 50 min on 2 cores).</summary>
    protected override IReadOnlyList<string> PaperArgs => PaperProtocol.Split(' ');

    protected override IEnumerable<ClaimFinding> Judge(FinalLossResult result, IReadOnlyList<string> figures)
    {
        string linear = FinalLoss.MidName(FastRes.Kernels.Networks.Activation.Identity), relu = FinalLoss.MidName(FastRes.Kernels.Networks.Activation.Relu);
        var comparisons = FinalLoss.Compare(result.Optima, result.Config);
        yield return JudgeLoss(LinearNearOptimal, result, comparisons.Where(c => c.Activation == linear).ToList(), "final − optimal", ClaimRulesShortcutShamir.Png(figures, "final_loss_linear"));
        yield return JudgeRates(result, comparisons.Where(c => c.Activation == linear).ToList(), ClaimRulesShortcutShamir.Png(figures, "final_loss_linear"));
        yield return JudgeLoss(ReluFindsOptimum, result, comparisons.Where(c => c.Activation == relu).ToList(), "final loss", ClaimRulesShortcutShamir.Png(figures, "final_loss_relu"));
    }

    internal IReadOnlyList<ClaimFinding> JudgeForTest(FinalLossResult result, IReadOnlyList<string> figures) => Judge(result, figures).ToList();

    /// <summary>The plotted quantity of one optimum with the SE of its rate's runs that did not diverge (NaN when all diverged).</summary>
    private static Estimate Plotted(FinalLossResult result, string net, string activation, int depth)
    {
        var o = result.Optima.Single(x => x.Net == net && x.Activation == activation && x.Depth == depth);
        var row = result.Rows.FirstOrDefault(r => r.Net == net && r.Activation == activation && r.Depth == depth && r.Eta == o.Eta);
        return Estimate.OfRuns(o.Plotted, o.FinalLossStd, row is null ? 0 : row.Runs - row.Diverged);
    }

    /// <summary>
    /// Each comparison of <see cref="FinalLoss.Compare"/> (shortcut2 against every other net at each depth ≥ --claim-depth) in the
    /// figure's quantity at the optimal rates: shortcut2's interval wholly below agrees, wholly above contradicts; a net all of whose
    /// runs diverged loses.
    /// </summary>
    private static ClaimFinding JudgeLoss(PaperClaim claim, FinalLossResult result, List<FinalLossComparison> comparisons, string what, IReadOnlyList<string> figures)
    {
        if (comparisons.Count == 0)
            return ClaimFinding.NotCheckable(claim, $"no depth ≥ {result.Config.ClaimDepth} (--claim-depth) holds shortcut2 and another net of this family (--mid, --linear-nets/--relu-nets, depths)");
        string s2 = InitialConditionNet.Shortcut2.Name();
        (Estimate Mine, Estimate Theirs) Of(FinalLossComparison c) => (Plotted(result, s2, c.Activation, c.Depth), Plotted(result, c.Against, c.Activation, c.AgainstDepth));
        var tally = CellTally.Of(comparisons, c =>
            {
                var (mine, theirs) = Of(c);
                return !mine.Known ? -1 : !theirs.Known ? 1 : -mine.Against(theirs);
            },
            c => $"depth {c.Depth} vs {c.Against}{(c.AgainstDepth != c.Depth ? $" (depth {c.AgainstDepth})" : "")}: {Of(c).Mine} vs {Of(c).Theirs}");
        var deepest = comparisons.Max(c => c.Depth);
        var s2Deep = Plotted(result, s2, comparisons[0].Activation, deepest);
        var othersDeep = comparisons.Where(c => c.Depth == deepest).Select(c => Of(c).Theirs.Mean).Where(double.IsFinite).DefaultIfEmpty(double.NaN);
        return ClaimRulesLiYun.OfTally(claim, tally, $"{what} at the optimal rate ({result.Config.Epochs} epochs, {result.Config.Runs} run(s)), shortcut2 vs each other net",
            $"a comparison agrees when shortcut2's interval lies wholly below the other's (or the other diverged at every rate), contradicts when wholly above ({ClaimRulesLiYun.IntervalRule})",
            [
                new KeyNumber($"shortcut2 {what}", s2Deep.Mean, $"depth {deepest}"),
                new KeyNumber($"best other {what}", othersDeep.Min(), $"depth {deepest}"),
                new KeyNumber("epochs", result.Config.Epochs, "epochs"),
            ], figures, result.Config.Epochs < 1000 ? $" The paper trains for 1000 epochs; this run for {result.Config.Epochs}." : "");
    }

    /// <summary>The same pairs, by the optimal rate (a grid value, no spread): shortcut2's higher agrees, lower contradicts, equal is a tie; tied optima (no rate) are no case.</summary>
    private static ClaimFinding JudgeRates(FinalLossResult result, List<FinalLossComparison> comparisons, IReadOnlyList<string> figures)
    {
        bool Tied(string net, string activation, int depth) => result.Optima.Single(o => o.Net == net && o.Activation == activation && o.Depth == depth).Tie;
        string s2 = InitialConditionNet.Shortcut2.Name();
        var tally = CellTally.Of(comparisons,
            c => Tied(s2, c.Activation, c.Depth) || Tied(c.Against, c.Activation, c.AgainstDepth) || !double.IsFinite(c.Shortcut2Eta) || !double.IsFinite(c.OtherEta) ? null
               : (int?)c.Shortcut2Eta.CompareTo(c.OtherEta),
            c => $"depth {c.Depth} vs {c.Against}: η {c.Shortcut2Eta:G3} vs {c.OtherEta:G3}");
        var ratios = comparisons.Where(c => double.IsFinite(c.Shortcut2Eta) && double.IsFinite(c.OtherEta)).Select(c => c.Shortcut2Eta / c.OtherEta).DefaultIfEmpty(double.NaN).ToList();
        return ClaimRulesLiYun.OfTally(HigherRates, tally, $"Optimal learning rate of the linear nets at depths ≥ {result.Config.ClaimDepth}, shortcut2 vs each other net",
            $"a comparison agrees when shortcut2's optimal rate is higher, contradicts when lower, equal rates tie (the grid has {result.Config.Etas} rates, {Kinds.Format(result.Config.EtaMin)}–{Kinds.Format(result.Config.EtaMax)})",
            [new KeyNumber("smallest rate ratio", ratios.Min(), "shortcut2 η / other η"), new KeyNumber("largest rate ratio", ratios.Max(), "shortcut2 η / other η")], figures,
            tally.LeftOut > 0 ? $" {tally.LeftOut} comparison(s) with a tied or absent optimum left out." : "");
    }

    protected override string VerdictDetail(FinalLossResult result)
    {
        var c = result.Config;
        return $"a comparison is shortcut2's optimal final − optimal loss (linear) or final loss (ReLU-mid) against another net's at one depth ≥ {c.ClaimDepth}; " +
               $"violated when shortcut2's is higher by more than {Kinds.Format(c.TieDecades)} decades or every shortcut2 run diverged";
    }

    protected override void PrintSummary(TextWriter output, FinalLossResult result)
    {
        if (Headline(result) is { } line) output.WriteLine(line);
        TextTables.Console(output, FinalLossOptimum.Columns, result.Optima);
    }

    /// <summary>The paper's protocol as flags (its depths, 1000 epochs, 10 runs; the rate grid is FastRes's: half decades 10⁻⁴ … 10).</summary>
    public const string PaperProtocol = "--linear-depths 2,4,8,16,32,64,96 --relu-depths 2,4,8,16,32,64 --epochs 1000 --runs 10 --eta-min 1e-4 --eta-max 10 --etas 11";

    protected override void Summarize(Summary md, FinalLossResult result)
    {
        var c = result.Config;
        var rates = FinalLoss.Rates(c);
        md.Paragraph("Claim (Li et al. §5.3.1, Figures 7–8): trained by gradient descent for 1000 epochs at learning rates on a log scale, \"the final losses of 2-shortcut linear networks " +
                     "stay close to optimal as the networks become deeper\" while Xavier and orthogonal fall behind, and \"higher learning rates can also be applied\"; with ReLUs at the mid positions " +
                     "\"linear networks with Xavier or orthogonal initialization have difficulties finding these optimal points, while 2-shortcut networks find these optimal points easily\".");
        string Depths(int[] d) => string.Join(", ", d);
        md.Paragraph($"Depths: linear {(c.Mids.Contains(FastRes.Kernels.Networks.Activation.Identity) ? Depths(c.LinearDepths) : "none")}, ReLU-mid " +
                     $"{(c.Mids.Contains(FastRes.Kernels.Networks.Activation.Relu) ? Depths(c.ReluDepths) : "none")} (the paper's go to 96 and 64; a 3-shortcut net's depth is the nearest multiple of 3). " +
                     $"The defaults are a subset that runs in a few minutes on 2 cores; the paper's protocol is `{PaperProtocol}`.");
        md.Paragraph($"Method: full-batch GD with a fixed step for {c.Epochs} epochs (the paper: 1000) at {rates.Length} rates η = {string.Join(", ", rates.Select(r => r.ToString("G3", CultureInfo.InvariantCulture)))}, " +
                     $"{c.Runs} run(s) per rate (the same initializations at every rate), L = (1/2m)Σ‖y − ŷ‖². Nets as initial-condition's: plain xavier/orthogonal (as 2-layer units, so that their ReLUs sit where the " +
                     "2-shortcut's mid ReLUs do), n-shortcut with small init (xavier × 0.01). " +
                     $"The optimal rate is the one with the least mean final loss over the runs that did not diverge (a diverged run — non-finite, or 10⁶ × its start — is never a loss; a rate all of whose runs diverged is no candidate). " +
                     "Ties: the captions omit the optimal rate where \"the final losses ... with different learning rates are basically the same\" (Xavier at depth 96; Xavier-ReLU and orthogonal-ReLU at 64). " +
                     $"FastRes calls all rates tied when there are at least two candidate rates and the plotted quantity (final − optimal for linear nets, final loss for ReLU-mid) has max/min ≤ 10^T over them, " +
                     $"T = --tie-decades = {Kinds.Format(c.TieDecades)} (within {100 * (Math.Pow(10, c.TieDecades) - 1):0.#}%); a tied point keeps its loss in the left panel and has no optimal rate in the right. " +
                     $"The least-squares optimum of the data, which every width-{c.Width} linear net can reach, is {result.OptimalLoss.ToString("R", CultureInfo.InvariantCulture)}.");
        md.Table(FinalLossOptimum.Columns, result.Optima);
        md.Table(FinalLossComparison.Columns, result.Comparisons);
        foreach (var line in Findings(result)) md.Paragraph(line);
        int diverged = result.Rows.Sum(r => r.Diverged), runs = result.Rows.Sum(r => r.Runs);
        if (diverged > 0) md.Notes.Add($"{diverged} of {runs} runs diverged (per rate in results.csv, column diverged; per run in results.json)");
        foreach (var o in result.Optima.Where(o => o.Candidates == 0))
            md.Notes.Add($"{o.Net} {o.Activation} depth {o.Depth}: every run at every rate diverged, no optimum");
    }

    /// <summary>
    /// The claims in numbers, per family and net: the plotted quantity at the optimal rate by depth, how many decades it
    /// rises from the shallowest to the deepest depth, and how many decades the optimal rate spans over the depths
    /// (ties left out) — the paper: shortcut2 flat in both, the others degrading.
    /// </summary>
    private static IEnumerable<string> Findings(FinalLossResult result)
    {
        foreach (var family in result.Optima.GroupBy(o => o.Activation))
        {
            bool linear = family.Key == FinalLoss.MidName(FastRes.Kernels.Networks.Activation.Identity);
            string what = linear ? "final − optimal" : "final loss";
            var lines = family.GroupBy(o => o.Net).Select(net =>
            {
                var byDepth = net.OrderBy(o => o.Depth).ToList();
                string values = string.Join(", ", byDepth.Select(o => $"{o.Depth}: {Cells.Number(o.Plotted)}" + (o.Tie ? " (tie)" : double.IsFinite(o.Eta) ? $" at η {o.Eta:G3}" : " (all diverged)")));
                var (first, last) = (byDepth[0], byDepth[^1]);
                // A linear excess at the rounding level (≤ 10⁻¹⁴ L*) is "at the optimum", not a number of decades to rise from.
                double floor = linear ? 1e-14 * result.OptimalLoss : 0;
                string rise = byDepth.Count < 2 || !(last.Plotted > floor) ? ""
                    : first.Plotted > floor ? $"; {Math.Log10(last.Plotted / first.Plotted):+0.00;-0.00} decades from depth {first.Depth} to {last.Depth}"
                    : $"; at the optimum to rounding at depth {first.Depth}";
                var etas = byDepth.Where(o => !o.Tie && double.IsFinite(o.Eta)).Select(o => Math.Log10(o.Eta)).ToList();
                string etaSpan = etas.Count > 1 ? $"; optimal η spans {etas.Max() - etas.Min():0.0#} decades" : "";
                return $"{net.Key}: {values}{rise}{etaSpan}";
            });
            yield return $"**{family.Key}** — {what} at the optimal rate by depth:\n" + string.Join("\n", lines.Select(l => "- " + l));
        }
    }

    /// <summary>final_loss_linear / final_loss_relu (.png/.svg): left the optimal final loss vs depth, right the optimal rate; tied points omitted.</summary>
    protected override IEnumerable<string> DrawFigures(FinalLossResult result, string folder, List<string> notes)
    {
        var files = new List<string>();
        foreach (var family in result.Optima.GroupBy(o => o.Activation))
        {
            bool linear = family.Key == FinalLoss.MidName(FastRes.Kernels.Networks.Activation.Identity);
            var figure = new Multiplot();
            figure.AddPlots(2);
            figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
            Plot left = figure.GetPlot(0), right = figure.GetPlot(1);
            int colour = 0;
            foreach (var net in family.GroupBy(o => o.Net))
            {
                var points = net.OrderBy(o => o.Depth).ToList();
                var color = left.Add.Palette.GetColor(colour++);
                string name = linear ? net.Key : net.Key + "-ReLU";
                // An excess ≤ 0 is the optimum to rounding: drawn at the rounding floor (log10 has no value there), and said so.
                double floor = 1e-14 * result.OptimalLoss;
                foreach (var o in points.Where(o => linear && o.Plotted <= floor))
                    notes.Add($"linear {net.Key} depth {o.Depth}: final − optimal = {Cells.Number(o.Plotted)} (the optimum to rounding), drawn at 10⁻¹⁴ × the optimal loss");
                Figures.Line(left, points, o => Math.Log2(o.Depth), o => linear ? Math.Max(o.Plotted, floor) : o.Plotted, name, color, notes,
                             o => (o.Plotted - o.FinalLossStd, o.Plotted + o.FinalLossStd), Math.Log10, series: $"{family.Key} {net.Key} (final loss)");
                foreach (var tie in points.Where(o => o.Tie))
                    notes.Add($"{family.Key} {net.Key} depth {tie.Depth}: all {tie.Candidates} candidate rates tie (spread {tie.SpreadDecades:G2} decades), optimal rate omitted");
                Figures.Line(right, points.Where(o => !o.Tie), o => Math.Log2(o.Depth), o => o.Eta, name, color, notes, scale: Math.Log10,
                             series: $"{family.Key} {net.Key} (optimal rate)");
            }
            foreach (var plot in new[] { left, right })
            {
                Figures.Log2DepthAxis(plot);
                Figures.Log10Axis(plot.Axes.Left);
                plot.XLabel("depth");
                plot.ShowLegend(Alignment.UpperLeft);
            }
            string data = DataCache.ShortName(result.DataSource);
            left.Title($"{(linear ? "Linear" : "ReLU-mid")} nets, {result.Config.Epochs} epochs: {(linear ? "final − optimal" : "final loss")} at the optimal rate");
            left.YLabel(linear ? "final loss − optimal loss" : "final loss");
            right.Title($"Optimal learning rate (ties omitted; {data})");
            right.YLabel("η");
            files.AddRange(Figures.Save(figure, folder, linear ? "final_loss_linear" : "final_loss_relu", 1500, 600));
        }
        return files;
    }
}
