using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Training;

/// <summary>
/// training-spectrum (Li et al. Section 5.2, Figures 5 and 6): depth-16 networks trained by full-batch gradient
/// descent, the exact Hessian and its whole spectrum at epoch 0 and every <see cref="Every"/> epochs; max|λ|, |λ|_(0.1),
/// κ and the index per run, then per run resampled on a common loss grid by linear interpolation and averaged over runs.
/// </summary>
public sealed record TrainingSpectrumConfig : IExperimentConfig<TrainingSpectrumConfig>, IDataConfig
{
    public string? Data { get; init; }
    public InitialConditionNet[] Nets { get; init; } = [InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut2];
    public int Depth { get; init; } = 16;
    public Activation Mid { get; init; } = Activation.Identity;
    public int Runs { get; init; } = 2;
    public int Epochs { get; init; } = 300;
    /// <summary>A spectrum at epoch 0, every this many epochs, and at the last epoch.</summary>
    public int Every { get; init; } = 20;
    /// <summary>
    /// Learning rates per kind of net: one rate cannot serve all three (a rate 2-shortcut leaves its saddle with makes xavier
    /// diverge at depth 16: its max|λ| is in the hundreds at the start), and the paper tunes the rate per net (Fig. 7 right).
    /// </summary>
    public double EtaXavier { get; init; } = 0.003;
    public double EtaOrthogonal { get; init; } = 0.03;
    /// <summary>The rate of the small-init shortcut nets: large enough to leave the saddle at 0 within a hundred epochs.</summary>
    public double EtaShortcut { get; init; } = 0.1;
    /// <summary>Points of the common loss grid of Figures 5 and 6 (left).</summary>
    public int GridPoints { get; init; } = 25;
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = DigitPreprocessing.DefaultDimension;
    public int Threads { get; init; }
    /// <summary>The slice of the cells (net × run) this process computes.</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    public static Schema<TrainingSpectrumConfig> Schema { get; } = new()
    {
        DataCache.Setting<TrainingSpectrumConfig>(c => c.Data, (c, v) => c with { Data = v }),
        { "nets", "LIST", "Comma list of xavier, orthogonal, shortcut1, shortcut2, shortcut3", c => c.Nets, (c, v) => c with { Nets = v },
          Kinds.List(InitialConditionNets.Kind), Rules.NonEmpty<InitialConditionNet>(what: "at least one of xavier, orthogonal, shortcut1, shortcut2, shortcut3") },
        { "depth", "D", "Network depth (the paper's figures: 16)", c => c.Depth, (c, v) => c with { Depth = v }, Kinds.Int, Rules.Between(1, 64) },
        { "mid", "linear|relu", "Activation at the mid positions of the 2-shortcut units (and the same positions of the plain nets)", c => c.Mid, (c, v) => c with { Mid = v }, TrainingNet.MidKind },
        { "runs", "N", "Initializations (runs) per net", c => c.Runs, (c, v) => c with { Runs = v }, Kinds.Int, Rules.Between(1, 1000) },
        { "epochs", "E", "Full-batch gradient steps", c => c.Epochs, (c, v) => c with { Epochs = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "every", "K", "A Hessian spectrum at epoch 0, every K epochs and at the last", c => c.Every, (c, v) => c with { Every = v }, Kinds.Int, Rules.Between(1, 1_000_000) },
        { "eta-xavier", "X", "Learning rate (fixed step) of the xavier net", c => c.EtaXavier, (c, v) => c with { EtaXavier = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "eta-orthogonal", "X", "Learning rate of the orthogonal net", c => c.EtaOrthogonal, (c, v) => c with { EtaOrthogonal = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "eta-shortcut", "X", "Learning rate of the shortcut nets", c => c.EtaShortcut, (c, v) => c with { EtaShortcut = v }, Kinds.Double, Rules.AboveUpTo(0, 100) },
        { "grid", "N", "Points of the common loss grid (log-spaced)", c => c.GridPoints, (c, v) => c with { GridPoints = v }, Kinds.Int, Rules.Between(2, 1000) },
        Packs.Seed<TrainingSpectrumConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the initializations (run r uses Philox stream (seed, r), as initial-condition) and the synthetic data"),
        Packs.Width<TrainingSpectrumConfig>(c => c.Width, (c, v) => c with { Width = v }),
        Packs.Threads<TrainingSpectrumConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<TrainingSpectrumConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Shard i (0-based) of N of the cells (net × run); merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count == 0 && HessianSize.Check(Nets.Select(net => (new TrainingNet(net, Mid).UnitDepth, Depth)), Width) is { } error)
            errors.Add(error with { Field = "depth" });
        return errors;
    }

    /// <summary>Cells in their fixed order: net-major, then run.</summary>
    public long CellCount => (long)Nets.Length * Runs;

    /// <summary>The learning rate of net <paramref name="net"/>.</summary>
    public double EtaOf(InitialConditionNet net) => net switch
    {
        InitialConditionNet.Xavier => EtaXavier,
        InitialConditionNet.Orthogonal => EtaOrthogonal,
        _ => EtaShortcut,
    };

    /// <summary>The epochs with a spectrum: 0, K, 2K, …, and E.</summary>
    public IEnumerable<int> SpectrumEpochs => Enumerable.Range(0, Epochs / Every + 1).Select(i => i * Every).Append(Epochs).Distinct();
}

/// <summary>One spectrum along one run (SPEC §2.6 / issue 11 contract).</summary>
public sealed record TrainingSpectrumRow(string Net, int Depth, int Run, int Epoch, double Loss, double GradNorm, double AbsMax, double AbsP10, double Kappa, double Index,
                                         double Seconds)
{
    public static readonly TrainingSpectrumRow Blank = new("", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public static Table<TrainingSpectrumRow> Columns { get; } = new(Blank)
    {
        { "net", r => r.Net, "net", ColumnFlags.Key, null, (r, v) => r with { Net = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.None, null, (r, v) => r with { Depth = v } },
        { "run", r => r.Run, "run", ColumnFlags.Key, null, (r, v) => r with { Run = v } },
        { "epoch", r => r.Epoch, "epoch", ColumnFlags.Key, null, (r, v) => r with { Epoch = v } },
        { "loss", r => r.Loss, "loss", ColumnFlags.None, null, (r, v) => r with { Loss = v } },
        { "grad_norm", r => r.GradNorm, "‖∇L‖", ColumnFlags.None, null, (r, v) => r with { GradNorm = v } },
        { "abs_max", r => r.AbsMax, "max abs λ", ColumnFlags.None, null, (r, v) => r with { AbsMax = v } },
        { "abs_p10", r => r.AbsP10, "abs λ 10th pct", ColumnFlags.None, null, (r, v) => r with { AbsP10 = v } },
        // JSON has no ∞: an infinite κ (|λ|_(0.1) = 0) is written as null and read back as +∞.
        { "kappa", r => r.Kappa, "κ", ColumnFlags.None, null, (r, v) => r with { Kappa = double.IsNaN(v) ? double.PositiveInfinity : v } },
        { "index", r => r.Index, "index", ColumnFlags.None, null, (r, v) => r with { Index = v } },
        // What this spectrum (Hessian + eigenvalues) cost: timing, last so that comparisons can drop it.
        { "seconds", r => r.Seconds, ColumnFlags.Hidden, (r, v) => r with { Seconds = v } },
    };
}

/// <summary>How one run ended: epochs taken, final loss, divergence (its rows stop where it diverged).</summary>
public sealed record TrainingSpectrumRun(string Net, int Run, int Epochs, double FinalLoss, bool Diverged, int DivergedAt)
{
    public static readonly TrainingSpectrumRun Blank = new("", 0, 0, 0, false, -1);

    public static Table<TrainingSpectrumRun> Columns { get; } = new(Blank)
    {
        { "net", r => r.Net, "net", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Net = v } },
        { "run", r => r.Run, "run", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Run = v } },
        { "epochs", r => r.Epochs, "epochs", ColumnFlags.Console, null, (r, v) => r with { Epochs = v } },
        { "final_loss", r => r.FinalLoss, "final loss", ColumnFlags.Console, null, (r, v) => r with { FinalLoss = v } },
        { "diverged", r => r.Diverged, "diverged", ColumnFlags.Console, null, (r, v) => r with { Diverged = v } },
        { "diverged_at", r => r.DivergedAt, ColumnFlags.Hidden, (r, v) => r with { DivergedAt = v } },
    };
}

/// <summary>One net at one loss of the common grid: the per-run interpolated values, mean and std over the runs that reached it.</summary>
public sealed record TrainingSpectrumGridPoint(string Net, double Loss, int Runs, double AbsMaxMean, double AbsMaxStd, double AbsP10Mean, double AbsP10Std,
                                               double KappaMean, double KappaStd, double IndexMean, double IndexStd)
{
    public static Table<TrainingSpectrumGridPoint> Columns { get; } = new()
    {
        { "net", r => r.Net, "net" },
        { "loss", r => r.Loss, "loss" },
        { "runs", r => r.Runs, "runs" },
        { "abs_max_mean", r => r.AbsMaxMean, "max abs λ" },
        { "abs_max_std", r => r.AbsMaxStd, ColumnFlags.Hidden },
        { "abs_p10_mean", r => r.AbsP10Mean, "abs λ 10th pct" },
        { "abs_p10_std", r => r.AbsP10Std, ColumnFlags.Hidden },
        { "kappa_mean", r => r.KappaMean, "κ" },
        { "kappa_std", r => r.KappaStd, ColumnFlags.Hidden },
        { "index_mean", r => r.IndexMean, "index" },
        { "index_std", r => r.IndexStd, ColumnFlags.Hidden },
    };
}

/// <summary>
/// The claims of Section 5.2 as numbers. Cases: at every grid loss both nets reached, 2-shortcut κ below each other
/// net's (Fig. 5, "always smaller") and 2-shortcut index below it (Fig. 6 left, "always smaller"); per 2-shortcut run,
/// the gradient norm peaks within two spectrum intervals of the steepest index drop (Fig. 6 right).
/// </summary>
public sealed record TrainingSpectrumResult(TrainingSpectrumConfig Config, string DataSource, int Parameters, IReadOnlyList<TrainingSpectrumRun> Runs,
    IReadOnlyList<TrainingSpectrumRow> Rows, IReadOnlyList<TrainingSpectrumGridPoint> Grid, TrainingSpectrumClaims Claims, double Seconds)
    : IExperimentResult<TrainingSpectrumResult>, IClaimCheck
{
    public int CaseCount => Claims.KappaCases + Claims.IndexCases + Claims.PeakCases;
    public int Violations => Claims.KappaViolations + Claims.IndexViolations + Claims.PeakViolations;

    public static ResultLayout<TrainingSpectrumResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "params", r => r.Parameters },
        { "kappa_cases", r => r.Claims.KappaCases },
        { "kappa_violations", r => r.Claims.KappaViolations },
        { "index_cases", r => r.Claims.IndexCases },
        { "index_violations", r => r.Claims.IndexViolations },
        { "peak_cases", r => r.Claims.PeakCases },
        { "peak_violations", r => r.Claims.PeakViolations },
        { "rows", TrainingSpectrumRow.Columns, r => r.Rows },
        { "runs", TrainingSpectrumRun.Columns, r => r.Runs },
        { "grid", TrainingSpectrumGridPoint.Columns, r => r.Grid },
    };
}

