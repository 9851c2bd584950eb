using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Networks;

public class ExactHessianTests
{
    private static IEnumerable<TestCaseData> AllKinds() =>
        NetworkTestData.Kinds(d: 3, units: 2).Select(net => new TestCaseData(net).SetArgDisplayNames(net.ToString()));

    private static double[] SmoothPoint(NShortcutNetwork net, double[] x, double[] y, int m, int seed)
    {
        for (int attempt = 0; ; attempt++)
        {
            double[] theta = NetworkTestData.RandomParameters(net, seed + 1000 * attempt, 1.0);
            if (NetworkTestData.ReferenceLoss(net, theta, x, y, m).MinReluArgument > 1e-3) return theta;
            Assert.That(attempt, Is.LessThan(50), "no kink-free point found");
        }
    }

    /// <summary>Column k of H by central differences of the exact gradient, h = 1e-5 (error O(h²) ≈ 1e-10).</summary>
    private static double[] FiniteDifferenceHessian(NShortcutNetwork net, double[] theta, double[] x, double[] y, int m)
    {
        int n = net.ParameterCount;
        var ws = new NetworkWorkspace(net, 1);
        var fd = new double[n * n];
        var gp = new double[n];
        var gm = new double[n];
        const double h = 1e-5;
        for (int k = 0; k < n; k++)
        {
            double keep = theta[k];
            theta[k] = keep + h; net.LossAndGradient(theta, x, y, m, gp, ws);
            theta[k] = keep - h; net.LossAndGradient(theta, x, y, m, gm, ws);
            theta[k] = keep;
            for (int i = 0; i < n; i++) fd[i * n + k] = (gp[i] - gm[i]) / (2 * h);
        }
        return fd;
    }

    private static double MaxAbs(double[] a) => a.Max(Math.Abs);

