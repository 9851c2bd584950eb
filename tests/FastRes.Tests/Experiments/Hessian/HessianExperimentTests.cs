using FastRes.Experiments;
using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Hessian;

/// <summary>The two Hessian experiments on small synthetic data: Theorem 2's facts and Figure 4's ordering.</summary>
public class HessianExperimentTests
{
    private static readonly Dataset Data = SyntheticData.Create(400, 4, 4, seed: 3);

    [TestCase(Activation.Identity)]
    [TestCase(Activation.Tanh)]
    public void Hessian_at_zero_matches_theorem_two(Activation activation)
    {
        var config = new HessianAtZeroConfig { Shortcut = [1, 2, 3], Depths = [2, 4, 6], Activation = activation, Width = 4, Threads = 1 };
        var result = HessianAtZero.Run(config, Data);
        var n2 = result.Rows.Where(r => r.N == 2).ToList();
        var n3 = result.Rows.Where(r => r.N == 3).ToList();
        var n1 = result.Rows.Where(r => r.N == 1).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(n3.Select(r => r.MaxDeviation), Is.All.EqualTo(0.0), "n ≥ 3: H exactly zero");
            Assert.That(n2.Select(r => r.MaxDeviation), Is.All.LessThan(1e-10), "n = 2: spectrum = ±σ'σ's_i(M)");
            Assert.That(n2.Select(r => Math.Abs(r.Kappa / r.PredictedKappa - 1)), Is.All.LessThan(1e-10), "n = 2: κ as predicted");
            Assert.That(n2.Select(r => r.Kappa).Max() / n2.Select(r => r.Kappa).Min() - 1, Is.LessThan(1e-10), "n = 2: κ depth-invariant");
            Assert.That(n1.Select(r => r.MaxDeviation), Is.All.LessThan(1e-12), "n = 1: block Toeplitz of eqs. 28–32");
            Assert.That(n1.Select(r => Math.Abs(r.Kappa / r.PredictedKappa - 1)), Is.All.LessThan(1e-8), "n = 1: κ of the Toeplitz matrix");
            Assert.That(n3.Select(r => r.LambdaMax), Is.All.EqualTo(0.0));
            Assert.That(n1.OrderBy(r => r.Depth).Select(r => r.Kappa), Is.Ordered.Ascending, "n = 1: κ grows with depth");
            Assert.That(n1.Last().Kappa, Is.GreaterThan(1.5 * n1.First().Kappa));
        });
    }

    [Test]
    public void Initial_condition_orders_the_nets_as_in_figure_four()
    {
        var config = new InitialConditionConfig { Depths = [2, 8], Runs = 3, Width = 4, Threads = 1 };
        var rows = InitialCondition.Run(config, Data).Rows;
        double Kappa(string net, int depth) => rows.Single(r => r.Net == net && r.Depth == depth).KappaMean;
        double K2(string net) => rows.Where(r => r.Net == net).OrderBy(r => r.Depth).First().KappaMean;
        double K8(string net) => rows.Where(r => r.Net == net).OrderBy(r => r.Depth).Last().KappaMean;
        Assert.Multiple(() =>
        {
            // 2-shortcut with small init: κ stays flat with depth (Theorem 2 at the perturbed zero).
            Assert.That(K8("shortcut2") / K2("shortcut2"), Is.InRange(0.9, 1.1));
            // xavier and orthogonal plain nets: κ grows, orthogonal more slowly.
            Assert.That(K8("xavier") / K2("xavier"), Is.GreaterThan(10));
            Assert.That(K8("orthogonal") / K2("orthogonal"), Is.GreaterThan(2));
            Assert.That(K8("xavier"), Is.GreaterThan(K8("orthogonal")));
            Assert.That(K8("orthogonal"), Is.GreaterThan(K8("shortcut2")));
            Assert.That(Kappa("shortcut2", 8), Is.LessThan(Kappa("xavier", 8)));
        });
    }

    [Test]
    public void Repeated_runs_are_deterministic_and_independent_of_threads()
    {
        var config = new InitialConditionConfig { Depths = [4], Runs = 2, Width = 4, Nets = [InitialConditionNet.Xavier, InitialConditionNet.Shortcut2] };
        var one = InitialCondition.Run(config with { Threads = 1 }, Data).Rows;
        var two = InitialCondition.Run(config with { Threads = 2 }, Data).Rows;
        Assert.That(two.Select(r => r.KappaMean), Is.EqualTo(one.Select(r => r.KappaMean)));
    }

    [Test]
    public void Initial_condition_per_run_values_are_bit_identical_for_any_thread_count_and_equal_the_direct_computation()
    {
        // Width 5: orders 100 to 400 (above the 256-row threshold of the multithreaded reduction), 3 runs per point,
        // so 3 workers take the whole batch one run per core and 2 and 4 leave a multithreaded remainder.
        var data = SyntheticData.Create(200, 5, 5, seed: 4);
        var config = new InitialConditionConfig { Depths = [4, 16], Runs = 3, Width = 5, Nets = [InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut2] };
        var one = InitialCondition.Run(config with { Threads = 1 }, data).Rows;
        foreach (int threads in new[] { 2, 3, 4 })
        {
            var other = InitialCondition.Run(config with { Threads = threads }, data).Rows;
            Assert.That(other.Select(r => (r.Net, r.Depth)), Is.EqualTo(one.Select(r => (r.Net, r.Depth))), "rows in the same order");
            for (int i = 0; i < one.Count; i++)
                Assert.That(other[i].PerRun, Is.EqualTo(one[i].PerRun), $"threads = {threads}, {one[i].Net} depth {one[i].Depth}");
        }
        // Each run's value is what its Hessian's own single solve gives: the batch changes who computes it, not what.
        var sxx = new double[25];
        var sxy = new double[25];
        ExactHessian.Moments(data.X, data.Y, data.Samples, 5, sxx, sxy);
        var net = new NShortcutNetwork(5, 8, 2, shortcut: true); // shortcut2, depth 16
        var theta = new double[net.ParameterCount];
        NetworkInitializer.Fill(net, NetworkInit.Small, config.Seed, 2, theta);
        var h = new double[net.ParameterCount * net.ParameterCount];
        ExactHessian.Linear(net, theta, sxx, sxy, h);
        var ev = new double[net.ParameterCount];
        FastRes.Kernels.Spectrum.SymmetricEigen.Eigenvalues(h, net.ParameterCount, ev, threads: 1);
        var stats = FastRes.Kernels.Spectrum.SpectrumStats.From(ev);
        var run2 = one.Single(r => r.Net == "shortcut2" && r.Depth == 16).PerRun[2];
        Assert.That((run2.Kappa, run2.Index), Is.EqualTo((stats.Kappa, stats.Index)));
    }
}
