using FastRes.Kernels.Networks;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Networks;

/// <summary>
/// Theorem 2 of Li et al. checked (not assumed) on whitened synthetic data: the exact Hessian at w = 0 against the
/// theorem's structure and spectrum, with MathNet's symmetric eigen-decomposition as the independent oracle.
/// </summary>
public class TheoremTwoTests
{
    private const int D = 4, M = 300;
    private static readonly (double[] X, double[] Y) Data = NetworkTestData.Whitened(M, D, 77);

    private static readonly Activation[] Smooth = [Activation.Identity, Activation.Tanh];

    private static double[] HessianAtZero(NShortcutNetwork net)
    {
        int n = net.ParameterCount;
        var h = new double[n * n];
        ExactHessian.Compute(net, new double[n], Data.X, Data.Y, M, h, threads: 2);
        return h;
    }

    private static double[] Eigenvalues(double[] h, int n)
    {
        var evd = Matrix<double>.Build.Dense(n, n, (i, j) => h[i * n + j]).Evd(Symmetricity.Symmetric);
        return [.. evd.EigenValues.Select(c => c.Real).OrderBy(v => v)];
    }

    /// <summary>κ = max|λ| / |λ|_(0.1) (the paper's Appendix B proxy), nearest-rank 10th percentile.</summary>
    private static double Kappa(double[] eig)
    {
        double[] abs = [.. eig.Select(Math.Abs).OrderBy(v => v)];
        return abs[^1] / abs[(int)Math.Floor(0.1 * (abs.Length - 1))];
    }

    private static double MaxAbs(IEnumerable<double> a) => a.Max(Math.Abs);

