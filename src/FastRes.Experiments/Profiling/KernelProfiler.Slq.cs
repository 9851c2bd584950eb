using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Profiling;

/// <summary>What <c>fastres bench eig --slq</c> measures: every (steps, probes) pair against the exact spectrum of each matrix.</summary>
/// <param name="Steps">Lanczos steps per probe to try (PyHessian: ~90–100).</param>
/// <param name="Probes">Rademacher probes to try (PyHessian: 1 to a few).</param>
/// <param name="Seed">Seed of the probes (and of the synthetic data and random matrix).</param>
/// <param name="Data">The experiments' --data (null: synthetic whitened data).</param>
/// <param name="TrainEpochs">Full-batch GD epochs before the training-spectrum Hessians.</param>
public sealed record SlqRequest(IReadOnlyList<int> Steps, IReadOnlyList<int> Probes, ulong Seed, string? Data, int TrainEpochs = 150)
{
    public static readonly SlqRequest Default = new([StochasticLanczos.DefaultSteps], [StochasticLanczos.DefaultProbes], 1, null);
}

/// <summary>One SLQ setting on one matrix beside its exact spectrum, with both times (wall and this process's CPU).</summary>
public sealed record SlqComparison(string Matrix, int N, int Steps, int Probes, SpectrumStats Exact, QuadratureStats Estimate,
    double ExactSeconds, double ExactCpuSeconds, double SlqSeconds, double SlqCpuSeconds)
{
    /// <summary>(estimate − exact)/|exact|; the index error is absolute (it is a fraction already, and is 0 for a PSD matrix).</summary>
    public double AbsMaxError => Relative(Estimate.AbsMax, Exact.AbsMax);
    public double AbsP10Error => Relative(Estimate.AbsP10, Exact.AbsP10);
    public double KappaError => Relative(Estimate.Kappa, Exact.Kappa);
    public double IndexError => Estimate.Index - Exact.Index;

    private static double Relative(double estimate, double exact) => (estimate - exact) / Math.Abs(exact);
}

public static partial class KernelProfiler
{
    public const string SlqKernel = "slq";

    /// <summary>
    /// Stochastic Lanczos quadrature (<see cref="StochasticLanczos"/>) against the exact spectrum (<see cref="SymmetricEigen"/>)
    /// of the experiments' own Hessians: initial-condition's linear nets at their init (shortcut2 at depths 10 and 32,
    /// shortcut1 and xavier at 16: N = 1000–3200), training-spectrum's shortcut2 after full-batch GD (linear on the Σ path,
    /// ReLU-mid per sample, depth 16), and a random N(0,1) symmetric matrix (Wigner: the semicircle) for reference. Each
    /// matrix's exact spectrum is timed once (after a warm-up), each SLQ setting once, the dense product on the same
    /// threads; CPU seconds are this process's (all threads), steadier than wall time on a shared machine.
    /// </summary>
    /// <param name="dataSource">Receives what the Hessians were computed on (the data's name, or the synthetic fallback and why).</param>
    public static IReadOnlyList<SlqComparison> Slq(SlqRequest request, int threads, out string dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        int t = ResolveThreads(threads);
        const int d = 10;
        Dataset data;
        try
        {
            data = DataSource.Load(request.Data, d, request.Seed);
            dataSource = request.Data is null ? "synthetic whitened data (no --data)" : DataCache.ShortName(data.Source);
        }
        catch (DataFormatException e)
        {
            data = SyntheticData.Create(SyntheticData.DefaultSamples, d, d, request.Seed);
            dataSource = $"synthetic whitened data, because --data {e.Message}"; // the message starts with the path
        }
        var warm = RandomSymmetric(64, 7);
        SymmetricEigen.Eigenvalues(warm, 64, new double[64], t);
        StochasticLanczos.Estimate(warm, 64, 10, 1, 1, t);

        var results = new List<SlqComparison>();
        foreach (var (name, n, hessian) in SlqMatrices(data, request, cancellationToken))
        {
            var eigenvalues = new double[n];
            var (exactSeconds, exactCpu) = Timed(() => SymmetricEigen.Eigenvalues(hessian, n, eigenvalues, t, cancellationToken));
            var exact = SpectrumStats.From(eigenvalues);
            foreach (int steps in request.Steps)
                foreach (int probes in request.Probes)
                {
                    SpectralQuadrature? q = null;
                    var (seconds, cpu) = Timed(() => q = StochasticLanczos.Estimate(hessian, n, steps, probes, request.Seed, t, cancellationToken: cancellationToken));
                    results.Add(new SlqComparison(name, n, steps, probes, exact, q!.Stats(), exactSeconds, exactCpu, seconds, cpu));
                }
        }
        return results;
    }