/// <summary>Case and violation counts of the three checks (see <see cref="TrainingSpectrumResult"/>).</summary>
public sealed record TrainingSpectrumClaims(int KappaCases, int KappaViolations, int IndexCases, int IndexViolations, int PeakCases, int PeakViolations);

public static class TrainingSpectrum
{
    /// <summary>The reference net of the claims: the paper's 2-shortcut network.</summary>
    public const string Reference = "shortcut2";

    /// <summary>Cell i → (net, run): net-major, so a shard of consecutive cells is a few nets' runs.</summary>
    public static (InitialConditionNet Net, int Run) Cell(TrainingSpectrumConfig c, long index) => (c.Nets[index / c.Runs], (int)(index % c.Runs));

    public static string CellName(InitialConditionNet net, int run) => $"net={net.Name()} run={run}";

    /// <summary>Spectra this config computes (its shard's cells × spectrum epochs): the progress steps.</summary>
    public static long TotalSteps(TrainingSpectrumConfig c)
    {
        var (start, end) = c.Shard.Range(c.CellCount);
        return (end - start) * c.SpectrumEpochs.Count();
    }

    /// <summary>
    /// Reusable buffers for the exact Hessian and its eigenvalues of one network: the Σ path of
    /// <see cref="ExactHessian.Linear"/> for linear nets (the moments computed once), the per-sample path of
    /// <see cref="ExactHessian.Compute"/> (one thread) otherwise.
    /// </summary>
    public sealed class Spectrometer : IDisposable
    {
        private readonly NShortcutNetwork _network;
        private readonly Dataset _data;
        private readonly double[] _sxx, _sxy, _hessian, _eigenvalues;
        private readonly SymmetricEigenWorkspace _workspace;

