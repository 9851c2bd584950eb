using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Networks;

public class NetworkInitializerTests
{
    private static double[] Init(NShortcutNetwork net, NetworkInit init, ulong seed, ulong run)
    {
        var t = new double[net.ParameterCount];
        NetworkInitializer.Fill(net, init, seed, run, t);
        return t;
    }

    [Test]
    public void Orthogonal_layers_are_orthogonal()
    {
        var net = new NShortcutNetwork(10, 3, 2);
        double[] t = Init(net, NetworkInit.Orthogonal, 4, 1);
        for (int l = 0; l < net.Depth; l++)
            for (int a = 0; a < 10; a++)
                for (int b = 0; b < 10; b++)
                {
                    double s = 0;
                    for (int k = 0; k < 10; k++) s += t[l * 100 + k * 10 + a] * t[l * 100 + k * 10 + b];
                    Assert.That(s, Is.EqualTo(a == b ? 1.0 : 0.0).Within(1e-14), $"layer {l} (QᵀQ)[{a},{b}]");
                }
    }

    [Test]
    public void Orthogonal_layers_are_Haar_distributed_not_biased_by_the_QR_signs()
    {
        // Under Haar measure every entry has mean 0 and variance 1/d. Householder QR without the sign fix returns
        // Q with Q₁₁ of one sign always (R₁₁ = −sign(g₁₁)‖g₁‖), so the mean of the diagonal would be far from 0.
        const int d = 3, draws = 4000;
        var net = new NShortcutNetwork(d, 1, 1);
        double sumDiag = 0, sumSq = 0;
        for (ulong run = 0; run < draws; run++)
        {
            double[] q = Init(net, NetworkInit.Orthogonal, 9, run);
            for (int i = 0; i < d; i++) sumDiag += q[i * d + i];
            foreach (double v in q) sumSq += v * v;
        }
        double mean = sumDiag / (d * draws);
        Assert.That(Math.Abs(mean), Is.LessThan(5 * Math.Sqrt(1.0 / d / (d * draws))), "diagonal mean");
        Assert.That(sumSq / (d * d * draws), Is.EqualTo(1.0 / d).Within(1e-12), "rows are unit vectors");
    }

    [Test]
    public void Xavier_has_variance_one_over_d_and_small_is_exactly_a_hundredth_of_it()
    {
        var net = new NShortcutNetwork(10, 20, 2);
        double[] x = Init(net, NetworkInit.Xavier, 1, 7);
        double mean = x.Average(), variance = x.Select(v => v * v).Average();
        Assert.That(Math.Abs(mean), Is.LessThan(5 * Math.Sqrt(0.1 / x.Length)));
        Assert.That(variance, Is.EqualTo(0.1).Within(5 * 0.1 * Math.Sqrt(2.0 / x.Length)));
        double[] s = Init(net, NetworkInit.Small, 1, 7);
        for (int i = 0; i < x.Length; i++) Assert.That(s[i], Is.EqualTo(x[i] * 0.01).Within(1e-15 * Math.Abs(x[i])));
    }

    [Test]
    public void Zero_is_exactly_zero_and_every_init_is_a_pure_function_of_seed_and_run()
    {
        var net = new NShortcutNetwork(4, 2, 3);
        Assert.That(Init(net, NetworkInit.Zero, 1, 1).All(v => v == 0.0));
        foreach (NetworkInit init in new[] { NetworkInit.Xavier, NetworkInit.Orthogonal, NetworkInit.Small })
        {
            Assert.That(Init(net, init, 3, 5), Is.EqualTo(Init(net, init, 3, 5)), $"{init} repeats");
            Assert.That(Init(net, init, 3, 5), Is.Not.EqualTo(Init(net, init, 3, 6)), $"{init} differs across runs");
            Assert.That(Init(net, init, 3, 5), Is.Not.EqualTo(Init(net, init, 4, 5)), $"{init} differs across seeds");
        }
        // A layer's matrix does not depend on how deep the network is.
        var deeper = new NShortcutNetwork(4, 5, 3);
        Assert.That(Init(deeper, NetworkInit.Xavier, 3, 5).Take(net.ParameterCount), Is.EqualTo(Init(net, NetworkInit.Xavier, 3, 5)));
    }
}