    /// <summary>The Hessians of <see cref="Slq"/>, made one at a time (the largest is 80 MB).</summary>
    private static IEnumerable<(string Name, int N, double[] Hessian)> SlqMatrices(Dataset data, SlqRequest request, CancellationToken cancellationToken)
    {
        int d = data.InputDim;
        var sxx = new double[d * d];
        var sxy = new double[d * d];
        ExactHessian.Moments(data.X, data.Y, data.Samples, d, sxx, sxy);
        foreach (var (net, depth) in new[] { (InitialConditionNet.Shortcut2, 10), (InitialConditionNet.Shortcut2, 32),
                                             (InitialConditionNet.Shortcut1, 16), (InitialConditionNet.Xavier, 16) })
        {
            var (shortcut, unitDepth, init) = net.Shape();
            var network = new NShortcutNetwork(d, depth / unitDepth, unitDepth, shortcut);
            var theta = new double[network.ParameterCount];
            // Run 0 of initial-condition's draws: the same θ as its first initialization at this (net, depth).
            NetworkInitializer.Fill(network, init, request.Seed, 0, theta);
            var h = new double[(long)theta.Length * theta.Length];
            ExactHessian.Linear(network, theta, sxx, sxy, h, cancellationToken);
            yield return ($"initial-condition {net.Name()} D={depth}", theta.Length, h);
        }

        var config = new TrainingSpectrumConfig();
        foreach (var mid in new[] { Activation.Identity, Activation.Relu })
        {
            var net = new TrainingNet(InitialConditionNet.Shortcut2, mid);
            var network = net.Build(config.Depth, d);
            var theta = new double[network.ParameterCount];
            NetworkInitializer.Fill(network, net.Init, request.Seed, 0, theta);
            // One thread, as training-spectrum trains a cell, so θ after E epochs is that experiment's θ_E bit for bit.
            var end = new FullBatchDescent(Objectives.For(network, data, threads: 1))
                .Train(theta, config.EtaOf(InitialConditionNet.Shortcut2), request.TrainEpochs, cancellationToken: cancellationToken);
            var h = new double[(long)theta.Length * theta.Length];
            ExactHessian.Compute(network, theta, data.X, data.Y, data.Samples, h, cancellationToken: cancellationToken);
            string midName = mid == Activation.Identity ? "linear" : "relu-mid";
            yield return ($"training-spectrum shortcut2 {midName} D={network.Depth} epoch {end.Epochs}{(end.Diverged ? " (diverged)" : "")}", theta.Length, h);
        }

        const int randomN = 2000;
        yield return ($"random N(0,1) symmetric", randomN, RandomSymmetric(randomN, request.Seed));
    }

    private static (double Wall, double Cpu) Timed(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        action();
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu0).TotalSeconds);
    }

    /// <summary>The bench JSON rows of <see cref="Slq"/>: per comparison the two times, then each estimator exact, estimated and its error.</summary>
    public static IReadOnlyList<BenchResult> SlqResults(IReadOnlyList<SlqComparison> comparisons, int threads)
    {
        int t = ResolveThreads(threads);
        var rows = new List<BenchResult>();
        var timed = new HashSet<string>();
        foreach (var c in comparisons)
        {
            string size = $"{c.Matrix},N={c.N}";
            string setting = $"slq m={c.Steps} probes={c.Probes}";
            if (timed.Add(size))
                rows.Add(new BenchResult(SlqKernel, $"exact/double/{t}t", size, c.ExactSeconds, 1 / c.ExactSeconds, "spectra/s"));
            rows.Add(new BenchResult(SlqKernel, $"{setting}/double/{t}t", size, c.SlqSeconds, 1 / c.SlqSeconds, "spectra/s"));
            foreach (var (stat, exact, estimate, error) in new[]
            {
                ("abs-max", c.Exact.AbsMax, c.Estimate.AbsMax, c.AbsMaxError),
                ("abs-p10", c.Exact.AbsP10, c.Estimate.AbsP10, c.AbsP10Error),
                ("kappa", c.Exact.Kappa, c.Estimate.Kappa, c.KappaError),
                ("index", c.Exact.Index, c.Estimate.Index, c.IndexError),
            })
            {
                rows.Add(new BenchResult($"{SlqKernel}-{stat}", "exact", size, c.ExactSeconds, exact, "value"));
                rows.Add(new BenchResult($"{SlqKernel}-{stat}", setting, size, c.SlqSeconds, estimate, "value"));
                rows.Add(new BenchResult($"{SlqKernel}-{stat}", setting, size, c.SlqSeconds, error, stat == "index" ? "absolute error" : "relative error"));
            }
        }
        return rows;
    }

    /// <summary>The plain-text table of <see cref="Slq"/>: one row per (matrix, setting), exact → estimate (error) per estimator.</summary>
    public static IReadOnlyList<string> SlqTable(IReadOnlyList<SlqComparison> comparisons)
    {
        static string G(double x) => double.IsPositiveInfinity(x) ? "∞" : x.ToString("G3", CultureInfo.InvariantCulture);
        static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);
        static string P(double x) => double.IsFinite(x) ? (100 * x).ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture) + "%" : "–";
        var rows = new List<string[]> { new[] { "matrix", "N", "m", "probes", "|λ|max exact → SLQ", "|λ|(0.1) exact → SLQ", "κ exact → SLQ", "index exact → SLQ", "exact s (cpu)", "SLQ s (cpu)" } };
        foreach (var c in comparisons)
        {
            rows.Add([c.Matrix, c.N.ToString(CultureInfo.InvariantCulture), c.Steps.ToString(CultureInfo.InvariantCulture), c.Probes.ToString(CultureInfo.InvariantCulture),
                $"{G(c.Exact.AbsMax)} → {G(c.Estimate.AbsMax)} ({P(c.AbsMaxError)})",
                $"{G(c.Exact.AbsP10)} → {G(c.Estimate.AbsP10)} ({P(c.AbsP10Error)})",
                $"{G(c.Exact.Kappa)} → {G(c.Estimate.Kappa)} ({P(c.KappaError)})",
                $"{F(c.Exact.Index, "0.000")} → {F(c.Estimate.Index, "0.000")} ({(c.IndexError >= 0 ? "+" : "−")}{F(Math.Abs(c.IndexError), "0.000")})",
                $"{F(c.ExactSeconds, "0.000")} ({F(c.ExactCpuSeconds, "0.00")})", $"{F(c.SlqSeconds, "0.000")} ({F(c.SlqCpuSeconds, "0.00")})"]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(col => rows.Max(row => row[col].Length)).ToArray();
        return rows.Select(row => string.Join("  ", row.Select((cell, col) => col is 1 or 2 or 3 ? cell.PadLeft(widths[col]) : cell.PadRight(widths[col]))).TrimEnd()).ToList();
    }
}