    private static double MaxDiff(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();

    [TestCaseSource(nameof(AllKinds))]
    public void Hessian_matches_central_differences_of_the_exact_gradient(NShortcutNetwork net)
    {
        const int m = 23;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 21);
        double[] theta = SmoothPoint(net, x, y, m, 4);
        int n = net.ParameterCount;
        var h = new double[n * n];
        ExactHessian.Compute(net, theta, x, y, m, h, threads: 1);
        double[] fd = FiniteDifferenceHessian(net, theta, x, y, m);
        double scale = MaxAbs(fd);
        Assert.That(scale, Is.GreaterThan(1e-2), "degenerate point");
        double rel = MaxDiff(h, fd) / scale;
        TestContext.Out.WriteLine($"{net}: max|H − H_fd| / max|H_fd| = {rel:E2}");
        Assert.That(rel, Is.LessThan(1e-6));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) Assert.That(h[i * n + j], Is.EqualTo(h[j * n + i]), "exactly symmetric");
    }

    private static IEnumerable<TestCaseData> LinearKinds() =>
        NetworkTestData.Kinds(d: 3, units: 2).Where(net => net.IsLinear).Select(net => new TestCaseData(net).SetArgDisplayNames(net.ToString()));

    /// <summary>Compute takes the Σ path for linear networks; the per-sample path must be right for them as well.</summary>
    [TestCaseSource(nameof(LinearKinds))]
    public void Per_sample_path_matches_central_differences_for_linear_networks_too(NShortcutNetwork net)
    {
        const int m = 23;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 22);
        double[] theta = NetworkTestData.RandomParameters(net, 6, 1.0);
        int n = net.ParameterCount;
        var h = new double[n * n];
        ExactHessian.PerSample(net, theta, x, y, m, h, threads: 2);
        double[] fd = FiniteDifferenceHessian(net, theta, x, y, m);
        Assert.That(MaxDiff(h, fd) / MaxAbs(fd), Is.LessThan(1e-6));
    }

    [TestCase(1, true)]
    [TestCase(2, true)]
    [TestCase(3, true)]
    [TestCase(1, false)]
    [TestCase(2, false)]
    public void Linear_hessian_from_moments_equals_the_per_sample_path_with_identity_activations(int shortcutDepth, bool shortcut)
    {
        var net = new NShortcutNetwork(4, 3, shortcutDepth, shortcut);
        const int m = 45;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 5 + shortcutDepth);
        double[] theta = NetworkTestData.RandomParameters(net, 12, 0.8);
        int n = net.ParameterCount;
        var fromMoments = new double[n * n];
        var perSample = new double[n * n];
        var sxx = new double[16];
        var sxy = new double[16];
        ExactHessian.Moments(x, y, m, net.Width, sxx, sxy);
        ExactHessian.Linear(net, theta, sxx, sxy, fromMoments);
        ExactHessian.PerSample(net, theta, x, y, m, perSample, threads: 2);
        Assert.That(MaxAbs(fromMoments), Is.GreaterThan(1e-2));
        Assert.That(MaxDiff(fromMoments, perSample) / MaxAbs(fromMoments), Is.LessThan(1e-12));
    }

    /// <summary>
    /// Widths 5, 7 and 10 reach every accumulation kernel: one vector per row segment, two vectors with five-row
    /// groups, and two vectors with a ragged last group (d = 7 at 4 lanes, d = 10 at 8 lanes has two full groups).
    /// </summary>
    [Test]
    public void Per_sample_hessian_is_the_same_at_every_width_and_thread_count([Values(5, 7, 10)] int d)
    {
        var net = new NShortcutNetwork(d, 2, d == 10 ? 1 : 2, pre: Activation.Tanh, mid: Activation.Tanh, post: Activation.Relu);
        const int m = 77; // two full blocks of 32 and a ragged one
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 31);
        double[] theta = NetworkTestData.RandomParameters(net, 2, 1.0);
        int n = net.ParameterCount;
        var reference = new double[n * n];
        ExactHessian.PerSample(net, theta, x, y, m, reference, threads: 1, SimdWidth.Scalar);
        double scale = MaxAbs(reference);
        foreach (SimdWidth w in new[] { SimdWidth.V128, SimdWidth.V256, SimdWidth.V512 })
            foreach (int threads in new[] { 1, 3 })
            {
                var h = new double[n * n];
                ExactHessian.PerSample(net, theta, x, y, m, h, threads, w);
                Assert.That(MaxDiff(h, reference) / scale, Is.LessThan(1e-13), $"{w} ×{threads}");
            }
    }

    /// <summary>
    /// The per-thread scratch (≈ 0.3 MB here, ≈ 2 MB at depth 16) comes from the array pool: a repeated call allocates
    /// next to nothing, and memory left dirty by a call on other data does not leak into the next result.
    /// </summary>
    [Test]
    public void Per_sample_hessian_reuses_its_scratch_without_carrying_anything_over()
    {
        var net = new NShortcutNetwork(10, 2, 2, mid: Activation.Tanh);
        const int m = 70;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 41);
        var (x2, y2) = NetworkTestData.Whitened(m, net.Width, 42);
        double[] theta = NetworkTestData.RandomParameters(net, 3, 1.0);
        int n = net.ParameterCount;
        double[] first = new double[n * n], other = new double[n * n], again = new double[n * n];

        ExactHessian.PerSample(net, theta, x, y, m, first, threads: 1);
        ExactHessian.PerSample(net, theta, x2, y2, m, other, threads: 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ExactHessian.PerSample(net, theta, x, y, m, again, threads: 1);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.LessThan(4096), "bytes allocated by a repeated call");
        Assert.That(other, Is.Not.EqualTo(first));
        Assert.That(again, Is.EqualTo(first));
    }

    /// <summary>
    /// Depth 16, d = 10, 4,000 samples: the paper's network on 40% of the benchmark's data, about a second of work.
    /// Cancelled 50 ms in, every thread leaves at its next (sample block, source layer) and the call throws the plain
    /// OperationCanceledException the host maps to exit 130 (from inside the parallel region it would arrive wrapped).
    /// </summary>
    [Test]
    public void A_token_cancelled_mid_run_stops_the_per_sample_path_on_every_thread()
    {
        var net = new NShortcutNetwork(10, 8, 2, pre: Activation.Tanh, mid: Activation.Tanh, post: Activation.Tanh);
        const int m = 4000;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 51);
        double[] theta = NetworkTestData.RandomParameters(net, 5, 1.0);
        int n = net.ParameterCount;
        var h = new double[n * n];
        // From a thread of its own, as the host's signal handlers do: a CancelAfter timer would wait for the thread
        // pool, which this call's Parallel.For keeps busy.
        using var cts = new CancellationTokenSource();
        new Thread(() => { Thread.Sleep(50); cts.Cancel(); }).Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var thrown = Assert.Throws<OperationCanceledException>(() => ExactHessian.Compute(net, theta, x, y, m, h, threads: 2, cts.Token));
        TestContext.Out.WriteLine($"threw {clock.Elapsed.TotalMilliseconds:F0} ms after the start (cancel at 50 ms)");
        Assert.That(thrown!.CancellationToken, Is.EqualTo(cts.Token));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "hang guard, not a speed test");
    }

    [Test]
    public void A_cancelled_token_stops_both_paths_and_a_live_one_changes_nothing()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var live = new CancellationTokenSource();
        foreach (var net in new[] { new NShortcutNetwork(4, 3, 2), new NShortcutNetwork(4, 3, 2, mid: Activation.Tanh) })
        {
            const int m = 40;
            var (x, y) = NetworkTestData.Whitened(m, net.Width, 52);
            double[] theta = NetworkTestData.RandomParameters(net, 6, 1.0);
            int n = net.ParameterCount;
            double[] plain = new double[n * n], polled = new double[n * n];
            Assert.Throws<OperationCanceledException>(() => ExactHessian.Compute(net, theta, x, y, m, plain, threads: 2, cancelled.Token), net.ToString());
            ExactHessian.Compute(net, theta, x, y, m, plain, threads: 2);
            ExactHessian.Compute(net, theta, x, y, m, polled, threads: 2, live.Token);
            Assert.That(polled, Is.EqualTo(plain), net.ToString());
        }
    }

    [Test]
    public void Moments_are_the_sample_averages()
    {
        double[] x = [1, 2, 3, 4];      // two samples, d = 2
        double[] y = [5, 6, 7, 8];
        var sxx = new double[4];
        var sxy = new double[4];
        ExactHessian.Moments(x, y, 2, 2, sxx, sxy);
        Assert.That(sxx, Is.EqualTo(new[] { (1 + 9) / 2.0, (2 + 12) / 2.0, (2 + 12) / 2.0, (4 + 16) / 2.0 }));
        Assert.That(sxy, Is.EqualTo(new[] { (5 + 21) / 2.0, (6 + 24) / 2.0, (10 + 28) / 2.0, (12 + 32) / 2.0 }));
    }

    [Test]
    public void Rejects_wrong_sizes_and_nonlinear_networks_on_the_moment_path()
    {
        var net = new NShortcutNetwork(2, 1, 2, mid: Activation.Tanh);
        var d4 = new double[4];
        Assert.Throws<ArgumentException>(() => ExactHessian.Linear(net, new double[8], d4, d4, new double[64]));
        var lin = new NShortcutNetwork(2, 1, 2);
        Assert.Throws<ArgumentException>(() => ExactHessian.Linear(lin, new double[8], d4, d4, new double[63]));
        Assert.Throws<ArgumentException>(() => ExactHessian.PerSample(lin, new double[8], d4, d4, 2, new double[63]));
    }
}
