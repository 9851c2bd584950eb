using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>`fastres bench sampled`: GD on finite samples of the shortcut CNN (issue 13 §1), sample-trial-iterations/s.</summary>
public static partial class KernelProfiler
{
    public const string SampledKernel = "sampled";
    public const string SampledUnit = "sample-trial-iterations/s";

    /// <summary>Wall seconds each sampled figure is sized to when the iterations are not given; the best of
    /// <see cref="SampledRepeats"/> such runs counts (on a shared machine the least disturbed run is the stable figure).</summary>
    public const double SampledSeconds = 0.25;

    public const int SampledRepeats = 3;

    /// <summary>
    /// Flops of one sample-trial-iteration (one sample of one trial in one GD step): the forward products Z_j·v and
    /// Z_j·v* and the backward sum Σ_j c_j Z_j of ∇_u are kp FMAs each, 3kp FMAs = 6kp flops. The ReLUs, the residual,
    /// ∇_a's k products and the per-step update are O(k) or O(p) and not counted, nor are the k·p normals a sample
    /// draws (they are the larger cost, but not flops of the model), so the fraction of peak is a conservative figure.
    /// </summary>
    public static double SampledFlopsPerSampleTrial(int p, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return 6.0 * k * p;
    }

    /// <summary>A sampled row's size: "p=8,k=16,n=1024,trials=64".</summary>
    public static string SampledSize(int p, int k, int samples, int trials)
        => $"p={p},k={k},n={samples},trials={trials}";

