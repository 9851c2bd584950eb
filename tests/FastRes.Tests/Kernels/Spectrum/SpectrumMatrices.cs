using MathNet.Numerics.LinearAlgebra;

namespace FastRes.Tests.Kernels.Spectrum;

/// <summary>Test matrices (row-major, symmetric) and the MathNet oracle.</summary>
internal static class SpectrumMatrices
{
    public static double[] RandomSymmetric(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                a[i * n + j] = a[j * n + i] = 2 * rng.NextDouble() - 1;
        return a;
    }

    /// <summary>Q·diag(λ)·Qᵀ with Q a random orthogonal matrix (QR of a Gaussian matrix), symmetrized exactly.</summary>
    public static double[] WithSpectrum(ReadOnlySpan<double> lambda, int seed)
    {
        int n = lambda.Length;
        var rng = new Random(seed);
        var g = Matrix<double>.Build.Dense(n, n, (_, _) => Gaussian(rng));
        var q = g.QR().Q;
        var a = q * Matrix<double>.Build.DenseOfDiagonalArray(lambda.ToArray()) * q.Transpose();
        var result = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                result[i * n + j] = result[j * n + i] = 0.5 * (a[i, j] + a[j, i]);
        return result;
    }

    public static double[] Tridiagonal(ReadOnlySpan<double> diagonal, ReadOnlySpan<double> offDiagonal)
    {
        int n = diagonal.Length;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            a[i * n + i] = diagonal[i];
            if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = offDiagonal[i];
        }
        return a;
    }

    /// <summary>
    /// Wilkinson's W21+ (diagonal |10 − i|, unit off-diagonal: pairs of eigenvalues agreeing to 15 digits), <paramref name="copies"/>
    /// of it chained by off-diagonal <paramref name="glue"/>: the classic clustered-eigenvalue test. Diagonal and off-diagonal.
    /// </summary>
    public static (double[] D, double[] E) GluedWilkinson(int copies, double glue)
    {
        var d = new List<double>();
        var e = new List<double>();
        for (int c = 0; c < copies; c++)
        {
            for (int i = 0; i < 21; i++) d.Add(Math.Abs(10 - i));
            for (int i = 0; i < 20; i++) e.Add(1);
            if (c + 1 < copies) e.Add(glue);
        }
        return ([.. d], [.. e]);
    }

    public static double Gaussian(Random rng)
        => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>MathNet's managed symmetric EVD, ascending.</summary>
    public static double[] Oracle(double[] a, int n)
    {
        var m = Matrix<double>.Build.Dense(n, n, (i, j) => a[i * n + j]);
        double[] ev = m.Evd(Symmetricity.Symmetric).EigenValues.Select(z => z.Real).ToArray();
        Array.Sort(ev);
        return ev;
    }

    /// <summary>
    /// The backward-error bound of a stable method, c·n·ε·‖A‖ (ε = 2⁻⁵², ‖A‖ the Frobenius norm, c = 4): every
    /// eigenvalue within it of the expected one, and ascending.
    /// </summary>
    public static void AssertEigenvaluesClose(double[] actual, double[] expected, double norm, int n, string what)
    {
        const double c = 4, eps = 2.220446049250313e-16;
        double tol = c * Math.Max(n, 1) * eps * Math.Max(norm, double.Epsilon);
        NUnit.Framework.Assert.That(actual, NUnit.Framework.Has.Length.EqualTo(expected.Length), what);
        double diff = MaxDifference(actual, expected);
        NUnit.Framework.TestContext.Out.WriteLine($"{what}: max |Δλ| = {diff:E2}, {diff / tol:P1} of the tolerance");
        NUnit.Framework.Assert.That(diff, NUnit.Framework.Is.LessThanOrEqualTo(tol), $"{what}: max |Δλ| = {diff:E3} > {tol:E3}");
        for (int i = 1; i < actual.Length; i++)
            NUnit.Framework.Assert.That(actual[i], NUnit.Framework.Is.GreaterThanOrEqualTo(actual[i - 1]), $"{what}: not ascending at {i}");
    }

    public static double Frobenius(double[] a) => Math.Sqrt(a.Sum(x => x * x));

    public static double MaxDifference(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double d = 0;
        for (int i = 0; i < x.Length; i++) d = Math.Max(d, Math.Abs(x[i] - y[i]));
        return d;
    }
}
