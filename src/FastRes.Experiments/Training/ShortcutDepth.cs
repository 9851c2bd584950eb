using System.Diagnostics;
using FastRes.Experiments.Checkpoints;
using FastRes.Experiments.Data;
using FastRes.Experiments.Results;
using FastRes.Experiments.Settings;
using FastRes.Kernels.Networks;

namespace FastRes.Experiments.Training;

/// <summary>
/// shortcut-depth, a CPU stand-in for Li et al.'s Figure 9 (§5.3.2: CIFAR-10 pre-ResNets of fixed parameter count,
/// shortcut depth varied, more than 400 layers deep): pre-activation residual networks h ↦ h + W_n σ(⋯ W_1 σ(h)),
/// σ = ReLU before every layer of a unit, on Fashion-MNIST (PCA-whitened to d = 10, one-hot targets, the issue's
/// squared loss), classified by the argmax of the output. <b>Fixed parameter count</b>: at total depth D every
/// shortcut depth n has the same D weight matrices of width d (R = D/n units, D·d² parameters) — and, at the same
/// seed and run, the same initial matrices (by default the paper's small init, xavier × 0.01; layer l drawn from stream l), so the nets of
/// one depth differ only in where the shortcuts are. Each depth must therefore be a multiple of every n.
/// </summary>
public sealed record ShortcutDepthConfig : IExperimentConfig<ShortcutDepthConfig>
{
    /// <summary>Where Debian's dataset-fashion-mnist installs the IDX files.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";
    public const string FashionMnistPackage = "dataset-fashion-mnist";
    /// <summary>d = d_x = d_y (SPEC §2.1): ten classes, so ten principal components.</summary>
    public const int Width = DigitPreprocessing.DefaultClasses;

    /// <summary>An IDX folder (train-* and t10k-*, or one pair split into training and held-out images); null: Fashion-MNIST as installed.</summary>
    public string? Data { get; init; }
    public int[] Shortcuts { get; init; } = [1, 2, 3, 4];
    /// <summary>Multiples of 12 = lcm(1, 2, 3, 4), from shallow to the paper's "extremely deep" (&gt; 400).</summary>
    public int[] Depths { get; init; } = [12, 48, 192, 480];
    public int Runs { get; init; } = 3;
    public int Epochs { get; init; } = 20;
    /// <summary>Mini-batch size of SGD; 0: full-batch gradient descent (one step per epoch).</summary>
    public int Batch { get; init; } = 50;
    public double Eta { get; init; } = 0.05;
    /// <summary>Initial weights xavier × this: the paper's near-zero init is 0.01 (<see cref="NetworkInitializer.SmallScale"/>).</summary>
    public double InitScale { get; init; } = NetworkInitializer.SmallScale;
    /// <summary>Training images: the first N of the training split (its PCA and whitening are fitted on them alone).</summary>
    public int Train { get; init; } = 2000;
    /// <summary>Test images: the first N of the test split; 0: all of it.</summary>
    public int Test { get; init; }
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>The folder read: --data, else the installed Fashion-MNIST.</summary>
    public string Folder => Data ?? FashionMnistFolder;

