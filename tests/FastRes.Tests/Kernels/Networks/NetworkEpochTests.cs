using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Networks;

/// <summary>The training epoch kernel: the same loss and gradient as the reference pass and central differences, at
/// every width, bit-identical for every thread count.</summary>
public class NetworkEpochTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static IEnumerable<TestCaseData> AllKinds() =>
        NetworkTestData.Kinds(d: 5, units: 3).Select(net => new TestCaseData(net).SetArgDisplayNames(net.ToString()));

    [TestCaseSource(nameof(AllKinds))]
    public void Loss_and_gradient_equal_the_reference_pass_at_every_width(NShortcutNetwork net)
    {
        // 1,037 samples: two blocks, the second with a partial chunk (masked padding).
        const int m = 1037;
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 21);
        double[] theta = NetworkTestData.RandomParameters(net, 4, 1.0);
        double expected = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
        var reference = new double[net.ParameterCount];
        net.LossAndGradient(theta, x, y, m, reference, new NetworkWorkspace(net, 1));
        double scale = reference.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-3), "a gradient worth comparing");
        var ws = new EpochWorkspace(net, m, 1);
        foreach (SimdWidth w in Widths)
        {
            var g = new double[net.ParameterCount];
            double loss = NetworkEpoch.LossAndGradient(net, theta, x, y, g, ws, w);
            Assert.That(loss, Is.EqualTo(expected).Within(1e-12).Percent, $"{w}: loss");
            Assert.That(NetworkEpoch.Loss(net, theta, x, y, ws, w), Is.EqualTo(loss), $"{w}: the forward pass alone gives the same loss");
            for (int k = 0; k < g.Length; k++) Assert.That(g[k], Is.EqualTo(reference[k]).Within(1e-12 * scale), $"{w} [{k}]");
        }
    }

    [Test]
    public void Gradient_matches_central_differences_with_a_pre_activation_and_no_shortcut()
    {
        foreach (var net in new[]
        {
            new NShortcutNetwork(4, 3, 2, shortcut: true, pre: Activation.Relu, mid: Activation.Tanh, post: Activation.Identity),
            new NShortcutNetwork(4, 2, 3, shortcut: false, pre: Activation.Tanh, mid: Activation.Relu, post: Activation.Tanh),
        })
        {
            const int m = 12; // few samples, so that a point away from every ReLU kink exists
            var (x, y) = NetworkTestData.Whitened(m, net.Width, 6);
            // A point away from every ReLU kink (finite differences see a smooth loss) where the gradient is not zero
            // (with every ReLU off it would be, trivially).
            var ws = new EpochWorkspace(net, m, 1);
            var g = new double[net.ParameterCount];
            double[] theta = null!;
            for (int attempt = 0; ; attempt++)
            {
                Assert.That(attempt, Is.LessThan(200), $"{net}: no smooth, non-degenerate point found");
                theta = NetworkTestData.RandomParameters(net, 30 + attempt, 1.0);
                if (NetworkTestData.ReferenceLoss(net, theta, x, y, m).MinReluArgument <= 1e-3) continue;
                NetworkEpoch.LossAndGradient(net, theta, x, y, g, ws);
                if (g.Max(Math.Abs) > 1e-2) break;
            }
            const double h = 1e-5;
            double maxErr = 0, maxG = g.Max(Math.Abs);
            for (int k = 0; k < theta.Length; k++)
            {
                double keep = theta[k];
                theta[k] = keep + h; double plus = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
                theta[k] = keep - h; double minus = NetworkTestData.ReferenceLoss(net, theta, x, y, m).Loss;
                theta[k] = keep;
                maxErr = Math.Max(maxErr, Math.Abs((plus - minus) / (2 * h) - g[k]));
            }
            Assert.That(maxG, Is.GreaterThan(1e-3), $"{net}: degenerate point");
            Assert.That(maxErr / maxG, Is.LessThan(1e-8), net.ToString());
        }
    }

    [Test]
    public void The_result_is_bit_identical_for_every_thread_count()
    {
        var net = new NShortcutNetwork(6, 4, 2, mid: Activation.Relu);
        const int m = 5000; // five blocks
        var (x, y) = NetworkTestData.Whitened(m, net.Width, 2);
        double[] theta = NetworkTestData.RandomParameters(net, 7, 0.8);
        var reference = new double[net.ParameterCount];
        double l1 = NetworkEpoch.LossAndGradient(net, theta, x, y, reference, new EpochWorkspace(net, m, 1));
        foreach (int threads in new[] { 2, 3, 8 })
        {
            var g = new double[net.ParameterCount];
            double l = NetworkEpoch.LossAndGradient(net, theta, x, y, g, new EpochWorkspace(net, m, threads));
            Assert.That(l, Is.EqualTo(l1), $"×{threads}: loss");
            Assert.That(g, Is.EqualTo(reference), $"×{threads}: gradient");
        }
    }

    [Test]
    public void Rejects_data_of_another_size_than_the_workspace()
    {
        var net = new NShortcutNetwork(3, 2, 2);
        var (x, y) = NetworkTestData.Whitened(40, 3, 1);
        var ws = new EpochWorkspace(net, 50, 1);
        Assert.That(() => NetworkEpoch.Loss(net, new double[net.ParameterCount], x, y, ws), Throws.ArgumentException);
    }
}
