using System.Diagnostics;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Experiments.Yun;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments;

/// <summary>
/// Every runner whose single trial, start or cell can outlast a second (an eigenproblem of thousands, an optimizer
/// of a million steps, a trajectory of unlimited length) polls the token inside it: each is started at a scale where
/// one unit of work takes many seconds, cancelled 100 ms in, and must throw the plain OperationCanceledException
/// that the host maps to exit 130 — not an AggregateException from a parallel loop, not a finished result.
/// </summary>
[NonParallelizable]
public class RunnerCancellationTests
{
    private static readonly Dataset Data = SyntheticData.Create(400, 10, 10, seed: 3);

    private static IEnumerable<TestCaseData> LongRuns()
    {
        TestCaseData Case(string name, Action<CancellationToken> run) => new TestCaseData(run).SetArgDisplayNames(name);
        // One linear Hessian of order 3,200 per run: its eigenvalues take seconds.
        yield return Case("initial-condition", ct => InitialCondition.Run(
            new InitialConditionConfig { Depths = [32], Nets = [InitialConditionNet.Shortcut1], Runs = 4, Width = 10, Threads = 1 }, Data, null, ct));
        // Per-sample (tanh) Hessian of order 1,600, then its spectrum.
        yield return Case("hessian-at-zero", ct => HessianAtZero.Run(
            new HessianAtZeroConfig { Shortcut = [2], Depths = [32], Activation = Activation.Tanh, Width = 10, Threads = 1 }, Data, null, ct));
        yield return Case("shamir-lemma1", ct => ShamirLemma1.Run(new ShamirLemma1Config { Points = 2, Checkpoints = [1_000_000] }, null, null, ct));
        yield return Case("shamir-local-minima", ct => ShamirLocalMinima.Run(new ShamirLocalMinimaConfig { Points = 2, GdSteps = 1_000_000 }, null, null, ct));
        yield return Case("shamir-sgd", ct => ShamirSgd.Run(new ShamirSgdConfig { Horizons = [100_000_000], Repeats = 1 }, null, ct));
        yield return Case("shamir-example1", ct => ShamirExample1.Run(new ShamirExample1Config { BoundarySamples = 10_000_000, Grid = 2 }, ct));
        yield return Case("yun-critical-points", ct => YunCriticalPoints.Run(new YunCriticalPointsConfig { Points = 2, GdSteps = 1_000_000 }, null, ct));
        yield return Case("yun-near-identity", ct => YunNearIdentity.Run(
            new YunNearIdentityConfig { Depths = [64], Points = 1, AdversarialPoints = 1, Samples = 5_000, Steps = 10_000_000 }, null, ct));
        yield return Case("yun-rademacher", ct => YunRademacher.Run(
            new YunRademacherConfig { Depths = [64], Signs = 2, Samples = 5_000, Steps = 1_000_000, ContrastRadius = 0 }, null, ct));
        yield return Case("shortcut-cnn-trajectory", ct => ShortcutCnnTrajectories.Run(
            new ShortcutCnnTrajectoryConfig { Shared = new() { K = [8], Iterations = ShortcutCnnConfig.MaxIterations, RetireLoss = 0 }, Traces = 1, FindTrapped = false },
            null, ct));
    }

    [TestCaseSource(nameof(LongRuns))]
    public void Cancelled_100_ms_in_it_stops_promptly_with_OperationCanceledException(Action<CancellationToken> run)
    {
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        TimeSpan cancelledAt = default;
        // From a thread of its own, as the host's SIGINT/SIGTERM handlers do (a CancelAfter timer would queue on the
        // thread pool, which the runners' parallel loops keep busy).
        var canceller = new Thread(() => { Thread.Sleep(100); cancelledAt = clock.Elapsed; cts.Cancel(); });
        canceller.Start();
        Exception? thrown = null;
        try { run(cts.Token); }
        catch (Exception e) { thrown = e; }
        var stopped = clock.Elapsed;
        canceller.Join();
        Assert.That(thrown, Is.InstanceOf<OperationCanceledException>(), $"finished or failed otherwise after {stopped.TotalSeconds:F1} s: {thrown}");
        TestContext.Out.WriteLine($"{TestContext.CurrentContext.Test.Name}: stopped {(stopped - cancelledAt).TotalMilliseconds:F0} ms after the cancel");
        Assert.That(stopped - cancelledAt, Is.LessThan(TimeSpan.FromSeconds(5)), "hang guard, not a speed test");
    }
}
