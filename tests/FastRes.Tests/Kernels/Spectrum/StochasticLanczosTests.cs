using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;
using static FastRes.Tests.Kernels.Spectrum.SpectrumMatrices;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>
/// Stochastic Lanczos quadrature against what is known exactly: Gauss quadrature's degree of exactness (2m − 1), the
/// eigenvalues at m = n, the Rademacher weights' expectation 1/n, the Golub–Welsch nodes and weights against MathNet's
/// eigenvectors, breakdown on a matrix with few distinct eigenvalues, and determinism.
/// </summary>
public class StochasticLanczosTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    /// <summary>n distinct eigenvalues spread over [−1, 1] (a few negative), in a random order of magnitude.</summary>
    private static double[] Spectrum(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(i => -0.3 + 1.3 * (i + 0.5 * rng.NextDouble()) / n).ToArray();
    }

    private static double[] Diagonal(double[] lambda)
    {
        int n = lambda.Length;
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = lambda[i];
        return a;
    }

    private static double[] MatVec(double[] a, double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += a[i * n + j] * x[j];
            y[i] = s;
        }
        return y;
    }

    [Test]
    public void With_n_steps_the_nodes_are_the_eigenvalues_at_every_width()
    {
        const int n = 40;
        double[] lambda = Spectrum(n, 3);
        double[] a = WithSpectrum(lambda, 5);
        Array.Sort(lambda);
        foreach (var width in Widths)
        {
            var q = StochasticLanczos.Estimate(a, n, steps: n, probes: 1, seed: 9, threads: 1, width: width);
            Assert.That(q.Steps, Is.EqualTo(new[] { n }), $"{width}");
            Assert.That(MaxDifference(q.Nodes, lambda), Is.LessThan(1e-12), $"{width}: nodes");
            Assert.That(q.Weights.Sum(), Is.EqualTo(1).Within(1e-13), $"{width}: weights sum");
            Assert.That(q.Weights.Min(), Is.GreaterThan(0), $"{width}: a generic probe has weight on every eigenvector");
        }
    }

    [Test]
    public void Steps_beyond_n_are_capped_at_n()
    {
        const int n = 10;
        double[] lambda = Spectrum(n, 4);
        var q = StochasticLanczos.Estimate(WithSpectrum(lambda, 8), n, steps: 100, probes: 2, seed: 1, threads: 1);
        Assert.That(q.Steps, Is.EqualTo(new[] { n, n }));
        Assert.That(q.Nodes.Length, Is.EqualTo(2 * n));
        Assert.That(q.Weights.Sum(), Is.EqualTo(1).Within(1e-13));
    }

    [Test]
    public void On_a_diagonal_matrix_the_weights_are_exactly_one_over_n_and_the_stats_are_the_exact_ones()
    {
        // e_iᵀv = ±1 for a Rademacher v, so every eigenvalue's weight is (e_iᵀv)²/n = 1/n: the measure is the exact one.
        foreach (int n in new[] { 7, 20, 33, 101 })
        {
            double[] lambda = Spectrum(n, n).Select((x, i) => i % 3 == 0 ? -x : x).ToArray();
            var q = StochasticLanczos.Estimate(Diagonal(lambda), n, steps: n, probes: 3, seed: 2, threads: 1);
            foreach (double w in q.Weights) Assert.That(w * n * 3, Is.EqualTo(1).Within(1e-10), $"n = {n}");
            var exact = SpectrumStats.From(lambda);
            var est = q.Stats();
            Assert.That(est.AbsMax, Is.EqualTo(exact.AbsMax).Within(1e-13), $"n = {n}: |λ|max");
            Assert.That(est.AbsP10, Is.EqualTo(exact.AbsP10).Within(1e-13), $"n = {n}: |λ|(0.1)");
            Assert.That(est.Kappa, Is.EqualTo(exact.Kappa).Within(1e-10 * exact.Kappa), $"n = {n}: κ");
            Assert.That(est.Index, Is.EqualTo(exact.Index).Within(1e-12), $"n = {n}: index");
            Assert.That(est.LambdaMin, Is.EqualTo(exact.LambdaMin).Within(1e-13), $"n = {n}: λmin");
        }
    }

    [Test]
    public void Each_weight_has_expectation_one_over_n_over_Rademacher_probes()
    {
        // With m = n every probe's measure has one node per eigenvalue, of weight (q_iᵀv)²/n; E = ‖q_i‖²/n = 1/n, and
        // Var((q_iᵀv)²) = 2(1 − Σ_k q_ik⁴) ≤ 2, so the mean over P probes is within 5·√(2/P)/n of 1/n.
        const int n = 6, probes = 4000;
        double[] lambda = Spectrum(n, 11);
        double[] a = WithSpectrum(lambda, 12);
        Array.Sort(lambda);
        var q = StochasticLanczos.Estimate(a, n, steps: n, probes: probes, seed: 3, threads: 1);
        var mass = new double[n];
        for (int j = 0; j < q.Nodes.Length; j++)
        {
            int i = Array.FindIndex(lambda, x => Math.Abs(x - q.Nodes[j]) < 1e-10);
            Assert.That(i, Is.GreaterThanOrEqualTo(0), $"node {q.Nodes[j]} is not an eigenvalue");
            mass[i] += q.Weights[j];
        }
        double tol = 5 * Math.Sqrt(2.0 / probes) / n;
        foreach (double m in mass) Assert.That(m, Is.EqualTo(1.0 / n).Within(tol));
        // …and they are not 1/n probe by probe (the test above is not vacuous).
        var single = StochasticLanczos.Estimate(a, n, steps: n, probes: 1, seed: 3, threads: 1);
        Assert.That(single.Weights.Max() - single.Weights.Min(), Is.GreaterThan(1e-3));
    }

    [Test]
    public void The_quadrature_integrates_polynomials_of_degree_up_to_2m_minus_1_exactly()
    {
        const int n = 60, m = 5;
        double[] a = WithSpectrum(Spectrum(n, 21), 22);
        var v = new double[n];
        StochasticLanczos.RademacherProbe(seed: 4, probe: 0, v);
        var q = StochasticLanczos.Estimate(a, n, steps: m, probes: 1, seed: 4, threads: 1);
        Assert.That(q.Steps[0], Is.EqualTo(m));
        double[] power = (double[])v.Clone(); // A^k v
        for (int k = 0; k <= 2 * m; k++)
        {
            double direct = v.Zip(power, (x, y) => x * y).Sum() / n; // vᵀA^k v / n
            double quad = q.Integrate(t => Math.Pow(t, k));
            if (k <= 2 * m - 1)
                Assert.That(quad, Is.EqualTo(direct).Within(1e-13), $"degree {k}");
            else
                // Degree 2m is past Gauss's exactness: the error is ∫π_m² dμ > 0 (π_m the monic orthogonal polynomial).
                Assert.That(direct - quad, Is.GreaterThan(1e-9), $"degree {k} should not be exact");
            power = MatVec(a, power);
        }
    }

    [Test]
    public void Gauss_quadrature_nodes_and_weights_match_the_eigenvectors_of_the_Jacobi_matrix()
    {
        var rng = new Random(31);
        foreach (int k in new[] { 1, 2, 3, 10, 57 })
        {
            double[] alpha = Enumerable.Range(0, k).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            double[] beta = Enumerable.Range(0, k).Select(_ => 0.1 + rng.NextDouble()).ToArray();
            var t = Matrix<double>.Build.Dense(k, k, (i, j) => i == j ? alpha[i] : Math.Abs(i - j) == 1 ? beta[Math.Min(i, j)] : 0);
            var evd = t.Evd(Symmetricity.Symmetric);
            var expected = Enumerable.Range(0, k).Select(j => (Node: evd.EigenValues[j].Real, Weight: evd.EigenVectors[0, j] * evd.EigenVectors[0, j]))
                .OrderBy(p => p.Node).ToArray();
            var tau = new double[k];
            StochasticLanczos.GaussQuadrature(alpha, beta, tau);
            for (int j = 0; j < k; j++)
            {
                Assert.That(alpha[j], Is.EqualTo(expected[j].Node).Within(1e-13), $"k = {k}, node {j}");
                Assert.That(tau[j], Is.EqualTo(expected[j].Weight).Within(1e-13), $"k = {k}, weight {j}");
            }
            Assert.That(tau.Sum(), Is.EqualTo(1).Within(1e-14));
        }
    }

    [Test]
    public void Breakdown_stops_at_the_number_of_distinct_eigenvalues_with_exact_weights()
    {
        // Three distinct eigenvalues: every Krylov space has dimension ≤ 3, β₃ = 0, and the 3-point measure is exact —
        // weight = multiplicity / n, since each e_iᵀv = ±1.
        const int n = 30;
        double[] lambda = Enumerable.Range(0, n).Select(i => i < 5 ? -2.0 : i < 17 ? 0.5 : 3.0).ToArray();
        var q = StochasticLanczos.Estimate(Diagonal(lambda), n, steps: 20, probes: 2, seed: 5, threads: 1);
        Assert.That(q.Steps, Is.EqualTo(new[] { 3, 3 }));
        double[] expectedNodes = [-2, 0.5, 3, -2, 0.5, 3];
        double[] expectedWeights = [5.0 / 60, 12.0 / 60, 13.0 / 60, 5.0 / 60, 12.0 / 60, 13.0 / 60];
        Assert.That(MaxDifference(q.Nodes, expectedNodes), Is.LessThan(1e-13));
        Assert.That(MaxDifference(q.Weights, expectedWeights), Is.LessThan(1e-13));
        Assert.That(q.Stats().Index, Is.EqualTo(5.0 / n).Within(1e-13));
    }

    [Test]
    public void The_Lanczos_basis_stays_orthonormal_over_many_steps()
    {
        // Without reorthogonalization a converged extreme Ritz value makes QᵀQ drift far from I within tens of steps.
        const int n = 200, m = 90;
        double[] lambda = Enumerable.Range(0, n).Select(i => Math.Pow(1.05, i) - 1).ToArray(); // graded: early convergence at the top
        double[] a = WithSpectrum(lambda, 41);
        var v = new double[n];
        StochasticLanczos.RademacherProbe(7, 0, v);
        var basis = new double[m * n];
        var alpha = new double[m];
        var beta = new double[m];
        using var op = new DenseSymmetricOperator(a, n, threads: 1);
        int k = StochasticLanczos.Lanczos(op.Apply, n, v, m, basis, alpha, beta, new double[n], new double[m]);
        Assert.That(k, Is.EqualTo(m));
        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j <= i; j++)
            {
                double dot = 0;
                for (int c = 0; c < n; c++) dot += basis[i * n + c] * basis[j * n + c];
                worst = Math.Max(worst, Math.Abs(dot - (i == j ? 1 : 0)));
            }
        Assert.That(worst, Is.LessThan(1e-13));
        // And no ghosts: the largest Ritz values are the largest eigenvalues, once each.
        var q = StochasticLanczos.Estimate(a, n, m, 1, 7, threads: 1);
        double top = lambda[^1], second = lambda[^2];
        Assert.That(q.Nodes.Count(x => Math.Abs(x - top) < 1e-8 * top), Is.EqualTo(1));
        Assert.That(q.Nodes.Count(x => Math.Abs(x - second) < 1e-8 * top), Is.EqualTo(1));
    }

    [Test]
    public void Results_are_deterministic_for_a_seed_and_independent_of_threads()
    {
        const int n = 300; // ≥ 256 rows, so two threads really split the product
        double[] a = RandomSymmetric(n, 51);
        var one = StochasticLanczos.Estimate(a, n, 30, 3, seed: 8, threads: 1);
        var two = StochasticLanczos.Estimate(a, n, 30, 3, seed: 8, threads: 2);
        var again = StochasticLanczos.Estimate(a, n, 30, 3, seed: 8, threads: 1);
        Assert.That(two.Nodes, Is.EqualTo(one.Nodes));
        Assert.That(two.Weights, Is.EqualTo(one.Weights));
        Assert.That(again.Nodes, Is.EqualTo(one.Nodes));
        var other = StochasticLanczos.Estimate(a, n, 30, 3, seed: 9, threads: 1);
        Assert.That(other.Nodes, Is.Not.EqualTo(one.Nodes));
        // Widths differ only in the last bits (different summation order of the dots).
        var scalar = StochasticLanczos.Estimate(a, n, 30, 3, seed: 8, threads: 1, width: SimdWidth.Scalar);
        Assert.That(MaxDifference(scalar.Nodes, one.Nodes), Is.LessThan(1e-10));
    }

    [Test]
    public void Rademacher_probes_are_signs_with_balanced_frequencies()
    {
        var v = new double[10_000];
        StochasticLanczos.RademacherProbe(1, 0, v);
        Assert.That(v.All(x => x is 1 or -1));
        Assert.That(Math.Abs(v.Sum()), Is.LessThan(5 * Math.Sqrt(v.Length)));
        var w = new double[v.Length];
        StochasticLanczos.RademacherProbe(1, 1, w);
        Assert.That(Math.Abs(v.Zip(w, (x, y) => x * y).Sum()), Is.LessThan(5 * Math.Sqrt(v.Length)), "probes 0 and 1 are independent");
    }

    [Test]
    public void The_quantile_pools_weights_as_the_exact_order_statistic_does()
    {
        // n = 11: k = ⌊0.1·10⌋ = 1, so |λ|(0.1) is the first |θ| with cumulative weight ≥ q = 2/11 ≈ 0.18. Cumulative weights
        // by |θ| ascending: 0.04 at 0.5, 0.09 at 1, 1 at 2 → 2; with 0.15 on −1 instead: 0.19 at 1 → 1.
        var m = new SpectralQuadrature(11, [-1, 0.5, 2], [0.05, 0.04, 0.91], [3]);
        var s = m.Stats();
        Assert.That(s.AbsP10, Is.EqualTo(2));
        Assert.That(s.Index, Is.EqualTo(0.05));
        Assert.That(s.Kappa, Is.EqualTo(1));
        var m2 = new SpectralQuadrature(11, [-1, 0.5, 2], [0.15, 0.04, 0.81], [3]);
        Assert.That(m2.Stats().AbsP10, Is.EqualTo(1));
    }
    [Test]
    public void On_an_experiment_Hessian_the_nodes_are_its_eigenvalues_and_the_trace_is_Hutchinsons()
    {
        // initial-condition's 1-shortcut linear net, depth 2, d = 6 at xavier × 0.01 on synthetic data: N = 72, with the
        // repeated eigenvalues of a Kronecker-structured Hessian, so Lanczos may stop early (breakdown) — every node must
        // still be an exact eigenvalue, and Σ w θ = Σ_probes vᵀHv/(N·probes), Hutchinson's trace estimate over N.
        const int d = 6;
        var data = SyntheticData.Create(500, d, d, seed: 3);
        var net = new NShortcutNetwork(d, 2, 1, shortcut: true);
        int n = net.ParameterCount;
        var theta = new double[n];
        NetworkInitializer.Fill(net, NetworkInit.Small, 1, 0, theta);
        var h = new double[n * n];
        ExactHessian.Compute(net, theta, data.X, data.Y, data.Samples, h, threads: 1);
        double[] exact = Oracle(h, n);
        double scale = exact.Max(Math.Abs);
        const int probes = 3;
        var q = StochasticLanczos.Estimate(h, n, steps: n, probes: probes, seed: 6, threads: 1);
        foreach (double node in q.Nodes)
            Assert.That(exact.Min(x => Math.Abs(x - node)), Is.LessThan(1e-10 * scale), $"node {node}");
        double hutchinson = 0;
        var v = new double[n];
        for (int p = 0; p < probes; p++)
        {
            StochasticLanczos.RademacherProbe(6, (ulong)p, v);
            hutchinson += v.Zip(MatVec(h, v), (x, y) => x * y).Sum() / (n * probes);
        }
        Assert.That(q.Integrate(t => t), Is.EqualTo(hutchinson).Within(1e-12 * scale));
        Assert.That(q.Stats().AbsMax, Is.EqualTo(scale).Within(1e-10 * scale));
    }
}
