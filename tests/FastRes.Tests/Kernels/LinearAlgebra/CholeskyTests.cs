using FastRes.Kernels.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.LinearAlgebra;

public class CholeskyTests
{
    /// <summary>A = BBᵀ + 0.1·I: symmetric positive definite, condition number ~ 10²–10⁴.</summary>
    private static double[] RandomSpd(int d, int seed)
    {
        var rng = new Random(seed);
        var b = Enumerable.Range(0, d * d).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var a = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int k = 0; k < d; k++) s += b[i * d + k] * b[j * d + k];
                a[i * d + j] = s;
            }
        return a;
    }

    private static double[] RandomVector(int d, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, d).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(40)]
    public void Factor_reproduces_the_matrix_and_the_solve_its_right_hand_side(int d)
    {
        var a = RandomSpd(d, d);
        var b = RandomVector(d, 100 + d);
        var l = new double[d * d];
        var z = new double[d];
        Assert.That(Cholesky.TrySolve(a, d, b, l, z), Is.True);

        double scale = a.Max(Math.Abs);
        for (int i = 0; i < d; i++)
        {
            Assert.That(l[i * d + i], Is.GreaterThan(0), "positive pivots");
            for (int j = 0; j <= i; j++)
            {
                double llt = 0;
                for (int k = 0; k <= j; k++) llt += l[i * d + k] * l[j * d + k];
                Assert.That(llt, Is.EqualTo(a[i * d + j]).Within(1e-14 * d * scale), $"(LLᵀ)[{i},{j}]");
            }
        }
        double zNorm = z.Max(Math.Abs);
        for (int i = 0; i < d; i++)
        {
            double az = 0;
            for (int j = 0; j < d; j++) az += a[i * d + j] * z[j];
            Assert.That(az, Is.EqualTo(b[i]).Within(1e-13 * d * scale * zNorm), $"(Az)[{i}]");
        }
    }

    [Test]
    public void A_diagonal_matrix_solves_exactly()
    {
        double[] a = [4, 0, 0, 0, 9, 0, 0, 0, 0.25];
        double[] b = [2, -3, 1];
        var z = new double[3];
        Assert.That(Cholesky.TrySolve(a, 3, b, new double[9], z), Is.True);
        Assert.That(z, Is.EqualTo(new double[] { 0.5, -1.0 / 3, 4 }));
    }

    [Test]
    public void In_place_factor_and_solve_give_the_same_bits_and_the_upper_triangle_is_left_alone()
    {
        const int d = 13;
        var a = RandomSpd(d, 5);
        var b = RandomVector(d, 6);
        var l = new double[d * d];
        var z = new double[d];
        Assert.That(Cholesky.TrySolve(a, d, b, l, z), Is.True);

        var inPlace = (double[])a.Clone();
        var zb = (double[])b.Clone();
        Assert.That(Cholesky.TryFactor(inPlace, d, inPlace), Is.True);
        Cholesky.Solve(inPlace, d, zb, zb);
        Assert.That(zb, Is.EqualTo(z), "solution");
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                Assert.That(inPlace[i * d + j], Is.EqualTo(j <= i ? l[i * d + j] : a[i * d + j]), $"[{i},{j}]");
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++) Assert.That(l[i * d + j], Is.Zero, "the upper triangle of a separate factor is not written");
    }

    [Test]
    public void The_order_of_operations_is_pinned_to_the_bit()
    {
        // The Newton and Levenberg–Marquardt steps of the Shamir and Yun experiments ran on the former
        // LinearPredictor.CholeskySolve; their results stay bit-identical only while the kernel does the same
        // operations in the same order. These bits are what that code (and a Python transcription) gave.
        double[] a = [4.1, 1.3, -0.7, 1.3, 3.7, 0.9, -0.7, 0.9, 2.3];
        double[] b = [1.0 / 3, -2.0 / 7, 5.0 / 11];
        var z = new double[3];
        Assert.That(Cholesky.TrySolve(a, 3, b, new double[9], z), Is.True);
        Assert.That(z.Select(v => (ulong)BitConverter.DoubleToInt64Bits(v)),
            Is.EqualTo(new ulong[] { 0x3FCC0C91242A21E3, 0xBFCEE93F2EF7A146, 0x3FD6F6E2321B8A68 }));
    }

    [Test]
    public void Indefinite_singular_and_NaN_matrices_are_refused()
    {
        var z = new double[2];
        Assert.That(Cholesky.TrySolve([1, 2, 2, 1], 2, [1, 1], new double[4], z), Is.False, "indefinite");
        Assert.That(z, Is.EqualTo(new double[2]), "z untouched");
        Assert.That(Cholesky.TryFactor([1, 1, 1, 1], 2, new double[4]), Is.False, "singular");
        Assert.That(Cholesky.TryFactor([-1, 0, 0, 1], 2, new double[4]), Is.False, "negative pivot");
        Assert.That(Cholesky.TryFactor([double.NaN, 0, 0, 1], 2, new double[4]), Is.False, "NaN");
        Assert.That(Cholesky.TrySolve([], 0, [], [], []), Is.True, "0 × 0");
        Assert.Throws<ArgumentException>(() => Cholesky.TryFactor(new double[8], 3, new double[9]));
        Assert.Throws<ArgumentException>(() => Cholesky.Solve(new double[9], 3, new double[2], new double[3]));
    }
}
