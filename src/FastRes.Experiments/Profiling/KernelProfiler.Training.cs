using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Profiling;

/// <summary>`fastres bench train`: one full-batch epoch of Li et al.'s Section 5 training, and the per-epoch spectrum.</summary>
public static partial class KernelProfiler
{
    public const string TrainKernel = "train";
    public const string TrainUnit = "epochs/s";
    public const string TrainSpectrumKernel = "train-spectrum";
    public const string TrainSpectrumUnit = "per s";

    /// <summary>The mid activations an epoch is measured with, by the names the torch peer uses.</summary>
    public static readonly (string Name, Activation Mid)[] TrainVariants =
        [("linear", Activation.Identity), ("relu-mid", Activation.Relu), ("tanh-mid", Activation.Tanh)];

    /// <summary>
    /// Flops of one per-sample epoch (forward + backward, every sample): per layer and sample the forward product
    /// W·u (2d²), the back-propagated δ (Wᵀδ, 2d²) and the gradient's outer product δuᵀ (2d²) — 6·d²·D·m. Activations,
    /// shortcut adds and the loss are O(d·D·m) and not counted, so the fraction of peak is a conservative figure.
    /// </summary>
    public static double TrainFlopsPerEpoch(int depth, int width, int samples) => 6.0 * width * width * depth * samples;

    /// <summary>
    /// One epoch (loss and gradient over all m samples, then the step θ −= η∇L) of the experiments' depth-D 2-shortcut
    /// network, d = 10, on synthetic whitened data, at the paper's small init: the per-sample path (SIMD over samples) for
    /// linear, ReLU-mid and tanh-mid on <paramref name="threads"/> threads and on 1, and the Σ path for the linear net.
    /// Best of 7 batches of epochs (each ≥ ~0.2 s), after a warm-up of ≥ 0.3 s.
    /// </summary>
    public static IReadOnlyList<BenchResult> Training(int threads, int samples = 10_000, int depth = 16)
    {
        int t = ResolveThreads(threads);
        const int d = 10;
        var data = SyntheticData.Create(samples, d, d, seed: 1);
        string width = SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto));
        var results = new List<BenchResult>();
        foreach (var (name, mid) in TrainVariants)
        {
            var network = new TrainingNet(InitialConditionNet.Shortcut2, mid).Build(depth, d);
            foreach (int threadCount in t == 1 ? [1] : new[] { t, 1 })
            {
                double s = SecondsPerEpoch(new SampleObjective(network, data, threadCount));
                results.Add(new BenchResult(TrainKernel, $"{width}/double/{threadCount}t", TrainSize(name, "sample", network.Depth, d, samples), s, 1 / s, TrainUnit));
            }
            if (network.IsLinear)
            {
                double s = SecondsPerEpoch(new MomentObjective(network, data));
                results.Add(new BenchResult(TrainKernel, $"{width}/double/1t", TrainSize(name, "moment", network.Depth, d, samples), s, 1 / s, TrainUnit));
            }
        }
        return results;
    }

    /// <summary>
    /// What a spectrum epoch of training-spectrum costs at depth D (N = D·d² parameters): the exact Hessian (Σ path for the
    /// linear net, per-sample for ReLU-mid) and its full spectrum, each timed alone — so the table says which dominates.
    /// </summary>
    public static IReadOnlyList<BenchResult> TrainingSpectrum(int threads, int samples = 10_000, int depth = 16)
    {
        int t = ResolveThreads(threads);
        const int d = 10;
        var data = SyntheticData.Create(samples, d, d, seed: 1);
        var results = new List<BenchResult>();
        double[]? hessian = null;
        int n = 0;
        foreach (var (name, mid) in TrainVariants[..2])
        {
            var net = new TrainingNet(InitialConditionNet.Shortcut2, mid);
            var network = net.Build(depth, d);
            var theta = new double[network.ParameterCount];
            NetworkInitializer.Fill(network, net.Init, 1, 0, theta);
            n = network.ParameterCount;
            hessian = new double[(long)n * n];
            var h = hessian;
            ExactHessian.Compute(network, theta, data.X.AsSpan(0, 16 * d), data.Y.AsSpan(0, 16 * d), 16, h, t);
            double s = Best(network.IsLinear ? 5 : 2, () => ExactHessian.Compute(network, theta, data.X, data.Y, samples, h, t));
            results.Add(new BenchResult(TrainSpectrumKernel, $"hessian {name}/double/{t}t", $"N={n},m={samples}", s, 1 / s, TrainSpectrumUnit));
        }
        var eig = new double[n];
        var a = hessian!;
        SymmetricEigen.Eigenvalues(a, n, eig, t);
        double e = Best(2, () => SymmetricEigen.Eigenvalues(a, n, eig, t));
        results.Add(new BenchResult(TrainSpectrumKernel, $"eigenvalues/double/{t}t", $"N={n}", e, 1 / e, TrainSpectrumUnit));
        return results;
    }

    public static string TrainSize(string net, string path, int depth, int width, int samples)
        => $"{net},{path},D={depth},d={width},m={samples}";

    /// <summary>Flops of a per-sample train row from its size string; null for the Σ path (its work does not scale with m).</summary>
    internal static double? TrainFlops(string size)
    {
        var parts = size.Split(',');
        if (parts.Length != 5 || parts[1] != "sample") return null;
        int Value(string part, string key)
            => part.StartsWith(key, StringComparison.Ordinal) && int.TryParse(part[key.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;
        int depth = Value(parts[2], "D="), width = Value(parts[3], "d="), samples = Value(parts[4], "m=");
        return depth > 0 && width > 0 && samples > 0 ? TrainFlopsPerEpoch(depth, width, samples) : null;
    }

    private static double SecondsPerEpoch(ITrainingObjective objective)
    {
        var theta = new double[objective.Network.ParameterCount];
        NetworkInitializer.Fill(objective.Network, NetworkInit.Small, 1, 0, theta);
        var gradient = new double[theta.Length];
        void Epoch()
        {
            objective.LossAndGradient(theta, gradient);
            for (int i = 0; i < theta.Length; i++) theta[i] -= 1e-3 * gradient[i];
        }
        // Warm-up for ≥ 0.3 s, not a fixed count: tiered compilation promotes the kernels only after many calls, and
        // the first variant measured would otherwise run partly unoptimized code.
        var warm = Stopwatch.StartNew();
        int warmEpochs = 0;
        while (warmEpochs < 3 || warm.Elapsed.TotalSeconds < 0.3) { Epoch(); warmEpochs++; }
        int batch = Math.Max(1, (int)Math.Ceiling(0.2 * warmEpochs / warm.Elapsed.TotalSeconds));
        double best = double.PositiveInfinity;
        for (int rep = 0; rep < 7; rep++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < batch; i++) Epoch();
            best = Math.Min(best, watch.Elapsed.TotalSeconds / batch);
        }
        return best;
    }
}
