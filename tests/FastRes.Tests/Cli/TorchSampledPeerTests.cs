using System.Text.Json;
using FastRes.Cli.Commands;
using FastRes.Experiments.Profiling;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Cli;

/// <summary>
/// The PyTorch peer of `bench sampled` computes what FastRes's engine computes: its sample gradients (autograd and
/// hand-written) converge to FastRes's own population closed forms (<see cref="ShortcutCnnClosedForm"/>, SPEC §1.1) at
/// the peer's fixed states, within a few standard errors. Skipped, with the reason, where torch is not installed.
/// </summary>
public class TorchSampledPeerTests
{
    private const double ZMax = 5;

    [Test]
    public void The_peer_sample_gradients_converge_to_the_closed_forms_within_a_few_standard_errors()
    {
        if (!TorchSampledPeer.IsAvailable(out string reason)) Assert.Ignore(reason);
        using var doc = TorchSampledPeer.Check(p: 8, k: 4, trials: 4, samples: 1 << 18);
        var root = doc.RootElement;
        var closed = ClosedForms(root);
        Assert.That(closed, Has.Length.EqualTo(4));
        foreach (string variant in TorchSampledPeer.Variants)
        {
            var result = root.GetProperty(variant);
            double[][] gu = Rows(result.GetProperty("grad_u"), "mean"), guSe = Rows(result.GetProperty("grad_u"), "se");
            double[][] ga = Rows(result.GetProperty("grad_a"), "mean"), gaSe = Rows(result.GetProperty("grad_a"), "se");
            double[] loss = Row(result.GetProperty("loss"), "mean"), lossSe = Row(result.GetProperty("loss"), "se");
            for (int i = 0; i < closed.Length; i++)
            {
                var (lossI, gradU, gradA) = closed[i];
                string where = $"{variant}, trial {i}";
                AssertWithin(loss[i], lossSe[i], lossI, $"{where}: loss");
                for (int j = 0; j < gradA.Length; j++) AssertWithin(ga[i][j], gaSe[i][j], gradA[j], $"{where}: ∇_a[{j}]");
                for (int j = 0; j < gradU.Length; j++) AssertWithin(gu[i][j], guSe[i][j], gradU[j], $"{where}: ∇_u[{j}]");
                // The check must be able to fail: the standard error of ∇_u is a small part of its norm (a missing
                // projection or factor of 2 would be many standard errors off).
                Assert.That(Norm(guSe[i]) / Norm(gradU), Is.LessThan(0.15), $"{where}: ∇_u resolved");
                Assert.That(Norm(gaSe[i]) / Norm(gradA), Is.LessThan(0.05), $"{where}: ∇_a resolved");
            }
        }
        // The peer's own verdict agrees, and its two ways of writing the gradient agree to rounding on the same samples.
        Assert.That(root.GetProperty("variants_relative_difference").GetDouble(), Is.LessThan(1e-10));
        Assert.That(root.GetProperty("ok").GetBoolean(), Is.True, $"peer's largest |z| = {root.GetProperty("max_abs_z").GetDouble()}");
    }

    [Test]
    public void The_peer_closed_form_is_FastRes_closed_form()
    {
        if (!TorchSampledPeer.IsAvailable(out string reason)) Assert.Ignore(reason);
        // Few samples: only the closed forms the peer prints are compared, to rounding.
        using var doc = TorchSampledPeer.Check(p: 5, k: 3, trials: 3, samples: 1 << 10);
        var root = doc.RootElement;
        var peer = root.GetProperty("closed_form");
        double[][] gu = Rows(peer, "grad_u"), ga = Rows(peer, "grad_a");
        double[] loss = Row(peer, "loss");
        var closed = ClosedForms(root);
        Assert.That(closed, Has.Length.EqualTo(3));
        for (int i = 0; i < closed.Length; i++)
        {
            var (lossI, gradU, gradA) = closed[i];
            Assert.That(loss[i], Is.EqualTo(lossI).Within(1e-12).Percent);
            Assert.That(ga[i], Is.EqualTo(gradA).Within(1e-12));
            Assert.That(gu[i], Is.EqualTo(gradU).Within(1e-12));
        }
    }

    [Test]
    public void The_peer_times_both_variants_per_n_and_thread_count_as_sampled_rows()
    {
        if (!TorchSampledPeer.IsAvailable(out string reason)) Assert.Ignore(reason);
        var rows = TorchSampledPeer.Run(new SampledRequest(4, 2, [8, 16], 3), threads: 2);
        var steps = rows.Where(r => r.Kernel == KernelProfiler.SampledKernel).ToList();
        Assert.That(steps.Select(r => (r.Size, Variant: r.Variant[(r.Variant.LastIndexOf('-') + 1)..])), Is.EquivalentTo(
            from t in new[] { 2, 1 } from n in new[] { 8, 16 } from v in TorchSampledPeer.Variants
            select (KernelProfiler.SampledSize(4, 2, n, 3), $"{v}/double/{t}t")));
        foreach (var r in steps) Assert.That(r.Rate * r.Seconds, Is.EqualTo(3.0 * SampleCount(r.Size)).Within(1e-9).Percent, "rate = B·n per step");
        var normals = rows.Where(r => r.Kernel == TorchSampledPeer.NormalsKernel).ToList();
        Assert.That(normals.Select(r => (r.Variant, r.Size)), Is.EquivalentTo(steps.Select(r => (r.Variant, r.Size))));
        Assert.That(normals.Select(r => r.Rate), Is.All.GreaterThan(0));
    }

    /// <summary>FastRes's population loss and gradients (SPEC §1.1) at each of the peer's states.</summary>
    private static (double Loss, double[] GradU, double[] GradA)[] ClosedForms(JsonElement root)
    {
        var state = root.GetProperty("state");
        double[][] u = Rows(state, "u"), a = Rows(state, "a"), vStar = Rows(state, "v_star"), aStar = Rows(state, "a_star");
        return Enumerable.Range(0, u.Length).Select(i =>
        {
            double phi = ShortcutCnnClosedForm.Angle(u[i], vStar[i]);
            var gradA = new double[a[i].Length];
            ShortcutCnnClosedForm.GradA(a[i], aStar[i], phi, gradA);
            var gradU = new double[u[i].Length];
            ShortcutCnnClosedForm.GradW(u[i], vStar[i], Dot(a[i], aStar[i]), gradU);
            return (ShortcutCnnClosedForm.Loss(a[i], aStar[i], phi), gradU, gradA);
        }).ToArray();
    }

    private static void AssertWithin(double mean, double se, double expected, string what)
    {
        Assert.That(se, Is.GreaterThan(0), $"{what}: standard error");
        Assert.That(Math.Abs(mean - expected) / se, Is.LessThanOrEqualTo(ZMax), $"{what}: {mean} vs closed form {expected} (SE {se})");
    }

    private static int SampleCount(string size) => KernelProfiler.TryParseSampledSize(size, out _, out _, out int n, out _) ? n : -1;

    private static double[] Row(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static double[][] Rows(JsonElement e, string name)
        => e.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

    private static double Dot(double[] x, double[] y) => x.Zip(y, (a, b) => a * b).Sum();

    private static double Norm(double[] x) => Math.Sqrt(Dot(x, x));
}
