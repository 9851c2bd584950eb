using FastRes.Experiments;
using FastRes.Experiments.Data;
using FastRes.Kernels.Random;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

public class SymmetricEigenvectorsTests
{
    // Sizes on both sides of the vectorized dot product's threshold (128) and of every vector width.
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(9)]
    [TestCase(64)]
    [TestCase(127)]
    [TestCase(200)]
    public void Random_symmetric_matrix_is_decomposed_like_mathnet_and_reconstructs(int n)
    {
        double[] a = RandomSymmetric(n, seed: (ulong)n);
        var values = new double[n];
        var vectors = new double[n * n];
        SymmetricEigenvectors.Decompose(a, n, values, vectors);

        double[] oracle = Matrix<double>.Build.Dense(n, n, a).Evd(Symmetricity.Symmetric).EigenValues
            .Select(z => z.Real).OrderByDescending(x => x).ToArray();
        double scale = oracle.Max(Math.Abs);
        Assert.That(values, Is.EqualTo(oracle).Within(1e-12 * scale * Math.Sqrt(n)), "eigenvalues, decreasing");
        AssertEigenpairs(a, n, values, vectors, 1e-12 * scale * n);
    }

    [Test]
    public void Repeated_and_zero_eigenvalues_still_give_an_orthonormal_basis()
    {
        // A = 3·I + 2·uuᵀ on ℝ⁶ with ‖u‖ = 1: eigenvalue 5 once, 3 five times; then a matrix of rank 1.
        const int n = 6;
        double[] u = [1, -2, 0, 3, 1, 1];
        double norm = Math.Sqrt(u.Sum(x => x * x));
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i * n + j] = (i == j ? 3 : 0) + 2 * u[i] * u[j] / (norm * norm);
        var values = new double[n];
        var vectors = new double[n * n];
        SymmetricEigenvectors.Decompose(a, n, values, vectors);
        Assert.That(values, Is.EqualTo(new double[] { 5, 3, 3, 3, 3, 3 }).Within(1e-14));
        AssertEigenpairs(a, n, values, vectors, 1e-13);
        // The top eigenvector is ±u/‖u‖.
        double overlap = Enumerable.Range(0, n).Sum(i => vectors[i] * u[i] / norm);
        Assert.That(Math.Abs(overlap), Is.EqualTo(1).Within(1e-14));

        var rankOne = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) rankOne[i * n + j] = u[i] * u[j];
        SymmetricEigenvectors.Decompose(rankOne, n, values, vectors);
        Assert.That(values[0], Is.EqualTo(norm * norm).Within(1e-13));
        Assert.That(values[1..], Has.All.EqualTo(0).Within(1e-14));
        AssertEigenpairs(rankOne, n, values, vectors, 1e-13);
    }

    [Test]
    public void Zero_and_diagonal_matrices_are_exact()
    {
        var values = new double[4];
        var vectors = new double[16];
        SymmetricEigenvectors.Decompose(new double[16], 4, values, vectors);
        Assert.That(values, Has.All.EqualTo(0.0));
        AssertEigenpairs(new double[16], 4, values, vectors, 0);

        double[] diagonal = [2, 0, 0, 0, 0, -1, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0.5];
        SymmetricEigenvectors.Decompose(diagonal, 4, values, vectors);
        Assert.That(values, Is.EqualTo(new double[] { 7, 2, 0.5, -1 }));
        AssertEigenpairs(diagonal, 4, values, vectors, 1e-15);
    }

    [Test]
    public void Non_finite_input_is_refused_rather_than_looping()
    {
        double[] a = [1, double.NaN, double.NaN, 1];
        Assert.Throws<ArgumentException>(() => SymmetricEigenvectors.Decompose(a, 2, new double[2], new double[4]));
    }

    /// <summary>‖A v_j − λ_j v_j‖ and ‖VVᵀ − I‖ entry-wise within <paramref name="tolerance"/>.</summary>
    internal static void AssertEigenpairs(double[] a, int n, double[] values, double[] vectors, double tolerance)
    {
        double worstResidual = 0, worstOrthogonality = 0;
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int k = 0; k < n; k++) av += a[i * n + k] * vectors[j * n + k];
                worstResidual = Math.Max(worstResidual, Math.Abs(av - values[j] * vectors[j * n + i]));
            }
            for (int k = 0; k < n; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += vectors[j * n + i] * vectors[k * n + i];
                worstOrthogonality = Math.Max(worstOrthogonality, Math.Abs(dot - (j == k ? 1 : 0)));
            }
        }
        Assert.That(worstResidual, Is.LessThanOrEqualTo(tolerance), "A v = λ v");
        Assert.That(worstOrthogonality, Is.LessThan(1e-13 * Math.Max(1, n / 16.0)), "orthonormal eigenvectors");
    }

    private static double[] RandomSymmetric(int n, ulong seed)
    {
        var rng = new PhiloxStream(seed, 0, 0);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.NextNormal();
        return a;
    }
}