        public Spectrometer(NShortcutNetwork network, Dataset data)
        {
            _network = network;
            _data = data;
            int d = network.Width, n = network.ParameterCount;
            _sxx = new double[d * d];
            _sxy = new double[d * d];
            if (network.IsLinear) ExactHessian.Moments(data.X, data.Y, data.Samples, d, _sxx, _sxy);
            _hessian = new double[(long)n * n];
            _eigenvalues = new double[n];
            _workspace = new SymmetricEigenWorkspace(n);
        }

        /// <summary>The eigenvalues of the last <see cref="Measure"/>, ascending.</summary>
        public ReadOnlySpan<double> Eigenvalues => _eigenvalues;

        public SpectrumStats Measure(ReadOnlySpan<double> theta, CancellationToken cancellationToken)
        {
            if (_network.IsLinear) ExactHessian.Linear(_network, theta, _sxx, _sxy, _hessian, cancellationToken);
            else ExactHessian.Compute(_network, theta, _data.X, _data.Y, _data.Samples, _hessian, threads: 1, cancellationToken);
            SymmetricEigen.Eigenvalues(_hessian, _network.ParameterCount, _eigenvalues, _workspace, threads: 1, cancellationToken);
            return SpectrumStats.From(_eigenvalues);
        }

        public void Dispose() => _workspace.Dispose();
    }