    public static Schema<ShortcutDepthConfig> Schema { get; } = new()
    {
        { "data", "DIR", $"IDX folder with train-*/t10k-* (or one pair, split into training and held-out images); default {FashionMnistFolder} (apt-get install {FashionMnistPackage})",
          c => c.Data, (c, v) => c with { Data = v }, Kinds.Text, DataCache.NotEmpty },
        { "shortcuts", "LIST", "Shortcut depths n (weight matrices per residual unit)", c => c.Shortcuts, (c, v) => c with { Shortcuts = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 8)) },
        { "depths", "LIST", "Total depths D (weight matrices), each a multiple of every n: the same D·d² parameters at every n", c => c.Depths, (c, v) => c with { Depths = v },
          Kinds.List(Kinds.Int), Rules.NonEmpty(Rules.Between(1, 2400)) },
        { "runs", "N", "Initializations per (n, depth) (the paper: 10)", c => c.Runs, (c, v) => c with { Runs = v }, Kinds.Int, Rules.Between(1, 1000) },
        { "epochs", "E", "Passes over the training images", c => c.Epochs, (c, v) => c with { Epochs = v }, Kinds.Int, Rules.Between(1, 100_000) },
        { "batch", "B", "SGD mini-batch size; 0 = full-batch gradient descent", c => c.Batch, (c, v) => c with { Batch = v }, Kinds.Int, Rules.Between(0, 60_000) },
        { "eta", "η", "Learning rate (fixed step)", c => c.Eta, (c, v) => c with { Eta = v }, Kinds.Double, Rules.Between(1e-9, 1e3) },
        { "init-scale", "S", "Initial weights N(0, 1/d) × S (the paper's near-zero init: 0.01)", c => c.InitScale, (c, v) => c with { InitScale = v },
          Kinds.Double, Rules.Between(0.0, 10.0) },
        { "train", "N", "Training images: the first N of the training split (PCA and whitening fitted on them)", c => c.Train, (c, v) => c with { Train = v },
          Kinds.Int, Rules.Between(DigitPreprocessing.DefaultDimension + 1, 60_000) },
        { "test", "N", "Test images: the first N of the test split (0 = all)", c => c.Test, (c, v) => c with { Test = v }, Kinds.Int, Rules.Between(0, 60_000) },
        Packs.Seed<ShortcutDepthConfig>(c => c.Seed, (c, v) => c with { Seed = v }, "Seed of the initializations and the mini-batch order"),
        Packs.Threads<ShortcutDepthConfig>(c => c.Threads, (c, v) => c with { Threads = v }),
        Packs.Shard<ShortcutDepthConfig>(c => c.Shard, (c, v) => c with { Shard = v }, "Shard i (0-based) of N of the cells (n × depth × run); merge combines shards"),
    };

    public IReadOnlyList<ConfigError> Validate()
    {
        var errors = Schema.Check(this);
        if (errors.Count > 0) return errors;
        foreach (int depth in Depths)
            if (Shortcuts.FirstOrDefault(n => depth % n != 0) is var n && n != 0)
            {
                errors.Add(new ConfigError("depths", $"must be multiples of every shortcut depth (so that all n have the same layers): {depth} is not a multiple of {n}"));
                break;
            }
        if (errors.Count == 0 && (long)Depths.Max() * Width * Width > int.MaxValue / 2) errors.Add(new ConfigError("depths", "too many parameters"));
        return errors;
    }
}

/// <summary>One trained network: its run index, the full training loss at the end, the accuracies of the output's argmax, divergence.</summary>
public sealed record ShortcutDepthRun(int Run, double FinalLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, bool Diverged, int DivergedAt)
{
    public static Table<ShortcutDepthRun> Columns { get; } = new(new ShortcutDepthRun(0, 0, 0, 0, 0, false, 0))
    {
        { "run", v => v.Run, ColumnFlags.None, (v, x) => v with { Run = x } },
        { "final_loss", v => v.FinalLoss, ColumnFlags.None, (v, x) => v with { FinalLoss = x } },
        { "train_accuracy", v => v.TrainAccuracy, ColumnFlags.None, (v, x) => v with { TrainAccuracy = x } },
        { "test_loss", v => v.TestLoss, ColumnFlags.None, (v, x) => v with { TestLoss = x } },
        { "test_accuracy", v => v.TestAccuracy, ColumnFlags.None, (v, x) => v with { TestAccuracy = x } },
        { "diverged", v => v.Diverged, ColumnFlags.None, (v, x) => v with { Diverged = x } },
        { "diverged_at", v => v.DivergedAt, ColumnFlags.None, (v, x) => v with { DivergedAt = x } },
    };

    /// <summary>What the journal keeps of a cell, exactly (NaN for a diverged run's losses and accuracies).</summary>
    public double[] Encode() => [Run, FinalLoss, TrainAccuracy, TestLoss, TestAccuracy, Diverged ? 1 : 0, DivergedAt];

    public static ShortcutDepthRun Decode(double[] v) => v.Length == 7
        ? new((int)v[0], v[1], v[2], v[3], v[4], v[5] != 0, (int)v[6])
        : throw new InvalidDataException("a shortcut-depth cell holds 7 values");
}