    /// <summary>The inverse of <see cref="SampledSize"/>; false for any other text.</summary>
    public static bool TryParseSampledSize(string size, out int p, out int k, out int samples, out int trials)
    {
        p = k = samples = trials = 0;
        var parts = size.Split(',');
        return parts.Length == 4
            && Field(parts[0], "p=", out p) && Field(parts[1], "k=", out k)
            && Field(parts[2], "n=", out samples) && Field(parts[3], "trials=", out trials);

        static bool Field(string part, string key, out int value)
        {
            value = 0;
            return part.StartsWith(key, StringComparison.Ordinal)
                && int.TryParse(part.AsSpan(key.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
        }
    }

    /// <summary>The SIMD paths the sampled profile covers: scalar, then every vector width this machine accelerates.</summary>
    public static IReadOnlyList<SimdWidth> SampledWidths()
    {
        var widths = new List<SimdWidth> { SimdWidth.Scalar };
        if (Vector128.IsHardwareAccelerated) widths.Add(SimdWidth.V128);
        if (Vector256.IsHardwareAccelerated) widths.Add(SimdWidth.V256);
        if (Vector512.IsHardwareAccelerated) widths.Add(SimdWidth.V512);
        return widths;
    }

    /// <summary>
    /// The fraction of the double FMA peak a sampled row reaches: rate × <see cref="SampledFlopsPerSampleTrial"/> over
    /// the best measured double peak on the row's thread count (the widest width's, as `bench mc` quotes it: what the
    /// machine could do, not what the path could). Torch rows count the same flops. Null without a matching peak.
    /// </summary>
    public static double? SampledFractionOfPeak(BenchResult result, IReadOnlyList<BenchResult> peaks)
    {
        if (result.Kernel != SampledKernel || !TryParseSampledSize(result.Size, out int p, out int k, out _, out _)) return null;
        int slash = result.Variant.LastIndexOf('/');
        if (!int.TryParse(result.Variant.AsSpan(slash + 1).TrimEnd('t'), NumberStyles.None, CultureInfo.InvariantCulture, out int threads)) return null;
        double? peak = peaks.Where(r => r.Kernel == PeakKernel && BenchVariant.TryParse(r.Variant, out var v)
                                     && v.Precision == Precision.Double && v.Threads == threads)
            .Select(r => (double?)r.Rate * 1e9).Max();
        return peak is > 0 ? result.Rate * SampledFlopsPerSampleTrial(p, k) / peak.Value : null;
    }

    /// <summary>
    /// The sampled engine (method resnet, fresh samples every step, double) per SIMD path and sample count n on
    /// <paramref name="threads"/> threads (0 = all cores): every worker runs <see cref="ShortcutCnnSampledEngines.Run"/>
    /// on its own feed of trials claimed from one shared counter, timed by wall clock from a common start to the
    /// last finish (each worker reads the clock itself). Rate = sample-trial-iterations / seconds, the best of <see cref="SampledRepeats"/> runs after an
    /// untimed one (JIT). RetireLoss = 0, so no trial retires and the work is exactly trials × iterations × n.
    /// </summary>
    public static IReadOnlyList<BenchResult> Sampled(SampledRequest request, int threads)
        => Sampled(request, threads, ShortcutCnnSampledEngines.Run);

    /// <summary>The seam for tests: <paramref name="engine"/> stands in for <see cref="ShortcutCnnSampledEngines.Run"/>.</summary>
    internal static IReadOnlyList<BenchResult> Sampled(SampledRequest request, int threads,
        Func<SimdWidth, ShortcutCnnSampledSettings, IShortcutCnnSampledFeed, long> engine)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Trials, 1);
        int t = ResolveThreads(threads);
        var results = new List<BenchResult>();
        foreach (int n in request.Samples)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            foreach (var width in SampledWidths())
            {
                var setup = new SampledSetup(request, n, width, t, engine);
                setup.Measure(1); // untimed: JIT of this instantiation
                int iterations = request.Iterations ?? setup.SizeIterations(SampledSeconds);
                double best = double.PositiveInfinity;
                for (int r = 0; r < SampledRepeats; r++) best = Math.Min(best, setup.Measure(iterations));
                double work = (double)request.Trials * iterations * n;
                results.Add(new BenchResult(SampledKernel, new BenchVariant(width, Precision.Double, t).ToString(),
                    SampledSize(request.P, request.K, n, request.Trials), best, work / best, SampledUnit));
            }
        }
        return results;
    }

    /// <summary>One (n, width, threads) cell of the sampled profile: the engine's settings and how to time a run of it.</summary>
    private sealed class SampledSetup(SampledRequest request, int samples, SimdWidth width, int threads,
        Func<SimdWidth, ShortcutCnnSampledSettings, IShortcutCnnSampledFeed, long> engine)
    {
        private readonly ShortcutCnnConfig _config = new() { P = request.P, K = [request.K], Methods = [ShortcutCnnMethod.Resnet], Seed = request.Seed };
        private readonly SphericalCap _cap = new(request.P, new ShortcutCnnConfig().CapDeg * Math.PI / 180);

        /// <summary>Iterations that make one run last about <paramref name="seconds"/>: grown ×4 from 1 until a run
        /// takes a tenth of that, then scaled.</summary>
        public int SizeIterations(double seconds)
        {
            int iterations = 1;
            while (true)
            {
                double s = Measure(iterations);
                if (s >= seconds / 10 || iterations >= 1 << 24)
                    return (int)Math.Clamp(Math.Round(iterations * seconds / Math.Max(s, 1e-9)), 1, 1 << 24);
                iterations *= 4;
            }
        }

        /// <summary>Wall seconds of one run of every trial for <paramref name="iterations"/> steps.</summary>
        public double Measure(int iterations)
        {
            var steps = _config.ResolveSteps(request.K);
            // RetireLoss = 0: no loss is below it, so no trial retires and every run does exactly the requested work.
            var gd = new ShortcutCnnGdSettings(request.P, request.K, steps.Eta, iterations, _config.Tol, RetireLoss: 0);
            var settings = new ShortcutCnnSampledSettings(gd, samples, ShortcutCnnSampleMode.Fresh, request.Seed);
            var counter = new SampledTrialCounter(request.Trials);
            var done = new long[threads];
            var failures = new Exception?[threads];
            var begun = new long[threads];
            var ended = new long[threads];
            var workers = new Thread[threads];
            using var start = new Barrier(threads);
            for (int i = 0; i < threads; i++)
            {
                int id = i;
                // Feeds are set up before the barrier (the trial setup is part of a run; their allocation is not).
                var feed = new SampledBenchFeed(request.P, request.K, request.Seed, steps.Eta, _cap, counter);
                workers[i] = new Thread(() =>
                {
                    start.SignalAndWait();
                    // Each worker's own clock readings: a watch started by the host after the barrier misses a worker
                    // that began before the host thread was scheduled again, which on a busy machine is most of a short run.
                    begun[id] = Stopwatch.GetTimestamp();
                    try { done[id] = engine(width, settings, feed); }
                    catch (Exception e) { failures[id] = e; }
                    ended[id] = Stopwatch.GetTimestamp();
                }) { IsBackground = true, Name = $"sampled-bench-{id}" };
                workers[i].Start();
            }
            foreach (var w in workers) w.Join();
            double elapsed = (ended.Max() - begun.Min()) / (double)Stopwatch.Frequency;
            if (failures.FirstOrDefault(e => e is not null) is { } failure) throw new InvalidOperationException($"sampled engine failed: {failure.Message}", failure);
            long expected = (long)request.Trials * iterations;
            if (done.Sum() != expected)
                throw new InvalidOperationException($"sampled engine did {done.Sum()} trial-iterations, not trials × iterations = {expected}: a trial retired or was lost");
            return Math.Max(elapsed, 1e-9);
        }
    }

    /// <summary>The next trial index of a run, shared by its workers.</summary>
    internal sealed class SampledTrialCounter(long trials)
    {
        private long _next = -1;

        public bool TryClaim(out long trial)
        {
            trial = Interlocked.Increment(ref _next);
            return trial < trials;
        }
    }

    /// <summary>
    /// The benchmark's trials: teachers and a_0 from <see cref="ShortcutCnnTrialSetup.Sample"/> (as shortcut-cnn's
    /// trial i), method resnet from w_0 = 0 (u_0 = e = 𝟏/√p) with no warm-up (η_w = η_a = η from the first step). The
    /// tag is the trial index, which also keys its samples.
    /// </summary>
    internal sealed class SampledBenchFeed : IShortcutCnnSampledFeed
    {
        private readonly ulong _seed;
        private readonly double _eta;
        private readonly SphericalCap _cap;
        private readonly SampledTrialCounter _counter;
        private readonly double[] _e, _vStar, _aStar, _a0, _w0;

        public SampledBenchFeed(int p, int k, ulong seed, double eta, SphericalCap cap, SampledTrialCounter counter)
        {
            _seed = seed;
            _eta = eta;
            _cap = cap;
            _counter = counter;
            _e = new double[p];
            Array.Fill(_e, 1 / Math.Sqrt(p));
            _vStar = new double[p]; _w0 = new double[p];
            _aStar = new double[k]; _a0 = new double[k];
        }

        /// <summary>Trials completed, by outcome (<see cref="TrialOutcome"/> order).</summary>
        public long[] Outcomes { get; } = new long[4];

        public bool TryNext(out long tag, Span<double> u0, Span<double> vStar, Span<double> aStar, Span<double> a0,
                            out double etaW1, out double etaA1, out int warmupIterations)
        {
            // No Stage I: η_w = η_a = η from the first step (resnet without warm-up, SPEC §1.2).
            etaW1 = etaA1 = _eta;
            warmupIterations = 0;
            if (!_counter.TryClaim(out tag)) return false;
            ShortcutCnnTrialSetup.Sample(_seed, tag, _cap, _vStar, _aStar, _a0, _w0);
            _e.CopyTo(u0);
            _vStar.CopyTo(vStar);
            _aStar.CopyTo(aStar);
            _a0.CopyTo(a0);
            return true;
        }

        public void Complete(long tag, TrialOutcome outcome, int iterations) => Outcomes[(int)outcome]++;

        public ulong SampleTrial(long tag) => (ulong)tag;
    }
}