    /// <summary>One trained run: how it ended and its spectra in epoch order.</summary>
    public sealed record CellOutcome(TrainingSpectrumRun End, IReadOnlyList<TrainingSpectrumRow> Rows);

    /// <summary>
    /// Trains one (net, run) from its initialization (Philox stream (seed, run), as initial-condition draws it) with the
    /// spectrum at every spectrum epoch, on one thread (so its bits do not depend on the thread count).
    /// </summary>
    public static CellOutcome RunCell(TrainingSpectrumConfig c, Dataset data, InitialConditionNet netKind, int run, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var net = new TrainingNet(netKind, c.Mid);
        var network = net.Build(c.Depth, c.Width);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, c.Seed, (ulong)run, theta);
        var rows = new List<TrainingSpectrumRow>();
        var epochs = c.SpectrumEpochs.ToHashSet();
        using var spectrometer = new Spectrometer(network, data);
        // Linear nets train on the Σ path (no per-sample work), ReLU-mid per sample; one thread inside a cell.
        var objective = Objectives.For(network, data, threads: 1);
        var end = new FullBatchDescent(objective).Train(theta, c.EtaOf(netKind), c.Epochs, (e, loss, gradient, point) =>
        {
            if (!epochs.Contains(e)) return;
            long start = Stopwatch.GetTimestamp();
            var s = spectrometer.Measure(point, cancellationToken);
            rows.Add(new TrainingSpectrumRow(net.Name, network.Depth, run, e, loss, Norm(gradient), s.AbsMax, s.AbsP10,
                                             double.IsNaN(s.Kappa) ? double.PositiveInfinity : s.Kappa, s.Index, Stopwatch.GetElapsedTime(start).TotalSeconds));
            progress?.Report(1);
        }, cancellationToken);
        // A diverged run stops early: the spectra it never reached still count as progress steps.
        if (end.Diverged) progress?.Report(epochs.Count - rows.Count);
        return new CellOutcome(new TrainingSpectrumRun(net.Name, run, end.Epochs, end.Loss, end.Diverged, end.DivergedAt), rows);
    }

    private static double Norm(ReadOnlySpan<double> g)
    {
        double s = 0;
        foreach (double v in g) s += v * v;
        return Math.Sqrt(s);
    }

    /// <summary>A cell as doubles, exactly (the journal's record): its index, how it ended, then 8 values per spectrum.</summary>
    public static double[] Encode(CellOutcome o, TrainingSpectrumConfig c)
    {
        long index = (long)Array.FindIndex(c.Nets, n => n.Name() == o.End.Net) * c.Runs + o.End.Run;
        var v = new List<double> { index, o.End.Epochs, o.End.FinalLoss, o.End.Diverged ? 1 : 0, o.End.DivergedAt, o.Rows.Count };
        foreach (var r in o.Rows) v.AddRange([r.Epoch, r.Loss, r.GradNorm, r.AbsMax, r.AbsP10, r.Kappa, r.Index, r.Seconds]);
        return v.ToArray();
    }

    public static CellOutcome Decode(double[] v, TrainingSpectrumConfig c, int depth)
    {
        const int head = 6, each = 8;
        if (v.Length < head || v[0] < 0 || v[0] >= c.CellCount || v.Length != head + each * (long)v[5])
            throw new InvalidDataException("a journaled training-spectrum cell does not have the layout of one");
        var (netKind, run) = Cell(c, (long)v[0]);
        string net = netKind.Name();
        var rows = new List<TrainingSpectrumRow>();
        for (int i = head; i < v.Length; i += each)
            rows.Add(new TrainingSpectrumRow(net, depth, run, (int)v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7]));
        return new CellOutcome(new TrainingSpectrumRun(net, run, (int)v[1], v[2], v[3] != 0, (int)v[4]), rows);
    }

    public static TrainingSpectrumResult Run(TrainingSpectrumConfig config, Dataset data, IProgress<long>? progress = null,
                                             CancellationToken cancellationToken = default, ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        if (data.InputDim != config.Width || data.OutputDim != config.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {config.Width}");
        var clock = Stopwatch.StartNew();
        var (start, end) = config.Shard.Range(config.CellCount);
        var cells = new List<(string Name, long Index)>();
        for (long i = start; i < end; i++) { var (net, run) = Cell(config, i); cells.Add((CellName(net, run), i)); }
        int depth = new TrainingNet(config.Nets[0], config.Mid).Build(config.Depth, config.Width).Depth;
        // Progress counts spectra: a computed cell reports each one as it is done, a journaled one (decoded, not
        // computed) all of its spectra at once; CellRunner's own per-cell count is not used.
        long perCell = config.SpectrumEpochs.Count();
        var outcomes = CellRunner.Run(cells,
            (i, ct) => { var (net, run) = Cell(config, i); return RunCell(config, data, net, run, progress, ct); },
            o => Encode(o, config),
            v => { progress?.Report(perCell); return Decode(v, config, depth); },
            config.Threads, journal, progress: null, cancellationToken);
        return Assemble(config, data.Source, outcomes.Select(o => o.End).ToList(), outcomes.SelectMany(o => o.Rows).ToList(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>The result from its runs and rows (a run and a merge of shards both come through here, in cell order).</summary>
    public static TrainingSpectrumResult Assemble(TrainingSpectrumConfig config, string source, IReadOnlyList<TrainingSpectrumRun> runs,
                                                  IReadOnlyList<TrainingSpectrumRow> rows, double seconds)
    {
        var grid = GridOf(config, rows);
        int parameters = new TrainingNet(config.Nets[0], config.Mid).Build(config.Depth, config.Width).ParameterCount;
        return new TrainingSpectrumResult(config, source, parameters, runs, rows, grid, Claims(config, rows, grid), seconds);
    }

    /// <summary>
    /// The common loss grid: log-spaced from the lowest to the highest loss any spectrum saw; each run resampled on it
    /// by linear interpolation between its spectra (<see cref="LossGrid.Resample"/>), then mean and std over the runs
    /// that reached each loss.
    /// </summary>
    public static List<TrainingSpectrumGridPoint> GridOf(TrainingSpectrumConfig config, IReadOnlyList<TrainingSpectrumRow> rows)
    {
        var finite = rows.Where(r => r.Loss > 0 && double.IsFinite(r.Loss)).ToList();
        if (finite.Count == 0) return [];
        double low = finite.Min(r => r.Loss), high = finite.Max(r => r.Loss);
        if (!(high > low)) return [];
        var losses = LossGrid.Logarithmic(low, high, config.GridPoints);
        // The grid's ends are the extreme losses themselves (Logarithmic goes through Pow and Log10 and may miss them by an ulp).
        losses[0] = high;
        losses[^1] = low;
        var points = new List<TrainingSpectrumGridPoint>();
        foreach (var net in config.Nets.Select(n => n.Name()))
        {
            var runs = rows.Where(r => r.Net == net).GroupBy(r => r.Run).Select(g => g.OrderBy(r => r.Epoch).ToList()).ToList();
            double[][] Resampled(Func<TrainingSpectrumRow, double> value)
                => runs.Select(run => LossGrid.Resample(run.Select(r => r.Loss).ToArray(), run.Select(value).ToArray(), losses)).ToArray();
            var absMax = Resampled(r => r.AbsMax);
            var absP10 = Resampled(r => r.AbsP10);
            var kappa = Resampled(r => r.Kappa);
            var index = Resampled(r => r.Index);
            for (int g = 0; g < losses.Length; g++)
            {
                var a = LossGrid.Summarize(absMax.Select(x => x[g]));
                var p = LossGrid.Summarize(absP10.Select(x => x[g]));
                var k = LossGrid.Summarize(kappa.Select(x => x[g]));
                var i = LossGrid.Summarize(index.Select(x => x[g]));
                if (a.Runs == 0) continue;
                points.Add(new TrainingSpectrumGridPoint(net, losses[g], a.Runs, a.Mean, a.Std, p.Mean, p.Std, k.Mean, k.Std, i.Mean, i.Std));
            }
        }
        return points;
    }

    public static TrainingSpectrumClaims Claims(TrainingSpectrumConfig config, IReadOnlyList<TrainingSpectrumRow> rows, IReadOnlyList<TrainingSpectrumGridPoint> grid)
    {
        int kc = 0, kv = 0, ic = 0, iv = 0, pc = 0, pv = 0;
        var reference = grid.Where(g => g.Net == Reference).ToDictionary(g => g.Loss);
        foreach (var g in grid.Where(g => g.Net != Reference))
        {
            if (!reference.TryGetValue(g.Loss, out var s)) continue;
            if (double.IsFinite(s.KappaMean) && double.IsFinite(g.KappaMean)) { kc++; if (!(s.KappaMean < g.KappaMean)) kv++; }
            if (double.IsFinite(s.IndexMean) && double.IsFinite(g.IndexMean)) { ic++; if (!(s.IndexMean < g.IndexMean)) iv++; }
        }
        foreach (var run in rows.Where(r => r.Net == Reference).GroupBy(r => r.Run))
        {
            var (peak, drop) = PeakAndDrop(run.OrderBy(r => r.Epoch).ToList());
            if (peak < 0 || drop < 0) continue;
            pc++;
            if (Math.Abs(peak - drop) > 2 * config.Every) pv++;
        }
        return new TrainingSpectrumClaims(kc, kv, ic, iv, pc, pv);
    }

    /// <summary>
    /// Along one run (spectra in epoch order): the epoch of the largest gradient norm, and the epoch at the middle of the
    /// steepest index drop between consecutive spectra (−1 when there are fewer than two spectra or the index never drops).
    /// </summary>
    public static (double PeakEpoch, double DropEpoch) PeakAndDrop(IReadOnlyList<TrainingSpectrumRow> run)
    {
        if (run.Count < 2) return (-1, -1);
        double peak = run.MaxBy(r => r.GradNorm)!.Epoch;
        double best = 0, drop = -1;
        for (int i = 0; i + 1 < run.Count; i++)
        {
            double fall = run[i].Index - run[i + 1].Index;
            if (fall > best) { best = fall; drop = 0.5 * (run[i].Epoch + run[i + 1].Epoch); }
        }
        return (peak, drop);
    }
}