/// <summary>One (n, depth) point: mean ± sample std over its runs that did not diverge, and those runs.</summary>
public sealed record ShortcutDepthRow(int Shortcut, int Depth, int Units, int Params, int Runs, int DivergedRuns,
                                      double LossMean, double LossStd, double TestAccuracyMean, double TestAccuracyStd, double TrainAccuracyMean,
                                      IReadOnlyList<ShortcutDepthRun> PerRun)
{
    public static readonly ShortcutDepthRow Blank = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, []);

    public static Table<ShortcutDepthRow> Columns { get; } = new(Blank)
    {
        { "n", r => r.Shortcut, "n", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Shortcut = v } },
        { "depth", r => r.Depth, "depth", ColumnFlags.Key | ColumnFlags.Console, null, (r, v) => r with { Depth = v } },
        { "units", r => r.Units, "units", ColumnFlags.None, null, (r, v) => r with { Units = v } },
        { "params", r => r.Params, "params", ColumnFlags.None, null, (r, v) => r with { Params = v } },
        { "runs", r => r.Runs, "runs", ColumnFlags.None, null, (r, v) => r with { Runs = v } },
        { "diverged_runs", r => r.DivergedRuns, "diverged", ColumnFlags.Console, null, (r, v) => r with { DivergedRuns = v } },
        { "loss_mean", r => r.LossMean, "train loss mean", ColumnFlags.Console, null, (r, v) => r with { LossMean = v } },
        { "loss_std", r => r.LossStd, "train loss std", ColumnFlags.None, null, (r, v) => r with { LossStd = v } },
        { "test_accuracy_mean", r => r.TestAccuracyMean, "test acc mean", ColumnFlags.Console, null, (r, v) => r with { TestAccuracyMean = v } },
        { "test_accuracy_std", r => r.TestAccuracyStd, "test acc std", ColumnFlags.None, null, (r, v) => r with { TestAccuracyStd = v } },
        { "train_accuracy_mean", r => r.TrainAccuracyMean, "train acc mean", ColumnFlags.None, null, (r, v) => r with { TrainAccuracyMean = v } },
        // The CSV in long format: one line per (n, depth, run), the point's summary repeated.
        { "per_run", r => r.PerRun, ShortcutDepthRun.Columns, ColumnFlags.Expand, (r, v) => r with { PerRun = v } },
    };
}

public sealed record ShortcutDepthResult(ShortcutDepthConfig Config, string DataSource, int TrainSamples, int TestSamples,
                                         IReadOnlyList<ShortcutDepthRow> Rows, double Seconds)
    : IExperimentResult<ShortcutDepthResult>
{
    public static ResultLayout<ShortcutDepthResult> Layout { get; } = new(r => r.Seconds)
    {
        { "data_source", r => r.DataSource },
        { "train_samples", r => r.TrainSamples },
        { "test_samples", r => r.TestSamples },
        { "rows", ShortcutDepthRow.Columns, r => r.Rows },
    };
}

public static class ShortcutDepth
{
    /// <summary>Cells n × depth × run, run outermost so that a contiguous shard holds every depth (cells differ in cost by depth).</summary>
    public static long TotalCells(ShortcutDepthConfig c) => (long)c.Runs * c.Shortcuts.Length * c.Depths.Length;

    public static (int Run, int Shortcut, int Depth) Cell(ShortcutDepthConfig c, long index)
    {
        int depths = c.Depths.Length, shortcuts = c.Shortcuts.Length;
        return ((int)(index / (shortcuts * depths)), c.Shortcuts[(int)(index / depths % shortcuts)], c.Depths[(int)(index % depths)]);
    }

    public static string CellName(int shortcut, int depth, int run) => $"n={shortcut} depth={depth} run={run}";

    /// <summary>The runs of point (n, depth) that cells [start, end) hold, in order.</summary>
    public static IEnumerable<int> RunsInSlice(ShortcutDepthConfig c, int shortcut, int depth, long start, long end)
    {
        for (long k = start; k < end; k++)
        {
            var (run, n, d) = Cell(c, k);
            if (n == shortcut && d == depth) yield return run;
        }
    }

    /// <summary>He et al.'s pre-activation residual network with units of n layers (ReLU before each layer, identity after the last).</summary>
    public static NShortcutNetwork Network(int shortcut, int depth)
        => new(ShortcutDepthConfig.Width, depth / shortcut, shortcut, shortcut: true, pre: Activation.Relu, mid: Activation.Relu, post: Activation.Identity);

    /// <summary>One cell: small init from Philox (seed, run), then SGD (or full-batch GD), then the losses and accuracies.</summary>
    public static ShortcutDepthRun Train(ShortcutDepthConfig config, TrainTestSplit data, int shortcut, int depth, int run, CancellationToken cancellationToken)
    {
        var network = Network(shortcut, depth);
        var theta = new double[network.ParameterCount];
        if (config.InitScale == NetworkInitializer.SmallScale) NetworkInitializer.Fill(network, NetworkInit.Small, config.Seed, (ulong)run, theta);
        else
        {
            NetworkInitializer.Fill(network, NetworkInit.Xavier, config.Seed, (ulong)run, theta);
            foreach (ref double w in theta.AsSpan()) w *= config.InitScale;
        }
        TrainingEnd end = config.Batch == 0
            ? new FullBatchDescent(Objectives.For(network, data.Train, 1)).Train(theta, config.Eta, config.Epochs, cancellationToken: cancellationToken)
            : new MiniBatchDescent(network, data.Train, config.Batch).Train(theta, config.Eta, config.Epochs, config.Seed, (ulong)run, cancellationToken);
        if (end.Diverged) return new ShortcutDepthRun(run, double.NaN, double.NaN, double.NaN, double.NaN, true, end.DivergedAt);
        var (trainLoss, trainAccuracy) = Evaluate(network, theta, data.Train);
        var (testLoss, testAccuracy) = Evaluate(network, theta, data.Test);
        return new ShortcutDepthRun(run, trainLoss, trainAccuracy, testLoss, testAccuracy, false, -1);
    }

