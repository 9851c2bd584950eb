using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Networks;

public class NShortcutNetworkTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static IEnumerable<TestCaseData> AllKinds() =>
        NetworkTestData.Kinds(d: 4, units: 2).Select(net => new TestCaseData(net).SetArgDisplayNames(net.ToString()));

    /// <summary>A point where no ReLU argument is within 1e-3 of its kink (so finite differences see a smooth loss).</summary>
    private static double[] SmoothPoint(NShortcutNetwork net, double[] x, double[] y, int m, int seed)
    {
        for (int attempt = 0; ; attempt++)
        {
            double[] theta = NetworkTestData.RandomParameters(net, seed + 1000 * attempt, 1.0);
            if (NetworkTestData.ReferenceLoss(net, theta, x, y, m).MinReluArgument > 1e-3) return theta;
            Assert.That(attempt, Is.LessThan(50), "no kink-free point found");
        }
    }

    [TestCaseSource(nameof(AllKinds))]
    public void Loss_equals_the_reference_forward_pass_at_every_width(NShortcutNetwork net)
    {
        const int m = 37; // not a multiple of any lane count: exercises the masked tail
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 11);
        double[] theta = NetworkTestData.RandomParameters(net, 5, 1.0);
        double expected = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
        var ws = new NetworkWorkspace(net, 1);
        foreach (SimdWidth w in Widths)
            Assert.That(net.Loss(theta, x, y, m, ws, w), Is.EqualTo(expected).Within(1e-13).Percent.Or.EqualTo(expected).Within(1e-14), $"{w}");
    }

    [TestCaseSource(nameof(AllKinds))]
    public void Gradient_matches_central_differences_of_the_loss(NShortcutNetwork net)
    {
        const int m = 29;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 3);
        double[] theta = SmoothPoint(net, x, y, m, 17);
        var ws = new NetworkWorkspace(net, 1);
        var g = new double[net.ParameterCount];
        double loss = net.LossAndGradient(theta, x, y, m, g, ws);
        Assert.That(loss, Is.EqualTo(net.Loss(theta, x, y, m, ws)).Within(1e-14));

        const double h = 1e-5;
        double maxErr = 0, maxG = 0;
        for (int k = 0; k < theta.Length; k++)
        {
            double keep = theta[k];
            theta[k] = keep + h; double plus = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
            theta[k] = keep - h; double minus = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
            theta[k] = keep;
            maxErr = Math.Max(maxErr, Math.Abs((plus - minus) / (2 * h) - g[k]));
            maxG = Math.Max(maxG, Math.Abs(g[k]));
        }
        Assert.That(maxG, Is.GreaterThan(1e-3), "degenerate point");
        Assert.That(maxErr / maxG, Is.LessThan(1e-8));
    }

    /// <summary>He et al.'s pre-activation units (the pre-ResNet of Li et al. Fig. 9): h ↦ h + W_n σ(⋯ W_1 σ(h)), ReLU before every layer, n = 1…4.</summary>
    private static IEnumerable<TestCaseData> PreActivationUnits() =>
        Enumerable.Range(1, 4).Select(n => new NShortcutNetwork(6, 2, n, pre: Activation.Relu, mid: Activation.Relu))
                  .Select(net => new TestCaseData(net).SetArgDisplayNames(net.ToString()));

    [TestCaseSource(nameof(PreActivationUnits))]
    public void Pre_activation_units_gradient_matches_central_differences(NShortcutNetwork net) => Gradient_matches_central_differences_of_the_loss(net);

    [TestCaseSource(nameof(PreActivationUnits))]
    [TestCaseSource(nameof(AllKinds))]
    public void Outputs_give_the_loss_at_every_width(NShortcutNetwork net)
    {
        const int m = 37; // not a multiple of any lane count: the masked tail must not write past sample m − 1
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 21);
        double[] theta = NetworkTestData.RandomParameters(net, 6, 1.0);
        double expected = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
        var ws = new NetworkWorkspace(net, 1);
        foreach (SimdWidth w in Widths)
        {
            var outputs = new double[m * net.Width + 1];
            outputs[^1] = 42;
            net.Outputs(theta, x, m, outputs, ws, w);
            double loss = 0;
            for (int i = 0; i < m * net.Width; i++) loss += (outputs[i] - y[i]) * (outputs[i] - y[i]);
            Assert.That(loss / (2.0 * m), Is.EqualTo(expected).Within(1e-12).Percent, $"{w}");
            Assert.That(outputs[^1], Is.EqualTo(42), "nothing written past m×d");
        }
    }

    [Test]
    public void Gradient_is_the_same_at_every_width_and_thread_count()
    {
        var net = new NShortcutNetwork(5, 3, 2, pre: Activation.Tanh, mid: Activation.Relu, post: Activation.Tanh);
        const int m = 301;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 8);
        double[] theta = NetworkTestData.RandomParameters(net, 9, 1.0);
        var reference = new double[net.ParameterCount];
        double l0 = net.LossAndGradient(theta, x, y, m, reference, new NetworkWorkspace(net, 1), SimdWidth.Scalar);
        foreach (SimdWidth w in Widths)
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var g = new double[net.ParameterCount];
                double l = net.LossAndGradient(theta, x, y, m, g, new NetworkWorkspace(net, threads), w);
                Assert.That(l, Is.EqualTo(l0).Within(1e-12 * l0));
                for (int k = 0; k < g.Length; k++) Assert.That(g[k], Is.EqualTo(reference[k]).Within(1e-12), $"{w} ×{threads} [{k}]");
            }
    }

    [Test]
    public void Rejects_mismatched_sizes()
    {
        var net = new NShortcutNetwork(3, 2, 2);
        var ws = new NetworkWorkspace(net, 1);
        var x = new double[30];
        Assert.Throws<ArgumentException>(() => net.Loss(new double[net.ParameterCount - 1], x, x, 10, ws));
        Assert.Throws<ArgumentException>(() => net.Loss(new double[net.ParameterCount], x, x, 11, ws));
        Assert.Throws<ArgumentException>(() => net.LossAndGradient(new double[net.ParameterCount], x, x, 10, new double[3], ws));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NShortcutNetwork(0, 1, 1));
    }
}