    [Test]
    public void Data_is_whitened()
    {
        var sxx = new double[D * D];
        var sxy = new double[D * D];
        ExactHessian.Moments(Data.X, Data.Y, M, D, sxx, sxy);
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++) Assert.That(sxx[i * D + j], Is.EqualTo(i == j ? 1.0 : 0.0).Within(1e-13));
    }

    [Test]
    public void Three_or_more_layers_per_unit_give_an_exactly_zero_hessian([Values(3, 4)] int n, [ValueSource(nameof(Smooth))] Activation act)
    {
        foreach (int units in new[] { 1, 3 })
        {
            var net = new NShortcutNetwork(D, units, n, pre: act, mid: act, post: act);
            double[] h = HessianAtZero(net);
            Assert.That(h.All(v => v == 0.0), $"{net}: max |H| = {MaxAbs(h):E2}");
        }
        // The same point is not stationary to second order for n = 2: the test above could fail.
        Assert.That(MaxAbs(HessianAtZero(new NShortcutNetwork(D, 1, 2, pre: act, mid: act, post: act))), Is.GreaterThan(1e-2));
    }

    [Test]
    public void Two_layers_per_unit_give_R_copies_of_the_block_0_At_A_0([ValueSource(nameof(Smooth))] Activation act)
    {
        double[] a = TheoremTwo.BlockAN2(Data.X, Data.Y, M, D, act, act, act);
        foreach (int units in new[] { 1, 2, 4 })
        {
            var net = new NShortcutNetwork(D, units, 2, pre: act, mid: act, post: act);
            int n = net.ParameterCount;
            double[] h = HessianAtZero(net);
            var predicted = new double[n * n];
            TheoremTwo.AssembleN2(a, D, units, predicted);
            double scale = MaxAbs(h);
            double err = h.Zip(predicted, (p, q) => Math.Abs(p - q)).Max() / scale;
            TestContext.Out.WriteLine($"{net}: max|H − H_thm| / max|H| = {err:E2}");
            Assert.That(err, Is.LessThan(1e-12));
        }
    }

    [Test]
    public void Two_layers_per_unit_have_eigenvalues_plus_minus_s_i_of_M_with_multiplicity_dR_and_depth_invariant_kappa(
        [ValueSource(nameof(Smooth))] Activation act)
    {
        double? kappa = null;
        foreach (int units in new[] { 1, 2, 4 })
        {
            var net = new NShortcutNetwork(D, units, 2, pre: act, mid: act, post: act);
            int n = net.ParameterCount;
            double[] measured = Eigenvalues(HessianAtZero(net), n);
            double[] predicted = TheoremTwo.PredictedEigenvaluesN2(Data.X, Data.Y, M, D, units, act, act, act);
            Assert.That(predicted, Has.Length.EqualTo(n));
            double scale = MaxAbs(predicted);
            double err = measured.Zip(predicted, (p, q) => Math.Abs(p - q)).Max() / scale;
            TestContext.Out.WriteLine($"{net}: max|λ − λ_thm| / max|λ| = {err:E2}");
            Assert.That(err, Is.LessThan(1e-10));
            double k = Kappa(measured);
            kappa ??= k;
            Assert.That(k, Is.EqualTo(kappa.Value).Within(1e-10 * kappa.Value), $"κ at R = {units}");
        }
        double[] sv = TheoremTwo.SingularValues(TheoremTwo.MatrixM(Data.X, Data.Y, M, D, act), D);
        Assert.That(TheoremTwo.PredictedConditionN2(Data.X, Data.Y, M, D, act), Is.EqualTo(sv[0] / sv[^1]));
    }

    [Test]
    public void Singular_values_match_MathNet()
    {
        var rng = new Random(3);
        foreach (int d in new[] { 1, 3, 10 })
        {
            double[] m = [.. Enumerable.Range(0, d * d).Select(_ => rng.NextDouble() - 0.5)];
            double[] ours = TheoremTwo.SingularValues(m, d);
            double[] oracle = [.. Matrix<double>.Build.Dense(d, d, (i, j) => m[i * d + j]).Svd(false).S];
            for (int i = 0; i < d; i++) Assert.That(ours[i], Is.EqualTo(oracle[i]).Within(1e-13 * oracle[0]));
        }
    }

    [Test]
    public void One_layer_per_unit_blocks_are_the_papers_equations_28_to_32()
    {
        // The paper's entries, literally, in its column-major index (j − 1)d + i (0-based: j·d + i).
        var (x, y) = Data;
        double Sxx(int a, int b) { double s = 0; for (int mu = 0; mu < M; mu++) s += x[mu * D + a] * x[mu * D + b]; return s / M; }
        double Exy(int a, int b) { double s = 0; for (int mu = 0; mu < M; mu++) s += (x[mu * D + a] - y[mu * D + a]) * x[mu * D + b]; return s / M; }
        int dd = D * D;
        var (b, a) = TheoremTwo.ToeplitzBlocksN1(x, y, M, D, Activation.Identity, Activation.Identity);
        for (int i1 = 0; i1 < D; i1++)
            for (int j1 = 0; j1 < D; j1++)
                for (int i2 = 0; i2 < D; i2++)
                    for (int j2 = 0; j2 < D; j2++)
                    {
                        double eq28 = i1 == i2 ? Sxx(j1, j2) : 0.0;
                        double eq31 = (j1 == i2 ? Exy(i1, j2) : 0.0) + (i1 == i2 ? Sxx(j1, j2) : 0.0);
                        // Our layout is row-major: W_{ij} at i·d + j.
                        Assert.That(b[(i1 * D + j1) * dd + i2 * D + j2], Is.EqualTo(eq28).Within(1e-13), "B, eq. 28");
                        Assert.That(a[(i1 * D + j1) * dd + i2 * D + j2], Is.EqualTo(eq31).Within(1e-13), "A, eq. 31");
                    }
    }

    [Test]
    public void One_layer_per_unit_hessian_is_block_Toeplitz_with_those_blocks(
        [Values(Activation.Identity, Activation.Tanh)] Activation pre, [Values(Activation.Identity, Activation.Tanh)] Activation post)
    {
        var (b, a) = TheoremTwo.ToeplitzBlocksN1(Data.X, Data.Y, M, D, pre, post);
        foreach (int units in new[] { 1, 2, 4 })
        {
            var net = new NShortcutNetwork(D, units, 1, pre: pre, post: post);
            int n = net.ParameterCount;
            double[] h = HessianAtZero(net);
            var predicted = new double[n * n];
            TheoremTwo.AssembleN1(b, a, D, units, predicted);
            double err = h.Zip(predicted, (p, q) => Math.Abs(p - q)).Max() / MaxAbs(h);
            Assert.That(err, Is.LessThan(1e-12), $"{net}");
        }
    }

    [Test]
    public void One_layer_per_unit_condition_grows_with_depth_unlike_two()
    {
        // Not a theorem statement to the digit, only its qualitative contrast (paper §4.2): κ of the n = 1 Hessian at
        // zero grows from R = 1 to R = 8, while n = 2 stays put (checked exactly above).
        var (b, a) = TheoremTwo.ToeplitzBlocksN1(Data.X, Data.Y, M, D, Activation.Identity, Activation.Identity);
        double Kn1(int units)
        {
            int n = units * D * D;
            var h = new double[n * n];
            TheoremTwo.AssembleN1(b, a, D, units, h);
            return Kappa(Eigenvalues(h, n));
        }
        Assert.That(Kn1(8), Is.GreaterThan(Kn1(1)));
    }
}