    /// <summary>The squared loss (1/2m) Σ‖y − ŷ‖² and the fraction of samples whose output's argmax is the target's class.</summary>
    public static (double Loss, double Accuracy) Evaluate(NShortcutNetwork network, ReadOnlySpan<double> theta, Dataset data)
    {
        int m = data.Samples, d = network.Width;
        var outputs = new double[m * d];
        network.Outputs(theta, data.X, m, outputs, new NetworkWorkspace(network, 1));
        double loss = 0;
        int correct = 0;
        for (int mu = 0; mu < m; mu++)
        {
            ReadOnlySpan<double> y = data.Target(mu), yhat = outputs.AsSpan(mu * d, d);
            for (int p = 0; p < d; p++) loss += (y[p] - yhat[p]) * (y[p] - yhat[p]);
            if (ArgMax(yhat) == ArgMax(y)) correct++;
        }
        return (0.5 * loss / m, (double)correct / m);
    }

    /// <summary>The first index of the largest value (NaN never wins).</summary>
    public static int ArgMax(ReadOnlySpan<double> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /// <summary>A point from its runs in run order: a run and a merge of shards both come through here, so bit for bit equal.</summary>
    public static ShortcutDepthRow Summarize(int shortcut, int depth, IReadOnlyList<ShortcutDepthRun> runs)
    {
        var kept = runs.Where(r => !r.Diverged).ToList();
        var (lossMean, lossStd) = MeanStd(kept.Select(r => r.FinalLoss));
        var (accMean, accStd) = MeanStd(kept.Select(r => r.TestAccuracy));
        var (trainAcc, _) = MeanStd(kept.Select(r => r.TrainAccuracy));
        return new ShortcutDepthRow(shortcut, depth, depth / shortcut, depth * ShortcutDepthConfig.Width * ShortcutDepthConfig.Width, runs.Count,
                                    runs.Count - kept.Count, lossMean, lossStd, accMean, accStd, trainAcc, runs);
    }

    private static (double Mean, double Std) MeanStd(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0) return (double.NaN, double.NaN);
        double mean = list.Average();
        return (mean, list.Count > 1 ? Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1)) : double.NaN);
    }

    /// <summary>Trains the shard's cells (in parallel, each on one thread) and lists every (n, depth) point with the runs it holds.</summary>
    public static ShortcutDepthResult Run(ShortcutDepthConfig config, TrainTestSplit data, IProgress<long>? progress = null,
                                          CancellationToken cancellationToken = default, ITrialBlockJournal? journal = null)
    {
        ConfigError.ThrowIfAny(config.Validate());
        var clock = Stopwatch.StartNew();
        var (start, end) = config.Shard.Range(TotalCells(config));
        var cells = new List<(string, long)>();
        for (long k = start; k < end; k++)
        {
            var (run, n, depth) = Cell(config, k);
            cells.Add((CellName(n, depth, run), k));
        }
        var done = CellRunner.Run(cells, (k, ct) => { var (run, n, depth) = Cell(config, k); return Train(config, data, n, depth, run, ct); },
            r => r.Encode(), ShortcutDepthRun.Decode, config.Threads, journal, progress, cancellationToken);
        var byCell = cells.Select((c, j) => (Cell: Cell(config, c.Item2), Run: done[j])).ToList();
        var rows = new List<ShortcutDepthRow>();
        foreach (int n in config.Shortcuts)
            foreach (int depth in config.Depths)
                rows.Add(Summarize(n, depth, byCell.Where(c => c.Cell.Shortcut == n && c.Cell.Depth == depth).Select(c => c.Run).ToList()));
        return new ShortcutDepthResult(config, data.Provenance.Source, data.Train.Samples, data.Test.Samples, rows, clock.Elapsed.TotalSeconds);
    }
}
